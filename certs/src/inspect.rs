//! Describing a certificate and checking it against trust anchors and CRLs, for `idlink-certs
//! inspect` and for tests that want the same verdict rustls would reach, with a message that
//! names the certificate and says why.

use std::fmt;
use std::path::{Path, PathBuf};

use idlink_protocol::FacilityCode;
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, UnixTime};
use serde::Serialize;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use webpki::{
    BorrowedCertRevocationList, CertRevocationList, EndEntityCert, KeyUsage,
    RevocationOptionsBuilder,
};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;

use crate::load::{self, LoadError};

/// Why a certificate could not be described.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    /// The bytes are not an X.509 certificate.
    #[error("not an X.509 certificate: {reason}")]
    NotACertificate {
        /// The parser's reason.
        reason: String,
    },
    /// A file given to `inspect` could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
}

/// What is in a certificate, in the terms a person checking a facility certificate cares about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertInfo {
    /// Subject distinguished name, e.g. `C=JP, O=…, CN=Facility 0112345678, serialNumber=…`.
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Serial number, lower-case hex.
    pub serial_hex: String,
    /// Start of validity.
    #[serde(serialize_with = "rfc3339")]
    pub not_before: OffsetDateTime,
    /// End of validity.
    #[serde(serialize_with = "rfc3339")]
    pub not_after: OffsetDateTime,
    /// The facility the certificate is bound to, see [`facility_of`].
    pub facility: Option<FacilityCode>,
    /// Extended key usages by name (`clientAuth`, `serverAuth`, or a dotted OID).
    pub extended_key_usages: Vec<String>,
    /// Subject alternative names as `DNS:…`, `IP:…`, `URI:…`.
    pub subject_alt_names: Vec<String>,
    /// Whether basicConstraints says CA.
    pub is_ca: bool,
    /// Whether subject and issuer are the same name.
    pub self_issued: bool,
    /// `ECDSA P-256`, `RSA-2048`, ...
    pub key_algorithm: String,
    /// SHA-256 of the DER, colon-separated upper-case hex as browsers show it.
    pub sha256_fingerprint: String,
}

/// Describes a DER certificate.
pub fn cert_info(der: &CertificateDer<'_>) -> Result<CertInfo, InspectError> {
    let cert = parse(der)?;
    let mut extended_key_usages = Vec::new();
    if let Ok(Some(eku)) = cert.extended_key_usage() {
        let eku = eku.value;
        for (set, name) in [
            (eku.any, "any"),
            (eku.server_auth, "serverAuth"),
            (eku.client_auth, "clientAuth"),
            (eku.code_signing, "codeSigning"),
            (eku.email_protection, "emailProtection"),
            (eku.time_stamping, "timeStamping"),
            (eku.ocsp_signing, "OCSPSigning"),
        ] {
            if set {
                extended_key_usages.push(name.to_owned());
            }
        }
        extended_key_usages.extend(eku.other.iter().map(|oid| oid.to_id_string()));
    }
    let subject_alt_names = sans(&cert)
        .into_iter()
        .map(|san| match san {
            GeneralName::DNSName(name) => format!("DNS:{name}"),
            GeneralName::URI(uri) => format!("URI:{uri}"),
            GeneralName::RFC822Name(mail) => format!("email:{mail}"),
            GeneralName::IPAddress(ip) => format!("IP:{}", ip_text(ip)),
            other => format!("{other:?}"),
        })
        .collect();
    let key_algorithm = match cert.public_key().parsed() {
        Ok(PublicKey::RSA(rsa)) => format!("RSA-{}", rsa.key_size()),
        Ok(PublicKey::EC(point)) => match point.key_size() {
            256 => "ECDSA P-256".to_owned(),
            384 => "ECDSA P-384".to_owned(),
            bits => format!("EC ({bits}-bit)"),
        },
        _ => cert.public_key().algorithm.algorithm.to_id_string(),
    };
    let digest = Sha256::digest(der.as_ref());
    let sha256_fingerprint = digest
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":");
    Ok(CertInfo {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        serial_hex: hex::encode(cert.raw_serial()),
        not_before: cert.validity().not_before.to_datetime(),
        not_after: cert.validity().not_after.to_datetime(),
        facility: facility_in(&cert),
        extended_key_usages,
        subject_alt_names,
        is_ca: cert.is_ca(),
        self_issued: cert.subject().as_raw() == cert.issuer().as_raw(),
        key_algorithm,
        sha256_fingerprint,
    })
}

