//! Durable document storage: SS-MIX2 standardized layout for HL7, an extended-storage-like
//! layout for the rest, an append-only transaction log and an in-memory index rebuilt from it.
//!
//! Layout of the data directory:
//!
//! ```text
//! DATA/storage/<facility>/...      the documents (PROTO-STORE-001, PROTO-STORE-003)
//! DATA/transactions.jsonl          one JSON line per accepted document (PROTO-STORE-004)
//! DATA/incoming/*.part             uploads being received (deleted at start-up)
//! DATA/unacknowledged/...          files found in storage/ at start-up that no log record
//!                                  acknowledges (the server died between rename and log append)
//! ```
//!
//! The order of a commit is what makes "nothing acknowledged is ever lost" true
//! (`PROTO-UP-013`): the body is written to `incoming/`; for an update the previous `_1` file is
//! renamed to `_2`; the new file is renamed into place; the file and every directory that gained
//! an entry (the file's, and those created for it) are fsynced; the log record is appended and
//! fsynced; only then is the index updated and the `201` sent. A crash before the log append leaves a file no
//! receipt points to; start-up recovery moves it aside and undoes a `_1`→`_2` rename that no log
//! record explains.
//!
//! Documents that arrive while a commit runs are committed together by the next one (group
//! commit, see [`group`]): each member is renamed into place, the members' files and the union
//! of their directories are fsynced at once, and their records are appended in one write and
//! one fsync. Every member is
//! answered only after that fsync, so `201` still means on disk. Members that would conflict
//! within a batch (same key or content, or two updates of one document) wait for the next one.
//!
//! A commit happens whole or not at all, also when a step fails while the server runs (a full
//! or failing disk), and a batch fails whole: a failed log append is cut back to the log's previous length, and the
//! renames already done are undone in reverse, so disk, log and index agree and the next upload
//! of the same document works without a restart. If even the undo fails, the store refuses
//! further commits ([`StoreError::NeedsRecovery`]) until a restart lets recovery settle the tree.
//! Recovery also cuts a torn last record off the log before anything is appended after it.
//!
//! Directories are created `0700` and files `0600` (Unix): these are patient documents.

use std::collections::{BTreeSet, HashMap};
use std::fs::{self, File, OpenOptions};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard};

use idlink_formats::ssmix2::{self, ConditionFlag, DataKind, FileName};
use idlink_protocol::{FacilityCode, PatientId, Receipt};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::clock::{self, MonotonicMillis};
use crate::durable::{self, Failpoints, SyncTarget, WritePoint};

mod group;

/// Why storage failed. Every variant names the path involved.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file-system operation failed.
    #[error("storage I/O failed on {path}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A log line in the middle of the transaction log is not valid JSON.
    #[error("transaction log {path} line {line} is corrupt: {reason}")]
    CorruptLog {
        /// The log file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The parser's reason.
        reason: String,
    },
    /// A path given to [`Store::read`] leaves the storage root.
    #[error("{0:?} is not a path inside the storage root")]
    OutsideRoot(String),
    /// A failed commit could not be undone (the log could not be cut back, or a rename not
    /// reversed), so disk and index may disagree: commits are refused until a restart, whose
    /// recovery settles the tree against the log.
    #[error("the store at {path} refuses new documents until the mock is restarted: {reason}")]
    NeedsRecovery {
        /// The data directory's transaction log.
        path: PathBuf,
        /// What could not be undone.
        reason: String,
    },
    /// The blocking commit task did not finish (runtime shutting down).
    #[error("the storage task was cancelled: {0}")]
    Cancelled(String),
}

impl StoreError {
    /// What failed, for a client: which file of the store (its name, never the absolute path
    /// of the data directory) and the operating system's reason. The full chain, paths
    /// included, is for the server's log only.
    pub fn public_reason(&self) -> String {
        match self {
            Self::Io { path, source } => {
                let file = path
                    .file_name()
                    .map(|name| name.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "the data directory".to_owned());
                // An operating-system error's text names no path; any other I/O error might
                // (it was built from a message), so only its kind is passed on.
                let why = match (source.raw_os_error(), source.kind()) {
                    (Some(_), _) => source.to_string(),
                    (None, std::io::ErrorKind::StorageFull) => {
                        "no space left on device".to_owned()
                    }
                    (None, kind) => kind.to_string(),
                };
                format!("storage I/O failed on {file}: {why}")
            }
            Self::CorruptLog { line, .. } => {
                format!("the store's transaction log is corrupt at line {line}")
            }
            Self::OutsideRoot(_) => "a path outside the storage root was asked for".to_owned(),
            Self::NeedsRecovery { .. } => {
                "the store refuses new documents until the mock is restarted (an earlier failed commit could not be undone)".to_owned()
            }
            Self::Cancelled(_) => "the storage task was cancelled".to_owned(),
        }
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

/// A stored document as the index knows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredDocument {
    /// The receipt sent when it was stored (its `stored_path` is where it went then).
    pub receipt: Receipt,
    /// Where the file is now, relative to the storage root: differs from the receipt's
    /// `stored_path` after an update renamed it to flag `_2`.
    pub current_path: String,
    /// Where the file is now, absolute.
    pub path: PathBuf,
    /// The receipt of the update that superseded this one, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<String>,
}

/// Where a new document goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// SS-MIX2 standardized storage (`PROTO-STORE-001/002`).
    Ssmix2 {
        /// `YYYYMMDD`, or `None` for the `-` folder.
        care_date: Option<String>,
        /// The data kind folder and file-name field.
        data_kind: DataKind,
        /// ORC-2 (15 digits) or `999999999999999`.
        order_number: String,
        /// Department code or `None` for `-`.
        department: Option<String>,
    },
    /// Extended-storage-like layout (`PROTO-STORE-003`).
    Extended {
        /// `YYYYMMDD`, or `None` for `-`.
        care_date: Option<String>,
        /// The data kind, or the document kind when none was given.
        folder: String,
        /// The file name inside `<receipt id>/`.
        file_name: String,
    },
}

/// Everything about a new document except its bytes, which are in a [`ReceivedFile`].
#[derive(Debug, Clone)]
pub struct NewDocument {
    /// The uploading account.
    pub account: String,
    /// The client's idempotency key.
    pub idempotency_key: String,
    /// The facility.
    pub facility: FacilityCode,
    /// The patient.
    pub patient_id: PatientId,
    /// `hl7`, `nsips`, `pdf` or `text`.
    pub document_kind: String,
    /// The data kind the client declared.
    pub data_kind: Option<String>,
    /// `storage` or `appliance:<id>`.
    pub destination: String,
    /// The character set the document was read as (`PROTO-RCPT-002`), `None` for a PDF.
    pub charset: Option<&'static str>,
    /// Non-blocking findings (the formats crate's JSON shape).
    pub warnings: Vec<serde_json::Value>,
    /// Where it goes.
    pub layout: Layout,
}

/// What a commit did. Idempotency and duplicate checks are repeated under the commit lock, so
/// two concurrent uploads of the same content cannot both be stored.
#[derive(Debug, Clone, PartialEq)]
pub enum CommitOutcome {
    /// Stored; the receipt is new.
    Stored(StoredDocument),
    /// The key was already used with the same digest: the first document (`PROTO-IDEM-002`).
    Replayed(StoredDocument),
    /// The key was already used with other content (`PROTO-IDEM-003`).
    KeyReused(StoredDocument),
    /// The same content is stored under another key (`PROTO-IDEM-005`).
    Duplicate(StoredDocument),
}

