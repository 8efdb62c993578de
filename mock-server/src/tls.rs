//! TLS for both listeners: rustls server configurations on the ring provider, and what a
//! finished handshake tells the application (`PROTO-TLS-*`).
//!
//! The mTLS listener verifies client certificates with `WebPkiClientVerifier` against the
//! facility CA and its CRLs, so every certificate rule of `PROTO-TLS-003` is enforced during the
//! handshake and the rejection reason is rustls's own, verbatim. The VPN listener asks for no
//! certificate at all (`PROTO-TLS-004`).
//!
//! Two additions to plain rustls, both for refusals (issue 10 items 9 and 10):
//! * the mTLS listener resumes no session (`PROTO-TLS-007`): a resumed session would bring a
//!   client identity back without checking its certificate against the CRLs and its validity
//!   again, so every connection runs the full check;
//! * the verifier keeps the certificate a client presented ([`with_presented_certificate`]), so
//!   a rejection's journal entry names it (subject, serial, issuer, validity) although rustls
//!   drops it with the failed connection.
//!
//! The CRLs can change while the center runs (the certificate desk revokes, issue 13): every
//! mTLS configuration shares one [`ClientTrust`], which holds the current WebPKI verifier and
//! swaps in one built with the new CRLs, so the next handshake checks against them.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use idlink_certs::{DeskAuthority, Pki};

use idlink_protocol::{CertificateSummary, FacilityCode, TlsSummary};
use rustls::DistinguishedName;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::{NoServerSessionStorage, ServerConnection, WebPkiClientVerifier};
use rustls::{DigitallySignedStruct, RootCertStore, ServerConfig, SignatureScheme};
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer, UnixTime};

/// Why a TLS configuration could not be built or loaded.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PKI file could not be loaded.
    #[error("cannot load the mock's PKI from {dir}")]
    Load {
        /// The PKI directory.
        dir: PathBuf,
        /// The loader's error (names the file).
        source: idlink_certs::LoadError,
    },
    /// rustls refused the material (bad key, empty root store...).
    #[error("cannot build the {listener} TLS configuration: {reason}")]
    Config {
        /// Which listener.
        listener: &'static str,
        /// rustls's reason.
        reason: String,
    },
}

/// Server certificate variants of `idlink-certs`.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Deserialize,
    serde::Serialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum ServerCertificate {
    /// For localhost, from the trusted intermediate.
    #[default]
    Valid,
    /// Validity ended.
    Expired,
    /// For another host name.
    WrongHost,
    /// From a CA the client was not told to trust.
    UnknownCa,
}

impl ServerCertificate {
    /// Every variant.
    pub const ALL: [ServerCertificate; 4] =
        [Self::Valid, Self::Expired, Self::WrongHost, Self::UnknownCa];

    /// The `idlink-certs` variant.
    pub fn certs_variant(self) -> idlink_certs::ServerVariant {
        use idlink_certs::ServerVariant as V;
        match self {
            Self::Valid => V::Valid,
            Self::Expired => V::Expired,
            Self::WrongHost => V::WrongHost,
            Self::UnknownCa => V::UnknownCa,
        }
    }

    /// kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Expired => "expired",
            Self::WrongHost => "wrong-host",
            Self::UnknownCa => "unknown-ca",
        }
    }
}

/// The certificates and keys a center serves with: everything it needs from a PKI.
#[derive(Debug, Clone)]
pub struct TlsMaterial {
    /// Trust anchors for client certificates (the facility root CA).
    pub client_roots: Vec<CertificateDer<'static>>,
    /// CRLs checked for every client certificate in the chain.
    pub crls: Vec<CertificateRevocationListDer<'static>>,
    /// Every server identity the PKI has (chain, key): the valid one, and the broken ones a
    /// scenario can present so that a client must refuse them.
    pub servers: BTreeMap<ServerCertificate, ServerIdentity>,
    /// The certificate desk's CA keys and CRL in force (issue 13): from a generated PKI, or
    /// restored from a PKI directory that holds the keys; `None` when it holds none (the desk
    /// then answers `desk-no-authority`). Its `Debug` shows no key.
    pub authority: Option<Arc<DeskAuthority>>,
    /// The PKI directory this material was loaded from: where the desk writes the CRLs it signs
    /// and its index of issued certificates, so both survive a restart. `None`: in memory only.
    pub pki_dir: Option<PathBuf>,
}

