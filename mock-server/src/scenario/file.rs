//! The scenario file (`docs/scenarios.md`, schema `idlink-scenario/1`): what one scenario checks,
//! how its center is set up, how the center behaves (one explicit state machine) and what the
//! grader expects. Parsing is two-phase, as ripgrep does with flags: TOML into these raw,
//! `deny_unknown_fields` structs, then `Scenario::check` (in the parent module) resolves names, reachability
//! and fixtures into a scenario the engine can run. Every error names file, line and column.

use std::time::Duration;

use serde::{Deserialize, Deserializer};

pub use crate::tls::ServerCertificate;

/// The schema identifier this version of the engine reads.
pub const SCHEMA: &str = "idlink-scenario/1";

/// A scenario file as written.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Must be [`SCHEMA`].
    pub schema: String,
    /// Stable ID, e.g. `RETRY-503-LOST-ACK` (A-Z, 0-9 and `-`).
    pub id: String,
    /// Short title.
    pub title: String,
    /// One sentence: what the scenario checks.
    pub summary: String,
    /// The `PROTO-*` requirements it verifies.
    #[serde(default)]
    pub verifies: Vec<String>,
    /// How binding it is.
    #[serde(default)]
    pub conformance: Conformance,
    /// Seed, time scale, deadline, runs of the client command.
    #[serde(default)]
    pub run: RunSpec,
    /// Accounts, identity, consent, server certificate.
    #[serde(default)]
    pub setup: SetupSpec,
    /// The documents the client is asked to upload.
    #[serde(default, rename = "document")]
    pub documents: Vec<DocumentSpec>,
    /// How the center behaves. Absent: every request is processed normally.
    #[serde(default)]
    pub machine: Option<MachineSpec>,
    /// What the grader checks after the run.
    #[serde(default, rename = "expect")]
    pub expectations: Vec<ExpectSpec>,
}

/// FHIR TestScript's `scope.conformance`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Conformance {
    /// Every uploader must pass it.
    #[default]
    Required,
    /// Reported, but a failure does not fail the run.
    Optional,
    /// Required, and failed warnings count as failures.
    Strict,
}

/// `[run]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunSpec {
    /// Every random choice of the run derives from it.
    pub seed: u64,
    /// Multiplies every scenario duration (and tells the client, via `IDLINK_TIME_SCALE`, to
    /// multiply `Retry-After`). The runner's `--time-scale` overrides it.
    pub time_scale: f64,
    /// Nominal time the client command may take per run before it is killed (scaled, but never
    /// below 30 s of real time).
    #[serde(deserialize_with = "duration", serialize_with = "ser_duration")]
    pub deadline: Duration,
    /// What a request that no state expects means: `fail` (a verdict) or `record` (journaled).
    pub on_unexpected: OnUnexpected,
    /// How many times the client command runs (a second run after the first gave up).
    pub runs: u32,
}

impl Default for RunSpec {
    fn default() -> Self {
        Self {
            seed: 1,
            time_scale: 1.0,
            deadline: Duration::from_secs(60),
            on_unexpected: OnUnexpected::Fail,
            runs: 1,
        }
    }
}

/// What an unexpected request means.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnUnexpected {
    /// The `no-unexpected` expectation is added and fails on it.
    #[default]
    Fail,
    /// Journaled only.
    Record,
}

/// `[setup]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SetupSpec {
    /// The transfer account the client gets.
    pub account: AccountSpec,
    /// The client identity the client gets (`none` for on-demand VPN sites).
    pub identity: IdentityVariant,
    /// The identity's key type.
    pub key_type: KeyTypeSpec,
    /// The certificate the center presents.
    pub server_certificate: ServerCertificate,
    /// Which listener `IDLINK_URL` points at; default: the account's mode.
    pub listener: Option<ListenerSpec>,
    /// Patients of the account's facility with a consent record. Default: the patients of every
    /// document sent to `storage`.
    pub consents: Option<Vec<String>>,
    /// Region-shared appliances the center knows.
    pub appliances: Vec<String>,
    /// Validation strictness of the center.
    pub strictness: crate::config::Strictness,
    /// Consecutive failed logins that lock the account.
    pub lockout_threshold: u32,
    /// The largest accepted document.
    pub max_body_bytes: Option<u64>,
    /// How far the center's clock is from the uploader's (`"+3d"`, `"-400d"`, `"90m"`): the PKI
    /// is issued for, and client certificates are judged at, the center's time, which
    /// `whoami` and `Date` state; the uploader's clock is not touched.
    pub center_clock_offset: ClockOffset,
}

