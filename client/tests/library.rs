//! The library API against the mock: identities, VPN, retries, resets.

use idlink_certs::{KeyType, Pki};
use idlink_formats::{Code, nsips};
use idlink_mock::{Fault, JournalEvent, MockCenter, MockConfig};
use idlink_protocol::ProblemCode;
use storeclient::metadata::MetadataHints;
use storeclient::preflight::{self, PreflightOptions};
use storeclient::{Client, ClientConfig, DeliveryKind, ErrorClass, ExitStatus, UploadError};

use crate::support::{self, WAIT, demo_center, kit, sample, text_doc};

async fn upload_sample(config: &std::path::Path, dir: &std::path::Path) -> storeclient::Delivery {
    let config = ClientConfig::from_path(config).expect("config loads");
    let client = Client::from_config(&config).expect("client builds");
    let path = sample(dir);
    let prepared = preflight::prepare(&path, &MetadataHints::default(), config.strictness)
        .expect("the sample passes pre-flight");
    client
        .upload_path(&path, &prepared.metadata)
        .await
        .expect("delivered")
}

#[tokio::test]
async fn a_pem_ecdsa_identity_uploads_the_ssmix2_sample_over_http2() {
    // Arrange
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    // Act
    let delivery = upload_sample(&kit.config, dir.path()).await;
    // Assert
    assert_eq!(delivery.kind, DeliveryKind::Stored);
    let stored = center.store().documents();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].receipt.receipt_id, delivery.receipt_id);
    assert_eq!(stored[0].receipt.data_kind.as_deref(), Some("OMP-01"));
    assert_eq!(stored[0].receipt.patient_id, "9999013");
    // PROTO-TLS-005: ALPN is set on the preconfigured rustls config, so h2 is negotiated.
    let alpn = center
        .journal()
        .entries()
        .into_iter()
        .find_map(|e| match e.event {
            JournalEvent::HandshakeOk { alpn, .. } => alpn,
            _ => None,
        });
    assert_eq!(alpn.as_deref(), Some("h2"));
    center.shutdown().await;
}

#[tokio::test]
async fn a_pkcs12_rsa_identity_uploads() {
    // Arrange: an RSA-2048 PKI, and the kit's PKCS#12 file instead of PEM.
    let pki = Pki::builder()
        .key_type(KeyType::Rsa2048)
        .build()
        .expect("RSA PKI");
    let center = MockCenter::builder(MockConfig::demo())
        .pki(pki)
        .start()
        .await
        .expect("center starts");
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    let text = std::fs::read_to_string(&kit.config).unwrap().replace(
        "mode = \"pem\"\ncert = \"client.chain.pem\"\nkey = \"client.key.pem\"\n",
        "mode = \"pkcs12\"\nfile = \"client.p12\"\npassword_file = \"client.p12.password\"\n",
    );
    assert!(
        text.contains("pkcs12\"\nfile"),
        "kit layout changed:\n{text}"
    );
    std::fs::write(&kit.config, text).unwrap();
    // Act
    let delivery = upload_sample(&kit.config, dir.path()).await;
    // Assert
    assert_eq!(delivery.kind, DeliveryKind::Stored);
    let handshake = center
        .journal()
        .entries()
        .into_iter()
        .find_map(|e| match e.event {
            JournalEvent::HandshakeOk {
                client_certificate, ..
            } => client_certificate,
            _ => None,
        });
    assert!(handshake.is_some(), "the server saw a client certificate");
    center.shutdown().await;
}

#[tokio::test]
async fn a_pkcs12_ecdsa_identity_uploads() {
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    let text = std::fs::read_to_string(&kit.config).unwrap().replace(
        "mode = \"pem\"\ncert = \"client.chain.pem\"\nkey = \"client.key.pem\"\n",
        "mode = \"pkcs12\"\nfile = \"client.p12\"\npassword_file = \"client.p12.password\"\n",
    );
    std::fs::write(&kit.config, text).unwrap();
    let delivery = upload_sample(&kit.config, dir.path()).await;
    assert_eq!(delivery.kind, DeliveryKind::Stored);
    center.shutdown().await;
}

