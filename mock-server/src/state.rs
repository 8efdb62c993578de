//! The state every connection task and handler shares: one [`CenterState`] per center.
//!
//! It owns no behaviour of its own beyond [`CenterState::reset`]; the HTTP handlers (`http`) and
//! the transport (`server`) read and update it, the engine decides through it. Keeping it out of
//! `center` breaks the import circle the handlers used to have with the center.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::accounts::Accounts;
use crate::clock::Clock;
use crate::config::MockConfig;
use crate::consent::Consents;
use crate::desk::Desk;
use crate::idempotency::InProgress;
use crate::journal::{Journal, JournalEvent};
use crate::scenario::Engine;
use crate::store::{Store, StoreError};

/// State shared by every connection task and handler of one center.
#[derive(Debug)]
pub struct CenterState {
    /// The configuration the center started with.
    pub config: MockConfig,
    /// Accounts and their states.
    pub accounts: Accounts,
    /// Consent records.
    pub consents: Consents,
    /// The decision point (scenario machine and armed faults).
    pub engine: Arc<Engine>,
    /// The journal.
    pub journal: Arc<Journal>,
    /// The durable store.
    pub store: Arc<Store>,
    /// Idempotency keys with an upload in progress.
    pub in_progress: Arc<InProgress>,
    /// The admin API's bearer token.
    pub admin_token: String,
    /// `config.nsips_profile`, loaded once at start-up (read-only afterwards, cloned into the
    /// check options of each NSIPS upload).
    pub nsips_profile: Option<idlink_formats::nsips::Profile>,
    /// Scenario time.
    pub clock: Arc<Clock>,
    /// The certificate desk: issues and revokes client certificates (issue 13).
    pub desk: Desk,
    /// Connection numbers, per center (the journal's `connection`), from 1.
    connection_ids: AtomicU64,
    /// Bumped by a restart: every connection task watches it and drops its connection.
    restarts: tokio::sync::watch::Sender<u64>,
    /// Cancelled when the center shuts down: actions that wait on purpose (a hung answer, a
    /// stalled handshake) end then, so shutdown never waits for them.
    pub stopping: tokio_util::sync::CancellationToken,
}

impl CenterState {
    /// Assembles the state.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        config: MockConfig,
        journal: Arc<Journal>,
        store: Store,
        engine: Arc<Engine>,
        clock: Arc<Clock>,
        nsips_profile: Option<idlink_formats::nsips::Profile>,
        stopping: tokio_util::sync::CancellationToken,
        desk: Desk,
    ) -> Self {
        Self {
            accounts: Accounts::new(&config.accounts, config.limits.lockout_threshold),
            consents: Consents::new(&config.consents),
            engine,
            journal,
            store: Arc::new(store),
            in_progress: Arc::new(InProgress::default()),
            admin_token: format!("adm-{}", uuid::Uuid::new_v4().simple()),
            nsips_profile,
            clock,
            desk,
            config,
            connection_ids: AtomicU64::new(1),
            restarts: tokio::sync::watch::channel(0).0,
            stopping,
        }
    }

    /// The next connection number.
    pub fn next_connection_id(&self) -> u64 {
        self.connection_ids.fetch_add(1, Ordering::Relaxed)
    }

    /// Watches restarts (a connection task drops its connection when the value changes).
    pub fn restarts(&self) -> tokio::sync::watch::Receiver<u64> {
        self.restarts.subscribe()
    }

    /// Restarts the center as a crash would look from outside: every connection is dropped
    /// (uploads in progress are lost: their temporary files go with their tasks), the durable
    /// store is kept, and the listeners refuse connections for `down_for` (nominal).
    pub fn restart(&self, down_for: std::time::Duration) {
        self.engine.go_down(down_for);
        self.restarts.send_modify(|generation| *generation += 1);
    }

    /// Back to the start: documents deleted, accounts and consents restored, scenario and
    /// faults removed, the in-memory journal cleared (the file keeps everything).
    pub async fn reset(&self) -> Result<(), StoreError> {
        self.store.reset().await?;
        self.accounts.reset();
        self.consents.reset();
        self.engine.reset();
        self.journal.clear();
        self.journal.record(
            None,
            None,
            JournalEvent::Admin {
                action:
                    "reset: documents deleted, accounts and consents restored, scenario and faults removed"
                        .to_owned(),
            },
        );
        Ok(())
    }
}
