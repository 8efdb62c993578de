//! The certificate desk (issue 13): certificates issued through the admin API are accepted or
//! refused by the running center on the next connection, a revocation takes effect without a
//! restart, and no secret reaches the journal. Refusals are asserted on the center's journal
//! (the client's view of a TLS 1.3 refusal races, `PROTO-CLI-006`).

use base64::Engine as _;
use idlink_mock::{JournalEvent, MockCenter, MockConfig};
use reqwest::Client;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::{Value, json};

use crate::support::*;

/// A facility no configured account belongs to.
const NEW_FACILITY: &str = "0133333333";

/// POSTs to an admin path with the token; returns the status and the JSON body.
pub async fn admin_post(center: &MockCenter, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = Client::new()
        .post(format!("{}{path}", center.admin_url()))
        .bearer_auth(center.admin_token());
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Issues through the admin API; the answer must be `201`.
pub async fn issue(center: &MockCenter, body: Value) -> Value {
    let (status, answer) = admin_post(center, "/admin/desk/certificates", Some(body)).await;
    assert_eq!(status, 201, "{answer}");
    answer
}

/// The chain and key of an issued PEM answer.
fn pem_identity(answer: &Value) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
    let chain = CertificateDer::pem_slice_iter(answer["pem"]["chain"].as_str().unwrap().as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key =
        PrivateKeyDer::from_pem_slice(answer["pem"]["key"].as_str().unwrap().as_bytes()).unwrap();
    (chain, key)
}

/// A fresh client (so a fresh connection) presenting this chain and key.
fn client_presenting(
    center: &MockCenter,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Client {
    idlink_mock::ensure_crypto_provider();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pki(center).ca_der()).unwrap();
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
}

/// `GET /v1/whoami` on a new connection with the issued PEM identity and the sheet's account.
async fn whoami(center: &MockCenter, answer: &Value) -> Result<reqwest::Response, reqwest::Error> {
    let (chain, key) = pem_identity(answer);
    client_presenting(center, chain, key)
        .get(format!("{}/v1/whoami", center.mtls_url()))
        .basic_auth(
            answer["account"]["id"].as_str().unwrap(),
            answer["account"]["password"].as_str(),
        )
        .send()
        .await
}

/// Waits for the handshake refusal of the certificate with this serial; returns its reason.
async fn refusal_of(center: &MockCenter, serial: &str) -> String {
    let serial = serial.to_owned();
    let entry = center
        .journal()
        .wait_for(
            move |e| {
                matches!(&e.event, JournalEvent::HandshakeRejected { presented_certificate: Some(p), .. }
                    if p.serial == serial)
            },
            WAIT,
        )
        .await
        .expect("the refusal is journaled with the presented certificate");
    match entry.event {
        JournalEvent::HandshakeRejected { reason, .. } => reason,
        _ => unreachable!(),
    }
}

/// Every file under `dir`, recursively.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[tokio::test]
async fn an_issued_certificate_is_accepted_on_the_next_connection_and_refused_once_revoked() {
    // Arrange
    let center = demo_center().await;

    // Act: issue for a facility without an account, and use it.
    let answer = issue(&center, json!({ "facility": NEW_FACILITY })).await;
    let serial = answer["certificate"]["serial"].as_str().unwrap().to_owned();
    let accepted = whoami(&center, &answer).await.expect("an HTTP answer");

    // Assert: the account was created and the certificate works at once.
    assert_eq!(answer["account"]["id"], format!("fac-{NEW_FACILITY}"));
    assert_eq!(answer["account"]["created"], true);
    assert_eq!(answer["certificate"]["variant"], "valid");
    assert_eq!(answer["certificate"]["key_type"], "ecdsa-p256");
    let status = accepted.status().as_u16();
    let me: Value = accepted.json().await.unwrap();
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["account"], format!("fac-{NEW_FACILITY}"));
    assert_eq!(me["facility"], NEW_FACILITY);

    // Act: revoke it through the admin API, center still running.
    let (status, revoked) = admin_post(
        &center,
        &format!("/admin/desk/certificates/{serial}/revoke"),
        None,
    )
    .await;

    // Assert: the next connection is refused with rustls's revocation reason.
    assert_eq!(status, 200, "{revoked}");
    assert_eq!(revoked["crl_number"], 2);
    assert!(
        revoked["certificate"]["revoked_at"].is_string(),
        "{revoked}"
    );
    assert!(
        whoami(&center, &answer).await.is_err(),
        "a revoked certificate gets no answer"
    );
    assert_eq!(
        refusal_of(&center, &serial).await,
        "invalid peer certificate: Revoked"
    );
    // The published CRL names it (and still the generated revoked certificate).
    let crl = Client::new()
        .get(format!("{}/admin/desk/crl", center.admin_url()))
        .bearer_auth(center.admin_token())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let crls: Vec<_> =
        rustls::pki_types::CertificateRevocationListDer::pem_slice_iter(crl.as_bytes())
            .collect::<Result<_, _>>()
            .unwrap();
    let (chain, _) = pem_identity(&answer);
    assert_eq!(idlink_certs::inspect::revoked_in(&chain[0], &crls), Some(0));

    // Issue and revoke are journaled with facility, account and serial; no secret anywhere.
    let entries = center.journal().entries();
    assert!(entries.iter().any(|e| matches!(&e.event,
        JournalEvent::CertificateIssued { serial: s, account, facility, variant, account_created: true, .. }
            if *s == serial && account == "fac-0133333333" && facility == NEW_FACILITY && variant == "valid")));
    assert!(entries.iter().any(|e| matches!(&e.event,
        JournalEvent::CertificateRevoked { serial: s, crl_number: 2, .. } if *s == serial)));
    let password = answer["account"]["password"].as_str().unwrap();
    let journal_text = serde_json::to_string(&entries).unwrap();
    assert!(!journal_text.contains(password));
    assert!(!journal_text.contains("PRIVATE KEY"));
    for file in files_under(center.data_dir()) {
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(password) && !text.contains("PRIVATE KEY"),
            "{} holds a secret",
            file.display()
        );
    }
    center.shutdown().await;
}

