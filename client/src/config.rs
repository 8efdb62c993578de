//! The configuration file (`storeclient.toml`) and the validated [`ClientConfig`] built from it.
//!
//! The file is TOML with `deny_unknown_fields` everywhere, so a typo is an error with a line and
//! column instead of a silently ignored setting. Paths are relative to the file's own directory,
//! so a facility can move the whole folder. Secrets are read from a file or an environment
//! variable only: a password on the command line would be visible in `ps` to every local user.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use idlink_protocol::{Destination, FacilityCode};
use reqwest::Url;
use serde::Deserialize;

/// The name `storeclient` looks for when `--config` is not given.
pub const DEFAULT_CONFIG_FILE: &str = "storeclient.toml";

/// A validated configuration. Only [`ClientConfig::from_path`] / [`ClientConfig::from_toml`]
/// create one, so every field has been checked and every secret loaded.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The file this configuration was read from (for messages).
    pub source: PathBuf,
    /// Service URLs, the first is the primary; the others are tried when it cannot be reached.
    pub service_urls: Vec<Url>,
    /// The CA bundle that the server certificate must chain to (`PROTO-CLI-004`).
    pub ca: PathBuf,
    /// Account ID from the transfer account sheet.
    pub account_id: String,
    /// Account password (redacted in `Debug`).
    pub password: Secret,
    /// The facility's 10-digit code.
    pub facility: FacilityCode,
    /// How this client proves who it is on the TLS layer.
    pub identity: IdentityConfig,
    /// Default destination of uploads.
    pub destination: Destination,
    /// Documents uploaded at the same time.
    pub concurrency: usize,
    /// Pre-flight strictness.
    pub strictness: StrictnessSetting,
    /// Connection and per-attempt timeouts.
    pub timeouts: Timeouts,
    /// Retry policy.
    pub retry: RetrySettings,
    /// Spool folder for `send` / `watch` when `--spool` is not given.
    pub spool_dir: Option<PathBuf>,
    /// How often `watch` looks into `outbox/` (before scaling).
    pub poll_interval: Duration,
    /// Folder for rotating log files and the access log.
    pub log_dir: Option<PathBuf>,
    /// Non-fatal problems found while loading (world-readable secrets); shown on stderr.
    pub warnings: Vec<String>,
}

/// How the client authenticates on the TLS layer.
#[derive(Debug, Clone)]
pub enum IdentityConfig {
    /// A PEM certificate chain (leaf first) and a PEM private key.
    Pem {
        /// Certificate chain file.
        cert: PathBuf,
        /// Private key file.
        key: PathBuf,
    },
    /// A PKCS#12 (`.p12` / `.pfx`) file and its password.
    Pkcs12 {
        /// The PKCS#12 file.
        file: PathBuf,
        /// Its password (redacted in `Debug`).
        password: Secret,
    },
    /// On-demand VPN: no client certificate; the account alone authenticates (`PROTO-TLS-004`).
    Vpn,
}

/// Pre-flight strictness (`upload.strictness`): the formats crate's own type, so the setting
/// means exactly what the check does. Its serde spelling (`"strict"`, `"lenient"`) is the
/// configuration's; the name is kept for existing callers.
pub use idlink_formats::Strictness as StrictnessSetting;

/// Connection and per-attempt timeouts, before `time_scale`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timeouts {
    /// TCP + TLS connect.
    pub connect: Duration,
    /// Fixed part of one attempt's deadline.
    pub attempt_base: Duration,
    /// Added to the deadline per MiB of body, so a 1 GiB PDF is not cut off like a 2 KB HL7.
    pub attempt_per_mib: Duration,
}

/// Retry settings, before `time_scale`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetrySettings {
    /// Attempts per document, the first included.
    pub max_attempts: u32,
    /// Backoff before the second attempt.
    pub initial_backoff: Duration,
    /// Upper bound of the exponential backoff.
    pub max_backoff: Duration,
    /// Fraction (0..=1) of each backoff that is randomised, so clients do not retry in lockstep.
    pub jitter: f64,
    /// Multiplies every wait and timeout; tests use 0.001 so a 2 s `Retry-After` takes 2 ms.
    pub time_scale: f64,
}