/// A server certificate chain (leaf first) and its key.
#[derive(Debug, Clone)]
pub struct ServerIdentity {
    /// The chain.
    pub chain: Vec<CertificateDer<'static>>,
    /// The private key.
    pub key: Arc<PrivateKeyDer<'static>>,
}

impl TlsMaterial {
    /// Every server identity, the root CA and the CRLs of a generated PKI.
    pub fn from_pki(pki: &Pki) -> Self {
        let servers = ServerCertificate::ALL
            .into_iter()
            .map(|variant| {
                let server = pki.server(variant.certs_variant());
                (
                    variant,
                    ServerIdentity {
                        chain: server.chain_der(),
                        key: Arc::new(server.key_der()),
                    },
                )
            })
            .collect();
        Self {
            client_roots: vec![pki.ca_der()],
            crls: pki.crl_der(),
            servers,
            authority: Some(pki.desk_authority()),
            pki_dir: None,
        }
    }

    /// The same material from a directory written by `Pki::write_to` (how `idlink-mock serve`
    /// reuses its PKI across restarts). The valid server identity is required; the broken ones
    /// are loaded when their files are there. The desk's CA keys are restored when the directory
    /// holds them (`idlink-mock serve` writes them, `idlink-certs init` does not).
    pub fn from_pki_dir(dir: &Path) -> Result<Self, TlsError> {
        let fail = |source| TlsError::Load {
            dir: dir.to_owned(),
            source,
        };
        use idlink_certs::load;
        let mut servers = BTreeMap::new();
        for variant in ServerCertificate::ALL {
            let slug = variant.certs_variant().slug();
            let chain = dir.join(format!("server/{slug}.chain.pem"));
            let key = dir.join(format!("server/{slug}.key.pem"));
            if variant != ServerCertificate::Valid && !(chain.is_file() && key.is_file()) {
                continue;
            }
            servers.insert(
                variant,
                ServerIdentity {
                    chain: load::certificates_pem(&chain).map_err(fail)?,
                    key: Arc::new(load::private_key_pem(&key).map_err(fail)?),
                },
            );
        }
        Ok(Self {
            client_roots: load::certificates_pem(&dir.join("ca/root-ca.pem")).map_err(fail)?,
            crls: load::crls(&dir.join("ca/crl.pem")).map_err(fail)?,
            servers,
            authority: DeskAuthority::load(dir).map_err(fail)?.map(Arc::new),
            pki_dir: Some(dir.to_owned()),
        })
    }

    fn server(&self, variant: ServerCertificate) -> Result<&ServerIdentity, String> {
        self.servers
            .get(&variant)
            .ok_or_else(|| format!("the PKI has no {} server certificate", variant.as_str()))
    }
}

/// Installs ring as the process-wide rustls provider, once.
///
/// The server configurations below name their provider explicitly and do not need this; it is
/// for everything else in the process that calls `ClientConfig::builder()` (tests, reqwest with
/// `rustls-no-provider`). A second `install_default` returns `Err`, hence the `OnceLock`.
pub fn ensure_crypto_provider() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        // Err only means another part of the process installed one first; either way a
        // provider is in place.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// The ring provider restricted to what `PROTO-TLS-002` allows: TLS 1.3 suites and TLS 1.2