#[tokio::test]
async fn a_pem_rsa_identity_uploads() {
    let pki = Pki::builder()
        .key_type(KeyType::Rsa2048)
        .build()
        .expect("RSA PKI");
    let center = MockCenter::builder(MockConfig::demo())
        .pki(pki)
        .start()
        .await
        .expect("center starts");
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    let delivery = upload_sample(&kit.config, dir.path()).await;
    assert_eq!(delivery.kind, DeliveryKind::Stored);
    center.shutdown().await;
}

// PROTO-TLS-004
#[tokio::test]
async fn vpn_mode_uploads_without_a_certificate_on_the_vpn_listener() {
    // Arrange
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "vpn-0112345678", "");
    let config = ClientConfig::from_path(&kit.config).unwrap();
    let client = Client::from_config(&config).unwrap();
    let doc = text_doc(dir.path(), "note.txt", "discharge summary\n", "9999013");
    let prepared = preflight::prepare(&doc, &MetadataHints::default(), config.strictness).unwrap();
    // Act
    let whoami = client.whoami().await.expect("whoami");
    let delivery = client
        .upload_path(&doc, &prepared.metadata)
        .await
        .expect("delivered");
    // Assert
    assert_eq!(
        (whoami.listener.as_str(), whoami.client_certificate),
        ("vpn", None)
    );
    assert_eq!(delivery.kind, DeliveryKind::Stored);
    assert_eq!(center.store().documents()[0].receipt.document_kind, "text");
    center.shutdown().await;
}

// PROTO-CLI-002, PROTO-ERR-002
#[tokio::test]
async fn retry_after_is_honoured_as_measured_in_the_mock_journal() {
    // Arrange: one 429 with Retry-After: 30; the kit scales waits by 0.001 (30 s -> 30 ms),
    // far above the scaled backoff (1 s -> at most 1.5 ms with jitter), so a client that
    // ignored Retry-After would retry well inside the window.
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    center
        .faults()
        .inject(Fault::problem(ProblemCode::RateLimited, Some(30), 1));
    // Act
    let delivery = upload_sample(&kit.config, dir.path()).await;
    // Assert: the next upload request arrived at least 2 s x 0.001 after the 429 left.
    assert_eq!(delivery.attempts, 2);
    let entries = center.journal().entries();
    let limited = entries
        .iter()
        .position(|e| matches!(&e.event, JournalEvent::Response { status: 429, .. }))
        .expect("a 429 in the journal");
    let next = entries[limited..]
        .iter()
        .find(|e| matches!(&e.event, JournalEvent::Request { path, .. } if path == "/v1/documents"))
        .expect("a retry in the journal");
    let gap = support::gap_ms(&entries[limited].at, &next.at);
    assert!(
        gap >= 30.0,
        "retried {gap} ms after the 429; Retry-After asks for 30 ms (scaled)"
    );
    center.shutdown().await;
}

// PROTO-IDEM-002, PROTO-CLI-001
#[tokio::test]
async fn a_reset_after_the_server_stored_is_retried_and_stored_once() {
    // Arrange
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    center.faults().inject(Fault::reset_after_store(1));
    // Act
    let delivery = upload_sample(&kit.config, dir.path()).await;
    // Assert: same key on the retry, so the server replayed the first receipt.
    assert_eq!(
        (delivery.kind, delivery.attempts),
        (DeliveryKind::Replayed, 2)
    );
    let stored = center.store().documents();
    assert_eq!(stored.len(), 1, "stored exactly once");
    assert_eq!(
        stored[0].receipt.idempotency_key,
        delivery.idempotency_key.as_str()
    );
    assert_eq!(stored[0].receipt.receipt_id, delivery.receipt_id);
    center.shutdown().await;
}

