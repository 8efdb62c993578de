//! Generating the whole test PKI in memory: root CA → intermediate → leaves, the broken variants,
//! a second untrusted CA, and the CRLs.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use idlink_protocol::FacilityCode;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DistinguishedName,
    DnType, DnValue, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose,
    RevocationReason, RevokedCertParams, SanType, SerialNumber,
};
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, PrivatePkcs8KeyDer};
use time::{Duration, OffsetDateTime};

use crate::authority::DeskAuthority;
use crate::identity::Identity;
use crate::variant::{ServerVariant, Variant};

/// The facility a generated PKI is bound to unless told otherwise.
pub const DEFAULT_FACILITY: &str = "0112345678";
/// The "different facility" of [`Variant::OtherFacility`] unless told otherwise.
pub const DEFAULT_OTHER_FACILITY: &str = "0198765432";
/// The X.520 `serialNumber` attribute (2.5.4.5) that carries the facility code in the subject.
pub const SUBJECT_SERIAL_NUMBER_OID: &[u64] = &[2, 5, 4, 5];
/// The host name the [`ServerVariant::WrongHost`] certificate is issued for.
pub const WRONG_HOST: &str = "wrong-host.invalid";

/// Why the PKI could not be generated or written.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// rcgen refused to build a certificate, key or CRL.
    #[error("could not generate {what}")]
    Generate {
        /// Which object was being generated.
        what: String,
        /// rcgen's reason.
        #[source]
        source: rcgen::Error,
    },
    /// The RSA key generator failed.
    #[error("could not generate an RSA-2048 key for {what}: {reason}")]
    RsaKey {
        /// Which certificate the key was for.
        what: String,
        /// The generator's reason.
        reason: String,
    },
    /// The operating system's random number generator failed.
    #[error("could not get random bytes for serial numbers: {reason}")]
    Random {
        /// The generator's reason.
        reason: String,
    },
    /// The facility and the "other" facility are the same, which would make
    /// [`Variant::OtherFacility`] valid for the account under test.
    #[error("the other facility must differ from the facility (both are {0})")]
    SameFacility(FacilityCode),
    /// Writing a PKCS#12 file failed.
    #[error("could not write the PKCS#12 file for {name}: {reason}")]
    Pkcs12 {
        /// The identity's name.
        name: String,
        /// p12-keystore's reason.
        reason: String,
    },
    /// The output directory already holds files.
    #[error(
        "{} is not empty; choose an empty directory or pass --force to overwrite its files",
        .path.display()
    )]
    OutputNotEmpty {
        /// The directory.
        path: std::path::PathBuf,
    },
    /// Writing a file failed.
    #[error("could not write {}", .path.display())]
    Write {
        /// The file or directory.
        path: std::path::PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// The key algorithm of every key in a generated PKI.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
pub enum KeyType {
    /// ECDSA on P-256 with SHA-256: fast to generate, the default.
    #[default]
    #[value(name = "ecdsa")]
    #[serde(rename = "ecdsa-p256", alias = "ecdsa")]
    EcdsaP256,
    /// RSA-2048 with PKCS#1 v1.5 SHA-256 signatures, which many vendor stacks expect. Generating
    /// the keys takes seconds, so only ask for it when needed.
    #[value(name = "rsa")]
    #[serde(rename = "rsa-2048", alias = "rsa")]
    Rsa2048,
}

impl std::fmt::Display for KeyType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            KeyType::EcdsaP256 => "ECDSA P-256",
            KeyType::Rsa2048 => "RSA-2048",
        })
    }
}

/// A CA certificate of the test PKI (root, intermediate or the untrusted one).
#[derive(Debug, Clone)]
pub(crate) struct CaCert {
    pub(crate) subject: String,
    pub(crate) der: CertificateDer<'static>,
    pub(crate) pem: String,
    pub(crate) not_before: OffsetDateTime,
    pub(crate) not_after: OffsetDateTime,
}

/// A CRL with its PEM form and the CA that signed it.
#[derive(Debug, Clone)]
pub(crate) struct Crl {
    pub(crate) der: CertificateRevocationListDer<'static>,
    pub(crate) pem: String,
}