/// A signed offset of the center's clock from the machine's, e.g. `"+3d"` or `"-400d"`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClockOffset(pub time::Duration);

impl<'de> Deserialize<'de> for ClockOffset {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_clock_offset(&text).map_err(serde::de::Error::custom)
    }
}

/// `"+3d"`, `"-400d"`, `"90m"`: a sign (default +) and a [`parse_duration`].
pub fn parse_clock_offset(text: &str) -> Result<ClockOffset, String> {
    let text = text.trim();
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let magnitude = parse_duration(rest)?;
    let magnitude = time::Duration::try_from(magnitude).map_err(|e| format!("{text:?}: {e}"))?;
    Ok(ClockOffset(if negative { -magnitude } else { magnitude }))
}

impl Default for SetupSpec {
    fn default() -> Self {
        Self {
            account: AccountSpec::default(),
            identity: IdentityVariant::Valid,
            key_type: KeyTypeSpec::Ecdsa,
            server_certificate: ServerCertificate::Valid,
            listener: None,
            consents: None,
            appliances: vec!["region-01".to_owned()],
            strictness: crate::config::Strictness::Strict,
            lockout_threshold: 5,
            max_body_bytes: None,
            center_clock_offset: ClockOffset::default(),
        }
    }
}

/// `[setup.account]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccountSpec {
    /// The account ID.
    pub id: String,
    /// The facility code.
    pub facility: String,
    /// Certificate or VPN account.
    pub mode: crate::config::AccessMode,
    /// Its state when the scenario starts.
    pub state: crate::config::AccountState,
    /// Whether the password file handed to the client holds the right password.
    pub password: PasswordGiven,
}

impl Default for AccountSpec {
    fn default() -> Self {
        Self {
            id: "fac-0112345678".to_owned(),
            facility: crate::config::DEMO_FACILITY.to_owned(),
            mode: crate::config::AccessMode::Certificate,
            state: crate::config::AccountState::Active,
            password: PasswordGiven::Right,
        }
    }
}

/// The password the client is given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PasswordGiven {
    /// The account's password.
    #[default]
    Right,
    /// Another password (authentication must fail).
    Wrong,
}

/// Client identity variants of `idlink-certs`, plus `none`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityVariant {
    /// The facility's valid certificate.
    #[default]
    Valid,
    /// Validity ended.
    Expired,
    /// Validity starts later.
    NotYetValid,
    /// On the CRL.
    Revoked,
    /// Issued by a CA the center does not trust.
    UnknownCa,
    /// serverAuth only.
    WrongEku,
    /// No CA at all.
    SelfSigned,
    /// Valid, for another facility.
    OtherFacility,
    /// No certificate (VPN).
    None,
}

impl IdentityVariant {
    /// The `idlink-certs` variant, or `None` for no identity.
    pub fn certs_variant(self) -> Option<idlink_certs::Variant> {
        use idlink_certs::Variant as V;
        Some(match self {
            Self::Valid => V::Valid,
            Self::Expired => V::Expired,
            Self::NotYetValid => V::NotYetValid,
            Self::Revoked => V::Revoked,
            Self::UnknownCa => V::UnknownCa,
            Self::WrongEku => V::WrongEku,
            Self::SelfSigned => V::SelfSigned,
            Self::OtherFacility => V::OtherFacility,
            Self::None => return None,
        })
    }
}

/// Key type of the client identity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyTypeSpec {
    /// ECDSA P-256.
    #[default]
    Ecdsa,
    /// RSA-2048.
    Rsa,
}

/// A listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ListenerSpec {
    /// Mutual TLS.
    Mtls,
    /// On-demand VPN.
    Vpn,
}

