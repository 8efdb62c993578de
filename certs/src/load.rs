//! Reading certificates, keys, PKCS#12 files and CRLs that a user hands to the store client or
//! the mock. Every error names the file and says what to do, because the person reading it is
//! usually a vendor engineer holding a file from somebody else.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use p12_keystore::{KeyStore, Pkcs12ImportPolicy};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{
    CertificateDer, CertificateRevocationListDer, PrivateKeyDer, PrivatePkcs8KeyDer,
};

/// Why a certificate, key, PKCS#12 or CRL file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read at all.
    #[error("cannot read {} (check the path and its permissions)", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid PEM (or DER) of the expected kind.
    #[error("{} is not a valid {what} file: {reason}", .path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What the file should have contained ("PEM certificate", "CRL", ...).
        what: &'static str,
        /// The parser's reason.
        reason: String,
    },
    /// The file is readable but holds none of what was asked for.
    #[error("{} contains no {what}; {hint}", .path.display())]
    Missing {
        /// The file.
        path: PathBuf,
        /// What was looked for.
        what: &'static str,
        /// What the user should do.
        hint: &'static str,
    },
    /// The PKCS#12 password is wrong (the file's integrity check failed).
    #[error(
        "wrong password for PKCS#12 file {} (its integrity check failed); use the password you \
         received with the file",
        .path.display()
    )]
    WrongPassword {
        /// The file.
        path: PathBuf,
    },
    /// The private key is not the one the leaf certificate was issued for.
    #[error(
        "the private key in {} does not match the certificate in {} ({subject}); use the key \
         file that was issued together with this certificate",
        .key_path.display(),
        .cert_path.display()
    )]
    KeyMismatch {
        /// The certificate file.
        cert_path: PathBuf,
        /// The key file (the same file for PKCS#12).
        key_path: PathBuf,
        /// The leaf certificate's subject.
        subject: String,
    },
    /// The key could not be used by the TLS stack (unsupported algorithm or malformed).
    #[error("the private key in {} cannot be used: {reason}", .path.display())]
    UnusableKey {
        /// The key file.
        path: PathBuf,
        /// rustls' reason.
        reason: String,
    },
}

/// A certificate chain and its private key, loaded from files.
///
/// `Debug` shows the chain length only, never the key.
pub struct LoadedIdentity {
    /// Leaf first, then any intermediates, as found in the file.
    pub chain: Vec<CertificateDer<'static>>,
    /// The private key.
    pub key: PrivateKeyDer<'static>,
}

impl fmt::Debug for LoadedIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadedIdentity")
            .field(
                "chain",
                &format_args!("[{} certificate(s)]", self.chain.len()),
            )
            .field("key", &format_args!("[redacted]"))
            .finish()
    }
}

impl Clone for LoadedIdentity {
    fn clone(&self) -> Self {
        Self {
            chain: self.chain.clone(),
            key: self.key.clone_key(),
        }
    }
}

/// Reads every certificate in a PEM file (or one DER certificate), in file order.
pub fn certificates_pem(path: &Path) -> Result<Vec<CertificateDer<'static>>, LoadError> {
    let bytes = read(path)?;
    if !looks_like_pem(&bytes) {
        return match x509_parser::parse_x509_certificate(&bytes) {
            Ok(_) => Ok(vec![CertificateDer::from(bytes)]),
            Err(e) => Err(corrupt(
                path,
                "PEM certificate",
                format!("neither PEM nor DER ({e})"),
            )),
        };
    }
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| corrupt(path, "PEM certificate", pem_reason(&e)))?;
    if certs.is_empty() {
        return Err(LoadError::Missing {
            path: path.to_owned(),
            what: "certificate (no BEGIN CERTIFICATE block)",
            hint: "pass the certificate file, not the key or the CRL",
        });
    }
    for cert in &certs {
        x509_parser::parse_x509_certificate(cert).map_err(|e| {
            corrupt(
                path,
                "PEM certificate",
                format!("a certificate block is not X.509: {e}"),
            )
        })?;
    }
    Ok(certs)
}

/// Reads the first private key (PKCS#8, PKCS#1 RSA or SEC1 EC) from a PEM file.
pub fn private_key_pem(path: &Path) -> Result<PrivateKeyDer<'static>, LoadError> {
    let bytes = read(path)?;
    match PrivateKeyDer::from_pem_slice(&bytes) {
        Ok(key) => Ok(key),
        Err(pem::Error::NoItemsFound) => Err(LoadError::Missing {
            path: path.to_owned(),
            what: "private key (no BEGIN PRIVATE KEY block)",
            hint: "pass the key file that came with the certificate",
        }),
        Err(e) => Err(corrupt(path, "PEM private key", pem_reason(&e))),
    }
}

