//! How many TLS connections a batch opens (issue 10 item 6): HTTP/2 multiplexes every upload
//! of a run over one connection; each extra handshake costs the service center CPU and one of
//! its connection slots.

use idlink_mock::{JournalEntry, JournalEvent, Listener};

use crate::support::{WAIT, demo_center, kit, run, storeclient, text, text_doc, upload_setting};

/// Connections the mTLS listener accepted, counted once every connection made so far has
/// been accepted: a marker connection made now is accepted after all earlier ones (the
/// listen backlog is first in, first out), so when its entry is in the journal, so are theirs.
async fn accepted_mtls_connections(center: &idlink_mock::MockCenter) -> Vec<JournalEntry> {
    let marker = tokio::net::TcpStream::connect(center.mtls_addr())
        .await
        .expect("the marker connects");
    let peer = marker.local_addr().expect("marker address").to_string();
    center
        .journal()
        .wait_for(
            |e| matches!(&e.event, JournalEvent::Connection { peer: p } if *p == peer),
            WAIT,
        )
        .await
        .expect("the marker connection is accepted");
    center
        .journal()
        .entries()
        .into_iter()
        .filter(|e| e.listener == Some(Listener::Mtls))
        .filter(|e| matches!(&e.event, JournalEvent::Connection { peer: p } if *p != peer))
        .collect()
}

/// Uploads 20 text documents, 8 at a time, through the binary; the first one fails pre-flight
/// when `first_is_invalid`. Returns the mTLS connections and the ALPN of each handshake.
async fn batch_of_20_at_8(first_is_invalid: bool) -> (Vec<JournalEntry>, Vec<Option<String>>) {
    // Arrange
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    upload_setting(&kit, "concurrency = 8");
    let docs: Vec<_> = (0..20)
        .map(|i| {
            text_doc(
                dir.path(),
                &format!("note-{i:02}.txt"),
                &format!("note {i}\n"),
                "9999013",
            )
        })
        .collect();
    if first_is_invalid {
        std::fs::remove_file(storeclient::metadata::sidecar_path(&docs[0]))
            .expect("remove the sidecar naming the patient");
    }
    // Act
    let mut cmd = storeclient(&kit.config);
    cmd.arg("upload").args(&docs);
    let out = run(cmd).await;
    // Assert
    let (code, stored) = if first_is_invalid { (3, 19) } else { (0, 20) };
    assert_eq!(out.status.code(), Some(code), "{}", text(&out));
    assert_eq!(center.store().documents().len(), stored);
    let connections = accepted_mtls_connections(&center).await;
    let handshakes = center
        .journal()
        .entries()
        .into_iter()
        .filter_map(|e| match e.event {
            JournalEvent::HandshakeOk { alpn, .. } => Some(alpn),
            _ => None,
        })
        .collect();
    center.shutdown().await;
    (connections, handshakes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_sent_8_at_a_time_uses_one_http2_connection() {
    let (connections, handshakes) = batch_of_20_at_8(false).await;
    assert_eq!(
        (connections.len(), handshakes),
        (1, vec![Some("h2".to_owned())]),
        "connections: {connections:#?}"
    );
}

/// The slow start (the first document goes alone) used to hide the race: when the first
/// document is not sent, the next 8 started together and opened 4 to 8 connections.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_whose_first_document_is_not_sent_still_opens_one_connection() {
    let (connections, handshakes) = batch_of_20_at_8(true).await;
    assert_eq!(
        (connections.len(), handshakes),
        (1, vec![Some("h2".to_owned())]),
        "connections: {connections:#?}"
    );
}