impl ListenerSpec {
    /// The journal's listener.
    pub fn listener(self) -> crate::journal::Listener {
        match self {
            Self::Mtls => crate::journal::Listener::Mtls,
            Self::Vpn => crate::journal::Listener::Vpn,
        }
    }
}

/// `[[document]]`: one document of the manifest.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentSpec {
    /// Name used by matchers and expectations.
    pub name: String,
    /// Fixture file, relative to the scenario file's folder. Exactly one of `file` and
    /// `generate`.
    #[serde(default)]
    pub file: Option<String>,
    /// A document generated at run time (large files are not committed).
    #[serde(default)]
    pub generate: Option<Generate>,
    /// `hl7`, `nsips`, `pdf` or `text`.
    pub kind: String,
    /// The facility's patient ID.
    pub patient_id: String,
    /// SS-MIX2 data kind (HL7) or folder name.
    #[serde(default)]
    pub data_kind: Option<String>,
    /// `YYYYMMDD`.
    #[serde(default)]
    pub care_date: Option<String>,
    /// File name to declare.
    #[serde(default)]
    pub file_name: Option<String>,
    /// `iso-2022-jp`, `shift_jis` or `utf-8`, when it must be declared.
    #[serde(default)]
    pub charset: Option<String>,
    /// `storage` (default) or `appliance:<id>`.
    #[serde(default)]
    pub destination: Option<String>,
}

/// A generated document.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Generate {
    /// `pdf` (a valid PDF padded with a comment stream) or `text` (UTF-8 lines).
    pub shape: GenerateShape,
    /// Size in bytes.
    pub bytes: u64,
}

/// What [`Generate`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GenerateShape {
    /// A minimal valid PDF, padded.
    Pdf,
    /// UTF-8 text lines with the seed in them, so two scenarios never produce the same bytes.
    Text,
}

/// `[machine]`: the explicit state machine.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MachineSpec {
    /// The state the center starts in.
    pub initial: String,
    /// Routes that are processed normally in every state without counting as unexpected
    /// (default `whoami` and `receipt`).
    #[serde(default = "default_allow")]
    pub allow: Vec<Route>,
    /// The states.
    #[serde(rename = "state")]
    pub states: Vec<StateSpec>,
}

fn default_allow() -> Vec<Route> {
    vec![Route::Whoami, Route::Receipt]
}

/// `[[machine.state]]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateSpec {
    /// Unique name.
    pub name: String,
    /// What the state expects. Absent: a terminal state, where every request outside `allow`
    /// is unexpected (and processed normally).
    #[serde(default)]
    pub on: Option<MatchSpec>,
    /// What it does with a matching request (default `normal`).
    #[serde(default)]
    pub action: Option<ActionSpec>,
    /// How many firings before moving to `next`; absent: unlimited.
    #[serde(default)]
    pub times: Option<u32>,
    /// Probability (0..=1) that a matching request fires the action (else it is processed
    /// normally and does not count), drawn from the scenario's seed.
    #[serde(default)]
    pub probability: Option<f64>,
    /// The state after `times` firings (or after the action's period ends).
    #[serde(default)]
    pub next: Option<String>,
}

/// What a state matches. Every given field must match.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchSpec {
    /// `request` (default) or `connection` (decided at accept, before TLS).
    #[serde(default)]
    pub event: EventKind,
    /// The listener.
    #[serde(default)]
    pub listener: Option<ListenerSpec>,
    /// The route.
    #[serde(default)]
    pub route: Option<Route>,
    /// The HTTP method.
    #[serde(default)]
    pub method: Option<String>,
    /// A scenario document (by name), identified by the declared `Content-Digest`.
    #[serde(default)]
    pub doc: Option<String>,
    /// Declared `IDLink-Document-Kind`.
    #[serde(default)]
    pub document_kind: Option<String>,
    /// Declared `IDLink-Data-Kind`.
    #[serde(default)]
    pub data_kind: Option<String>,
    /// Declared `IDLink-Patient-Id`.
    #[serde(default)]
    pub patient: Option<String>,
    /// The attempt number for the same document (same declared digest), from 1.
    #[serde(default)]
    pub attempt: Option<u32>,
    /// The run of the client command (from 1). A state that matches a run is left for its
    /// `next` when a later run begins.
    #[serde(default)]
    pub run: Option<u32>,
}

