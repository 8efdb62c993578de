//! The wire contract between the store client and the (mock) ID-Link service center.
//!
//! `docs/protocol.md` is the normative text; this crate is its machine-readable half, shared by
//! `storeclient` and `idlink-mock` so that both sides spell headers, problem types, receipts and
//! header values the same way.
//!
//! - [`facility`]: the 10-digit facility code every account and certificate is bound to.
//! - [`headers`]: header names, media types and paths of protocol `v1`.
//! - [`upload`]: typed upload header values: patient ID, destination, idempotency key, digest.
//! - [`file_name`]: `IDLink-File-Name`, RFC 8187 percent-encoded UTF-8 names made path-safe.
//! - [`receipt`]: bodies of successful responses (receipt, connectivity check).
//! - [`problem`]: RFC 9457 problem documents and the stable problem codes.

pub mod facility;
pub mod file_name;
pub mod headers;
pub mod problem;
pub mod receipt;
pub mod upload;

pub use facility::{FACILITY_URN_PREFIX, FacilityCode, FacilityCodeError};
pub use file_name::DocumentFileName;
pub use problem::{Problem, ProblemCode};
pub use receipt::{CertificateSummary, Receipt, TlsSummary, WhoAmI};
pub use upload::{
    CareDate, ContentDigest, Destination, HeaderValueError, IdempotencyKey, PatientId,
};
