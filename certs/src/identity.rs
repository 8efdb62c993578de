//! An issued certificate with its private key: what one party (client or server) configures.

use std::fmt;

use idlink_protocol::FacilityCode;
use p12_keystore::{KeyStore, KeyStoreEntry, PrivateKeyChain};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::pki::PkiError;

/// A certificate, the chain to present with it, and its PKCS#8 private key.
///
/// `Debug` shows the name, serial and facility but never the key.
pub struct Identity {
    pub(crate) name: String,
    pub(crate) subject: String,
    pub(crate) chain: Vec<CertificateDer<'static>>,
    pub(crate) chain_pem: Vec<String>,
    pub(crate) key: PrivatePkcs8KeyDer<'static>,
    pub(crate) key_pem: String,
    pub(crate) facility: Option<FacilityCode>,
    pub(crate) serial: Vec<u8>,
    pub(crate) not_before: OffsetDateTime,
    pub(crate) not_after: OffsetDateTime,
}

impl Identity {
    /// A short name such as `client-revoked` or `server-valid`, also used as the PKCS#12 alias.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The subject distinguished name, for messages.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The leaf certificate.
    pub fn cert_der(&self) -> &CertificateDer<'static> {
        &self.chain[0]
    }

    /// Leaf first, then the intermediate(s); never the root, which the peer must already trust.
    pub fn chain_der(&self) -> Vec<CertificateDer<'static>> {
        self.chain.clone()
    }

    /// The private key as PKCS#8 DER.
    pub fn key_der(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(self.key.clone_key())
    }

    /// The leaf certificate as PEM.
    pub fn cert_pem(&self) -> String {
        self.chain_pem[0].clone()
    }

    /// Leaf then intermediate(s) as concatenated PEM, the usual "fullchain" file.
    pub fn chain_pem(&self) -> String {
        self.chain_pem.concat()
    }

    /// The private key as a PKCS#8 `PRIVATE KEY` PEM block.
    pub fn key_pem(&self) -> String {
        self.key_pem.clone()
    }

    /// Key and chain in one password-protected PKCS#12 file (PBES2/AES-256, HMAC-SHA256), the
    /// `.p12`/`.pfx` form many vendor stacks import.
    pub fn to_pkcs12(&self, password: &str) -> Result<Vec<u8>, PkiError> {
        let pkcs12 = |e: p12_keystore::error::Error| PkiError::Pkcs12 {
            name: self.name.clone(),
            reason: e.to_string(),
        };
        let key =
            p12_keystore::PrivateKey::from_der(self.key.secret_pkcs8_der()).map_err(pkcs12)?;
        let certs = self
            .chain
            .iter()
            .map(|c| p12_keystore::Certificate::from_der(c))
            .collect::<Result<Vec<_>, _>>()
            .map_err(pkcs12)?;
        // The local key id ties the key bag to its certificate; a digest of the leaf is what
        // OpenSSL and Java use too.
        let local_key_id = Sha256::digest(self.cert_der().as_ref())[..20].to_vec();
        let mut store = KeyStore::new();
        store.add_entry(
            &self.name,
            KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(local_key_id, key, certs)),
        );
        store.writer(password).write().map_err(pkcs12)
    }

    /// The facility the certificate is bound to; `None` for server certificates.
    pub fn facility(&self) -> Option<&FacilityCode> {
        self.facility.as_ref()
    }

    /// The serial number as lower-case hex, as a CRL lists it.
    pub fn serial_hex(&self) -> String {
        hex::encode(&self.serial)
    }

    /// Start of the validity period.
    pub fn not_before(&self) -> OffsetDateTime {
        self.not_before
    }

    /// End of the validity period.
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("name", &self.name)
            .field("subject", &self.subject)
            .field("serial", &self.serial_hex())
            .field("facility", &self.facility)
            .field("chain_len", &self.chain.len())
            .field("key", &"[redacted]")
            .finish()
    }
}
