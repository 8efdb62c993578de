//! The spool folder: the file-drop integration Japanese EHRs expect, safe against being killed
//! at any moment.
//!
//! ```text
//! SPOOL/outbox/   the EHR drops documents here (write elsewhere, then rename in)
//!       work/     claimed documents, being uploaded or waiting for a retry
//!       state/    one `NAME.key` per claimed document: its idempotency key
//!       sent/     delivered: NAME + NAME.receipt.json
//!       failed/   refused: NAME + NAME.reason.txt (+ NAME.problem.json from the server)
//!       .lock     held while a storeclient works on the spool
//! ```
//!
//! Crash safety rests on three rules. (1) A document is claimed by `rename(outbox/NAME,
//! work/NAME)`, which is atomic. (2) Its idempotency key is written to `state/` and fsynced
//! **before** the first attempt, so every retry and every restart sends the same key
//! (`PROTO-CLI-001`) and the server replays the first receipt instead of storing twice
//! (`PROTO-IDEM-002`). (3) A document leaves `work/` only after its receipt or reason is on disk,
//! and its key is removed last. After a crash, whatever is in `work/` is simply processed again.

use std::fs::{self, File};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use idlink_protocol::{FacilityCode, IdempotencyKey, Problem};

use crate::metadata::{is_sidecar, new_random_key, sidecar_path};

/// Why the spool could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    /// A spool operation failed.
    #[error("spool {path}: {action}")]
    Io {
        /// The file or folder involved.
        path: PathBuf,
        /// What was being done.
        action: SpoolAction,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Another process holds the spool lock.
    #[error(
        "spool {path} is in use by another storeclient (lock file {path}/.lock); run only one sender per spool"
    )]
    Locked {
        /// The spool root.
        path: PathBuf,
    },
    /// A key file is unreadable or malformed.
    #[error(
        "spool key file {path} is damaged: {message}; delete it to send the document with a new key"
    )]
    BadKey {
        /// The key file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// What the spool was doing when a file operation failed (named in [`SpoolError::Io`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpoolAction {
    /// create folder
    CreateFolder,
    /// open lock file
    OpenLockFile,
    /// lock
    Lock,
    /// remove stale key
    RemoveStaleKey,
    /// claim sidecar
    ClaimSidecar,
    /// claim
    Claim,
    /// read key
    ReadKey,
    /// move out of work/
    MoveOutOfWork,
    /// move sidecar
    MoveSidecar,
    /// remove key
    RemoveKey,
    /// list
    List,
    /// create
    Create,
    /// write
    Write,
    /// fsync folder
    FsyncFolder,
    /// fsync
    Fsync,
    /// rename into place
    RenameIntoPlace,
}

impl SpoolAction {
    /// Every action (tests of the messages).
    pub const ALL: [SpoolAction; 16] = [
        Self::CreateFolder,
        Self::OpenLockFile,
        Self::Lock,
        Self::RemoveStaleKey,
        Self::ClaimSidecar,
        Self::Claim,
        Self::ReadKey,
        Self::MoveOutOfWork,
        Self::MoveSidecar,
        Self::RemoveKey,
        Self::List,
        Self::Create,
        Self::Write,
        Self::FsyncFolder,
        Self::Fsync,
        Self::RenameIntoPlace,
    ];

    /// The English words (also the `Display`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreateFolder => "create folder",
            Self::OpenLockFile => "open lock file",
            Self::Lock => "lock",
            Self::RemoveStaleKey => "remove stale key",
            Self::ClaimSidecar => "claim sidecar",
            Self::Claim => "claim",
            Self::ReadKey => "read key",
            Self::MoveOutOfWork => "move out of work/",
            Self::MoveSidecar => "move sidecar",
            Self::RemoveKey => "remove key",
            Self::List => "list",
            Self::Create => "create",
            Self::Write => "write",
            Self::FsyncFolder => "fsync folder",
            Self::Fsync => "fsync",
            Self::RenameIntoPlace => "rename into place",
        }
    }
}

impl std::fmt::Display for SpoolAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn io_err<'a>(
    path: &'a Path,
    action: SpoolAction,
) -> impl FnOnce(std::io::Error) -> SpoolError + 'a {
    move |source| SpoolError::Io {
        path: path.to_owned(),
        action,
        source,
    }
}

