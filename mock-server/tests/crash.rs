//! Crash safety: SIGKILL during a stream of uploads loses no acknowledged document
//! (`PROTO-UP-013`, `PROTO-STORE-004`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use idlink_protocol::Receipt;

use crate::served::Served;
use crate::support::*;

/// Uploads per worker at most; workers stop at the first failure (the server is gone).
const MAX_PER_WORKER: u64 = 200;
const WORKERS: u64 = 4;
/// Receipts to collect before the kill.
const KILL_AFTER: usize = 12;

/// An acknowledged document: its receipt and the bytes that were sent.
type Acked = (Receipt, Vec<u8>);

fn client_for(served: &Served) -> reqwest::Client {
    idlink_mock::ensure_crypto_provider();
    let mut roots = rustls::RootCertStore::empty();
    for ca in idlink_certs::load::certificates_pem(&served.pki("ca/root-ca.pem")).unwrap() {
        roots.add(ca).unwrap();
    }
    let identity = idlink_certs::load::identity_pem(
        &served.pki("client/valid.chain.pem"),
        &served.pki("client/valid.key.pem"),
    )
    .unwrap();
    let mut config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_client_auth_cert(identity.chain, identity.key)
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .timeout(WAIT)
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_during_a_stream_of_uploads_loses_no_acknowledged_document() {
    // Arrange: a served center and workers that upload distinct documents until it dies.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut served = Served::start(&data);
    let client = client_for(&served);
    let acked: Arc<Mutex<Vec<Acked>>> = Arc::default();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let mut workers = Vec::new();
    for worker in 0..WORKERS {
        let (client, url, acked, tx) = (
            client.clone(),
            served.get("mtls_url"),
            acked.clone(),
            tx.clone(),
        );
        workers.push(tokio::spawn(async move {
            for i in 0..MAX_PER_WORKER {
                let bytes = sample_with_order(20_000_000 + worker * 1000 + i);
                let key = format!("crash-{worker}-{i}");
                let Ok(response) = hl7_upload(&client, &url, CERT_ACCOUNT, &key, &bytes)
                    .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
                        bytes
                            .chunks(256)
                            .map(|c| Ok::<_, std::io::Error>(c.to_vec()))
                            .collect::<Vec<_>>(),
                    )))
                    .send()
                    .await
                else {
                    return;
                };
                if response.status() != 201 {
                    return;
                }
                let Ok(receipt) = response.json::<Receipt>().await else {
                    return;
                };
                acked.lock().unwrap().push((receipt, bytes));
                let _ = tx.send(());
            }
        }));
    }
    drop(tx);

    // Act: kill the server with SIGKILL once enough documents were acknowledged.
    for _ in 0..KILL_AFTER {
        tokio::time::timeout(WAIT, rx.recv())
            .await
            .expect("uploads are acknowledged in time")
            .expect("the workers keep uploading");
    }
    served.kill();
    for worker in workers {
        tokio::time::timeout(WAIT, worker).await.unwrap().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let restarted = Served::start(&data);

    // Assert: every acknowledged document is indexed and byte-identical after the restart.
    assert_eq!(
        restarted.ready["pki_generated"], false,
        "the PKI is reused on restart"
    );
    assert!(acked.len() >= KILL_AFTER);
    let client = client_for(&restarted);
    let storage = std::path::PathBuf::from(restarted.get("storage"));
    for (receipt, bytes) in &acked {
        let looked_up: Receipt = client
            .get(format!(
                "{}/v1/receipts/{}",
                restarted.get("mtls_url"),
                receipt.receipt_id
            ))
            .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(&looked_up, receipt);
        assert_eq!(
            &std::fs::read(storage.join(&receipt.stored_path)).unwrap(),
            bytes,
            "{}",
            receipt.stored_path
        );
    }
}
