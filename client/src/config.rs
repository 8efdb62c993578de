//! The configuration file (`storeclient.toml`) and the validated [`ClientConfig`] built from it.
//!
//! The file is TOML with `deny_unknown_fields` everywhere, so a typo is an error with a line and
//! column instead of a silently ignored setting. Paths are relative to the file's own directory,
//! so a facility can move the whole folder. Secrets are read from a file or an environment
//! variable only: a password on the command line would be visible in `ps` to every local user.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use idlink_formats::nsips;
use idlink_protocol::{Destination, FacilityCode};
use reqwest::Url;
use serde::Deserialize;

use crate::preflight::PreflightOptions;

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
    /// The NSIPS record-schema profile pre-flight checks NSIPS files against
    /// (`upload.nsips_profile`), loaded and validated.
    pub nsips_profile: Option<nsips::Profile>,
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
    pub warnings: Vec<PermissionWarning>,
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
        message: InvalidValue,
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
    /// The NSIPS profile named by `upload.nsips_profile` could not be loaded.
    #[error("{path}: `upload.nsips_profile`")]
    NsipsProfile {
        /// The config file.
        path: PathBuf,
        /// Why (names the profile file, with line and column for TOML errors).
        source: nsips::ProfileError,
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

/// Why a configuration value is not acceptable: typed, so that it can be said in each language
/// (`crate::messages`); `Display` is the English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidValue {
    /// Not a URL at all.
    #[error("{value:?} is not a URL: {error}")]
    NotAUrl {
        /// The value.
        value: String,
        /// The URL parser's reason.
        error: String,
    },
    /// A URL that is not `https://`.
    #[error("{value:?} must start with https:// (the service center speaks HTTPS only)")]
    NotHttps {
        /// The value.
        value: String,
    },
    /// Not a 10-digit facility code.
    #[error("{0}")]
    Facility(idlink_protocol::FacilityCodeError),
    /// An empty account ID.
    #[error("the account ID must not be empty")]
    EmptyAccount,
    /// `mode = "pem"` without `cert` or `key`.
    #[error("mode \"pem\" needs both `cert` and `key`")]
    PemNeedsFiles,
    /// `mode = "pkcs12"` without `file`.
    #[error("mode \"pkcs12\" needs `file`")]
    Pkcs12NeedsFile,
    /// Not a destination.
    #[error("{0}")]
    Destination(idlink_protocol::HeaderValueError),
    /// `upload.concurrency` out of range.
    #[error("expected 1 to 64")]
    Concurrency,
    /// `retry.max_attempts` is 0.
    #[error("expected at least 1")]
    MaxAttempts,
    /// `retry.jitter` out of range.
    #[error("expected a fraction from 0.0 to 1.0")]
    Jitter,
    /// `retry.time_scale` out of range.
    #[error("expected a factor above 0")]
    TimeScale,
    /// A negative or non-finite number of seconds.
    #[error("expected a non-negative number of seconds")]
    Seconds,
    /// Both a password file and a password variable.
    #[error("set either `{file_key}` or `{env_key}`, not both")]
    BothSecrets {
        /// The file key.
        file_key: &'static str,
        /// The variable key.
        env_key: &'static str,
    },
    /// Neither a password file nor a password variable.
    #[error(
        "no password configured: set `{file_key}` (a file holding only the password) or `{env_key}` (an environment variable name)"
    )]
    NoSecret {
        /// The file key.
        file_key: &'static str,
        /// The variable key.
        env_key: &'static str,
    },
    /// The password file holds nothing.
    #[error("the password file {} is empty", file.display())]
    EmptyPasswordFile {
        /// The password file.
        file: PathBuf,
    },
}

/// What kind of secret file a [`PermissionWarning`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretFile {
    /// A PEM private key.
    PrivateKey,
    /// A PKCS#12 file (certificate and key).
    Pkcs12,
    /// A file holding a password.
    Password,
}

impl fmt::Display for SecretFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::PrivateKey => "private key",
            Self::Pkcs12 => "PKCS#12 file",
            Self::Password => "password file",
        })
    }
}