/// The facility a certificate is bound to: the SAN URI (`urn:oid:…` from
/// [`FacilityCode::to_urn`]) first, then the subject's X.520 `serialNumber` attribute.
pub fn facility_of(der: &CertificateDer<'_>) -> Option<FacilityCode> {
    parse(der).ok().and_then(|cert| facility_in(&cert))
}

/// The subject of a certificate as text, or a placeholder if it does not parse; for messages.
pub fn subject_of(der: &CertificateDer<'_>) -> String {
    parse(der)
        .map(|c| c.subject().to_string())
        .unwrap_or_else(|_| "(unparsable certificate)".into())
}

/// Which TLS role a certificate is checked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Usage {
    /// TLS client authentication (EKU clientAuth): a facility certificate.
    Client,
    /// TLS server authentication (EKU serverAuth): the service center's certificate.
    Server,
}

/// Why a certificate does not verify. Each variant names the certificate and says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    /// A certificate in the chain has expired.
    #[error("certificate {subject} expired on {}: ask its issuer for a renewed certificate", date(.not_after))]
    Expired {
        /// The expired certificate's subject.
        subject: String,
        /// When it expired.
        not_after: OffsetDateTime,
    },
    /// A certificate in the chain is not valid yet.
    #[error("certificate {subject} is not valid until {}: check the clock, or wait", date(.not_before))]
    NotYetValid {
        /// The certificate's subject.
        subject: String,
        /// When it becomes valid.
        not_before: OffsetDateTime,
    },
    /// A certificate in the chain is listed in its issuer's CRL.
    #[error(
        "certificate {subject} (serial {serial_hex}) is revoked: its issuer's CRL lists it; ask for a new certificate"
    )]
    Revoked {
        /// The revoked certificate's subject.
        subject: String,
        /// Its serial number in hex.
        serial_hex: String,
    },
    /// The chain does not lead to any of the trusted roots.
    #[error(
        "certificate {subject} was issued by {issuer}, which is not among the trusted CAs (unknown issuer): use a certificate from the expected CA, or pass that CA's certificate (for a leaf issued by an intermediate CA, pass the chain file or a CA bundle that includes the intermediate)"
    )]
    UnknownIssuer {
        /// The last certificate of the chain that could be followed.
        subject: String,
        /// The issuer that could not be found.
        issuer: String,
    },
    /// The leaf's extended key usage does not allow the role.
    #[error(
        "certificate {subject} is not valid for TLS {usage} authentication (its extended key usage is {found}): use a certificate issued for that role"
    )]
    WrongUsage {
        /// The leaf's subject.
        subject: String,
        /// The required role, `client` or `server`.
        usage: &'static str,
        /// The EKUs the certificate has.
        found: String,
    },
    /// A CRL was given, but none from the issuer of some certificate in the chain.
    #[error(
        "revocation status of the chain of {subject} is unknown: no CRL from one of its issuers was given; pass the CRLs of the issuing CA and the root"
    )]
    RevocationUnknown {
        /// The leaf's subject.
        subject: String,
    },
    /// The certificate is not valid for the host name.
    #[error("certificate {subject} is not valid for host {host} (its names: {names})")]
    NotValidForName {
        /// The certificate's subject.
        subject: String,
        /// The host that was asked for.
        host: String,
        /// The names it has.
        names: String,
    },
    /// The input could not be used at all (no roots, unparsable certificate or CRL).
    #[error("cannot check the chain of {subject}: {reason}")]
    Unusable {
        /// The leaf's subject (or what could not be used).
        subject: String,
        /// What is wrong.
        reason: String,
    },
    /// Any other verification failure, with webpki's reason.
    #[error("certificate {subject} does not verify: {reason}")]
    Other {
        /// The leaf's subject.
        subject: String,
        /// webpki's reason.
        reason: String,
    },
}

