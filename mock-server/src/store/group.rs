//! The queue behind group commit: documents that arrive while a commit is running wait here
//! and are committed together by the next one, sharing its fsyncs.
//!
//! Before group commit every upload held the commit lock through its own log fsync and
//! directory syncs, so 200 concurrent uploads queued behind one fsync at a time (issue 10
//! item 5). Now the first submitter of an idle queue starts one drainer (a blocking task); it
//! takes everything waiting as one batch, commits it, answers every member, and takes the next
//! batch until the queue is empty. Submitters only await their answer, so waiting holds no
//! thread. The batching is natural: a batch is whatever arrived during the previous commit, so
//! a lone upload is committed at once and a burst shares one fsync.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Items waiting to be committed, and whether a drainer is running.
#[derive(Debug)]
pub(super) struct Queue<T> {
    state: Mutex<State<T>>,
}

#[derive(Debug)]
struct State<T> {
    waiting: VecDeque<T>,
    /// True while a drainer owns the queue: it will take whatever is pushed, so a submitter
    /// starts a new drainer only when this is false.
    draining: bool,
}

impl<T> Default for Queue<T> {
    fn default() -> Self {
        Self {
            state: Mutex::new(State {
                waiting: VecDeque::new(),
                draining: false,
            }),
        }
    }
}

impl<T> Queue<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // Every change is one push, drain or flag write; a panic cannot leave it torn.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds `item`. Returns true when the caller must start a drainer (none is running); the
    /// queue then counts as drained by it.
    pub(super) fn push(&self, item: T) -> bool {
        let mut state = self.lock();
        state.waiting.push_back(item);
        !std::mem::replace(&mut state.draining, true)
    }

    /// Takes everything waiting, in arrival order; when nothing is, marks the queue idle (the
    /// drainer must stop) and returns `None`. Called only by the drainer.
    pub(super) fn take(&self) -> Option<Vec<T>> {
        let mut state = self.lock();
        if state.waiting.is_empty() {
            state.draining = false;
            return None;
        }
        Some(state.waiting.drain(..).collect())
    }

    /// Puts items a batch could not take (they conflict with an earlier member) back at the
    /// front, ahead of later arrivals, for the next batch.
    pub(super) fn put_back(&self, items: Vec<T>) {
        let mut state = self.lock();
        for item in items.into_iter().rev() {
            state.waiting.push_front(item);
        }
    }

    /// Runs `commit` on batch after batch until the queue is empty. If `commit` panics, the
    /// waiting items are dropped (their submitters learn the commit was cancelled) and the
    /// queue is idle again, so later submissions start a new drainer instead of waiting forever.
    pub(super) fn drain(&self, mut commit: impl FnMut(Vec<T>) -> Vec<T>) {
        let guard = Abandon(self);
        while let Some(batch) = self.take() {
            let deferred = commit(batch);
            self.put_back(deferred);
        }
        std::mem::forget(guard);
    }
}

/// Resets the queue when a drainer unwinds.
struct Abandon<'a, T>(&'a Queue<T>);

impl<T> Drop for Abandon<'_, T> {
    fn drop(&mut self) {
        let mut state = self.0.lock();
        state.waiting.clear();
        state.draining = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_push_of_an_idle_queue_starts_a_drainer() {
        let queue = Queue::default();
        assert!(queue.push(1));
        assert!(!queue.push(2));
        assert_eq!(queue.take(), Some(vec![1, 2]));
        assert_eq!(queue.take(), None, "empty: the drainer stops");
        assert!(queue.push(3), "idle again: a new drainer is needed");
    }

    #[test]
    fn deferred_items_go_first_in_the_next_batch() {
        let queue = Queue::default();
        for n in 1..=3 {
            queue.push(n);
        }
        let mut batches = Vec::new();
        queue.drain(|batch| {
            batches.push(batch.clone());
            if batches.len() == 1 {
                queue.push(4);
                batch.into_iter().filter(|&n| n >= 2).collect()
            } else {
                Vec::new()
            }
        });
        assert_eq!(batches, [vec![1, 2, 3], vec![2, 3, 4]]);
        assert!(queue.push(5), "drained: idle");
    }

    #[test]
    fn a_panicking_commit_leaves_the_queue_idle_and_empty() {
        let queue = Queue::default();
        queue.push(1);
        let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            queue.drain(|_| {
                queue.push(2);
                panic!("commit failed");
            })
        }));
        assert!(unwound.is_err());
        assert!(queue.push(3), "a new drainer starts");
        assert_eq!(queue.take(), Some(vec![3]));
    }
}
