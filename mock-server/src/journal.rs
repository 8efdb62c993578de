//! The journal: every connection, handshake, request, response and injected fault.
//!
//! Two copies with different jobs. In memory, a bounded ring buffer that tests query and wait on
//! ([`Journal::wait_for`], no sleeps); on disk, a complete JSON-lines file (`journal.jsonl` in the
//! data directory) that an operator or a black-box test reads after the fact. Secrets never
//! reach either: entries carry account IDs, never passwords, and certificate subjects, never keys.
//!
//! The file is written by a thread of its own, off the request path (issue 14): recording is an
//! in-memory append that wakes the waiters, and the writer appends whatever has queued up in one
//! `write`, in sequence order. [`Journal::flush`] waits for it; a clean shutdown flushes.
//!
//! The file stays parseable line by line whatever the disk does: a torn last line (a crash or
//! a full disk mid-write) is cut off when the journal opens, and a failed append is cut back to
//! the previous length and retried with the next entry (entries wait in a backlog bounded by
//! the in-memory capacity). Failures go to stderr and to [`Journal::file_health`], never take
//! the server down, and never stop the journal for good.

use std::collections::VecDeque;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use idlink_protocol::CertificateSummary;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::clock;
use crate::durable::{self, Failpoints, WritePoint};

/// Which listener a connection came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Listener {
    /// The mutual-TLS main listener (`PROTO-TLS-003`).
    Mtls,
    /// The on-demand VPN listener, no client certificate (`PROTO-TLS-004`).
    Vpn,
}

impl Listener {
    /// `mtls` or `vpn`, as whoami reports it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mtls => "mtls",
            Self::Vpn => "vpn",
        }
    }
}

/// One journal entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Position in the journal, from 1, never reused (also across `reset`).
    pub seq: u64,
    /// When it happened, RFC 3339 UTC with milliseconds.
    pub at: String,
    /// Microseconds since the journal was opened, from a monotonic clock: what graders measure
    /// gaps with (wall-clock time can step).
    #[serde(default)]
    pub t_us: u64,
    /// The connection it belongs to (a per-process counter), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<u64>,
    /// The listener it happened on, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listener: Option<Listener>,
    /// What happened.
    #[serde(flatten)]
    pub event: JournalEvent,
}