#[tokio::test]
async fn a_reset_before_store_is_retried_and_stored_once() {
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    center.faults().inject(Fault::reset_before_body(2));
    let delivery = upload_sample(&kit.config, dir.path()).await;
    assert_eq!(
        (delivery.kind, delivery.attempts),
        (DeliveryKind::Stored, 3)
    );
    assert_eq!(center.store().documents().len(), 1);
    center.shutdown().await;
}

// PROTO-CLI-003
#[tokio::test]
async fn maintenance_until_the_attempts_run_out_is_a_transient_failure() {
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    center
        .faults()
        .inject(Fault::problem(ProblemCode::Maintenance, Some(1), 10));
    let config = ClientConfig::from_path(&kit.config).unwrap();
    let client = Client::from_config(&config).unwrap();
    let path = sample(dir.path());
    let meta = preflight::prepare(&path, &MetadataHints::default(), config.strictness)
        .unwrap()
        .metadata;
    let err = client
        .upload_path(&path, &meta)
        .await
        .expect_err("maintenance all along");
    assert!(
        matches!(err, UploadError::Exhausted { attempts: 4, .. }),
        "{err}"
    );
    assert_eq!(
        (err.class(), err.exit_status()),
        (ErrorClass::Final, ExitStatus::Transient)
    );
    assert_eq!(err.slug(), "maintenance");
    center.shutdown().await;
}

// PROTO-IDEM-005
#[tokio::test]
async fn a_duplicate_under_another_key_counts_as_delivered_with_the_first_receipt() {
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    let first = upload_sample(&kit.config, dir.path()).await;
    let config = ClientConfig::from_path(&kit.config).unwrap();
    let client = Client::from_config(&config).unwrap();
    let path = sample(dir.path());
    let mut meta = preflight::prepare(&path, &MetadataHints::default(), config.strictness)
        .unwrap()
        .metadata;
    meta.idempotency_key = Some("another-key-1".parse().unwrap());
    let second = client.upload_path(&path, &meta).await.expect("delivered");
    assert_eq!(second.kind, DeliveryKind::Duplicate);
    assert_eq!(second.receipt_id, first.receipt_id);
    assert_eq!(center.store().documents().len(), 1);
    center.shutdown().await;
}

// PROTO-CLI-006
#[tokio::test]
async fn an_expired_certificate_is_a_final_tls_failure_and_the_server_journal_says_why() {
    // Arrange: replace the kit's certificate with the PKI's expired one.
    let center = demo_center().await;
    let (_dir, kit) = kit(&center, "fac-0112345678", "");
    let expired = center
        .pki()
        .expect("generated PKI")
        .client(idlink_certs::Variant::Expired);
    std::fs::write(kit.cert_chain.as_ref().unwrap(), expired.chain_pem()).unwrap();
    std::fs::write(kit.key.as_ref().unwrap(), expired.key_pem()).unwrap();
    let config = ClientConfig::from_path(&kit.config).unwrap();
    let client = Client::from_config(&config).unwrap();
    // Act
    let err = client
        .whoami()
        .await
        .expect_err("the server refuses the certificate");
    // Assert: a final auth-class failure; the text is racy under TLS 1.3, so only the category
    // is asserted here, and the reason comes from the server's journal.
    assert_eq!(
        (err.class(), err.exit_status()),
        (ErrorClass::Final, ExitStatus::Auth),
        "{err}"
    );
    let rejected = center
        .journal()
        .wait_for(
            |e| matches!(e.event, JournalEvent::HandshakeRejected { .. }),
            WAIT,
        )
        .await
        .expect("the journal records the rejection");
    let JournalEvent::HandshakeRejected { reason, .. } = rejected.event else {
        unreachable!()
    };
    assert!(reason.to_lowercase().contains("expired"), "{reason}");
    center.shutdown().await;
}