/// One row per variant: what the center journals when it refuses it at the handshake.
const REFUSED: &[(&str, &str)] = &[
    ("expired", "certificate expired"),
    ("not-yet-valid", "certificate not valid yet"),
    ("revoked", "invalid peer certificate: Revoked"),
    ("unknown-ca", "invalid peer certificate: UnknownIssuer"),
    ("wrong-eku", "extended key usage"),
    ("self-signed", "invalid peer certificate: UnknownIssuer"),
];

#[tokio::test]
async fn each_broken_variant_issued_by_the_desk_is_refused_with_its_journaled_reason() {
    // PROTO-TLS-003, PROTO-AUTH-006
    let center = demo_center().await;
    for (variant, expected) in REFUSED {
        // Arrange
        let answer = issue(
            &center,
            json!({ "facility": NEW_FACILITY, "variant": variant }),
        )
        .await;
        let serial = answer["certificate"]["serial"].as_str().unwrap();

        // Act
        let result = whoami(&center, &answer).await;

        // Assert
        assert!(result.is_err(), "{variant} must get no HTTP answer");
        let reason = refusal_of(&center, serial).await;
        assert!(
            reason.contains(expected),
            "{variant}: {reason:?} lacks {expected:?}"
        );
    }

    // other-facility passes the handshake; the application refuses it for this account.
    let answer = issue(
        &center,
        json!({ "facility": NEW_FACILITY, "variant": "other-facility" }),
    )
    .await;
    assert_ne!(answer["certificate"]["certificate_facility"], NEW_FACILITY);
    let response = whoami(&center, &answer).await.expect("an HTTP answer");
    let refused = problem(response).await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.code, "certificate-facility-mismatch");
    center.shutdown().await;
}

