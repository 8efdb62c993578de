//! The handshake: every broken client certificate is refused by the mTLS listener and journaled
//! with rustls's reason (asserted on the journal, never on the client's error: under TLS 1.3 the
//! client's view races, see docs/protocol.md `PROTO-CLI-006`).

use idlink_certs::{Identity, Variant};
use idlink_mock::JournalEvent;
use rustls::HandshakeKind;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use crate::support::*;

/// One row per broken certificate: the variant, a fragment of the server-side reason (rustls's,
/// verbatim) and of the explanation for people (issue 10 item 10).
const REFUSED: &[(Option<Variant>, &str, &str)] = &[
    (
        None,
        "peer sent no certificates",
        "no client certificate was presented",
    ),
    (
        Some(Variant::Expired),
        "certificate expired",
        "the client certificate has expired",
    ),
    (
        Some(Variant::NotYetValid),
        "certificate not valid yet",
        "the client certificate is not valid yet",
    ),
    (
        Some(Variant::Revoked),
        "invalid peer certificate: Revoked",
        "the client certificate is revoked",
    ),
    (
        Some(Variant::UnknownCa),
        "invalid peer certificate: UnknownIssuer",
        "issued by a CA the service center does not trust",
    ),
    (
        Some(Variant::WrongEku),
        "extended key usage",
        "not made for TLS client authentication",
    ),
    (
        Some(Variant::SelfSigned),
        "invalid peer certificate: UnknownIssuer",
        "issued by a CA the service center does not trust",
    ),
];

#[tokio::test]
async fn every_broken_client_certificate_is_refused_at_the_handshake_and_journaled_with_its_reason()
{
    // PROTO-TLS-003
    for (variant, expected, explained) in REFUSED {
        // Arrange
        let center = demo_center().await;
        let identity = variant.map(|v| pki(&center).client(v));
        let client = client_with(pki(&center), identity, false);

        // Act
        let result = client
            .get(format!("{}/v1/whoami", center.mtls_url()))
            .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
            .send()
            .await;

        // Assert
        assert!(result.is_err(), "{variant:?} must not get an HTTP answer");
        let reason = rejection_reason(&center).await;
        assert!(
            reason.contains(expected),
            "{variant:?}: journaled reason {reason:?} lacks {expected:?}"
        );
        let (explanation, presented) = center
            .journal()
            .entries()
            .into_iter()
            .find_map(|e| match e.event {
                JournalEvent::HandshakeRejected {
                    explanation,
                    presented_certificate,
                    ..
                } => Some((explanation, presented_certificate)),
                _ => None,
            })
            .expect("the rejection is journaled");
        assert!(
            explanation.contains(explained),
            "{variant:?}: explanation {explanation:?} lacks {explained:?}"
        );
        // Issue 10 item 10: the entry names the certificate that was refused.
        match identity {
            None => assert_eq!(presented, None, "nothing was presented"),
            Some(identity) => assert_names(
                &presented.expect("the presented certificate is journaled"),
                identity,
                pki(&center),
                &explanation,
            ),
        }
        let requests = center
            .journal()
            .entries()
            .into_iter()
            .filter(|e| matches!(e.event, JournalEvent::Request { .. }))
            .count();
        assert_eq!(requests, 0, "{variant:?}: no HTTP exchange may happen");
        center.shutdown().await;
    }
}

/// The journaled certificate is the identity's: subject, serial (hex), issuer (the subject of
/// the next certificate in its chain, or its own for a self-signed one), validity as RFC 3339.
fn assert_names(
    presented: &idlink_mock::tls::PresentedCertificate,
    identity: &Identity,
    pki: &idlink_certs::Pki,
    why: &str,
) {
    let name = identity.name();
    let subject = idlink_certs::inspect::subject_of(identity.cert_der());
    assert_eq!(presented.subject, subject, "{name}");
    assert_eq!(presented.serial, identity.serial_hex(), "{name}");
    let chain = identity.chain_der();
    let issuer = match chain.get(1) {
        Some(parent) => idlink_certs::inspect::subject_of(parent),
        // The unknown CA's leaf comes alone; a self-signed one is its own issuer.
        None if name.contains("unknown-ca") => {
            use rustls::pki_types::pem::PemObject as _;
            let pem = pki.unknown_ca_pem();
            let ca = rustls::pki_types::CertificateDer::from_pem_slice(pem.as_bytes()).unwrap();
            idlink_certs::inspect::subject_of(&ca)
        }
        None => subject.clone(),
    };
    assert_eq!(presented.issuer, issuer, "{name}");
    let rfc3339 = &time::format_description::well_known::Rfc3339;
    for (field, value, expected) in [
        ("not_before", &presented.not_before, identity.not_before()),
        ("not_after", &presented.not_after, identity.not_after()),
    ] {
        let parsed = time::OffsetDateTime::parse(value, rfc3339)
            .unwrap_or_else(|e| panic!("{name}: {field} {value:?} is not RFC 3339: {e}"));
        assert_eq!(
            parsed.unix_timestamp(),
            expected.unix_timestamp(),
            "{name}: {field}"
        );
    }
    for enum_name in [
        "UnknownIssuer",
        "Revoked",
        "Expired",
        "NotValidYet",
        "InvalidPurpose",
    ] {
        assert!(!why.contains(enum_name), "{name}: {why:?} reads like code");
    }
}

