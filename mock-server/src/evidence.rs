//! Evidence for grading: the journal, turned into the answers a grader asks for (attempts per
//! document, gaps between attempts, keys per document, what was stored, unexpected requests,
//! handshake rejections). Pure functions over journal entries, so a grader can work from a live
//! center or from a saved `journal.jsonl` alike.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use idlink_protocol::ProblemCode;

use crate::journal::{JournalEntry, JournalEvent, Listener};

/// One upload request with everything that happened to it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UploadAttempt {
    /// The request ID.
    pub request_id: String,
    /// The connection it came on.
    pub connection: Option<u64>,
    /// The listener.
    pub listener: Option<Listener>,
    /// Request start, microseconds on the journal's monotonic clock.
    pub started_us: u64,
    /// When the response head was journaled, if one was sent.
    pub answered_us: Option<u64>,
    /// `Idempotency-Key` as sent.
    pub idempotency_key: Option<String>,
    /// Declared SHA-256 (hex).
    pub digest: Option<String>,
    /// `Content-Type` as sent.
    pub content_type: Option<String>,
    /// Declared document kind.
    pub document_kind: Option<String>,
    /// Declared data kind.
    pub data_kind: Option<String>,
    /// Declared patient.
    pub patient_id: Option<String>,
    /// Declared destination.
    pub destination: Option<String>,
    /// Attempt number for this document.
    pub attempt: Option<u32>,
    /// Response status, if a response was sent.
    pub status: Option<u16>,
    /// Problem code of the response.
    pub code: Option<ProblemCode>,
    /// `Retry-After` as sent.
    pub retry_after: Option<String>,
    /// The engine action that fired on it: (state, label).
    pub action: Option<(String, String)>,
    /// What was stored: (receipt, path, sha256, replayed).
    pub stored: Option<(String, String, String, bool)>,
    /// Body bytes the server read before an action cut the body.
    pub body_read: Option<u64>,
    /// The run of the client command it belongs to (1 when runs were not journaled).
    pub run: u32,
}

impl UploadAttempt {
    /// The wait `Retry-After` asked for, nominal (seconds, or an HTTP date relative to the
    /// answer's time is not known here: dates give `None`).
    pub fn retry_after_nominal(&self) -> Option<Duration> {
        self.retry_after
            .as_deref()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs)
    }
}

/// One committed document, as the journal saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// The request that stored it.
    pub request_id: String,
    /// Its receipt.
    pub receipt_id: String,
    /// Path in the SS-MIX2 tree.
    pub path: String,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
}

/// A connection and how its handshake went.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ConnectionRecord {
    /// The connection number.
    pub id: u64,
    /// The listener.
    pub listener: Option<Listener>,
    /// The handshake completed.
    pub handshake_ok: bool,
    /// The center rejected the handshake, with rustls's reason.
    pub rejected: Option<String>,
    /// The client certificate's subject, if one was presented and accepted.
    pub client_subject: Option<String>,
    /// Requests made on it.
    pub requests: u32,
    /// How it ended, if not cleanly.
    pub closed_error: Option<String>,
}

/// Everything a grader reads, from journal entries.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    entries: Vec<JournalEntry>,
    /// The upload requests joined with their outcomes, built once: graders ask per document
    /// and per expectation.
    uploads: Vec<UploadAttempt>,
}

/// Why a saved journal could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EvidenceError {
    /// The file could not be read.
    #[error("cannot read the journal {path}")]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line is not a journal entry.
    #[error("{path}:{line}: not a journal entry: {message}")]
    Parse {
        /// The file.
        path: std::path::PathBuf,
        /// 1-based line.
        line: usize,
        /// serde's message.
        message: String,
    },
}

impl Evidence {
    /// Evidence from entries (e.g. `center.journal().entries()`).
    pub fn new(entries: Vec<JournalEntry>) -> Self {
        let uploads = join_uploads(&entries);
        Self { entries, uploads }
    }

