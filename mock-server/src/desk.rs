//! The certificate desk (issue 13): what the real service center does when it sends a facility
//! its TLS client certificate with the transfer account sheet (転送用アカウント票).
//!
//! On request (admin API `/admin/desk/...`, web view `/web/desk`) the desk issues a client
//! certificate of any [`Variant`] for a facility code with the center's own CA keys
//! ([`idlink_certs::Pki::issue_client`]), creates or updates the facility's transfer account
//! `fac-<facility>` with a new password, and revokes certificates: a revocation signs a new CRL
//! and hands it to the running mTLS listener ([`ClientTrust::replace_crls`]), so the next
//! handshake refuses the certificate, without a restart.
//!
//! Secrets: the account password and the private key are returned to the caller of
//! [`issue`] once ([`Issued`]) and kept nowhere here; the account registry keeps the password
//! the way it keeps every configured one. The journal gets facility, account, serial, variant
//! and validity ([`JournalEvent::CertificateIssued`], [`JournalEvent::CertificateRevoked`]).
//! The desk's registry survives `reset` (a CA does not forget what it issued or revoked); the
//! accounts it created do not (reset restores the configured accounts).
//!
//! Restarts: `idlink-mock serve` writes the CA keys with the PKI it generates (test PKI only,
//! [`idlink_certs::Pki::write_with_ca_keys`]) and restores them on the next start, so the desk
//! keeps working; it writes every CRL it signs and its index of issued certificates to the PKI
//! directory ([`files`]), so a revoked certificate stays refused and the list stays. A PKI
//! directory without CA keys (`idlink-certs init`, an older mock) gives a desk that answers
//! [`DeskError::NoAuthority`].

mod files;

pub use files::INDEX_FILE;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use idlink_certs::issue::{ClientRequest, Revocation};
use idlink_certs::{DeskAuthority, KeyType, PkiError, Variant};
use idlink_protocol::FacilityCode;
use serde::{Deserialize, Serialize};

use crate::clock::rfc3339;
use crate::journal::JournalEvent;
use crate::state::CenterState;
use crate::tls::{ClientTrust, TlsError};

/// How the private key and the chain are handed over.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// The chain (leaf, intermediate) and a PKCS#8 key, as PEM text.
    #[default]
    Pem,
    /// One password-protected PKCS#12 file (`.p12`).
    Pkcs12,
}

impl Format {
    /// `pem` or `pkcs12`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Pem => "pem",
            Format::Pkcs12 => "pkcs12",
        }
    }
}

/// What an operator asks the desk for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueRequest {
    /// The facility (its account is `fac-<facility>`).
    pub facility: FacilityCode,
    /// The certificate variant.
    pub variant: Variant,
    /// The leaf key's algorithm.
    pub key_type: KeyType,
    /// PEM or PKCS#12.
    pub format: Format,
}

/// A certificate the desk issued, as listed and journaled: no secret in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuedCertificate {
    /// Serial number, lower-case hex (what the CRL and the journal's handshake entries name).
    pub serial: String,
    /// The transfer account it was issued with.
    pub account: String,
    /// The account's facility.
    pub facility: String,
    /// The facility the certificate names (another one for `other-facility`).
    pub certificate_facility: Option<String>,
    /// The variant.
    pub variant: Variant,
    /// The key algorithm.
    pub key_type: KeyType,
    /// How the key was handed over.
    pub format: Format,
    /// Subject, for people.
    pub subject: String,
    /// When the desk issued it (center time, RFC 3339).
    pub issued_at: String,
    /// Start of validity (RFC 3339).
    pub not_before: String,
    /// End of validity (RFC 3339).
    pub not_after: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
}

impl IssuedCertificate {
    /// Whether the issuing CA's CRL can list it (the unknown-CA and self-signed ones were not
    /// issued by that CA: the center refuses them anyway).
    pub fn revocable(&self) -> bool {
        !matches!(self.variant, Variant::UnknownCa | Variant::SelfSigned)
    }
}

/// The private key and chain, handed to the caller once.
pub enum Material {
    /// PEM text.
    Pem {
        /// Leaf then intermediate.
        chain: String,
        /// PKCS#8 `PRIVATE KEY`.
        key: String,
    },
    /// A PKCS#12 file and its password.
    Pkcs12 {
        /// The file's bytes.
        der: Vec<u8>,
        /// The password protecting it (generated).
        password: String,
    },
}