/// suites with ECDHE key exchange and an AEAD cipher. (ring's defaults already are exactly that;
/// the filter keeps it true if a future rustls adds others.)
fn provider() -> Arc<CryptoProvider> {
    let mut provider = rustls::crypto::ring::default_provider();
    provider.cipher_suites.retain(|suite| {
        let name = format!("{:?}", suite.suite());
        name.starts_with("TLS13_")
            || (name.starts_with("TLS_ECDHE_")
                && (name.contains("_GCM_") || name.contains("CHACHA20_POLY1305")))
    });
    Arc::new(provider)
}

const VERSIONS: &[&rustls::SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];

/// The main listener's client-certificate check, shared by its configurations (one per server
/// certificate variant) and replaceable while the center runs: [`ClientTrust::replace_crls`]
/// builds a verifier with new CRLs and swaps it in, so the next handshake uses it and the
/// handshakes already running finish with the one they started with.
pub struct ClientTrust {
    roots: Arc<RootCertStore>,
    provider: Arc<CryptoProvider>,
    /// The root hints of the first verifier (the roots never change, so neither do they),
    /// kept here because `root_hint_subjects` lends them out.
    hints: Vec<DistinguishedName>,
    /// The verifier with the current CRLs. A `RwLock` read per handshake is cheap next to the
    /// signature checks, and a swap is rare (an operator revoking a certificate).
    current: RwLock<Arc<dyn ClientCertVerifier>>,
}

impl std::fmt::Debug for ClientTrust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientTrust")
            .field("roots", &self.roots.len())
            .finish_non_exhaustive()
    }
}

impl ClientTrust {
    /// The facility roots and CRLs of `material`.
    pub fn new(material: &TlsMaterial) -> Result<Arc<Self>, TlsError> {
        let provider = provider();
        let mut roots = RootCertStore::empty();
        for root in &material.client_roots {
            roots
                .add(root.clone())
                .map_err(|e| mtls_error(e.to_string()))?;
        }
        let roots = Arc::new(roots);
        let verifier = Self::verifier(&roots, &provider, material.crls.clone())?;
        Ok(Arc::new(Self {
            hints: verifier.root_hint_subjects().to_vec(),
            roots,
            provider,
            current: RwLock::new(verifier),
        }))
    }

    /// From now on, check client certificates against these CRLs (all of them: the issuing
    /// CA's and the root's, as [`idlink_certs::Pki::crl_der`] orders them).
    pub fn replace_crls(
        &self,
        crls: Vec<CertificateRevocationListDer<'static>>,
    ) -> Result<(), TlsError> {
        let verifier = Self::verifier(&self.roots, &self.provider, crls)?;
        // A poisoned lock still holds a whole Arc: a panic cannot leave half a pointer.
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = verifier;
        Ok(())
    }

    fn verifier(
        roots: &Arc<RootCertStore>,
        provider: &Arc<CryptoProvider>,
        crls: Vec<CertificateRevocationListDer<'static>>,
    ) -> Result<Arc<dyn ClientCertVerifier>, TlsError> {
        let verifier = WebPkiClientVerifier::builder_with_provider(roots.clone(), provider.clone())
            .with_crls(crls)
            .build()
            .map_err(|e| mtls_error(e.to_string()))?;
        Ok(verifier)
    }