/// One line of `transactions.jsonl`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct LogRecord {
    /// Always `store` in this version; the field lets later versions add operations.
    op: String,
    receipt: Receipt,
    /// For HL7: the key that decides what an update supersedes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    update_key: Option<String>,
    /// The receipt whose `_1` file this one renamed to `_2`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    supersedes: Option<String>,
}

#[derive(Debug, Default)]
struct Index {
    docs: Vec<StoredDocument>,
    by_receipt: HashMap<String, usize>,
    /// (account, idempotency key).
    by_key: HashMap<(String, String), usize>,
    /// (facility, patient, sha256).
    by_content: HashMap<(String, String, String), usize>,
    /// HL7 update key → the document currently holding flag `_1`.
    current: HashMap<String, usize>,
}

impl Index {
    fn insert(&mut self, record: &LogRecord, root: &Path) {
        let receipt = &record.receipt;
        let at = self.docs.len();
        if let Some(previous) = record
            .supersedes
            .as_ref()
            .and_then(|r| self.by_receipt.get(r))
        {
            let previous = &mut self.docs[*previous];
            previous.current_path = superseded_name(&previous.current_path);
            previous.path = root.join(&previous.current_path);
            previous.superseded_by = Some(receipt.receipt_id.clone());
        }
        self.docs.push(StoredDocument {
            receipt: receipt.clone(),
            current_path: receipt.stored_path.clone(),
            path: root.join(&receipt.stored_path),
            superseded_by: None,
        });
        self.by_receipt.insert(receipt.receipt_id.clone(), at);
        self.by_key.insert(
            (receipt.account.clone(), receipt.idempotency_key.clone()),
            at,
        );
        self.by_content.insert(
            (
                receipt.facility.clone(),
                receipt.patient_id.clone(),
                receipt.sha256.clone(),
            ),
            at,
        );
        if let Some(key) = &record.update_key {
            self.current.insert(key.clone(), at);
        }
    }
}

/// `…_1` → `…_2` (the SS-MIX2 condition flag is the last character).
fn superseded_name(path: &str) -> String {
    match path.strip_suffix("_1") {
        Some(stem) => format!("{stem}_{}", ConditionFlag::Superseded.digit()),
        None => path.to_owned(),
    }
}

/// The document store of one data directory.
#[derive(Debug)]
pub struct Store {
    root: PathBuf,
    incoming: PathBuf,
    unacknowledged: PathBuf,
    log_path: PathBuf,
    /// Documents waiting for the next group commit (see [`group`]).
    queue: group::Queue<Submitted>,
    /// Held for a whole batch (fsyncs included) by the one drainer of `queue`, and by
    /// [`Store::reset`], so commits are serial and the log order is the index order. Guards the
    /// open log file.
    commit: Mutex<Log>,
    /// Why commits are refused, once a failed commit could not be undone. Written under the
    /// commit lock, but a lock of its own so a status read never waits for an fsync.
    unsettled: Mutex<Option<String>>,
    /// Read by handlers and the admin API; written only at the end of a commit, briefly.
    index: RwLock<Index>,
    /// Makes SS-MIX2 timestamps unique within the store.
    clock: MonotonicMillis,
    /// Inert unless a test arms it (see [`crate::durable`]).
    failpoints: Failpoints,
}

impl Store {
    /// Opens (or creates) the store in `data_dir`, replays the log and runs recovery. Returns
    /// the store and one line per recovery action, for the journal.
    pub fn open(data_dir: &Path) -> Result<(Self, Vec<String>), StoreError> {
        let root = data_dir.join("storage");
        let incoming = data_dir.join("incoming");
        let unacknowledged = data_dir.join("unacknowledged");
        let log_path = data_dir.join("transactions.jsonl");
        for dir in [data_dir, &root, &incoming] {
            durable::private_dir(dir).map_err(io(dir))?;
        }
        let mut notes = Vec::new();
        // Partial uploads from a previous run were never acknowledged.
        for entry in fs::read_dir(&incoming).map_err(io(&incoming))? {
            let path = entry.map_err(io(&incoming))?.path();
            fs::remove_file(&path).map_err(io(&path))?;
        }
        let records = read_log(&log_path, &mut notes)?;
        let mut index = Index::default();
        for record in &records {
            index.insert(record, &root);
        }
        recover(&root, &unacknowledged, &mut index, &mut notes)?;
        let file = durable::private_append(&log_path).map_err(io(&log_path))?;
        let len = file.metadata().map_err(io(&log_path))?.len();
        let clock = MonotonicMillis::default();
        for doc in &index.docs {
            if let Ok(at) = time::OffsetDateTime::parse(
                &doc.receipt.received_at,
                &time::format_description::well_known::Rfc3339,
            ) {
                clock.observe((at.unix_timestamp_nanos() / 1_000_000) as i64);
            }
        }
        Ok((
            Self {
                root,
                incoming,
                unacknowledged,
                log_path,
                queue: group::Queue::default(),
                commit: Mutex::new(Log { file, len }),
                unsettled: Mutex::new(None),
                index: RwLock::new(index),
                clock,
                failpoints: Failpoints::default(),
            },
            notes,
        ))
    }

    fn index(&self) -> RwLockReadGuard<'_, Index> {
        // The index is only replaced field by field at the end of a commit; a panic elsewhere
        // cannot leave it half-updated, so poisoning is ignored.
        self.index.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn commit_lock(&self) -> MutexGuard<'_, Log> {
        // A commit that panicked part-way leaves at worst what a crash leaves, which the log
        // length and recovery at the next start cope with.
        self.commit.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn unsettled_lock(&self) -> MutexGuard<'_, Option<String>> {
        // A plain value, replaced whole.
        self.unsettled
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Why the store refuses new documents, if a failed commit could not be undone (shown by
    /// the admin status; a restart clears it).
    pub fn unsettled(&self) -> Option<String> {
        self.unsettled_lock().clone()
    }

    /// The storage root (`DATA/storage`); receipts' `stored_path` is relative to it.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The write failures tests can arm on this store's log, renames and directory syncs.
    pub fn failpoints(&self) -> &Failpoints {
        &self.failpoints
    }

    /// The transaction log file.
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// Where start-up recovery puts files no log record acknowledges.
    pub fn unacknowledged_dir(&self) -> &Path {
        &self.unacknowledged
    }

    /// Every stored document, in the order they were stored.
    pub fn documents(&self) -> Vec<StoredDocument> {
        self.index().docs.clone()
    }

    /// The document with this receipt ID.
    pub fn receipt(&self, receipt_id: &str) -> Option<StoredDocument> {
        let index = self.index();
        index
            .by_receipt
            .get(receipt_id)
            .map(|&i| index.docs[i].clone())
    }

    /// The document stored under this account's idempotency key.
    pub fn by_idempotency_key(&self, account: &str, key: &str) -> Option<StoredDocument> {
        let index = self.index();
        index
            .by_key
            .get(&(account.to_owned(), key.to_owned()))
            .map(|&i| index.docs[i].clone())
    }

    /// The document with these bytes for this facility and patient.
    pub fn by_content(
        &self,
        facility: &FacilityCode,
        patient_id: &PatientId,
        sha256: &str,
    ) -> Option<StoredDocument> {
        let index = self.index();
        index
            .by_content
            .get(&(
                facility.to_string(),
                patient_id.to_string(),
                sha256.to_owned(),
            ))
            .map(|&i| index.docs[i].clone())
    }

    /// Reads a stored file by its path relative to the root (a receipt's `stored_path` or a
    /// document's `current_path`).
    pub fn read(&self, stored_path: &str) -> Result<Vec<u8>, StoreError> {
        let relative = Path::new(stored_path);
        if relative
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(StoreError::OutsideRoot(stored_path.to_owned()));
        }
        let path = self.root.join(relative);
        fs::read(&path).map_err(io(&path))
    }