/// What a journal entry records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum JournalEvent {
    /// The center started (or restarted on an existing data directory).
    Started {
        /// The mTLS URL.
        mtls_url: String,
        /// The VPN URL.
        vpn_url: String,
        /// Documents found in the index at start-up.
        documents: usize,
    },
    /// Start-up recovery did something worth knowing (orphan file moved, flag restored).
    Recovery {
        /// What and why.
        detail: String,
    },
    /// A TCP connection was accepted.
    Connection {
        /// The peer address.
        peer: String,
    },
    /// A TCP connection was closed at once because the connection limit was reached.
    ConnectionRefused {
        /// The peer address.
        peer: String,
        /// Why.
        reason: String,
    },
    /// The TLS handshake succeeded.
    HandshakeOk {
        /// `TLSv1.3` or `TLSv1.2`.
        tls_version: String,
        /// IANA cipher-suite name.
        cipher_suite: String,
        /// Negotiated ALPN protocol.
        alpn: Option<String>,
        /// The client certificate (mTLS listener).
        client_certificate: Option<CertificateSummary>,
    },
    /// The TLS handshake failed; `reason` is the server-side rustls error, verbatim (for example
    /// `invalid peer certificate: Revoked`). Deterministic, unlike what the client sees.
    HandshakeRejected {
        /// The rustls error as displayed (stable: graders match on it).
        reason: String,
        /// The same for people, with what to do, e.g. "the client certificate was issued by a
        /// CA the service center does not trust (issuer …): install …".
        #[serde(default, skip_serializing_if = "String::is_empty")]
        explanation: String,
        /// Who was refused: the certificate the client presented (subject, serial, issuer,
        /// validity as RFC 3339), when it presented one (issue 10 item 10).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        presented_certificate: Option<crate::tls::PresentedCertificate>,
    },
    /// The client did not finish the handshake in time.
    HandshakeTimeout {
        /// The configured timeout.
        after_ms: u64,
    },
    /// A timeout after the handshake fired (issue 10 item 7): the connection was closed, or
    /// for `body-idle` the upload was refused with `408` and then the connection closed.
    Timeout {
        /// Which timeout.
        timeout: TimeoutKind,
        /// The timeout as applied (nominal, scaled by the clock), in milliseconds.
        after_ms: u64,
        /// The request, for `body-idle`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
    },
    /// An HTTP request arrived.
    Request {
        /// The `IDLink-Request-Id` of the response.
        request_id: String,
        /// HTTP method.
        method: String,
        /// Path (no query).
        path: String,
        /// `HTTP/1.1` or `HTTP/2.0`.
        version: String,
        /// Uploads: the `Idempotency-Key` as sent, so one document's retries (and replays,
        /// refused before any body is read) can be followed across connections
        /// (`PROTO-CLI-001`). Not a secret, unlike `Authorization`, which is never journaled.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        idempotency_key: Option<String>,
        /// Uploads: `IDLink-Patient-Id` as declared.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        patient_id: Option<String>,
        /// Uploads: `IDLink-Document-Kind` as declared.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        document_kind: Option<String>,
        /// Uploads: `IDLink-Data-Kind` as declared.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        data_kind: Option<String>,
        /// Uploads: `IDLink-Destination` as declared.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        destination: Option<String>,
        /// Uploads: `Content-Type` as declared.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content_type: Option<String>,
        /// Uploads: the SHA-256 of `Content-Digest` as declared, lowercase hex (how one
        /// document's attempts are recognised, whatever keys they carry).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content_digest: Option<String>,
        /// Uploads: the attempt number for this document (same declared digest), from 1.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        attempt: Option<u32>,
    },
    /// A request head the HTTP/1.1 parser refused (`PROTO-ERR-005`, issue 10 item 11): answered
    /// `400 malformed-request` (or `431 request-head-too-large`) on the raw stream instead of
    /// hyper's empty answer, then closed.
    MalformedRequest {
        /// The `IDLink-Request-Id` of the answer.
        request_id: String,
        /// `malformed-request` (400), or `request-head-too-large` (431).
        code: idlink_protocol::ProblemCode,
        /// What was wrong, in words: the line, the header, the character.
        defect: String,
        /// The HTTP parser's own error (hyper's words, e.g. `invalid HTTP header parsed`).
        parser_error: String,
        /// Whether the answer was written; false when the client had already gone.
        answered: bool,
    },
    /// An upload passed every check that needs no body and its body is now being received
    /// (its idempotency key is claimed: a second upload with the same key gets
    /// `upload-in-progress`).
    Receiving {
        /// The request's ID.
        request_id: String,
        /// The claimed key.
        idempotency_key: String,
        /// The declared length, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content_length: Option<u64>,
    },
    /// A scenario was loaded into the engine.
    ScenarioLoaded {
        /// Its ID.
        scenario: String,
        /// The seed its random choices come from.
        seed: u64,
        /// The time scale.
        time_scale: f64,
        /// The initial state.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        initial: Option<String>,
    },
    /// The engine decided an action other than normal processing (a scenario rule or an armed
    /// fault).
    ActionFired {
        /// The state whose rule fired (`armed` for a fault armed through the admin API).
        state: String,
        /// The action, as data (what a replay forces).
        action: crate::scenario::ActionSpec,
        /// The action for people.
        label: String,
        /// The request it hit (none for connection actions).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request_id: Option<String>,
        /// The attempt number of the document it hit.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        attempt: Option<u32>,
    },
    /// The runner started a run of the client command (from 1): graders compare attempts
    /// within one run (a new process does not remember the last `Retry-After`).
    RunStarted {
        /// The run.
        run: u32,
    },
    /// The machine moved to another state.
    StateChanged {
        /// From.
        from: String,
        /// To.
        to: String,
    },
    /// A request that no state expected (processed normally).
    Unexpected {
        /// The request.
        request_id: String,
        /// The state the machine was in.
        state: String,
        /// Why, in words.
        reason: String,
    },
    /// An action stopped reading the request body after this many bytes.
    BodyRead {
        /// The request.
        request_id: String,
        /// Body bytes the server read.
        bytes: u64,
    },
    /// A document was committed (or an idempotent replay found it): what was stored.
    Stored {
        /// The request.
        request_id: String,
        /// Its receipt.
        receipt_id: String,
        /// Path in the SS-MIX2 tree, relative to the storage root.
        path: String,
        /// SHA-256 of the stored bytes, hex.
        sha256: String,
        /// True for a replay of an earlier upload (nothing new stored).
        replayed: bool,
    },
    /// The action's connection-level part was carried out (reset, close, raw bytes written).
    ConnectionAction {
        /// What was done.
        detail: String,
    },
    /// A response was sent (or, after a reset fault, would have been).
    Response {
        /// The request's ID.
        request_id: String,
        /// HTTP status.
        status: u16,
        /// Problem code, for errors.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<idlink_protocol::ProblemCode>,
        /// `Retry-After` as sent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<String>,
        /// The authenticated account, if authentication got that far.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        account: Option<String>,
        /// A refused login (401, 403): the account ID the credentials named, never the
        /// password.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tried_account: Option<String>,
        /// The receipt, for uploads and replays.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        receipt_id: Option<String>,
        /// Time from request to response head, in milliseconds.
        duration_ms: u64,
    },
    /// An upload's answer never reached the connection: the client went away (killed, or the
    /// connection reset) while the document was being checked or stored. What happened to the
    /// document is in the `stored` entry before it (or its absence); this says what the answer
    /// would have been, since no `response` entry follows.
    ResponseUndelivered {
        /// The request's ID.
        request_id: String,
        /// The status of the answer that could not be sent.
        status: u16,
        /// Its problem code, for errors.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<idlink_protocol::ProblemCode>,
        /// The receipt it carried, for a stored document or a replay.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        receipt_id: Option<String>,
        /// Why it was not sent, in words.
        error: String,
    },
    /// The connection ended.
    ConnectionClosed {
        /// The error that ended it, if it did not end cleanly.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// Failed logins locked an account (`PROTO-AUTH-003`): it answers `account-locked` until
    /// an operator unlocks it.
    AccountLocked {
        /// The account.
        account: String,
        /// Consecutive failed logins that locked it.
        failed_logins: u32,
    },
    /// An operator action on the admin API.
    Admin {
        /// What was done.
        action: String,
    },
    /// The certificate desk issued a client certificate and set the account's password
    /// (issue 13). Never the password, never the key.
    CertificateIssued {
        /// The transfer account (created or updated).
        account: String,
        /// The account's facility.
        facility: String,
        /// The facility the certificate names, when it names one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        certificate_facility: Option<String>,
        /// Serial number, lower-case hex.
        serial: String,
        /// The variant (`valid`, `expired`, ...).
        variant: String,
        /// `ECDSA P-256` or `RSA-2048`.
        key_type: String,
        /// `pem` or `pkcs12`.
        format: String,
        /// Start of validity, RFC 3339.
        not_before: String,
        /// End of validity, RFC 3339.
        not_after: String,
        /// Whether the account was created (else its password was replaced).
        account_created: bool,
    },
    /// The certificate desk revoked a certificate: the listener checks against the new CRL
    /// from the next handshake on.
    CertificateRevoked {
        /// Serial number, lower-case hex.
        serial: String,
        /// The account it was issued with.
        account: String,
        /// The account's facility.
        facility: String,
        /// The number of the CRL that lists it.
        crl_number: u64,
    },
}

