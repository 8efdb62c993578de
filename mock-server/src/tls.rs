//! TLS for both listeners: rustls server configurations on the ring provider, and what a
//! finished handshake tells the application (`PROTO-TLS-*`).
//!
//! The mTLS listener verifies client certificates with `WebPkiClientVerifier` against the
//! facility CA and its CRLs, so every certificate rule of `PROTO-TLS-003` is enforced during the
//! handshake and the rejection reason is rustls's own, verbatim. The VPN listener asks for no
//! certificate at all (`PROTO-TLS-004`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use idlink_certs::Pki;

use idlink_protocol::{CertificateSummary, FacilityCode, TlsSummary};
use rustls::crypto::CryptoProvider;
use rustls::server::{ServerConnection, WebPkiClientVerifier};
use rustls::{RootCertStore, ServerConfig};
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};

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
        }
    }

    /// The same material from a directory written by `Pki::write_to` (how `idlink-mock serve`
    /// reuses its PKI across restarts). The valid server identity is required; the broken ones
    /// are loaded when their files are there.
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

/// The main listener's configuration: client certificate required and verified with the CRLs.
pub fn mtls_server_config(
    material: &TlsMaterial,
    variant: ServerCertificate,
    clock: &crate::clock::Clock,
) -> Result<Arc<ServerConfig>, TlsError> {
    let err = |reason: String| TlsError::Config {
        listener: "mTLS",
        reason,
    };
    let provider = provider();
    let mut roots = RootCertStore::empty();
    for root in &material.client_roots {
        roots.add(root.clone()).map_err(|e| err(e.to_string()))?;
    }
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .with_crls(material.crls.iter().cloned())
        .build()
        .map_err(|e| err(e.to_string()))?;
    let mut config = ServerConfig::builder_with_details(provider, clock.tls_time())
        .with_protocol_versions(VERSIONS)
        .map_err(|e| err(e.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            material.server(variant).map_err(err)?.chain.clone(),
            material.server(variant).map_err(err)?.key.clone_key(),
        )
        .map_err(|e| err(e.to_string()))?;
    config.alpn_protocols = alpn();
    Ok(Arc::new(config))
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