    /// Evidence from a saved `journal.jsonl`. A torn last line (a crash while writing) is
    /// skipped; any other bad line is an error naming it.
    pub fn from_file(path: &Path) -> Result<Self, EvidenceError> {
        let text = std::fs::read_to_string(path).map_err(|source| EvidenceError::Read {
            path: path.to_owned(),
            source,
        })?;
        let lines: Vec<&str> = text.lines().collect();
        let mut entries = Vec::with_capacity(lines.len());
        for (i, line) in lines.iter().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<JournalEntry>(line) {
                Ok(entry) => entries.push(entry),
                Err(_) if i + 1 == lines.len() && !text.ends_with('\n') => {}
                Err(e) => {
                    return Err(EvidenceError::Parse {
                        path: path.to_owned(),
                        line: i + 1,
                        message: e.to_string(),
                    });
                }
            }
        }
        Ok(Self::new(entries))
    }

    /// The entries, in journal order.
    pub fn entries(&self) -> &[JournalEntry] {
        &self.entries
    }

    /// Every upload request with what happened to it, in arrival order.
    pub fn uploads(&self) -> &[UploadAttempt] {
        &self.uploads
    }

    /// The upload attempts of one document (by declared digest), in order.
    pub fn attempts_for(&self, digest: &str) -> Vec<UploadAttempt> {
        self.uploads
            .iter()
            .filter(|a| a.digest.as_deref() == Some(digest))
            .cloned()
            .collect()
    }

    /// Consecutive attempts of one document within one run (the pairs graders time).
    pub fn pairs_within_runs(attempts: &[UploadAttempt]) -> Vec<(&UploadAttempt, &UploadAttempt)> {
        attempts
            .windows(2)
            .filter(|w| w[0].run == w[1].run)
            .map(|w| (&w[0], &w[1]))
            .collect()
    }

    /// Gaps between consecutive attempts (start to start) of one document.
    pub fn gaps(attempts: &[UploadAttempt]) -> Vec<Duration> {
        attempts
            .windows(2)
            .map(|w| Duration::from_micros(w[1].started_us.saturating_sub(w[0].started_us)))
            .collect()
    }

    /// The distinct idempotency keys sent for one document.
    pub fn distinct_keys(&self, digest: &str) -> BTreeSet<String> {
        self.attempts_for(digest)
            .into_iter()
            .filter_map(|a| a.idempotency_key)
            .collect()
    }

    /// Every connection with its handshake outcome.
    pub fn connections(&self) -> Vec<ConnectionRecord> {
        let mut records: BTreeMap<u64, ConnectionRecord> = BTreeMap::new();
        for entry in &self.entries {
            let Some(id) = entry.connection else { continue };
            let record = records.entry(id).or_insert_with(|| ConnectionRecord {
                id,
                listener: entry.listener,
                ..ConnectionRecord::default()
            });
            match &entry.event {
                JournalEvent::HandshakeOk {
                    client_certificate, ..
                } => {
                    record.handshake_ok = true;
                    record.client_subject = client_certificate.as_ref().map(|c| c.subject.clone());
                }
                JournalEvent::HandshakeRejected { reason, .. } => {
                    record.rejected = Some(reason.clone())
                }
                JournalEvent::Request { .. } => record.requests += 1,
                JournalEvent::ConnectionClosed { error } => record.closed_error = error.clone(),
                _ => {}
            }
        }
        records.into_values().collect()
    }

    /// Documents committed (replays excluded), in order: one per stored copy.
    pub fn stored(&self) -> Vec<StoredRecord> {
        self.entries
            .iter()
            .filter_map(|e| match &e.event {
                JournalEvent::Stored {
                    request_id,
                    receipt_id,
                    path,
                    sha256,
                    replayed: false,
                } => Some(StoredRecord {
                    request_id: request_id.clone(),
                    receipt_id: receipt_id.clone(),
                    path: path.clone(),
                    sha256: sha256.clone(),
                }),
                _ => None,
            })
            .collect()
    }

    /// SHA-256 digests that were committed more than once (a duplicate the center let in).
    pub fn duplicates(&self) -> Vec<String> {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for record in self.stored() {
            *seen.entry(record.sha256).or_default() += 1;
        }
        seen.into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(sha, _)| sha)
            .collect()
    }

    /// Requests no state expected.
    pub fn unexpected(&self) -> Vec<&JournalEntry> {
        self.entries
            .iter()
            .filter(|e| matches!(e.event, JournalEvent::Unexpected { .. }))
            .collect()
    }

    /// Requests on a path (e.g. `/v1/whoami`), any method.
    pub fn requests_on(&self, path_prefix: &str) -> usize {
        self.entries
            .iter()
            .filter(|e| matches!(&e.event, JournalEvent::Request { path, .. } if path.starts_with(path_prefix)))
            .count()
    }

    /// Actions that fired: (state, label, request).
    pub fn actions_fired(&self) -> Vec<&JournalEntry> {
        self.entries
            .iter()
            .filter(|e| matches!(e.event, JournalEvent::ActionFired { .. }))
            .collect()
    }

    /// States entered, in order, starting with the initial one.
    pub fn states_visited(&self) -> Vec<String> {
        let mut visited = Vec::new();
        for entry in &self.entries {
            match &entry.event {
                JournalEvent::ScenarioLoaded {
                    initial: Some(initial),
                    ..
                } => visited = vec![initial.clone()],
                JournalEvent::StateChanged { to, .. } => visited.push(to.clone()),
                _ => {}
            }
        }
        visited
    }

    /// The entries of one request or connection, for a failure's evidence.
    pub fn excerpt(&self, request_ids: &[&str], connections: &[u64], limit: usize) -> Vec<String> {
        self.entries
            .iter()
            .filter(|e| {
                e.connection.is_some_and(|c| connections.contains(&c))
                    || request_of(&e.event).is_some_and(|r| request_ids.contains(&r))
            })
            .take(limit)
            .map(render)
            .collect()
    }
}