/// Verifies `leaf` (with `intermediates`) up to one of `roots` at time `at`, the way rustls does
/// it: the same signature algorithms (ring), EKU for `usage`, and, when `crls` is not empty,
/// revocation of the whole chain where an unknown status is an error (rustls' default). So pass
/// the CRLs of the issuing CA *and* of the root (as [`crate::Pki::crl_der`] returns them).
pub fn verify_chain(
    leaf: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    roots: &[CertificateDer<'_>],
    crls: &[CertificateRevocationListDer<'_>],
    usage: Usage,
    at: OffsetDateTime,
) -> Result<(), ChainError> {
    let subject = subject_of(leaf);
    let unusable = |reason: String| ChainError::Unusable {
        subject: subject.clone(),
        reason,
    };
    let anchors = roots
        .iter()
        .map(|r| webpki::anchor_from_trusted_cert(r).map(|a| a.to_owned()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| unusable(format!("a trusted CA certificate is malformed ({e:?})")))?;
    if anchors.is_empty() {
        return Err(unusable("no trusted CA certificate was given".into()));
    }
    let ee = EndEntityCert::try_from(leaf)
        .map_err(|e| unusable(format!("the certificate is malformed ({e:?})")))?;
    let parsed_crls = crls
        .iter()
        .map(|c| BorrowedCertRevocationList::from_der(c).map(CertRevocationList::from))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| unusable(format!("a CRL is malformed ({e:?})")))?;
    let crl_refs: Vec<&CertRevocationList<'_>> = parsed_crls.iter().collect();
    let revocation = RevocationOptionsBuilder::new(&crl_refs)
        .ok()
        .map(|b| b.build());
    let time = UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        u64::try_from(at.unix_timestamp()).unwrap_or(0),
    ));
    let key_usage = match usage {
        Usage::Client => KeyUsage::client_auth(),
        Usage::Server => KeyUsage::server_auth(),
    };
    let algs = rustls::crypto::ring::default_provider()
        .signature_verification_algorithms
        .all;
    let result = ee.verify_for_usage(
        algs,
        &anchors,
        intermediates,
        time,
        key_usage,
        revocation,
        None,
    );
    match result {
        Ok(_) => Ok(()),
        Err(e) => Err(explain(e, leaf, intermediates, crls, usage, at)),
    }
}

/// Checks that a server certificate is valid for `host` (a DNS name or an IP address).
pub fn verify_server_name(leaf: &CertificateDer<'_>, host: &str) -> Result<(), ChainError> {
    let subject = subject_of(leaf);
    let name = rustls_pki_types::ServerName::try_from(host).map_err(|e| ChainError::Unusable {
        subject: subject.clone(),
        reason: format!("{host:?} is not a host name or IP address ({e})"),
    })?;
    let ee = EndEntityCert::try_from(leaf).map_err(|e| ChainError::Unusable {
        subject: subject.clone(),
        reason: format!("the certificate is malformed ({e:?})"),
    })?;
    ee.verify_is_valid_for_subject_name(&name)
        .map_err(|_| ChainError::NotValidForName {
            names: cert_info(leaf)
                .map(|i| i.subject_alt_names.join(", "))
                .unwrap_or_default(),
            subject,
            host: host.to_owned(),
        })
}

