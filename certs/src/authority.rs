//! The certificate desk's signing authority: the issuing CA's and the untrusted CA's keys with
//! the CRL in force, kept in memory by a generated [`Pki`](crate::Pki) and, for the mock only,
//! restorable from a PKI directory so the desk survives a restart.
//!
//! TEST PKI ONLY. [`Pki::write_with_ca_keys`](crate::Pki::write_with_ca_keys) writes the two CA
//! private keys as PEM files readable by the owner alone (0600 in a 0700 `ca/private/`), next to
//! certificates whose only purpose is conformance testing. A real CA keeps its keys in an HSM;
//! nothing here is a pattern for that. `idlink-certs init` never writes them.

use std::path::Path;

use idlink_protocol::FacilityCode;
use rcgen::{Issuer, KeyPair, RevocationReason, RevokedCertParams, SerialNumber};
use rustls_pki_types::CertificateRevocationListDer;
use rustls_pki_types::pem::PemObject;
use time::OffsetDateTime;

use crate::identity::Identity;
use crate::issue::{ClientRequest, Crls, Revocation};
use crate::load::LoadError;
use crate::manifest::{MANIFEST_FILE, Manifest};
use crate::pki::{CaCert, Crl, Generator, KeyType, LeafSpec, PkiError, Signer};
use crate::pki::{client_subject, san_uri};
use crate::variant::Variant;

/// The directory of the CA private keys inside a PKI directory (0700).
pub const CA_KEY_DIR: &str = "ca/private";
/// The issuing (intermediate) CA's private key, PKCS#8 PEM (0600). Test PKI only.
pub const ISSUING_CA_KEY_FILE: &str = "ca/private/issuing-ca.key.pem";
/// The untrusted CA's private key, PKCS#8 PEM (0600). Test PKI only.
pub const UNKNOWN_CA_KEY_FILE: &str = "ca/private/unknown-ca.key.pem";
/// The issuing CA's certificate.
pub const ISSUING_CA_FILE: &str = "ca/intermediate-ca.pem";
/// The CRLs: the issuing CA's first, then the root's.
pub const CRL_FILE: &str = "ca/crl.pem";

/// What the certificate desk signs with: both CA keys and the CRLs in force.
///
/// `Debug` names the facility and the CRL number, never a key.
pub struct DeskAuthority {
    pub(crate) facility: FacilityCode,
    pub(crate) other_facility: FacilityCode,
    pub(crate) intermediate: CaCert,
    pub(crate) issuing: Issuer<'static, KeyPair>,
    pub(crate) unknown: Issuer<'static, KeyPair>,
    /// What the issuing CA's CRL in force lists; a new CRL lists these and more.
    pub(crate) listed: Vec<Revocation>,
    /// The number of the issuing CA's CRL in force.
    pub(crate) crl_number: u64,
    /// The CRLs in force, the issuing CA's first.
    pub(crate) crls: Vec<Crl>,
}

impl std::fmt::Debug for DeskAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeskAuthority")
            .field("facility", &self.facility)
            .field("issuing_ca", &self.intermediate.subject)
            .field("crl_number", &self.crl_number)
            .field("keys", &"[CA keys redacted]")
            .finish_non_exhaustive()
    }
}