/// A complete test PKI, generated in memory.
///
/// ```
/// use idlink_certs::{Pki, Variant};
/// let pki = Pki::generate().unwrap();
/// assert_eq!(pki.client(Variant::Valid).facility(), Some(pki.facility()));
/// ```
pub struct Pki {
    pub(crate) facility: FacilityCode,
    pub(crate) other_facility: FacilityCode,
    pub(crate) key_type: KeyType,
    pub(crate) generated_at: OffsetDateTime,
    pub(crate) root: CaCert,
    pub(crate) intermediate: CaCert,
    pub(crate) unknown_ca: CaCert,
    /// The intermediate's CRL first (it lists the revoked client), then the root's (empty, but
    /// it lets full-chain revocation checking decide about the intermediate).
    pub(crate) crls: Vec<Crl>,
    /// Indexed by [`Variant::index`].
    pub(crate) clients: Vec<Identity>,
    /// Indexed by [`ServerVariant::index`].
    pub(crate) servers: Vec<Identity>,
    /// The issuing CA's and the untrusted CA's keys, kept so the certificate desk can issue and
    /// revoke later ([`Pki::issue_client`], [`Pki::crls_revoking`]). The root signs nothing after
    /// generation (its CRL stays empty). Written only by [`Pki::write_with_ca_keys`], never in
    /// `Debug`; no accessor hands a key out.
    pub(crate) authority: Arc<DeskAuthority>,
}

impl std::fmt::Debug for Pki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pki")
            .field("facility", &self.facility)
            .field("other_facility", &self.other_facility)
            .field("key_type", &self.key_type)
            .field("root", &self.root.subject)
            .field("clients", &self.clients)
            .field("servers", &self.servers)
            .field("authority", &"[CA keys redacted]")
            .finish_non_exhaustive()
    }
}

/// Options for [`Pki::builder`]; every one has a default.
#[derive(Debug, Clone)]
pub struct PkiBuilder {
    facility: Option<FacilityCode>,
    other_facility: Option<FacilityCode>,
    key_type: KeyType,
    now: Option<OffsetDateTime>,
}

impl PkiBuilder {
    /// The facility the valid and broken client certificates are bound to.
    pub fn facility(mut self, facility: FacilityCode) -> Self {
        self.facility = Some(facility);
        self
    }

    /// The facility of [`Variant::OtherFacility`]; must differ from [`PkiBuilder::facility`].
    pub fn other_facility(mut self, facility: FacilityCode) -> Self {
        self.other_facility = Some(facility);
        self
    }

    /// The key algorithm for every key.
    pub fn key_type(mut self, key_type: KeyType) -> Self {
        self.key_type = key_type;
        self
    }

    /// The moment validity periods are computed from (default: the system clock), so tests can
    /// generate a PKI as of another time.
    pub fn now(mut self, now: OffsetDateTime) -> Self {
        self.now = Some(now);
        self
    }

    /// Generates every key, certificate and CRL.
    pub fn build(self) -> Result<Pki, PkiError> {
        let facility = match self.facility {
            Some(f) => f,
            None => default_code(DEFAULT_FACILITY),
        };
        let other_facility = match self.other_facility {
            Some(f) => f,
            // Follow an explicit facility that happens to equal the default "other" one.
            None if facility.as_str() == DEFAULT_OTHER_FACILITY => default_code(DEFAULT_FACILITY),
            None => default_code(DEFAULT_OTHER_FACILITY),
        };
        if facility == other_facility {
            return Err(PkiError::SameFacility(facility));
        }
        let now = self.now.unwrap_or_else(OffsetDateTime::now_utc);
        Generator::new(self.key_type, now)?.run(facility, other_facility)
    }
}

/// Parses one of the built-in facility codes.
fn default_code(code: &str) -> FacilityCode {
    // Invariant: the DEFAULT_* constants are 10 ASCII digits (checked by a unit test).
    FacilityCode::parse(code).unwrap_or_else(|e| unreachable!("built-in facility code: {e}"))
}

impl Pki {
    /// The default PKI: ECDSA P-256, facility 0112345678, other facility 0198765432.
    /// Takes milliseconds.
    pub fn generate() -> Result<Pki, PkiError> {
        Self::builder().build()
    }

    /// Starts a builder for a PKI with another facility or key type.
    pub fn builder() -> PkiBuilder {
        PkiBuilder {
            facility: None,
            other_facility: None,
            key_type: KeyType::default(),
            now: None,
        }
    }

    /// The facility every client variant except [`Variant::OtherFacility`] is bound to.
    pub fn facility(&self) -> &FacilityCode {
        &self.facility
    }

    /// The facility of [`Variant::OtherFacility`].
    pub fn other_facility(&self) -> &FacilityCode {
        &self.other_facility
    }