/// Turns webpki's error into one that names the certificate at fault.
fn explain(
    error: webpki::Error,
    leaf: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    crls: &[CertificateRevocationListDer<'_>],
    usage: Usage,
    at: OffsetDateTime,
) -> ChainError {
    let chain: Vec<CertInfo> = std::iter::once(leaf)
        .chain(intermediates)
        .filter_map(|c| cert_info(c).ok())
        .collect();
    let leaf_subject = subject_of(leaf);
    use webpki::Error as E;
    match error {
        E::CertExpired { .. } => {
            let bad = chain.iter().find(|c| c.not_after < at);
            ChainError::Expired {
                subject: bad.map_or(leaf_subject, |c| c.subject.clone()),
                not_after: bad.map_or(at, |c| c.not_after),
            }
        }
        E::CertNotValidYet { .. } => {
            let bad = chain.iter().find(|c| c.not_before > at);
            ChainError::NotYetValid {
                subject: bad.map_or(leaf_subject, |c| c.subject.clone()),
                not_before: bad.map_or(at, |c| c.not_before),
            }
        }
        E::CertRevoked => {
            let bad = std::iter::once(leaf)
                .chain(intermediates)
                .find(|c| revoked_in(c, crls).is_some())
                .and_then(|c| cert_info(c).ok());
            ChainError::Revoked {
                subject: bad.as_ref().map_or(leaf_subject, |c| c.subject.clone()),
                serial_hex: bad.map(|c| c.serial_hex).unwrap_or_default(),
            }
        }
        E::UnknownIssuer => {
            // Follow issuer names through the given intermediates to the first gap.
            let mut current = chain.first();
            while let Some(c) = current {
                match chain
                    .iter()
                    .find(|i| i.subject == c.issuer && !std::ptr::eq(*i, c))
                {
                    Some(next) if !next.self_issued => current = Some(next),
                    _ => break,
                }
            }
            ChainError::UnknownIssuer {
                subject: current.map_or(leaf_subject.clone(), |c| c.subject.clone()),
                issuer: current.map_or_else(String::new, |c| c.issuer.clone()),
            }
        }
        E::RequiredEkuNotFoundContext(_) => ChainError::WrongUsage {
            found: chain
                .first()
                .map(|c| c.extended_key_usages.join(", "))
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "absent".into()),
            subject: leaf_subject,
            usage: match usage {
                Usage::Client => "client",
                Usage::Server => "server",
            },
        },
        E::UnknownRevocationStatus => ChainError::RevocationUnknown {
            subject: leaf_subject,
        },
        other => ChainError::Other {
            subject: leaf_subject,
            reason: format!("{other:?}"),
        },
    }
}

/// If a CRL issued by the certificate's issuer lists its serial: that CRL's index.
pub fn revoked_in(
    cert: &CertificateDer<'_>,
    crls: &[CertificateRevocationListDer<'_>],
) -> Option<usize> {
    let cert = parse(cert).ok()?;
    crls.iter().position(|crl| {
        x509_parser::parse_x509_crl(crl).is_ok_and(|(_, list)| {
            list.issuer().as_raw() == cert.issuer().as_raw()
                && list
                    .iter_revoked_certificates()
                    .any(|r| r.raw_serial() == cert.raw_serial())
        })
    })
}

/// How `idlink-certs inspect` should decide the role to verify for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum UsageChoice {
    /// A certificate bound to a facility is a client certificate; otherwise its EKU decides.
    #[default]
    Auto,
    /// Verify for TLS client authentication.
    Client,
    /// Verify for TLS server authentication.
    Server,
}

/// What `idlink-certs inspect` was asked to do.
#[derive(Debug, Clone)]
pub struct InspectOptions {
    /// The CA certificate file: self-signed certificates in it are trusted roots, the others are
    /// used as intermediates.
    pub ca: Option<PathBuf>,
    /// A CRL file (PEM with one or more CRLs, or DER).
    pub crl: Option<PathBuf>,
    /// The PKCS#12 password, for `.p12`/`.pfx` files; defaults to [`crate::DEFAULT_P12_PASSWORD`].
    pub password: Option<String>,
    /// The role to verify for.
    pub usage: UsageChoice,
    /// The time to verify at.
    pub at: OffsetDateTime,
}

/// The result of inspecting one file: the leaf's description and, if asked, the verdicts.
#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    /// The file inspected.
    pub file: PathBuf,
    /// `PEM`, `DER` or `PKCS#12`.
    pub format: &'static str,
    /// How many certificates the file holds (leaf first).
    pub certificates_in_file: usize,
    /// Whether the file also holds the matching private key (PKCS#12).
    pub has_private_key: bool,
    /// The leaf.
    pub certificate: CertInfo,
    /// `valid`, `expired` or `not yet valid` at the inspection time.
    pub validity_now: &'static str,
    /// The role the chain was verified for.
    pub usage: Usage,
    /// `None` without `--ca`; otherwise `Ok` or the reason it does not verify.
    #[serde(serialize_with = "verdict")]
    pub chain: Option<Result<(), ChainError>>,
    /// `None` without `--crl`; otherwise whether a CRL from its issuer lists the leaf.
    pub revoked: Option<bool>,
}

