//! The mock's configuration: accounts, consents, appliances, limits and validation strictness.
//!
//! A TOML file (`idlink-mock serve --config FILE`) or [`MockConfig::demo`]. Every table uses
//! `deny_unknown_fields` so a typo in a test fixture fails loudly instead of silently becoming a
//! default. Passwords are plain text on purpose: this is a test tool, and the files are test
//! fixtures. They are never logged, journaled or returned.

use std::fmt;
use std::path::{Path, PathBuf};

use idlink_protocol::{FacilityCode, PatientId};
use serde::{Deserialize, Serialize};

/// Why a configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the mock configuration {path}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The TOML is malformed or has an unknown key (the message carries line and column).
    #[error("the mock configuration{} is not valid TOML for idlink-mock", in_file(.path))]
    Parse {
        /// The file, when the text came from one.
        path: Option<PathBuf>,
        /// The parser's error.
        source: Box<toml::de::Error>,
    },
    /// The TOML parsed but breaks a rule (duplicate account, unknown appliance ID syntax...).
    #[error("the mock configuration is inconsistent: {0}")]
    Invalid(String),
    /// The NSIPS profile named by `nsips_profile` cannot be read or parsed. The source names
    /// the profile file, and for a syntax or schema error its line and column.
    #[error("the NSIPS profile in the mock configuration{} cannot be used", in_file(.config))]
    NsipsProfile {
        /// The configuration file that names the profile, when there is one.
        config: Option<PathBuf>,
        /// What went wrong, with the profile's path (and line and column).
        source: idlink_formats::nsips::ProfileError,
    },
}

fn in_file(path: &Option<PathBuf>) -> String {
    path.as_ref()
        .map(|p| format!(" {}", p.display()))
        .unwrap_or_default()
}

/// The complete configuration of a mock service center.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MockConfig {
    /// How strictly uploads are validated (`PROTO-UP-011`: strict by default).
    #[serde(default)]
    pub strictness: Strictness,
    /// Where documents, the transaction log, the journal and the PKI live. `None`: a temporary
    /// directory owned by the running [`crate::MockCenter`] and deleted with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// Resource limits and timeouts.
    #[serde(default)]
    pub limits: Limits,
    /// The transfer-account sheet of every facility.
    #[serde(default)]
    pub accounts: Vec<AccountConfig>,
    /// Patients who consented to ID-Link storage, per facility (`PROTO-UP-008`).
    #[serde(default)]
    pub consents: Vec<ConsentConfig>,
    /// Region-shared appliances known to the center (`PROTO-UP-007`).
    #[serde(default)]
    pub appliances: Vec<ApplianceConfig>,
    /// The NSIPS record-schema profile uploads are checked against; a relative path is relative
    /// to the configuration file. `None` (the demo): only the NSIPS envelope is checked and the
    /// receipt carries the `NSIPS-PROFILE-MISSING` warning, because the real layout is
    /// confidential and a mock that refused every NSIPS upload would test nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nsips_profile: Option<PathBuf>,
}

/// Limits on what one client can make the mock do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest accepted document (`PROTO-UP-010`, default 64 MiB).
    pub max_body_bytes: u64,
    /// Open connections per listener; further connections are closed at once and journaled.
    pub max_connections: usize,
    /// Consecutive failed logins that lock an account (`PROTO-AUTH-003`, default 5).
    pub lockout_threshold: u32,
    /// A TLS handshake that takes longer than this is abandoned and journaled.
    pub handshake_timeout_ms: u64,
    /// Journal entries kept in memory (the file on disk keeps all of them).
    pub journal_capacity: usize,
    /// HTTP/1.1: a request head (request line and headers) must arrive within this many
    /// nominal milliseconds (scaled by the clock, see [`crate::clock::Clock::scaled_timeout`])
    /// of the server starting to wait for it: after
    /// the handshake and between keep-alive requests. Else the connection is closed and
    /// journaled. Default 60 s: above the waits a client makes between requests in the shipped
    /// scenarios, so a client that waits out a `Retry-After` finds its connection still open.
    pub header_read_timeout_ms: u64,
    /// Uploads: a request body that brings no byte for this many nominal milliseconds is
    /// refused with `408` and the connection closed. Default 60 s.
    pub body_idle_timeout_ms: u64,
    /// A connection with no request in flight for this many nominal milliseconds is closed
    /// (an idle HTTP/2 connection, or a TLS connection that never sends a request).
    /// Default 120 s.
    pub idle_timeout_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 64 * 1024 * 1024,
            max_connections: 256,
            lockout_threshold: 5,
            handshake_timeout_ms: 10_000,
            journal_capacity: 10_000,
            header_read_timeout_ms: 60_000,
            body_idle_timeout_ms: 60_000,
            idle_timeout_ms: 120_000,
        }
    }
}