#[tokio::test]
async fn a_pkcs12_file_opens_with_its_password_and_connects() {
    // Arrange
    let center = demo_center().await;
    let answer = issue(
        &center,
        json!({ "facility": NEW_FACILITY, "format": "pkcs12" }),
    )
    .await;
    assert!(answer.get("pem").is_none(), "one format only");
    let p12 = base64::engine::general_purpose::STANDARD
        .decode(answer["pkcs12"]["base64"].as_str().unwrap())
        .unwrap();
    let p12_password = answer["pkcs12"]["password"].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("client.p12");
    std::fs::write(&path, p12).unwrap();

    // Act
    let loaded = idlink_certs::load::identity_pkcs12(&path, p12_password).unwrap();
    let wrong = idlink_certs::load::identity_pkcs12(&path, "not-the-password");

    // Assert
    assert!(
        matches!(wrong, Err(idlink_certs::LoadError::WrongPassword { .. })),
        "{wrong:?}"
    );
    let info = idlink_certs::inspect::cert_info(&loaded.chain[0]).unwrap();
    assert_eq!(info.serial_hex, answer["certificate"]["serial"]);
    let response = client_presenting(&center, loaded.chain, loaded.key)
        .get(format!("{}/v1/whoami", center.mtls_url()))
        .basic_auth(
            answer["account"]["id"].as_str().unwrap(),
            answer["account"]["password"].as_str(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    center.shutdown().await;
}

#[tokio::test]
async fn an_update_replaces_the_password_of_an_existing_account() {
    // Arrange: the demo account of facility 0112345678 exists with its configured password.
    let center = demo_center().await;

    // Act
    let answer = issue(&center, json!({ "facility": "0112345678" })).await;

    // Assert
    assert_eq!(answer["account"]["id"], CERT_ACCOUNT.0);
    assert_eq!(answer["account"]["created"], false);
    assert_ne!(answer["account"]["password"], CERT_ACCOUNT.1);
    assert_eq!(whoami(&center, &answer).await.unwrap().status(), 200);
    let old = mtls_client(&center)
        .get(format!("{}/v1/whoami", center.mtls_url()))
        .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 401, "the old password no longer works");
    center.shutdown().await;
}

#[tokio::test]
async fn the_desk_refuses_in_the_requests_language_with_a_stable_code() {
    let center = demo_center().await;
    let post = |path: &str, body: Option<Value>, lang: &str| {
        let mut request = Client::new()
            .post(format!("{}{path}", center.admin_url()))
            .bearer_auth(center.admin_token())
            .header("accept-language", lang);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send()
    };
    let read = |response: reqwest::Response| async move {
        let status = response.status().as_u16();
        let language = response.headers()["content-language"]
            .to_str()
            .unwrap()
            .to_owned();
        let body: Value = response.json().await.unwrap();
        (status, language, body)
    };
    // (request, status, code, a fragment of the Japanese message)
    let valid = issue(&center, json!({ "facility": NEW_FACILITY })).await;
    let serial = valid["certificate"]["serial"].as_str().unwrap().to_owned();
    let unknown_ca = issue(
        &center,
        json!({ "facility": NEW_FACILITY, "variant": "unknown-ca" }),
    )
    .await;
    let unknown_ca_serial = unknown_ca["certificate"]["serial"].as_str().unwrap();
    let revoke = |s: &str| format!("/admin/desk/certificates/{s}/revoke");
    assert_eq!(
        post(&revoke(&serial), None, "en").await.unwrap().status(),
        200
    );
    let cases = [
        (
            "/admin/desk/certificates".to_owned(),
            Some(json!({ "facility": "12345" })),
            422,
            "desk-bad-facility",
            "施設コードは10桁の数字です",
        ),
        (
            "/admin/desk/certificates".to_owned(),
            Some(json!({ "facility": NEW_FACILITY, "variant": "broken" })),
            422,
            "desk-bad-request",
            "証明書の発行依頼として読めません",
        ),
        (
            revoke("0badc0de"),
            None,
            404,
            "desk-unknown-serial",
            "シリアル番号 0badc0de",
        ),
        (
            revoke(&serial),
            None,
            409,
            "desk-already-revoked",
            "失効済み",
        ),
        (
            revoke(unknown_ca_serial),
            None,
            409,
            "desk-not-revocable",
            "失効リスト",
        ),
    ];
    for (path, body, status, code, japanese) in cases {
        let (got, language, answer) = read(post(&path, body.clone(), "ja").await.unwrap()).await;
        assert_eq!(
            (got, answer["code"].as_str()),
            (status, Some(code)),
            "{path}: {answer}"
        );
        assert_eq!(language, "ja");
        let message = answer["error"].as_str().unwrap();
        assert!(message.contains(japanese), "{path}: {message}");
        let (_, language, answer) = read(post(&path, body, "en").await.unwrap()).await;
        assert_eq!(language, "en");
        assert!(answer["error"].as_str().unwrap().is_ascii(), "{answer}");
    }
    // Like every admin route, the desk needs the token.
    let anonymous = Client::new()
        .post(format!("{}/admin/desk/certificates", center.admin_url()))
        .json(&json!({ "facility": NEW_FACILITY }))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let anonymous_form = Client::new()
        .post(format!("{}/web/desk/certificates", center.admin_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "facility={NEW_FACILITY}&variant=valid&key_type=ecdsa-p256&format=pem"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous_form.status(), 401);
    center.shutdown().await;
}

#[tokio::test]
async fn a_center_started_from_pki_files_says_its_desk_cannot_issue() {
    // Files as `idlink-certs init` writes them: no CA keys.
    let pki = idlink_certs::Pki::generate().unwrap();
    let dir = tempfile::tempdir().unwrap();
    pki.write_to(dir.path(), idlink_certs::DEFAULT_P12_PASSWORD)
        .unwrap();
    let center = MockCenter::builder(MockConfig::demo())
        .tls(idlink_mock::TlsMaterial::from_pki_dir(dir.path()).unwrap())
        .start()
        .await
        .unwrap();
    let (status, answer) = admin_post(
        &center,
        "/admin/desk/certificates",
        Some(json!({ "facility": NEW_FACILITY })),
    )
    .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (409, Some("desk-no-authority"))
    );
    center.shutdown().await;
}

/// The text between `start` (which must occur) and the next `end`.
fn between<'h>(html: &'h str, start: &str, end: &str) -> &'h str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} in {html}"))
        + start.len();
    let len = html[from..]
        .find(end)
        .unwrap_or_else(|| panic!("{end} after {start}"));
    &html[from..from + len]
}

