//! A clinic's EHR writes SS-MIX2 files; the store client uploads them; the service center stores
//! each one byte-identical at the SS-MIX2 path the formats crate computes.

use idlink_formats::ssmix2::FileName;
use storeclient::DeliveryKind;
use storeclient::config::StrictnessSetting;
use storeclient::metadata::MetadataHints;
use storeclient::preflight::prepare;

use crate::support::{Facility, ssmix2_fixtures};

#[tokio::test]
async fn a_clinic_uploads_its_ss_mix2_files_and_each_lands_byte_identical_at_its_standard_path() {
    // Arrange
    let facility = Facility::open("fac-0112345678").await;

    for path in ssmix2_fixtures() {
        // Act
        let prepared = prepare(&path, &MetadataHints::default(), StrictnessSetting::Strict)
            .unwrap_or_else(|e| panic!("pre-flight of {}: {}", path.display(), e.explain()));
        let delivery = facility
            .client
            .upload_path(&path, &prepared.metadata)
            .await
            .unwrap_or_else(|e| panic!("upload of {}: {e}", path.display()));

        // Assert: stored now, at <facility>/<PID[0:3]>/<PID[3:6]>/<PID>/<date|->/<kind>/ (PROTO-STORE-001)
        assert_eq!(delivery.kind, DeliveryKind::Stored);
        let receipt = delivery.receipt.expect("a 201 carries the receipt");
        let name = FileName::parse(&path.file_name().unwrap().to_string_lossy()).unwrap();
        let expected_dir = format!(
            "0112345678/{}",
            idlink_formats::ssmix2::storage_dir(
                &name.patient_id,
                name.care_date.as_deref(),
                name.data_kind
            )
            .display()
        );
        let (dir, stored_name) = receipt.stored_path.rsplit_once('/').unwrap();
        assert_eq!(dir, expected_dir);
        let stored = FileName::parse(stored_name).expect("the server writes a standard file name");
        assert_eq!(
            (&stored.patient_id, &stored.data_kind, &stored.order_number),
            (&name.patient_id, &name.data_kind, &name.order_number)
        );
        let bytes = facility
            .center
            .store()
            .read(&receipt.stored_path)
            .expect("stored file");
        assert_eq!(
            bytes,
            std::fs::read(&path).unwrap(),
            "stored bytes differ from the upload"
        );
    }
}

#[tokio::test]
async fn uploading_the_same_file_again_returns_the_first_receipt_and_stores_it_once() {
    // Arrange
    let facility = Facility::open("fac-0112345678").await;
    let path = ssmix2_fixtures().remove(0);
    let prepared = prepare(&path, &MetadataHints::default(), StrictnessSetting::Strict).unwrap();

    // Act: the EHR runs the client twice on the same file (PROTO-CLI-001, PROTO-IDEM-002)
    let first = facility
        .client
        .upload_path(&path, &prepared.metadata)
        .await
        .unwrap();
    let again = facility
        .client
        .upload_path(&path, &prepared.metadata)
        .await
        .unwrap();

    // Assert
    assert_eq!(again.kind, DeliveryKind::Replayed);
    assert_eq!(again.receipt_id, first.receipt_id);
    assert_eq!(again.idempotency_key, first.idempotency_key);
    assert_eq!(facility.center.store().documents().len(), 1);
}

#[tokio::test]
async fn a_facility_on_the_on_demand_vpn_uploads_with_its_account_alone() {
    // Arrange: the VPN kit has no client certificate (PROTO-TLS-004)
    let facility = Facility::open("vpn-0112345678").await;
    assert!(
        facility.kit.cert_chain.is_none(),
        "a VPN kit carries no certificate"
    );
    let path = ssmix2_fixtures().remove(0);
    let prepared = prepare(&path, &MetadataHints::default(), StrictnessSetting::Strict).unwrap();

    // Act
    let who = facility.client.whoami().await.expect("connectivity check");
    let delivery = facility
        .client
        .upload_path(&path, &prepared.metadata)
        .await
        .unwrap();

    // Assert
    assert_eq!(
        (who.listener.as_str(), who.client_certificate),
        ("vpn", None)
    );
    assert_eq!(delivery.kind, DeliveryKind::Stored);
    assert_eq!(
        facility.center.store().documents()[0].receipt.account,
        "vpn-0112345678"
    );
}
