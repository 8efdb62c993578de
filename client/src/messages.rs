//! storeclient's errors and warnings in the reader's language (Japanese or English).
//!
//! The typed errors keep their English `#[error]` texts: logs, library callers and `{:#}` read
//! those. What a person reads goes through [`explain`], which says each error of a chain in the
//! chosen language from the catalogue (`i18n/locales/{en,ja}/storeclient.ftl`). The English
//! catalogue says exactly what `Display` says (a test below holds them together), so English
//! output is the same either way. Errors from other crates and from the operating system (I/O,
//! rustls, the TOML parser's own words, certificate and NSIPS-profile loading) are shown as
//! they come: those words are not ours to translate.

use std::error::Error;
use std::path::Path;

use idlink_i18n::{Arg, FluentValue, Lang, tr};

use crate::accesslog::AccessLogError;
use crate::classify::TransportFailure;
use crate::cli::PlanError;
use crate::config::{ConfigError, InvalidValue, PermissionWarning, SecretFile};
use crate::identity::{CaProblem, IdentityError};
use crate::metadata::{Expected, Field, Found, MetadataError, Remedy};
use crate::preflight::PreflightError;
use crate::run::RunError;
use crate::spool::{SpoolAction, SpoolError};
use crate::trace::TraceError;
use crate::upload::{ClientError, RefusedReason, UploadError};

/// A value that can be said in either language.
pub trait Localize {
    /// This value alone (an error without its causes) in `lang`.
    fn message(&self, lang: Lang) -> String;
}

/// An error and its causes on one line, each in `lang` where it is one of ours:
/// `what failed: why: root cause` (the localized [`crate::report::error_chain`]).
pub fn explain(error: &(dyn Error + 'static), lang: Lang) -> String {
    let mut parts = Vec::new();
    let mut current = Some(error);
    while let Some(e) = current {
        parts.push(one(e, lang));
        current = e.source();
    }
    parts.join(&tr(lang, "client-chain-separator", &[]))
}

/// `storeclient: warning: …` in `lang`.
pub fn warning_line(message: &str, lang: Lang) -> String {
    tr(
        lang,
        "client-warning",
        &[("message", message.to_owned().into())],
    )
}

/// `storeclient: …` (an error) in `lang`.
pub fn error_line(message: &str, lang: Lang) -> String {
    tr(
        lang,
        "client-error",
        &[("message", message.to_owned().into())],
    )
}

fn one(e: &(dyn Error + 'static), lang: Lang) -> String {
    macro_rules! ours {
        ($($t:ty),* $(,)?) => {
            $(if let Some(x) = e.downcast_ref::<$t>() {
                return x.message(lang);
            })*
        };
    }
    ours!(
        ConfigError,
        PlanError,
        RunError,
        ClientError,
        IdentityError,
        UploadError,
        PreflightError,
        MetadataError,
        SpoolError,
        TraceError,
        AccessLogError,
        InvalidValue,
        PermissionWarning,
    );
    if let Some(io) = e.downcast_ref::<std::io::Error>() {
        return io_message(io, lang);
    }
    e.to_string()
}

/// An I/O error: the operating system's words in English; in Japanese the common kinds are
/// said in Japanese, with the OS error number kept for a search.
fn io_message(e: &std::io::Error, lang: Lang) -> String {
    use std::io::ErrorKind as K;
    let key = match e.kind() {
        K::NotFound => "client-io-not-found",
        K::PermissionDenied => "client-io-permission-denied",
        K::AlreadyExists => "client-io-already-exists",
        K::IsADirectory => "client-io-is-a-directory",
        K::NotADirectory => "client-io-not-a-directory",
        K::StorageFull => "client-io-storage-full",
        K::ReadOnlyFilesystem => "client-io-read-only",
        _ => return e.to_string(),
    };
    match (lang, e.raw_os_error()) {
        (Lang::En, _) | (_, None) => e.to_string(),
        (_, Some(n)) => t(lang, key, &[("os", n.into())]),
    }
}

/// A TOML parser message (`unknown field …`, `missing field …`): English as the parser says it;
/// in Japanese the two that mean a misspelt or forgotten key are said in Japanese, anything else
/// is shown as the parser said it.
pub fn toml_message(message: &str, lang: Lang) -> String {
    if lang == Lang::En {
        return message.to_owned();
    }
    let quoted = |s: &str| s.split('`').nth(1).map(str::to_owned);
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let (field, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        if let Some(field) = quoted(field) {
            let expected: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
            return t(
                lang,
                "client-toml-unknown-field",
                &[
                    ("field", field.into()),
                    ("expected", expected.join(", ").into()),
                ],
            );
        }
    }
    if let Some(field) = message.strip_prefix("missing field ").and_then(quoted) {
        return t(
            lang,
            "client-toml-missing-field",
            &[("field", field.into())],
        );
    }
    message.to_owned()
}

fn path(p: &Path) -> FluentValue<'static> {
    p.display().to_string().into()
}

fn text(s: impl ToString) -> FluentValue<'static> {
    s.to_string().into()
}

