//! Long-lived threads for the fsyncs of a commit, so that they run at once without a thread
//! being created for each (issue 14).
//!
//! A batch's files and directories are fsynced in parallel because flushes requested together
//! are merged by the block layer (see [`super::sync_at_once`]). Spawning a thread per fsync did
//! that, but cost about twelve system calls and a stack mapping per thread, five threads per
//! upload of a new patient. These threads are started when first needed, up to
//! [`super::SYNC_THREADS`], and then wait for work; the caller syncs too and waits until its
//! batch is done, so every fsync still completes before the commit goes on.

use std::collections::VecDeque;
use std::fs::File;
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};

/// What to fsync: a file already open (no `open`/`close` for it), or a path.
#[derive(Debug, Clone)]
pub(crate) enum SyncTarget {
    /// An open file (a received body), named by its path for errors.
    File(Arc<File>, PathBuf),
    /// A file or directory to open read-only and fsync.
    Path(PathBuf),
}

impl SyncTarget {
    /// The path, for error messages.
    pub(crate) fn path(&self) -> &std::path::Path {
        match self {
            Self::File(_, path) | Self::Path(path) => path,
        }
    }

    /// `fsync` (all data and metadata).
    fn sync(&self) -> io::Result<()> {
        match self {
            Self::File(file, _) => file.sync_all(),
            Self::Path(path) => File::open(path).and_then(|f| f.sync_all()),
        }
    }
}

/// One batch of fsyncs: what is left to do and the first failure.
#[derive(Debug)]
struct Batch {
    targets: Vec<SyncTarget>,
    state: Mutex<BatchState>,
    finished: Condvar,
}

#[derive(Debug)]
struct BatchState {
    /// Index of the next target nobody has taken.
    next: usize,
    /// Targets taken but not finished, plus those not taken.
    left: usize,
    first_error: Option<(PathBuf, io::Error)>,
}

impl Batch {
    fn lock(&self) -> MutexGuard<'_, BatchState> {
        // Counters and one error, each replaced whole.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes and syncs targets until none is left to take.
    fn work(&self) {
        loop {
            let at = {
                let mut state = self.lock();
                if state.next == self.targets.len() {
                    return;
                }
                state.next += 1;
                state.next - 1
            };
            let target = &self.targets[at];
            let result = target.sync();
            let mut state = self.lock();
            if let Err(error) = result
                && state.first_error.is_none()
            {
                state.first_error = Some((target.path().to_owned(), error));
            }
            state.left -= 1;
            if state.left == 0 {
                self.finished.notify_all();
            }
        }
    }
}

/// The pool: batches with work left, and how many threads exist and wait.
#[derive(Debug, Default)]
struct Pool {
    state: Mutex<PoolState>,
    work: Condvar,
}

#[derive(Debug, Default)]
struct PoolState {
    batches: VecDeque<Arc<Batch>>,
    threads: usize,
    idle: usize,
}

impl Pool {
    fn lock(&self) -> MutexGuard<'_, PoolState> {
        // A queue and two counters; a panic cannot leave them torn.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn worker(&'static self) {
        let mut state = self.lock();
        loop {
            if let Some(batch) = state.batches.front().cloned() {
                drop(state);
                batch.work();
                state = self.lock();
                // Every target is taken now: nobody else needs to look at this batch.
                if state
                    .batches
                    .front()
                    .is_some_and(|b| Arc::ptr_eq(b, &batch))
                {
                    state.batches.pop_front();
                }
                continue;
            }
            state.idle += 1;
            state = self
                .work
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
            state.idle -= 1;
        }
    }
}

fn shared_pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(Pool::default)
}

/// fsyncs every target, up to `threads` at once (the caller is one of them); returns the first
/// failure with its path once every fsync has finished.
pub(crate) fn sync_all(
    targets: Vec<SyncTarget>,
    threads: usize,
) -> Result<(), (PathBuf, io::Error)> {
    let helpers = targets.len().min(threads).saturating_sub(1);
    let batch = Arc::new(Batch {
        state: Mutex::new(BatchState {
            next: 0,
            left: targets.len(),
            first_error: None,
        }),
        targets,
        finished: Condvar::new(),
    });
    if helpers > 0 {
        let pool = shared_pool();
        let mut state = pool.lock();
        state.batches.push_back(batch.clone());
        // Start the threads that are missing; if the system refuses one, the others (and the
        // caller) do its share.
        let missing = helpers.saturating_sub(state.idle);
        let mut started = 0;
        while started < missing && state.threads < threads {
            let spawned = std::thread::Builder::new()
                .name("idlink-fsync".to_owned())
                .spawn(|| shared_pool().worker());
            if spawned.is_err() {
                break;
            }
            state.threads += 1;
            started += 1;
        }
        drop(state);
        for _ in 0..helpers {
            pool.work.notify_one();
        }
    }
    batch.work();
    let mut state = batch.lock();
    while state.left > 0 {
        state = batch
            .finished
            .wait(state)
            .unwrap_or_else(PoisonError::into_inner);
    }
    let failure = state.first_error.take();
    drop(state);
    if helpers > 0 {
        // Done: out of the queue now, not when a worker next looks (it holds open files).
        shared_pool()
            .lock()
            .batches
            .retain(|b| !Arc::ptr_eq(b, &batch));
    }
    match failure {
        Some(failure) => Err(failure),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_is_synced_and_the_first_failure_names_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, b"x").unwrap();
        let open = Arc::new(File::open(&file).unwrap());
        let good = vec![
            SyncTarget::Path(dir.path().to_owned()),
            SyncTarget::Path(file.clone()),
            SyncTarget::File(open, file.clone()),
        ];
        assert!(sync_all(good.clone(), 8).is_ok());
        // The threads stay for the next batch, which works the same.
        let missing = dir.path().join("missing");
        let mut bad = good;
        bad.push(SyncTarget::Path(missing.clone()));
        let (path, error) = sync_all(bad, 8).unwrap_err();
        assert_eq!(path, missing);
        assert_eq!(error.kind(), io::ErrorKind::NotFound);
        assert!(sync_all(Vec::new(), 8).is_ok(), "nothing to do");
    }
}