    /// Starts receiving an upload into `incoming/`.
    pub async fn begin_upload(&self) -> Result<Incoming, StoreError> {
        let path = self
            .incoming
            .join(format!("{}.part", uuid::Uuid::new_v4().simple()));
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        // The body becomes the stored document by a rename, so it is private from the start.
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            options.mode(durable::FILE_MODE);
        }
        let opening = path.clone();
        let file = tokio::task::spawn_blocking(move || options.open(opening))
            .await
            .map_err(|e| StoreError::Cancelled(e.to_string()))?
            .map_err(io(&path))?;
        Ok(Incoming {
            sink: Sink::Ready(Box::new(BodySink {
                file,
                hasher: Sha256::new(),
                tap: None,
                tapped: Vec::new(),
                tapped_len: 0,
            })),
            size: 0,
            guard: PartGuard { path, keep: false },
        })
    }

    /// Makes a received document durable (see the module docs for the order of operations).
    /// Documents submitted while another commit runs are committed together by the next one
    /// (group commit, see [`group`]); the answer comes only after the fsync that covers this
    /// document's record.
    pub async fn commit(
        self: &Arc<Self>,
        received: ReceivedFile,
        document: NewDocument,
    ) -> Result<CommitOutcome, StoreError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let submitted = Submitted {
            received,
            document,
            reply,
        };
        if self.queue.push(submitted) {
            let store = self.clone();
            tokio::task::spawn_blocking(move || {
                store.queue.drain(|batch| {
                    let mut log = store.commit_lock();
                    store.commit_batch(&mut log, batch)
                })
            });
        }
        answer.await.map_err(|_| {
            StoreError::Cancelled("the commit task stopped before answering".to_owned())
        })?
    }

    /// Commits one batch: every member is checked, placed and logged in arrival order, the
    /// directories they changed are fsynced once each and their records are appended in one
    /// write with one fsync. Members that conflict with an earlier member of the batch (same
    /// key, same content, or an update of the same document) are returned for the next batch.
    fn commit_batch(&self, log: &mut Log, batch: Vec<Submitted>) -> Vec<Submitted> {
        let mut claims = Claims::default();
        let mut deferred = Vec::new();
        let mut placed: Vec<Placed> = Vec::new();
        for submitted in batch {
            // Checked per member: a member whose undo failed earlier in this batch unsettles
            // the store for the rest of it too.
            if let Some(reason) = self.unsettled() {
                submitted.answer(Err(StoreError::NeedsRecovery {
                    path: self.log_path.clone(),
                    reason,
                }));
                continue;
            }
            if let Some(outcome) = self.already_stored(&submitted) {
                submitted.answer(Ok(outcome));
                continue;
            }
            let update_key = update_key(&submitted.document);
            if !claims.claim(&submitted, update_key.as_deref()) {
                deferred.push(submitted);
                continue;
            }
            match self.place(&submitted, update_key) {
                Ok(placement) => placed.push(Placed {
                    submitted,
                    placement,
                }),
                Err(error) => submitted.answer(Err(error)),
            }
        }
        if placed.is_empty() {
            return deferred;
        }
        match self.sync_and_log(log, &placed) {
            Ok(()) => self.publish(placed),
            Err((error, undo)) => {
                // A batch fails whole: every member's renames are undone (newest first) and
                // each member gets its own error; nothing of the batch is stored.
                for member in placed.into_iter().rev() {
                    if undo {
                        member.placement.roll_back(self);
                    }
                    member.submitted.answer(Err(error.duplicate()));
                }
            }
        }
        deferred
    }

    /// The earlier document this one is a replay, key reuse or duplicate of, if any.
    fn already_stored(&self, submitted: &Submitted) -> Option<CommitOutcome> {
        let document = &submitted.document;
        let sha256 = &submitted.received.sha256;
        if let Some(first) = self.by_idempotency_key(&document.account, &document.idempotency_key) {
            return Some(if first.receipt.sha256 == *sha256 {
                CommitOutcome::Replayed(first)
            } else {
                CommitOutcome::KeyReused(first)
            });
        }
        self.by_content(&document.facility, &document.patient_id, sha256)
            .map(CommitOutcome::Duplicate)
    }

    /// Names the document (receipt, time, path) and moves it into the tree: the previous
    /// `_1` version renamed to `_2` for an update, then the received file renamed into place.
    /// On failure the renames done are undone.
    fn place(
        &self,
        submitted: &Submitted,
        update_key: Option<String>,
    ) -> Result<Placement, StoreError> {
        let received_at = self.clock.next();
        let receipt_id = clock::receipt_id();
        let document = &submitted.document;
        let relative = relative_path(document, received_at, &receipt_id);
        let previous = update_key.as_ref().and_then(|key| {
            let index = self.index();
            index.current.get(key).map(|&i| index.docs[i].clone())
        });
        let superseded_path = previous.as_ref().map(|p| superseded_name(&p.current_path));
        let record = LogRecord {
            op: "store".to_owned(),
            receipt: Receipt {
                receipt_id,
                idempotency_key: document.idempotency_key.clone(),
                account: document.account.clone(),
                facility: document.facility.to_string(),
                patient_id: document.patient_id.to_string(),
                document_kind: document.document_kind.clone(),
                data_kind: document.data_kind.clone(),
                destination: document.destination.clone(),
                charset: document.charset.map(str::to_owned),
                sha256: submitted.received.sha256.clone(),
                size: submitted.received.size,
                stored_path: to_slash(&relative),
                superseded_path: superseded_path.clone(),
                received_at: clock::rfc3339(received_at),
                current_path: None,
                superseded_by: None,
                warnings: document.warnings.clone(),
            },
            update_key,
            supersedes: previous.as_ref().map(|p| p.receipt.receipt_id.clone()),
        };
        let line = match serde_json::to_vec(&record) {
            Ok(mut line) => {
                line.push(b'\n');
                line
            }
            Err(e) => {
                let error = StoreError::Io {
                    path: self.log_path.clone(),
                    source: std::io::Error::other(e),
                };
                return Err(error);
            }
        };
        let target = self.root.join(&relative);
        let dir = target.parent().unwrap_or(&self.root).to_owned();
        // The deepest directory that already exists: it and every directory created below it
        // gain an entry now, and only those need an fsync (3 syncs for a new patient's first
        // document, 1 for a known folder, instead of every ancestor up to the root).
        let existing = dir
            .ancestors()
            .find(|d| d.is_dir())
            .unwrap_or(&self.root)
            .to_owned();
        durable::private_dir(&dir).map_err(io(&dir))?;
        let mut placement = Placement {
            record,
            line,
            file: target.clone(),
            dir,
            existing,
            done: Vec::new(),
        };
        // Every rename done is remembered as (where it is now, where it was), so a failure at a
        // later step can put the tree back: a commit happens whole or not at all.
        let renamed = self.rename_into_place(
            &mut placement.done,
            &target,
            previous.as_ref(),
            &submitted.received.guard.path,
        );
        match renamed {
            Ok(()) => Ok(placement),
            Err(error) => {
                placement.roll_back(self);
                Err(error)
            }
        }
    }

    /// The renames of [`Store::place`], each pushed to `done` as it happens.
    fn rename_into_place(
        &self,
        done: &mut Vec<(PathBuf, PathBuf)>,
        target: &Path,
        previous: Option<&StoredDocument>,
        incoming: &Path,
    ) -> Result<(), StoreError> {
        if let Some(previous) = previous {
            let to = self.root.join(superseded_name(&previous.current_path));
            self.failpoints
                .rename(WritePoint::SupersedeRename, &previous.path, &to)
                .map_err(io(&previous.path))?;
            done.push((to, previous.path.clone()));
        }
        self.failpoints
            .rename(WritePoint::PlaceRename, incoming, target)
            .map_err(io(target))?;
        done.push((target.to_owned(), incoming.to_owned()));
        Ok(())
    }

    /// The steps a batch shares: one fsync of every directory any member changed, then its
    /// records appended in one write and fsynced. The log append undoes itself on failure; if
    /// it cannot, the renames must be kept (the flag is false) and commits are refused until a
    /// restart.
    fn sync_and_log(&self, log: &mut Log, placed: &[Placed]) -> Result<(), (StoreError, bool)> {
        let mut dirs = BTreeSet::new();
        for member in placed {
            dirs.extend(changed_dirs(
                &member.placement.dir,
                &member.placement.existing,
            ));
        }
        // The documents' own bytes and the directories' new entries, all fsynced together
        // (their device flushes merge), and all before the records that acknowledge them.
        // A body is fsynced through the descriptor it was received with (no open, no close).
        let syncs: Vec<(WritePoint, SyncTarget)> = placed
            .iter()
            .map(|m| {
                let path = m.placement.file.clone();
                let target = match &m.submitted.received.file {
                    Some(file) => SyncTarget::File(file.clone(), path),
                    None => SyncTarget::Path(path),
                };
                (WritePoint::BodySync, target)
            })
            .chain(
                dirs.into_iter()
                    .map(|d| (WritePoint::DirSync, SyncTarget::Path(d))),
            )
            .collect();
        durable::sync_at_once(&self.failpoints, syncs)
            .map_err(|(path, error)| (io(&path)(error), true))?;
        let lines: Vec<u8> = placed
            .iter()
            .flat_map(|m| m.placement.line.iter().copied())
            .collect();
        let Err(failure) = log.append(&self.failpoints, &lines) else {
            return Ok(());
        };
        let error = StoreError::Io {
            path: self.log_path.clone(),
            source: failure.error,
        };
        if let Some(cut) = failure.cut_back_failed {
            // The records may be on disk in full, acknowledging the renamed files: undoing
            // the renames now could leave a logged receipt without its file. Keep the tree as
            // it is and let recovery decide at the next start.
            self.refuse_commits(format!(
                "appending to {} failed ({error}: {}) and cutting it back to {} bytes failed too ({cut})",
                self.log_path.display(),
                error_source(&error),
                log.len
            ));
            return Err((error, false));
        }
        Err((error, true))
    }

    /// After the batch's fsync: the index learns every member, then each is answered.
    fn publish(&self, placed: Vec<Placed>) {
        let mut index = self.index.write().unwrap_or_else(PoisonError::into_inner);
        // No member supersedes another of its batch (see `Claims`), so each document is final
        // as soon as it is inserted.
        let answers: Vec<(Submitted, StoredDocument)> = placed
            .into_iter()
            .map(|mut member| {
                member.submitted.received.guard.keep = true;
                index.insert(&member.placement.record, &self.root);
                let doc = index.docs[index.docs.len() - 1].clone();
                (member.submitted, doc)
            })
            .collect();
        drop(index);
        for (submitted, doc) in answers {
            submitted.answer(Ok(CommitOutcome::Stored(doc)));
        }
    }

    /// Undoes the renames of a failed commit, newest first, and removes the directories it
    /// created if they are empty again.
    ///
    /// The undo is not fsynced: until it reaches the disk a crash leaves exactly what a crash
    /// before the log append leaves (a file no record acknowledges, a `_2` no record explains),
    /// which start-up recovery repairs.
    fn roll_back(&self, done: &[(PathBuf, PathBuf)], dir: &Path, existing: &Path) {
        for (now, was) in done.iter().rev() {
            if let Err(error) = self.failpoints.rename(WritePoint::UndoRename, now, was) {
                self.refuse_commits(format!(
                    "a failed commit could not move {} back to {} ({error})",
                    now.display(),
                    was.display()
                ));
                return;
            }
        }
        // Best effort: an empty folder left behind holds no document and confuses nobody.
        for created in dir.ancestors().take_while(|d| *d != existing) {
            if fs::remove_dir(created).is_err() {
                break;
            }
        }
    }

    fn refuse_commits(&self, reason: String) {
        tracing::error!(%reason, "storage is unsettled; new documents are refused until a restart");
        let mut unsettled = self.unsettled_lock();
        if unsettled.is_none() {
            *unsettled = Some(reason);
        }
    }

    /// Deletes every document and empties the log (admin "reset").
    pub async fn reset(self: &Arc<Self>) -> Result<(), StoreError> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut log = store.commit_lock();
            log.file.set_len(0).map_err(io(&store.log_path))?;
            // Before the fsync: if that fails, a later cut-back must not grow the file again.
            log.len = 0;
            log.file.sync_all().map_err(io(&store.log_path))?;
            if store.root.exists() {
                fs::remove_dir_all(&store.root).map_err(io(&store.root))?;
            }
            durable::private_dir(&store.root).map_err(io(&store.root))?;
            *store.index.write().unwrap_or_else(PoisonError::into_inner) = Index::default();
            // Nothing is left for the unsettled commit to disagree with.
            *store.unsettled_lock() = None;
            Ok(())
        })
        .await
        .map_err(|e| StoreError::Cancelled(e.to_string()))?
    }
}