/// The `<main>` of a page with what changes per run replaced by names.
fn redacted_main(html: &str, replacements: &[(&str, &str)]) -> String {
    let mut main = format!("<main{}</main>", between(html, "<main", "</main>"));
    for (value, name) in replacements {
        main = main.replace(value, name);
    }
    // One element per line, so a change reads as a small diff.
    main.replace("><", ">\n<")
}

#[tokio::test]
async fn the_transfer_account_sheet_shows_the_password_once_in_japanese_and_english() {
    // Arrange
    let center = demo_center().await;
    let token = center.admin_token().to_owned();
    let web = Client::new();

    // Act: issue through the web form, in Japanese.
    let issued = web
        .post(format!(
            "{}/web/desk/certificates?token={token}&lang=ja",
            center.admin_url()
        ))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "facility={NEW_FACILITY}&variant=valid&key_type=ecdsa-p256&format=pem"
        ))
        .send()
        .await
        .unwrap();

    // Assert: the answer is the sheet with the password and the key, which work.
    assert_eq!(issued.status(), 201);
    assert_eq!(issued.headers()["cache-control"], "no-store");
    assert!(
        issued.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    let first = issued.text().await.unwrap();
    let password = between(&first, r#"<dd id="sheet-password"><code>"#, "</code>").to_owned();
    let serial = between(&first, r#"<dd id="sheet-serial"><code>"#, "</code>").to_owned();
    let chain = between(&first, r#"<pre class="text" id="sheet-chain">"#, "</pre>").to_owned();
    let key = between(&first, r#"<pre class="text" id="sheet-key">"#, "</pre>").to_owned();
    assert_eq!(password.len(), 16);
    let answer = json!({
        "account": { "id": format!("fac-{NEW_FACILITY}"), "password": password },
        "pem": { "chain": chain, "key": key },
    });
    assert_eq!(whoami(&center, &answer).await.unwrap().status(), 200);
    let record: Value = Client::new()
        .get(format!(
            "{}/admin/desk/certificates/{serial}",
            center.admin_url()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let times =
        ["issued_at", "not_before", "not_after"].map(|k| record[k].as_str().unwrap().to_owned());
    let replacements = [
        (serial.as_str(), "[serial]"),
        (token.as_str(), "[token]"),
        (times[0].as_str(), "[issued-at]"),
        (times[1].as_str(), "[not-before]"),
        (times[2].as_str(), "[not-after]"),
        (password.as_str(), "[password]"),
        (chain.as_str(), "[chain]"),
        (key.as_str(), "[key]"),
    ];
    insta::assert_snapshot!("sheet_at_issue_ja", redacted_main(&first, &replacements));

    // Act: later visits of the sheet, in both languages.
    for (lang, absent_note) in [("ja", "一度だけ表示しました"), ("en", "was shown once")]
    {
        let later = web
            .get(format!(
                "{}/web/desk/sheets/{serial}?token={token}&lang={lang}",
                center.admin_url()
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(later.status(), 200);
        let html = later.text().await.unwrap();

        // Assert: the same sheet without the password or the key.
        assert!(
            !html.contains(&password),
            "{lang}: the password is shown again"
        );
        assert!(
            !html.contains("PRIVATE KEY"),
            "{lang}: the key is shown again"
        );
        assert!(html.contains(absent_note), "{lang}: {html}");
        insta::assert_snapshot!(
            format!("sheet_later_{lang}"),
            redacted_main(&html, &replacements)
        );
    }

    // Revoking through the web view shows on the desk and the sheet.
    let desk = web
        .post(format!(
            "{}/web/desk/certificates/{serial}/revoke?token={token}&lang=ja",
            center.admin_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(desk.status(), 200, "the 303 leads back to the desk");
    let desk = desk.text().await.unwrap();
    let row = between(&desk, &format!(r#"<tr id="cert-{serial}">"#), "</tr>");
    assert!(row.contains("失効"), "{row}");
    assert!(
        !row.contains("<button"),
        "a revoked certificate has no revoke button: {row}"
    );
    center.shutdown().await;
}

/// RSA-2048 keys come from the pure-Rust `rsa` crate, which takes seconds in a debug build:
/// this is the one test that generates one.
#[tokio::test]
async fn an_rsa_2048_certificate_is_issued_and_accepted() {
    let center = demo_center().await;
    let answer = issue(
        &center,
        json!({ "facility": NEW_FACILITY, "key_type": "rsa-2048" }),
    )
    .await;
    assert_eq!(answer["certificate"]["key_type"], "rsa-2048");
    assert!(
        answer["pem"]["key"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN PRIVATE KEY-----")
    );
    let response = whoami(&center, &answer).await.expect("an HTTP answer");
    assert_eq!(response.status(), 200);
    center.shutdown().await;
}

#[tokio::test]
async fn the_issuing_form_hands_over_a_pkcs12_file_that_opens_with_the_password_shown() {
    // Arrange
    let center = demo_center().await;

    // Act
    let html = Client::new()
        .post(format!(
            "{}/web/desk/certificates?token={}",
            center.admin_url(),
            center.admin_token()
        ))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "facility={NEW_FACILITY}&variant=valid&key_type=ecdsa-p256&format=pkcs12"
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    // Assert
    let p12 = base64::engine::general_purpose::STANDARD
        .decode(between(&html, "data:application/x-pkcs12;base64,", "\""))
        .unwrap();
    let password = between(&html, r#"<dd id="sheet-p12-password"><code>"#, "</code>");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("client.p12");
    std::fs::write(&path, p12).unwrap();
    let loaded = idlink_certs::load::identity_pkcs12(&path, password).unwrap();
    let serial = between(&html, r#"<dd id="sheet-serial"><code>"#, "</code>");
    assert_eq!(
        idlink_certs::inspect::cert_info(&loaded.chain[0])
            .unwrap()
            .serial_hex,
        serial
    );
    assert!(!html.contains("PRIVATE KEY"), "PKCS#12 only, no PEM key");
    center.shutdown().await;
}