impl DeskAuthority {
    /// Restores the authority from a PKI directory written by
    /// [`Pki::write_with_ca_keys`](crate::Pki::write_with_ca_keys): `Ok(None)` when the directory
    /// holds no CA keys (written by `idlink-certs init` or an older mock), an error naming the
    /// file when a file is there but unusable. The CRL number and the revoked serials continue
    /// from `ca/crl.pem`, so the next CRL supersedes the one on disk.
    pub fn load(dir: &Path) -> Result<Option<Self>, LoadError> {
        let issuing_key = dir.join(ISSUING_CA_KEY_FILE);
        let unknown_key = dir.join(UNKNOWN_CA_KEY_FILE);
        if !issuing_key.is_file() || !unknown_key.is_file() {
            return Ok(None);
        }
        let manifest_path = dir.join(MANIFEST_FILE);
        let manifest: Manifest = serde_json::from_slice(&read(&manifest_path)?)
            .map_err(|e| corrupt(&manifest_path, "manifest", e.to_string()))?;
        let intermediate = ca_cert(&dir.join(ISSUING_CA_FILE))?;
        let unknown = ca_cert(&dir.join("ca/unknown-ca.pem"))?;
        let issuing = issuer(&intermediate, &issuing_key)?;
        let unknown = issuer(&unknown, &unknown_key)?;
        let crl_path = dir.join(CRL_FILE);
        let crls = crls_pem(&crl_path)?;
        let (listed, crl_number) = listed_in(&crls, &intermediate).ok_or_else(|| {
            corrupt(
                &crl_path,
                "CRL",
                "it holds no CRL of the issuing CA; restore the file the mock wrote".to_owned(),
            )
        })?;
        Ok(Some(Self {
            facility: manifest.facility,
            other_facility: manifest.other_facility,
            intermediate,
            issuing,
            unknown,
            listed,
            crl_number,
            crls,
        }))
    }

    /// The facility the PKI was generated for.
    pub fn facility(&self) -> &FacilityCode {
        &self.facility
    }

    /// The number of the issuing CA's CRL in force (a generated PKI's is 1).
    pub fn crl_number(&self) -> u64 {
        self.crl_number
    }

    /// The CRLs in force as concatenated PEM, the issuing CA's first.
    pub fn crl_pem(&self) -> String {
        self.crls.iter().map(|c| c.pem.as_str()).collect()
    }

