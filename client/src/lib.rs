//! `storeclient`: the ID-Link store client, as a library and a CLI.
//!
//! How the parts fit: a [`ClientConfig`] is read from `storeclient.toml` ([`config`]); it names
//! the TLS identity ([`identity`]) from which a [`Client`] is built ([`upload`]). Before a
//! document is sent, [`preflight`] validates it offline and works out its [`Metadata`]
//! ([`metadata`]). The client streams it with a stable idempotency key, retries what
//! [`classify`] calls retryable under the [`retry`] policy, and records each attempt in a
//! [`trace`]. The folder integration ([`spool`]) claims files atomically and survives being
//! killed at any moment. [`doctor`] explains a broken setup in plain words; [`report`] and
//! [`accesslog`] produce what people and auditors read, and [`messages`] says every error in the
//! reader's language (Japanese or English, `--lang` or the locale); [`exit`] maps outcomes to the
//! documented exit codes. The command line lives in [`cli`] (flags) and [`run`] (resolved plans executed);
//! [`entry`] is the whole program behind `main`.

pub mod accesslog;
pub mod classify;
pub mod cli;
pub mod clock;
pub mod config;
pub mod doctor;
pub mod entry;
pub mod exit;
pub mod identity;
pub mod messages;
pub mod metadata;
pub mod preflight;
pub mod report;
pub mod retry;
pub mod run;
pub mod spool;
pub mod trace;
pub mod upload;

pub use classify::{ErrorClass, TransportFailure};
pub use config::{ClientConfig, ConfigError};
pub use exit::ExitStatus;
pub use metadata::{DocumentKind, Metadata};
pub use upload::{Client, ClientError, Delivery, DeliveryKind, UploadError};