/// An open spool; holds the lock for as long as it lives.
#[derive(Debug)]
pub struct Spool {
    root: PathBuf,
    outbox: PathBuf,
    work: PathBuf,
    state: PathBuf,
    sent: PathBuf,
    failed: PathBuf,
    // Held, never read: the OS releases the lock when the process dies, even by SIGKILL.
    _lock: File,
}

/// A claimed document in `work/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    /// The file name (also the name in `sent/` or `failed/`, unless taken).
    pub name: String,
    /// Its path in `work/`.
    pub path: PathBuf,
    /// Whether it was already in `work/` when this process started or began the pass (an
    /// earlier run was interrupted, or a transient failure kept it).
    pub resumed: bool,
}

impl Spool {
    /// Opens (creating folders as needed) and locks a spool, then removes keys whose document
    /// has already left `work/` (a crash between the move and the key removal).
    pub fn open(root: &Path) -> Result<Self, SpoolError> {
        let dir = |name: &str| root.join(name);
        let spool = {
            for d in ["outbox", "work", "state", "sent", "failed"] {
                fs::create_dir_all(dir(d)).map_err(io_err(&dir(d), SpoolAction::CreateFolder))?;
            }
            let lock_path = dir(".lock");
            let lock = File::options()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&lock_path)
                .map_err(io_err(&lock_path, SpoolAction::OpenLockFile))?;
            match lock.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => {
                    return Err(SpoolError::Locked {
                        path: root.to_owned(),
                    });
                }
                Err(fs::TryLockError::Error(e)) => {
                    return Err(io_err(&lock_path, SpoolAction::Lock)(e));
                }
            }
            Spool {
                root: root.to_owned(),
                outbox: dir("outbox"),
                work: dir("work"),
                state: dir("state"),
                sent: dir("sent"),
                failed: dir("failed"),
                _lock: lock,
            }
        };
        spool.drop_stale_keys()?;
        Ok(spool)
    }

    /// The spool root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The `sent/` folder.
    pub fn sent_dir(&self) -> &Path {
        &self.sent
    }

    /// The `failed/` folder.
    pub fn failed_dir(&self) -> &Path {
        &self.failed
    }

    fn drop_stale_keys(&self) -> Result<(), SpoolError> {
        for name in list(&self.state)? {
            if let Some(doc) = name.strip_suffix(".key")
                && !self.work.join(doc).exists()
            {
                let p = self.state.join(&name);
                fs::remove_file(&p).map_err(io_err(&p, SpoolAction::RemoveStaleKey))?;
            }
        }
        Ok(())
    }

    /// Documents in `work/` (resumed) followed by documents newly claimed from `outbox/`.
    pub fn claim(&self) -> Result<Vec<Claimed>, SpoolError> {
        let mut claimed = Vec::new();
        for name in list(&self.work)? {
            if is_sidecar(Path::new(&name)) || is_temporary(&name) {
                continue;
            }
            // A crash between claiming a document and its sidecar leaves the sidecar behind.
            self.adopt_sidecar(&name)?;
            claimed.push(Claimed {
                path: self.work.join(&name),
                name,
                resumed: true,
            });
        }
        let mut moved = false;
        for name in list(&self.outbox)? {
            if is_sidecar(Path::new(&name)) || is_temporary(&name) {
                continue;
            }
            let to = self.work.join(&name);
            if to.exists() {
                // Same name still in progress; this one waits for the next pass.
                continue;
            }
            let from = self.outbox.join(&name);
            match fs::rename(&from, &to) {
                Ok(()) => {}
                // Taken away by the EHR (or another tool) between listing and renaming.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io_err(&from, SpoolAction::Claim)(e)),
            }
            self.adopt_sidecar(&name)?;
            moved = true;
            claimed.push(Claimed {
                path: to,
                name,
                resumed: false,
            });
        }
        if moved {
            sync_dir(&self.work)?;
            sync_dir(&self.outbox)?;
        }
        Ok(claimed)
    }

    /// Whether `outbox/` holds documents that a pass would claim.
    pub fn outbox_has_documents(&self) -> Result<bool, SpoolError> {
        Ok(list(&self.outbox)?
            .iter()
            .any(|n| !is_sidecar(Path::new(n)) && !is_temporary(n)))
    }

    /// Whether `work/` holds documents (queued after transient failures, or in progress).
    pub fn work_has_documents(&self) -> Result<bool, SpoolError> {
        Ok(list(&self.work)?
            .iter()
            .any(|n| !is_sidecar(Path::new(n)) && !is_temporary(n)))
    }

    fn adopt_sidecar(&self, name: &str) -> Result<(), SpoolError> {
        let from = sidecar_path(&self.outbox.join(name));
        if from.exists() {
            let to = sidecar_path(&self.work.join(name));
            fs::rename(&from, &to).map_err(io_err(&from, SpoolAction::ClaimSidecar))?;
        }
        Ok(())
    }

    /// The document's idempotency key: read from `state/`, or created and fsynced there
    /// before the first attempt (`PROTO-CLI-001`).
    pub fn key_for(
        &self,
        doc: &Claimed,
        facility: &FacilityCode,
    ) -> Result<IdempotencyKey, SpoolError> {
        let path = self.key_path(doc);
        match fs::read_to_string(&path) {
            Ok(text) => IdempotencyKey::parse(text.trim()).map_err(|e| SpoolError::BadKey {
                path: path.clone(),
                message: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = new_random_key(facility);
                write_durably(&path, format!("{key}\n").as_bytes())?;
                Ok(key)
            }
            Err(e) => Err(io_err(&path, SpoolAction::ReadKey)(e)),
        }
    }

    fn key_path(&self, doc: &Claimed) -> PathBuf {
        self.state.join(format!("{}.key", doc.name))
    }

    /// Moves a delivered document to `sent/` with its receipt; returns its path there.
    pub fn finish_sent(&self, doc: &Claimed, receipt_json: &str) -> Result<PathBuf, SpoolError> {
        let name = free_name(&self.sent, &doc.name);
        write_durably(
            &self.sent.join(format!("{name}.receipt.json")),
            receipt_json.as_bytes(),
        )?;
        self.move_out(doc, &self.sent, &name)
    }

    /// Moves a refused document to `failed/` with the server's problem document (if any) and a
    /// plain-text explanation; returns its path there.
    pub fn finish_failed(
        &self,
        doc: &Claimed,
        problem: Option<&Problem>,
        explanation: &str,
    ) -> Result<PathBuf, SpoolError> {
        let name = free_name(&self.failed, &doc.name);
        if let Some(p) = problem {
            let json = serde_json::to_string_pretty(p).unwrap_or_default();
            write_durably(
                &self.failed.join(format!("{name}.problem.json")),
                json.as_bytes(),
            )?;
        }
        write_durably(
            &self.failed.join(format!("{name}.reason.txt")),
            format!("{explanation}\n").as_bytes(),
        )?;
        self.move_out(doc, &self.failed, &name)
    }

    fn move_out(&self, doc: &Claimed, dir: &Path, name: &str) -> Result<PathBuf, SpoolError> {
        let to = dir.join(name);
        fs::rename(&doc.path, &to).map_err(io_err(&doc.path, SpoolAction::MoveOutOfWork))?;
        let side = sidecar_path(&doc.path);
        if side.exists() {
            let side_to = sidecar_path(&to);
            fs::rename(&side, &side_to).map_err(io_err(&side, SpoolAction::MoveSidecar))?;
        }
        sync_dir(dir)?;
        sync_dir(&self.work)?;
        // The key goes last: until here a crash must resend with the same key.
        let key = self.key_path(doc);
        match fs::remove_file(&key) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(&key, SpoolAction::RemoveKey)(e)),
        }
        Ok(to)
    }
}