impl Inspection {
    /// Whether every check that was asked for passed (exit code 0 versus 3 in the CLI).
    pub fn passed(&self) -> bool {
        !matches!(self.chain, Some(Err(_))) && self.revoked != Some(true)
    }
}

/// Loads `path` (PEM or DER certificate, or PKCS#12) and describes and checks its leaf.
pub fn inspect_file(path: &Path, options: &InspectOptions) -> Result<Inspection, InspectError> {
    let is_p12 = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("p12") || e.eq_ignore_ascii_case("pfx"));
    let (format, chain, has_private_key) = if is_p12 {
        let password = options
            .password
            .as_deref()
            .unwrap_or(crate::DEFAULT_P12_PASSWORD);
        let identity = load::identity_pkcs12(path, password)?;
        ("PKCS#12", identity.chain, true)
    } else {
        let raw = std::fs::read(path).map_err(|source| LoadError::Read {
            path: path.to_owned(),
            source,
        })?;
        let format = if raw.windows(11).any(|w| w == b"-----BEGIN ") {
            "PEM"
        } else {
            "DER"
        };
        (format, load::certificates_pem(path)?, false)
    };
    let leaf = &chain[0];
    let certificate = cert_info(leaf)?;
    let at = options.at;
    let validity_now = if certificate.not_after < at {
        "expired"
    } else if certificate.not_before > at {
        "not yet valid"
    } else {
        "valid"
    };
    let usage = match options.usage {
        UsageChoice::Client => Usage::Client,
        UsageChoice::Server => Usage::Server,
        UsageChoice::Auto if certificate.facility.is_some() => Usage::Client,
        UsageChoice::Auto
            if certificate
                .extended_key_usages
                .iter()
                .any(|e| e == "serverAuth")
                && !certificate
                    .extended_key_usages
                    .iter()
                    .any(|e| e == "clientAuth") =>
        {
            Usage::Server
        }
        UsageChoice::Auto => Usage::Client,
    };
    let crls = match &options.crl {
        Some(crl) => load::crls(crl)?,
        None => Vec::new(),
    };
    let chain_verdict = match &options.ca {
        Some(ca) => {
            let ca_certs = load::certificates_pem(ca)?;
            let (mut roots, mut extra): (Vec<_>, Vec<_>) = ca_certs
                .into_iter()
                .partition(|c| cert_info(c).is_ok_and(|i| i.self_issued));
            if roots.is_empty() {
                // Only intermediates given: trust them directly, as the user asked.
                roots = std::mem::take(&mut extra);
            }
            let mut intermediates: Vec<_> = chain[1..].to_vec();
            intermediates.extend(extra);
            Some(verify_chain(leaf, &intermediates, &roots, &crls, usage, at))
        }
        None => None,
    };
    let revoked = options
        .crl
        .as_ref()
        .map(|_| revoked_in(leaf, &crls).is_some());
    Ok(Inspection {
        file: path.to_owned(),
        format,
        certificates_in_file: chain.len(),
        has_private_key,
        certificate,
        validity_now,
        usage,
        chain: chain_verdict,
        revoked,
    })
}