/// The timeouts after the handshake (`[limits]` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeoutKind {
    /// HTTP/1.1: no complete request head in time (a stalled head, or an idle keep-alive
    /// connection).
    HeaderRead,
    /// An upload body brought no byte in time.
    BodyIdle,
    /// No request in flight for too long (HTTP/2, or no request at all).
    Idle,
}

/// Why [`Journal::wait_for`] gave up.
#[derive(Debug, thiserror::Error)]
#[error("no journal entry matched within {timeout:?}; the last entries were:\n{recent}")]
pub struct WaitTimeout {
    /// The timeout that expired.
    pub timeout: Duration,
    /// The last entries, one JSON line each, to see what happened instead.
    pub recent: String,
}

/// Why the journal file could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("cannot open the journal file {path}")]
pub struct JournalError {
    /// The file.
    pub path: PathBuf,
    /// The I/O error.
    pub source: std::io::Error,
}

/// How writing `journal.jsonl` has gone since the journal was opened (for the admin status).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct JournalFileHealth {
    /// Appends to the file that failed (each was cut back and is retried with the next entry).
    pub write_failures: u64,
    /// The most recent failure: the file and the operating system's error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Entries whose write failed and that wait in memory to be written with the next ones.
    pub pending: usize,
    /// Entries that never reached the file because the backlog was full.
    pub dropped: u64,
}