fn t(lang: Lang, key: &str, args: &[Arg<'_>]) -> String {
    tr(lang, key, args)
}

impl Localize for ConfigError {
    fn message(&self, lang: Lang) -> String {
        match self {
            Self::Read { path: p, .. } => t(lang, "client-config-read", &[("path", path(p))]),
            Self::Parse {
                path: p,
                line,
                column,
                message,
            } => t(
                lang,
                "client-config-parse",
                &[
                    ("path", path(p)),
                    ("line", text(line)),
                    ("column", text(column)),
                    ("message", toml_message(message, lang).into()),
                ],
            ),
            Self::Invalid {
                path: p,
                key,
                message,
            } => t(
                lang,
                "client-config-invalid",
                &[
                    ("path", path(p)),
                    ("key", text(key)),
                    ("message", message.message(lang).into()),
                ],
            ),
            Self::SecretFile {
                path: p, key, file, ..
            } => t(
                lang,
                "client-config-secret-file",
                &[("path", path(p)), ("key", text(key)), ("file", path(file))],
            ),
            Self::NsipsProfile { path: p, .. } => {
                t(lang, "client-config-nsips-profile", &[("path", path(p))])
            }
            Self::SecretEnv { path: p, key, var } => t(
                lang,
                "client-config-secret-env",
                &[("path", path(p)), ("key", text(key)), ("var", text(var))],
            ),
        }
    }
}

impl Localize for InvalidValue {
    fn message(&self, lang: Lang) -> String {
        let keys = |file_key: &str, env_key: &str| -> Vec<Arg<'static>> {
            vec![("file_key", text(file_key)), ("env_key", text(env_key))]
        };
        match self {
            Self::NotAUrl { value, error } => t(
                lang,
                "client-invalid-not-a-url",
                &[
                    ("value", text(format!("{value:?}"))),
                    ("error", text(error)),
                ],
            ),
            Self::NotHttps { value } => t(
                lang,
                "client-invalid-not-https",
                &[("value", text(format!("{value:?}")))],
            ),
            Self::Facility(e) => t(
                lang,
                "client-invalid-facility",
                &[
                    ("error", text(e)),
                    ("value", text(format!("{:?}", e.value))),
                ],
            ),
            Self::EmptyAccount => t(lang, "client-invalid-empty-account", &[]),
            Self::PemNeedsFiles => t(lang, "client-invalid-pem-needs-files", &[]),
            Self::Pkcs12NeedsFile => t(lang, "client-invalid-pkcs12-needs-file", &[]),
            Self::Destination(e) => t(
                lang,
                "client-invalid-destination",
                &[
                    ("error", text(e)),
                    ("value", text(format!("{:?}", e.value))),
                ],
            ),
            Self::Concurrency => t(lang, "client-invalid-concurrency", &[]),
            Self::MaxAttempts => t(lang, "client-invalid-max-attempts", &[]),
            Self::Jitter => t(lang, "client-invalid-jitter", &[]),
            Self::TimeScale => t(lang, "client-invalid-time-scale", &[]),
            Self::Seconds => t(lang, "client-invalid-seconds", &[]),
            Self::BothSecrets { file_key, env_key } => t(
                lang,
                "client-invalid-both-secrets",
                &keys(file_key, env_key),
            ),
            Self::NoSecret { file_key, env_key } => {
                t(lang, "client-invalid-no-secret", &keys(file_key, env_key))
            }
            Self::EmptyPasswordFile { file } => t(
                lang,
                "client-invalid-empty-password-file",
                &[("file", path(file))],
            ),
        }
    }
}