/// The open transaction log and the length of its complete records.
#[derive(Debug)]
struct Log {
    file: File,
    /// Bytes of complete records: a failed append is cut back to this, so the next record
    /// never lands on a fragment.
    len: u64,
}

/// Why [`Log::append`] failed.
struct AppendFailure {
    error: std::io::Error,
    /// Set when the log could not be cut back either: the record may be on disk.
    cut_back_failed: Option<std::io::Error>,
}

impl Log {
    /// Appends one record in one write and fsyncs it; on failure cuts the log back to its
    /// previous length and fsyncs that, so a failed append leaves the log as it was.
    fn append(&mut self, failpoints: &Failpoints, line: &[u8]) -> Result<(), AppendFailure> {
        let written = failpoints
            .write_all(WritePoint::LogAppend, &mut self.file, line)
            .and_then(|()| failpoints.sync_data(WritePoint::LogSync, &self.file));
        match written {
            Ok(()) => {
                self.len += line.len() as u64;
                Ok(())
            }
            Err(error) => {
                let cut = failpoints.set_len(WritePoint::LogCutBack, &self.file, self.len);
                Err(AppendFailure {
                    error,
                    cut_back_failed: cut.err(),
                })
            }
        }
    }
}

/// A document waiting in the group-commit queue, with where its answer goes.
#[derive(Debug)]
struct Submitted {
    received: ReceivedFile,
    document: NewDocument,
    reply: tokio::sync::oneshot::Sender<Result<CommitOutcome, StoreError>>,
}

