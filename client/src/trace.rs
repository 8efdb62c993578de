//! `--trace FILE`: one JSON line per attempt, enough to replay a failure as a scenario.
//!
//! A line holds the request metadata (with `Authorization` redacted), the body's digest and size
//! (never the body: it is patient data), the response status, headers and body (problem
//! documents and receipts carry no patient content beyond IDs), the timings and the error class.

use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;

/// Why the trace file could not be written.
#[derive(Debug, thiserror::Error)]
#[error("trace file {path}")]
pub struct TraceError {
    /// The trace file.
    pub path: PathBuf,
    /// The I/O error.
    pub source: std::io::Error,
}

/// A JSON-lines trace file shared by every upload of a run.
#[derive(Debug)]
pub struct TraceWriter {
    path: PathBuf,
    // A Mutex, not a channel: lines are small and written once per attempt, and a line must be
    // complete on disk before the next attempt starts so a crash keeps everything before it.
    out: Mutex<BufWriter<File>>,
}

/// One attempt, as written to the trace.
#[derive(Debug, Serialize)]
pub struct AttemptRecord {
    /// RFC 3339 UTC start of the attempt.
    pub started_at: String,
    /// The document (path or label).
    pub document: String,
    /// 1-based attempt number.
    pub attempt: u32,
    /// Request metadata.
    pub request: RequestRecord,
    /// The response, when one arrived.
    pub response: Option<ResponseRecord>,
    /// Milliseconds from sending to the end of the response (or the failure).
    pub elapsed_ms: u128,
    /// The failure, when the attempt failed.
    pub error: Option<ErrorRecord>,
}

/// Request metadata of an attempt.
#[derive(Debug, Serialize)]
pub struct RequestRecord {
    /// `POST` or `GET`.
    pub method: String,
    /// Full URL.
    pub url: String,
    /// Headers in send order; `authorization` is `[redacted]`.
    pub headers: Vec<(String, String)>,
    /// `sha-256=:...:` of the body, when there is one.
    pub body_digest: Option<String>,
    /// Body size in bytes.
    pub body_size: Option<u64>,
}

/// Response of an attempt.
#[derive(Debug, Serialize)]
pub struct ResponseRecord {
    /// HTTP status.
    pub status: u16,
    /// `HTTP/2.0` or `HTTP/1.1`.
    pub version: String,
    /// Response headers.
    pub headers: Vec<(String, String)>,
    /// Response body as text (receipts and problem documents are JSON).
    pub body: String,
}

/// A failed attempt's classification.
#[derive(Debug, Serialize)]
pub struct ErrorRecord {
    /// `retryable` or `final`.
    pub class: String,
    /// Stable slug, e.g. `closed-before-response` or a problem code.
    pub kind: String,
    /// Human text.
    pub message: String,
}

impl TraceWriter {
    /// Creates (truncates) the trace file.
    pub fn create(path: &Path) -> Result<Self, TraceError> {
        let file = File::create(path).map_err(|source| TraceError {
            path: path.to_owned(),
            source,
        })?;
        Ok(Self {
            path: path.to_owned(),
            out: Mutex::new(BufWriter::new(file)),
        })
    }

    /// Appends one attempt and flushes it.
    pub fn record(&self, record: &AttemptRecord) {
        let Ok(line) = serde_json::to_string(record) else {
            return;
        };
        // A poisoned lock only means another thread panicked mid-write; keep tracing.
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
            tracing::warn!(path = %self.path.display(), "could not write to the trace file");
        }
    }
}

/// Headers as (name, value) pairs with credentials redacted.
pub fn redacted_headers(headers: &http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let v = if name == http::header::AUTHORIZATION || value.is_sensitive() {
                "[redacted]".to_owned()
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name.as_str().to_owned(), v)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_is_redacted_and_other_headers_kept() {
        let mut h = http::HeaderMap::new();
        h.insert(
            http::header::AUTHORIZATION,
            "Basic c2VjcmV0".parse().unwrap(),
        );
        h.insert("idlink-patient-id", "9999013".parse().unwrap());
        let r = redacted_headers(&h);
        assert!(r.contains(&("authorization".into(), "[redacted]".into())));
        assert!(r.contains(&("idlink-patient-id".into(), "9999013".into())));
    }
}