/// A secret file that other users can read (a warning, not an error: uploading still works).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the {what} {} can be read by other users (mode {mode:o}); run `chmod 600 {}`",
    file.display(),
    file.display()
)]
pub struct PermissionWarning {
    /// What the file holds.
    pub what: SecretFile,
    /// The file.
    pub file: PathBuf,
    /// Its permission bits (`0o777` part).
    pub mode: u32,
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
        let raw: RawConfig = parse(text, path)?;
        let base = base_of(path);
        Resolver {
            path,
            base: &base,
            warnings: Vec::new(),
        }
        .resolve(raw)
    }

    /// The pre-flight options this configuration sets.
    pub fn preflight(&self) -> PreflightOptions {
        PreflightOptions {
            strictness: self.strictness,
            nsips_profile: self.nsips_profile.clone(),
        }
    }

    /// Multiplies a wait or timeout by `retry.time_scale`.
    pub fn scaled(&self, d: Duration) -> Duration {
        scale(d, self.retry.time_scale)
    }
}

/// Only the pre-flight settings of a configuration file (`[upload]` `strictness` and
/// `nsips_profile`), for `storeclient check`; `Ok(None)` when there is no such file.
///
/// An offline check needs neither the account nor the identity, so this does not resolve them:
/// a file whose password is not at hand still gives its strictness and NSIPS profile. What it
/// does read is checked as strictly as [`ClientConfig::from_path`] would.
pub fn preflight_from_path(path: &Path) -> Result<Option<PreflightOptions>, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ConfigError::Read {
                path: path.to_owned(),
                source,
            });
        }
    };
    // No deny_unknown_fields here: the other tables are simply not read. `[upload]` itself
    // still rejects unknown keys.
    #[derive(Deserialize)]
    struct PreflightOnly {
        #[serde(default)]
        upload: RawUpload,
    }
    let raw: PreflightOnly = parse(&text, path)?;
    let base = base_of(path);
    let resolver = Resolver {
        path,
        base: &base,
        warnings: Vec::new(),
    };
    Ok(Some(PreflightOptions {
        strictness: raw.upload.strictness,
        nsips_profile: resolver.nsips_profile(raw.upload.nsips_profile.as_deref())?,
    }))
}

fn parse<T: serde::de::DeserializeOwned>(text: &str, path: &Path) -> Result<T, ConfigError> {
    toml::from_str(text).map_err(|e| {
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
    })
}

/// The folder relative paths in a configuration file are resolved against.
fn base_of(path: &Path) -> PathBuf {
    path.parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
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
    warnings: Vec<PermissionWarning>,
}