/// Request or connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// An HTTP request.
    #[default]
    Request,
    /// A TCP connection, before the TLS handshake.
    Connection,
}

/// The API routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Route {
    /// `POST /v1/documents`.
    Upload,
    /// `GET /v1/whoami`.
    Whoami,
    /// `GET /v1/receipts/{id}`.
    Receipt,
    /// Anything else.
    Other,
}

/// An action, as written (`action = { kind = "problem", status = 503, ... }`).
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum ActionSpec {
    /// Process the request as the real center would.
    Normal,
    /// Answer with a problem document instead of processing; nothing is stored.
    Problem {
        /// The problem code (`docs/protocol.md`), e.g. `maintenance`, `rate-limited`.
        code: idlink_protocol::ProblemCode,
        /// HTTP status; default: the code's own.
        #[serde(default)]
        status: Option<u16>,
        /// `Retry-After`, nominal.
        #[serde(
            default,
            deserialize_with = "opt_duration",
            serialize_with = "ser_opt_duration",
            skip_serializing_if = "Option::is_none"
        )]
        retry_after: Option<Duration>,
        /// Send `Retry-After` as an HTTP date instead of seconds.
        #[serde(default)]
        retry_after_date: bool,
    },
    /// Process normally, wait this long before the response headers.
    Delay {
        /// Nominal delay.
        #[serde(deserialize_with = "duration", serialize_with = "ser_duration")]
        before_headers: Duration,
    },
    /// Process normally, send the response body in `chunks` pieces over `total`.
    Dribble {
        /// Number of chunks.
        chunks: u32,
        /// Nominal total time.
        #[serde(deserialize_with = "duration", serialize_with = "ser_duration")]
        total: Duration,
    },
    /// Reset the connection before reading the body; nothing is stored.
    ResetBeforeBody,
    /// Read exactly `bytes` of the request body, then reset; nothing is stored.
    CloseAfterBodyBytes {
        /// Body bytes read before the reset.
        bytes: u64,
    },
    /// Read `after_bytes` of the body, stop reading for `duration`, then continue normally.
    StallBody {
        /// Body bytes read before the stall.
        after_bytes: u64,
        /// Nominal stall.
        #[serde(deserialize_with = "duration", serialize_with = "ser_duration")]
        duration: Duration,
    },
    /// Answer with a problem before reading the body, then close the connection.
    AnswerEarly {
        /// The problem code.
        code: idlink_protocol::ProblemCode,
        /// HTTP status; default: the code's own.
        #[serde(default)]
        status: Option<u16>,
    },
    /// Store the document durably, then reset instead of answering.
    StoreThenReset,
    /// Store the document durably, then never answer (the connection stays open until the
    /// client gives up or the scenario ends).
    StoreThenHang,
    /// Close the connection without answering (nothing stored).
    EmptyResponse,
    /// Write random bytes (from the seed) on the connection, then close.
    GarbageThenClose {
        /// How many bytes.
        #[serde(default = "default_garbage")]
        bytes: u32,
    },
    /// Write a response that is not valid HTTP, then close.
    MalformedResponse,
    /// Process normally but announce a longer body than is sent, then close.
    WrongContentLength,
    /// Reset the TCP connection right after accepting it (connection event).
    Refuse,
    /// Accept, then say nothing for `duration` before the handshake (connection event).
    StallHandshake {
        /// Nominal stall.
        #[serde(deserialize_with = "duration", serialize_with = "ser_duration")]
        duration: Duration,
    },
    /// Read the ClientHello, answer with this fatal TLS alert, close (connection event).
    TlsAlert {
        /// e.g. `handshake-failure`, `protocol-version`, `internal-error`.
        alert: TlsAlert,
    },
    /// Present this server certificate on the connection (connection event).
    ServerCertificate {
        /// The variant.
        variant: ServerCertificate,
    },
    /// `503 maintenance` with `Retry-After` for every matching request during `duration` of
    /// scenario time from the first one; the state then moves on.
    Maintenance {
        /// Nominal length of the window.
        #[serde(deserialize_with = "duration", serialize_with = "ser_duration")]
        duration: Duration,
        /// `Retry-After`, nominal.
        #[serde(deserialize_with = "duration", serialize_with = "ser_duration")]
        retry_after: Duration,
    },
    /// At most `limit` matching requests per `window`; the rest get `429 rate-limited`.
    RateLimit {
        /// Requests allowed per window.
        limit: u32,
        /// Nominal window.
        #[serde(deserialize_with = "duration", serialize_with = "ser_duration")]
        window: Duration,
    },
    /// Restart the center: every connection is dropped, uploads in progress are lost, the
    /// durable store is kept; the listeners refuse connections for `down_for`.
    Restart {
        /// Nominal down time.
        #[serde(
            default,
            deserialize_with = "duration",
            serialize_with = "ser_duration"
        )]
        down_for: Duration,
    },
}

