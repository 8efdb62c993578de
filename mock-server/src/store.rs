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
//! (`PROTO-UP-013`): the body is fsynced in `incoming/`; for an update the previous `_1` file is
//! renamed to `_2`; the new file is renamed into place; every directory from the file's up to the
//! storage root is fsynced; the log record is appended and fsynced; only then is the index
//! updated and the `201` sent. A crash before the log append leaves a file no receipt points to;
//! start-up recovery moves it aside and undoes a `_1`→`_2` rename that no log record explains.

use std::collections::{BTreeSet, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead as _, BufReader};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard};

use idlink_formats::ssmix2::{self, ConditionFlag, DataKind, FileName};
use idlink_protocol::{FacilityCode, PatientId, Receipt};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use tokio::io::AsyncWriteExt as _;

use crate::clock::{self, MonotonicMillis};
use crate::durable::{Failpoints, WritePoint};

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
    /// The blocking commit task did not finish (runtime shutting down).
    #[error("the storage task was cancelled: {0}")]
    Cancelled(String),
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
    /// Held for a whole commit (fsyncs included) on a blocking thread, so commits are serial and
    /// the log order is the index order. Guards the open log file.
    commit: Mutex<File>,
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
        for dir in [&root, &incoming] {
            fs::create_dir_all(dir).map_err(io(dir))?;
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
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(io(&log_path))?;
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
                commit: Mutex::new(log),
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

    fn commit_lock(&self) -> MutexGuard<'_, File> {
        self.commit.lock().unwrap_or_else(PoisonError::into_inner)
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
        let file = tokio::fs::File::create(&path).await.map_err(io(&path))?;
        Ok(Incoming {
            file: Some(file),
            hasher: Sha256::new(),
            size: 0,
            guard: PartGuard { path, keep: false },
        })
    }

    /// Makes a received document durable (see the module docs for the order of operations).
    pub async fn commit(
        self: &Arc<Self>,
        received: ReceivedFile,
        document: NewDocument,
    ) -> Result<CommitOutcome, StoreError> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || store.commit_blocking(received, document))
            .await
            .map_err(|e| StoreError::Cancelled(e.to_string()))?
    }

    fn commit_blocking(
        &self,
        mut received: ReceivedFile,
        document: NewDocument,
    ) -> Result<CommitOutcome, StoreError> {
        let mut log = self.commit_lock();
        let sha256 = received.sha256.clone();
        if let Some(first) = self.by_idempotency_key(&document.account, &document.idempotency_key) {
            return Ok(if first.receipt.sha256 == sha256 {
                CommitOutcome::Replayed(first)
            } else {
                CommitOutcome::KeyReused(first)
            });
        }
        if let Some(first) = self.by_content(&document.facility, &document.patient_id, &sha256) {
            return Ok(CommitOutcome::Duplicate(first));
        }

        let received_at = self.clock.next();
        let receipt_id = clock::receipt_id();
        let patient = document.patient_id.as_str();
        let facility = document.facility.as_str();
        let (relative, update_key, previous) = match &document.layout {
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
                let dir = Path::new(facility).join(ssmix2::storage_dir(
                    patient,
                    care_date.as_deref(),
                    *data_kind,
                ));
                let key = format!(
                    "{facility}|{patient}|{}|{data_kind}|{order_number}",
                    care_date.as_deref().unwrap_or("-")
                );
                let previous = {
                    let index = self.index();
                    index.current.get(&key).map(|&i| index.docs[i].clone())
                };
                (dir.join(name.to_string()), Some(key), previous)
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
                dir.push(&receipt_id);
                (dir.join(file_name), None, None)
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
        fs::create_dir_all(&dir).map_err(io(&dir))?;

        let mut superseded_path = None;
        if let Some(previous) = &previous {
            let to = superseded_name(&previous.current_path);
            let to_abs = self.root.join(&to);
            self.failpoints
                .rename(WritePoint::SupersedeRename, &previous.path, &to_abs)
                .map_err(io(&previous.path))?;
            superseded_path = Some(to);
        }
        self.failpoints
            .rename(WritePoint::PlaceRename, &received.guard.path, &target)
            .map_err(io(&target))?;
        received.guard.keep = true;
        sync_dirs(&self.failpoints, &dir, &existing)?;

        let receipt = Receipt {
            receipt_id: receipt_id.clone(),
            idempotency_key: document.idempotency_key.clone(),
            account: document.account.clone(),
            facility: facility.to_owned(),
            patient_id: patient.to_owned(),
            document_kind: document.document_kind.clone(),
            data_kind: document.data_kind.clone(),
            destination: document.destination.clone(),
            sha256,
            size: received.size,
            stored_path: to_slash(&relative),
            superseded_path,
            received_at: clock::rfc3339(received_at),
            warnings: document.warnings.clone(),
        };
        let record = LogRecord {
            op: "store".to_owned(),
            receipt,
            update_key,
            supersedes: previous.map(|p| p.receipt.receipt_id),
        };
        let mut line = serde_json::to_vec(&record).map_err(|e| StoreError::Io {
            path: self.log_path.clone(),
            source: std::io::Error::other(e),
        })?;
        line.push(b'\n');
        self.failpoints
            .write_all(WritePoint::LogAppend, &mut *log, &line)
            .map_err(io(&self.log_path))?;
        self.failpoints
            .sync_data(WritePoint::LogSync, &log)
            .map_err(io(&self.log_path))?;

        let mut index = self.index.write().unwrap_or_else(PoisonError::into_inner);
        index.insert(&record, &self.root);
        let stored = index.docs[index.docs.len() - 1].clone();
        Ok(CommitOutcome::Stored(stored))
    }

    /// Deletes every document and empties the log (admin "reset").
    pub async fn reset(self: &Arc<Self>) -> Result<(), StoreError> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || {
            let log = store.commit_lock();
            log.set_len(0).map_err(io(&store.log_path))?;
            log.sync_all().map_err(io(&store.log_path))?;
            if store.root.exists() {
                fs::remove_dir_all(&store.root).map_err(io(&store.root))?;
            }
            fs::create_dir_all(&store.root).map_err(io(&store.root))?;
            *store.index.write().unwrap_or_else(PoisonError::into_inner) = Index::default();
            Ok(())
        })
        .await
        .map_err(|e| StoreError::Cancelled(e.to_string()))?
    }
}

