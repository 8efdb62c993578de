//! The file-system seam under the durable files (transaction log, stored documents, journal):
//! private permissions, and failpoints that make chosen writes fail the way a full or failing
//! disk does.
//!
//! A real full disk cannot be produced on demand in a test (a tmpfs mount needs root), so the
//! store and the journal route their few durability-relevant operations through [`Failpoints`].
//! It is compiled into every build and inert until a test arms it: an unarmed check is one
//! uncontended mutex lock per operation, negligible next to the fsync that follows.
//!
//! ```
//! use idlink_mock::durable::{Failpoints, WriteFailure, WritePoint};
//! let failpoints = Failpoints::default();
//! // The next transaction-log append writes 10 bytes, then fails with "no space left".
//! failpoints.fail(WritePoint::LogAppend, WriteFailure::Torn { written: 10 }, 1);
//! assert_eq!(failpoints.fired(), 0);
//! ```

use std::fs::{File, OpenOptions};
use std::io::{self, Read as _, Seek as _, SeekFrom, Write as _};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};

mod fsync_pool;

pub(crate) use fsync_pool::SyncTarget;

/// Mode of every directory the mock creates in its data directory (Unix): patient documents
/// are readable by the owner only.
pub const DIR_MODE: u32 = 0o700;
/// Mode of every file the mock creates in its data directory (Unix).
pub const FILE_MODE: u32 = 0o600;

/// An operation that can be made to fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WritePoint {
    /// Appending a record to `transactions.jsonl`.
    LogAppend,
    /// The fsync of `transactions.jsonl` after an append.
    LogSync,
    /// Renaming a previous `_1` file to `_2` for an update.
    SupersedeRename,
    /// Renaming the received body from `incoming/` into `storage/`.
    PlaceRename,
    /// The fsync of the storage directories that gained an entry.
    DirSync,
    /// The fsync of a document's file, after its rename into the tree.
    BodySync,
    /// Cutting `transactions.jsonl` back to its length before a failed append.
    LogCutBack,
    /// Renaming a file back while a failed commit is undone.
    UndoRename,
    /// Appending a line to `journal.jsonl`.
    JournalAppend,
}

/// How an armed operation fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteFailure {
    /// "No space left on device" before anything is written.
    DiskFull,
    /// Only the first `written` bytes reach the file, then "no space left on device": the torn
    /// record a full disk or a power loss leaves. For operations that write no bytes (fsync,
    /// rename) this is the same as [`WriteFailure::DiskFull`].
    Torn {
        /// Bytes written before the failure (capped at the length of the write).
        written: usize,
    },
    /// An I/O error ("EIO"), nothing written.
    Io,
}

impl WriteFailure {
    fn error(self, point: WritePoint) -> io::Error {
        match self {
            Self::DiskFull | Self::Torn { .. } => io::Error::new(
                io::ErrorKind::StorageFull,
                format!("no space left on device (injected at {point:?})"),
            ),
            Self::Io => io::Error::other(format!("input/output error (injected at {point:?})")),
        }
    }
}

/// Armed write failures. `Default` is inert.
#[derive(Debug, Default)]
pub struct Failpoints {
    armed: Mutex<Vec<Armed>>,
    /// Operations to stop before they run, until the test releases them (see [`Hold`]).
    holds: Mutex<Vec<(WritePoint, Arc<Gate>)>>,
    fired: AtomicU64,
}

/// The next operation at a point, stopped before it runs until the test releases it (or drops
/// the `Hold`): how a test puts the server in the middle of a commit (a slow fsync) and does
/// something else meanwhile, such as dropping the client's connection. The operation then runs
/// normally.
#[derive(Debug)]
pub struct Hold {
    gate: Arc<Gate>,
}

#[derive(Debug)]
struct Gate {
    /// Becomes true when an operation stops at the gate.
    reached: tokio::sync::watch::Sender<bool>,
    open: Mutex<bool>,
    opened: Condvar,
}