impl Submitted {
    fn answer(self, outcome: Result<CommitOutcome, StoreError>) {
        // A submitter that went away (its request was cancelled) still had its document
        // committed or refused; the HTTP layer journals what it could not answer.
        let _ = self.reply.send(outcome);
    }
}

/// A member of a batch whose file is in place and whose record is ready to append.
struct Placed {
    submitted: Submitted,
    placement: Placement,
}

/// Where a member went, what its commit did and the record that acknowledges it.
struct Placement {
    record: LogRecord,
    /// The record's log line, newline included.
    line: Vec<u8>,
    /// The document's file in the tree.
    file: PathBuf,
    /// The file's directory, created for this commit if needed.
    dir: PathBuf,
    /// The deepest directory that existed before this member's commit.
    existing: PathBuf,
    /// Renames done, as (where it is now, where it was), for the undo.
    done: Vec<(PathBuf, PathBuf)>,
}

impl Placement {
    fn roll_back(&self, store: &Store) {
        store.roll_back(&self.done, &self.dir, &self.existing);
    }
}

/// What the members of one batch claimed: a later member claiming the same waits for the next
/// batch, whose checks see the earlier one in the index (a replay or duplicate, or the `_1`
/// version it supersedes).
#[derive(Default)]
struct Claims {
    keys: BTreeSet<(String, String)>,
    contents: BTreeSet<(String, String, String)>,
    update_keys: BTreeSet<String>,
}

impl Claims {
    fn claim(&mut self, submitted: &Submitted, update_key: Option<&str>) -> bool {
        let document = &submitted.document;
        let key = (document.account.clone(), document.idempotency_key.clone());
        let content = (
            document.facility.to_string(),
            document.patient_id.to_string(),
            submitted.received.sha256.clone(),
        );
        if self.keys.contains(&key)
            || self.contents.contains(&content)
            || update_key.is_some_and(|k| self.update_keys.contains(k))
        {
            return false;
        }
        self.keys.insert(key);
        self.contents.insert(content);
        if let Some(k) = update_key {
            self.update_keys.insert(k.to_owned());
        }
        true
    }
}

/// For HL7: the key that decides what an update supersedes (facility, patient, care date, data
/// kind, order number).
fn update_key(document: &NewDocument) -> Option<String> {
    match &document.layout {
        Layout::Ssmix2 {
            care_date,
            data_kind,
            order_number,
            ..
        } => Some(format!(
            "{}|{}|{}|{data_kind}|{order_number}",
            document.facility,
            document.patient_id,
            care_date.as_deref().unwrap_or("-")
        )),
        Layout::Extended { .. } => None,
    }
}

/// Where a document goes, relative to the storage root.
fn relative_path(
    document: &NewDocument,
    received_at: time::OffsetDateTime,
    receipt_id: &str,
) -> PathBuf {
    let patient = document.patient_id.as_str();
    let facility = document.facility.as_str();
    match &document.layout {
        Layout::Ssmix2 {
            care_date,
            data_kind,
            order_number,
            department,
        } => {
            let name = FileName {
                patient_id: patient.to_owned(),
                care_date: care_date.clone(),
                data_kind: *data_kind,
                order_number: order_number.clone(),
                timestamp: clock::ssmix2_timestamp(received_at),
                department: department.clone(),
                condition: ConditionFlag::Valid,
            };
            Path::new(facility)
                .join(ssmix2::storage_dir(
                    patient,
                    care_date.as_deref(),
                    *data_kind,
                ))
                .join(name.to_string())
        }
        Layout::Extended {
            care_date,
            folder,
            file_name,
        } => {
            let mut dir = PathBuf::from(facility);
            for level in patient_levels(patient) {
                dir.push(level);
            }
            dir.push(patient);
            dir.push(care_date.as_deref().unwrap_or("-"));
            dir.push(folder);
            dir.push(receipt_id);
            dir.join(file_name)
        }
    }
}

impl StoreError {
    /// The same failure again, for another member of a failed batch: each is answered with
    /// its own error (`std::io::Error` is not `Clone`). An operating-system error keeps its
    /// code, so the client reads the same reason.
    fn duplicate(&self) -> Self {
        match self {
            Self::Io { path, source } => Self::Io {
                path: path.clone(),
                source: match source.raw_os_error() {
                    Some(code) => std::io::Error::from_raw_os_error(code),
                    None => std::io::Error::new(source.kind(), source.to_string()),
                },
            },
            Self::CorruptLog { path, line, reason } => Self::CorruptLog {
                path: path.clone(),
                line: *line,
                reason: reason.clone(),
            },
            Self::OutsideRoot(path) => Self::OutsideRoot(path.clone()),
            Self::NeedsRecovery { path, reason } => Self::NeedsRecovery {
                path: path.clone(),
                reason: reason.clone(),
            },
            Self::Cancelled(why) => Self::Cancelled(why.clone()),
        }
    }
}

