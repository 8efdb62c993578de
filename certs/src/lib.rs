//! The idlink-harness test PKI: what a facility receives with its ID-Link account sheet, and every
//! way it can be wrong.
//!
//! [`Pki::generate`] builds, in memory and in milliseconds, a root CA, an issuing (intermediate)
//! CA, a server certificate for `localhost`, the facility's client certificate and the broken
//! variants of both ([`Variant`], [`ServerVariant`]), plus the CRLs. Each certificate and key is
//! an [`Identity`] that renders itself as DER, PEM or PKCS#12. [`Pki::write_to`] puts the set on
//! disk with a [`manifest::Manifest`] (what `idlink-certs init` does).
//!
//! The other direction, for files a user hands to the store client or the mock: [`load`] reads
//! PEM, PKCS#12 and CRL files with errors that name the file, and [`inspect`] describes a
//! certificate and checks it against a CA and CRLs.
//!
//! - [`variant`]: the client and server variants and what a correct peer does with each.
//! - [`pki`]: generating the PKI ([`Pki`], [`PkiBuilder`], [`KeyType`]).
//! - [`issue`]: issuing and revoking after generation, for the mock's certificate desk (the
//!   [`Pki`] keeps its CA keys for that, and never hands them out).
//! - [`authority`]: the desk's CA keys and CRL in force, restorable from a PKI directory the
//!   mock wrote with its CA keys (test PKI only).
//! - [`identity`]: one certificate with its chain and key.
//! - [`manifest`]: writing the set to a directory with `manifest.json` and `README.txt`.
//! - [`load`]: reading certificates, keys, PKCS#12 and CRLs from files.
//! - [`inspect`]: describing a certificate and verifying its chain.

#![warn(missing_docs)]

pub mod authority;
pub mod identity;
pub mod inspect;
pub mod issue;
pub mod load;
pub mod manifest;
pub mod pki;
pub mod variant;

pub use authority::DeskAuthority;
pub use identity::Identity;
pub use load::{LoadError, LoadedIdentity};
pub use manifest::Manifest;
pub use pki::{KeyType, Pki, PkiBuilder, PkiError};
pub use variant::{ServerVariant, Variant};

/// The password of the `.p12` files `idlink-certs init` writes unless told otherwise. It protects
/// nothing (these are test keys); it exists because PKCS#12 importers insist on one.
pub const DEFAULT_P12_PASSWORD: &str = "idlink-test";
