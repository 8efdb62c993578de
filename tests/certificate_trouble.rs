//! The field failures a vendor calls about at 2 a.m.: a certificate that the service center
//! refuses. The client reports a final authentication failure without inventing a reason; the
//! center's journal holds the exact one.

use std::time::Duration;

use idlink_certs::Variant;
use idlink_mock::journal::JournalEvent;
use storeclient::ErrorClass;

use crate::support::{Facility, client_from};

/// One row per broken certificate: the variant and the words the server journals.
const CASES: &[(Variant, &str)] = &[
    (Variant::Expired, "expired"),
    (Variant::Revoked, "Revoked"),
    (Variant::UnknownCa, "UnknownIssuer"),
    (Variant::WrongEku, "usage"),
];

#[tokio::test]
async fn each_broken_client_certificate_is_refused_and_journaled_with_its_reason() {
    for &(variant, reason) in CASES {
        // Arrange: the facility installed the wrong certificate files
        let facility = Facility::open("fac-0112345678").await;
        let identity = facility
            .center
            .pki()
            .expect("generated PKI")
            .client(variant);
        std::fs::write(
            facility.kit.cert_chain.as_ref().unwrap(),
            identity.chain_pem(),
        )
        .unwrap();
        std::fs::write(facility.kit.key.as_ref().unwrap(), identity.key_pem()).unwrap();
        let client = client_from(&facility.kit.config);

        // Act
        let err = client
            .whoami()
            .await
            .expect_err("a broken certificate must be refused");

        // Assert: final, never retried (PROTO-CLI-003), and the server says why (PROTO-TLS-003)
        assert_eq!(err.class(), ErrorClass::Final, "{variant:?}: {err}");
        let entry = facility
            .center
            .journal()
            .wait_for(
                |e| matches!(&e.event, JournalEvent::HandshakeRejected { .. }),
                Duration::from_secs(10),
            )
            .await
            .expect("the rejection is journaled");
        let JournalEvent::HandshakeRejected {
            reason: journaled,
            explanation,
            presented_certificate,
        } = entry.event
        else {
            unreachable!("matched above")
        };
        assert!(
            journaled.contains(reason),
            "{variant:?}: journal says {journaled:?}"
        );
        // Issue 10 item 10: who was refused, and why in words, with what to do.
        let presented = presented_certificate.expect("the refused certificate is named");
        assert_eq!(
            presented.subject,
            idlink_certs::inspect::subject_of(identity.cert_der()),
            "{variant:?}"
        );
        assert_eq!(presented.serial, identity.serial_hex(), "{variant:?}");
        assert!(!presented.issuer.is_empty(), "{variant:?}");
        assert!(
            explanation.starts_with("the client certificate ") && explanation.contains(": "),
            "{variant:?}: {explanation:?}"
        );
    }
}

#[tokio::test]
async fn another_facilitys_valid_certificate_is_refused_by_the_service_center() {
    // Arrange: a certificate that chains fine but belongs to facility 0198765432
    let facility = Facility::open("fac-0112345678").await;
    let identity = facility
        .center
        .pki()
        .expect("generated PKI")
        .client(Variant::OtherFacility);
    std::fs::write(
        facility.kit.cert_chain.as_ref().unwrap(),
        identity.chain_pem(),
    )
    .unwrap();
    std::fs::write(facility.kit.key.as_ref().unwrap(), identity.key_pem()).unwrap();
    let client = client_from(&facility.kit.config);

    // Act
    let err = client.whoami().await.expect_err("wrong facility");

    // Assert: PROTO-AUTH-006, seen by the client as a typed problem
    assert_eq!(err.class(), ErrorClass::Final);
    let problem = err.problem().expect("an HTTP problem document");
    assert_eq!(problem.code, "certificate-facility-mismatch");
}
