//! Injected faults: the minimal hooks client tests need (rate limiting, maintenance, resets,
//! delays). Each armed fault applies to the next `times` upload requests and is journaled when it
//! fires. A full scenario engine is a later issue.

use std::sync::{Mutex, MutexGuard, PoisonError};

use idlink_protocol::ProblemCode;
use serde::{Deserialize, Serialize};

/// A fault to inject into the next matching upload requests (`POST /v1/documents`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Fault {
    /// Answer with this problem instead of processing the upload, e.g. `RateLimited` with
    /// `retry_after: Some(2)`, `Maintenance`, `InternalError`. Nothing is stored.
    Problem {
        /// The problem to answer with.
        code: ProblemCode,
        /// Seconds for `Retry-After`, if any.
        retry_after: Option<u64>,
        /// How many uploads it applies to.
        times: u32,
    },
    /// Store and fsync the document (it is acknowledged in the log and the index), then reset the
    /// TCP connection (SO_LINGER 0) instead of answering: the client must retry with the same
    /// idempotency key and get the first receipt back.
    ResetAfterStore {
        /// How many uploads it applies to.
        times: u32,
    },
    /// Reset the TCP connection without reading the body or storing anything.
    ResetBeforeStore {
        /// How many uploads it applies to.
        times: u32,
    },
    /// Process the upload normally, but wait this long before answering.
    Delay {
        /// The delay in milliseconds.
        millis: u64,
        /// How many uploads it applies to.
        times: u32,
    },
}

impl Fault {
    fn times(&self) -> u32 {
        match self {
            Self::Problem { times, .. }
            | Self::ResetAfterStore { times }
            | Self::ResetBeforeStore { times }
            | Self::Delay { times, .. } => *times,
        }
    }

    fn with_times(&self, times: u32) -> Self {
        let mut fault = self.clone();
        match &mut fault {
            Self::Problem { times: t, .. }
            | Self::ResetAfterStore { times: t }
            | Self::ResetBeforeStore { times: t }
            | Self::Delay { times: t, .. } => *t = times,
        }
        fault
    }

    /// A short label for the journal and the web view.
    pub fn label(&self) -> String {
        match self {
            Self::Problem {
                code, retry_after, ..
            } => match retry_after {
                Some(s) => format!("problem {code} (Retry-After: {s})"),
                None => format!("problem {code}"),
            },
            Self::ResetAfterStore { .. } => "reset after store".to_owned(),
            Self::ResetBeforeStore { .. } => "reset before store".to_owned(),
            Self::Delay { millis, .. } => format!("delay {millis} ms"),
        }
    }
}

/// The queue of armed faults.
#[derive(Debug, Default)]
pub struct Faults {
    /// Armed faults in injection order with their remaining count; a blocking mutex because
    /// taking a fault is a short, non-awaiting operation.
    armed: Mutex<Vec<(Fault, u32)>>,
}

impl Faults {
    fn armed(&self) -> MutexGuard<'_, Vec<(Fault, u32)>> {
        // Updates are single pushes/decrements; the vector is consistent after a poison.
        self.armed.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Arms a fault for the next `times` uploads. Faults armed earlier fire first.
    pub fn inject(&self, fault: Fault) {
        let times = fault.times();
        if times > 0 {
            self.armed().push((fault, times));
        }
    }

    /// Disarms everything.
    pub fn clear(&self) {
        self.armed().clear();
    }

    /// The faults still armed, each with its remaining count as `times`.
    pub fn pending(&self) -> Vec<Fault> {
        self.armed()
            .iter()
            .map(|(fault, left)| fault.with_times(*left))
            .collect()
    }

    /// Takes the fault for the upload now starting, if one is armed (counts it down).
    pub(crate) fn take_for_upload(&self) -> Option<Fault> {
        let mut armed = self.armed();
        let (fault, left) = armed.first_mut()?;
        let fired = fault.with_times(1);
        *left -= 1;
        if *left == 0 {
            armed.remove(0);
        }
        Some(fired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_fire_in_order_and_count_down() {
        let faults = Faults::default();
        faults.inject(Fault::ResetBeforeStore { times: 2 });
        faults.inject(Fault::Delay {
            millis: 5,
            times: 1,
        });
        assert_eq!(
            faults.take_for_upload(),
            Some(Fault::ResetBeforeStore { times: 1 })
        );
        assert_eq!(
            faults.pending(),
            [
                Fault::ResetBeforeStore { times: 1 },
                Fault::Delay {
                    millis: 5,
                    times: 1
                }
            ]
        );
        assert_eq!(
            faults.take_for_upload(),
            Some(Fault::ResetBeforeStore { times: 1 })
        );
        assert_eq!(
            faults.take_for_upload(),
            Some(Fault::Delay {
                millis: 5,
                times: 1
            })
        );
        assert_eq!(faults.take_for_upload(), None);
    }
}