/// Reads a certificate chain and its key from two PEM files (they may be the same file) and
/// checks that the key belongs to the leaf.
pub fn identity_pem(cert_path: &Path, key_path: &Path) -> Result<LoadedIdentity, LoadError> {
    let chain = certificates_pem(cert_path)?;
    let key = private_key_pem(key_path)?;
    check_key_matches(&chain, &key, cert_path, key_path)?;
    Ok(LoadedIdentity { chain, key })
}

/// Reads a password-protected PKCS#12 (`.p12`/`.pfx`) file holding a key and its chain.
pub fn identity_pkcs12(path: &Path, password: &str) -> Result<LoadedIdentity, LoadError> {
    let bytes = read(path)?;
    let store = KeyStore::from_pkcs12(&bytes, password, Pkcs12ImportPolicy::Strict).map_err(
        |e| match e {
            p12_keystore::error::Error::MacError(_) => LoadError::WrongPassword {
                path: path.to_owned(),
            },
            other => corrupt(path, "PKCS#12", other.to_string()),
        },
    )?;
    let Some((_alias, entry)) = store.private_key_chain() else {
        return Err(LoadError::Missing {
            path: path.to_owned(),
            what: "private key with a certificate chain",
            hint: "export the .p12 again including the private key",
        });
    };
    let chain: Vec<CertificateDer<'static>> = entry
        .certs()
        .iter()
        .map(|c| CertificateDer::from(c.as_der().to_vec()))
        .collect();
    if chain.is_empty() {
        return Err(LoadError::Missing {
            path: path.to_owned(),
            what: "certificate for its private key",
            hint: "export the .p12 again including the certificate",
        });
    }
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(entry.key().as_der().to_vec()));
    check_key_matches(&chain, &key, path, path)?;
    Ok(LoadedIdentity { chain, key })
}

/// Reads every CRL in a PEM file, or one DER CRL.
pub fn crls(path: &Path) -> Result<Vec<CertificateRevocationListDer<'static>>, LoadError> {
    let bytes = read(path)?;
    let crls = if looks_like_pem(&bytes) {
        CertificateRevocationListDer::pem_slice_iter(&bytes)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| corrupt(path, "CRL", pem_reason(&e)))?
    } else {
        vec![CertificateRevocationListDer::from(bytes)]
    };
    if crls.is_empty() {
        return Err(LoadError::Missing {
            path: path.to_owned(),
            what: "CRL (no BEGIN X509 CRL block)",
            hint: "pass the CRL file the CA published",
        });
    }
    for crl in &crls {
        webpki::OwnedCertRevocationList::from_der(crl)
            .map_err(|e| corrupt(path, "CRL", format!("not a CRL webpki can use: {e:?}")))?;
    }
    Ok(crls)
}

/// Checks the key belongs to the first certificate, through rustls so the check is exactly the
/// one the TLS stack would do later.
fn check_key_matches(
    chain: &[CertificateDer<'static>],
    key: &PrivateKeyDer<'static>,
    cert_path: &Path,
    key_path: &Path,
) -> Result<(), LoadError> {
    let provider = rustls::crypto::ring::default_provider();
    let signing_key = provider
        .key_provider
        .load_private_key(key.clone_key())
        .map_err(|e| LoadError::UnusableKey {
            path: key_path.to_owned(),
            reason: e.to_string(),
        })?;
    let certified = CertifiedKey::new(chain.to_vec(), Arc::clone(&signing_key));
    match certified.keys_match() {
        Ok(()) => Ok(()),
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) => {
            Err(LoadError::KeyMismatch {
                cert_path: cert_path.to_owned(),
                key_path: key_path.to_owned(),
                subject: crate::inspect::subject_of(&chain[0]),
            })
        }
        // The key cannot report its public half; rustls will find out at handshake time.
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => Ok(()),
        Err(e) => Err(corrupt(cert_path, "certificate", e.to_string())),
    }
}

fn read(path: &Path) -> Result<Vec<u8>, LoadError> {
    std::fs::read(path).map_err(|source| LoadError::Read {
        path: path.to_owned(),
        source,
    })
}

fn looks_like_pem(bytes: &[u8]) -> bool {
    bytes.windows(11).any(|w| w == b"-----BEGIN ")
}

fn corrupt(path: &Path, what: &'static str, reason: String) -> LoadError {
    LoadError::Corrupt {
        path: path.to_owned(),
        what,
        reason,
    }
}

fn pem_reason(e: &pem::Error) -> String {
    match e {
        pem::Error::MissingSectionEnd { .. } => "a BEGIN line has no matching END line".into(),
        pem::Error::IllegalSectionStart { .. } => "malformed BEGIN line".into(),
        pem::Error::Base64Decode(_) => "the base64 text between BEGIN and END is damaged".into(),
        other => other.to_string(),
    }
}