/// A secret string: `Debug` prints `[redacted]` and there is no `Display`, so it cannot end up
/// in a log line or an error message by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call sites are few and obvious on purpose.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Why a configuration could not be loaded. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error(
        "cannot read the configuration file {path} (run `storeclient init` to write a template)"
    )]
    Read {
        /// The config file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// TOML syntax error, unknown key or wrong type.
    #[error("{path}:{line}:{column}: {message}")]
    Parse {
        /// The config file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// A value is syntactically fine but not acceptable.
    #[error("{path}: `{key}`: {message}")]
    Invalid {
        /// The config file.
        path: PathBuf,
        /// The key, e.g. `service.url`.
        key: &'static str,
        /// What is wrong and what to do.
        message: String,
    },
    /// A password file could not be read.
    #[error("{path}: `{key}`: cannot read the password file {file}")]
    SecretFile {
        /// The config file.
        path: PathBuf,
        /// The key naming the password file.
        key: &'static str,
        /// The password file.
        file: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A password environment variable is not set.
    #[error("{path}: `{key}`: the environment variable {var} is not set (or not UTF-8)")]
    SecretEnv {
        /// The config file.
        path: PathBuf,
        /// The key naming the variable.
        key: &'static str,
        /// The variable.
        var: String,
    },
}

impl ClientConfig {
    /// Reads and validates a configuration file; relative paths are resolved against its folder.
    ///
    /// ```no_run
    /// let config = storeclient::ClientConfig::from_path("storeclient.toml".as_ref())?;
    /// # Ok::<(), storeclient::ConfigError>(())
    /// ```
    pub fn from_path(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml(&text, path)
    }

    /// Parses configuration text as if it had been read from `path`.
    pub fn from_toml(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map(|s| line_column(text, s.start))
                .unwrap_or((1, 1));
            ConfigError::Parse {
                path: path.to_owned(),
                line,
                column,
                message: e.message().trim().to_owned(),
            }
        })?;
        let base = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Resolver {
            path,
            base: &base,
            warnings: Vec::new(),
        }
        .resolve(raw)
    }

    /// Multiplies a wait or timeout by `retry.time_scale`.
    pub fn scaled(&self, d: Duration) -> Duration {
        scale(d, self.retry.time_scale)
    }
}

/// Multiplies a duration by a non-negative factor.
pub fn scale(d: Duration, factor: f64) -> Duration {
    Duration::try_from_secs_f64(d.as_secs_f64() * factor).unwrap_or(Duration::ZERO)
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

struct Resolver<'a> {
    path: &'a Path,
    base: &'a Path,
    warnings: Vec<String>,
}