impl Localize for SecretFile {
    fn message(&self, lang: Lang) -> String {
        let key = match self {
            Self::PrivateKey => "client-secret-private-key",
            Self::Pkcs12 => "client-secret-pkcs12-file",
            Self::Password => "client-secret-password-file",
        };
        t(lang, key, &[])
    }
}

impl Localize for PermissionWarning {
    fn message(&self, lang: Lang) -> String {
        t(
            lang,
            "client-permission-warning",
            &[
                ("what", self.what.message(lang).into()),
                ("file", path(&self.file)),
                ("mode", text(format!("{:o}", self.mode))),
            ],
        )
    }
}

impl Localize for PlanError {
    fn message(&self, lang: Lang) -> String {
        match self {
            Self::Config(e) => e.message(lang),
            Self::NsipsProfile(_) => t(lang, "client-plan-nsips-profile", &[]),
            Self::NoSpool(p) => t(lang, "client-plan-no-spool", &[("path", path(p))]),
            Self::BadSeconds { flag } => {
                t(lang, "client-plan-bad-seconds", &[("flag", text(flag))])
            }
        }
    }
}

impl Localize for RunError {
    fn message(&self, lang: Lang) -> String {
        match self {
            Self::Exists(p) => t(lang, "client-run-exists", &[("path", path(p))]),
            Self::Write { path: p, .. } => t(lang, "client-run-write", &[("path", path(p))]),
            Self::Client(e) => e.message(lang),
            Self::Spool(e) => e.message(lang),
            Self::Trace(e) => e.message(lang),
            Self::AccessLog(e) => e.message(lang),
        }
    }
}

impl Localize for ClientError {
    fn message(&self, lang: Lang) -> String {
        match self {
            Self::Identity(e) => e.message(lang),
            Self::Credentials => t(lang, "client-credentials", &[]),
            Self::Http(_) => t(lang, "client-http", &[]),
        }
    }
}

impl Localize for IdentityError {
    fn message(&self, lang: Lang) -> String {
        match self {
            Self::CaFile(_) => t(lang, "client-identity-ca-file", &[]),
            Self::Ca { path: p, message } => {
                let message = match message {
                    CaProblem::Empty => t(lang, "client-identity-ca-empty", &[]),
                    CaProblem::Unparsable => t(lang, "client-identity-ca-unparsable", &[]),
                    CaProblem::Verifier(m) => m.clone(),
                };
                t(
                    lang,
                    "client-identity-ca",
                    &[("path", path(p)), ("message", message.into())],
                )
            }
            Self::Load(_) => t(lang, "client-identity-load", &[]),
            Self::Rustls { path: p, .. } => t(lang, "client-identity-rustls", &[("path", path(p))]),
        }
    }
}

impl Localize for SpoolAction {
    fn message(&self, lang: Lang) -> String {
        let key = match self {
            Self::CreateFolder => "client-spool-action-create-folder",
            Self::OpenLockFile => "client-spool-action-open-lock-file",
            Self::Lock => "client-spool-action-lock",
            Self::RemoveStaleKey => "client-spool-action-remove-stale-key",
            Self::ClaimSidecar => "client-spool-action-claim-sidecar",
            Self::Claim => "client-spool-action-claim",
            Self::ReadKey => "client-spool-action-read-key",
            Self::MoveOutOfWork => "client-spool-action-move-out-of-work",
            Self::MoveSidecar => "client-spool-action-move-sidecar",
            Self::RemoveKey => "client-spool-action-remove-key",
            Self::List => "client-spool-action-list",
            Self::Create => "client-spool-action-create",
            Self::Write => "client-spool-action-write",
            Self::FsyncFolder => "client-spool-action-fsync-folder",
            Self::Fsync => "client-spool-action-fsync",
            Self::RenameIntoPlace => "client-spool-action-rename-into-place",
        };
        t(lang, key, &[])
    }
}

impl Localize for SpoolError {
    fn message(&self, lang: Lang) -> String {
        match self {
            Self::Io {
                path: p, action, ..
            } => t(
                lang,
                "client-spool-io",
                &[("path", path(p)), ("action", action.message(lang).into())],
            ),
            Self::Locked { path: p } => t(lang, "client-spool-locked", &[("path", path(p))]),
            Self::BadKey { path: p, message } => t(
                lang,
                "client-spool-bad-key",
                &[("path", path(p)), ("message", text(message))],
            ),
        }
    }
}