/// Files an EHR is still writing, by common convention.
fn is_temporary(name: &str) -> bool {
    name.starts_with('.') || name.ends_with(".tmp") || name.ends_with(".part")
}

/// Sorted file names in a folder (sorted so runs are reproducible).
fn list(dir: &Path) -> Result<Vec<String>, SpoolError> {
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_err(dir, SpoolAction::List))? {
        let entry = entry.map_err(io_err(dir, SpoolAction::List))?;
        if entry.file_type().map(|t| t.is_file()).unwrap_or(false)
            && let Some(name) = entry.file_name().to_str()
        {
            names.push(name.to_owned());
        }
    }
    names.sort();
    Ok(names)
}

/// `name`, or `name.1`, `name.2`, ... whichever does not exist yet in `dir`.
fn free_name(dir: &Path, name: &str) -> String {
    if !dir.join(name).exists() {
        return name.to_owned();
    }
    (1..)
        .map(|i| format!("{name}.{i}"))
        .find(|n| !dir.join(n).exists())
        .unwrap_or_else(|| name.to_owned())
}

/// Writes a file so that after a crash it is either absent or complete: temp file, fsync,
/// rename, fsync the folder.
pub fn write_durably(path: &Path, bytes: &[u8]) -> Result<(), SpoolError> {
    let tmp = path.with_file_name(format!(
        ".{}.tmp",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file")
    ));
    let mut f = File::create(&tmp).map_err(io_err(&tmp, SpoolAction::Create))?;
    f.write_all(bytes)
        .map_err(io_err(&tmp, SpoolAction::Write))?;
    f.sync_all().map_err(io_err(&tmp, SpoolAction::Fsync))?;
    fs::rename(&tmp, path).map_err(io_err(path, SpoolAction::RenameIntoPlace))?;
    if let Some(dir) = path.parent() {
        sync_dir(dir)?;
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> Result<(), SpoolError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err(dir, SpoolAction::FsyncFolder))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facility() -> FacilityCode {
        FacilityCode::parse("0112345678").unwrap()
    }

    #[test]
    fn claims_documents_with_their_sidecars_and_skips_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path()).unwrap();
        let outbox = dir.path().join("outbox");
        fs::write(outbox.join("a.pdf"), b"%PDF").unwrap();
        fs::write(outbox.join("a.pdf.meta.toml"), b"patient = \"1\"").unwrap();
        fs::write(outbox.join("b.txt.part"), b"half").unwrap();
        let claimed = spool.claim().unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].name, "a.pdf");
        assert!(dir.path().join("work/a.pdf.meta.toml").exists());
        assert!(outbox.join("b.txt.part").exists());
    }

    // PROTO-CLI-001
    #[test]
    fn the_key_survives_a_restart_and_is_dropped_once_delivered() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("outbox")).unwrap();
        fs::write(dir.path().join("outbox/a.txt"), b"x").unwrap();
        let first_key = {
            let spool = Spool::open(dir.path()).unwrap();
            let doc = spool.claim().unwrap().remove(0);
            spool.key_for(&doc, &facility()).unwrap()
        }; // "crash": the spool is dropped with the document still in work/
        let spool = Spool::open(dir.path()).unwrap();
        let doc = spool.claim().unwrap().remove(0);
        assert!(doc.resumed);
        assert_eq!(spool.key_for(&doc, &facility()).unwrap(), first_key);
        let sent = spool.finish_sent(&doc, "{}").unwrap();
        assert!(sent.exists() && dir.path().join("sent/a.txt.receipt.json").exists());
        assert!(!dir.path().join("state/a.txt.key").exists());
    }

    #[test]
    fn a_stale_key_is_removed_so_a_new_document_of_the_same_name_gets_a_new_key() {
        let dir = tempfile::tempdir().unwrap();
        {
            Spool::open(dir.path()).unwrap();
        }
        fs::write(dir.path().join("state/a.txt.key"), "0112345678-old\n").unwrap();
        let _spool = Spool::open(dir.path()).unwrap();
        assert!(!dir.path().join("state/a.txt.key").exists());
    }

    #[test]
    fn a_second_process_cannot_open_a_locked_spool() {
        let dir = tempfile::tempdir().unwrap();
        let _first = Spool::open(dir.path()).unwrap();
        assert!(matches!(
            Spool::open(dir.path()),
            Err(SpoolError::Locked { .. })
        ));
    }

    #[test]
    fn failed_documents_get_a_reason_and_names_never_collide() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::open(dir.path()).unwrap();
        for _ in 0..2 {
            fs::write(dir.path().join("outbox/a.txt"), b"x").unwrap();
            let doc = spool.claim().unwrap().remove(0);
            spool.finish_failed(&doc, None, "no patient ID").unwrap();
        }
        assert!(dir.path().join("failed/a.txt").exists());
        assert!(dir.path().join("failed/a.txt.1").exists());
        let reason = fs::read_to_string(dir.path().join("failed/a.txt.1.reason.txt")).unwrap();
        assert_eq!(reason, "no patient ID\n");
    }
}