impl Resolver<'_> {
    fn invalid(&self, key: &'static str, message: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.to_owned(),
            key,
            message: message.into(),
        }
    }

    fn file(&self, p: &str) -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_owned()
        } else {
            self.base.join(p)
        }
    }

    fn resolve(mut self, raw: RawConfig) -> Result<ClientConfig, ConfigError> {
        let mut urls = Vec::new();
        for u in std::iter::once(&raw.service.url).chain(raw.service.fallback_urls.iter()) {
            let url = Url::parse(u)
                .map_err(|e| self.invalid("service.url", format!("{u:?} is not a URL: {e}")))?;
            if url.scheme() != "https" {
                // PROTO-TLS-001: there is no plain-HTTP listener, and sending a password in clear
                // text must never be one typo away.
                return Err(self.invalid(
                    "service.url",
                    format!(
                        "{u:?} must start with https:// (the service center speaks HTTPS only)"
                    ),
                ));
            }
            urls.push(url);
        }
        let facility = FacilityCode::parse(&raw.facility.code)
            .map_err(|e| self.invalid("facility.code", e.to_string()))?;
        if raw.account.id.trim().is_empty() {
            return Err(self.invalid("account.id", "the account ID must not be empty"));
        }
        let password = self.secret(
            "account.password_file",
            "account.password_env",
            raw.account.password_file.as_deref(),
            raw.account.password_env.as_deref(),
        )?;
        let identity = match raw.identity.mode {
            IdentityMode::Pem => {
                let (Some(cert), Some(key)) = (&raw.identity.cert, &raw.identity.key) else {
                    return Err(
                        self.invalid("identity.mode", "mode \"pem\" needs both `cert` and `key`")
                    );
                };
                let key = self.file(key);
                self.warn_if_readable_by_others(&key, "private key");
                IdentityConfig::Pem {
                    cert: self.file(cert),
                    key,
                }
            }
            IdentityMode::Pkcs12 => {
                let Some(file) = &raw.identity.file else {
                    return Err(self.invalid("identity.mode", "mode \"pkcs12\" needs `file`"));
                };
                let file = self.file(file);
                self.warn_if_readable_by_others(&file, "PKCS#12 file");
                let password = self.secret(
                    "identity.password_file",
                    "identity.password_env",
                    raw.identity.password_file.as_deref(),
                    raw.identity.password_env.as_deref(),
                )?;
                IdentityConfig::Pkcs12 { file, password }
            }
            IdentityMode::Vpn => IdentityConfig::Vpn,
        };
        let destination = Destination::parse(&raw.upload.destination)
            .map_err(|e| self.invalid("upload.destination", e.to_string()))?;
        if raw.upload.concurrency == 0 || raw.upload.concurrency > 64 {
            return Err(self.invalid("upload.concurrency", "expected 1 to 64"));
        }
        let r = &raw.retry;
        if r.max_attempts == 0 {
            return Err(self.invalid("retry.max_attempts", "expected at least 1"));
        }
        if !(0.0..=1.0).contains(&r.jitter) {
            return Err(self.invalid("retry.jitter", "expected a fraction from 0.0 to 1.0"));
        }
        if !(r.time_scale > 0.0 && r.time_scale <= 1000.0) {
            return Err(self.invalid("retry.time_scale", "expected a factor above 0"));
        }
        let secs = |key: &'static str, v: f64| {
            Duration::try_from_secs_f64(v)
                .map_err(|_| self.invalid(key, "expected a non-negative number of seconds"))
        };
        let timeouts = Timeouts {
            connect: secs("timeouts.connect_seconds", raw.timeouts.connect_seconds)?,
            attempt_base: secs("timeouts.attempt_seconds", raw.timeouts.attempt_seconds)?,
            attempt_per_mib: secs(
                "timeouts.attempt_per_mib_seconds",
                raw.timeouts.attempt_per_mib_seconds,
            )?,
        };
        let retry = RetrySettings {
            max_attempts: r.max_attempts,
            initial_backoff: secs("retry.initial_backoff_seconds", r.initial_backoff_seconds)?,
            max_backoff: secs("retry.max_backoff_seconds", r.max_backoff_seconds)?,
            jitter: r.jitter,
            time_scale: r.time_scale,
        };
        let poll_interval = secs("spool.poll_seconds", raw.spool.poll_seconds)?;
        Ok(ClientConfig {
            source: self.path.to_owned(),
            service_urls: urls,
            ca: self.file(&raw.service.ca),
            account_id: raw.account.id,
            password,
            facility,
            identity,
            destination,
            concurrency: raw.upload.concurrency,
            strictness: raw.upload.strictness,
            timeouts,
            retry,
            spool_dir: raw.spool.dir.as_deref().map(|d| self.file(d)),
            poll_interval,
            log_dir: raw.log.dir.as_deref().map(|d| self.file(d)),
            warnings: self.warnings,
        })
    }

    fn secret(
        &mut self,
        file_key: &'static str,
        env_key: &'static str,
        file: Option<&str>,
        env: Option<&str>,
    ) -> Result<Secret, ConfigError> {
        match (file, env) {
            (Some(_), Some(_)) => Err(self.invalid(
                file_key,
                format!("set either `{file_key}` or `{env_key}`, not both"),
            )),
            (None, None) => Err(self.invalid(
                file_key,
                format!(
                    "no password configured: set `{file_key}` (a file holding only the password) \
                     or `{env_key}` (an environment variable name)"
                ),
            )),
            (Some(f), None) => {
                let file = self.file(f);
                let text =
                    std::fs::read_to_string(&file).map_err(|source| ConfigError::SecretFile {
                        path: self.path.to_owned(),
                        key: file_key,
                        file: file.clone(),
                        source,
                    })?;
                self.warn_if_readable_by_others(&file, "password file");
                let pw = text.trim_end_matches(['\r', '\n']).to_owned();
                if pw.is_empty() {
                    return Err(self.invalid(
                        file_key,
                        format!("the password file {} is empty", file.display()),
                    ));
                }
                Ok(Secret(pw))
            }
            (None, Some(var)) => match std::env::var(var) {
                Ok(v) if !v.is_empty() => Ok(Secret(v)),
                _ => Err(ConfigError::SecretEnv {
                    path: self.path.to_owned(),
                    key: env_key,
                    var: var.to_owned(),
                }),
            },
        }
    }

    fn warn_if_readable_by_others(&mut self, file: &Path, what: &str) {
        if let Some(w) = permission_warning(file, what) {
            self.warnings.push(w);
        }
    }
}

