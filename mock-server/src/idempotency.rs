//! Idempotency bookkeeping that is not in the store: keys with an upload in progress
//! (`PROTO-IDEM-004`). Keys of committed documents live in the store's index.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

/// Idempotency keys with an upload in progress, per account.
#[derive(Debug, Default)]
pub struct InProgress {
    /// A blocking mutex: insert and remove only, never held across an await.
    keys: Mutex<HashSet<(String, String)>>,
}

impl InProgress {
    /// Claims `key` for `account`; `None` when an upload with it is already in progress.
    pub fn claim(self: &Arc<Self>, account: &str, key: &str) -> Option<InProgressGuard> {
        let entry = (account.to_owned(), key.to_owned());
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        keys.insert(entry.clone()).then(|| InProgressGuard {
            owner: self.clone(),
            entry,
        })
    }
}

/// Releases the key when the upload ends, however it ends (including a dropped task).
#[derive(Debug)]
pub struct InProgressGuard {
    owner: Arc<InProgress>,
    entry: (String, String),
}

impl Drop for InProgressGuard {
    fn drop(&mut self) {
        self.owner
            .keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_claimed_once_until_released() {
        let keys = Arc::new(InProgress::default());
        let first = keys.claim("acc", "k1");
        assert!(first.is_some());
        assert!(keys.claim("acc", "k1").is_none());
        assert!(keys.claim("other", "k1").is_some());
        drop(first);
        assert!(keys.claim("acc", "k1").is_some());
    }
}