#[tokio::test]
async fn a_second_connection_to_the_mtls_listener_is_a_full_handshake_never_a_resumption() {
    // PROTO-TLS-007 (issue 10 item 9): a resumed session would skip the certificate check.
    let center = demo_center().await;
    let identity = pki(&center).client(Variant::Valid);
    for tls12 in [false, true] {
        // Arrange: a rustls client that resumes whenever the server lets it
        let (kinds, resumable) =
            two_connections(&center, center.mtls_addr(), Some(identity), tls12).await;

        // Assert
        assert_eq!(
            kinds,
            [HandshakeKind::Full, HandshakeKind::Full],
            "TLS 1.2 only: {tls12}"
        );
        assert_eq!(
            resumable, 0,
            "no session ID or ticket was given (TLS 1.2 only: {tls12})"
        );
    }
    center.shutdown().await;
}

#[tokio::test]
async fn the_vpn_listener_still_resumes_sessions_because_they_carry_no_identity() {
    // PROTO-TLS-007: the account is checked on every request there, resumed or not.
    let center = demo_center().await;

    let (kinds, _) = two_connections(&center, center.vpn_addr(), None, false).await;

    assert_eq!(kinds, [HandshakeKind::Full, HandshakeKind::Resumed]);
    center.shutdown().await;
}

