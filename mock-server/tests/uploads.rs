//! Uploads that succeed: idempotency, updates, layouts, receipts, durability across restarts,
//! and the reset faults a retrying client must survive.

use idlink_mock::{Fault, JournalEvent, MockCenter, MockConfig, Strictness};
use idlink_protocol::ContentDigest;

use crate::support::*;

#[tokio::test]
async fn the_same_upload_with_the_same_key_is_stored_once_and_replays_the_first_receipt() {
    // PROTO-IDEM-002 / PROTO-CLI-001 (the client keeps its key across retries)
    let center = demo_center().await;
    let client = mtls_client(&center);

    let first = hl7_upload(
        &client,
        &center.mtls_url(),
        CERT_ACCOUNT,
        "once",
        SAMPLE_OMP01,
    )
    .send()
    .await
    .unwrap();
    let location = first.headers()["location"].to_str().unwrap().to_owned();
    let first = receipt_of(first, 201).await;
    let again = hl7_upload(
        &client,
        &center.mtls_url(),
        CERT_ACCOUNT,
        "once",
        SAMPLE_OMP01,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(again.headers()["idempotency-replayed"], "true");
    let again = receipt_of(again, 200).await;

    assert_eq!(again, first);
    assert_eq!(location, format!("/v1/receipts/{}", first.receipt_id));
    assert_eq!(center.store().documents().len(), 1);
    center.shutdown().await;
}

#[tokio::test]
async fn every_upload_attempt_journals_its_idempotency_key_patient_and_kind_but_no_credentials() {
    // PROTO-CLI-001 is checked from the journal: the first upload and its replay (answered
    // before any body is read) both carry the key the client sent.
    let center = demo_center().await;
    let client = mtls_client(&center);
    for _ in 0..2 {
        hl7_upload(
            &client,
            &center.mtls_url(),
            CERT_ACCOUNT,
            "retry-key-1",
            SAMPLE_OMP01,
        )
        .send()
        .await
        .unwrap();
    }

    let uploads: Vec<_> = center
        .journal()
        .entries()
        .into_iter()
        .filter_map(|e| match e.event {
            JournalEvent::Request {
                path,
                idempotency_key,
                patient_id,
                document_kind,
                ..
            } if path == "/v1/documents" => Some((idempotency_key, patient_id, document_kind)),
            _ => None,
        })
        .collect();
    let expected = (
        Some("retry-key-1".to_owned()),
        Some("9999013".to_owned()),
        Some("hl7".to_owned()),
    );
    assert_eq!(uploads, vec![expected.clone(), expected]);
    center.journal().flush();
    let file = std::fs::read_to_string(center.data_dir().join("journal.jsonl")).unwrap();
    assert!(
        file.contains(r#""idempotency_key":"retry-key-1""#),
        "{file}"
    );
    for secret in [CERT_ACCOUNT.1, "Basic ", "authorization"] {
        assert!(
            !file.to_lowercase().contains(&secret.to_lowercase()),
            "{secret} in {file}"
        );
    }
    center.shutdown().await;
}

#[tokio::test]
async fn an_update_with_the_same_order_number_moves_the_old_file_to_flag_2() {
    // PROTO-STORE-002 / PROTO-STORE-001
    let center = demo_center().await;
    let client = mtls_client(&center);
    let update = sample_update(2);

    let first = receipt_of(
        hl7_upload(
            &client,
            &center.mtls_url(),
            CERT_ACCOUNT,
            "v1",
            SAMPLE_OMP01,
        )
        .send()
        .await
        .unwrap(),
        201,
    )
    .await;
    let second = receipt_of(
        hl7_upload(&client, &center.mtls_url(), CERT_ACCOUNT, "v2", &update)
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;

    let moved = first.stored_path.replace("_01_1", "_01_2");
    assert_eq!(second.superseded_path.as_deref(), Some(moved.as_str()));
    assert!(second.stored_path.ends_with("_01_1"));
    assert_ne!(second.stored_path, first.stored_path, "distinct timestamps");
    assert_eq!(center.store().read(&moved).unwrap(), SAMPLE_OMP01);
    assert_eq!(center.store().read(&second.stored_path).unwrap(), update);
    assert!(
        center.store().read(&first.stored_path).is_err(),
        "no _1 left for the old version"
    );
    let docs = center.store().documents();
    assert_eq!(docs[0].current_path, moved);
    assert_eq!(
        docs[0].superseded_by.as_deref(),
        Some(second.receipt_id.as_str())
    );
    // A receipt fetched later says where the old version is now and what superseded it.
    let fetched = receipt_of(
        client
            .get(format!(
                "{}/v1/receipts/{}",
                center.mtls_url(),
                first.receipt_id
            ))
            .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    assert_eq!(fetched.stored_path, first.stored_path, "as issued");
    assert_eq!(fetched.current_path.as_deref(), Some(moved.as_str()));
    assert_eq!(
        fetched.superseded_by.as_deref(),
        Some(second.receipt_id.as_str())
    );
    assert!(first.current_path.is_none() && first.superseded_by.is_none());
    center.shutdown().await;
}

#[tokio::test]
async fn a_different_order_number_is_a_new_document_not_an_update() {
    // PROTO-STORE-001: the order number is part of the file name.
    let center = demo_center().await;
    let client = mtls_client(&center);
    let other = sample_with_order(11_000_186);

    receipt_of(
        hl7_upload(&client, &center.mtls_url(), CERT_ACCOUNT, "a", SAMPLE_OMP01)
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let second = receipt_of(
        hl7_upload(&client, &center.mtls_url(), CERT_ACCOUNT, "b", &other)
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;

    assert!(
        second.stored_path.contains("_OMP-01_000000011000186_"),
        "{}",
        second.stored_path
    );
    assert!(second.superseded_path.is_none());
    center.shutdown().await;
}

#[tokio::test]
async fn a_reused_key_with_other_content_and_the_same_content_under_another_key_are_refused() {
    // PROTO-IDEM-003 / PROTO-IDEM-005
    let center = demo_center().await;
    let client = mtls_client(&center);
    let first = receipt_of(
        hl7_upload(
            &client,
            &center.mtls_url(),
            CERT_ACCOUNT,
            "k1",
            SAMPLE_OMP01,
        )
        .send()
        .await
        .unwrap(),
        201,
    )
    .await;

    let reused = hl7_upload(
        &client,
        &center.mtls_url(),
        CERT_ACCOUNT,
        "k1",
        &sample_update(3),
    )
    .send()
    .await
    .unwrap();
    let duplicate = hl7_upload(
        &client,
        &center.mtls_url(),
        CERT_ACCOUNT,
        "k2",
        SAMPLE_OMP01,
    )
    .send()
    .await
    .unwrap();

    let reused = problem(reused).await;
    assert_eq!(reused.code, "idempotency-key-reused");
    let duplicate = problem(duplicate).await;
    assert_eq!(duplicate.code, "duplicate");
    assert_eq!(
        duplicate.receipt_id.as_deref(),
        Some(first.receipt_id.as_str())
    );
    assert_eq!(center.store().documents().len(), 1);
    center.shutdown().await;
}

#[tokio::test]
async fn a_second_upload_with_a_key_still_in_progress_gets_409_with_retry_after() {
    // PROTO-IDEM-004: the first upload is held open by streaming half its body.
    let center = demo_center().await;
    let client = mtls_client(&center);
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    tx.send(Ok(SAMPLE_OMP01[..100].to_vec())).await.unwrap();
    let slow = tokio::spawn(
        hl7_upload(
            &client,
            &center.mtls_url(),
            CERT_ACCOUNT,
            "busy",
            SAMPLE_OMP01,
        )
        .body(reqwest::Body::wrap_stream(tokio_stream(rx)))
        .send(),
    );
    // The first upload has claimed its key once its body is being received.
    center
        .journal()
        .wait_for(|e| matches!(e.event, JournalEvent::Receiving { .. }), WAIT)
        .await
        .unwrap();

    let second = hl7_upload(
        &client,
        &center.mtls_url(),
        CERT_ACCOUNT,
        "busy",
        SAMPLE_OMP01,
    )
    .send()
    .await
    .unwrap();
    tx.send(Ok(SAMPLE_OMP01[100..].to_vec())).await.unwrap();
    drop(tx);
    let first = slow.await.unwrap().unwrap();

    assert_eq!(second.headers()["retry-after"], "1");
    let problem = problem(second).await;
    assert_eq!(problem.code, "upload-in-progress");
    assert!(problem.retryable);
    assert_eq!(first.status(), 201);
    center.shutdown().await;
}

/// A receiver as a stream, without pulling in tokio-stream.
fn tokio_stream(
    mut rx: tokio::sync::mpsc::Receiver<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

#[tokio::test]
async fn pdf_and_text_go_to_the_extended_layout_under_their_receipt() {
    // PROTO-STORE-003 / PROTO-UP-007 (appliance destination needs no consent: PROTO-UP-008)
    const PDF: &[u8] = include_bytes!("../../formats/tests/data/pdf/valid.pdf");
    const TEXT: &[u8] = include_bytes!("../../formats/tests/data/text/valid-utf8.txt");
    let center = demo_center().await;
    let client = mtls_client(&center);
    // (kind, media type, bytes, IDLink-File-Name, destination, stored file name)
    type Case<'a> = (
        &'a str,
        &'a str,
        &'a [u8],
        Option<&'a str>,
        &'a str,
        &'a str,
    );
    let cases: [Case; 2] = [
        (
            "pdf",
            "application/pdf",
            PDF,
            Some("report.pdf"),
            "storage",
            "report.pdf",
        ),
        (
            "text",
            "text/plain; charset=utf-8",
            TEXT,
            None,
            "appliance:region-01",
            "document.txt",
        ),
    ];
    for (kind, media, bytes, file_name, destination, stored_name) in cases {
        let mut request = client
            .post(format!("{}/v1/documents", center.mtls_url()))
            .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
            .header("content-type", media)
            .header("idlink-document-kind", kind)
            .header("idlink-facility", "0112345678")
            .header("idlink-patient-id", "9999099")
            .header("idlink-destination", destination)
            .header("idlink-care-date", "20261124")
            .header("content-digest", ContentDigest::of(bytes).to_string())
            .header("idempotency-key", format!("ext-{kind}"))
            .body(bytes.to_vec());
        if let Some(name) = file_name {
            request = request.header("idlink-file-name", name);
        }
        if destination == "storage" {
            center
                .consents()
                .add("0112345678".parse().unwrap(), "9999099".parse().unwrap());
        }

        let receipt = receipt_of(request.send().await.unwrap(), 201).await;

        let prefix = format!(
            "0112345678/999/909/9999099/20261124/{kind}/{}/",
            receipt.receipt_id
        );
        assert_eq!(receipt.stored_path, format!("{prefix}{stored_name}"));
        assert_eq!(receipt.destination, destination);
        assert_eq!(center.store().read(&receipt.stored_path).unwrap(), bytes);
    }
    center.shutdown().await;
}

#[tokio::test]
async fn a_pdf_larger_than_fifty_mib_within_the_body_limit_is_streamed_validated_and_stored() {
    // PROTO-UP-001 / PROTO-UP-010: the only size limit is the server's body limit; the body is
    // generated chunk by chunk as it is sent (never one 60 MiB buffer here or in the server).
    const MIB: usize = 1024 * 1024;
    const CHUNKS: usize = 60;
    fn chunk(i: usize) -> bytes::Bytes {
        let mut chunk = vec![b' '; MIB];
        if i == 0 {
            chunk[..9].copy_from_slice(b"%PDF-1.4\n");
        }
        for line in chunk.chunks_mut(64) {
            if let Some(last) = line.last_mut() {
                *last = b'\n';
            }
        }
        if i == CHUNKS - 1 {
            chunk[MIB - 7..].copy_from_slice(b"\n%%EOF\n");
        }
        bytes::Bytes::from(chunk)
    }
    let mut config = MockConfig::demo();
    config.limits.max_body_bytes = 80 * MIB as u64;
    let center = MockCenter::start(config).await.unwrap();
    let client = client_with_timeout(
        pki(&center),
        Some(pki(&center).client(idlink_certs::Variant::Valid)),
        false,
        std::time::Duration::from_secs(120),
    );
    let mut sha = <sha2::Sha256 as sha2::Digest>::new();
    for i in 0..CHUNKS {
        sha2::Digest::update(&mut sha, chunk(i));
    }
    let digest = ContentDigest::from_sha256(sha2::Digest::finalize(sha).into());
    let body = futures_util::stream::iter((0..CHUNKS).map(|i| Ok::<_, std::io::Error>(chunk(i))));

    let upload = client
        .post(format!("{}/v1/documents", center.mtls_url()))
        .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
        .header("content-type", "application/pdf")
        .header("idlink-document-kind", "pdf")
        .header("idlink-facility", "0112345678")
        .header("idlink-patient-id", "9999013")
        .header("idlink-destination", "storage")
        .header("content-digest", digest.to_string())
        .header("idempotency-key", "big-pdf")
        .body(reqwest::Body::wrap_stream(body))
        .send();
    let response = tokio::time::timeout(std::time::Duration::from_secs(120), upload)
        .await
        .expect("a 60 MiB upload finishes within two minutes")
        .unwrap();

    let receipt = receipt_of(response, 201).await;
    assert_eq!(receipt.size, (CHUNKS * MIB) as u64);
    assert_eq!(receipt.sha256, digest.to_hex());
    assert!(receipt.warnings.is_empty(), "{:?}", receipt.warnings);
    assert_eq!(center.store().documents().len(), 1);
    center.shutdown().await;
}

/// A fictional NSIPS upload (formats/tests/data/nsips, see its README) for patient 9999013.
fn nsips_upload(center: &MockCenter, key: &str, bytes: &[u8]) -> reqwest::RequestBuilder {
    mtls_client(center)
        .post(format!("{}/v1/documents", center.mtls_url()))
        .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
        .header("content-type", "text/csv; charset=shift_jis")
        .header("idlink-document-kind", "nsips")
        .header("idlink-facility", "0112345678")
        .header("idlink-patient-id", "9999013")
        .header("idlink-destination", "storage")
        .header("content-digest", ContentDigest::of(bytes).to_string())
        .header("idempotency-key", key)
        .body(bytes.to_vec())
}

const NSIPS_VALID: &[u8] = include_bytes!("../../formats/tests/data/nsips/valid.csv");
const NSIPS_BAD_COUNT: &[u8] = include_bytes!("../../formats/tests/data/nsips/bad-count.csv");

#[tokio::test]
async fn an_nsips_upload_without_a_profile_is_stored_with_the_missing_profile_warning() {
    // PROTO-UP-011: the demo has no NSIPS profile (the real layout is confidential); the
    // envelope is checked, the layout is not, and the receipt says so.
    let center = demo_center().await;
    assert_eq!(center.config().nsips_profile, None);

    let receipt = receipt_of(
        nsips_upload(&center, "nsips-1", NSIPS_VALID)
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;

    let codes: Vec<&str> = receipt
        .warnings
        .iter()
        .filter_map(|w| w["code"].as_str())
        .collect();
    assert_eq!(codes, vec!["NSIPS-PROFILE-MISSING"]);
    assert_eq!(receipt.warnings[0]["severity"], "warning");
    assert_eq!(
        center.store().read(&receipt.stored_path).unwrap(),
        NSIPS_VALID
    );
    center.shutdown().await;
}

#[tokio::test]
async fn with_the_fictional_nsips_profile_configured_a_file_that_breaks_it_is_refused_with_findings()
 {
    // PROTO-UP-011 with `nsips_profile` set: the layout is checked too.
    let mut config = MockConfig::demo();
    config.nsips_profile = Some(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../formats/profiles/nsips-fictional-sample.toml"),
    );
    let center = MockCenter::start(config).await.unwrap();

    let refused = nsips_upload(&center, "nsips-bad", NSIPS_BAD_COUNT)
        .send()
        .await
        .unwrap();
    let accepted = receipt_of(
        nsips_upload(&center, "nsips-good", NSIPS_VALID)
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;

    assert_eq!(refused.status(), 422);
    let problem = problem(refused).await;
    assert_eq!(problem.code, "validation-failed");
    let findings = problem.findings;
    assert!(
        findings
            .iter()
            .any(|f| f["code"] == "NSIPS-RECORD-COUNT" && f["severity"] == "error"),
        "{findings:?}"
    );
    assert!(accepted.warnings.is_empty(), "{:?}", accepted.warnings);
    assert_eq!(center.store().documents().len(), 1);
    center.shutdown().await;
}

#[tokio::test]
async fn a_receipt_is_visible_to_its_facility_only() {
    // PROTO-RCPT-001
    let center = demo_center().await;
    let client = mtls_client(&center);
    let receipt = receipt_of(
        hl7_upload(&client, &center.mtls_url(), CERT_ACCOUNT, "r", SAMPLE_OMP01)
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;
    let other = client_with(
        pki(&center),
        Some(pki(&center).client(idlink_certs::Variant::OtherFacility)),
        false,
    );
    let url = format!("{}/v1/receipts/{}", center.mtls_url(), receipt.receipt_id);

    let own = client
        .get(&url)
        .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
        .send()
        .await
        .unwrap();
    let foreign = other
        .get(&url)
        .basic_auth(OTHER_ACCOUNT.0, Some(OTHER_ACCOUNT.1))
        .send()
        .await
        .unwrap();

    assert_eq!(receipt_of(own, 200).await, receipt);
    assert_eq!(problem(foreign).await.code, "not-found");
    center.shutdown().await;
}

#[tokio::test]
async fn the_index_and_the_log_survive_a_restart_on_the_same_data_directory() {
    // PROTO-STORE-004
    let dir = tempfile::tempdir().unwrap();
    let mut config = MockConfig::demo();
    config.data_dir = Some(dir.path().to_owned());
    let center = MockCenter::start(config.clone()).await.unwrap();
    let client = mtls_client(&center);
    let first = receipt_of(
        hl7_upload(
            &client,
            &center.mtls_url(),
            CERT_ACCOUNT,
            "p1",
            SAMPLE_OMP01,
        )
        .send()
        .await
        .unwrap(),
        201,
    )
    .await;
    let second = receipt_of(
        hl7_upload(
            &client,
            &center.mtls_url(),
            CERT_ACCOUNT,
            "p2",
            &sample_update(5),
        )
        .send()
        .await
        .unwrap(),
        201,
    )
    .await;
    center.shutdown().await;

    let center = MockCenter::start(config).await.unwrap();
    let client = mtls_client(&center);
    let replay = hl7_upload(
        &client,
        &center.mtls_url(),
        CERT_ACCOUNT,
        "p1",
        SAMPLE_OMP01,
    )
    .send()
    .await
    .unwrap();

    assert_eq!(receipt_of(replay, 200).await, first);
    let docs = center.store().documents();
    assert_eq!(docs.len(), 2);
    assert_eq!(
        docs[0].current_path,
        second.superseded_path.clone().unwrap()
    );
    assert_eq!(
        center.store().read(&docs[0].current_path).unwrap(),
        SAMPLE_OMP01
    );
    assert_eq!(
        center.store().read(&second.stored_path).unwrap(),
        sample_update(5)
    );
    center.shutdown().await;
}

#[tokio::test]
async fn after_a_reset_after_store_the_retry_with_the_same_key_gets_the_stored_receipt() {
    // PROTO-UP-013 / PROTO-CLI-001: the store happened, the answer was lost.
    let center = demo_center().await;
    let client = mtls_client(&center);
    center.faults().inject(Fault::reset_after_store(1));

    let lost = hl7_upload(
        &client,
        &center.mtls_url(),
        CERT_ACCOUNT,
        "lost",
        SAMPLE_OMP01,
    )
    .send()
    .await;
    let retry = hl7_upload(
        &client,
        &center.mtls_url(),
        CERT_ACCOUNT,
        "lost",
        SAMPLE_OMP01,
    )
    .send()
    .await
    .unwrap();

    assert!(lost.is_err(), "the connection was reset: {lost:?}");
    let receipt = receipt_of(retry, 200).await;
    assert_eq!(center.store().documents().len(), 1);
    assert_eq!(center.store().documents()[0].receipt, receipt);
    let fault = center
        .journal()
        .wait_for(
            |e| {
                matches!(
                    &e.event,
                    JournalEvent::Stored {
                        replayed: false,
                        ..
                    }
                )
            },
            WAIT,
        )
        .await;
    assert!(fault.is_ok());
    center.shutdown().await;
}

#[tokio::test]
async fn a_reset_before_store_stores_nothing_and_a_delay_still_answers() {
    let center = demo_center().await;
    let client = mtls_client(&center);
    center.faults().inject(Fault::reset_before_body(1));
    center.faults().inject(Fault::delay_ms(50, 1));

    let reset = hl7_upload(&client, &center.mtls_url(), CERT_ACCOUNT, "d", SAMPLE_OMP01)
        .send()
        .await;
    let stored_after_reset = center.store().documents().len();
    let started = std::time::Instant::now();
    let delayed = hl7_upload(&client, &center.mtls_url(), CERT_ACCOUNT, "d", SAMPLE_OMP01)
        .send()
        .await
        .unwrap();

    assert!(reset.is_err());
    assert_eq!(stored_after_reset, 0);
    assert_eq!(delayed.status(), 201);
    assert!(started.elapsed() >= std::time::Duration::from_millis(50));
    center.shutdown().await;
}

#[tokio::test]
async fn lenient_strictness_accepts_what_strict_refuses_and_returns_warnings() {
    // PROTO-UP-011: strict by default, lenient by configuration.
    const WILD: &[u8] = include_bytes!(
        "../../formats/tests/data/lenient/9999013_20110701_OMP-01_000000011000185_20110701224603984_01_1"
    );
    let strict = demo_center().await;
    let mut config = MockConfig::demo();
    config.strictness = Strictness::Lenient;
    let lenient = MockCenter::start(config).await.unwrap();

    let refused = hl7_upload(
        &mtls_client(&strict),
        &strict.mtls_url(),
        CERT_ACCOUNT,
        "w",
        WILD,
    )
    .send()
    .await
    .unwrap();
    let accepted = hl7_upload(
        &mtls_client(&lenient),
        &lenient.mtls_url(),
        CERT_ACCOUNT,
        "w",
        WILD,
    )
    .send()
    .await
    .unwrap();

    assert_eq!(problem(refused).await.code, "validation-failed");
    let receipt = receipt_of(accepted, 201).await;
    assert!(
        !receipt.warnings.is_empty(),
        "warnings come back in the receipt"
    );
    assert_eq!(lenient.store().read(&receipt.stored_path).unwrap(), WILD);
    strict.shutdown().await;
    lenient.shutdown().await;
}

#[tokio::test]
async fn a_vpn_account_uploads_through_the_vpn_listener() {
    // PROTO-TLS-004 / PROTO-AUTH-007
    let center = demo_center().await;
    let client = vpn_client(&center);

    let receipt = receipt_of(
        hl7_upload(&client, &center.vpn_url(), VPN_ACCOUNT, "vpn", SAMPLE_OMP01)
            .send()
            .await
            .unwrap(),
        201,
    )
    .await;

    assert_eq!(receipt.account, VPN_ACCOUNT.0);
    assert_eq!(
        center.store().read(&receipt.stored_path).unwrap(),
        SAMPLE_OMP01
    );
    center.shutdown().await;
}

#[tokio::test]
async fn a_large_text_validated_as_it_arrives_gets_the_answer_a_small_one_gets() {
    // Issue 14: a text body of 1 MiB or more is validated on another thread while it arrives,
    // instead of from the file afterwards. Same check, same bytes: the same 201, the same refusal
    // with the same findings (codes, and the line of the defect counted from the start).
    let center = demo_center().await;
    let client = mtls_client(&center);
    let upload = |key: String, body: Vec<u8>| {
        client
            .post(format!("{}/v1/documents", center.mtls_url()))
            .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
            .header("content-type", "text/plain; charset=utf-8")
            .header("idlink-document-kind", "text")
            .header("idlink-facility", "0112345678")
            .header("idlink-patient-id", "9999099")
            .header("idlink-destination", "appliance:region-01")
            .header("content-digest", ContentDigest::of(&body).to_string())
            .header("idempotency-key", key)
            .body(body)
            .send()
    };
    let line = "a line of plain text, the same in the small and the large body\n";
    let large_lines = 2 * 1024 * 1024 / line.len();
    for (case, tail) in [
        ("valid", &b"the end\n"[..]),
        ("bad utf-8", &b"the end \xff\xfe\n"[..]),
        ("nul", &b"the\0end\n"[..]),
    ] {
        let mut answers = Vec::new();
        for (size, lines) in [("small", 3), ("large", large_lines)] {
            let mut body = line.repeat(lines).into_bytes();
            body.extend_from_slice(tail);
            let response = upload(format!("arrives-{case}-{size}"), body)
                .await
                .unwrap();
            let status = response.status().as_u16();
            let findings: Vec<(String, serde_json::Value)> = if status == 201 {
                Vec::new()
            } else {
                problem(response)
                    .await
                    .findings
                    .iter()
                    .map(|f| (f["code"].to_string(), f["location"].clone()))
                    .collect()
            };
            answers.push((status, findings));
        }
        let (small, large) = (&answers[0], &answers[1]);
        assert_eq!(small.0, large.0, "{case}");
        assert_eq!(small.0 == 201, case == "valid", "{case}: {small:?}");
        let codes = |a: &(u16, Vec<(String, serde_json::Value)>)| {
            a.1.iter().map(|(c, _)| c.clone()).collect::<Vec<_>>()
        };
        assert_eq!(codes(small), codes(large), "{case}");
    }
    center.shutdown().await;
}