/// Joins each upload request with its answer, the action that fired on it and what was stored.
fn join_uploads(entries: &[JournalEntry]) -> Vec<UploadAttempt> {
    let mut order = Vec::new();
    let mut by_id: BTreeMap<String, UploadAttempt> = BTreeMap::new();
    let mut run = 1;
    for entry in entries {
        match &entry.event {
            JournalEvent::RunStarted { run: n } => run = *n,
            JournalEvent::Request {
                request_id,
                method,
                path,
                idempotency_key,
                patient_id,
                document_kind,
                data_kind,
                destination,
                content_type,
                content_digest,
                attempt,
                ..
            } if method == "POST" && path == idlink_protocol::headers::PATH_DOCUMENTS => {
                order.push(request_id.clone());
                by_id.insert(
                    request_id.clone(),
                    UploadAttempt {
                        request_id: request_id.clone(),
                        connection: entry.connection,
                        listener: entry.listener,
                        started_us: entry.t_us,
                        idempotency_key: idempotency_key.clone(),
                        digest: content_digest.clone(),
                        content_type: content_type.clone(),
                        document_kind: document_kind.clone(),
                        data_kind: data_kind.clone(),
                        patient_id: patient_id.clone(),
                        destination: destination.clone(),
                        attempt: *attempt,
                        run,
                        ..UploadAttempt::default()
                    },
                );
            }
            JournalEvent::Response {
                request_id,
                status,
                code,
                retry_after,
                ..
            } => {
                if let Some(a) = by_id.get_mut(request_id) {
                    a.status = Some(*status);
                    a.code = *code;
                    a.retry_after = retry_after.clone();
                    a.answered_us = Some(entry.t_us);
                }
            }
            JournalEvent::ActionFired {
                request_id: Some(request_id),
                state,
                label,
                ..
            } => {
                if let Some(a) = by_id.get_mut(request_id) {
                    a.action = Some((state.clone(), label.clone()));
                }
            }
            JournalEvent::Stored {
                request_id,
                receipt_id,
                path,
                sha256,
                replayed,
            } => {
                if let Some(a) = by_id.get_mut(request_id) {
                    a.stored = Some((receipt_id.clone(), path.clone(), sha256.clone(), *replayed));
                }
            }
            JournalEvent::BodyRead { request_id, bytes } => {
                if let Some(a) = by_id.get_mut(request_id) {
                    a.body_read = Some(*bytes);
                }
            }
            _ => {}
        }
    }
    order
        .into_iter()
        .filter_map(|id| by_id.remove(&id))
        .collect()
}

fn request_of(event: &JournalEvent) -> Option<&str> {
    match event {
        JournalEvent::Request { request_id, .. }
        | JournalEvent::Receiving { request_id, .. }
        | JournalEvent::Response { request_id, .. }
        | JournalEvent::Unexpected { request_id, .. }
        | JournalEvent::BodyRead { request_id, .. }
        | JournalEvent::Stored { request_id, .. } => Some(request_id),
        JournalEvent::ActionFired { request_id, .. } => request_id.as_deref(),
        _ => None,
    }
}