    /// The key algorithm of every key.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The moment the validity periods were computed from.
    pub fn generated_at(&self) -> OffsetDateTime {
        self.generated_at
    }

    /// The root CA certificate as PEM: the trust anchor a client or server configures.
    pub fn ca_pem(&self) -> String {
        self.root.pem.clone()
    }

    /// The root CA certificate as DER.
    pub fn ca_der(&self) -> CertificateDer<'static> {
        self.root.der.clone()
    }

    /// The intermediate (issuing) CA certificate as PEM.
    pub fn intermediate_pem(&self) -> String {
        self.intermediate.pem.clone()
    }

    /// The intermediate (issuing) CA certificate as DER.
    pub fn intermediate_der(&self) -> CertificateDer<'static> {
        self.intermediate.der.clone()
    }

    /// The CA that signed the [`Variant::UnknownCa`] and [`ServerVariant::UnknownCa`]
    /// certificates, as PEM; nobody should trust it.
    pub fn unknown_ca_pem(&self) -> String {
        self.unknown_ca.pem.clone()
    }

    /// Every CRL as concatenated PEM: the intermediate's (listing the revoked client's serial)
    /// then the root's (empty; it covers the intermediate for full-chain checks).
    pub fn crl_pem(&self) -> String {
        self.crls.iter().map(|c| c.pem.as_str()).collect()
    }

    /// Every CRL as DER, in the order of [`Pki::crl_pem`]. Pass them all to a verifier that
    /// checks the whole chain (rustls' default), or it cannot decide about the intermediate.
    pub fn crl_der(&self) -> Vec<CertificateRevocationListDer<'static>> {
        self.crls.iter().map(|c| c.der.clone()).collect()
    }

    /// The client identity of one variant.
    pub fn client(&self, v: Variant) -> &Identity {
        &self.clients[v.index()]
    }

    /// The server identity of one variant.
    pub fn server(&self, v: ServerVariant) -> &Identity {
        &self.servers[v.index()]
    }
}

/// Validity periods, all relative to one `now`.
#[derive(Clone, Copy)]
pub(crate) struct Clock {
    now: OffsetDateTime,
}

impl Clock {
    /// Backdated a day so a peer whose clock is a little behind still accepts the certificates.
    pub(crate) fn start(self) -> OffsetDateTime {
        self.now - Duration::days(1)
    }
    fn ca_root(self) -> (OffsetDateTime, OffsetDateTime) {
        (self.start(), self.now + Duration::days(10 * 365))
    }
    fn ca_intermediate(self) -> (OffsetDateTime, OffsetDateTime) {
        (self.start(), self.now + Duration::days(5 * 365))
    }
    /// A year, like a real facility certificate: long enough for any test run, short enough
    /// not to look like a forever certificate.
    pub(crate) fn leaf(self) -> (OffsetDateTime, OffsetDateTime) {
        (self.start(), self.now + Duration::days(365))
    }
    pub(crate) fn expired(self) -> (OffsetDateTime, OffsetDateTime) {
        (
            self.now - Duration::days(395),
            self.now - Duration::days(30),
        )
    }
    pub(crate) fn not_yet_valid(self) -> (OffsetDateTime, OffsetDateTime) {
        (
            self.now + Duration::days(30),
            self.now + Duration::days(395),
        )
    }
}

/// Holds the issuers while the leaves are generated.
pub(crate) struct Generator {
    key_type: KeyType,
    pub(crate) clock: Clock,
    /// Random per run so two generated sets never share serials; the low byte numbers the
    /// certificates within the run.
    serial_base: [u8; 8],
    next_serial: u8,
}

/// One leaf to issue.
pub(crate) struct LeafSpec<'a> {
    pub(crate) name: String,
    pub(crate) subject: DistinguishedName,
    pub(crate) subject_text: String,
    pub(crate) sans: Vec<SanType>,
    pub(crate) eku: ExtendedKeyUsagePurpose,
    pub(crate) validity: (OffsetDateTime, OffsetDateTime),
    pub(crate) facility: Option<FacilityCode>,
    pub(crate) signer: Signer<'a>,
}

/// Who signs a leaf.
pub(crate) enum Signer<'a> {
    /// The trusted issuing CA; its certificate goes into the leaf's chain.
    Intermediate(&'a Issuer<'static, KeyPair>, &'a CaCert),
    /// A root nobody trusts; a root is never sent, so the chain is the leaf alone.
    UntrustedRoot(&'a Issuer<'static, KeyPair>),
    /// The leaf's own key.
    Itself,
}