impl Hold {
    /// Completes once an operation is stopped at this point.
    pub async fn reached(&self) {
        let mut reached = self.gate.reached.subscribe();
        // The sender lives in `self`, so the channel cannot close while this waits.
        let _ = reached.wait_for(|r| *r).await;
    }

    /// Lets the stopped operation (and any later one at this gate) run.
    pub fn release(&self) {
        *self
            .gate
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = true;
        self.gate.opened.notify_all();
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        // A test that fails before releasing must not leave a server thread stopped forever.
        self.release();
    }
}

#[derive(Debug)]
struct Armed {
    point: WritePoint,
    /// Operations at `point` that still succeed before this one starts failing.
    skip: u32,
    failure: WriteFailure,
    times: u32,
}

impl Failpoints {
    /// Makes the next `times` operations at `point` fail with `failure`.
    pub fn fail(&self, point: WritePoint, failure: WriteFailure, times: u32) {
        self.fail_after(point, 0, failure, times);
    }

    /// Lets `skip` operations at `point` succeed, then makes `times` fail with `failure`.
    pub fn fail_after(&self, point: WritePoint, skip: u32, failure: WriteFailure, times: u32) {
        self.lock().push(Armed {
            point,
            skip,
            failure,
            times,
        });
    }

    /// Stops the next operation at `point` before it runs, until the returned [`Hold`] is
    /// released or dropped. The operation blocks its thread (storage work runs on blocking
    /// threads).
    pub fn hold(&self, point: WritePoint) -> Hold {
        let gate = Arc::new(Gate {
            reached: tokio::sync::watch::channel(false).0,
            open: Mutex::new(false),
            opened: Condvar::new(),
        });
        self.holds
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((point, gate.clone()));
        Hold { gate }
    }

