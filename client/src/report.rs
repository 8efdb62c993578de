//! What a run tells people (a summary on stdout) and machines (`--json`).

use std::fmt::Write as _;

use idlink_i18n::{Lang, tr};
use serde::Serialize;

use crate::exit::ExitStatus;
use crate::upload::{Delivery, DeliveryKind, UploadError};

/// An error and its causes on one line, `what failed: why: root cause`, in English, as anyhow's
/// `{:#}` prints them. No error message in this crate repeats its source, so `to_string()` alone
/// would drop the cause, and this prints each cause exactly once. What a person reads (summary,
/// `failed/` reasons, `check`, `doctor`, `main`) goes through [`crate::messages::explain`], the
/// same chain in the reader's language.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    anyhow::Chain::new(error)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
}

/// The result of one document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentOutcome {
    /// The document as given (path).
    pub document: String,
    /// Patient ID, when known.
    pub patient: Option<String>,
    /// `delivered`, `invalid`, `auth-failed`, `rejected`, `queued`, `not-attempted`.
    pub result: ResultKind,
    /// How the server took it, when delivered.
    pub delivery: Option<DeliveryKind>,
    /// The receipt ID, when delivered.
    pub receipt_id: Option<String>,
    /// Problem code or failure slug.
    pub code: Option<String>,
    /// Human explanation of a failure.
    pub message: Option<String>,
    /// Attempts made.
    pub attempts: u32,
    /// Where the document is now (spool runs).
    pub moved_to: Option<String>,
}

/// The result class of one document, with its exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResultKind {
    /// Stored, replayed or duplicate: delivered.
    Delivered,
    /// Failed local validation or could not be read: not sent.
    Invalid,
    /// Authentication or certificate failure.
    AuthFailed,
    /// The server refused the document.
    Rejected,
    /// Transient failures until retries ran out: kept for a later run.
    Queued,
    /// Not attempted because authentication had already failed in this run.
    NotAttempted,
}

impl ResultKind {
    /// The exit status this result contributes.
    pub fn exit_status(self) -> ExitStatus {
        match self {
            Self::Delivered => ExitStatus::Success,
            Self::Invalid => ExitStatus::Validation,
            Self::AuthFailed => ExitStatus::Auth,
            Self::Rejected => ExitStatus::Rejected,
            Self::Queued | Self::NotAttempted => ExitStatus::Transient,
        }
    }

    /// The word in the human summary and the access log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Delivered => "delivered",
            Self::Invalid => "invalid",
            Self::AuthFailed => "auth-failed",
            Self::Rejected => "rejected",
            Self::Queued => "queued",
            Self::NotAttempted => "not-attempted",
        }
    }

    /// The result kind of an upload failure.
    pub fn of_error(e: &UploadError) -> Self {
        match e.exit_status() {
            ExitStatus::Validation => Self::Invalid,
            ExitStatus::Auth => Self::AuthFailed,
            ExitStatus::Rejected => Self::Rejected,
            ExitStatus::Success | ExitStatus::Transient | ExitStatus::Usage => Self::Queued,
        }
    }
}

impl DocumentOutcome {
    /// A delivered document.
    pub fn delivered(document: String, patient: Option<String>, d: &Delivery) -> Self {
        Self {
            document,
            patient,
            result: ResultKind::Delivered,
            delivery: Some(d.kind),
            receipt_id: Some(d.receipt_id.clone()),
            code: None,
            message: None,
            attempts: d.attempts,
            moved_to: None,
        }
    }

    /// A document that was not delivered.
    pub fn failed(
        document: String,
        patient: Option<String>,
        result: ResultKind,
        code: String,
        message: String,
        attempts: u32,
    ) -> Self {
        Self {
            document,
            patient,
            result,
            delivery: None,
            receipt_id: None,
            code: Some(code),
            message: Some(message),
            attempts,
            moved_to: None,
        }
    }
}

/// The report of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// One entry per document, in input order.
    pub documents: Vec<DocumentOutcome>,
}

impl Summary {
    /// The exit status of the whole run (documented precedence, see [`crate::exit`]).
    pub fn exit_status(&self) -> ExitStatus {
        ExitStatus::of_all(self.documents.iter().map(|d| d.result.exit_status()))
    }

    /// Counts per result, in a fixed order.
    pub fn counts(&self) -> Vec<(ResultKind, usize)> {
        use ResultKind::*;
        [
            Delivered,
            Invalid,
            AuthFailed,
            Rejected,
            Queued,
            NotAttempted,
        ]
        .into_iter()
        .map(|k| (k, self.documents.iter().filter(|d| d.result == k).count()))
        .filter(|(_, n)| *n > 0)
        .collect()
    }