fn error_source(error: &StoreError) -> String {
    std::error::Error::source(error)
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// An upload being received: written to `incoming/` and hashed as it arrives, so the body is
/// never held in memory (`PROTO-UP-001`, `PROTO-UP-009`).
///
/// Each chunk is hashed and written by a blocking task while the receiving task goes on reading
/// the next one (issue 14: SHA-256 was a fifth of a large upload's samples, all on the
/// receiving thread). The tasks run one after the other, in chunk order: each takes the file and
/// the running hash from the one before.
#[derive(Debug)]
pub struct Incoming {
    sink: Sink,
    size: u64,
    guard: PartGuard,
}

/// The file and the running hash: here, or with the task writing the last chunk.
#[derive(Debug)]
enum Sink {
    Ready(Box<BodySink>),
    Writing(tokio::task::JoinHandle<(Box<BodySink>, std::io::Result<()>)>),
    /// A task failed or was cancelled: the upload cannot go on.
    Broken,
}

#[derive(Debug)]
struct BodySink {
    file: File,
    hasher: Sha256,
    /// Where the chunks also go once written (a validator reading the body as it arrives), a
    /// few hundred KiB at a time; dropped when the body is complete, which ends the validator's
    /// input.
    tap: Option<std::sync::mpsc::SyncSender<Vec<bytes::Bytes>>>,
    /// Chunks written but not yet sent to the tap, and their length.
    tapped: Vec<bytes::Bytes>,
    tapped_len: usize,
}

/// Chunks go to a tap in batches of at least this many bytes: one thread hand-over per batch,
/// not per network chunk.
const TAP_BATCH: usize = 256 * 1024;

impl BodySink {
    /// Queues `chunk` for the tap, sending the batch once it is big enough (or `last`).
    fn tap(&mut self, chunk: Option<bytes::Bytes>, last: bool) {
        let Some(tap) = &self.tap else {
            return;
        };
        if let Some(chunk) = chunk {
            self.tapped_len += chunk.len();
            self.tapped.push(chunk);
        }
        if (self.tapped_len >= TAP_BATCH || last) && !self.tapped.is_empty() {
            self.tapped_len = 0;
            if tap.send(std::mem::take(&mut self.tapped)).is_err() {
                // The reader stopped reading (its verdict needs no more bytes).
                self.tap = None;
            }
        }
        if last {
            self.tap = None;
        }
    }
}

impl Incoming {
    /// Appends a chunk (hashed and written by a blocking task; a failure to write it is
    /// reported by the next call, or by [`Incoming::finish`]).
    pub async fn write(&mut self, chunk: bytes::Bytes) -> Result<(), StoreError> {
        let mut sink = self.ready().await?;
        self.size += chunk.len() as u64;
        self.sink = Sink::Writing(tokio::task::spawn_blocking(move || {
            sink.hasher.update(&chunk);
            let written = std::io::Write::write_all(&mut sink.file, &chunk);
            if written.is_ok() {
                sink.tap(Some(chunk), false);
            }
            (sink, written)
        }));
        Ok(())
    }

    /// The file and the hash once the last chunk's task is done.
    async fn ready(&mut self) -> Result<Box<BodySink>, StoreError> {
        match std::mem::replace(&mut self.sink, Sink::Broken) {
            Sink::Ready(sink) => Ok(sink),
            Sink::Writing(task) => match task.await {
                Ok((sink, Ok(()))) => Ok(sink),
                Ok((_, Err(error))) => Err(io(&self.guard.path)(error)),
                Err(error) => Err(StoreError::Cancelled(error.to_string())),
            },
            Sink::Broken => Err(StoreError::Cancelled(format!(
                "an earlier write to {} failed",
                self.guard.path.display()
            ))),
        }
    }

    /// Bytes received so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// From now on, every chunk written is also sent to `tap` (blocking while its bounded
    /// queue is full); the sender is dropped when the body is complete or the upload ends.
    pub async fn tap(
        &mut self,
        tap: std::sync::mpsc::SyncSender<Vec<bytes::Bytes>>,
    ) -> Result<(), StoreError> {
        let mut sink = self.ready().await?;
        sink.tap = Some(tap);
        self.sink = Sink::Ready(sink);
        Ok(())
    }

    /// Waits for the last chunk to be written; the result can be validated and committed. Its
    /// fsync is part of the commit, together with the batch's other files and directories: a
    /// file that is never committed needs none.
    pub async fn finish(mut self) -> Result<ReceivedFile, StoreError> {
        let mut sink = self.ready().await?;
        if sink.tap.is_some() {
            // The last batch; a blocking send if the reader is behind.
            sink = tokio::task::spawn_blocking(move || {
                sink.tap(None, true);
                sink
            })
            .await
            .map_err(|e| StoreError::Cancelled(e.to_string()))?;
        }
        let digest: [u8; 32] = sink.hasher.finalize().into();
        Ok(ReceivedFile {
            sha256: hex::encode(digest),
            digest,
            size: self.size,
            // Kept open: the commit fsyncs it through this descriptor.
            file: Some(Arc::new(sink.file)),
            guard: self.guard,
        })
    }
}

/// The chunks an [`Incoming::tap`] sends, read as one stream: the input of a validator that
/// runs while the body arrives. The end of the stream is the sender's drop.
#[derive(Debug)]
pub struct TapReader {
    batches: std::sync::mpsc::Receiver<Vec<bytes::Bytes>>,
    /// The rest of the current batch, in order (reversed: the next chunk is last).
    chunks: Vec<bytes::Bytes>,
    current: bytes::Bytes,
}

impl TapReader {
    /// A bounded tap (`depth` batches in flight at most) and its reader.
    pub fn channel(depth: usize) -> (std::sync::mpsc::SyncSender<Vec<bytes::Bytes>>, Self) {
        let (sender, batches) = std::sync::mpsc::sync_channel(depth);
        let reader = Self {
            batches,
            chunks: Vec::new(),
            current: bytes::Bytes::new(),
        };
        (sender, reader)
    }
}

impl std::io::Read for TapReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            if let Some(chunk) = self.chunks.pop() {
                self.current = chunk;
                continue;
            }
            match self.batches.recv() {
                Ok(mut batch) => {
                    batch.reverse();
                    self.chunks = batch;
                }
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

/// A completely received upload in `incoming/` (written, not yet fsynced). Dropped without a commit, its file is
/// deleted.
#[derive(Debug)]
pub struct ReceivedFile {
    /// Lowercase hex SHA-256.
    pub sha256: String,
    /// The raw digest, to compare with `Content-Digest`.
    pub digest: [u8; 32],
    /// Bytes received.
    pub size: u64,
    /// The file, still open (written, not yet fsynced), for the commit's fsync. It follows the
    /// file through the rename into the tree.
    file: Option<Arc<File>>,
    guard: PartGuard,
}

impl ReceivedFile {
    /// The temporary file (for validation).
    pub fn path(&self) -> &Path {
        &self.guard.path
    }
}

#[derive(Debug)]
struct PartGuard {
    path: PathBuf,
    keep: bool,
}

impl Drop for PartGuard {
    fn drop(&mut self) {
        if !self.keep {
            // Best effort: a leftover is removed at the next start-up anyway.
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// The first three characters and characters four to six of the patient ID, leaving out empty
/// levels, exactly as `idlink_formats::ssmix2::storage_dir` does for HL7.
fn patient_levels(patient: &str) -> Vec<String> {
    let chars: Vec<char> = patient.chars().collect();
    [(0, 3), (3, 6)]
        .into_iter()
        .map(|(a, b)| {
            chars[a.min(chars.len())..b.min(chars.len())]
                .iter()
                .collect::<String>()
        })
        .filter(|level| !level.is_empty())
        .collect()
}

fn to_slash(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// `dir` and every ancestor up to and including `top`: the directories a commit that created
/// `dir` below the existing `top` changed, deepest first.
fn changed_dirs(dir: &Path, top: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let mut current = Some(dir);
    while let Some(d) = current {
        dirs.push(d.to_owned());
        if d == top {
            break;
        }
        current = d.parent().filter(|p| p.starts_with(top));
    }
    dirs
}

/// fsyncs `dir` and every ancestor up to and including `top`, so new directory entries (and
/// directories created for this document) survive a crash. `top` is the deepest directory that
/// existed before: its entry for the first new directory is the last one that changed.
fn sync_dirs(failpoints: &Failpoints, dir: &Path, top: &Path) -> Result<(), StoreError> {
    for d in changed_dirs(dir, top) {
        failpoints
            .sync_dir(WritePoint::DirSync, &d)
            .map_err(io(&d))?;
    }
    Ok(())
}

/// Reads the log's records. A record is complete when its newline is on disk: anything after
/// the last newline is the fragment of an append that never completed (so its `201` was never
/// sent), and is cut off, fsynced, before anything else is appended after it.
fn read_log(path: &Path, notes: &mut Vec<String>) -> Result<Vec<LogRecord>, StoreError> {
    let mut bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(StoreError::Io {
                path: path.to_owned(),
                source,
            });
        }
    };
    let complete = bytes
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |at| at + 1);
    if complete < bytes.len() {
        cut_log(path, complete as u64)?;
        notes.push(format!(
            "cut a torn record of {} bytes off the end of {}; its upload was never acknowledged",
            bytes.len() - complete,
            path.display()
        ));
        bytes.truncate(complete);
    }
    let lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    // `split` yields an empty piece after the final newline.
    let last = lines.iter().rposition(|l| !l.trim_ascii().is_empty());
    let mut records = Vec::new();
    let mut offset = 0;
    for (n, line) in lines.iter().enumerate() {
        let start = offset;
        offset += line.len() + 1;
        if line.trim_ascii().is_empty() {
            continue;
        }
        let error = match serde_json::from_slice::<LogRecord>(line) {
            Ok(record) => {
                records.push(record);
                continue;
            }
            Err(error) => error,
        };
        if let Some(record) = salvage(line) {
            // Versions before the cut-back appended a record onto the fragment of a failed
            // one; the record after the fragment was acknowledged.
            notes.push(format!(
                "line {} of {} starts with the fragment of a record that was never acknowledged; kept the complete record after it (receipt {})",
                n + 1,
                path.display(),
                record.receipt.receipt_id
            ));
            records.push(record);
        } else if Some(n) == last {
            // A complete but unreadable last line was never fsynced whole, so never
            // acknowledged; it is cut off so that it cannot become a corrupt middle line.
            cut_log(path, start as u64)?;
            notes.push(format!(
                "cut the unreadable last line {} off {} ({error}); it was never acknowledged",
                n + 1,
                path.display()
            ));
            break;
        } else {
            return Err(StoreError::CorruptLog {
                path: path.to_owned(),
                line: n + 1,
                reason: error.to_string(),
            });
        }
    }
    Ok(records)
}

/// The complete record after a fragment on the same line, if there is one. A fragment is a
/// prefix of a record, and every record starts with `{"op":` (which cannot occur inside a JSON
/// string, where the quotes are escaped), so the second such start is the complete record.
fn salvage(line: &[u8]) -> Option<LogRecord> {
    const START: &[u8] = br#"{"op":"#;
    let at = line.windows(START.len()).skip(1).position(|w| w == START)? + 1;
    serde_json::from_slice(&line[at..]).ok()
}

fn cut_log(path: &Path, len: u64) -> Result<(), StoreError> {
    OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|file| {
            file.set_len(len)?;
            file.sync_all()
        })
        .map_err(io(path))
}

/// Makes the storage tree agree with the log (see the module docs).
fn recover(
    root: &Path,
    unacknowledged: &Path,
    index: &mut Index,
    notes: &mut Vec<String>,
) -> Result<(), StoreError> {
    for doc in &mut index.docs {
        if doc.path.exists() {
            continue;
        }
        // A `_1` → `_2` rename whose superseding upload never reached the log: undo it.
        let renamed = root.join(superseded_name(&doc.current_path));
        if doc.superseded_by.is_none() && renamed != doc.path && renamed.exists() {
            fs::rename(&renamed, &doc.path).map_err(io(&renamed))?;
            if let Some(parent) = doc.path.parent() {
                sync_dirs(&Failpoints::default(), parent, parent)?;
            }
            notes.push(format!(
                "restored {} to condition flag _1: the update that renamed it was never acknowledged",
                doc.current_path
            ));
        } else {
            notes.push(format!(
                "MISSING: {} (receipt {}) is in the log but not on disk",
                doc.current_path, doc.receipt.receipt_id
            ));
        }
    }
    let known: BTreeSet<PathBuf> = index.docs.iter().map(|d| d.path.clone()).collect();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).map_err(io(&dir))? {
            let path = entry.map_err(io(&dir))?.path();
            if path.is_dir() {
                stack.push(path);
            } else if !known.contains(&path) {
                let relative = path.strip_prefix(root).unwrap_or(&path).to_owned();
                let to = unacknowledged.join(&relative);
                if let Some(parent) = to.parent() {
                    durable::private_dir(parent).map_err(io(parent))?;
                }
                fs::rename(&path, &to).map_err(io(&path))?;
                notes.push(format!(
                    "moved {} to {}: no log record acknowledges it (the server stopped before answering)",
                    to_slash(&relative),
                    to.display()
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn superseded_names_change_only_the_flag() {
        assert_eq!(
            superseded_name("a/9999013_20110701_OMP-01_000000011000185_20110701224603984_01_1"),
            "a/9999013_20110701_OMP-01_000000011000185_20110701224603984_01_2"
        );
    }

    #[test]
    fn patient_levels_slice_like_ssmix2() {
        assert_eq!(patient_levels("9999013"), ["999", "901"]);
        assert_eq!(patient_levels("1234"), ["123", "4"]);
        assert_eq!(patient_levels("12"), ["12"]);
    }

    /// One complete log line (with its newline) for receipt `id`.
    fn record_line(id: &str) -> Vec<u8> {
        let record = LogRecord {
            op: "store".into(),
            receipt: Receipt {
                receipt_id: id.into(),
                idempotency_key: format!("key-{id}"),
                account: "fac-0112345678".into(),
                facility: "0112345678".into(),
                patient_id: "9999013".into(),
                document_kind: "text".into(),
                data_kind: None,
                destination: "storage".into(),
                charset: Some("utf-8".into()),
                sha256: "00".repeat(32),
                size: 1,
                stored_path: format!("0112345678/{id}/doc.txt"),
                superseded_path: None,
                received_at: "2026-11-29T00:00:00.000Z".into(),
                current_path: None,
                superseded_by: None,
                warnings: Vec::new(),
            },
            update_key: None,
            supersedes: None,
        };
        let mut line = serde_json::to_vec(&record).unwrap();
        line.push(b'\n');
        line
    }

    /// Writes `content` as a log, reads it; returns the receipt IDs, the notes and the file
    /// afterwards.
    fn read(content: &[u8]) -> (Result<Vec<String>, String>, Vec<String>, Vec<u8>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("transactions.jsonl");
        fs::write(&path, content).unwrap();
        let mut notes = Vec::new();
        let ids = read_log(&path, &mut notes)
            .map(|records| records.into_iter().map(|r| r.receipt.receipt_id).collect())
            .map_err(|e| e.to_string());
        (ids, notes, fs::read(&path).unwrap())
    }

    /// (case, log, receipts read, log afterwards, what a note mentions)
    type TailCase = (
        &'static str,
        Vec<u8>,
        Vec<&'static str>,
        Vec<u8>,
        &'static str,
    );

    #[test]
    fn read_log_cuts_torn_and_unreadable_tails_and_keeps_glued_records() {
        let (a, b, c) = (record_line("a"), record_line("b"), record_line("c"));
        let fragment = &b[..40];
        let cases: Vec<TailCase> = vec![
            ("empty", vec![], vec![], vec![], ""),
            (
                "complete",
                [&a[..], &b].concat(),
                vec!["a", "b"],
                [&a[..], &b].concat(),
                "",
            ),
            (
                "torn tail",
                [&a[..], fragment].concat(),
                vec!["a"],
                a.clone(),
                "torn record",
            ),
            (
                "complete json without its newline",
                [&a[..], &b[..b.len() - 1]].concat(),
                vec!["a"],
                a.clone(),
                "torn record",
            ),
            (
                "unreadable last line",
                [&a[..], b"{not json\n"].concat(),
                vec!["a"],
                a.clone(),
                "unreadable last line",
            ),
            (
                "fragment glued to a record by an earlier version",
                [&a[..], fragment, &b, &c].concat(),
                vec!["a", "b", "c"],
                [&a[..], fragment, &b, &c].concat(),
                "fragment",
            ),
        ];
        for (case, log, ids, after, note) in cases {
            let (read_ids, notes, file) = read(&log);
            assert_eq!(
                read_ids,
                Ok(ids.iter().map(|s| s.to_string()).collect()),
                "{case}"
            );
            assert_eq!(file, after, "{case}");
            if note.is_empty() {
                assert!(notes.is_empty(), "{case}: {notes:?}");
            } else {
                assert!(notes.iter().any(|n| n.contains(note)), "{case}: {notes:?}");
            }
        }
    }

    /// A text document `n` of patient `patient`, received and waiting to be committed.
    async fn submitted(
        store: &Store,
        n: u32,
        patient: &str,
    ) -> (
        Submitted,
        tokio::sync::oneshot::Receiver<Result<CommitOutcome, StoreError>>,
    ) {
        let mut incoming = store.begin_upload().await.unwrap();
        incoming
            .write(format!("document {n}\n").into())
            .await
            .unwrap();
        let received = incoming.finish().await.unwrap();
        let (reply, answer) = tokio::sync::oneshot::channel();
        let document = NewDocument {
            account: "fac-0112345678".into(),
            idempotency_key: format!("key-{n}"),
            facility: FacilityCode::parse("0112345678").unwrap(),
            patient_id: PatientId::parse(patient).unwrap(),
            document_kind: "text".into(),
            data_kind: None,
            destination: "storage".into(),
            charset: Some("utf-8"),
            warnings: Vec::new(),
            layout: Layout::Extended {
                care_date: None,
                folder: "text".into(),
                file_name: "doc.txt".into(),
            },
        };
        let submitted = Submitted {
            received,
            document,
            reply,
        };
        (submitted, answer)
    }

    /// Commits `batch` as one group; returns the members deferred to the next one.
    fn commit_group(store: &Store, batch: Vec<Submitted>) -> Vec<Submitted> {
        let mut log = store.commit_lock();
        store.commit_batch(&mut log, batch)
    }

    #[tokio::test]
    async fn a_batch_shares_one_log_fsync_and_answers_every_member() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = Store::open(dir.path()).unwrap();
        let mut batch = Vec::new();
        let mut answers = Vec::new();
        for (n, patient) in [(1, "9999013"), (2, "9999014"), (3, "9999013")] {
            let (submitted, answer) = submitted(&store, n, patient).await;
            batch.push(submitted);
            answers.push(answer);
        }
        // A second log fsync would fail: one for the whole batch must not.
        store
            .failpoints()
            .fail_after(WritePoint::LogSync, 1, durable::WriteFailure::Io, 1);

        assert!(commit_group(&store, batch).is_empty());

        for answer in answers {
            assert!(matches!(
                answer.await.unwrap(),
                Ok(CommitOutcome::Stored(_))
            ));
        }
        assert_eq!(
            store.failpoints().fired(),
            0,
            "one log fsync for three documents"
        );
        assert_eq!(store.documents().len(), 3);
        let log = fs::read_to_string(store.log_path()).unwrap();
        assert_eq!(log.lines().count(), 3);
    }

    #[tokio::test]
    async fn a_failed_batch_stores_none_of_its_members() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = Store::open(dir.path()).unwrap();
        let mut batch = Vec::new();
        let mut answers = Vec::new();
        for (n, patient) in [(1, "9999013"), (2, "9999014")] {
            let (submitted, answer) = submitted(&store, n, patient).await;
            batch.push(submitted);
            answers.push(answer);
        }
        store.failpoints().fail(
            WritePoint::LogAppend,
            durable::WriteFailure::Torn { written: 200 },
            1,
        );

        commit_group(&store, batch);

        for answer in answers {
            let error = answer.await.unwrap().unwrap_err();
            assert!(
                error.public_reason().contains("no space left on device"),
                "{error}"
            );
        }
        assert_eq!(store.documents().len(), 0);
        assert_eq!(
            fs::read(store.log_path()).unwrap(),
            b"",
            "the log as before"
        );
        assert_eq!(
            fs::read_dir(store.root()).unwrap().count(),
            0,
            "no file, no folder"
        );
        assert_eq!(
            fs::read_dir(dir.path().join("incoming")).unwrap().count(),
            0
        );
    }

    #[tokio::test]
    async fn the_same_content_twice_in_a_batch_waits_and_becomes_a_duplicate() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = Store::open(dir.path()).unwrap();
        let (first, first_answer) = submitted(&store, 1, "9999013").await;
        let (mut again, again_answer) = submitted(&store, 1, "9999013").await;
        again.document.idempotency_key = "another-key".into();

        let deferred = commit_group(&store, vec![first, again]);
        assert_eq!(deferred.len(), 1, "the second waits for the next batch");
        assert!(commit_group(&store, deferred).is_empty());

        let Ok(CommitOutcome::Stored(stored)) = first_answer.await.unwrap() else {
            panic!("the first is stored");
        };
        let Ok(CommitOutcome::Duplicate(of)) = again_answer.await.unwrap() else {
            panic!("the second is a duplicate");
        };
        assert_eq!(of, stored);
        assert_eq!(store.documents().len(), 1);
    }

    #[tokio::test]
    async fn a_body_hashed_and_written_chunk_by_chunk_off_the_receiving_task_is_whole_and_in_order()
    {
        // Issue 14: each chunk is hashed and written by its own blocking task; they must run
        // in order, so the file and the digest are those of the body as sent.
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = Store::open(dir.path()).unwrap();
        let body: Vec<u8> = (0..200_000u32).flat_map(|n| n.to_le_bytes()).collect();
        let mut incoming = store.begin_upload().await.unwrap();
        for piece in body.chunks(4093) {
            incoming
                .write(bytes::Bytes::copy_from_slice(piece))
                .await
                .unwrap();
        }
        assert_eq!(incoming.size(), body.len() as u64);
        let received = incoming.finish().await.unwrap();

        assert_eq!(received.sha256, hex::encode(Sha256::digest(&body)));
        assert_eq!(received.digest.as_slice(), Sha256::digest(&body).as_slice());
        assert_eq!(fs::read(received.path()).unwrap(), body);
        let path = received.path().to_owned();
        drop(received);
        assert!(!path.exists(), "an uncommitted body is deleted");
    }

    #[test]
    fn read_log_refuses_an_unreadable_middle_line_naming_file_and_line() {
        let log = [&record_line("a")[..], b"{not json\n", &record_line("b")].concat();
        let (ids, _, file) = read(&log);
        let err = ids.unwrap_err();
        assert!(
            err.contains("transactions.jsonl line 2 is corrupt"),
            "{err}"
        );
        assert_eq!(file, log, "nothing is cut when the log cannot be trusted");
    }
}