impl Localize for TraceError {
    fn message(&self, lang: Lang) -> String {
        t(lang, "client-trace", &[("path", path(&self.path))])
    }
}

impl Localize for AccessLogError {
    fn message(&self, lang: Lang) -> String {
        t(lang, "client-access-log", &[("path", path(&self.path))])
    }
}

impl Localize for PreflightError {
    fn message(&self, lang: Lang) -> String {
        match self {
            Self::Read { path: p, .. } => t(lang, "client-preflight-read", &[("path", path(p))]),
            Self::Invalid { path: p, report } => t(
                lang,
                "client-preflight-invalid",
                &[("count", report.errors().count().into()), ("path", path(p))],
            ),
            Self::Metadata { path: p, .. } => {
                t(lang, "client-preflight-metadata", &[("path", path(p))])
            }
        }
    }
}

impl Localize for Field {
    fn message(&self, lang: Lang) -> String {
        let key = match self {
            Self::DocumentKind => "client-field-document-kind",
            Self::Charset => "client-field-charset",
            Self::DataKind => "client-field-data-kind",
            Self::Ssmix2DataKind => "client-field-ssmix2-data-kind",
            Self::PatientId => "client-field-patient-id",
            Self::Destination => "client-field-destination",
            Self::CareDate => "client-field-care-date",
        };
        t(lang, key, &[])
    }
}

impl Localize for Remedy {
    fn message(&self, lang: Lang) -> String {
        let key = match self {
            Self::DocumentKind => "client-how-document-kind",
            Self::PatientId => "client-how-patient-id",
            Self::DataKind => "client-how-data-kind",
        };
        t(lang, key, &[])
    }
}

impl Localize for Expected {
    fn message(&self, lang: Lang) -> String {
        let key = match self {
            Self::DocumentKind => "client-expected-document-kind",
            Self::CharsetFlag => "client-expected-charset-flag",
            Self::CharsetHeader => "client-expected-charset-header",
            Self::NoCharsetForPdf => "client-expected-no-charset-for-pdf",
            Self::DataKind => "client-expected-data-kind",
            Self::PatientId => "client-expected-patient-id",
            Self::Destination => "client-expected-destination",
            Self::CareDate => "client-expected-care-date",
        };
        t(lang, key, &[])
    }
}

impl Localize for Found {
    fn message(&self, lang: Lang) -> String {
        match self {
            Self::Value(v) => v.clone(),
            Self::CareDateFromFileName(date) => t(
                lang,
                "client-found-care-date-file-name",
                &[("date", text(date))],
            ),
            Self::CareDateFromMessage { date, fields } => t(
                lang,
                "client-found-care-date-message",
                &[("date", text(date)), ("fields", text(fields))],
            ),
            Self::CareDateEmpty { fields } => t(
                lang,
                "client-found-care-date-empty",
                &[("fields", text(fields))],
            ),
            Self::NoCareDate { kind } => {
                t(lang, "client-found-care-date-none", &[("kind", text(kind))])
            }
        }
    }
}

impl Localize for MetadataError {
    fn message(&self, lang: Lang) -> String {
        match self {
            Self::Missing { field, how } => t(
                lang,
                "client-meta-missing",
                &[
                    ("field", field.message(lang).into()),
                    ("how", how.message(lang).into()),
                ],
            ),
            Self::Invalid {
                field,
                value,
                expected,
            } => t(
                lang,
                "client-meta-invalid",
                &[
                    ("field", field.message(lang).into()),
                    ("value", text(format!("{value:?}"))),
                    ("expected", expected.message(lang).into()),
                ],
            ),
            Self::Sidecar { path: p, message } => t(
                lang,
                "client-meta-sidecar",
                &[
                    ("path", path(p)),
                    ("message", toml_message(message, lang).into()),
                ],
            ),
            Self::Conflict {
                field,
                given,
                found,
            } => t(
                lang,
                "client-meta-conflict",
                &[
                    ("field", field.message(lang).into()),
                    ("given", text(given)),
                    ("found", found.message(lang).into()),
                ],
            ),
        }
    }
}

impl Localize for RefusedReason {
    fn message(&self, lang: Lang) -> String {
        match self {
            Self::BadHeader(name) => t(lang, "client-refused-bad-header", &[("name", text(name))]),
            Self::Dicom => t(lang, "client-refused-dicom", &[]),
        }
    }
}