/// Two connections from one rustls client configuration with an in-memory session store, each
/// reading a whole answer (TLS 1.3 tickets arrive after the handshake); returns how each
/// handshake went and how many resumption secrets the server handed out.
async fn two_connections(
    center: &idlink_mock::MockCenter,
    addr: std::net::SocketAddr,
    identity: Option<&Identity>,
    tls12_only: bool,
) -> (Vec<HandshakeKind>, usize) {
    idlink_mock::ensure_crypto_provider();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pki(center).ca_der()).unwrap();
    let builder = if tls12_only {
        rustls::ClientConfig::builder_with_protocol_versions(&[&rustls::version::TLS12])
    } else {
        rustls::ClientConfig::builder()
    }
    .with_root_certificates(roots);
    let mut config = match identity {
        Some(id) => builder
            .with_client_auth_cert(id.chain_der(), id.key_der())
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let store = std::sync::Arc::new(CountingSessions::default());
    config.resumption = rustls::client::Resumption::store(store.clone());
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let mut kinds = Vec::new();
    for _ in 0..2 {
        let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let mut tls = connector.connect(name, tcp).await.unwrap();
        kinds.push(tls.get_ref().1.handshake_kind().expect("handshake done"));
        tls.write_all(b"GET /v1/whoami HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(WAIT, tls.read_to_end(&mut answer))
            .await
            .expect("the answer ends");
        assert!(
            answer.starts_with(b"HTTP/1.1 401"),
            "{:?}",
            String::from_utf8_lossy(&answer)
        );
    }
    let resumable = store.given.load(std::sync::atomic::Ordering::SeqCst);
    (kinds, resumable)
}

/// rustls's in-memory client session store, counting the TLS 1.2 sessions and TLS 1.3 tickets
/// the server gave.
#[derive(Debug)]
struct CountingSessions {
    inner: rustls::client::ClientSessionMemoryCache,
    given: std::sync::atomic::AtomicUsize,
}

impl Default for CountingSessions {
    fn default() -> Self {
        Self {
            inner: rustls::client::ClientSessionMemoryCache::new(16),
            given: Default::default(),
        }
    }
}

impl rustls::client::ClientSessionStore for CountingSessions {
    fn set_kx_hint(
        &self,
        server_name: rustls::pki_types::ServerName<'static>,
        group: rustls::NamedGroup,
    ) {
        self.inner.set_kx_hint(server_name, group)
    }

    fn kx_hint(
        &self,
        server_name: &rustls::pki_types::ServerName<'_>,
    ) -> Option<rustls::NamedGroup> {
        self.inner.kx_hint(server_name)
    }

    fn set_tls12_session(
        &self,
        server_name: rustls::pki_types::ServerName<'static>,
        value: rustls::client::Tls12ClientSessionValue,
    ) {
        // rustls stores a TLS 1.2 session only when the server gave an ID or a ticket.
        self.given.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.set_tls12_session(server_name, value)
    }

    fn tls12_session(
        &self,
        server_name: &rustls::pki_types::ServerName<'_>,
    ) -> Option<rustls::client::Tls12ClientSessionValue> {
        self.inner.tls12_session(server_name)
    }

    fn remove_tls12_session(&self, server_name: &rustls::pki_types::ServerName<'static>) {
        self.inner.remove_tls12_session(server_name)
    }

    fn insert_tls13_ticket(
        &self,
        server_name: rustls::pki_types::ServerName<'static>,
        value: rustls::client::Tls13ClientSessionValue,
    ) {
        self.given.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.insert_tls13_ticket(server_name, value)
    }

    fn take_tls13_ticket(
        &self,
        server_name: &rustls::pki_types::ServerName<'static>,
    ) -> Option<rustls::client::Tls13ClientSessionValue> {
        self.inner.take_tls13_ticket(server_name)
    }
}

#[tokio::test]
async fn the_other_facilitys_certificate_gets_403_certificate_facility_mismatch() {
    // PROTO-AUTH-006
    let center = demo_center().await;
    let client = client_with(
        pki(&center),
        Some(pki(&center).client(Variant::OtherFacility)),
        false,
    );

    let response = client
        .get(format!("{}/v1/whoami", center.mtls_url()))
        .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
        .send()
        .await
        .unwrap();
    let own = client
        .get(format!("{}/v1/whoami", center.mtls_url()))
        .basic_auth(OTHER_ACCOUNT.0, Some(OTHER_ACCOUNT.1))
        .send()
        .await
        .unwrap();

    let problem = problem(response).await;
    assert_eq!(problem.code, "certificate-facility-mismatch");
    assert_eq!(problem.requirement, "PROTO-AUTH-006");
    assert!(problem.detail.contains("0198765432"), "{}", problem.detail);
    assert_eq!(
        own.status(),
        200,
        "the certificate is fine for its own facility's account"
    );
    center.shutdown().await;
}

#[tokio::test]
async fn tls_1_2_with_an_aead_ecdhe_suite_is_accepted_as_the_floor() {
    // PROTO-TLS-002
    let center = demo_center().await;
    let client = client_with(
        pki(&center),
        Some(pki(&center).client(Variant::Valid)),
        true,
    );

    let whoami: idlink_protocol::WhoAmI = client
        .get(format!("{}/v1/whoami", center.mtls_url()))
        .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    assert_eq!(whoami.tls.version, "TLSv1.2");
    assert!(
        whoami.tls.cipher_suite.starts_with("TLS_ECDHE_"),
        "{}",
        whoami.tls.cipher_suite
    );
    assert!(
        whoami.tls.cipher_suite.contains("GCM") || whoami.tls.cipher_suite.contains("CHACHA20")
    );
    center.shutdown().await;
}

#[tokio::test]
async fn both_listeners_offer_h2_and_http_1_1_by_alpn() {
    // PROTO-TLS-005
    let center = demo_center().await;
    for alpn in [&b"h2"[..], b"http/1.1"] {
        idlink_mock::ensure_crypto_provider();
        let mut roots = rustls::RootCertStore::empty();
        roots.add(pki(&center).ca_der()).unwrap();
        let mut config = rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![alpn.to_vec()];
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(config)
            .build()
            .unwrap();
        let whoami: idlink_protocol::WhoAmI = client
            .get(format!("{}/v1/whoami", center.vpn_url()))
            .basic_auth(VPN_ACCOUNT.0, Some(VPN_ACCOUNT.1))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(whoami.tls.alpn.as_deref().map(str::as_bytes), Some(alpn));
    }
    center.shutdown().await;
}

#[tokio::test]
async fn the_server_certificate_is_valid_for_localhost_and_127_0_0_1() {
    // PROTO-TLS-006 / PROTO-TLS-001 (only HTTPS is spoken: both URLs are https)
    let center = demo_center().await;
    let client = vpn_client(&center);
    for base in [
        center.vpn_url(),
        format!("https://127.0.0.1:{}", center.vpn_addr().port()),
    ] {
        assert!(base.starts_with("https://"));
        let status = client
            .get(format!("{base}/v1/whoami"))
            .basic_auth(VPN_ACCOUNT.0, Some(VPN_ACCOUNT.1))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200, "{base}");
    }
    center.shutdown().await;
}

