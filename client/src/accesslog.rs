//! The access log: one line per document (time, facility, patient, document, result), as the
//! MHLW security guideline asks of systems handling medical information.
//!
//! Tab-separated `key=value` fields so it is both greppable and parseable; appended with one
//! `write` per line so concurrent uploads never interleave within a line.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::report::DocumentOutcome;

/// File name of the access log inside the log folder.
pub const FILE_NAME: &str = "access.log";

/// Why the access log could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("access log {path}")]
pub struct AccessLogError {
    /// The log file.
    pub path: PathBuf,
    /// The I/O error.
    pub source: std::io::Error,
}

/// An append-only access log.
#[derive(Debug)]
pub struct AccessLog {
    path: PathBuf,
    file: Mutex<File>,
}

impl AccessLog {
    /// Opens (creating) `DIR/access.log` for appending.
    pub fn open(dir: &Path) -> Result<Self, AccessLogError> {
        let path = dir.join(FILE_NAME);
        let err = |source| AccessLogError {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(err)?;
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(err)?;
        Ok(Self {
            path,
            file: Mutex::new(file),
        })
    }

    /// Appends the line for one document.
    pub fn record(&self, facility: &str, account: &str, outcome: &DocumentOutcome) {
        let line = format!(
            "{}\tfacility={facility}\taccount={account}\tpatient={}\tdocument={}\tresult={}\treceipt={}\tcode={}\n",
            crate::upload::now_rfc3339(),
            outcome.patient.as_deref().unwrap_or("-"),
            clean(&outcome.document),
            outcome.result.as_str(),
            outcome.receipt_id.as_deref().unwrap_or("-"),
            outcome.code.as_deref().unwrap_or("-"),
        );
        let mut f = self.file.lock().unwrap_or_else(|p| p.into_inner());
        if f.write_all(line.as_bytes()).is_err() {
            tracing::warn!(path = %self.path.display(), "could not write to the access log");
        }
    }
}

/// Tabs and newlines in a file name would break the line format.
fn clean(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}