/// The journal handle shared by every part of the center.
///
/// Recording an entry is an in-memory append: the entry joins the ring buffer (waking
/// [`Journal::wait_for`] waiters at once) and the queue of the journal's writer thread, which
/// serialises whatever has queued up and appends it to the file in one `write` (issue 14: the
/// journal is evidence, not the commit, so its file I/O stays off the request path). The queue
/// is taken whole under the lock that assigns sequence numbers, so the file's order is the
/// sequence order. [`Journal::flush`] waits for the writer; dropping the journal (and a clean
/// shutdown of the center) flushes it.
#[derive(Debug)]
pub struct Journal {
    shared: Arc<Shared>,
    /// Bumped after every append so `wait_for` wakes without polling.
    notify: watch::Sender<u64>,
    path: PathBuf,
    capacity: usize,
    /// Origin of `t_us`.
    opened: std::time::Instant,
    writer: Option<std::thread::JoinHandle<()>>,
}

/// What the request path and the writer thread share.
#[derive(Debug)]
struct Shared {
    /// The ring buffer, the sequence counter and the writer's queue, under one blocking mutex:
    /// appends are short and never await, and a single lock keeps `seq` order equal to ring
    /// order and file order.
    state: Mutex<State>,
    /// The writer sleeps here while there is nothing to write.
    wake: Condvar,
    /// [`Journal::flush`] sleeps here until the writer has finished a write.
    written: Condvar,
    /// Inert unless a test arms it (see [`crate::durable`]).
    failpoints: Failpoints,
}