/// What [`issue`] returns: the record and, once, the secrets.
///
/// `Debug` shows the record only.
pub struct Issued {
    /// The public part.
    pub certificate: IssuedCertificate,
    /// The account's new password.
    pub password: String,
    /// Whether the account was created (else its password and state were reset).
    pub account_created: bool,
    /// The key and chain.
    pub material: Material,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("certificate", &self.certificate)
            .field("account_created", &self.account_created)
            .field("password", &"[redacted]")
            .field("material", &"[redacted]")
            .finish()
    }
}

/// Why the desk could not do what it was asked. The messages are English for logs; the admin
/// API and the web view say it in the request's language ([`DeskError::key`]).
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// The center was started from a PKI directory without CA keys.
    #[error(
        "the center was started from a PKI directory without CA keys (no ca/private/; \
         `idlink-certs init` and mocks before the desk kept its keys do not write them), so the \
         desk cannot issue or revoke: start `idlink-mock serve` with an empty PKI directory (move \
         DATA/pki aside) to generate a PKI with its keys"
    )]
    NoAuthority,
    /// No certificate with this serial was issued by the desk.
    #[error("the desk issued no certificate with serial {0}")]
    UnknownSerial(String),
    /// Revoked already.
    #[error("certificate {serial} was already revoked at {at}")]
    AlreadyRevoked {
        /// The serial.
        serial: String,
        /// When.
        at: String,
    },
    /// Not issued by the issuing CA: its CRL cannot list it.
    #[error("certificate {serial} ({variant}) was not issued by the issuing CA; nothing to revoke")]
    NotRevocable {
        /// The serial.
        serial: String,
        /// Its variant.
        variant: Variant,
    },
    /// Generating the certificate, the PKCS#12 file or the CRL failed.
    #[error(transparent)]
    Pki(#[from] PkiError),
    /// The listener refused the new CRL.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The CRL or the index of issued certificates could not be written (nothing changed).
    #[error(
        "cannot write {} (the desk changed nothing); check the PKI directory's space and \
         permissions",
        .path.display()
    )]
    Persist {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The blocking task that issues stopped before it answered.
    #[error("the issuing task stopped: {0}")]
    Task(String),
}

impl DeskError {
    /// The stable code (`desk-...`) and the catalogue key of the message.
    pub fn key(&self) -> &'static str {
        match self {
            DeskError::NoAuthority => "desk-no-authority",
            DeskError::UnknownSerial(_) => "desk-unknown-serial",
            DeskError::AlreadyRevoked { .. } => "desk-already-revoked",
            DeskError::NotRevocable { .. } => "desk-not-revocable",
            DeskError::Pki(_)
            | DeskError::Tls(_)
            | DeskError::Persist { .. }
            | DeskError::Task(_) => "desk-failed",
        }
    }
}

/// The desk's registry: what it issued and revoked, and the CRL in force.
pub struct Desk {
    /// The CA keys and the CRL the center started with; `None` when its PKI directory holds
    /// no CA keys.
    authority: Option<Arc<DeskAuthority>>,
    /// Where the CRLs and the index go; `None`: in memory only (an in-process center).
    files: Option<files::DeskFiles>,
    /// The mTLS listener's client check, which takes the new CRLs.
    trust: Arc<ClientTrust>,
    /// One mutex for the registry and the CRL: a revocation updates both together, and the
    /// lock is held only for a CRL signature and, with a PKI directory, the writes of the CRL
    /// and the index (an fsync each; callers run on a blocking thread), never across an await.
    inner: Mutex<Registry>,
}

impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // No lock here: a `{:?}` of the center while a revocation holds it must not wait.
        f.debug_struct("Desk")
            .field("available", &self.available())
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct Registry {
    /// Serial → record, sorted by serial; the pages sort by issue time themselves.
    issued: BTreeMap<String, IssuedCertificate>,
    /// Every revocation since the start, in order (earlier ones are in the authority's CRL).
    revoked: Vec<Revocation>,
    /// The number of the CRL in force (the generated ones are 1; a restart continues from the
    /// CRL on disk).
    crl_number: u64,
    /// The CRLs in force as PEM, once the desk signed one.
    crl_pem: Option<String>,
}

