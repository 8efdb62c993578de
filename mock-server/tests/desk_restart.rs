//! The certificate desk across a restart of `idlink-mock serve` (issue 13): the real binary on
//! one data directory, stopped and started again. The desk still issues (its CA keys were written
//! with the PKI, owner-only), a certificate revoked before the restart stays refused, and the
//! list of issued certificates survives; the desk-created account's password does not (it is
//! never written to disk), so issuing again creates the account anew.

use reqwest::Client;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::{Value, json};

use idlink_mock::JournalEvent;

use crate::served::Served;
use crate::support::WAIT;

/// A facility no configured account belongs to.
const FACILITY: &str = "0144444444";

/// POSTs to an admin path of a spawned server; the status and the JSON answer.
async fn post(served: &Served, path: &str, body: Option<Value>) -> (u16, Value) {
    idlink_mock::ensure_crypto_provider();
    let mut request = Client::new()
        .post(format!("{}{path}", served.get("admin_url")))
        .bearer_auth(served.get("admin_token"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Issues a PEM certificate for [`FACILITY`]; the answer must be `201`.
async fn issue(served: &Served) -> Value {
    let (status, answer) = post(
        served,
        "/admin/desk/certificates",
        Some(json!({ "facility": FACILITY })),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    answer
}

/// `GET /v1/whoami` on a new connection presenting `certificate` with the account and password
/// of `sheet` (an issue answer).
async fn whoami(
    served: &Served,
    certificate: &Value,
    sheet: &Value,
) -> Result<reqwest::Response, reqwest::Error> {
    let pem = |field: &str| {
        certificate["pem"][field]
            .as_str()
            .unwrap()
            .as_bytes()
            .to_vec()
    };
    let chain = CertificateDer::pem_slice_iter(&pem("chain"))
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(&pem("key")).unwrap();
    let root = std::fs::read(served.pki("ca/root-ca.pem")).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(&root).unwrap())
        .unwrap();
    idlink_mock::ensure_crypto_provider();
    let mut config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Client::builder()
        .tls_backend_preconfigured(config)
        .timeout(WAIT)
        .build()
        .unwrap()
        .get(format!("{}/v1/whoami", served.get("mtls_url")))
        .basic_auth(
            sheet["account"]["id"].as_str().unwrap(),
            sheet["account"]["password"].as_str(),
        )
        .send()
        .await
}

fn serial(answer: &Value) -> String {
    answer["certificate"]["serial"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_desk_issues_again_after_a_restart_and_a_revoked_certificate_stays_refused() {
    // Arrange: a fresh data directory; one certificate issued, another issued and revoked.
    let data = tempfile::tempdir().unwrap();
    let mut first = Served::start(data.path());
    let kept = issue(&first).await;
    let revoked = issue(&first).await;
    let (status, answer) = post(
        &first,
        &format!("/admin/desk/certificates/{}/revoke", serial(&revoked)),
        None,
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["crl_number"], 2);

    // The index on disk names the certificates but holds no secret.
    let index = std::fs::read_to_string(first.pki(idlink_mock::desk::INDEX_FILE)).unwrap();
    assert!(index.contains(&serial(&kept)) && index.contains(&serial(&revoked)));
    for sheet in [&kept, &revoked] {
        let password = sheet["account"]["password"].as_str().unwrap();
        assert!(!index.contains(password), "a password in {index}");
    }
    assert!(!index.contains("PRIVATE KEY"), "{index}");

    // Act: stop without any clean-up (SIGKILL) and start again on the same directory.
    first.kill();
    let mut second = Served::start(data.path());
    let reissued = issue(&second).await;

    // Assert: the PKI was reused and the desk issued under the same CA.
    assert_eq!(second.ready["pki_generated"], false);
    let ok = whoami(&second, &reissued, &reissued)
        .await
        .expect("a certificate issued after the restart gets an answer");
    assert_eq!(ok.status(), 200);
    // The account's password was not kept: issuing again created the account anew.
    assert_eq!(reissued["account"]["created"], true, "{reissued}");
    // The certificate issued before the restart still works (with the account's new password).
    let ok = whoami(&second, &kept, &reissued)
        .await
        .expect("a certificate issued before the restart still gets an answer");
    assert_eq!(ok.status(), 200);
    // The one revoked before the restart is refused during the handshake.
    assert!(whoami(&second, &revoked, &reissued).await.is_err());
    let revoked_serial = serial(&revoked);
    let refusal = second
        .wait_for("the revoked certificate's refusal", |e| {
            matches!(&e.event, JournalEvent::HandshakeRejected { presented_certificate: Some(p), .. }
                if p.serial == revoked_serial)
        })
        .await;
    match refusal.event {
        JournalEvent::HandshakeRejected { reason, .. } => {
            assert_eq!(reason, "invalid peer certificate: Revoked")
        }
        other => unreachable!("{other:?}"),
    }
    // The list survived, with the revocation; a second revocation is refused as a repeat.
    let list: Vec<Value> = Client::new()
        .get(format!(
            "{}/admin/desk/certificates",
            second.get("admin_url")
        ))
        .bearer_auth(second.get("admin_token"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listed = |s: &str| list.iter().find(|c| c["serial"] == s).cloned();
    assert!(listed(&serial(&kept)).is_some_and(|c| c["revoked_at"].is_null()));
    assert!(listed(&revoked_serial).is_some_and(|c| c["revoked_at"].is_string()));
    assert_eq!(list.len(), 3, "{list:?}");
    let (status, _) = post(
        &second,
        &format!("/admin/desk/certificates/{revoked_serial}/revoke"),
        None,
    )
    .await;
    assert_eq!(status, 409);
    // A revocation after the restart supersedes the CRL on disk.
    let (status, answer) = post(
        &second,
        &format!("/admin/desk/certificates/{}/revoke", serial(&kept)),
        None,
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["crl_number"], 3);
}

#[cfg(unix)]
#[test]
fn serve_writes_the_ca_keys_owner_only_and_never_into_the_journal() {
    use std::os::unix::fs::PermissionsExt as _;
    let data = tempfile::tempdir().unwrap();
    let served = Served::start(data.path());
    let mode = |rel: &str| {
        std::fs::metadata(served.pki(rel))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(idlink_certs::authority::CA_KEY_DIR), 0o700);
    for key in [
        idlink_certs::authority::ISSUING_CA_KEY_FILE,
        idlink_certs::authority::UNKNOWN_CA_KEY_FILE,
    ] {
        assert_eq!(mode(key), 0o600, "{key}");
        let pem = std::fs::read_to_string(served.pki(key)).unwrap();
        assert!(pem.contains("PRIVATE KEY"), "{key}");
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let journal = std::fs::read_to_string(served.get("journal")).unwrap_or_default();
        assert!(!journal.contains(&body[..40]), "{key} in the journal");
    }
}

#[tokio::test]
async fn a_pki_directory_without_ca_keys_gives_a_desk_that_says_why_it_cannot_issue() {
    // Arrange: a PKI directory as `idlink-certs init` writes it.
    let data = tempfile::tempdir().unwrap();
    let pki = idlink_certs::Pki::generate().unwrap();
    pki.write_to(&data.path().join("pki"), idlink_certs::DEFAULT_P12_PASSWORD)
        .unwrap();

    // Act
    let served = Served::start(data.path());
    let (status, answer) = post(
        &served,
        "/admin/desk/certificates",
        Some(json!({ "facility": FACILITY })),
    )
    .await;

    // Assert
    assert_eq!(status, 409, "{answer}");
    assert_eq!(answer["code"], "desk-no-authority", "{answer}");
    let message = answer["error"].as_str().unwrap_or_default();
    assert!(message.contains("ca/private"), "{answer}");
}