    /// Disarms everything (held operations are not released: their `Hold` does that).
    pub fn clear(&self) {
        self.lock().clear();
        self.holds
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Waits at a gate armed for `point`, if any (taking it: it stops one operation).
    fn pause(&self, point: WritePoint) {
        let gate = {
            let mut holds = self.holds.lock().unwrap_or_else(PoisonError::into_inner);
            match holds.iter().position(|(p, _)| *p == point) {
                Some(at) => holds.remove(at).1,
                None => return,
            }
        };
        gate.reached.send_replace(true);
        let mut open = gate.open.lock().unwrap_or_else(PoisonError::into_inner);
        while !*open {
            open = gate
                .opened
                .wait(open)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// How many operations were made to fail so far.
    pub fn fired(&self) -> u64 {
        self.fired.load(Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Armed>> {
        // The list is only pushed to, counted down and pruned; a panic cannot leave it torn.
        self.armed.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The failure to inject for this operation at `point`, if one is armed (counting it),
    /// after waiting at a gate armed for it.
    fn take(&self, point: WritePoint) -> Option<WriteFailure> {
        self.pause(point);
        let mut armed = self.lock();
        let at = armed.iter().position(|a| a.point == point)?;
        let entry = &mut armed[at];
        if entry.skip > 0 {
            entry.skip -= 1;
            return None;
        }
        let failure = entry.failure;
        entry.times = entry.times.saturating_sub(1);
        if entry.times == 0 {
            armed.remove(at);
        }
        self.fired.fetch_add(1, Ordering::Relaxed);
        Some(failure)
    }

    /// `file.write_all(bytes)`, unless a failure is armed at `point`.
    pub(crate) fn write_all(
        &self,
        point: WritePoint,
        file: &mut File,
        bytes: &[u8],
    ) -> io::Result<()> {
        match self.take(point) {
            None => file.write_all(bytes),
            Some(failure) => {
                if let WriteFailure::Torn { written } = failure {
                    file.write_all(&bytes[..written.min(bytes.len())])?;
                }
                Err(failure.error(point))
            }
        }
    }

    /// Appends `bytes` to a file opened for appending, unless a failure is armed at `point`;
    /// on failure, also says how many bytes reached the file (so they can be cut off again).
    pub(crate) fn append(
        &self,
        point: WritePoint,
        file: &mut File,
        bytes: &[u8],
    ) -> Result<(), (usize, io::Error)> {
        let (bytes, failure) = match self.take(point) {
            None => (bytes, None),
            Some(failure) => {
                let written = match failure {
                    WriteFailure::Torn { written } => written.min(bytes.len()),
                    _ => 0,
                };
                (&bytes[..written], Some(failure))
            }
        };
        let mut done = 0;
        while done < bytes.len() {
            match file.write(&bytes[done..]) {
                Ok(0) => return Err((done, io::ErrorKind::WriteZero.into())),
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err((done, e)),
            }
        }
        match failure {
            None => Ok(()),
            Some(failure) => Err((done, failure.error(point))),
        }
    }

    /// `file.sync_data()`, unless a failure is armed at `point`.
    pub(crate) fn sync_data(&self, point: WritePoint, file: &File) -> io::Result<()> {
        match self.take(point) {
            None => file.sync_data(),
            Some(failure) => Err(failure.error(point)),
        }
    }

    /// `fs::rename(from, to)`, unless a failure is armed at `point`.
    pub(crate) fn rename(&self, point: WritePoint, from: &Path, to: &Path) -> io::Result<()> {
        match self.take(point) {
            None => std::fs::rename(from, to),
            Some(failure) => Err(failure.error(point)),
        }
    }

    /// `file.set_len(len)` then `file.sync_data()`, unless a failure is armed at `point`.
    pub(crate) fn set_len(&self, point: WritePoint, file: &File, len: u64) -> io::Result<()> {
        match self.take(point) {
            None => file.set_len(len).and_then(|()| file.sync_data()),
            Some(failure) => Err(failure.error(point)),
        }
    }

    /// fsyncs a directory, unless a failure is armed at `point`.
    pub(crate) fn sync_dir(&self, point: WritePoint, dir: &Path) -> io::Result<()> {
        self.sync_path(point, dir)
    }

    /// fsyncs the file or directory at `path` (opened read-only, which is enough for fsync on
    /// Linux), unless a failure is armed at `point`.
    pub(crate) fn sync_path(&self, point: WritePoint, path: &Path) -> io::Result<()> {
        match self.take(point) {
            None => File::open(path).and_then(|f| f.sync_all()),
            Some(failure) => Err(failure.error(point)),
        }
    }
}

/// Most threads [`sync_at_once`] uses.
const SYNC_THREADS: usize = 64;

/// fsyncs every file or directory in `targets` (each through its write point), many at once;
/// returns the first failure with its path.
///
/// On a virtualized disk each fsync costs a device cache flush (about 4 ms here) even
/// when the directory has nothing new to write, so a batch's directory syncs one after the
/// other cost 4 ms each: 100 took 420 ms. Flushes requested at the same time are merged by the
/// block layer, so the same 100 from 16 threads took 30 ms. Every fsync still completes before
/// this returns, so the commit order is unchanged. The threads are long-lived
/// ([`fsync_pool`]); armed failures are decided first, in order, on the calling thread, and a
/// batch with one does no fsync (it fails whole and is undone).
pub(crate) fn sync_at_once(
    failpoints: &Failpoints,
    targets: Vec<(WritePoint, SyncTarget)>,
) -> Result<(), (std::path::PathBuf, io::Error)> {
    let mut first = None;
    let mut plain = Vec::with_capacity(targets.len());
    for (point, target) in targets {
        match failpoints.take(point) {
            None => plain.push(target),
            Some(failure) => {
                first.get_or_insert_with(|| (target.path().to_owned(), failure.error(point)));
            }
        }
    }
    if let Some(failure) = first {
        return Err(failure);
    }
    fsync_pool::sync_all(plain, SYNC_THREADS)
}

/// Creates `dir` and any missing parents owner-only, and makes `dir` itself owner-only if it
/// already existed (a data directory made by an earlier version, or by hand, holds patient
/// documents too). Parents that existed are left alone: they are not ours.
pub(crate) fn private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt as _, PermissionsExt as _};
        builder.mode(DIR_MODE);
        builder.create(dir)?;
        let mode = std::fs::metadata(dir)?.permissions().mode() & 0o777;
        if mode != DIR_MODE {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(DIR_MODE))?;
        }
        Ok(())
    }
    #[cfg(not(unix))]
    builder.create(dir)
}

/// Opens `path` for appending (and reading), creating it owner-only, and makes an existing file
/// owner-only too.
pub(crate) fn private_append(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        options.mode(FILE_MODE);
        let file = options.open(path)?;
        if file.metadata()?.permissions().mode() & 0o777 != FILE_MODE {
            file.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))?;
        }
        Ok(file)
    }
    #[cfg(not(unix))]
    options.open(path)
}