impl Desk {
    /// A desk over the center's CA keys (if it has them) and its mTLS client check; with a
    /// `pki_dir`, it writes its CRLs and index there and reads the index an earlier run wrote.
    /// A damaged index is logged and set aside in memory (the list starts empty); the CRL on
    /// disk still refuses what was revoked.
    pub fn new(
        authority: Option<Arc<DeskAuthority>>,
        pki_dir: Option<&Path>,
        trust: Arc<ClientTrust>,
    ) -> Self {
        let files = pki_dir.map(files::DeskFiles::in_pki_dir);
        let issued = match files.as_ref().map(files::DeskFiles::load_index) {
            Some(Ok(issued)) => issued,
            Some(Err(error)) => {
                tracing::warn!(%error, "the desk starts with an empty list of issued certificates");
                BTreeMap::new()
            }
            None => BTreeMap::new(),
        };
        Self {
            inner: Mutex::new(Registry {
                issued,
                crl_number: authority.as_ref().map_or(1, |a| a.crl_number()),
                ..Registry::default()
            }),
            authority,
            files,
            trust,
        }
    }

    fn registry(&self) -> MutexGuard<'_, Registry> {
        // Every update below is a map insert or a field store after the fallible work, so a
        // poisoned registry is still whole.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the desk can issue (the center holds its CA keys).
    pub fn available(&self) -> bool {
        self.authority.is_some()
    }

    /// Every certificate issued, newest first.
    pub fn list(&self) -> Vec<IssuedCertificate> {
        let mut list: Vec<_> = self.registry().issued.values().cloned().collect();
        list.sort_by(|a, b| b.issued_at.cmp(&a.issued_at).then(a.serial.cmp(&b.serial)));
        list
    }

    /// One issued certificate.
    pub fn get(&self, serial: &str) -> Option<IssuedCertificate> {
        self.registry()
            .issued
            .get(&serial.to_ascii_lowercase())
            .cloned()
    }

    /// The CRLs in force as PEM: the desk's latest, else the PKI's generated ones.
    pub fn crl_pem(&self) -> Option<String> {
        let registry = self.registry();
        registry
            .crl_pem
            .clone()
            .or_else(|| self.authority.as_ref().map(|a| a.crl_pem()))
    }

    /// The number of the CRL in force.
    pub fn crl_number(&self) -> u64 {
        self.registry().crl_number
    }
}

/// The account ID the desk issues for a facility, as on the demo sheets: `fac-<facility>`.
pub fn account_id(facility: &FacilityCode) -> String {
    format!("fac-{facility}")
}

/// Issues a certificate, creates or updates the account, journals it; for
/// [`Variant::Revoked`] also revokes it at once. Blocking (RSA key generation takes seconds):
/// async callers run it with `spawn_blocking`.
pub fn issue(center: &CenterState, request: &IssueRequest) -> Result<Issued, DeskError> {
    let desk = &center.desk;
    let authority = desk.authority.as_deref().ok_or(DeskError::NoAuthority)?;
    let now = center.clock.now();
    let identity = authority.issue_client(&ClientRequest {
        facility: request.facility.clone(),
        variant: request.variant,
        key_type: request.key_type,
        now,
    })?;
    let material = material(&identity, request.format)?;
    let account = account_id(&request.facility);
    let certificate = IssuedCertificate {
        serial: identity.serial_hex(),
        account: account.clone(),
        facility: request.facility.to_string(),
        certificate_facility: identity.facility().map(ToString::to_string),
        variant: request.variant,
        key_type: request.key_type,
        format: request.format,
        subject: identity.subject().to_owned(),
        issued_at: rfc3339(now),
        not_before: rfc3339(identity.not_before()),
        not_after: rfc3339(identity.not_after()),
        revoked_at: None,
    };
    {
        // Recorded on disk first: if that fails, nothing was handed out or changed.
        let mut registry = desk.registry();
        let mut issued = registry.issued.clone();
        issued.insert(certificate.serial.clone(), certificate.clone());
        if let Some(files) = &desk.files {
            files.write_index(&issued)?;
        }
        registry.issued = issued;
    }
    let password = password();
    let account_created =
        center
            .accounts
            .set_certificate_account(&account, &request.facility, &password);
    center
        .journal
        .record(None, None, issued_event(&certificate, account_created));
    let certificate = if request.variant == Variant::Revoked {
        revoke(center, &certificate.serial)?
    } else {
        certificate
    };
    Ok(Issued {
        certificate,
        password,
        account_created,
        material,
    })
}

/// The key and chain in the asked format; a PKCS#12 file gets a password of its own.
fn material(identity: &idlink_certs::Identity, format: Format) -> Result<Material, PkiError> {
    Ok(match format {
        Format::Pem => Material::Pem {
            chain: identity.chain_pem(),
            key: identity.key_pem(),
        },
        Format::Pkcs12 => {
            let password = password();
            Material::Pkcs12 {
                der: identity.to_pkcs12(&password)?,
                password,
            }
        }
    })
}