/// Validation strictness, mapped onto the formats crate's `Strictness`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strictness {
    /// Every rule is enforced (the default, as the real center does).
    #[default]
    Strict,
    /// Findings the formats crate considers tolerable become warnings.
    Lenient,
}

/// One account from a transfer account sheet.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    /// The account ID printed on the sheet, e.g. `fac-0112345678`.
    pub id: String,
    /// The password, plain text (test-only tool). Never logged or journaled.
    pub password: String,
    /// The facility the account belongs to.
    pub facility: FacilityCode,
    /// Which listener the account may use (`PROTO-AUTH-007`).
    pub mode: AccessMode,
    /// The account's state at start-up.
    #[serde(default)]
    pub state: AccountState,
}

impl fmt::Debug for AccountConfig {
    // Hand-written so that a `{:?}` in a log line can never print the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountConfig")
            .field("id", &self.id)
            .field("password", &"[redacted]")
            .field("facility", &self.facility)
            .field("mode", &self.mode)
            .field("state", &self.state)
            .finish()
    }
}

/// How an account reaches the center (`PROTO-AUTH-007`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccessMode {
    /// Mutual TLS on the main listener, with a client certificate of the same facility.
    Certificate,
    /// The on-demand VPN listener, account only.
    Vpn,
}

/// The state of an account (`PROTO-AUTH-003..005`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AccountState {
    /// May log in.
    #[default]
    Active,
    /// Locked after too many failed logins, until an operator unlocks it.
    Locked,
    /// The password has expired.
    PasswordExpired,
    /// Disabled by the operator.
    Disabled,
}

impl AccountState {
    /// The kebab-case name used in the config and the admin API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Locked => "locked",
            Self::PasswordExpired => "password-expired",
            Self::Disabled => "disabled",
        }
    }
}

/// A consent record: this facility may store this patient's documents (`PROTO-UP-008`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentConfig {
    /// The facility.
    pub facility: FacilityCode,
    /// The facility's local patient ID.
    pub patient_id: PatientId,
}

/// A region-shared appliance, addressed as `appliance:<id>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApplianceConfig {
    /// The ID used in `IDLink-Destination: appliance:<id>`.
    pub id: String,
    /// A human name for the web view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The demo facility: a certificate and a VPN account, and the SS-MIX2 sample patient.
pub const DEMO_FACILITY: &str = "0112345678";
/// The second demo facility, whose certificate is the PKI's `OtherFacility` variant.
pub const DEMO_OTHER_FACILITY: &str = "0198765432";

/// The demo accounts: (ID, password, facility, mode, state). Test-only passwords, documented in
/// mock-server/README.md.
const DEMO_ACCOUNTS: [(&str, &str, &str, AccessMode, AccountState); 6] = [
    (
        "fac-0112345678",
        "demo-cert-pass",
        DEMO_FACILITY,
        AccessMode::Certificate,
        AccountState::Active,
    ),
    (
        "vpn-0112345678",
        "demo-vpn-pass",
        DEMO_FACILITY,
        AccessMode::Vpn,
        AccountState::Active,
    ),
    (
        "locked-0112345678",
        "demo-locked-pass",
        DEMO_FACILITY,
        AccessMode::Certificate,
        AccountState::Locked,
    ),
    (
        "expired-0112345678",
        "demo-expired-pass",
        DEMO_FACILITY,
        AccessMode::Certificate,
        AccountState::PasswordExpired,
    ),
    (
        "disabled-0112345678",
        "demo-disabled-pass",
        DEMO_FACILITY,
        AccessMode::Certificate,
        AccountState::Disabled,
    ),
    (
        "fac-0198765432",
        "demo-other-pass",
        DEMO_OTHER_FACILITY,
        AccessMode::Certificate,
        AccountState::Active,
    ),
];

