//! Who this client is on the TLS layer, and whom it trusts: the rustls `ClientConfig`.
//!
//! Files are parsed by `idlink_certs::load` (PEM and PKCS#12 in one place for the whole
//! workspace; its errors name the file). The resulting rustls configuration is handed to reqwest
//! preconfigured, which means reqwest does not set ALPN on it: we do, or HTTP/2 is never
//! negotiated (`PROTO-TLS-005`).

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use idlink_certs::load::{LoadError, LoadedIdentity};
use rustls::RootCertStore;
use rustls::client::WebPkiServerVerifier;
use rustls_pki_types::CertificateDer;

use crate::clock::{LocalClock, TimeTolerantVerifier};
use crate::config::{ClientConfig, IdentityConfig};

/// Why the TLS configuration could not be built. Each variant names the file involved.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// The CA bundle could not be read or parsed.
    #[error("the CA bundle named by `service.ca`")]
    CaFile(#[source] LoadError),
    /// The CA bundle holds no usable certificate.
    #[error("CA file {path}: {message}; check `service.ca`")]
    Ca {
        /// The CA file.
        path: PathBuf,
        /// What went wrong.
        message: CaProblem,
    },
    /// The client certificate or key could not be loaded.
    #[error("client identity")]
    Load(#[source] LoadError),
    /// rustls refused the certificate/key pair (for example the key does not match).
    #[error("client identity {path}: rustls refused it")]
    Rustls {
        /// The certificate or PKCS#12 file.
        path: PathBuf,
        /// rustls's reason.
        source: rustls::Error,
    },
}

/// What is wrong with a CA bundle that could be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaProblem {
    /// No certificate in the file.
    #[error("no certificate found")]
    Empty,
    /// Certificates that do not parse.
    #[error("no certificate in it could be parsed")]
    Unparsable,
    /// rustls refused the roots (its own words).
    #[error("{0}")]
    Verifier(String),
}

/// A loaded client identity and the file it came from (for messages).
#[derive(Debug)]
pub struct LoadedClientIdentity {
    /// The chain (leaf first) and its private key, as `idlink_certs::load` read them.
    pub identity: LoadedIdentity,
    /// The file named in messages (certificate or PKCS#12).
    pub path: PathBuf,
}

/// Installs ring as the process-wide rustls provider, once.
///
/// reqwest is built with `rustls-no-provider` and panics without one; `install_default` errors
/// on a second call (tests run many clients per process), hence the `OnceLock`.
pub fn ensure_crypto_provider() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Loads the CA bundle the server certificate must chain to (`PROTO-CLI-004`).
pub fn load_ca(config: &ClientConfig) -> Result<Vec<CertificateDer<'static>>, IdentityError> {
    let certs = idlink_certs::load::certificates_pem(&config.ca).map_err(IdentityError::CaFile)?;
    if certs.is_empty() {
        return Err(IdentityError::Ca {
            path: config.ca.clone(),
            message: CaProblem::Empty,
        });
    }
    Ok(certs)
}

/// Loads the client identity; `None` in VPN mode.
pub fn load_identity(config: &ClientConfig) -> Result<Option<LoadedClientIdentity>, IdentityError> {
    match &config.identity {
        IdentityConfig::Vpn => Ok(None),
        IdentityConfig::Pem { cert, key } => {
            let id = idlink_certs::load::identity_pem(cert, key).map_err(IdentityError::Load)?;
            Ok(Some(LoadedClientIdentity {
                identity: id,
                path: cert.clone(),
            }))
        }
        IdentityConfig::Pkcs12 { file, password } => {
            let id = idlink_certs::load::identity_pkcs12(file, password.expose())
                .map_err(IdentityError::Load)?;
            Ok(Some(LoadedClientIdentity {
                identity: id,
                path: file.clone(),
            }))
        }
    }
}

/// Builds the rustls configuration: our CA only, our identity (unless VPN), ALPN h2 + http/1.1.
pub fn tls_config(config: &ClientConfig) -> Result<rustls::ClientConfig, IdentityError> {
    tls_config_at(config, LocalClock::system())
}

/// [`tls_config`], judging certificate validity by `clock` (tests of a wrong clock).
pub fn tls_config_at(
    config: &ClientConfig,
    clock: LocalClock,
) -> Result<rustls::ClientConfig, IdentityError> {
    let (provider, roots) = provider_and_roots(config)?;
    let builder = versions(config, provider, clock)?.with_root_certificates(roots);
    finish(config, builder)
}

/// A configuration for reading the service center's time when the local clock makes its
/// certificate look expired or not yet valid: the chain and the name are still verified, only
/// the validity window is forgiven (see [`TimeTolerantVerifier`]). Never used to upload.
pub fn time_probe_config(
    config: &ClientConfig,
    clock: LocalClock,
) -> Result<(rustls::ClientConfig, Arc<TimeTolerantVerifier>), IdentityError> {
    let (provider, roots) = provider_and_roots(config)?;
    let strict = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| IdentityError::Ca {
            path: config.ca.clone(),
            message: CaProblem::Verifier(e.to_string()),
        })?;
    let verifier = Arc::new(TimeTolerantVerifier::new(strict));
    let builder = versions(config, provider, clock)?
        .dangerous()
        .with_custom_certificate_verifier(verifier.clone());
    Ok((finish(config, builder)?, verifier))
}

/// The protocol versions we offer, with certificate dates judged by `clock`.
fn versions(
    config: &ClientConfig,
    provider: Arc<rustls::crypto::CryptoProvider>,
    clock: LocalClock,
) -> Result<rustls::ConfigBuilder<rustls::ClientConfig, rustls::WantsVerifier>, IdentityError> {
    rustls::ClientConfig::builder_with_details(provider, Arc::new(clock))
        .with_safe_default_protocol_versions()
        .map_err(|source| IdentityError::Rustls {
            path: config.ca.clone(),
            source,
        })
}

fn provider_and_roots(
    config: &ClientConfig,
) -> Result<(Arc<rustls::crypto::CryptoProvider>, RootCertStore), IdentityError> {
    ensure_crypto_provider();
    let mut roots = RootCertStore::empty();
    let ca = load_ca(config)?;
    let (added, _ignored) = roots.add_parsable_certificates(ca);
    if added == 0 {
        return Err(IdentityError::Ca {
            path: config.ca.clone(),
            message: CaProblem::Unparsable,
        });
    }
    Ok((Arc::new(rustls::crypto::ring::default_provider()), roots))
}

/// Adds our identity (unless VPN) and ALPN.
fn finish(
    config: &ClientConfig,
    builder: rustls::ConfigBuilder<rustls::ClientConfig, rustls::client::WantsClientCert>,
) -> Result<rustls::ClientConfig, IdentityError> {
    let mut tls = match load_identity(config)? {
        None => builder.with_no_client_auth(),
        Some(id) => builder
            .with_client_auth_cert(id.identity.chain, id.identity.key)
            .map_err(|source| IdentityError::Rustls {
                path: id.path,
                source,
            })?,
    };
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tls)
}
