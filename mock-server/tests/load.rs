//! Concurrent uploads, bounded: many clients at once lose nothing and store nothing twice,
//! whatever batches group commit forms (issue 10 item 5). The timed version, 200 processes ×
//! 10 documents of the real uploader, is `bench/concurrent_uploads.py`; this one asserts
//! outcomes only, never times.

use std::collections::BTreeSet;

use idlink_protocol::{ContentDigest, Receipt};
use sha2::{Digest as _, Sha256};

use crate::support::*;

/// Clients uploading at once, and documents each uploads one after the other.
const CLIENTS: u64 = 50;
const DOCUMENTS: u64 = 10;
/// Patients with a consent record in the demo: the documents spread over their folders, so
/// batches mix new and shared directories.
const PATIENTS: [&str; 3] = ["9999013", "9999014", "1234567"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_clients_store_every_document_exactly_once() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let mut config = idlink_mock::MockConfig::demo();
    config.data_dir = Some(dir.path().to_owned());
    let center = idlink_mock::MockCenter::start(config.clone())
        .await
        .unwrap();
    let documents: Vec<Vec<(String, String, Vec<u8>)>> = (0..CLIENTS)
        .map(|client| {
            (0..DOCUMENTS)
                .map(|n| {
                    let order = 700_000 + client * DOCUMENTS + n;
                    let patient = PATIENTS[(order % 3) as usize];
                    (
                        format!("load-{order}"),
                        patient.to_owned(),
                        sample_for(patient, order),
                    )
                })
                .collect()
        })
        .collect();

    // Act: every client on its own connection, all at once.
    let mut tasks = tokio::task::JoinSet::new();
    for mine in documents.clone() {
        let client = mtls_client(&center);
        let url = format!("{}/v1/documents", center.mtls_url());
        tasks.spawn(async move {
            let mut answers = Vec::new();
            for (key, patient, bytes) in mine {
                let response = client
                    .post(&url)
                    .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
                    .header("content-type", "application/hl7-v2")
                    .header("idlink-document-kind", "hl7")
                    .header("idlink-data-kind", "OMP-01")
                    .header("idlink-facility", "0112345678")
                    .header("idlink-patient-id", patient)
                    .header("idlink-destination", "storage")
                    .header("content-digest", ContentDigest::of(&bytes).to_string())
                    .header("idempotency-key", &key)
                    .body(bytes)
                    .send()
                    .await;
                answers.push(match response {
                    Ok(r) => (key, r.status().as_u16(), r.text().await.unwrap_or_default()),
                    Err(e) => (key, 0, e.to_string()),
                });
            }
            answers
        });
    }
    let answers: Vec<(String, u16, String)> = tokio::time::timeout(WAIT * 12, tasks.join_all())
        .await
        .expect("500 uploads finish in two minutes")
        .into_iter()
        .flatten()
        .collect();

    // Assert: zero errors ...
    let errors: Vec<_> = answers
        .iter()
        .filter(|(_, status, _)| *status != 201)
        .collect();
    assert!(
        errors.is_empty(),
        "{} errors, first: {:?}",
        errors.len(),
        errors.first()
    );
    let receipts: Vec<Receipt> = answers
        .iter()
        .map(|(_, _, body)| serde_json::from_str(body).unwrap())
        .collect();
    // ... zero duplicates (one receipt per key, one key per receipt) ...
    let ids: BTreeSet<&str> = receipts.iter().map(|r| r.receipt_id.as_str()).collect();
    let keys: BTreeSet<&str> = receipts
        .iter()
        .map(|r| r.idempotency_key.as_str())
        .collect();
    let total = (CLIENTS * DOCUMENTS) as usize;
    assert_eq!((ids.len(), keys.len()), (total, total));
    let store = center.store();
    assert_eq!(
        store.documents().len(),
        total,
        "the index holds each document once"
    );
    // ... zero lost: every document is in the index and on disk, byte for byte, exactly once.
    let sent: std::collections::HashMap<&str, &[u8]> = documents
        .iter()
        .flatten()
        .map(|(key, _, bytes)| (key.as_str(), bytes.as_slice()))
        .collect();
    let mut paths = BTreeSet::new();
    for receipt in &receipts {
        let doc = store.receipt(&receipt.receipt_id).expect("indexed");
        assert_eq!(doc.receipt, *receipt);
        let bytes = sent[receipt.idempotency_key.as_str()];
        assert_eq!(receipt.sha256, hex::encode(Sha256::digest(bytes)));
        assert_eq!(store.read(&doc.current_path).unwrap(), bytes);
        assert!(
            paths.insert(doc.current_path.clone()),
            "two receipts, one file"
        );
    }
    assert_eq!(
        files_in(store.root()),
        total,
        "no file besides the documents"
    );
    let log = std::fs::read_to_string(store.log_path()).unwrap();
    assert_eq!(log.lines().count(), total, "one log record per document");

    // The journal, written by its own thread (issue 14), has every entry on file after the
    // shutdown: each line parses, sequence numbers run 1, 2, 3, ... in file order, and every
    // document has its `stored` entry and the `response` that carried its receipt.
    center.shutdown().await;
    let journal = std::fs::read_to_string(dir.path().join("journal.jsonl")).unwrap();
    let entries: Vec<idlink_mock::JournalEntry> = journal
        .lines()
        .map(|line| serde_json::from_str(line).expect("every journal line parses"))
        .collect();
    let seqs: Vec<u64> = entries.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=entries.len() as u64).collect::<Vec<_>>());
    let journaled = |stored: bool| -> BTreeSet<String> {
        entries
            .iter()
            .filter_map(|e| match &e.event {
                idlink_mock::JournalEvent::Stored { receipt_id, .. } if stored => {
                    Some(receipt_id.clone())
                }
                idlink_mock::JournalEvent::Response {
                    status: 201,
                    receipt_id: Some(receipt_id),
                    ..
                } if !stored => Some(receipt_id.clone()),
                _ => None,
            })
            .collect()
    };
    let ids: BTreeSet<String> = ids.into_iter().map(str::to_owned).collect();
    assert_eq!(journaled(true), ids, "a stored entry per document");
    assert_eq!(journaled(false), ids, "a 201 response entry per document");

    // And a restart replays exactly these documents, with nothing to recover.
    let center = idlink_mock::MockCenter::start(config).await.unwrap();
    assert_eq!(center.store().documents().len(), total);
    let recovered = center
        .journal()
        .entries()
        .into_iter()
        .filter(|e| matches!(e.event, idlink_mock::JournalEvent::Recovery { .. }))
        .count();
    assert_eq!(recovered, 0);
    center.shutdown().await;
}

fn files_in(root: &std::path::Path) -> usize {
    let mut count = 0;
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                count += 1;
            }
        }
    }
    count
}