    fn current(&self) -> Arc<dyn ClientCertVerifier> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

fn mtls_error(reason: String) -> TlsError {
    TlsError::Config {
        listener: "mTLS",
        reason,
    }
}

/// The main listener's configuration: client certificate required and verified by `trust`
/// (the facility roots and the current CRLs).
pub fn mtls_server_config(
    material: &TlsMaterial,
    variant: ServerCertificate,
    clock: &crate::clock::Clock,
    trust: &Arc<ClientTrust>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let err = mtls_error;
    let mut config = ServerConfig::builder_with_details(trust.provider.clone(), clock.tls_time())
        .with_protocol_versions(VERSIONS)
        .map_err(|e| err(e.to_string()))?
        .with_client_cert_verifier(Arc::new(RecordingVerifier {
            trust: trust.clone(),
        }))
        .with_single_cert(
            material.server(variant).map_err(err)?.chain.clone(),
            material.server(variant).map_err(err)?.key.clone_key(),
        )
        .map_err(|e| err(e.to_string()))?;
    config.alpn_protocols = alpn();
    without_resumption(&mut config);
    Ok(Arc::new(config))
}

/// `PROTO-TLS-007`: no TLS 1.2 session IDs (a cache that stores nothing), no TLS 1.3 tickets
/// (neither stateful, which rustls would announce with a 24 h lifetime, nor stateless: the
/// default ticketer produces none). rustls restores the client certificate of a resumed
/// session without calling the verifier, so a certificate revoked or expired since the first
/// handshake would be accepted for as long as the session lives. A full handshake per
/// connection is cheap next to that: clients keep their connection for many requests.
fn without_resumption(config: &mut ServerConfig) {
    config.session_storage = Arc::new(NoServerSessionStorage {});
    config.send_tls13_tickets = 0;
}

tokio::task_local! {
    /// The end-entity certificate the client of the handshake running in this task presented.
    static PRESENTED: RefCell<Option<CertificateDer<'static>>>;
}

/// Runs a handshake (`accept`) and returns its outcome with the end-entity certificate the
/// client presented, if it presented one, whether or not it was accepted.
///
/// Why a task-local: rustls calls the verifier synchronously while the accept future is
/// polled, in this task, and drops the certificate with a failed connection. Every
/// connection's handshake runs in its own task, so the slot cannot mix up two clients.
pub async fn with_presented_certificate<F: Future>(
    accept: F,
) -> (F::Output, Option<CertificateDer<'static>>) {
    PRESENTED
        .scope(RefCell::new(None), async {
            let outcome = accept.await;
            (outcome, PRESENTED.with(|slot| slot.borrow_mut().take()))
        })
        .await
}

/// rustls's WebPKI verifier (the current one of a [`ClientTrust`]), unchanged, except that it
/// keeps the presented certificate in [`PRESENTED`] (a no-op outside
/// [`with_presented_certificate`]).
#[derive(Debug)]
struct RecordingVerifier {
    trust: Arc<ClientTrust>,
}

impl ClientCertVerifier for RecordingVerifier {
    fn offer_client_auth(&self) -> bool {
        self.trust.current().offer_client_auth()
    }