#[derive(Debug)]
struct State {
    ring: VecDeque<Arc<JournalEntry>>,
    next_seq: u64,
    /// Entries recorded but not yet taken by the writer, oldest first.
    queue: Vec<Arc<JournalEntry>>,
    /// The writer is waiting on `wake` (so a record must notify it; otherwise it will look
    /// at the queue again without being told, and the notification is saved).
    writer_idle: bool,
    /// Flushes asked for, and the last one the writer has answered: a flush waits for a write
    /// that began after it was asked for.
    flush_asked: u64,
    flush_done: u64,
    /// The journal is being dropped: the writer writes what is queued and stops.
    stop: bool,
    /// The writer thread is gone (stopped, or it panicked): nobody waits for it any more.
    writer_gone: bool,
    health: JournalFileHealth,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Every change under the lock is a push, a take or a counter; a panic cannot leave the
        // state torn, so poisoning is ignored.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// How long the writer lets entries gather before it writes them in one `write`: one wake-up
/// and one write per few milliseconds however many entries arrive, instead of one per entry
/// (issue 14). The file is this much behind memory at most; [`Journal::flush`] does not wait
/// for it.
const GATHER: Duration = Duration::from_millis(4);

/// The writer thread's own state: the file and what failed to reach it.
struct Writer {
    shared: Arc<Shared>,
    file: File,
    path: PathBuf,
    /// The file may end in a fragment that could not be cut off yet; cut to `cut_to` before
    /// the next write.
    cut_to: Option<u64>,
    /// Lines not written yet (a write failed), oldest first, written together with the next.
    backlog: VecDeque<Vec<u8>>,
    /// Most lines the backlog keeps (the in-memory capacity).
    capacity: usize,
    health: JournalFileHealth,
    /// Failures since the last successful write: the first is logged, and the recovery, not
    /// every entry of a full disk.
    streak: u64,
}

impl Writer {
    /// Takes the queue, writes it, answers flushes; until the journal is dropped.
    fn run(mut self) {
        let shared = self.shared.clone();
        let _gone = WriterGone(&shared);
        let mut state = shared.lock();
        loop {
            while state.queue.is_empty() && state.flush_asked == state.flush_done && !state.stop {
                state.writer_idle = true;
                state = shared
                    .wake
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            state.writer_idle = false;
            // Let the entries of the moment gather (a request's entries come a few at a time):
            // meanwhile recorders see a busy writer and do not wake it. A flush or a stop ends
            // the wait at once.
            if state.flush_asked == state.flush_done && !state.stop {
                state = shared
                    .wake
                    .wait_timeout(state, GATHER)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            let batch = std::mem::take(&mut state.queue);
            let flush = state.flush_asked;
            let stopping = state.stop;
            drop(state);
            self.write(&batch);
            drop(batch);
            state = shared.lock();
            state.health = self.health.clone();
            state.flush_done = flush;
            shared.written.notify_all();
            if stopping && state.queue.is_empty() {
                return;
            }
        }
    }

    /// Serialises `batch` behind the backlog and writes them all in one write; on failure cuts
    /// the file back and keeps them all for the next write.
    fn write(&mut self, batch: &[Arc<JournalEntry>]) {
        for entry in batch {
            // Serialising cannot fail for these types (strings, numbers, string-keyed maps);
            // if it ever did, writing nothing keeps the file parseable.
            if let Ok(mut line) = serde_json::to_vec(&**entry) {
                line.push(b'\n');
                self.backlog.push_back(line);
            }
        }
        if self.backlog.is_empty() {
            return;
        }
        let bytes: Vec<u8> = if self.backlog.len() == 1 {
            self.backlog.pop_front().unwrap_or_default()
        } else {
            self.backlog.drain(..).flatten().collect()
        };
        let written = self.cut_if_needed().map_err(|e| (0, e)).and_then(|()| {
            self.shared
                .failpoints
                .append(WritePoint::JournalAppend, &mut self.file, &bytes)
        });
        match written {
            Ok(()) => {
                if self.streak > 0 {
                    tracing::warn!(
                        path = %self.path.display(),
                        failures = self.streak,
                        "journal file writes resumed; the entries that waited are written"
                    );
                    self.streak = 0;
                }
            }
            Err((appended, error)) => {
                // One write per batch on an O_APPEND file: what it appended is cut off again,
                // from the length the file has now (an operator may have truncated it, with
                // copytruncate rotation, and a cut-back must never grow it again).
                if self.cut_to.is_none() {
                    let now = self.file.metadata().map_or(0, |m| m.len());
                    self.cut_to = Some(now.saturating_sub(appended as u64));
                }
                // If this fails too, it is retried before the next write.
                let _ = self.cut_if_needed();
                for line in bytes.split_inclusive(|&b| b == b'\n') {
                    self.backlog.push_back(line.to_vec());
                }
                // Every line was tried once; those that wait are bounded, oldest dropped.
                while self.backlog.len() > self.capacity {
                    self.backlog.pop_front();
                    self.health.dropped += 1;
                }
                self.health.write_failures += 1;
                self.health.last_error =
                    Some(format!("writing {} failed: {error}", self.path.display()));
                if self.streak == 0 {
                    tracing::error!(
                        %error,
                        path = %self.path.display(),
                        "journal file write failed; entries are kept in memory and written with the next entry"
                    );
                }
                self.streak += 1;
            }
        }
        self.health.pending = self.backlog.len();
    }

    fn cut_if_needed(&mut self) -> io::Result<()> {
        if let Some(len) = self.cut_to {
            self.file.set_len(len)?;
            self.cut_to = None;
        }
        Ok(())
    }
}

/// Marks the writer gone when its thread ends, however it ends, so that a flush never waits
/// for a writer that is not there.
struct WriterGone<'a>(&'a Shared);

impl Drop for WriterGone<'_> {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.writer_gone = true;
        drop(state);
        self.0.written.notify_all();
    }
}