impl Resolver<'_> {
    fn invalid(&self, key: &'static str, message: InvalidValue) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.to_owned(),
            key,
            message,
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

    fn nsips_profile(&self, file: Option<&str>) -> Result<Option<nsips::Profile>, ConfigError> {
        file.map(|f| {
            nsips::Profile::from_path(self.file(f)).map_err(|source| ConfigError::NsipsProfile {
                path: self.path.to_owned(),
                source,
            })
        })
        .transpose()
    }

    fn resolve(mut self, raw: RawConfig) -> Result<ClientConfig, ConfigError> {
        let mut urls = Vec::new();
        for u in std::iter::once(&raw.service.url).chain(raw.service.fallback_urls.iter()) {
            let url = Url::parse(u).map_err(|e| {
                self.invalid(
                    "service.url",
                    InvalidValue::NotAUrl {
                        value: u.clone(),
                        error: e.to_string(),
                    },
                )
            })?;
            if url.scheme() != "https" {
                // PROTO-TLS-001: there is no plain-HTTP listener, and sending a password in clear
                // text must never be one typo away.
                return Err(
                    self.invalid("service.url", InvalidValue::NotHttps { value: u.clone() })
                );
            }
            urls.push(url);
        }
        let facility = FacilityCode::parse(&raw.facility.code)
            .map_err(|e| self.invalid("facility.code", InvalidValue::Facility(e)))?;
        if raw.account.id.trim().is_empty() {
            return Err(self.invalid("account.id", InvalidValue::EmptyAccount));
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
                    return Err(self.invalid("identity.mode", InvalidValue::PemNeedsFiles));
                };
                let key = self.file(key);
                self.warn_if_readable_by_others(&key, SecretFile::PrivateKey);
                IdentityConfig::Pem {
                    cert: self.file(cert),
                    key,
                }
            }
            IdentityMode::Pkcs12 => {
                let Some(file) = &raw.identity.file else {
                    return Err(self.invalid("identity.mode", InvalidValue::Pkcs12NeedsFile));
                };
                let file = self.file(file);
                self.warn_if_readable_by_others(&file, SecretFile::Pkcs12);
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
            .map_err(|e| self.invalid("upload.destination", InvalidValue::Destination(e)))?;
        if raw.upload.concurrency == 0 || raw.upload.concurrency > 64 {
            return Err(self.invalid("upload.concurrency", InvalidValue::Concurrency));
        }
        let r = &raw.retry;
        if r.max_attempts == 0 {
            return Err(self.invalid("retry.max_attempts", InvalidValue::MaxAttempts));
        }
        if !(0.0..=1.0).contains(&r.jitter) {
            return Err(self.invalid("retry.jitter", InvalidValue::Jitter));
        }
        if !(r.time_scale > 0.0 && r.time_scale <= 1000.0) {
            return Err(self.invalid("retry.time_scale", InvalidValue::TimeScale));
        }
        let secs = |key: &'static str, v: f64| {
            Duration::try_from_secs_f64(v).map_err(|_| self.invalid(key, InvalidValue::Seconds))
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
        let nsips_profile = self.nsips_profile(raw.upload.nsips_profile.as_deref())?;
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
            nsips_profile,
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
            (Some(_), Some(_)) => {
                Err(self.invalid(file_key, InvalidValue::BothSecrets { file_key, env_key }))
            }
            (None, None) => {
                Err(self.invalid(file_key, InvalidValue::NoSecret { file_key, env_key }))
            }
            (Some(f), None) => {
                let file = self.file(f);
                let text =
                    std::fs::read_to_string(&file).map_err(|source| ConfigError::SecretFile {
                        path: self.path.to_owned(),
                        key: file_key,
                        file: file.clone(),
                        source,
                    })?;
                self.warn_if_readable_by_others(&file, SecretFile::Password);
                let pw = text.trim_end_matches(['\r', '\n']).to_owned();
                if pw.is_empty() {
                    return Err(self.invalid(file_key, InvalidValue::EmptyPasswordFile { file }));
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

    fn warn_if_readable_by_others(&mut self, file: &Path, what: SecretFile) {
        if let Some(w) = permission_warning(file, what) {
            self.warnings.push(w);
        }
    }
}

/// A warning when a secret file can be read by group or others (Unix permission bits).
pub fn permission_warning(file: &Path, what: SecretFile) -> Option<PermissionWarning> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(file).ok()?.permissions().mode();
        if mode & 0o077 != 0 {
            return Some(PermissionWarning {
                what,
                file: file.to_owned(),
                mode: mode & 0o777,
            });
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
    nsips_profile: Option<String>,
}

impl Default for RawUpload {
    fn default() -> Self {
        Self {
            destination: "storage".into(),
            // Eight streams on one HTTP/2 connection: a document's latency is mostly the
            // service center's fsync, so documents in flight, not client work, set the rate
            // (docs/benchmarks.md: 4 in flight reached 0.8x curl --parallel-max 8, 8 reached 1.07x).
            concurrency: 8,
            strictness: StrictnessSetting::Strict,
            nsips_profile: None,
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
concurrency = 8                              # documents uploaded at the same time
strictness = "strict"                        # pre-flight: "strict" (as the server) or "lenient"
# nsips_profile = "nsips-profile.toml"       # NSIPS record layout for pre-flight (TOML; see
                                             # formats/profiles/nsips-fictional-sample.toml). Without
                                             # one, NSIPS files get the envelope checks only.

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

/// The template in `lang`: the same keys and values, comments in that language.
pub fn template(lang: idlink_i18n::Lang) -> &'static str {
    match lang {
        idlink_i18n::Lang::En => TEMPLATE,
        idlink_i18n::Lang::Ja => TEMPLATE_JA,
    }
}

/// [`TEMPLATE`] with Japanese comments (`storeclient init` under `--lang ja` or a `ja_JP`
/// locale). Keys and values are the same: a test loads both with the real loader.
pub const TEMPLATE_JA: &str = r#"# storeclient の設定ファイルです。パスはこのファイルのあるフォルダーからの相対パスです。
# キーはすべて検査します。綴りを誤ったキーは無視されず、エラーになります。

[service]
url = "https://idlink.example.invalid:8443"  # 転送用アカウント票に記載の URL
# fallback_urls = ["https://idlink-backup.example.invalid:8443"]  # 最初の URL に接続できないときに使います
ca = "ca.pem"                                # サービスセンターのサーバー証明書を発行した CA の証明書

[account]
id = "fac-0112345678"                        # 転送用アカウント票に記載のアカウント ID
password_file = "account.password"           # パスワードだけを書いたファイル（chmod 600）
# password_env = "IDLINK_PASSWORD"           # または環境変数。コマンドラインには書かないでください

[facility]
code = "0112345678"                          # 10 桁の医療機関コード

[identity]
mode = "pem"                                 # "pem"、"pkcs12"、"vpn"（オンデマンド VPN。証明書なし）
cert = "client.chain.pem"                    # クライアント証明書のチェーン（自施設の証明書を先頭に）
key = "client.key.pem"                       # 秘密鍵（chmod 600）
# mode = "pkcs12"
# file = "client.p12"
# password_file = "client.p12.password"      # または password_env = "IDLINK_P12_PASSWORD"

[upload]
destination = "storage"                      # "storage" または "appliance:<ID>"
concurrency = 8                              # 同時にアップロードする文書の数
strictness = "strict"                        # 送信前チェック："strict"（サーバーと同じ）または "lenient"
# nsips_profile = "nsips-profile.toml"       # 送信前チェックに使う NSIPS のレコード構成（TOML。
                                             # formats/profiles/nsips-fictional-sample.toml を参照）。
                                             # 指定しない場合、NSIPS ファイルは外形だけを検査します。

[timeouts]
connect_seconds = 10
attempt_seconds = 30                         # 1 回の試行の制限時間。これに加えて…
attempt_per_mib_seconds = 2                  # …文書 1 MiB ごとにこの秒数を足します

[retry]
max_attempts = 5
initial_backoff_seconds = 1
max_backoff_seconds = 60
jitter = 0.5                                 # 待ち時間のうちランダムにする割合
time_scale = 1.0                             # すべての待ち時間と制限時間に掛ける倍率（テスト専用）

[spool]
# dir = "spool"                              # --spool を指定しないときの `send`/`watch` のスプールフォルダー
poll_seconds = 5                             # `watch` が outbox/ を確認する間隔

[log]
# dir = "log"                                # ローテーションするログとアクセスログ（access.log）の置き場所
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
        assert!(cfg.warnings[0].to_string().contains("chmod 600"));
        std::fs::set_permissions(&pw, std::fs::Permissions::from_mode(0o600)).unwrap();
        let cfg = ClientConfig::from_toml(MINIMAL, &dir.path().join("c.toml")).unwrap();
        assert!(cfg.warnings.is_empty());
    }

    #[test]
    fn both_init_templates_parse_once_their_password_exists_and_set_the_same_values() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "account.password", "pw");
        let path = dir.path().join("storeclient.toml");
        let en = ClientConfig::from_toml(TEMPLATE, &path).unwrap();
        let ja = ClientConfig::from_toml(TEMPLATE_JA, &path).unwrap();
        assert_eq!(format!("{en:?}"), format!("{ja:?}"));
        // The same lines once comments are gone: only the comments are translated.
        let code = |t: &str| -> Vec<String> {
            t.lines()
                .map(|l| l.split('#').next().unwrap_or("").trim_end().to_owned())
                .filter(|l| !l.is_empty())
                .collect()
        };
        assert_eq!(code(TEMPLATE), code(TEMPLATE_JA));
        assert!(TEMPLATE_JA.contains("転送用アカウント票"));
    }

    /// The shipped fictional profile, copied next to a config under `name`.
    fn copy_sample_profile(dir: &Path, name: &str) {
        let sample = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../formats/profiles/nsips-fictional-sample.toml");
        std::fs::copy(sample, dir.join(name)).unwrap();
    }

    #[test]
    fn the_nsips_profile_is_loaded_relative_to_the_config_file() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "account.password", "pw");
        std::fs::create_dir(dir.path().join("profiles")).unwrap();
        copy_sample_profile(&dir.path().join("profiles"), "nsips.toml");
        let text = format!("{MINIMAL}[upload]\nnsips_profile = \"profiles/nsips.toml\"\n");
        let path = dir.path().join("storeclient.toml");
        let cfg = ClientConfig::from_toml(&text, &path).unwrap();
        let profile = cfg.nsips_profile.as_ref().expect("profile loaded");
        assert_eq!(profile.profile.name, "nsips-fictional-sample");
        assert_eq!(cfg.preflight().nsips_profile.as_ref(), Some(profile));
        let none = ClientConfig::from_toml(MINIMAL, &path).unwrap();
        assert_eq!(none.nsips_profile, None);
    }

    #[test]
    fn a_broken_nsips_profile_names_the_config_key_and_the_profile_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "account.password", "pw");
        write(
            dir.path(),
            "nsips.toml",
            "[profile]\nname = \"x\"\nfictional = true\ncolour = 1\n",
        );
        let text = format!("{MINIMAL}[upload]\nnsips_profile = \"nsips.toml\"\n");
        let path = dir.path().join("storeclient.toml");
        let err = ClientConfig::from_toml(&text, &path).unwrap_err();
        let ConfigError::NsipsProfile { source, .. } = &err else {
            panic!("expected an NSIPS profile error, got {err:?}");
        };
        assert!(
            matches!(
                source,
                nsips::ProfileError::Toml {
                    line: 4,
                    column: 1,
                    ..
                }
            ),
            "{source:?}"
        );
        let shown = crate::report::error_chain(&err);
        let profile = dir.path().join("nsips.toml");
        assert!(
            shown.starts_with(&format!(
                "{}: `upload.nsips_profile`: {}:4:1: ",
                path.display(),
                profile.display()
            )),
            "{shown}"
        );
    }

    #[test]
    fn check_reads_only_the_preflight_settings_and_needs_no_password() {
        let dir = tempfile::tempdir().unwrap();
        copy_sample_profile(dir.path(), "nsips.toml");
        // No account.password exists: a full load would fail, the pre-flight part does not.
        let path = dir.path().join("storeclient.toml");
        write(
            dir.path(),
            "storeclient.toml",
            &format!(
                "{MINIMAL}[upload]\nstrictness = \"lenient\"\nnsips_profile = \"nsips.toml\"\n"
            ),
        );
        assert!(ClientConfig::from_path(&path).is_err());
        let options = preflight_from_path(&path)
            .unwrap()
            .expect("the file exists");
        assert_eq!(options.strictness, StrictnessSetting::Lenient);
        assert!(options.nsips_profile.is_some());
        assert_eq!(
            preflight_from_path(&dir.path().join("none.toml")).unwrap(),
            None
        );
        write(dir.path(), "typo.toml", "[upload]\nnsips_profil = \"x\"\n");
        let err = preflight_from_path(&dir.path().join("typo.toml")).unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::Parse {
                    line: 2,
                    column: 1,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn scaling_multiplies_waits() {
        assert_eq!(
            scale(Duration::from_secs(2), 0.001),
            Duration::from_millis(2)
        );
    }
}