/// Patients with a consent record in the demo: (facility, patient). `9999013` is the SS-MIX2
/// sample patient; `9999099` deliberately has none.
const DEMO_CONSENTS: [(&str, &str); 4] = [
    (DEMO_FACILITY, "9999013"),
    (DEMO_FACILITY, "9999014"),
    (DEMO_FACILITY, "1234567"),
    (DEMO_OTHER_FACILITY, "9999013"),
];

impl MockConfig {
    /// The built-in demo configuration (`idlink-mock config --demo` prints it).
    ///
    /// ```
    /// let config = idlink_mock::MockConfig::demo();
    /// assert!(config.accounts.iter().any(|a| a.id == "fac-0112345678"));
    /// ```
    pub fn demo() -> Self {
        let accounts = DEMO_ACCOUNTS
            .iter()
            .filter_map(|(id, password, facility, mode, state)| {
                Some(AccountConfig {
                    id: (*id).to_owned(),
                    password: (*password).to_owned(),
                    facility: FacilityCode::parse(facility).ok()?,
                    mode: *mode,
                    state: *state,
                })
            })
            .collect();
        let consents = DEMO_CONSENTS
            .iter()
            .filter_map(|(facility, patient)| {
                Some(ConsentConfig {
                    facility: FacilityCode::parse(facility).ok()?,
                    patient_id: PatientId::parse(patient).ok()?,
                })
            })
            .collect();
        Self {
            strictness: Strictness::Strict,
            data_dir: None,
            limits: Limits::default(),
            accounts,
            consents,
            appliances: vec![ApplianceConfig {
                id: "region-01".to_owned(),
                name: Some("Demo region-shared appliance".to_owned()),
            }],
            nsips_profile: None,
        }
    }