    /// The human summary in `lang`: one line per document, then totals. Result words,
    /// receipt IDs and codes are the same in both languages.
    pub fn render_human(&self, lang: Lang) -> String {
        let mut out = String::new();
        for d in &self.documents {
            let _ = write!(out, "{:<13} {}", d.result.as_str(), d.document);
            match (&d.receipt_id, &d.delivery) {
                (Some(r), Some(kind)) => {
                    let how = match kind {
                        DeliveryKind::Stored => "client-delivery-stored",
                        DeliveryKind::Replayed => "client-delivery-replayed",
                        DeliveryKind::Duplicate => "client-delivery-duplicate",
                    };
                    let how = tr(lang, how, &[]);
                    let _ = write!(
                        out,
                        "  {}",
                        tr(
                            lang,
                            "client-summary-receipt",
                            &[("receipt", r.clone().into()), ("how", how.into())]
                        )
                    );
                }
                _ => {
                    if let Some(code) = &d.code {
                        let _ = write!(out, "  [{code}]");
                    }
                    if let Some(m) = &d.message {
                        let _ = write!(out, " {m}");
                    }
                }
            }
            if d.attempts > 1 {
                let attempts = [("attempts", d.attempts.into())];
                out.push_str(&tr(lang, "client-after-attempts", &attempts));
            }
            out.push('\n');
        }
        let counts: Vec<String> = self
            .counts()
            .iter()
            .map(|(k, n)| {
                let args = [("count", (*n).into()), ("result", k.as_str().into())];
                tr(lang, "client-summary-count", &args)
            })
            .collect();
        let counts = if counts.is_empty() {
            tr(lang, "client-summary-nothing", &[])
        } else {
            counts.join(&tr(lang, "client-summary-count-separator", &[]))
        };
        let total = [
            ("total", self.documents.len().into()),
            ("counts", counts.into()),
            ("code", self.exit_status().code().into()),
        ];
        let _ = writeln!(out, "{}", tr(lang, "client-summary-total", &total));
        out
    }

    /// The `--json` report.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "exit_code": self.exit_status().code(),
            "documents": self.documents,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_io_cause_is_printed_exactly_once() {
        use std::path::PathBuf;
        let io = || std::io::Error::other("disk on fire");
        let p = || PathBuf::from("a.pdf");
        let errors: Vec<Box<dyn std::error::Error>> = vec![
            Box::new(crate::preflight::PreflightError::Read {
                path: p(),
                source: io(),
            }),
            Box::new(UploadError::Read {
                path: p(),
                source: io(),
            }),
            Box::new(crate::config::ConfigError::Read {
                path: p(),
                source: io(),
            }),
            Box::new(crate::config::ConfigError::SecretFile {
                path: p(),
                key: "account.password_file",
                file: p(),
                source: io(),
            }),
            Box::new(crate::spool::SpoolError::Io {
                path: p(),
                action: crate::spool::SpoolAction::Claim,
                source: io(),
            }),
            Box::new(crate::run::RunError::Write {
                path: p(),
                source: io(),
            }),
            Box::new(crate::run::RunError::Trace(crate::trace::TraceError {
                path: p(),
                source: io(),
            })),
            Box::new(crate::run::RunError::AccessLog(
                crate::accesslog::AccessLogError {
                    path: p(),
                    source: io(),
                },
            )),
        ];
        for e in &errors {
            let text = error_chain(e.as_ref());
            assert_eq!(text.matches("disk on fire").count(), 1, "{text}");
        }
    }

    #[test]
    fn the_summary_counts_results_and_names_the_exit_code() {
        let s = Summary {
            documents: vec![
                DocumentOutcome::failed(
                    "a.txt".into(),
                    None,
                    ResultKind::Rejected,
                    "consent-missing".into(),
                    "no consent".into(),
                    1,
                ),
                DocumentOutcome::failed(
                    "b.txt".into(),
                    None,
                    ResultKind::Queued,
                    "timeout".into(),
                    "timed out".into(),
                    5,
                ),
            ],
        };
        let text = s.render_human(Lang::En);
        assert!(
            text.ends_with("2 documents: 1 rejected, 1 queued (exit 5)\n"),
            "{text}"
        );
        assert!(text.contains("[consent-missing] no consent"));
        assert!(text.contains("timed out after 5 attempts\n"), "{text}");
        let one = Summary {
            documents: s.documents[..1].to_vec(),
        };
        assert!(
            one.render_human(Lang::En)
                .ends_with("1 document: 1 rejected (exit 5)\n")
        );
        assert!(
            Summary::default()
                .render_human(Lang::En)
                .ends_with("0 documents: nothing to do (exit 0)\n")
        );
        let ja = s.render_human(Lang::Ja);
        assert!(
            ja.ends_with("文書 2 件：rejected 1 件、queued 1 件（終了コード 5）\n"),
            "{ja}"
        );
        assert!(ja.contains("timed out（試行 5 回）\n"), "{ja}");
        assert_eq!(s.to_json()["exit_code"], 5);
    }
}