impl Journal {
    /// Opens (appending) `journal.jsonl` in `dir` with an in-memory capacity, creating it
    /// owner-only, cuts off a torn last line (recorded as a `recovery` entry) and starts the
    /// writer thread.
    pub fn open(dir: &Path, capacity: usize) -> Result<Self, JournalError> {
        let path = dir.join("journal.jsonl");
        let failed = |source| JournalError {
            path: path.clone(),
            source,
        };
        let mut file = durable::private_append(&path).map_err(failed)?;
        let len = file.metadata().map_err(failed)?.len();
        let complete = durable::complete_len(&mut file).map_err(failed)?;
        if complete < len {
            file.set_len(complete).map_err(failed)?;
        }
        let capacity = capacity.max(1);
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                ring: VecDeque::with_capacity(capacity.min(1024)),
                next_seq: 1,
                queue: Vec::new(),
                writer_idle: false,
                flush_asked: 0,
                flush_done: 0,
                stop: false,
                writer_gone: false,
                health: JournalFileHealth::default(),
            }),
            wake: Condvar::new(),
            written: Condvar::new(),
            failpoints: Failpoints::default(),
        });
        let writer = Writer {
            shared: shared.clone(),
            file,
            path: path.clone(),
            cut_to: None,
            backlog: VecDeque::new(),
            capacity,
            health: JournalFileHealth::default(),
            streak: 0,
        };
        let writer = std::thread::Builder::new()
            .name("idlink-journal".to_owned())
            .spawn(move || writer.run())
            .map_err(failed)?;
        let (notify, _) = watch::channel(0);
        let journal = Self {
            shared,
            notify,
            path,
            capacity,
            opened: std::time::Instant::now(),
            writer: Some(writer),
        };
        if complete < len {
            let detail = format!(
                "cut a torn last line of {} bytes off {} (a write that never completed)",
                len - complete,
                journal.path.display()
            );
            journal.record(None, None, JournalEvent::Recovery { detail });
        }
        Ok(journal)
    }

    /// How writing the file has gone: failures, the last error, entries still waiting. As of
    /// the writer's last write: [`Journal::flush`] first to include everything recorded.
    pub fn file_health(&self) -> JournalFileHealth {
        self.shared.lock().health.clone()
    }

    /// Waits until the writer has written everything recorded before this call (in a write
    /// that began after it, so entries a failed write left waiting are tried once more).
    /// Returns at once if the writer thread is gone. A failure is not an error here: it is in
    /// [`Journal::file_health`] and on stderr, as for every write.
    pub fn flush(&self) {
        let mut state = self.shared.lock();
        state.flush_asked += 1;
        let asked = state.flush_asked;
        // Always: the writer may be idle, or gathering entries.
        state.writer_idle = false;
        self.shared.wake.notify_one();
        while state.flush_done < asked && !state.writer_gone {
            state = self
                .shared
                .written
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// The write failures tests can arm on `journal.jsonl`.
    pub fn failpoints(&self) -> &Failpoints {
        &self.shared.failpoints
    }

    /// The JSON-lines file with every entry since the data directory was created.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends an entry; returns its sequence number. In memory only: the writer thread
    /// writes it to the file.
    pub fn record(
        &self,
        connection: Option<u64>,
        listener: Option<Listener>,
        event: JournalEvent,
    ) -> u64 {
        let seq = {
            let mut state = self.shared.lock();
            let seq = state.next_seq;
            state.next_seq += 1;
            let entry = Arc::new(JournalEntry {
                seq,
                at: clock::rfc3339(clock::now()),
                t_us: self.opened.elapsed().as_micros() as u64,
                connection,
                listener,
                event,
            });
            if state.ring.len() == self.capacity {
                state.ring.pop_front();
            }
            state.ring.push_back(entry.clone());
            state.queue.push(entry);
            if std::mem::replace(&mut state.writer_idle, false) {
                self.shared.wake.notify_one();
            }
            seq
        };
        self.notify.send_replace(seq);
        seq
    }

    /// The entries still in memory, oldest first.
    pub fn entries(&self) -> Vec<JournalEntry> {
        self.shared
            .lock()
            .ring
            .iter()
            .map(|e| (**e).clone())
            .collect()
    }

    /// The last `n` entries in memory, oldest first.
    pub fn recent(&self, n: usize) -> Vec<JournalEntry> {
        let state = self.shared.lock();
        let skip = state.ring.len().saturating_sub(n);
        state
            .ring
            .iter()
            .skip(skip)
            .map(|e| (**e).clone())
            .collect()
    }

    /// Forgets the in-memory entries (the file keeps them; sequence numbers keep counting).
    pub fn clear(&self) {
        self.shared.lock().ring.clear();
    }

    /// Waits until an entry matching `predicate` is in memory and returns the first such entry.
    ///
    /// This is how tests synchronise with the server: no sleeps, and a timeout whose error shows
    /// the last entries.
    ///
    /// ```no_run
    /// # async fn demo(center: &idlink_mock::MockCenter) -> Result<(), Box<dyn std::error::Error>> {
    /// use idlink_mock::JournalEvent;
    /// let rejected = center
    ///     .journal()
    ///     .wait_for(
    ///         |e| matches!(e.event, JournalEvent::HandshakeRejected { .. }),
    ///         std::time::Duration::from_secs(5),
    ///     )
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn wait_for(
        &self,
        predicate: impl Fn(&JournalEntry) -> bool,
        timeout: Duration,
    ) -> Result<JournalEntry, WaitTimeout> {
        let deadline = tokio::time::Instant::now() + timeout;
        // Subscribe before looking, so an entry appended in between still wakes us.
        let mut changes = self.notify.subscribe();
        loop {
            let found = self
                .shared
                .lock()
                .ring
                .iter()
                .find(|e| predicate(e))
                .cloned();
            if let Some(found) = found {
                return Ok((*found).clone());
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => continue,
                // The sender lives as long as `self`, so a closed channel cannot happen while
                // we borrow it; treat it like a timeout all the same.
                Ok(Err(_)) | Err(_) => {
                    let recent = self
                        .recent(20)
                        .iter()
                        .map(|e| serde_json::to_string(e).unwrap_or_default())
                        .collect::<Vec<_>>()
                        .join("\n");
                    return Err(WaitTimeout { timeout, recent });
                }
            }
        }
    }
}

impl Drop for Journal {
    /// Writes what is queued, then stops the writer thread.
    fn drop(&mut self) {
        {
            let mut state = self.shared.lock();
            state.stop = true;
        }
        self.shared.wake.notify_one();
        if let Some(writer) = self.writer.take() {
            // A writer that panicked has nothing left to write; the panic was printed.
            let _ = writer.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn wait_for_sees_an_entry_recorded_later_and_the_file_gets_every_line() {
        let dir = tempfile::tempdir().unwrap();
        let journal = std::sync::Arc::new(Journal::open(dir.path(), 2).unwrap());
        let writer = journal.clone();
        let task = tokio::spawn(async move {
            for n in 0..3 {
                writer.record(
                    Some(n),
                    Some(Listener::Vpn),
                    JournalEvent::Connection {
                        peer: format!("127.0.0.1:{n}"),
                    },
                );
            }
        });
        let found = journal
            .wait_for(|e| e.connection == Some(2), Duration::from_secs(5))
            .await
            .unwrap();
        task.await.unwrap();
        journal.flush();
        assert_eq!(found.seq, 3);
        assert_eq!(journal.entries().len(), 2, "the ring keeps its capacity");
        let text = std::fs::read_to_string(journal.path()).unwrap();
        assert_eq!(text.lines().count(), 3, "the file keeps everything");
    }

    #[test]
    fn concurrent_records_reach_the_file_in_sequence_order_when_the_journal_is_dropped() {
        // Issue 14: the file is written by the journal's own thread; dropping the journal
        // (a clean shutdown) writes everything still queued, in `seq` order.
        let dir = tempfile::tempdir().unwrap();
        let journal = std::sync::Arc::new(Journal::open(dir.path(), 16).unwrap());
        let path = journal.path().to_owned();
        std::thread::scope(|scope| {
            for thread in 0..4 {
                let journal = &journal;
                scope.spawn(move || {
                    for n in 0..250 {
                        journal.record(
                            Some(thread),
                            None,
                            JournalEvent::Admin {
                                action: format!("{thread}-{n}"),
                            },
                        );
                    }
                });
            }
        });
        drop(std::sync::Arc::into_inner(journal).expect("the only handle"));

        let text = std::fs::read_to_string(&path).unwrap();
        let entries: Vec<JournalEntry> = text
            .lines()
            .map(|line| serde_json::from_str(line).expect("every line parses"))
            .collect();
        let seqs: Vec<u64> = entries.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (1..=1000).collect::<Vec<u64>>());
        for thread in 0..4 {
            let mine: Vec<String> = entries
                .iter()
                .filter(|e| e.connection == Some(thread))
                .map(|e| match &e.event {
                    JournalEvent::Admin { action } => action.clone(),
                    other => panic!("{other:?}"),
                })
                .collect();
            let expected: Vec<String> = (0..250).map(|n| format!("{thread}-{n}")).collect();
            assert_eq!(mine, expected, "each thread's entries in its own order");
        }
    }

    #[tokio::test]
    async fn a_waiter_is_woken_by_the_record_even_while_the_file_write_is_held() {
        // The in-memory record wakes `wait_for` at once; the file write comes after, on the
        // writer thread, and a stuck disk does not delay the waiters.
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path(), 10).unwrap();
        let hold = journal.failpoints().hold(WritePoint::JournalAppend);
        journal.record(
            None,
            None,
            JournalEvent::Admin {
                action: "held".into(),
            },
        );
        let found = journal
            .wait_for(
                |e| matches!(&e.event, JournalEvent::Admin { action } if action == "held"),
                Duration::from_secs(5),
            )
            .await
            .unwrap();
        assert_eq!(found.seq, 1);
        tokio::time::timeout(Duration::from_secs(10), hold.reached())
            .await
            .expect("the writer reaches the held write");
        assert_eq!(
            std::fs::read(journal.path()).unwrap(),
            b"",
            "not on file yet"
        );
        hold.release();
        journal.flush();
        let text = std::fs::read_to_string(journal.path()).unwrap();
        assert_eq!(text.lines().count(), 1);
    }

    #[tokio::test]
    async fn wait_for_times_out_with_the_recent_entries() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::open(dir.path(), 10).unwrap();
        journal.record(
            None,
            None,
            JournalEvent::Admin {
                action: "reset".into(),
            },
        );
        let err = journal
            .wait_for(|_| false, Duration::from_millis(10))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("\"action\":\"reset\""), "{err}");
    }
}