impl Localize for UploadError {
    fn message(&self, lang: Lang) -> String {
        match self {
            Self::Read { path: p, .. } => t(lang, "client-upload-read", &[("path", path(p))]),
            Self::Changed {
                path: p,
                expected,
                found,
            } => t(
                lang,
                "client-upload-changed",
                &[
                    ("path", path(p)),
                    ("expected", text(expected)),
                    ("found", text(found)),
                ],
            ),
            Self::Refused { path: p, reason } => t(
                lang,
                "client-upload-refused",
                &[("path", path(p)), ("reason", reason.message(lang).into())],
            ),
            Self::Rejected { problem } => t(
                lang,
                "client-upload-rejected",
                &[
                    // The problem code's title from the catalogue (the server's own for a
                    // code this client does not know); English leaves it out, as Display does.
                    (
                        "title",
                        match problem.known_code() {
                            Some(_) => t(lang, &format!("problem-{}", problem.code), &[]),
                            None => problem.title.clone(),
                        }
                        .into(),
                    ),
                    ("code", text(&problem.code)),
                    ("status", text(problem.status)),
                    ("detail", text(&problem.detail)),
                ],
            ),
            Self::Unexpected { status, body } => t(
                lang,
                "client-upload-unexpected",
                &[("status", text(status)), ("body", text(body))],
            ),
            Self::Transport(f) => f.message(lang),
            Self::TlsRejected => t(lang, "client-upload-tls-rejected", &[]),
            Self::Exhausted { attempts, last } => t(
                lang,
                "client-upload-exhausted",
                &[
                    ("attempts", text(attempts)),
                    ("last", last.message(lang).into()),
                ],
            ),
        }
    }
}