/// The length of `file` up to and including its last newline: everything after it is a line
/// whose write never completed. Reads backwards from the end in small blocks, so a long journal
/// is not read whole.
pub(crate) fn complete_len(file: &mut File) -> io::Result<u64> {
    const BLOCK: u64 = 4096;
    let mut end = file.metadata()?.len();
    let mut buf = vec![0; BLOCK as usize];
    while end > 0 {
        let start = end.saturating_sub(BLOCK);
        let chunk = &mut buf[..(end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(chunk)?;
        if let Some(at) = chunk.iter().rposition(|&b| b == b'\n') {
            return Ok(start + at as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_armed_point_fails_after_its_skips_and_then_disarms() {
        let failpoints = Failpoints::default();
        failpoints.fail_after(WritePoint::LogSync, 1, WriteFailure::Io, 2);
        let fails: Vec<bool> = (0..4)
            .map(|_| failpoints.take(WritePoint::LogSync).is_some())
            .collect();
        assert_eq!(fails, [false, true, true, false]);
        assert_eq!(failpoints.take(WritePoint::LogAppend), None);
        assert_eq!(failpoints.fired(), 2);
    }

    #[test]
    fn a_torn_write_leaves_the_prefix_and_reports_a_full_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let mut file = private_append(&path).unwrap();
        let failpoints = Failpoints::default();
        failpoints.fail(WritePoint::LogAppend, WriteFailure::Torn { written: 3 }, 1);
        let err = failpoints
            .write_all(WritePoint::LogAppend, &mut file, b"abcdef\n")
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::StorageFull);
        assert_eq!(std::fs::read(&path).unwrap(), b"abc");
    }

    #[tokio::test]
    async fn a_held_operation_waits_for_its_release_and_then_runs() {
        let failpoints = Arc::new(Failpoints::default());
        let hold = failpoints.hold(WritePoint::LogSync);
        let worker = {
            let failpoints = failpoints.clone();
            tokio::task::spawn_blocking(move || failpoints.take(WritePoint::LogSync))
        };
        tokio::time::timeout(std::time::Duration::from_secs(10), hold.reached())
            .await
            .expect("the operation reaches the gate");
        assert!(!worker.is_finished(), "held until released");
        hold.release();
        assert_eq!(worker.await.unwrap(), None, "then it runs, unfailed");
        assert_eq!(
            failpoints.take(WritePoint::LogSync),
            None,
            "one operation only"
        );
    }

    #[test]
    fn complete_len_stops_after_the_last_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        for (content, expected) in [
            (&b""[..], 0),
            (b"torn", 0),
            (b"one\n", 4),
            (b"one\ntw", 4),
            (b"one\ntwo\n", 8),
        ] {
            std::fs::write(&path, content).unwrap();
            let mut file = File::open(&path).unwrap();
            assert_eq!(complete_len(&mut file).unwrap(), expected, "{content:?}");
        }
        let long = [vec![b'x'; 10_000], b"\n".to_vec(), vec![b'y'; 9_000]].concat();
        std::fs::write(&path, &long).unwrap();
        let mut file = File::open(&path).unwrap();
        assert_eq!(complete_len(&mut file).unwrap(), 10_001);
    }
}