impl Generator {
    pub(crate) fn new(key_type: KeyType, now: OffsetDateTime) -> Result<Self, PkiError> {
        let mut serial_base = [0u8; 8];
        getrandom::fill(&mut serial_base).map_err(|e| PkiError::Random {
            reason: e.to_string(),
        })?;
        // Positive, and never starting with a zero byte, so it stays 8 bytes long in DER.
        serial_base[0] = (serial_base[0] & 0x7f) | 0x10;
        // Whole seconds: X.509 times have no fractions, so comparisons stay exact.
        let now = now.replace_nanosecond(0).unwrap_or(now);
        Ok(Self {
            key_type,
            clock: Clock { now },
            serial_base,
            next_serial: 0,
        })
    }

    fn serial(&mut self) -> SerialNumber {
        self.next_serial += 1;
        let mut bytes = self.serial_base;
        bytes[7] = self.next_serial;
        SerialNumber::from_slice(&bytes)
    }

    fn key(&self, what: &str) -> Result<KeyPair, PkiError> {
        match self.key_type {
            KeyType::EcdsaP256 => {
                KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(|source| {
                    PkiError::Generate {
                        what: format!("a key for {what}"),
                        source,
                    }
                })
            }
            KeyType::Rsa2048 => rsa_key(what),
        }
    }

