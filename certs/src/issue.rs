//! Issuing after generation: the certificate desk's half of the PKI.
//!
//! The real service center sends each facility its client certificate with the transfer account
//! sheet; the mock's certificate desk does the same on request, long after the [`Pki`] was
//! generated. [`Pki::issue_client`] signs one more client certificate of any [`Variant`] for any
//! facility with the CA keys the `Pki` kept, and [`Pki::crls_revoking`] signs a fresh CRL of the
//! issuing CA that names more revoked serials. The CA keys never leave the `Pki`: nothing here
//! returns, writes or prints them.

use std::sync::Arc;

use idlink_protocol::FacilityCode;
use rustls_pki_types::CertificateRevocationListDer;
use time::OffsetDateTime;

use crate::authority::DeskAuthority;
use crate::identity::Identity;
use crate::pki::{KeyType, Pki, PkiError};
use crate::variant::Variant;

/// What to issue: one client certificate for a facility.
///
/// ```
/// use idlink_certs::{KeyType, Pki, Variant, issue::ClientRequest};
/// let pki = Pki::generate().unwrap();
/// let facility = idlink_protocol::FacilityCode::parse("0133333333").unwrap();
/// let request = ClientRequest::new(facility.clone(), Variant::Valid);
/// let identity = pki.issue_client(&request).unwrap();
/// assert_eq!(identity.facility(), Some(&facility));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRequest {
    /// The facility the certificate is for. [`Variant::OtherFacility`] binds the certificate to
    /// another facility than this one (the account stays this facility's).
    pub facility: FacilityCode,
    /// Which certificate: the valid one or one of the broken ones.
    pub variant: Variant,
    /// The leaf's key algorithm (the CA keys stay what the PKI was generated with).
    pub key_type: KeyType,
    /// The moment validity periods are computed from: the center's clock, which a scenario may
    /// have moved away from the machine's.
    pub now: OffsetDateTime,
}

impl ClientRequest {
    /// An ECDSA P-256 certificate of `variant` for `facility`, valid from the system clock.
    pub fn new(facility: FacilityCode, variant: Variant) -> Self {
        Self {
            facility,
            variant,
            key_type: KeyType::EcdsaP256,
            now: OffsetDateTime::now_utc(),
        }
    }
}

/// A serial the issuing CA revoked, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// The certificate's serial number, big-endian bytes (as [`Identity::serial_hex`] shows).
    pub serial: Vec<u8>,
    /// When it was revoked.
    pub at: OffsetDateTime,
}

/// A set of CRLs as DER (for a verifier) and as concatenated PEM (for people and files).
#[derive(Debug, Clone)]
pub struct Crls {
    /// The issuing CA's CRL, then the root's (see [`Pki::crl_der`]).
    pub der: Vec<CertificateRevocationListDer<'static>>,
    /// The same, PEM.
    pub pem: String,
}

impl Pki {
    /// Signs one more client certificate. The validity follows the variant as in
    /// [`Pki::generate`] (a year from `now`, or expired 30 days ago, or starting in 30 days);
    /// [`Variant::Revoked`] is issued like a valid one: the caller revokes it with
    /// [`Pki::crls_revoking`]. RSA-2048 keys take seconds in a debug build.
    pub fn issue_client(&self, request: &ClientRequest) -> Result<Identity, PkiError> {
        self.authority.issue_client(request)
    }

    /// The CRLs again, the issuing CA's now also naming `revoked` (the generated
    /// [`Variant::Revoked`] certificate stays listed), numbered `number` (CRL numbers only grow:
    /// the generated CRLs are number 1). The root's CRL is unchanged.
    pub fn crls_revoking(
        &self,
        revoked: &[Revocation],
        number: u64,
        now: OffsetDateTime,
    ) -> Result<Crls, PkiError> {
        self.authority.crls_revoking(revoked, number, now)
    }

    /// The facility a [`Variant::OtherFacility`] certificate for `facility` names: the PKI's
    /// other facility, or its own facility when `facility` is that other one.
    pub fn other_facility_than(&self, facility: &FacilityCode) -> FacilityCode {
        self.authority.other_facility_than(facility)
    }

    /// The desk's signing authority of this PKI (shared, not copied: the keys stay in one place).
    pub fn desk_authority(&self) -> Arc<DeskAuthority> {
        self.authority.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect;

    fn code(text: &str) -> FacilityCode {
        FacilityCode::parse(text).unwrap()
    }

    #[test]
    fn an_issued_valid_certificate_chains_to_the_root_and_names_its_facility() {
        let pki = Pki::generate().unwrap();
        let facility = code("0133333333");
        let identity = pki
            .issue_client(&ClientRequest::new(facility.clone(), Variant::Valid))
            .unwrap();
        assert_eq!(identity.facility(), Some(&facility));
        assert_eq!(inspect::facility_of(identity.cert_der()), Some(facility));
        assert_eq!(identity.chain_der()[1], pki.intermediate_der());
        assert_ne!(
            identity.serial_hex(),
            pki.client(Variant::Valid).serial_hex()
        );
    }

    #[test]
    fn the_other_facility_variant_never_names_the_requested_facility() {
        let pki = Pki::generate().unwrap();
        for asked in [pki.facility().clone(), pki.other_facility().clone()] {
            let identity = pki
                .issue_client(&ClientRequest::new(asked.clone(), Variant::OtherFacility))
                .unwrap();
            assert_ne!(identity.facility(), Some(&asked));
        }
    }

    #[test]
    fn a_revocation_lands_in_a_new_crl_next_to_the_generated_one() {
        let pki = Pki::generate().unwrap();
        let identity = pki
            .issue_client(&ClientRequest::new(code("0133333333"), Variant::Valid))
            .unwrap();
        let now = OffsetDateTime::now_utc();
        let revoked = [Revocation {
            serial: identity.serial.clone(),
            at: now,
        }];
        let crls = pki.crls_revoking(&revoked, 2, now).unwrap();
        assert_eq!(crls.der.len(), pki.crl_der().len());
        for listed in [&identity, pki.client(Variant::Revoked)] {
            assert_eq!(
                inspect::revoked_in(listed.cert_der(), &crls.der),
                Some(0),
                "{} must be listed in the issuing CA's CRL",
                listed.serial_hex()
            );
        }
        assert_eq!(
            inspect::revoked_in(pki.client(Variant::Valid).cert_der(), &crls.der),
            None
        );
        assert!(crls.pem.matches("BEGIN X509 CRL").count() == 2);
    }

    #[test]
    fn keys_never_show_in_debug_output() {
        let pki = Pki::generate().unwrap();
        let debug = format!("{pki:?}");
        assert!(!debug.contains("PRIVATE"), "{debug}");
        assert!(debug.contains("[CA keys redacted]"), "{debug}");
    }
}
