//! The first thing a client engineer needs: whoami on both listeners and a stored upload.

use crate::support::*;

#[tokio::test]
async fn whoami_answers_on_both_listeners_with_the_negotiated_tls() {
    // PROTO-CONN-001
    // Arrange
    let center = demo_center().await;

    // Act
    let mtls = mtls_client(&center)
        .get(format!("{}/v1/whoami", center.mtls_url()))
        .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
        .send()
        .await
        .unwrap();
    let vpn = vpn_client(&center)
        .get(format!("{}/v1/whoami", center.vpn_url()))
        .basic_auth(VPN_ACCOUNT.0, Some(VPN_ACCOUNT.1))
        .send()
        .await
        .unwrap();

    // Assert
    assert_eq!(mtls.status(), 200);
    assert_eq!(mtls.version(), reqwest::Version::HTTP_2);
    let mtls: idlink_protocol::WhoAmI = mtls.json().await.unwrap();
    assert_eq!(mtls.listener, "mtls");
    assert_eq!(mtls.tls.version, "TLSv1.3");
    assert_eq!(
        mtls.client_certificate.unwrap().facility.as_deref(),
        Some("0112345678")
    );
    assert_eq!(vpn.status(), 200);
    let vpn: idlink_protocol::WhoAmI = vpn.json().await.unwrap();
    assert_eq!(vpn.listener, "vpn");
    assert!(vpn.client_certificate.is_none());
    center.shutdown().await;
}

#[tokio::test]
async fn a_valid_upload_is_stored_byte_identical_at_its_ssmix2_path() {
    // Arrange
    let center = demo_center().await;
    let client = mtls_client(&center);

    // Act
    let response = hl7_upload(
        &client,
        &center.mtls_url(),
        CERT_ACCOUNT,
        "k-1",
        SAMPLE_OMP01,
    )
    .send()
    .await
    .unwrap();

    // Assert
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, 201, "{body}");
    let receipt: idlink_protocol::Receipt = serde_json::from_str(&body).unwrap();
    assert!(
        receipt.stored_path.starts_with(
            "0112345678/999/901/9999013/20110701/OMP-01/9999013_20110701_OMP-01_000000011000185_"
        ),
        "{}",
        receipt.stored_path
    );
    assert!(
        receipt.stored_path.ends_with("_01_1"),
        "{}",
        receipt.stored_path
    );
    assert_eq!(
        center.store().read(&receipt.stored_path).unwrap(),
        SAMPLE_OMP01
    );
    center.shutdown().await;
}