#[tokio::test]
async fn the_vpn_listener_asks_for_no_client_certificate() {
    // PROTO-TLS-004: a client that would present one still gets no certificate request.
    let center = demo_center().await;
    let client = client_with(
        pki(&center),
        Some(pki(&center).client(Variant::Valid)),
        false,
    );

    let whoami: idlink_protocol::WhoAmI = client
        .get(format!("{}/v1/whoami", center.vpn_url()))
        .basic_auth(VPN_ACCOUNT.0, Some(VPN_ACCOUNT.1))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    assert!(whoami.client_certificate.is_none());
    center.shutdown().await;
}

/// A client whose clock reads `offset` from the machine's (what a center living at that offset
/// looks like from its side, turned around).
fn client_at(pki: &idlink_certs::Pki, offset: time::Duration) -> reqwest::Client {
    #[derive(Debug)]
    struct Shifted(time::Duration);
    impl rustls::time_provider::TimeProvider for Shifted {
        fn current_time(&self) -> Option<rustls::pki_types::UnixTime> {
            let at = time::OffsetDateTime::now_utc() + self.0;
            Some(rustls::pki_types::UnixTime::since_unix_epoch(
                std::time::Duration::from_secs(at.unix_timestamp() as u64),
            ))
        }
    }
    idlink_mock::ensure_crypto_provider();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pki.ca_der()).unwrap();
    let identity = pki.client(Variant::Valid);
    let mut config = rustls::ClientConfig::builder_with_details(
        std::sync::Arc::new(rustls::crypto::ring::default_provider()),
        std::sync::Arc::new(Shifted(offset)),
    )
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_client_auth_cert(identity.chain_der(), identity.key_der())
    .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .timeout(WAIT)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_center_whose_clock_is_days_ahead_judges_and_states_its_own_time() {
    // The center and its PKI live 3 days ahead of this machine.
    let ahead = time::Duration::days(3);
    let pki = idlink_certs::Pki::builder()
        .now(time::OffsetDateTime::now_utc() + ahead)
        .build()
        .unwrap();
    let center = idlink_mock::MockCenter::builder(idlink_mock::MockConfig::demo())
        .pki(pki)
        .clock_offset(ahead)
        .start()
        .await
        .unwrap();
    let pki = center.pki().unwrap();

    // A client on the center's time is accepted: the center judged the client certificate,
    // which starts 2 days from now by this machine, at its own time.
    let answer = client_at(pki, ahead)
        .get(format!("{}/v1/whoami", center.mtls_url()))
        .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
        .send()
        .await
        .expect("a client living at the center's time connects");
    assert_eq!(answer.status(), 200);
    let date = answer.headers()["date"].to_str().unwrap().to_owned();
    let date =
        time::OffsetDateTime::parse(&date, &time::format_description::well_known::Rfc2822).unwrap();
    let whoami: serde_json::Value = answer.json().await.unwrap();
    let server_time = time::OffsetDateTime::parse(
        whoami["server_time"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let expected = time::OffsetDateTime::now_utc() + ahead;
    for (what, at) in [("Date", date), ("server_time", server_time)] {
        assert!(
            (at - expected).abs() < time::Duration::minutes(1),
            "{what} {at} is not the center's time {expected}"
        );
    }

    // A client on this machine's (correct) time must refuse the center's certificate.
    let refused = client_at(pki, time::Duration::ZERO)
        .get(format!("{}/v1/whoami", center.mtls_url()))
        .send()
        .await
        .expect_err("the server certificate is not valid yet by this machine's clock");
    let chain = format!("{:?}", refused);
    assert!(chain.contains("NotValidYet"), "{chain}");
    center.shutdown().await;
}