/// An upload being received: written to `incoming/` and hashed as it arrives, so the body is
/// never held in memory (`PROTO-UP-001`, `PROTO-UP-009`).
#[derive(Debug)]
pub struct Incoming {
    file: Option<tokio::fs::File>,
    hasher: Sha256,
    size: u64,
    guard: PartGuard,
}

impl Incoming {
    /// Appends a chunk.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), StoreError> {
        self.hasher.update(chunk);
        self.size += chunk.len() as u64;
        match self.file.as_mut() {
            Some(file) => file.write_all(chunk).await.map_err(io(&self.guard.path)),
            None => Ok(()),
        }
    }

    /// Bytes received so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Flushes and fsyncs the file; the result can be validated and committed.
    pub async fn finish(mut self) -> Result<ReceivedFile, StoreError> {
        if let Some(mut file) = self.file.take() {
            file.flush().await.map_err(io(&self.guard.path))?;
            file.sync_all().await.map_err(io(&self.guard.path))?;
        }
        let digest: [u8; 32] = self.hasher.finalize().into();
        Ok(ReceivedFile {
            sha256: hex::encode(digest),
            digest,
            size: self.size,
            guard: self.guard,
        })
    }
}

/// A completely received, fsynced upload in `incoming/`. Dropped without a commit, its file is
/// deleted.
#[derive(Debug)]
pub struct ReceivedFile {
    /// Lowercase hex SHA-256.
    pub sha256: String,
    /// The raw digest, to compare with `Content-Digest`.
    pub digest: [u8; 32],
    /// Bytes received.
    pub size: u64,
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

/// fsyncs `dir` and every ancestor up to and including `top`, so new directory entries (and
/// directories created for this document) survive a crash. `top` is the deepest directory that
/// existed before: its entry for the first new directory is the last one that changed.
fn sync_dirs(failpoints: &Failpoints, dir: &Path, top: &Path) -> Result<(), StoreError> {
    let mut current = Some(dir);
    while let Some(d) = current {
        failpoints.sync_dir(WritePoint::DirSync, d).map_err(io(d))?;
        if d == top {
            break;
        }
        current = d.parent().filter(|p| p.starts_with(top));
    }
    Ok(())
}

fn read_log(path: &Path, notes: &mut Vec<String>) -> Result<Vec<LogRecord>, StoreError> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(StoreError::Io {
                path: path.to_owned(),
                source,
            });
        }
    };
    let lines: Vec<String> = BufReader::new(file)
        .split(b'\n')
        .map(|line| line.map(|l| String::from_utf8_lossy(&l).into_owned()))
        .collect::<Result<_, _>>()
        .map_err(io(path))?;
    let mut records = Vec::new();
    let last = lines.len();
    for (n, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<LogRecord>(line) {
            Ok(record) => records.push(record),
            // A torn last line is a record whose fsync never completed, so its 201 was never
            // sent: dropping it loses nothing acknowledged.
            Err(e) if n + 1 == last => notes.push(format!(
                "ignored the torn last line {} of {} ({e}); it was never acknowledged",
                n + 1,
                path.display()
            )),
            Err(e) => {
                return Err(StoreError::CorruptLog {
                    path: path.to_owned(),
                    line: n + 1,
                    reason: e.to_string(),
                });
            }
        }
    }
    Ok(records)
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
                    fs::create_dir_all(parent).map_err(io(parent))?;
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
}
