//! Connection-level limits: the handshake timeout, the connection limit, graceful stop, and
//! the timeouts after the handshake (request head, upload body, idle connection).

use futures_util::StreamExt as _;
use idlink_mock::{JournalEvent, MockCenter, MockConfig, TimeoutKind};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
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

/// Reads until the server closes (EOF or an error) or `WAIT` passes; returns what was read and
/// whether the server closed.
async fn read_until_closed(
    tls: &mut tokio_rustls::client::TlsStream<TcpStream>,
) -> (Vec<u8>, bool) {
    let mut received = Vec::new();
    let closed = tokio::time::timeout(WAIT, async {
        let mut buf = [0u8; 4096];
        loop {
            match tls.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .is_ok();
    (received, closed)
}

fn timeouts(center: &MockCenter, kind: TimeoutKind) -> Vec<u64> {
    center
        .journal()
        .entries()
        .into_iter()
        .filter_map(|e| match e.event {
            JournalEvent::Timeout {
                timeout, after_ms, ..
            } if timeout == kind => Some(after_ms),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn clients_stalled_halfway_through_their_headers_are_cut_and_free_their_connection_slots() {
    // Issue 10 item 7. Arrange: room for two connections, a short header timeout.
    let mut config = MockConfig::demo();
    config.limits.max_connections = 2;
    config.limits.header_read_timeout_ms = 300;
    let center = MockCenter::start(config).await.unwrap();

    // Act: two clients finish the handshake and send half a request line, then nothing.
    let mut stalled = Vec::new();
    for _ in 0..2 {
        let mut tls = tls_connection(&center).await;
        tls.write_all(b"GET /v1/whoami HT").await.unwrap();
        tls.flush().await.unwrap();
        stalled.push(tls);
    }
    let mut closed = Vec::new();
    for tls in &mut stalled {
        closed.push(read_until_closed(tls).await.1);
    }
    let third = vpn_client(&center)
        .get(format!("{}/v1/whoami", center.vpn_url()))
        .basic_auth(VPN_ACCOUNT.0, Some(VPN_ACCOUNT.1))
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(closed, [true, true], "the stalled clients were cut");
    assert_eq!(third.status(), 200);
    assert_eq!(timeouts(&center, TimeoutKind::HeaderRead), [300, 300]);
    center.shutdown().await;
}

#[tokio::test]
async fn a_connection_that_never_sends_a_request_is_closed_after_the_idle_timeout() {
    // Issue 10 item 7: no byte at all after the handshake.
    let mut config = MockConfig::demo();
    config.limits.idle_timeout_ms = 300;
    let center = MockCenter::start(config).await.unwrap();

    let mut tls = tls_connection(&center).await;
    let (_, closed) = read_until_closed(&mut tls).await;

    assert!(closed, "the idle connection was closed");
    assert_eq!(timeouts(&center, TimeoutKind::Idle), [300]);
    center.shutdown().await;
}

#[tokio::test]
async fn the_timeouts_are_scaled_by_the_clock() {
    let mut config = MockConfig::demo();
    config.limits.header_read_timeout_ms = 2_400;
    let center = MockCenter::builder(config)
        .time_scale(0.5)
        .start()
        .await
        .unwrap();

    let mut tls = tls_connection(&center).await;
    tls.write_all(b"GET /").await.unwrap();
    let (_, closed) = read_until_closed(&mut tls).await;

    assert!(closed);
    assert_eq!(timeouts(&center, TimeoutKind::HeaderRead), [1_200]);
    center.shutdown().await;
}

#[tokio::test]
async fn an_upload_body_that_stalls_gets_408_and_stores_nothing() {
    // Issue 10 item 7. Arrange
    let mut config = MockConfig::demo();
    config.limits.body_idle_timeout_ms = 300;
    let center = MockCenter::start(config).await.unwrap();
    let first = bytes::Bytes::copy_from_slice(&SAMPLE_OMP01[..100]);
    // The first 100 bytes, then nothing, ever.
    let body = futures_util::stream::once(async move { Ok::<_, std::io::Error>(first) })
        .chain(futures_util::stream::pending());
    let request = hl7_upload(
        &vpn_client(&center),
        &center.vpn_url(),
        VPN_ACCOUNT,
        "stalled",
        SAMPLE_OMP01,
    )
    .body(reqwest::Body::wrap_stream(body));

    // Act: the client may see the 408 or a closed connection; the journal says which.
    let _ = request.send().await;
    let answered = center
        .journal()
        .wait_for(
            |e| matches!(e.event, JournalEvent::Response { status: 408, .. }),
            WAIT,
        )
        .await;

    // Assert
    assert!(answered.is_ok(), "{answered:?}");
    assert_eq!(timeouts(&center, TimeoutKind::BodyIdle), [300]);
    assert!(center.store().documents().is_empty());
    center.shutdown().await;
}

#[tokio::test]
async fn a_request_with_a_500_kb_header_gets_431_rather_than_hanging() {
    // Issue 10 item 7.
    let center = demo_center().await;
    let tls = tls_connection(&center).await;
    let mut request = b"GET /v1/whoami HTTP/1.1\r\nhost: localhost\r\nx-big: ".to_vec();
    request.extend(std::iter::repeat_n(b'a', 500 * 1024));
    request.extend_from_slice(b"\r\n\r\n");

    // Act: write while reading, as a client that waits for an answer does.
    let (mut reader, mut writer) = tokio::io::split(tls);
    let write = tokio::spawn(async move {
        let _ = writer.write_all(&request).await;
        writer
    });
    let mut received = Vec::new();
    let _ = tokio::time::timeout(WAIT, reader.read_to_end(&mut received)).await;
    write.abort();

    // Assert: the protocol's problem, not hyper's empty answer (PROTO-ERR-005)
    let text = String::from_utf8_lossy(&received);
    assert!(text.starts_with("HTTP/1.1 431"), "{text:?}");
    let (head, body) = text.split_once("\r\n\r\n").expect("a complete answer");
    assert!(
        head.contains("\r\ncontent-type: application/problem+json\r\n"),
        "{head}"
    );
    let problem: idlink_protocol::Problem = serde_json::from_str(body).expect("a problem");
    assert_eq!(problem.code, "request-head-too-large");
    let request_id = problem.request_id.expect("a request ID");
    assert!(
        head.contains(&format!("\r\nidlink-request-id: {request_id}\r\n")),
        "{head}"
    );
    assert!(
        problem.detail.contains("`GET /v1/whoami HTTP/1.1`"),
        "{}",
        problem.detail
    );
    assert!(problem.detail.contains("64 KiB"), "{}", problem.detail);
    center.shutdown().await;
}

#[tokio::test]
async fn an_idle_http2_connection_is_closed_after_the_idle_timeout() {
    // Issue 10 item 7: HTTP/2 has no header timeout between requests; the idle bound applies.
    let mut config = MockConfig::demo();
    config.limits.idle_timeout_ms = 300;
    let center = MockCenter::start(config).await.unwrap();

    // The client (and its pooled connection) stays alive: only the server may close it.
    let client = vpn_client(&center);
    let response = client
        .get(format!("{}/v1/whoami", center.vpn_url()))
        .basic_auth(VPN_ACCOUNT.0, Some(VPN_ACCOUNT.1))
        .send()
        .await
        .unwrap();
    let version = response.version();
    let closed = center
        .journal()
        .wait_for(
            |e| matches!(e.event, JournalEvent::ConnectionClosed { .. }),
            WAIT,
        )
        .await;

    assert_eq!(version, reqwest::Version::HTTP_2);
    assert!(closed.is_ok(), "{closed:?}");
    assert_eq!(timeouts(&center, TimeoutKind::Idle), [300]);
    drop(client);
    center.shutdown().await;
}
