//! The PKI against rustls: a server with mandatory client authentication accepts the valid
//! client certificate and rejects each broken one with the matching error, and a client that
//! trusts the root rejects each broken server certificate.
//!
//! Client-certificate verdicts are asserted on the *server's* error: under TLS 1.3 the client's
//! view of a rejection races (see shared/reference/crates.md §2c), the server's does not.

use std::sync::Arc;

use idlink_certs::{Identity, Pki, ServerVariant, Variant};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::ServerName;
use rustls::server::WebPkiClientVerifier;
use rustls::{
    CertificateError, ClientConfig, Error, ExtendedKeyPurpose, RootCertStore, ServerConfig,
};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::{TlsAcceptor, TlsConnector};

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn roots(pki: &Pki) -> Arc<RootCertStore> {
    let mut roots = RootCertStore::empty();
    roots
        .add(pki.ca_der())
        .expect("root CA is a valid trust anchor");
    Arc::new(roots)
}

/// The service center's TLS config: valid server certificate, client auth mandatory, CRLs on.
fn server_config(pki: &Pki) -> Arc<ServerConfig> {
    let verifier = WebPkiClientVerifier::builder_with_provider(roots(pki), provider())
        .with_crls(pki.crl_der())
        .build()
        .expect("client verifier");
    let server = pki.server(ServerVariant::Valid);
    let config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_client_cert_verifier(verifier)
        .with_single_cert(server.chain_der(), server.key_der())
        .expect("server certificate and key");
    Arc::new(config)
}

/// A client that trusts the root and presents `identity`, if any.
fn client_config(pki: &Pki, identity: Option<&Identity>) -> Arc<ClientConfig> {
    let verifier = WebPkiServerVerifier::builder_with_provider(roots(pki), provider())
        .build()
        .expect("server verifier");
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_webpki_verifier(verifier);
    let config = match identity {
        Some(id) => builder
            .with_client_auth_cert(id.chain_der(), id.key_der())
            .expect("client"),
        None => builder.with_no_client_auth(),
    };
    Arc::new(config)
}

/// What each side of one handshake over loopback concluded.
struct Outcome {
    server: Result<(), Error>,
    client: Result<(), Error>,
}

async fn handshake(server: Arc<ServerConfig>, client: Arc<ClientConfig>, host: &str) -> Outcome {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    let acceptor = TlsAcceptor::from(server);
    let server_side = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.expect("accept");
        acceptor.accept(tcp).await.map(drop)
    });
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let name = ServerName::try_from(host.to_owned()).expect("server name");
    let client = TlsConnector::from(client)
        .connect(name, tcp)
        .await
        .map(drop);
    let server = server_side.await.expect("server task");
    Outcome {
        server: server.map_err(rustls_error),
        client: client.map_err(rustls_error),
    }
}

/// The rustls error inside tokio-rustls' io::Error.
fn rustls_error(e: std::io::Error) -> Error {
    match e.get_ref().and_then(|inner| inner.downcast_ref::<Error>()) {
        Some(err) => err.clone(),
        None => Error::General(format!("not a rustls error: {e}")),
    }
}

type Expect = fn(&Result<(), Error>) -> bool;

/// One row per client variant: what the server must conclude.
const CLIENT_CASES: &[(Variant, &str, Expect)] = &[
    (Variant::Valid, "accepted", |r| r.is_ok()),
    (
        Variant::Expired,
        "InvalidCertificate(ExpiredContext)",
        |r| {
            matches!(
                r,
                Err(Error::InvalidCertificate(
                    CertificateError::ExpiredContext { .. }
                ))
            )
        },
    ),
    (
        Variant::NotYetValid,
        "InvalidCertificate(NotValidYetContext)",
        |r| {
            matches!(
                r,
                Err(Error::InvalidCertificate(
                    CertificateError::NotValidYetContext { .. }
                ))
            )
        },
    ),
    (Variant::Revoked, "InvalidCertificate(Revoked)", |r| {
        matches!(r, Err(Error::InvalidCertificate(CertificateError::Revoked)))
    }),
    (
        Variant::UnknownCa,
        "InvalidCertificate(UnknownIssuer)",
        |r| {
            matches!(
                r,
                Err(Error::InvalidCertificate(CertificateError::UnknownIssuer))
            )
        },
    ),
    (
        Variant::WrongEku,
        "InvalidCertificate(InvalidPurposeContext { required: ClientAuth })",
        |r| {
            matches!(
                r,
                Err(Error::InvalidCertificate(
                    CertificateError::InvalidPurposeContext {
                        required: ExtendedKeyPurpose::ClientAuth,
                        ..
                    }
                ))
            )
        },
    ),
    (
        Variant::SelfSigned,
        "InvalidCertificate(UnknownIssuer)",
        |r| {
            matches!(
                r,
                Err(Error::InvalidCertificate(CertificateError::UnknownIssuer))
            )
        },
    ),
    // TLS cannot know which facility an account belongs to: the application must refuse it.
    (
        Variant::OtherFacility,
        "accepted (refused later by the application)",
        |r| r.is_ok(),
    ),
];