impl Localize for TransportFailure {
    fn message(&self, lang: Lang) -> String {
        match self {
            Self::Unreachable { detail } => t(
                lang,
                "client-transport-unreachable",
                &[("detail", text(detail))],
            ),
            Self::Timeout => t(lang, "client-transport-timeout", &[]),
            Self::TlsAlert { alert } => t(
                lang,
                "client-transport-tls-alert",
                &[("alert", text(alert))],
            ),
            Self::ServerCertificate { detail } => t(
                lang,
                "client-transport-server-certificate",
                &[("detail", text(detail))],
            ),
            Self::Tls { detail } => t(lang, "client-transport-tls", &[("detail", text(detail))]),
            Self::ClosedBeforeResponse { detail } => {
                t(lang, "client-transport-closed", &[("detail", text(detail))])
            }
            Self::Network { detail } => t(
                lang,
                "client-transport-network",
                &[("detail", text(detail))],
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    use crate::report::error_chain;

    fn io() -> std::io::Error {
        std::io::Error::other("disk on fire")
    }

    fn p() -> PathBuf {
        PathBuf::from("/srv/idlink/a.pdf")
    }

    /// One error of every variant this module says, with its causes.
    fn every_error() -> Vec<Box<dyn Error + 'static>> {
        let config = |message| ConfigError::Invalid {
            path: p(),
            key: "service.url",
            message,
        };
        let facility = idlink_protocol::FacilityCode::parse("12").unwrap_err();
        let destination = idlink_protocol::Destination::parse("elsewhere").unwrap_err();
        let problem = idlink_protocol::Problem::new(
            idlink_protocol::ProblemCode::ConsentMissing,
            "no consent for patient 9999013",
        );
        let transports = [
            TransportFailure::Unreachable {
                detail: "refused".into(),
            },
            TransportFailure::Timeout,
            TransportFailure::TlsAlert {
                alert: "CertificateExpired".into(),
            },
            TransportFailure::ServerCertificate {
                detail: "UnknownIssuer".into(),
            },
            TransportFailure::Tls {
                detail: "no suites".into(),
            },
            TransportFailure::ClosedBeforeResponse {
                detail: "eof".into(),
            },
            TransportFailure::Network {
                detail: "reset".into(),
            },
        ];
        let meta = |source| PreflightError::Metadata { path: p(), source };
        let mut errors: Vec<Box<dyn Error>> = vec![
            Box::new(ConfigError::Read {
                path: p(),
                source: io(),
            }),
            Box::new(ConfigError::Parse {
                path: p(),
                line: 9,
                column: 1,
                message: "unknown field `colour`".into(),
            }),
            Box::new(config(InvalidValue::NotAUrl {
                value: "x".into(),
                error: "relative URL without a base".into(),
            })),
            Box::new(config(InvalidValue::NotHttps {
                value: "http://x".into(),
            })),
            Box::new(config(InvalidValue::Facility(facility))),
            Box::new(config(InvalidValue::EmptyAccount)),
            Box::new(config(InvalidValue::PemNeedsFiles)),
            Box::new(config(InvalidValue::Pkcs12NeedsFile)),
            Box::new(config(InvalidValue::Destination(destination))),
            Box::new(config(InvalidValue::Concurrency)),
            Box::new(config(InvalidValue::MaxAttempts)),
            Box::new(config(InvalidValue::Jitter)),
            Box::new(config(InvalidValue::TimeScale)),
            Box::new(config(InvalidValue::Seconds)),
            Box::new(config(InvalidValue::BothSecrets {
                file_key: "account.password_file",
                env_key: "account.password_env",
            })),
            Box::new(config(InvalidValue::NoSecret {
                file_key: "account.password_file",
                env_key: "account.password_env",
            })),
            Box::new(config(InvalidValue::EmptyPasswordFile { file: p() })),
            Box::new(ConfigError::SecretFile {
                path: p(),
                key: "account.password_file",
                file: p(),
                source: io(),
            }),
            Box::new(ConfigError::SecretEnv {
                path: p(),
                key: "account.password_env",
                var: "IDLINK_PASSWORD".into(),
            }),
            Box::new(PermissionWarning {
                what: SecretFile::PrivateKey,
                file: p(),
                mode: 0o644,
            }),
            Box::new(PermissionWarning {
                what: SecretFile::Pkcs12,
                file: p(),
                mode: 0o640,
            }),
            Box::new(PermissionWarning {
                what: SecretFile::Password,
                file: p(),
                mode: 0o604,
            }),
            Box::new(PlanError::NoSpool(p())),
            Box::new(PlanError::BadSeconds {
                flag: "--max-runtime",
            }),
            Box::new(RunError::Exists(p())),
            Box::new(RunError::Write {
                path: p(),
                source: io(),
            }),
            Box::new(RunError::Client(ClientError::Credentials)),
            Box::new(RunError::Client(ClientError::Identity(IdentityError::Ca {
                path: p(),
                message: CaProblem::Empty,
            }))),
            Box::new(IdentityError::Ca {
                path: p(),
                message: CaProblem::Unparsable,
            }),
            Box::new(IdentityError::Ca {
                path: p(),
                message: CaProblem::Verifier("no root".into()),
            }),
            Box::new(RunError::Spool(SpoolError::Locked { path: p() })),
            Box::new(SpoolError::BadKey {
                path: p(),
                message: "not a key".into(),
            }),
            Box::new(RunError::Trace(TraceError {
                path: p(),
                source: io(),
            })),
            Box::new(RunError::AccessLog(AccessLogError {
                path: p(),
                source: io(),
            })),
            Box::new(PreflightError::Read {
                path: p(),
                source: io(),
            }),
            Box::new(meta(MetadataError::Sidecar {
                path: p(),
                message: "expected `=`".into(),
            })),
            Box::new(meta(MetadataError::Conflict {
                field: Field::PatientId,
                given: "1".into(),
                found: Found::Value("2".into()),
            })),
            Box::new(UploadError::Read {
                path: p(),
                source: io(),
            }),
            Box::new(UploadError::Changed {
                path: p(),
                expected: 10,
                found: 12,
            }),
            Box::new(UploadError::Refused {
                path: p(),
                reason: RefusedReason::Dicom,
            }),
            Box::new(UploadError::Refused {
                path: p(),
                reason: RefusedReason::BadHeader("IDLink-Patient-Id".into()),
            }),
            Box::new(UploadError::Rejected {
                problem: Box::new(problem),
            }),
            Box::new(UploadError::Unexpected {
                status: 418,
                body: "teapot".into(),
            }),
            Box::new(UploadError::TlsRejected),
            Box::new(UploadError::Exhausted {
                attempts: 5,
                last: Box::new(UploadError::Transport(TransportFailure::Timeout)),
            }),
        ];
        for action in SpoolAction::ALL {
            errors.push(Box::new(SpoolError::Io {
                path: p(),
                action,
                source: io(),
            }));
        }
        for f in transports {
            errors.push(Box::new(UploadError::Transport(f)));
        }
        use {Expected as E, Field as F, Remedy as R};
        for (field, how) in [
            (F::DocumentKind, R::DocumentKind),
            (F::PatientId, R::PatientId),
            (F::Ssmix2DataKind, R::DataKind),
        ] {
            errors.push(Box::new(meta(MetadataError::Missing { field, how })));
        }
        for (field, expected) in [
            (F::DocumentKind, E::DocumentKind),
            (F::Charset, E::CharsetFlag),
            (F::Charset, E::CharsetHeader),
            (F::Charset, E::NoCharsetForPdf),
            (F::DataKind, E::DataKind),
            (F::PatientId, E::PatientId),
            (F::Destination, E::Destination),
            (F::CareDate, E::CareDate),
        ] {
            errors.push(Box::new(meta(MetadataError::Invalid {
                field,
                value: "x".into(),
                expected,
            })));
        }
        for found in [
            Found::CareDateFromFileName("20110701".into()),
            Found::CareDateFromMessage {
                date: "20110701".into(),
                fields: "ORC-9".into(),
            },
            Found::CareDateEmpty {
                fields: "ORC-9".into(),
            },
            Found::NoCareDate {
                kind: "ADT-00".into(),
            },
        ] {
            errors.push(Box::new(MetadataError::Conflict {
                field: Field::CareDate,
                given: "20261124".into(),
                found,
            }));
        }
        errors
    }

    #[test]
    fn the_english_catalogue_says_exactly_what_the_errors_display() {
        for e in every_error() {
            assert_eq!(explain(e.as_ref(), Lang::En), error_chain(e.as_ref()));
        }
    }

    #[test]
    fn every_error_has_japanese_words_and_keeps_its_facts() {
        for e in every_error() {
            let ja = explain(e.as_ref(), Lang::Ja);
            assert_ne!(ja, error_chain(e.as_ref()), "no Japanese for {e:?}");
            assert!(!ja.contains("client-"), "a key is missing: {ja}");
            // The path, and the I/O cause (the operating system's words), are kept.
            if error_chain(e.as_ref()).contains("/srv/idlink/a.pdf") {
                assert!(ja.contains("/srv/idlink/a.pdf"), "{ja}");
            }
            if error_chain(e.as_ref()).contains("disk on fire") {
                assert_eq!(ja.matches("disk on fire").count(), 1, "{ja}");
            }
        }
    }

    #[test]
    fn a_misspelt_or_forgotten_key_is_said_in_japanese_and_other_parser_words_kept() {
        assert_eq!(
            toml_message("unknown field `colour`, expected `code`", Lang::Ja),
            "不明なキー `colour` です（このテーブルで使えるキー：code）"
        );
        assert_eq!(
            toml_message(
                "unknown field `urll`, expected one of `url`, `fallback_urls`, `ca`",
                Lang::Ja
            ),
            "不明なキー `urll` です（このテーブルで使えるキー：url, fallback_urls, ca）"
        );
        assert_eq!(
            toml_message("missing field `ca`", Lang::Ja),
            "必須のキー `ca` がありません"
        );
        let other = "invalid type: string \"4\", expected usize";
        assert_eq!(toml_message(other, Lang::Ja), other);
        assert_eq!(
            toml_message("unknown field `colour`, expected `code`", Lang::En),
            "unknown field `colour`, expected `code`"
        );
    }

    #[test]
    fn common_io_errors_are_said_in_japanese_with_the_os_error_number() {
        let e = std::io::Error::from_raw_os_error(2);
        assert_eq!(io_message(&e, Lang::En), e.to_string());
        assert_eq!(
            io_message(&e, Lang::Ja),
            "ファイルまたはフォルダーがありません（os error 2）"
        );
        let other = std::io::Error::other("disk on fire");
        assert_eq!(io_message(&other, Lang::Ja), "disk on fire");
    }

    #[test]
    fn a_missing_patient_id_reads_as_a_japanese_engineer_would_write_it() {
        let e = PreflightError::Metadata {
            path: PathBuf::from("note.txt"),
            source: MetadataError::Missing {
                field: Field::PatientId,
                how: Remedy::PatientId,
            },
        };
        assert_eq!(
            explain(&e, Lang::Ja),
            "note.txt：患者IDが分かりません。--patient ID を指定するか、\
             サイドカー NAME.meta.toml に `patient` を設定してください"
        );
    }
}