    fn run(mut self, facility: FacilityCode, other: FacilityCode) -> Result<Pki, PkiError> {
        let (root_issuer, root) = self.ca("idlink-harness Test Root CA", None, 1)?;
        let (int_issuer, intermediate) = self.ca(
            "idlink-harness Test Issuing CA",
            Some((&root_issuer, &root)),
            0,
        )?;
        let (unknown_issuer, unknown_ca) = self.ca("Unknown Test CA (not trusted)", None, 0)?;

        let clock = self.clock;
        let mut clients = Vec::with_capacity(Variant::ALL.len());
        let mut revoked_serial = None;
        for v in Variant::ALL {
            let code = if v == Variant::OtherFacility {
                &other
            } else {
                &facility
            };
            let validity = match v {
                Variant::Expired => clock.expired(),
                Variant::NotYetValid => clock.not_yet_valid(),
                _ => clock.leaf(),
            };
            let signer = match v {
                Variant::UnknownCa => Signer::UntrustedRoot(&unknown_issuer),
                Variant::SelfSigned => Signer::Itself,
                _ => Signer::Intermediate(&int_issuer, &intermediate),
            };
            let eku = match v {
                Variant::WrongEku => ExtendedKeyUsagePurpose::ServerAuth,
                _ => ExtendedKeyUsagePurpose::ClientAuth,
            };
            let (subject, subject_text) = client_subject(code, v);
            let identity = self.leaf(LeafSpec {
                name: format!("client-{}", v.slug()),
                subject,
                subject_text,
                sans: vec![san_uri(&code.to_urn())?],
                eku,
                validity,
                facility: Some(code.clone()),
                signer,
            })?;
            if v == Variant::Revoked {
                revoked_serial = Some(identity.serial.clone());
            }
            clients.push(identity);
        }

        let mut servers = Vec::with_capacity(ServerVariant::ALL.len());
        for v in ServerVariant::ALL {
            let host = if v == ServerVariant::WrongHost {
                WRONG_HOST
            } else {
                "localhost"
            };
            let sans = match v {
                ServerVariant::WrongHost => vec![san_dns(WRONG_HOST)?],
                _ => vec![
                    san_dns("localhost")?,
                    SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)),
                    SanType::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)),
                ],
            };
            let mut subject = DistinguishedName::new();
            subject.push(DnType::CommonName, host);
            subject.push(
                DnType::OrganizationName,
                "idlink-harness mock service center",
            );
            subject.push(
                DnType::OrganizationalUnitName,
                format!("server variant: {}", v.slug()),
            );
            servers.push(self.leaf(LeafSpec {
                name: format!("server-{}", v.slug()),
                subject,
                subject_text: format!("CN={host}, server variant {}", v.slug()),
                sans,
                eku: ExtendedKeyUsagePurpose::ServerAuth,
                validity: if v == ServerVariant::Expired {
                    clock.expired()
                } else {
                    clock.leaf()
                },
                facility: None,
                signer: if v == ServerVariant::UnknownCa {
                    Signer::UntrustedRoot(&unknown_issuer)
                } else {
                    Signer::Intermediate(&int_issuer, &intermediate)
                },
            })?);
        }

        let listed = revoked_serial
            .iter()
            .map(|serial| crate::issue::Revocation {
                serial: serial.clone(),
                at: clock.start(),
            })
            .collect();
        let revoked = revoked_serial.into_iter().map(|serial| RevokedCertParams {
            serial_number: SerialNumber::from_slice(&serial),
            revocation_time: clock.start(),
            reason_code: Some(RevocationReason::KeyCompromise),
            invalidity_date: None,
        });
        let crls = vec![
            self.crl(&int_issuer, &intermediate, revoked.collect(), 1)?,
            self.crl(&root_issuer, &root, Vec::new(), 1)?,
        ];

        let authority = Arc::new(DeskAuthority {
            facility: facility.clone(),
            other_facility: other.clone(),
            intermediate: intermediate.clone(),
            issuing: int_issuer,
            unknown: unknown_issuer,
            listed,
            crl_number: 1,
            crls: crls.clone(),
        });
        Ok(Pki {
            facility,
            other_facility: other,
            key_type: self.key_type,
            generated_at: clock.now,
            root,
            intermediate,
            unknown_ca,
            crls,
            clients,
            servers,
            authority,
        })
    }

    /// A CA certificate, self-signed when `parent` is `None`.
    fn ca(
        &mut self,
        common_name: &str,
        parent: Option<(&Issuer<'static, KeyPair>, &CaCert)>,
        path_len: u8,
    ) -> Result<(Issuer<'static, KeyPair>, CaCert), PkiError> {
        let key = self.key(common_name)?;
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CountryName, "JP");
        params
            .distinguished_name
            .push(DnType::OrganizationName, "idlink-harness (TEST ONLY)");
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(path_len));
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params.serial_number = Some(self.serial());
        params.use_authority_key_identifier_extension = parent.is_some();
        let (not_before, not_after) = match parent {
            Some(_) => self.clock.ca_intermediate(),
            None => self.clock.ca_root(),
        };
        params.not_before = not_before;
        params.not_after = not_after;
        let generate = |source| PkiError::Generate {
            what: format!("CA {common_name:?}"),
            source,
        };
        let cert = match parent {
            Some((issuer, _)) => params.signed_by(&key, issuer),
            None => params.self_signed(&key),
        }
        .map_err(generate)?;
        let ca = CaCert {
            subject: format!("CN={common_name}"),
            der: cert.der().clone(),
            pem: cert.pem(),
            not_before,
            not_after,
        };
        Ok((Issuer::new(params, key), ca))
    }

    pub(crate) fn leaf(&mut self, spec: LeafSpec<'_>) -> Result<Identity, PkiError> {
        let key = self.key(&spec.name)?;
        let serial = self.serial();
        let mut params = CertificateParams::default();
        params.distinguished_name = spec.subject;
        params.subject_alt_names = spec.sans;
        params.extended_key_usages = vec![spec.eku];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.serial_number = Some(serial.clone());
        params.not_before = spec.validity.0;
        params.not_after = spec.validity.1;
        let generate = |source| PkiError::Generate {
            what: spec.name.clone(),
            source,
        };
        params.use_authority_key_identifier_extension = !matches!(spec.signer, Signer::Itself);
        let (cert, intermediate) = match spec.signer {
            Signer::Intermediate(issuer, ca) => {
                (params.signed_by(&key, issuer).map_err(generate)?, Some(ca))
            }
            Signer::UntrustedRoot(issuer) => {
                (params.signed_by(&key, issuer).map_err(generate)?, None)
            }
            Signer::Itself => (params.self_signed(&key).map_err(generate)?, None),
        };
        let mut chain = vec![cert.der().clone()];
        let mut chain_pem = vec![cert.pem()];
        if let Some(ca) = intermediate {
            chain.push(ca.der.clone());
            chain_pem.push(ca.pem.clone());
        }
        Ok(Identity {
            name: spec.name,
            subject: spec.subject_text,
            chain,
            chain_pem,
            key: PrivatePkcs8KeyDer::from(key.serialize_der()),
            key_pem: key.serialize_pem(),
            facility: spec.facility,
            serial: serial.to_bytes(),
            not_before: spec.validity.0,
            not_after: spec.validity.1,
        })
    }

    pub(crate) fn crl(
        &mut self,
        issuer: &Issuer<'static, KeyPair>,
        ca: &CaCert,
        revoked_certs: Vec<RevokedCertParams>,
        number: u64,
    ) -> Result<Crl, PkiError> {
        let generate = |source| PkiError::Generate {
            what: format!("the CRL of {}", ca.subject),
            source,
        };
        let params = CertificateRevocationListParams {
            this_update: self.clock.start(),
            // As long as the leaves: openssl rejects a CRL past its nextUpdate, and a written
            // set should keep working as long as its certificates do.
            next_update: self.clock.leaf().1,
            crl_number: SerialNumber::from(number),
            issuing_distribution_point: None,
            revoked_certs,
            key_identifier_method: KeyIdMethod::Sha256,
        };
        let crl = params.signed_by(issuer).map_err(generate)?;
        Ok(Crl {
            der: crl.der().clone(),
            pem: crl.pem().map_err(generate)?,
        })
    }
}

