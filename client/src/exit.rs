//! The documented exit codes and how mixed outcomes combine.
//!
//! A batch can end with several kinds of failure at once; the exit code is the most urgent one.
//! Precedence, most urgent first: **4** authentication/certificate (nothing will get through
//! until a person fixes it) > **5** rejected by the server (a person must look at those
//! documents) > **6** transient, retries exhausted (the files are kept and will go out on a later
//! run by themselves) > **3** local validation failure (the documents never left the machine) >
//! **0** success. **2** (usage or configuration) stops a run before any document is touched, so it
//! never mixes with the others.

use std::process::ExitCode;

/// Exit status of a `storeclient` run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExitStatus {
    /// 0: everything was delivered (or checked clean).
    Success,
    /// 3: at least one document failed local validation or could not be read.
    Validation,
    /// 6: at least one document hit transient failures until the retries ran out; it is kept.
    Transient,
    /// 5: the service center rejected at least one document (problem code in the report).
    Rejected,
    /// 4: authentication or certificate failure (account, password, TLS).
    Auth,
    /// 2: usage or configuration error; nothing was sent.
    Usage,
}

impl ExitStatus {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Usage => 2,
            Self::Validation => 3,
            Self::Auth => 4,
            Self::Rejected => 5,
            Self::Transient => 6,
        }
    }

    /// The more urgent of two statuses (the declaration order is the precedence).
    pub fn worst(self, other: Self) -> Self {
        self.max(other)
    }

    /// Combines the statuses of a batch.
    pub fn of_all(statuses: impl IntoIterator<Item = Self>) -> Self {
        statuses.into_iter().fold(Self::Success, Self::worst)
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> Self {
        ExitCode::from(s.code())
    }
}

/// The text `--help` shows after the options (also in client/README.md).
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success: every document delivered (a duplicate or replayed receipt counts as delivered)
  2  usage or configuration error; nothing was sent
  3  local validation failure (pre-flight findings, missing metadata, unreadable file, DICOM)
  4  authentication or certificate failure (account, password, client certificate, TLS)
  5  rejected by the service center (problem code and detail in the report)
  6  transient failure, retries exhausted; the files are kept for the next run
Mixed outcomes: the most urgent wins, in this order: 4 > 5 > 6 > 3 > 0.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixed_outcomes_follow_the_documented_precedence() {
        use ExitStatus::*;
        let table = [
            (vec![], 0),
            (vec![Success, Success], 0),
            (vec![Success, Validation], 3),
            (vec![Validation, Transient], 6),
            (vec![Transient, Rejected, Validation], 5),
            (vec![Rejected, Auth, Transient], 4),
        ];
        for (statuses, code) in table {
            assert_eq!(
                ExitStatus::of_all(statuses.clone()).code(),
                code,
                "{statuses:?}"
            );
        }
    }
}
