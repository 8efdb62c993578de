//! `idlink-mock`: a strict, offline mock of the ID-Link service center, for testing store
//! clients against the wire contract in `docs/protocol.md` (protocol `v1`).
//!
//! A [`MockCenter`] binds three loopback listeners: the **mutual-TLS** main listener, the
//! **VPN** listener (no client certificate) and a plain-HTTP **admin** listener. Connections are
//! accepted by [`server`]'s hand-written loop, which runs the TLS handshake per connection
//! ([`tls`]) and journals it; requests go to the axum router in [`service`], which authenticates
//! the account ([`accounts`]), and to [`upload`], which streams the body into the [`store`],
//! validates it with `idlink_formats`, checks [`consent`] and idempotency, and makes it durable
//! before answering. Everything observable lands in the [`journal`]; [`fault`] lets tests make
//! the center misbehave on purpose; [`admin`] and the [`cli`] expose it all to people.
//! Under the store and the journal, [`durable`] creates files private to the owner and lets
//! tests make chosen writes fail like a full or failing disk.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use idlink_mock::{MockCenter, MockConfig};
//! let center = MockCenter::start(MockConfig::demo()).await?;
//! let kit = center.write_client_kit(std::path::Path::new("kit"), "fac-0112345678")?;
//! // ... run the store client with kit.config ...
//! assert!(center.store().documents().is_empty());
//! center.shutdown().await;
//! # Ok(()) }
//! ```

pub mod accounts;
pub mod admin;
pub mod center;
pub mod cli;
pub mod clock;
pub mod config;
pub mod consent;
pub mod durable;
pub mod fault;
pub mod journal;
pub mod kit;
pub mod problem;
pub mod server;
pub mod service;
pub mod store;
pub mod tls;
pub mod upload;

pub use accounts::{AccountView, Accounts, Principal};
pub use center::{MockCenter, MockError, Ports};
pub use config::{
    AccessMode, AccountConfig, AccountState, ApplianceConfig, ConfigError, ConsentConfig, Limits,
    MockConfig, Strictness,
};
pub use consent::Consents;
pub use fault::{Fault, Faults};
pub use journal::{Journal, JournalEntry, JournalEvent, Listener, WaitTimeout};
pub use kit::{ClientKit, KitError};
pub use store::{Store, StoreError, StoredDocument};
pub use tls::{TlsError, TlsMaterial, ensure_crypto_provider};