    fn client_auth_mandatory(&self) -> bool {
        self.trust.current().client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.trust.hints
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        // Err only outside a scope (nothing to record then).
        let _ = PRESENTED.try_with(|slot| {
            *slot.borrow_mut() = Some(end_entity.clone().into_owned());
        });
        self.trust
            .current()
            .verify_client_cert(end_entity, intermediates, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.trust
            .current()
            .verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.trust
            .current()
            .verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.trust.current().supported_verify_schemes()
    }

    fn requires_raw_public_keys(&self) -> bool {
        self.trust.current().requires_raw_public_keys()
    }
}

/// A certificate a client presented and the center refused, as the journal names it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PresentedCertificate {
    /// Subject distinguished name.
    pub subject: String,
    /// Serial number, lower-case hex.
    pub serial: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Start of validity, RFC 3339 UTC.
    pub not_before: String,
    /// End of validity, RFC 3339 UTC.
    pub not_after: String,
    /// The facility the certificate names, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facility: Option<String>,
}

impl PresentedCertificate {
    /// Describes a presented certificate; one that does not even parse is described as such
    /// (its subject says why), so the refusal is still journaled.
    pub fn from_der(der: &CertificateDer<'_>) -> Self {
        match idlink_certs::inspect::cert_info(der) {
            Ok(info) => Self {
                subject: info.subject,
                serial: info.serial_hex,
                issuer: info.issuer,
                not_before: crate::clock::rfc3339(info.not_before),
                not_after: crate::clock::rfc3339(info.not_after),
                facility: info.facility.as_ref().map(ToString::to_string),
            },
            Err(error) => Self {
                subject: format!("(not a parseable X.509 certificate: {error})"),
                serial: String::new(),
                issuer: String::new(),
                not_before: String::new(),
                not_after: String::new(),
                facility: None,
            },
        }
    }
}

/// The VPN listener's configuration: no client authentication (`PROTO-TLS-004`).
pub fn vpn_server_config(
    material: &TlsMaterial,
    variant: ServerCertificate,
    clock: &crate::clock::Clock,
) -> Result<Arc<ServerConfig>, TlsError> {
    let err = |reason: String| TlsError::Config {
        listener: "VPN",
        reason,
    };
    let mut config = ServerConfig::builder_with_details(provider(), clock.tls_time())
        .with_protocol_versions(VERSIONS)
        .map_err(|e| err(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(
            material.server(variant).map_err(err)?.chain.clone(),
            material.server(variant).map_err(err)?.key.clone_key(),
        )
        .map_err(|e| err(e.to_string()))?;
    config.alpn_protocols = alpn();
    Ok(Arc::new(config))
}

/// `PROTO-TLS-005`: h2 first, so clients that can speak it do.
fn alpn() -> Vec<Vec<u8>> {
    vec![b"h2".to_vec(), b"http/1.1".to_vec()]
}

/// The client certificate as the application sees it.
#[derive(Debug, Clone)]
pub struct ClientCertificate {
    /// The leaf, DER.
    pub der: CertificateDer<'static>,
    /// Subject, serial, expiry and facility.
    pub summary: CertificateSummary,
    /// The facility the certificate is bound to (SAN URI, else subject serialNumber).
    pub facility: Option<FacilityCode>,
}

impl ClientCertificate {
    /// Describes a verified leaf certificate.
    pub fn from_der(der: CertificateDer<'static>) -> Self {
        let facility = idlink_certs::inspect::facility_of(&der);
        let summary = match idlink_certs::inspect::cert_info(&der) {
            Ok(info) => CertificateSummary {
                subject: info.subject,
                serial: info.serial_hex,
                not_after: crate::clock::rfc3339(info.not_after),
                facility: facility.as_ref().map(ToString::to_string),
            },
            // rustls already verified and therefore parsed this certificate; x509-parser
            // disagreeing would be a bug worth seeing rather than hiding.
            Err(error) => CertificateSummary {
                subject: format!("(unparseable: {error})"),
                serial: String::new(),
                not_after: String::new(),
                facility: facility.as_ref().map(ToString::to_string),
            },
        };
        Self {
            der,
            summary,
            facility,
        }
    }
}

/// The server-side rustls error of a failed handshake, verbatim when there is one
/// (tokio-rustls wraps it in an `io::Error`), e.g. `invalid peer certificate: Revoked`.
pub fn rejection_reason(error: &std::io::Error) -> String {
    match error.get_ref() {
        Some(inner) => match inner.downcast_ref::<rustls::Error>() {
            Some(rustls_error) => rustls_error.to_string(),
            None => inner.to_string(),
        },
        None => error.to_string(),
    }
}

/// Why a handshake failed and what to do, for the person reading the journal: a sentence
/// for every certificate problem rustls reports, never an enum name (issue 10 item 10).
pub fn rejection_explanation(
    error: &std::io::Error,
    presented: Option<&PresentedCertificate>,
) -> String {
    use rustls::Error as E;
    let Some(rustls_error) = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    else {
        return "the connection broke off during the TLS handshake (the client closed it or \
                the network failed)"
            .to_owned();
    };
    match rustls_error {
        E::NoCertificatesPresented => "no client certificate was presented: the mutual-TLS \
             listener needs the facility's certificate; configure it in the store client, or \
             connect through the VPN listener"
            .to_owned(),
        E::InvalidCertificate(certificate) => certificate_explanation(certificate, presented),
        E::PeerIncompatible(_) => "the client offers no TLS version or cipher suite the \
             service center accepts (TLS 1.2 or 1.3, ECDHE with AEAD): update the client's \
             TLS library or settings"
            .to_owned(),
        E::AlertReceived(alert) => format!(
            "the client ended the handshake with the TLS alert {alert:?} (often: it does not \
             trust the server certificate; check the CA file the client was given)"
        ),
        E::InvalidMessage(_) | E::PeerMisbehaved(_) | E::InappropriateHandshakeMessage { .. } => {
            "the client sent a TLS message that breaks the protocol".to_owned()
        }
        E::NoApplicationProtocol => "the client offers no ALPN protocol the service center \
             speaks (h2, http/1.1)"
            .to_owned(),
        other => format!("the TLS handshake failed: {other}"),
    }
}

/// The sentence for a refused client certificate, with the dates and names that make it
/// actionable when the certificate could be read.
fn certificate_explanation(
    error: &rustls::CertificateError,
    presented: Option<&PresentedCertificate>,
) -> String {
    use rustls::CertificateError as C;
    let field = |pick: fn(&PresentedCertificate) -> &str| {
        presented
            .map(pick)
            .filter(|value| !value.is_empty())
            .unwrap_or("unknown")
            .to_owned()
    };
    let why = match error {
        C::UnknownIssuer => format!(
            "was issued by a CA the service center does not trust (issuer {}): install the \
             certificate the service center's facility CA issued",
            field(|p| &p.issuer)
        ),
        C::Revoked => format!(
            "is revoked (the CA's revocation list names serial {}): ask the CA for a new \
             certificate",
            field(|p| &p.serial)
        ),
        C::Expired | C::ExpiredContext { .. } => format!(
            "has expired (valid until {}): ask for a renewed certificate",
            field(|p| &p.not_after)
        ),
        C::NotValidYet | C::NotValidYetContext { .. } => format!(
            "is not valid yet (valid from {}): check the client machine's clock, or wait",
            field(|p| &p.not_before)
        ),
        C::InvalidPurpose | C::InvalidPurposeContext { .. } => "is not made for TLS client \
             authentication (its extended key usage lacks clientAuth): install the facility's \
             client certificate"
            .to_owned(),
        C::BadSignature => "carries a signature that does not verify (damaged or forged)".into(),
        C::BadEncoding => "is not a well-formed certificate (damaged file?)".to_owned(),
        C::UnhandledCriticalExtension => {
            "carries a critical extension the service center does not understand".to_owned()
        }
        C::UnknownRevocationStatus => "has a revocation status the service center cannot \
             check (no revocation list of its CA)"
            .to_owned(),
        C::ExpiredRevocationList | C::ExpiredRevocationListContext { .. } => "could not be \
             checked: the service center's revocation list has expired (an operator must \
             publish a fresh CRL)"
            .to_owned(),
        C::UnsupportedSignatureAlgorithmContext { .. }
        | C::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            "is signed with an algorithm the service center does not accept".to_owned()
        }
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            "is not valid for the name it was checked against".to_owned()
        }
        C::InvalidOcspResponse => "came with an OCSP response that is not valid".to_owned(),
        C::ApplicationVerificationFailure => {
            "was refused by the service center's own checks".to_owned()
        }
        other => format!("was refused by the certificate check ({other})"),
    };
    format!("the client certificate {why}")
}

/// What the handshake negotiated, for whoami and the journal.
pub fn summarize(connection: &ServerConnection) -> TlsSummary {
    let version = match connection.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3".to_owned(),
        Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2".to_owned(),
        Some(other) => format!("{other:?}"),
        None => "unknown".to_owned(),
    };
    let cipher_suite = connection
        .negotiated_cipher_suite()
        .map(|s| iana_suite_name(&format!("{:?}", s.suite())))
        .unwrap_or_default();
    let alpn = connection
        .alpn_protocol()
        .map(|p| String::from_utf8_lossy(p).into_owned());
    TlsSummary {
        version,
        cipher_suite,
        alpn,
    }
}