    /// The CRLs in force as DER, in the order of [`DeskAuthority::crl_pem`].
    pub fn crl_der(&self) -> Vec<CertificateRevocationListDer<'static>> {
        self.crls.iter().map(|c| c.der.clone()).collect()
    }

    /// Signs one more client certificate; see [`Pki::issue_client`](crate::Pki::issue_client).
    pub fn issue_client(&self, request: &ClientRequest) -> Result<Identity, PkiError> {
        let variant = request.variant;
        let code = if variant == Variant::OtherFacility {
            self.other_facility_than(&request.facility)
        } else {
            request.facility.clone()
        };
        let mut generator = Generator::new(request.key_type, request.now)?;
        let clock = generator.clock;
        let validity = match variant {
            Variant::Expired => clock.expired(),
            Variant::NotYetValid => clock.not_yet_valid(),
            _ => clock.leaf(),
        };
        let signer = match variant {
            Variant::UnknownCa => Signer::UntrustedRoot(&self.unknown),
            Variant::SelfSigned => Signer::Itself,
            _ => Signer::Intermediate(&self.issuing, &self.intermediate),
        };
        let eku = match variant {
            Variant::WrongEku => rcgen::ExtendedKeyUsagePurpose::ServerAuth,
            _ => rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        };
        let (subject, subject_text) = client_subject(&code, variant);
        generator.leaf(LeafSpec {
            name: format!("client-{}-{}", request.facility, variant.slug()),
            subject,
            subject_text,
            sans: vec![san_uri(&code.to_urn())?],
            eku,
            validity,
            facility: Some(code),
            signer,
        })
    }

    /// The CRLs again, the issuing CA's listing what the CRL in force lists plus `revoked`,
    /// numbered `number` (which must exceed [`DeskAuthority::crl_number`] for a verifier to
    /// prefer it). The other CRLs are unchanged.
    pub fn crls_revoking(
        &self,
        revoked: &[Revocation],
        number: u64,
        now: OffsetDateTime,
    ) -> Result<Crls, PkiError> {
        let listed = self
            .listed
            .iter()
            .chain(revoked)
            .map(|r| RevokedCertParams {
                serial_number: SerialNumber::from_slice(&r.serial),
                revocation_time: r.at.replace_nanosecond(0).unwrap_or(r.at),
                reason_code: Some(RevocationReason::KeyCompromise),
                invalidity_date: None,
            })
            .collect();
        // The generator's key type only matters for leaves; a CRL is signed by the CA's key.
        let mut generator = Generator::new(KeyType::default(), now)?;
        let issuing = generator.crl(&self.issuing, &self.intermediate, listed, number)?;
        let mut der = vec![issuing.der];
        let mut pem = issuing.pem;
        for unchanged in &self.crls[1..] {
            der.push(unchanged.der.clone());
            pem.push_str(&unchanged.pem);
        }
        Ok(Crls { der, pem })
    }

    /// The facility a [`Variant::OtherFacility`] certificate for `facility` names: the PKI's
    /// other facility, or its own facility when `facility` is that other one.
    pub fn other_facility_than(&self, facility: &FacilityCode) -> FacilityCode {
        if &self.other_facility == facility {
            self.facility.clone()
        } else {
            self.other_facility.clone()
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, LoadError> {
    std::fs::read(path).map_err(|source| LoadError::Read {
        path: path.to_owned(),
        source,
    })
}

fn corrupt(path: &Path, what: &'static str, reason: String) -> LoadError {
    LoadError::Corrupt {
        path: path.to_owned(),
        what,
        reason,
    }
}

/// A CA certificate file, with what signing and CRLs need from it.
fn ca_cert(path: &Path) -> Result<CaCert, LoadError> {
    let pem = String::from_utf8(read(path)?)
        .map_err(|e| corrupt(path, "PEM certificate", e.to_string()))?;
    let der = crate::load::certificates_pem(path)?
        .into_iter()
        .next()
        .ok_or_else(|| corrupt(path, "PEM certificate", "no certificate in it".to_owned()))?;
    let info = crate::inspect::cert_info(&der)
        .map_err(|e| corrupt(path, "PEM certificate", e.to_string()))?;
    Ok(CaCert {
        subject: info.subject.clone(),
        der,
        pem,
        not_before: info.not_before,
        not_after: info.not_after,
    })
}

/// The signing half of a CA: its certificate's names and its key file.
fn issuer(ca: &CaCert, key_path: &Path) -> Result<Issuer<'static, KeyPair>, LoadError> {
    let text = String::from_utf8(read(key_path)?)
        .map_err(|e| corrupt(key_path, "PEM private key", e.to_string()))?;
    let key = KeyPair::from_pem(&text)
        .map_err(|e| corrupt(key_path, "PEM private key", e.to_string()))?;
    Issuer::from_ca_cert_der(&ca.der, key).map_err(|e| {
        corrupt(
            key_path,
            "CA key",
            format!("cannot use it with {}: {e}", ca.subject),
        )
    })
}

/// Every CRL of a PEM file, each with its own PEM text.
fn crls_pem(path: &Path) -> Result<Vec<Crl>, LoadError> {
    let text = String::from_utf8(read(path)?).map_err(|e| corrupt(path, "CRL", e.to_string()))?;
    const END: &str = "-----END X509 CRL-----";
    let mut crls = Vec::new();
    for block in text.split_inclusive(END).filter(|b| b.contains(END)) {
        let start = block
            .find("-----BEGIN X509 CRL-----")
            .ok_or_else(|| corrupt(path, "CRL", "an END line without BEGIN".to_owned()))?;
        let pem = format!("{}\n", block[start..].trim_end());
        let der = CertificateRevocationListDer::from_pem_slice(pem.as_bytes())
            .map_err(|e| corrupt(path, "CRL", e.to_string()))?;
        crls.push(Crl { der, pem });
    }
    Ok(crls)
}

/// Moves the issuing CA's CRL first and returns what it lists and its number.
fn listed_in(crls: &[Crl], issuing: &CaCert) -> Option<(Vec<Revocation>, u64)> {
    let (_, ca) = x509_parser::parse_x509_certificate(&issuing.der).ok()?;
    let first = crls.first()?;
    let (_, crl) = x509_parser::parse_x509_crl(&first.der).ok()?;
    if crl.issuer().as_raw() != ca.subject().as_raw() {
        return None;
    }
    let number = crl.crl_number().map_or(1, |n| {
        n.to_bytes_be().iter().fold(0u64, |acc, b| {
            acc.saturating_mul(256).saturating_add(u64::from(*b))
        })
    });
    let listed = crl
        .iter_revoked_certificates()
        .map(|r| Revocation {
            serial: r.raw_serial().to_vec(),
            at: OffsetDateTime::from_unix_timestamp(r.revocation_date.timestamp())
                .unwrap_or(OffsetDateTime::UNIX_EPOCH),
        })
        .collect();
    Some((listed, number))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Pki;
    use crate::manifest::FileKind;

    #[test]
    fn a_directory_without_ca_keys_restores_no_authority() {
        let pki = Pki::generate().unwrap();
        let dir = tempfile::tempdir().unwrap();
        pki.write_to(dir.path(), crate::DEFAULT_P12_PASSWORD)
            .unwrap();
        assert!(!dir.path().join(CA_KEY_DIR).exists());
        assert!(DeskAuthority::load(dir.path()).unwrap().is_none());
    }

    #[cfg(unix)]
    #[test]
    fn the_ca_keys_are_owner_only_and_listed_in_the_manifest() {
        use std::os::unix::fs::PermissionsExt;
        let pki = Pki::generate().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let manifest = pki
            .write_with_ca_keys(dir.path(), crate::DEFAULT_P12_PASSWORD)
            .unwrap();
        let mode = |rel: &str| {
            std::fs::metadata(dir.path().join(rel))
                .unwrap()
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode(CA_KEY_DIR), 0o700);
        for key in [ISSUING_CA_KEY_FILE, UNKNOWN_CA_KEY_FILE] {
            assert_eq!(mode(key), 0o600, "{key}");
            assert!(
                manifest
                    .files
                    .iter()
                    .any(|f| f.path == key && f.kind == FileKind::CaPrivateKey),
                "{key} is in the manifest"
            );
        }
        let readme = std::fs::read_to_string(dir.path().join("README.txt")).unwrap();
        assert!(readme.contains("TEST PKI ONLY"), "{readme}");
    }

    #[test]
    fn a_restored_authority_issues_under_the_same_ca_and_continues_the_crl() {
        let pki = Pki::generate().unwrap();
        let dir = tempfile::tempdir().unwrap();
        pki.write_with_ca_keys(dir.path(), crate::DEFAULT_P12_PASSWORD)
            .unwrap();
        let facility = FacilityCode::parse("0133333333").unwrap();
        let revoked = pki
            .issue_client(&ClientRequest::new(facility.clone(), Variant::Valid))
            .unwrap();
        let now = OffsetDateTime::now_utc();
        let first = [Revocation {
            serial: revoked.serial.clone(),
            at: now,
        }];
        let crls = pki.crls_revoking(&first, 2, now).unwrap();
        std::fs::write(dir.path().join(CRL_FILE), &crls.pem).unwrap();

        let restored = DeskAuthority::load(dir.path())
            .unwrap()
            .expect("keys on disk");
        assert_eq!(restored.crl_number(), 2);
        assert_eq!(restored.facility(), pki.facility());
        let issued = restored
            .issue_client(&ClientRequest::new(facility, Variant::Valid))
            .unwrap();
        assert_eq!(issued.chain_der()[1], pki.intermediate_der());
        crate::inspect::verify_chain(
            issued.cert_der(),
            &[pki.intermediate_der()],
            &[pki.ca_der()],
            &[],
            crate::inspect::Usage::Client,
            now,
        )
        .unwrap();
        // The next CRL lists the earlier revocations, the generated one and the new one.
        let next = [Revocation {
            serial: issued.serial.clone(),
            at: now,
        }];
        let crls = restored.crls_revoking(&next, 3, now).unwrap();
        for listed in [&revoked, &issued, pki.client(Variant::Revoked)] {
            assert_eq!(
                crate::inspect::revoked_in(listed.cert_der(), &crls.der),
                Some(0)
            );
        }
        assert_eq!(crls.der.len(), pki.crl_der().len());
    }

    #[test]
    fn keys_never_show_in_the_authoritys_debug_output() {
        let pki = Pki::generate().unwrap();
        let debug = format!("{:?}", pki.desk_authority());
        assert!(!debug.contains("PRIVATE"), "{debug}");
        assert!(debug.contains("[CA keys redacted]"), "{debug}");
    }
}