/// `CN=Facility <code>, serialNumber=<code>, O=…, OU=client variant: <slug>, C=JP`.
pub(crate) fn client_subject(code: &FacilityCode, v: Variant) -> (DistinguishedName, String) {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "JP");
    dn.push(DnType::OrganizationName, "idlink-harness test facility");
    dn.push(
        DnType::OrganizationalUnitName,
        format!("client variant: {}", v.slug()),
    );
    dn.push(DnType::CommonName, format!("Facility {code}"));
    // X.520 serialNumber is a PrintableString; ten digits always are one.
    let value = match rcgen::string::PrintableString::try_from(code.as_str()) {
        Ok(s) => DnValue::PrintableString(s),
        Err(_) => DnValue::Utf8String(code.as_str().to_owned()),
    };
    dn.push(
        DnType::CustomDnType(SUBJECT_SERIAL_NUMBER_OID.to_vec()),
        value,
    );
    (
        dn,
        format!(
            "CN=Facility {code}, serialNumber={code}, client variant {}",
            v.slug()
        ),
    )
}

pub(crate) fn san_uri(uri: &str) -> Result<SanType, PkiError> {
    uri.try_into()
        .map(SanType::URI)
        .map_err(|source| PkiError::Generate {
            what: format!("SAN URI {uri}"),
            source,
        })
}

fn san_dns(name: &str) -> Result<SanType, PkiError> {
    name.try_into()
        .map(SanType::DnsName)
        .map_err(|source| PkiError::Generate {
            what: format!("SAN {name}"),
            source,
        })
}

/// An RSA-2048 key from the pure-Rust `rsa` crate: ring cannot generate RSA keys and rcgen's
/// own RSA generation needs aws-lc-rs, which this workspace keeps out.
fn rsa_key(what: &str) -> Result<KeyPair, PkiError> {
    use rsa::pkcs8::EncodePrivateKey;
    let fail = |reason: String| PkiError::RsaKey {
        what: what.to_owned(),
        reason,
    };
    let key =
        rsa::PrivateKey::new(&mut getrandom::SysRng, 2048).map_err(|e| fail(e.to_string()))?;
    let der = key.to_pkcs8_der().map_err(|e| fail(e.to_string()))?;
    let pkcs8 = PrivatePkcs8KeyDer::from(der.as_bytes());
    KeyPair::from_pkcs8_der_and_sign_algo(&pkcs8, &rcgen::PKCS_RSA_SHA256).map_err(|source| {
        PkiError::Generate {
            what: format!("an RSA key for {what}"),
            source,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_facility_codes_are_valid() {
        assert!(FacilityCode::parse(DEFAULT_FACILITY).is_ok());
        assert!(FacilityCode::parse(DEFAULT_OTHER_FACILITY).is_ok());
    }

    #[test]
    fn refuses_the_same_facility_twice() {
        let code = default_code(DEFAULT_FACILITY);
        let err = Pki::builder()
            .facility(code.clone())
            .other_facility(code)
            .build()
            .unwrap_err();
        assert!(matches!(err, PkiError::SameFacility(_)), "{err}");
    }

    #[test]
    fn serials_are_distinct_within_a_pki() {
        let pki = Pki::generate().unwrap();
        let mut serials: Vec<String> = pki.clients.iter().map(|c| c.serial_hex()).collect();
        serials.extend(pki.servers.iter().map(|s| s.serial_hex()));
        let n = serials.len();
        serials.sort();
        serials.dedup();
        assert_eq!(serials.len(), n);
    }
}