#[tokio::test]
async fn upload_stream_reopens_its_source_for_every_attempt() {
    let center = demo_center().await;
    let (_dir, kit) = kit(&center, "fac-0112345678", "");
    center.faults().inject(Fault::reset_before_body(1));
    let config = ClientConfig::from_path(&kit.config).unwrap();
    let client = Client::from_config(&config).unwrap();
    let mut meta =
        storeclient::Metadata::new(storeclient::DocumentKind::Text, "9999013".parse().unwrap());
    meta.file_name = Some(idlink_protocol::DocumentFileName::new("stream.txt").unwrap());
    let body: &'static [u8] = b"streamed text document\n";
    let delivery = client
        .upload_stream(|| async { Ok(body) }, &meta, "stream.txt")
        .await
        .expect("delivered");
    assert_eq!(
        (delivery.kind, delivery.attempts),
        (DeliveryKind::Stored, 2)
    );
    let doc = &center.store().documents()[0];
    assert_eq!(center.store().read(&doc.current_path).unwrap(), body);
    center.shutdown().await;
}

/// One row per fixture of `formats/tests/data/nsips` (see its README) and the code the fictional
/// profile finds in it; `None` for the valid file.
const NSIPS_FIXTURES: &[(&str, Option<Code>)] = &[
    ("valid.csv", None),
    ("lf-endings.csv", Some(Code::NsipsLineEnding)),
    ("bad-count.csv", Some(Code::NsipsRecordCount)),
    ("unknown-record.csv", Some(Code::NsipsRecordType)),
    ("bad-version.csv", Some(Code::NsipsVersion)),
    ("utf8.csv", Some(Code::NsipsDecode)),
    ("bad-date.csv", Some(Code::NsipsFieldFormat)),
];