async fn assert_client_table(pki: &Pki) {
    assert_eq!(
        CLIENT_CASES.len(),
        Variant::ALL.len(),
        "one row per variant"
    );
    let server = server_config(pki);
    for (variant, expected, check) in CLIENT_CASES {
        let client = client_config(pki, Some(pki.client(*variant)));
        let outcome = handshake(server.clone(), client, "localhost").await;
        assert!(
            check(&outcome.server),
            "{} client {variant}: expected the server to conclude {expected}, got {:?}",
            pki.key_type(),
            outcome.server
        );
    }
}

#[tokio::test]
async fn a_server_requiring_client_auth_accepts_the_valid_ecdsa_client_and_rejects_each_broken_one()
{
    assert_client_table(crate::ecdsa()).await;
}

#[tokio::test]
async fn a_server_requiring_client_auth_accepts_the_valid_rsa_client_and_rejects_each_broken_one() {
    assert_client_table(crate::rsa()).await;
}

#[tokio::test]
async fn a_server_requiring_client_auth_rejects_a_client_without_a_certificate() {
    let pki = crate::ecdsa();
    let outcome = handshake(server_config(pki), client_config(pki, None), "localhost").await;
    assert!(
        matches!(outcome.server, Err(Error::NoCertificatesPresented)),
        "{:?}",
        outcome.server
    );
}

#[tokio::test]
async fn the_server_sees_the_facility_of_the_client_certificate() {
    // Arrange
    let pki = crate::ecdsa();
    let client = pki.client(Variant::OtherFacility);
    // Act
    let facility = idlink_certs::inspect::facility_of(client.cert_der());
    // Assert
    assert_eq!(facility.as_ref(), Some(pki.other_facility()));
    assert_eq!(client.facility(), Some(pki.other_facility()));
    assert_ne!(pki.facility(), pki.other_facility());
}

/// One row per server variant: what a client that trusts the root must conclude.
const SERVER_CASES: &[(ServerVariant, &str, Expect)] = &[
    (ServerVariant::Valid, "accepted", |r| r.is_ok()),
    (
        ServerVariant::Expired,
        "InvalidCertificate(ExpiredContext)",
        |r| {
            matches!(
                r,
                Err(Error::InvalidCertificate(
                    CertificateError::ExpiredContext { .. }
                ))
            )
        },
    ),
    (
        ServerVariant::WrongHost,
        "InvalidCertificate(NotValidForNameContext)",
        |r| {
            matches!(
                r,
                Err(Error::InvalidCertificate(
                    CertificateError::NotValidForNameContext { .. }
                ))
            )
        },
    ),
    (
        ServerVariant::UnknownCa,
        "InvalidCertificate(UnknownIssuer)",
        |r| {
            matches!(
                r,
                Err(Error::InvalidCertificate(CertificateError::UnknownIssuer))
            )
        },
    ),
];

#[tokio::test]
async fn a_client_trusting_the_root_accepts_the_valid_server_and_rejects_each_broken_one() {
    let pki = crate::ecdsa();
    assert_eq!(
        SERVER_CASES.len(),
        ServerVariant::ALL.len(),
        "one row per variant"
    );
    for host in ["localhost", "127.0.0.1", "::1"] {
        for (variant, expected, check) in SERVER_CASES {
            let server = pki.server(*variant);
            let config = ServerConfig::builder_with_provider(provider())
                .with_safe_default_protocol_versions()
                .expect("protocol versions")
                .with_no_client_auth()
                .with_single_cert(server.chain_der(), server.key_der())
                .expect("server certificate");
            let client = client_config(pki, None);
            let outcome = handshake(Arc::new(config), client, host).await;
            assert!(
                check(&outcome.client),
                "server {variant} as {host}: expected the client to conclude {expected}, got {:?}",
                outcome.client
            );
        }
    }
}
