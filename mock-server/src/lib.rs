//! `idlink-mock`: a strict, offline mock of the ID-Link service center, for testing store
//! clients against the wire contract in `docs/protocol.md` (protocol `v1`).
//!
//! A [`MockCenter`] (built with [`MockCenter::builder`]) binds three loopback listeners: the
//! **mutual-TLS** main listener, the **VPN** listener (no client certificate) and a plain-HTTP
//! **admin** listener. Connections are accepted by [`server`]'s hand-written loop, which asks the
//! [`scenario`] engine what to do with each connection, runs the TLS handshake ([`tls`]) and
//! journals it; requests go to the axum router in [`http::service`], which asks the engine again
//! per request, authenticates the account ([`accounts`]), and to [`http::upload`], which streams
//! the body into the [`store`], validates it with `idlink_formats`, checks [`consent`] and
//! [`idempotency`], and makes it durable before answering. The engine decides; the transport and
//! the handlers carry the decision out. Time goes through the center's [`clock::Clock`]; the
//! shared [`state`] holds it all. Everything observable lands in the [`journal`], which
//! [`evidence`] turns into the answers a grader asks for; [`http::admin`], its web view (`web`)
//! and the [`cli`] expose it to people; the certificate [`desk`] issues and revokes client
//! certificates for them while the center runs. Under the store and the journal, [`durable`] creates files private to the owner
//! and lets tests make chosen writes fail like a full or failing disk.
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
pub mod center;
pub mod cli;
pub mod clock;
pub mod config;
pub mod consent;
pub mod desk;
pub mod durable;
pub mod evidence;
pub mod http;
pub mod idempotency;
pub mod journal;
pub mod kit;
pub mod malformed;
pub mod problem;
pub mod scenario;
pub mod server;
pub mod state;
pub mod store;
pub mod tls;
mod web;

pub use accounts::{AccountView, Accounts, Principal};
pub use center::{MockCenter, MockCenterBuilder, MockError, Ports};
pub use config::{
    AccessMode, AccountConfig, AccountState, ApplianceConfig, ConfigError, ConsentConfig, Limits,
    MockConfig, Strictness,
};
pub use consent::Consents;
pub use journal::{Journal, JournalEntry, JournalEvent, Listener, TimeoutKind, WaitTimeout};
pub use kit::{ClientKit, KitError};
pub use scenario::{ActionSpec, Engine, Fault, Scenario, ScenarioError};
pub use store::{Store, StoreError, StoredDocument};
pub use tls::{ServerCertificate, TlsError, TlsMaterial, ensure_crypto_provider};