    /// Reads and checks a TOML file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text, Some(path))
    }

    /// Parses and checks TOML text.
    pub fn from_toml_str(text: &str) -> Result<Self, ConfigError> {
        Self::parse(text, None)
    }

    /// The configuration as TOML (what `idlink-mock config --demo` prints).
    pub fn to_toml_string(&self) -> Result<String, ConfigError> {
        toml::to_string_pretty(self).map_err(|e| ConfigError::Invalid(e.to_string()))
    }

    /// The account with this ID.
    pub fn account(&self, id: &str) -> Option<&AccountConfig> {
        self.accounts.iter().find(|a| a.id == id)
    }

    /// Loads the NSIPS profile named by [`MockConfig::nsips_profile`], if any. The center calls
    /// this at start-up; parsing a configuration file calls it too, so a broken profile is
    /// reported with the configuration, not at the first NSIPS upload.
    pub fn load_nsips_profile(
        &self,
    ) -> Result<Option<idlink_formats::nsips::Profile>, ConfigError> {
        self.nsips_profile
            .as_ref()
            .map(|path| {
                idlink_formats::nsips::Profile::from_path(path).map_err(|source| {
                    ConfigError::NsipsProfile {
                        config: None,
                        source,
                    }
                })
            })
            .transpose()
    }

    fn parse(text: &str, path: Option<&Path>) -> Result<Self, ConfigError> {
        let mut config: Self = toml::from_str(text).map_err(|source| ConfigError::Parse {
            path: path.map(Path::to_owned),
            source: Box::new(source),
        })?;
        config.check()?;
        if let (Some(profile), Some(file)) = (&mut config.nsips_profile, path)
            && profile.is_relative()
        {
            *profile = file.parent().unwrap_or(Path::new("")).join(&*profile);
        }
        config.load_nsips_profile().map_err(|e| match e {
            ConfigError::NsipsProfile { source, .. } => ConfigError::NsipsProfile {
                config: path.map(Path::to_owned),
                source,
            },
            other => other,
        })?;
        Ok(config)
    }

    /// Rules serde cannot express.
    fn check(&self) -> Result<(), ConfigError> {
        let mut ids = std::collections::HashSet::new();
        for account in &self.accounts {
            if account.id.is_empty() || account.id.contains(':') {
                return Err(ConfigError::Invalid(format!(
                    "account ID {:?} must be non-empty and must not contain ':' (HTTP Basic separates ID and password with it)",
                    account.id
                )));
            }
            if !ids.insert(account.id.as_str()) {
                return Err(ConfigError::Invalid(format!(
                    "account {:?} is defined twice",
                    account.id
                )));
            }
        }
        for appliance in &self.appliances {
            let destination = format!("appliance:{}", appliance.id);
            if idlink_protocol::Destination::parse(&destination).is_err() {
                return Err(ConfigError::Invalid(format!(
                    "appliance ID {:?} must be 1 to 64 of A-Z a-z 0-9 - _ .",
                    appliance.id
                )));
            }
        }
        if self.limits.lockout_threshold == 0 {
            return Err(ConfigError::Invalid(
                "limits.lockout_threshold must be at least 1".to_owned(),
            ));
        }
        if self.limits.header_read_timeout_ms == 0
            || self.limits.body_idle_timeout_ms == 0
            || self.limits.idle_timeout_ms == 0
        {
            return Err(ConfigError::Invalid(
                "limits.header_read_timeout_ms, limits.body_idle_timeout_ms and limits.idle_timeout_ms must be at least 1"
                    .to_owned(),
            ));
        }
        if self.limits.max_connections == 0 || self.limits.journal_capacity == 0 {
            return Err(ConfigError::Invalid(
                "limits.max_connections and limits.journal_capacity must be at least 1".to_owned(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_config_round_trips_through_toml() {
        let demo = MockConfig::demo();
        let text = demo.to_toml_string().unwrap();
        assert_eq!(MockConfig::from_toml_str(&text).unwrap(), demo);
        assert_eq!(demo.accounts.len(), DEMO_ACCOUNTS.len());
        assert_eq!(demo.consents.len(), DEMO_CONSENTS.len());
    }

    #[test]
    fn unknown_keys_are_refused_with_their_location() {
        let err = MockConfig::from_toml_str("strictnes = \"strict\"\n").unwrap_err();
        // What the CLI prints: the message and its causes, once each.
        let message = format!("{:#}", anyhow::Error::new(err));
        assert!(message.contains("strictnes"), "{message}");
        assert!(message.contains("line 1"), "{message}");
    }

    #[test]
    fn debug_output_never_shows_a_password() {
        let demo = MockConfig::demo();
        let debug = format!("{demo:?}");
        assert!(!debug.contains("demo-cert-pass"));
        assert!(debug.contains("[redacted]"));
    }

    #[test]
    fn an_nsips_profile_path_is_relative_to_the_config_file_and_its_errors_name_file_line_column() {
        // Arrange: a config naming a profile next to it, once broken and once the real sample.
        let dir = tempfile::tempdir().unwrap();
        let config_path = dir.path().join("mock.toml");
        std::fs::write(&config_path, "nsips_profile = \"profiles/nsips.toml\"\n").unwrap();
        std::fs::create_dir(dir.path().join("profiles")).unwrap();
        let profile_path = dir.path().join("profiles/nsips.toml");
        std::fs::write(
            &profile_path,
            "[profile]\nname = \"x\"\nfictional = true\nbogus = 1\n",
        )
        .unwrap();

        // Act
        let broken = format!(
            "{:#}",
            anyhow::Error::new(MockConfig::from_path(&config_path).unwrap_err())
        );
        std::fs::write(
            &profile_path,
            include_str!("../../formats/profiles/nsips-fictional-sample.toml"),
        )
        .unwrap();
        let loaded = MockConfig::from_path(&config_path).unwrap();

        // Assert
        assert!(
            broken.contains(&config_path.display().to_string()),
            "{broken}"
        );
        assert!(
            broken.contains(&format!("{}:4:1:", profile_path.display())),
            "{broken}"
        );
        assert_eq!(
            loaded.nsips_profile.as_deref(),
            Some(profile_path.as_path())
        );
        assert!(loaded.load_nsips_profile().unwrap().is_some());
    }

    #[test]
    fn duplicate_accounts_are_refused() {
        let text = r#"
[[accounts]]
id = "a"
password = "p"
facility = "0112345678"
mode = "vpn"
[[accounts]]
id = "a"
password = "q"
facility = "0112345678"
mode = "vpn"
"#;
        let err = MockConfig::from_toml_str(text).unwrap_err();
        assert!(
            matches!(err, ConfigError::Invalid(ref m) if m.contains("twice")),
            "{err}"
        );
    }
}