fn default_garbage() -> u32 {
    64
}

/// Named TLS alerts (RFC 8446 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TlsAlert {
    /// 40.
    HandshakeFailure,
    /// 42.
    BadCertificate,
    /// 45.
    CertificateExpired,
    /// 48.
    UnknownCa,
    /// 49.
    AccessDenied,
    /// 70.
    ProtocolVersion,
    /// 80.
    InternalError,
}

impl TlsAlert {
    /// The alert description byte.
    pub fn code(self) -> u8 {
        match self {
            Self::HandshakeFailure => 40,
            Self::BadCertificate => 42,
            Self::CertificateExpired => 45,
            Self::UnknownCa => 48,
            Self::AccessDenied => 49,
            Self::ProtocolVersion => 70,
            Self::InternalError => 80,
        }
    }
}

/// `[[expect]]`: one graded expectation.
///
/// Deserialised by hand: serde cannot combine `deny_unknown_fields` with a flattened, tagged
/// `check`, and a misspelt key must still be an error. The common keys are taken out first, the
/// rest must be exactly one [`Check`] (whose variants deny unknown keys).
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectSpec {
    /// Unique within the scenario.
    pub id: String,
    /// The requirement it verifies.
    pub verifies: Option<String>,
    /// `error` (default) or `warning`.
    pub severity: ExpectSeverity,
    /// What to check.
    pub check: Check,
}

impl<'de> Deserialize<'de> for ExpectSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let mut table = toml::Table::deserialize(d)?;
        let id = match table.remove("id") {
            Some(toml::Value::String(id)) => id,
            Some(_) => return Err(D::Error::custom("expectation `id` must be a string")),
            None => return Err(D::Error::custom("an expectation needs an `id`")),
        };
        let verifies = match table.remove("verifies") {
            Some(toml::Value::String(v)) => Some(v),
            Some(_) => {
                return Err(D::Error::custom(format!(
                    "expectation {id:?}: `verifies` is one requirement ID (a string)"
                )));
            }
            None => None,
        };
        let severity = match table.remove("severity") {
            Some(value) => ExpectSeverity::deserialize(value)
                .map_err(|e| D::Error::custom(format!("expectation {id:?}: {e}")))?,
            None => ExpectSeverity::Error,
        };
        let check = Check::deserialize(toml::Value::Table(table))
            .map_err(|e| D::Error::custom(format!("expectation {id:?}: {}", e.message())))?;
        Ok(Self {
            id,
            verifies,
            severity,
            check,
        })
    }
}

/// Error or warning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExpectSeverity {
    /// Fails the scenario.
    #[default]
    Error,
    /// Reported; fails only `strict` scenarios.
    Warning,
}