/// rustls spells TLS 1.3 suites `TLS13_AES_128_GCM_SHA256`; IANA spells them
/// `TLS_AES_128_GCM_SHA256`. TLS 1.2 names already match.
fn iana_suite_name(rustls_name: &str) -> String {
    match rustls_name.strip_prefix("TLS13_") {
        Some(rest) => format!("TLS_{rest}"),
        None => rustls_name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A presented certificate with recognisable values.
    fn presented() -> PresentedCertificate {
        PresentedCertificate {
            subject: "CN=Facility 0112345678".into(),
            serial: "0a1b".into(),
            issuer: "CN=Some CA".into(),
            not_before: "2026-01-01T00:00:00.000Z".into(),
            not_after: "2026-02-01T00:00:00.000Z".into(),
            facility: Some("0112345678".into()),
        }
    }

    fn explain(error: rustls::Error) -> String {
        let wrapped = std::io::Error::new(std::io::ErrorKind::InvalidData, error);
        rejection_explanation(&wrapped, Some(&presented()))
    }

    #[test]
    fn every_certificate_refusal_reads_as_a_sentence_not_an_enum_name() {
        use rustls::CertificateError as C;
        // (error, a fragment of its sentence); the error's Debug name must not appear.
        let cases = [
            (C::UnknownIssuer, "does not trust (issuer CN=Some CA)"),
            (C::Revoked, "revocation list names serial 0a1b"),
            (
                C::Expired,
                "has expired (valid until 2026-02-01T00:00:00.000Z)",
            ),
            (
                C::NotValidYet,
                "is not valid yet (valid from 2026-01-01T00:00:00.000Z)",
            ),
            (C::InvalidPurpose, "not made for TLS client authentication"),
            (C::BadSignature, "signature that does not verify"),
            (C::BadEncoding, "not a well-formed certificate"),
            (C::UnhandledCriticalExtension, "critical extension"),
            (C::UnknownRevocationStatus, "revocation status"),
            (C::ExpiredRevocationList, "revocation list has expired"),
            (C::NotValidForName, "not valid for the name"),
            (C::InvalidOcspResponse, "OCSP response"),
            (C::ApplicationVerificationFailure, "own checks"),
        ];
        for (error, fragment) in cases {
            let name = format!("{error:?}");
            let sentence = explain(rustls::Error::InvalidCertificate(error));
            assert!(
                sentence.starts_with("the client certificate "),
                "{sentence}"
            );
            assert!(sentence.contains(fragment), "{name}: {sentence}");
            assert!(!sentence.contains(&name), "{name} leaks into {sentence}");
        }
    }

    #[test]
    fn handshake_failures_without_a_certificate_problem_are_explained_too() {
        let none = explain(rustls::Error::NoCertificatesPresented);
        assert!(
            none.starts_with("no client certificate was presented"),
            "{none}"
        );
        let broken = rejection_explanation(
            &std::io::Error::from(std::io::ErrorKind::UnexpectedEof),
            None,
        );
        assert!(
            broken.contains("broke off during the TLS handshake"),
            "{broken}"
        );
    }

    #[test]
    fn suite_names_follow_iana() {
        assert_eq!(
            iana_suite_name("TLS13_AES_128_GCM_SHA256"),
            "TLS_AES_128_GCM_SHA256"
        );
        assert_eq!(
            iana_suite_name("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
        );
    }

    #[test]
    fn only_aead_ecdhe_and_tls13_suites_are_offered() {
        // PROTO-TLS-002
        let suites: Vec<String> = provider()
            .cipher_suites
            .iter()
            .map(|s| format!("{:?}", s.suite()))
            .collect();
        assert!(!suites.is_empty());
        for suite in &suites {
            assert!(
                suite.starts_with("TLS13_") || suite.starts_with("TLS_ECDHE_"),
                "{suite}"
            );
        }
    }
}
