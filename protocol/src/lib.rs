//! The wire contract between the store client and the (mock) ID-Link service center.
//!
//! `docs/protocol.md` is the normative text; this crate is its machine-readable half, shared by
//! `storeclient` and `idlink-mock` so that both sides spell headers, problem types and receipts
//! the same way.
//!
//! - [`facility`]: the 10-digit facility code every account and certificate is bound to.

pub mod facility;

pub use facility::{FacilityCode, FacilityCodeError, FACILITY_URN_PREFIX};