#[test]
fn check_with_the_fictional_nsips_profile_reports_each_broken_fixtures_code() {
    // Arrange
    let options = PreflightOptions {
        nsips_profile: Some(nsips::Profile::fictional_sample()),
        ..Default::default()
    };
    for (name, expected) in NSIPS_FIXTURES {
        // Act
        let report = preflight::check_only(
            &support::nsips_fixture(name),
            &MetadataHints::default(),
            options.clone(),
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        // Assert
        let errors: Vec<Code> = report.errors().map(|f| f.code).collect();
        match expected {
            None => assert!(errors.is_empty(), "{name}: {errors:?}"),
            Some(code) => assert!(errors.contains(code), "{name}: {errors:?}"),
        }
        assert!(
            !report
                .findings
                .iter()
                .any(|f| f.code == Code::NsipsProfileMissing),
            "{name}"
        );
    }
}

#[test]
fn an_nsips_file_without_a_profile_passes_pre_flight_with_a_warning() {
    let hints = MetadataHints {
        patient: Some("9999013".into()),
        ..Default::default()
    };
    let prepared = preflight::prepare(
        &support::nsips_fixture("valid.csv"),
        &hints,
        storeclient::config::StrictnessSetting::Strict,
    )
    .expect("the envelope is fine, so the file may go out");
    let report = prepared.report.expect("small files are checked in full");
    let warnings: Vec<Code> = report.warnings().map(|f| f.code).collect();
    assert_eq!(warnings, vec![Code::NsipsProfileMissing]);
    assert_eq!(prepared.metadata.kind, storeclient::DocumentKind::Nsips);
}

// PROTO-UP-001, PROTO-CLI-001
#[tokio::test]
async fn a_document_above_the_in_memory_size_is_streamed_again_on_each_attempt() {
    // Arrange: a text document bigger than SMALL_DOCUMENT, and a reset before the first store
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    let line = "退院時サマリ: 経過良好。\n";
    let body = line.repeat((storeclient::upload::SMALL_DOCUMENT as usize / line.len()) * 3);
    let path = text_doc(dir.path(), "summary.txt", &body, "9999013");
    center.faults().inject(Fault::reset_before_body(1));
    let config = ClientConfig::from_path(&kit.config).expect("config loads");
    let client = Client::from_config(&config).expect("client builds");
    let prepared = preflight::prepare(&path, &MetadataHints::default(), config.strictness)
        .expect("pre-flight passes");

    // Act
    let delivery = client
        .upload_path(&path, &prepared.metadata)
        .await
        .expect("delivered");

    // Assert: the file was reopened for the second attempt and arrived whole
    assert_eq!(
        (delivery.kind, delivery.attempts),
        (DeliveryKind::Stored, 2)
    );
    let receipt = delivery.receipt.expect("receipt");
    assert!(receipt.size > storeclient::upload::SMALL_DOCUMENT);
    let stored = center.store().read(&receipt.stored_path).expect("stored");
    assert_eq!(stored, body.as_bytes());
    center.shutdown().await;
}

// PROTO-CLI-005
#[tokio::test]
async fn the_library_refuses_a_dicom_file_even_without_pre_flight() {
    // Arrange: a DICOM Part 10 file (128-byte preamble + DICM) declared as a PDF
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    let path = dir.path().join("image.pdf");
    let mut bytes = vec![0u8; 128];
    bytes.extend_from_slice(b"DICM\x02\x00\x00\x00");
    std::fs::write(&path, &bytes).unwrap();
    let client = Client::from_config(&ClientConfig::from_path(&kit.config).unwrap()).unwrap();
    let meta = storeclient::Metadata::new(
        storeclient::DocumentKind::Pdf,
        idlink_protocol::PatientId::parse("9999013").unwrap(),
    );

    // Act
    let err = client
        .upload_path(&path, &meta)
        .await
        .expect_err("DICOM must not be sent");

    // Assert: refused locally, nothing reached the service center
    assert!(matches!(err, UploadError::Refused { .. }), "{err}");
    assert!(center.store().documents().is_empty());
    assert!(!center.journal().entries().iter().any(
        |e| matches!(&e.event, JournalEvent::Request { path, .. } if path == "/v1/documents")
    ));
    center.shutdown().await;
}

// PROTO-CLI-005: pre-flight reads a small document once, and the bytes it checked are the
// bytes that go on the wire: a file rewritten after the check cannot slip an unchecked version
// into the upload.
#[tokio::test]
async fn the_bytes_pre_flight_checked_are_the_bytes_sent() {
    // Arrange
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    let config = ClientConfig::from_path(&kit.config).unwrap();
    let client = Client::from_config(&config).unwrap();
    let path = sample(dir.path());
    let checked = std::fs::read(&path).unwrap();
    let prepared = preflight::prepare(&path, &MetadataHints::default(), config.strictness)
        .expect("the sample passes pre-flight");
    // Act: the source system rewrites the file after the check.
    std::fs::write(&path, b"MSH|not what was checked\r").unwrap();
    let bytes = prepared
        .bytes
        .clone()
        .expect("a small document is held whole");
    let delivery = client
        .upload_bytes(&path, bytes, &prepared.metadata)
        .await
        .expect("delivered");
    // Assert
    let stored = center.store().documents();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].receipt.receipt_id, delivery.receipt_id);
    assert_eq!(
        stored[0].receipt.sha256,
        idlink_protocol::ContentDigest::of(&checked).to_hex(),
    );
    center.shutdown().await;
}

#[test]
fn a_document_larger_than_the_small_limit_is_streamed_not_held() {
    let dir = tempfile::tempdir().unwrap();
    let big = "x".repeat(storeclient::upload::SMALL_DOCUMENT as usize + 1) + "\n";
    let path = text_doc(dir.path(), "big.txt", &big, "9999013");
    let small = text_doc(dir.path(), "small.txt", "discharge summary\n", "9999013");
    let hints = MetadataHints::default();
    let strict = storeclient::config::StrictnessSetting::Strict;
    assert!(
        preflight::prepare(&path, &hints, strict)
            .unwrap()
            .bytes
            .is_none()
    );
    assert_eq!(
        preflight::prepare(&small, &hints, strict)
            .unwrap()
            .bytes
            .as_deref(),
        Some(&b"discharge summary\n"[..])
    );
}