/// A warning when a secret file can be read by group or others (Unix permission bits).
pub fn permission_warning(file: &Path, what: &str) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(file).ok()?.permissions().mode();
        if mode & 0o077 != 0 {
            return Some(format!(
                "the {what} {} can be read by other users (mode {:o}); run `chmod 600 {}`",
                file.display(),
                mode & 0o777,
                file.display()
            ));
        }
        None
    }
    #[cfg(not(unix))]
    {
        let _ = (file, what);
        None
    }
}

// --- the file format -------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    service: RawService,
    account: RawAccount,
    facility: RawFacility,
    identity: RawIdentity,
    #[serde(default)]
    upload: RawUpload,
    #[serde(default)]
    timeouts: RawTimeouts,
    #[serde(default)]
    retry: RawRetry,
    #[serde(default)]
    spool: RawSpool,
    #[serde(default)]
    log: RawLog,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    url: String,
    #[serde(default)]
    fallback_urls: Vec<String>,
    ca: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAccount {
    id: String,
    password_file: Option<String>,
    password_env: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFacility {
    code: String,
}

#[derive(Debug, Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum IdentityMode {
    Pem,
    Pkcs12,
    Vpn,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIdentity {
    mode: IdentityMode,
    cert: Option<String>,
    key: Option<String>,
    file: Option<String>,
    password_file: Option<String>,
    password_env: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawUpload {
    destination: String,
    concurrency: usize,
    strictness: StrictnessSetting,
}

impl Default for RawUpload {
    fn default() -> Self {
        Self {
            destination: "storage".into(),
            concurrency: 4,
            strictness: StrictnessSetting::Strict,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawTimeouts {
    connect_seconds: f64,
    attempt_seconds: f64,
    attempt_per_mib_seconds: f64,
}

impl Default for RawTimeouts {
    fn default() -> Self {
        Self {
            connect_seconds: 10.0,
            attempt_seconds: 30.0,
            attempt_per_mib_seconds: 2.0,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawRetry {
    max_attempts: u32,
    initial_backoff_seconds: f64,
    max_backoff_seconds: f64,
    jitter: f64,
    time_scale: f64,
}

impl Default for RawRetry {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff_seconds: 1.0,
            max_backoff_seconds: 60.0,
            jitter: 0.5,
            time_scale: 1.0,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawSpool {
    dir: Option<String>,
    poll_seconds: f64,
}

impl Default for RawSpool {
    fn default() -> Self {
        Self {
            dir: None,
            poll_seconds: 5.0,
        }
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RawLog {
    dir: Option<String>,
}

/// The commented template `storeclient init` writes.
pub const TEMPLATE: &str = r#"# storeclient configuration. Paths are relative to this file's folder.
# Every key is checked: a misspelt key is an error, not a silently ignored setting.

[service]
url = "https://idlink.example.invalid:8443"  # from your transfer account sheet
# fallback_urls = ["https://idlink-backup.example.invalid:8443"]  # tried when the first is unreachable
ca = "ca.pem"                                # CA that the service center's certificate chains to

[account]
id = "fac-0112345678"                        # account ID from the transfer account sheet
password_file = "account.password"           # a file holding only the password (chmod 600)
# password_env = "IDLINK_PASSWORD"           # ...or an environment variable; never the command line

[facility]
code = "0112345678"                          # your 10-digit medical-institution code

[identity]
mode = "pem"                                 # "pem", "pkcs12" or "vpn" (on-demand VPN, no certificate)
cert = "client.chain.pem"                    # certificate chain, your certificate first
key = "client.key.pem"                       # private key (chmod 600)
# mode = "pkcs12"
# file = "client.p12"
# password_file = "client.p12.password"      # or password_env = "IDLINK_P12_PASSWORD"

[upload]
destination = "storage"                      # "storage" or "appliance:<id>"
concurrency = 4                              # documents uploaded at the same time
strictness = "strict"                        # pre-flight: "strict" (as the server) or "lenient"

[timeouts]
connect_seconds = 10
attempt_seconds = 30                         # per attempt, plus...
attempt_per_mib_seconds = 2                  # ...this much per MiB of document

[retry]
max_attempts = 5
initial_backoff_seconds = 1
max_backoff_seconds = 60
jitter = 0.5                                 # fraction of each wait that is randomised
time_scale = 1.0                             # multiplies every wait and timeout (tests only)

[spool]
# dir = "spool"                              # default for `send`/`watch` without --spool
poll_seconds = 5                             # how often `watch` looks into outbox/

[log]
# dir = "log"                                # rotating logs and the access log (access.log)
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    const MINIMAL: &str = r#"
[service]
url = "https://localhost:8443"
ca = "ca.pem"
[account]
id = "fac-0112345678"
password_file = "account.password"
[facility]
code = "0112345678"
[identity]
mode = "pem"
cert = "client.chain.pem"
key = "client.key.pem"
"#;

    #[test]
    fn resolves_paths_against_the_config_folder_and_applies_defaults() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "account.password", "s3cret\n");
        let cfg = ClientConfig::from_toml(MINIMAL, &dir.path().join("storeclient.toml")).unwrap();
        assert_eq!(cfg.ca, dir.path().join("ca.pem"));
        assert_eq!(cfg.password.expose(), "s3cret");
        assert_eq!(cfg.destination, Destination::Storage);
        assert_eq!(cfg.retry.max_attempts, 5);
        assert!(
            matches!(cfg.identity, IdentityConfig::Pem { ref key, .. } if key == &dir.path().join("client.key.pem"))
        );
        assert_eq!(format!("{:?}", cfg.password), "[redacted]");
    }

    #[test]
    fn an_unknown_key_is_reported_with_file_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let text = MINIMAL.replace("[facility]\n", "[facility]\ncolour = 1\n");
        let path = dir.path().join("storeclient.toml");
        let err = ClientConfig::from_toml(&text, &path).unwrap_err();
        let ConfigError::Parse {
            line,
            column,
            message,
            ..
        } = &err
        else {
            panic!("expected a parse error, got {err:?}");
        };
        assert_eq!((*line, *column), (9, 1));
        assert!(message.contains("unknown field `colour`"), "{message}");
        assert!(
            err.to_string()
                .starts_with(&format!("{}:9:1:", path.display()))
        );
    }

    #[test]
    fn plain_http_and_missing_passwords_are_refused_with_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        let err =
            ClientConfig::from_toml(&MINIMAL.replace("https://", "http://"), &path).unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::Invalid {
                    key: "service.url",
                    ..
                }
            ),
            "{err}"
        );
        let err = ClientConfig::from_toml(MINIMAL, &path).unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::SecretFile {
                    key: "account.password_file",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn warns_when_a_password_file_is_readable_by_others() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "account.password", "pw");
        let pw = dir.path().join("account.password");
        std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o644)).unwrap();
        let cfg = ClientConfig::from_toml(MINIMAL, &dir.path().join("c.toml")).unwrap();
        assert_eq!(cfg.warnings.len(), 1, "{:?}", cfg.warnings);
        assert!(cfg.warnings[0].contains("chmod 600"));
        std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).unwrap();
        let cfg = ClientConfig::from_toml(MINIMAL, &dir.path().join("c.toml")).unwrap();
        assert!(cfg.warnings.is_empty());
    }

    #[test]
    fn the_init_template_parses_once_its_password_exists() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "account.password", "pw");
        ClientConfig::from_toml(TEMPLATE, &dir.path().join("storeclient.toml")).unwrap();
    }

    #[test]
    fn scaling_multiplies_waits() {
        assert_eq!(
            scale(Duration::from_secs(2), 0.001),
            Duration::from_millis(2)
        );
    }
}