impl fmt::Display for Inspection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.certificate;
        let none = || "(none)".to_owned();
        let list = |v: &[String]| if v.is_empty() { none() } else { v.join(", ") };
        writeln!(
            f,
            "file:        {} ({}, {} certificate(s){})",
            self.file.display(),
            self.format,
            self.certificates_in_file,
            if self.has_private_key {
                ", with private key"
            } else {
                ""
            }
        )?;
        writeln!(f, "subject:     {}", c.subject)?;
        writeln!(f, "issuer:      {}", c.issuer)?;
        writeln!(
            f,
            "facility:    {}",
            c.facility.as_ref().map_or_else(none, |f| f.to_string())
        )?;
        writeln!(f, "serial:      {}", c.serial_hex)?;
        writeln!(f, "valid from:  {}", date(&c.not_before))?;
        writeln!(f, "valid until: {}", date(&c.not_after))?;
        writeln!(f, "validity:    {}", self.validity_now)?;
        writeln!(f, "key:         {}", c.key_algorithm)?;
        writeln!(f, "EKU:         {}", list(&c.extended_key_usages))?;
        writeln!(f, "SANs:        {}", list(&c.subject_alt_names))?;
        writeln!(f, "CA:          {}", if c.is_ca { "yes" } else { "no" })?;
        writeln!(f, "SHA-256:     {}", c.sha256_fingerprint)?;
        let usage = match self.usage {
            Usage::Client => "client",
            Usage::Server => "server",
        };
        match &self.chain {
            None => writeln!(f, "chain:       not checked (pass --ca CA.pem)")?,
            Some(Ok(())) => writeln!(f, "chain:       OK for TLS {usage} authentication")?,
            Some(Err(e)) => writeln!(f, "chain:       FAILED: {e}")?,
        }
        match self.revoked {
            None => writeln!(f, "revoked:     not checked (pass --crl CRL.pem)"),
            Some(true) => writeln!(f, "revoked:     YES: the CRL lists serial {}", c.serial_hex),
            Some(false) => writeln!(f, "revoked:     no (not listed in the CRL)"),
        }
    }
}

fn parse<'a>(der: &'a CertificateDer<'_>) -> Result<X509Certificate<'a>, InspectError> {
    X509Certificate::from_der(der.as_ref())
        .map(|(_, cert)| cert)
        .map_err(|e| InspectError::NotACertificate {
            reason: e.to_string(),
        })
}

fn sans<'a>(cert: &'a X509Certificate<'_>) -> Vec<&'a GeneralName<'a>> {
    match cert.subject_alternative_name() {
        Ok(Some(ext)) => ext.value.general_names.iter().collect(),
        _ => Vec::new(),
    }
}

fn facility_in(cert: &X509Certificate<'_>) -> Option<FacilityCode> {
    let from_san = sans(cert).into_iter().find_map(|san| match san {
        GeneralName::URI(uri) => FacilityCode::from_urn(uri),
        _ => None,
    });
    from_san.or_else(|| {
        cert.subject()
            .iter_by_oid(&x509_parser::oid_registry::OID_X509_SERIALNUMBER)
            .find_map(|attr| attr.as_str().ok().and_then(|s| FacilityCode::parse(s).ok()))
    })
}

fn ip_text(bytes: &[u8]) -> String {
    match bytes.len() {
        4 => std::net::Ipv4Addr::from(<[u8; 4]>::try_from(bytes).unwrap_or_default()).to_string(),
        16 => std::net::Ipv6Addr::from(<[u8; 16]>::try_from(bytes).unwrap_or_default()).to_string(),
        _ => hex::encode(bytes),
    }
}

/// `2026-03-31 12:00:00 UTC`: what messages and the text report show.
pub fn date(t: &OffsetDateTime) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    t.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_else(|_| t.to_string())
}

fn rfc3339<S: serde::Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    let text = t
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(serde::ser::Error::custom)?;
    s.serialize_str(&text)
}

fn verdict<S: serde::Serializer>(
    v: &Option<Result<(), ChainError>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        None => s.serialize_none(),
        Some(Ok(())) => s.serialize_str("ok"),
        Some(Err(e)) => s.serialize_str(&e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_shown_in_utc_to_the_second() {
        let t = time::macros::datetime!(2026-03-31 23:59:59 +09:00);
        assert_eq!(date(&t), "2026-03-31 14:59:59 UTC");
    }

    #[test]
    fn a_non_certificate_is_reported_not_panicked_on() {
        let err = cert_info(&CertificateDer::from(b"garbage".to_vec())).unwrap_err();
        assert!(matches!(err, InspectError::NotACertificate { .. }));
        assert_eq!(facility_of(&CertificateDer::from(Vec::new())), None);
    }
}