/// The journal entry of an issue: the record's public facts only.
fn issued_event(certificate: &IssuedCertificate, account_created: bool) -> JournalEvent {
    JournalEvent::CertificateIssued {
        account: certificate.account.clone(),
        facility: certificate.facility.clone(),
        certificate_facility: certificate.certificate_facility.clone(),
        serial: certificate.serial.clone(),
        variant: certificate.variant.slug().to_owned(),
        key_type: certificate.key_type.to_string(),
        format: certificate.format.as_str().to_owned(),
        not_before: certificate.not_before.clone(),
        not_after: certificate.not_after.clone(),
        account_created,
    }
}

/// Revokes a certificate the desk issued: a new CRL, in force for the next handshake, and a
/// journal entry.
pub fn revoke(center: &CenterState, serial: &str) -> Result<IssuedCertificate, DeskError> {
    let desk = &center.desk;
    let authority = desk.authority.as_deref().ok_or(DeskError::NoAuthority)?;
    let serial = serial.to_ascii_lowercase();
    let now = center.clock.now();
    let mut registry = desk.registry();
    let record = registry
        .issued
        .get(&serial)
        .cloned()
        .ok_or_else(|| DeskError::UnknownSerial(serial.clone()))?;
    if let Some(at) = &record.revoked_at {
        return Err(DeskError::AlreadyRevoked {
            serial,
            at: at.clone(),
        });
    }
    if !record.revocable() {
        return Err(DeskError::NotRevocable {
            serial,
            variant: record.variant,
        });
    }
    let bytes = hex::decode(&serial).map_err(|_| DeskError::UnknownSerial(serial.clone()))?;
    let mut revoked = registry.revoked.clone();
    revoked.push(Revocation {
        serial: bytes,
        at: now,
    });
    let number = registry.crl_number + 1;
    let crls = authority.crls_revoking(&revoked, number, now)?;
    let mut record = record;
    record.revoked_at = Some(rfc3339(now));
    let mut issued = registry.issued.clone();
    issued.insert(serial.clone(), record.clone());
    if let Some(files) = &desk.files {
        // On disk before in force: the next start loads this CRL, so a revocation the listener
        // applies is never lost by a restart. A failure here changes nothing.
        files.write_crl(&crls.pem)?;
        files.write_index(&issued)?;
    }
    desk.trust.replace_crls(crls.der)?;
    // The listener has the new CRL: only now does the registry say so.
    registry.revoked = revoked;
    registry.crl_number = number;
    registry.crl_pem = Some(crls.pem);
    registry.issued = issued;
    drop(registry);
    center.journal.record(
        None,
        None,
        JournalEvent::CertificateRevoked {
            serial,
            account: record.account.clone(),
            facility: record.facility.clone(),
            crl_number: number,
        },
    );
    Ok(record)
}

/// A password for a sheet: 16 characters from letters and digits that cannot be misread on
/// paper (no 0/O, 1/l/I), from the operating system's random generator (through UUID v4).
fn password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let random = [uuid::Uuid::new_v4(), uuid::Uuid::new_v4()];
    // Bytes 6 and 8 of a v4 UUID carry its version and variant bits: skip them.
    random
        .iter()
        .flat_map(|u| {
            u.as_bytes()
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != 6 && *i != 8)
                .map(|(_, b)| *b)
                .collect::<Vec<_>>()
        })
        .take(16)
        .map(|b| char::from(ALPHABET[usize::from(b) % ALPHABET.len()]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_sixteen_unambiguous_characters_and_differ() {
        let a = password();
        let b = password();
        assert_eq!(a.chars().count(), 16);
        assert_ne!(a, b);
        assert!(!a.contains(['0', 'O', '1', 'l', 'I']), "{a}");
    }

    #[test]
    fn issued_secrets_stay_out_of_debug_output() {
        let issued = Issued {
            certificate: IssuedCertificate {
                serial: "0a".into(),
                account: "fac-0133333333".into(),
                facility: "0133333333".into(),
                certificate_facility: None,
                variant: Variant::Valid,
                key_type: KeyType::EcdsaP256,
                format: Format::Pem,
                subject: "CN=x".into(),
                issued_at: String::new(),
                not_before: String::new(),
                not_after: String::new(),
                revoked_at: None,
            },
            password: "sekret-password".into(),
            account_created: true,
            material: Material::Pem {
                chain: String::new(),
                key: "-----BEGIN PRIVATE KEY-----".into(),
            },
        };
        let debug = format!("{issued:?}");
        assert!(
            !debug.contains("sekret") && !debug.contains("PRIVATE"),
            "{debug}"
        );
    }
}
