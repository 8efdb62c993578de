//! Connection-level limits: the handshake timeout, the connection limit, graceful stop.

use idlink_mock::{JournalEvent, MockCenter, MockConfig};
use tokio::net::TcpStream;

use crate::support::*;

#[tokio::test]
async fn a_client_that_never_sends_a_client_hello_is_dropped_after_the_handshake_timeout() {
    // Arrange
    let mut config = MockConfig::demo();
    config.limits.handshake_timeout_ms = 100;
    let center = MockCenter::start(config).await.unwrap();

    // Act: a silent TCP connection, and a normal client at the same time.
    let _silent = TcpStream::connect(center.mtls_addr()).await.unwrap();
    let status = mtls_client(&center)
        .get(format!("{}/v1/whoami", center.mtls_url()))
        .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
        .send()
        .await
        .unwrap()
        .status();

    // Assert: the silent one did not block the accept loop, and it was timed out.
    assert_eq!(status, 200);
    let entry = center
        .journal()
        .wait_for(
            |e| matches!(e.event, JournalEvent::HandshakeTimeout { .. }),
            WAIT,
        )
        .await
        .unwrap();
    assert!(matches!(
        entry.event,
        JournalEvent::HandshakeTimeout { after_ms: 100 }
    ));
    center.shutdown().await;
}

#[tokio::test]
async fn a_connection_over_the_limit_is_closed_and_journaled() {
    let mut config = MockConfig::demo();
    config.limits.max_connections = 1;
    let center = MockCenter::start(config).await.unwrap();

    let _first = TcpStream::connect(center.vpn_addr()).await.unwrap();
    center
        .journal()
        .wait_for(|e| matches!(e.event, JournalEvent::Connection { .. }), WAIT)
        .await
        .unwrap();
    let _second = TcpStream::connect(center.vpn_addr()).await.unwrap();

    let refused = center
        .journal()
        .wait_for(
            |e| matches!(e.event, JournalEvent::ConnectionRefused { .. }),
            WAIT,
        )
        .await
        .unwrap();
    assert!(
        matches!(&refused.event, JournalEvent::ConnectionRefused { reason, .. } if reason.contains("limit")),
        "{refused:?}"
    );
    center.shutdown().await;
}

#[tokio::test]
async fn shutdown_is_graceful_and_bounded_with_an_idle_connection_open() {
    let center = demo_center().await;
    let client = mtls_client(&center);
    let status = client
        .get(format!("{}/v1/whoami", center.mtls_url()))
        .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);

    // The pooled HTTP/2 connection is still open; shutdown must not wait for the client.
    tokio::time::timeout(WAIT, center.shutdown())
        .await
        .expect("shutdown finishes");
}