/// The checks a grader can make, from the journal and the store only.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "check", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Check {
    /// The client command's exit status.
    Exit {
        /// `zero` or `non-zero`.
        status: ExitExpectation,
        /// Which run (from 1); default: the last.
        #[serde(default)]
        run: Option<u32>,
    },
    /// Documents stored, byte-identical to the manifest's file.
    Stored {
        /// One document; default: every document of the scenario.
        #[serde(default)]
        doc: Option<String>,
        /// SS-MIX2 path fragment the stored path must contain.
        #[serde(default)]
        path_contains: Option<String>,
    },
    /// Nothing stored for a document (or at all).
    NotStored {
        /// One document; default: every document.
        #[serde(default)]
        doc: Option<String>,
    },
    /// No document stored twice (no second receipt for the same bytes).
    NoDuplicates,
    /// Bounds on upload attempts for a document (or each document).
    Attempts {
        /// One document; default: each.
        #[serde(default)]
        doc: Option<String>,
        /// At least.
        #[serde(default)]
        min: Option<u32>,
        /// At most.
        #[serde(default)]
        max: Option<u32>,
    },
    /// Every retry after a `Retry-After` waited at least that long (scaled).
    RespectsRetryAfter {
        /// One document; default: each.
        #[serde(default)]
        doc: Option<String>,
    },
    /// Retries after failures without `Retry-After` wait, and the waits do not shrink.
    Backoff {
        /// One document; default: each.
        #[serde(default)]
        doc: Option<String>,
        /// Nominal minimum first wait.
        #[serde(
            default,
            deserialize_with = "opt_duration",
            serialize_with = "ser_opt_duration",
            skip_serializing_if = "Option::is_none"
        )]
        min_first: Option<Duration>,
    },
    /// The same `Idempotency-Key` on every attempt for one document.
    SameKey {
        /// One document; default: each.
        #[serde(default)]
        doc: Option<String>,
    },
    /// The client refused the bad server certificate: it completed no handshake, so it sent
    /// no request and no credentials.
    RefusedServerCertificate,
    /// Handshakes rejected by the center, with a reason containing this text.
    HandshakeRejected {
        /// Text the rejection reason contains (rustls wording, e.g. `Expired`, `Revoked`).
        reason_contains: String,
    },
    /// No request outside what the machine expects.
    NoUnexpected,
    /// The command's output holds no password and no private key.
    NoSecrets,
    /// Responses the center gave: at least one with this status/code for the document.
    Answered {
        /// One document; default: any request.
        #[serde(default)]
        doc: Option<String>,
        /// HTTP status.
        #[serde(default)]
        status: Option<u16>,
        /// Problem code.
        #[serde(default)]
        code: Option<idlink_protocol::ProblemCode>,
    },
    /// Requests on a route, bounded.
    Requests {
        /// The route.
        route: Route,
        /// At least.
        #[serde(default)]
        min: Option<u32>,
        /// At most.
        #[serde(default)]
        max: Option<u32>,
    },
}

/// Exit status expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExitExpectation {
    /// 0.
    Zero,
    /// Anything else (including killed at the deadline).
    NonZero,
}

/// `"30s"`, `"250ms"`, `"2m"`, `"1.5s"`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => text.split_at(i),
        None => {
            return Err(format!(
                "{text:?} has no unit: write e.g. \"30s\" or \"250ms\""
            ));
        }
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a duration: write e.g. \"30s\" or \"250ms\""))?;
    let seconds = match unit {
        "ms" => value / 1000.0,
        "s" => value,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        "d" => value * 86_400.0,
        other => {
            return Err(format!(
                "unknown unit {other:?} in {text:?}: use ms, s, m, h or d"
            ));
        }
    };
    if !(seconds.is_finite() && (0.0..1e9).contains(&seconds)) {
        return Err(format!("{text:?} is out of range"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let text = String::deserialize(d)?;
    parse_duration(&text).map_err(serde::de::Error::custom)
}

/// `"1.5s"`: the form [`parse_duration`] reads back.
pub fn format_duration(d: &Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms.fract() == 0.0 && ms < 1000.0 {
        format!("{ms}ms")
    } else {
        format!("{}s", d.as_secs_f64())
    }
}

fn ser_duration<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_duration(d))
}

fn ser_opt_duration<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&format_duration(d)),
        None => s.serialize_none(),
    }
}

fn opt_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    let text = Option::<String>::deserialize(d)?;
    text.map(|t| parse_duration(&t).map_err(serde::de::Error::custom))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_units() {
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert!(parse_duration("30").is_err());
        assert!(parse_duration("5 weeks").is_err());
    }
}