/// One journal entry as a line for people: `+12.345s conn 3 mtls  request POST /v1/documents ...`.
pub fn render(entry: &JournalEntry) -> String {
    let at = format!("+{:.3}s", entry.t_us as f64 / 1e6);
    let conn = entry
        .connection
        .map(|c| format!("conn {c}"))
        .unwrap_or_default();
    let listener = entry.listener.map(|l| l.as_str()).unwrap_or("");
    let what = match &entry.event {
        JournalEvent::Request {
            method,
            path,
            idempotency_key,
            attempt,
            ..
        } => format!(
            "request {method} {path}{}{}",
            attempt.map(|a| format!(" attempt {a}")).unwrap_or_default(),
            idempotency_key
                .as_ref()
                .map(|k| format!(" key {k}"))
                .unwrap_or_default()
        ),
        JournalEvent::Response {
            status,
            code,
            retry_after,
            receipt_id,
            ..
        } => format!(
            "response {status}{}{}{}",
            code.map(|c| format!(" {c}")).unwrap_or_default(),
            retry_after
                .as_ref()
                .map(|r| format!(" Retry-After {r}"))
                .unwrap_or_default(),
            receipt_id
                .as_ref()
                .map(|r| format!(" receipt {r}"))
                .unwrap_or_default()
        ),
        JournalEvent::ActionFired { state, label, .. } => {
            format!("action fired in state {state:?}: {label}")
        }
        JournalEvent::StateChanged { from, to } => format!("state {from:?} -> {to:?}"),
        JournalEvent::Unexpected { reason, .. } => format!("unexpected: {reason}"),
        JournalEvent::Stored { path, replayed, .. } => {
            if *replayed {
                format!("replayed the receipt of {path}")
            } else {
                format!("stored {path}")
            }
        }
        JournalEvent::BodyRead { bytes, .. } => format!("read {bytes} body bytes, then cut"),
        JournalEvent::HandshakeOk {
            tls_version,
            client_certificate,
            ..
        } => format!(
            "handshake ok {tls_version}{}",
            client_certificate
                .as_ref()
                .map(|c| format!(" client {}", c.subject))
                .unwrap_or_default()
        ),
        JournalEvent::HandshakeRejected { reason, .. } => format!("handshake rejected: {reason}"),
        JournalEvent::ConnectionClosed { error } => match error {
            Some(e) => format!("connection closed: {e}"),
            None => "connection closed".to_owned(),
        },
        other => serde_json::to_value(other)
            .ok()
            .and_then(|v| v.get("event").and_then(|e| e.as_str()).map(str::to_owned))
            .unwrap_or_default(),
    };
    format!("{at} {conn} {listener} {what}")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: u64, t_us: u64, connection: u64, event: JournalEvent) -> JournalEntry {
        JournalEntry {
            seq,
            at: String::new(),
            t_us,
            connection: Some(connection),
            listener: Some(Listener::Mtls),
            event,
        }
    }

    fn request(id: &str, key: &str, attempt: u32) -> JournalEvent {
        JournalEvent::Request {
            request_id: id.into(),
            method: "POST".into(),
            path: idlink_protocol::headers::PATH_DOCUMENTS.into(),
            version: "HTTP/2.0".into(),
            idempotency_key: Some(key.into()),
            patient_id: None,
            document_kind: None,
            data_kind: None,
            destination: None,
            content_type: None,
            content_digest: Some("d1".into()),
            attempt: Some(attempt),
        }
    }

    fn stored(id: &str, replayed: bool) -> JournalEvent {
        JournalEvent::Stored {
            request_id: id.into(),
            receipt_id: format!("rcpt-{id}"),
            path: "p".into(),
            sha256: "d1".into(),
            replayed,
        }
    }

    #[test]
    fn attempts_gaps_keys_and_duplicates_come_from_the_journal() {
        let evidence = Evidence::new(vec![
            entry(1, 1_000, 1, request("a", "k1", 1)),
            entry(2, 1_500, 1, stored("a", false)),
            entry(3, 51_000, 2, JournalEvent::RunStarted { run: 2 }),
            entry(4, 61_000, 2, request("b", "k2", 2)),
            entry(5, 61_500, 2, stored("b", false)),
            entry(6, 71_000, 3, request("c", "k2", 3)),
            entry(7, 71_500, 3, stored("c", true)),
        ]);
        let attempts = evidence.attempts_for("d1");
        assert_eq!(attempts.len(), 3);
        assert_eq!(
            Evidence::gaps(&attempts),
            [Duration::from_millis(60), Duration::from_millis(10)]
        );
        // The first pair crosses a run boundary: graders do not time it.
        assert_eq!(Evidence::pairs_within_runs(&attempts).len(), 1);
        assert_eq!(evidence.distinct_keys("d1").len(), 2);
        assert_eq!(evidence.stored().len(), 2, "the replay is not a copy");
        assert_eq!(evidence.duplicates(), ["d1"]);
    }
}
