//! The admin API, the web view and the client kit.

use crate::support::*;

#[tokio::test]
async fn the_admin_api_needs_its_token() {
    let center = demo_center().await;
    let http = reqwest::Client::new();
    for path in [
        "/",
        "/admin/documents",
        "/admin/journal",
        "/admin/consents",
        "/admin/accounts",
    ] {
        let without = http
            .get(format!("{}{path}", center.admin_url()))
            .send()
            .await
            .unwrap();
        let wrong = http
            .get(format!("{}{path}", center.admin_url()))
            .bearer_auth("adm-wrong")
            .send()
            .await
            .unwrap();
        let with = http
            .get(format!("{}{path}", center.admin_url()))
            .bearer_auth(center.admin_token())
            .send()
            .await
            .unwrap();
        assert_eq!(without.status(), 401, "{path}");
        assert_eq!(wrong.status(), 401, "{path}");
        assert_eq!(with.status(), 200, "{path}");
    }
    center.shutdown().await;
}

#[tokio::test]
async fn the_admin_api_lists_documents_and_journal_manages_consents_and_accounts_and_resets() {
    // Arrange: one stored document, one locked account.
    let center = demo_center().await;
    let client = mtls_client(&center);
    let upload = hl7_upload(
        &client,
        &center.mtls_url(),
        CERT_ACCOUNT,
        "adm",
        SAMPLE_OMP01,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(upload.status(), 201);
    let admin = |method: reqwest::Method, path: &str| {
        reqwest::Client::new()
            .request(method, format!("{}{path}", center.admin_url()))
            .bearer_auth(center.admin_token())
    };

    // Act + Assert: listings
    let documents: serde_json::Value = admin(reqwest::Method::GET, "/admin/documents")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(documents.as_array().unwrap().len(), 1);
    assert_eq!(documents[0]["receipt"]["patient_id"], "9999013");
    let journal: Vec<idlink_mock::JournalEntry> = admin(reqwest::Method::GET, "/admin/journal")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(journal.iter().any(|e| matches!(
        e.event,
        idlink_mock::JournalEvent::Response { status: 201, .. }
    )));

    // consents: add then remove 9999099
    let added = admin(reqwest::Method::POST, "/admin/consents")
        .json(&serde_json::json!({"facility": "0112345678", "patient_id": "9999099"}))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 201);
    assert!(
        center
            .consents()
            .contains(&"0112345678".parse().unwrap(), &"9999099".parse().unwrap())
    );
    let removed = admin(
        reqwest::Method::DELETE,
        "/admin/consents/0112345678/9999099",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(removed.status(), 204);
    assert!(
        !center
            .consents()
            .contains(&"0112345678".parse().unwrap(), &"9999099".parse().unwrap())
    );

    // accounts: unlock the demo's locked account
    let unlocked = admin(
        reqwest::Method::POST,
        "/admin/accounts/locked-0112345678/unlock",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(unlocked.status(), 204);
    assert_eq!(
        center.accounts().state("locked-0112345678"),
        Some(idlink_mock::AccountState::Active)
    );
    let accounts = admin(reqwest::Method::GET, "/admin/accounts")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !accounts.contains("demo-cert-pass"),
        "passwords never leave the server"
    );

    // reset: documents gone, accounts back to their configured states
    let reset = admin(reqwest::Method::POST, "/admin/reset")
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 204);
    assert!(center.store().documents().is_empty());
    assert_eq!(
        center.accounts().state("locked-0112345678"),
        Some(idlink_mock::AccountState::Locked)
    );
    let again = hl7_upload(
        &client,
        &center.mtls_url(),
        CERT_ACCOUNT,
        "adm",
        SAMPLE_OMP01,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(again.status(), 201, "after a reset the key is free again");
    center.shutdown().await;
}

#[tokio::test]
async fn the_web_view_home_lists_facilities_and_documents() {
    let center = demo_center().await;
    let client = mtls_client(&center);
    let receipt: idlink_protocol::Receipt = hl7_upload(
        &client,
        &center.mtls_url(),
        CERT_ACCOUNT,
        "web",
        SAMPLE_OMP01,
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();

    let page = reqwest::Client::new()
        .get(format!(
            "{}/?token={}",
            center.admin_url(),
            center.admin_token()
        ))
        .send()
        .await
        .unwrap();

    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let html = page.text().await.unwrap();
    assert!(html.contains("(1 of 1)"), "{html}");
    assert!(html.contains("/web/facilities/0112345678?token="), "{html}");
    assert!(html.contains(&receipt.receipt_id));
    assert!(!html.contains("<script"));
    center.shutdown().await;
}

#[tokio::test]
async fn a_client_kit_holds_everything_a_store_client_needs() {
    // PROTO-CLI-004: the kit's ca.pem is the CA the client verifies the server against.
    let center = demo_center().await;
    let dir = tempfile::tempdir().unwrap();

    let kit = center.write_client_kit(dir.path(), CERT_ACCOUNT.0).unwrap();
    let vpn = center
        .write_client_kit(&dir.path().join("vpn"), VPN_ACCOUNT.0)
        .unwrap();

    let toml: toml::Value = toml::from_str(&std::fs::read_to_string(&kit.config).unwrap()).unwrap();
    assert_eq!(
        toml["service"]["url"].as_str(),
        Some(center.mtls_url().as_str())
    );
    assert_eq!(toml["service"]["ca"].as_str(), Some("ca.pem"));
    assert_eq!(toml["account"]["id"].as_str(), Some(CERT_ACCOUNT.0));
    assert_eq!(toml["facility"]["code"].as_str(), Some("0112345678"));
    assert_eq!(toml["identity"]["mode"].as_str(), Some("pem"));
    assert_eq!(toml["upload"]["destination"].as_str(), Some("storage"));
    assert_eq!(
        std::fs::read_to_string(&kit.account_password).unwrap(),
        CERT_ACCOUNT.1
    );
    for file in [
        &kit.ca,
        kit.cert_chain.as_ref().unwrap(),
        kit.key.as_ref().unwrap(),
        kit.p12.as_ref().unwrap(),
    ] {
        assert!(file.exists(), "{}", file.display());
    }
    // The kit's identity works: load it back and ask whoami.
    let identity = idlink_certs::load::identity_pem(
        kit.cert_chain.as_ref().unwrap(),
        kit.key.as_ref().unwrap(),
    )
    .unwrap();
    assert_eq!(
        idlink_certs::inspect::facility_of(&identity.chain[0])
            .unwrap()
            .as_str(),
        "0112345678"
    );
    let vpn_toml: toml::Value =
        toml::from_str(&std::fs::read_to_string(&vpn.config).unwrap()).unwrap();
    assert_eq!(vpn_toml["identity"]["mode"].as_str(), Some("vpn"));
    assert_eq!(
        vpn_toml["service"]["url"].as_str(),
        Some(center.vpn_url().as_str())
    );
    assert!(vpn.cert_chain.is_none());
    center.shutdown().await;
}

#[tokio::test]
async fn admin_pages_and_api_answers_carry_the_security_headers() {
    // Arrange
    let center = demo_center().await;
    let http = reqwest::Client::new();
    let expected = [
        (
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("cache-control", "no-store"),
        ("referrer-policy", "no-referrer"),
    ];

    for (path, token) in [
        ("/", true),
        ("/admin/journal", true),
        ("/admin/accounts", true),
        ("/admin/nothing", true),
        ("/admin/documents", false),
    ] {
        // Act
        let mut request = http.get(format!("{}{path}", center.admin_url()));
        if token {
            request = request.bearer_auth(center.admin_token());
        }
        let response = request.send().await.unwrap();

        // Assert: on every answer, the refusal of a missing token included.
        for (name, value) in expected {
            assert_eq!(
                response.headers().get(name).and_then(|v| v.to_str().ok()),
                Some(value),
                "{name} on {path}"
            );
        }
    }
    center.shutdown().await;
}

#[tokio::test]
async fn the_admin_journal_pages_forward_from_since_oldest_first() {
    // Arrange: a fresh center's journal has more than six entries after three requests.
    let center = demo_center().await;
    let client = mtls_client(&center);
    for _ in 0..3 {
        let response = client
            .get(format!("{}/v1/whoami", center.mtls_url()))
            .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    let all: Vec<u64> = center.journal().entries().iter().map(|e| e.seq).collect();
    assert!(all.len() > 6, "{all:?}");
    let page = |since: u64, limit: usize| {
        let url = format!(
            "{}/admin/journal?since={since}&limit={limit}",
            center.admin_url()
        );
        let token = center.admin_token().to_owned();
        async move {
            let entries: Vec<idlink_mock::JournalEntry> = reqwest::Client::new()
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            entries.into_iter().map(|e| e.seq).collect::<Vec<u64>>()
        }
    };

    // Act: page through two at a time.
    let first = page(all[0], 2).await;
    let second = page(all[2], 2).await;

    // Assert
    assert_eq!(first, all[1..3].to_vec());
    assert_eq!(second, all[3..5].to_vec());
    center.shutdown().await;
}

/// The README's admin body examples, fenced as ```` ```json POST /path ```` (or `toml`), each
/// posted to a running center: the documentation cannot drift from what the API takes.
#[tokio::test]
async fn every_admin_body_example_in_the_readme_is_accepted() {
    let readme = include_str!("../README.md");
    let mut examples = Vec::new();
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.strip_prefix("```") else {
            continue;
        };
        let mut words = info.split_whitespace();
        let (Some(format), Some("POST"), Some(path)) = (words.next(), words.next(), words.next())
        else {
            continue;
        };
        let body: Vec<&str> = lines
            .by_ref()
            .take_while(|l| !l.starts_with("```"))
            .collect();
        examples.push((format.to_owned(), path.to_owned(), body.join("\n")));
    }
    assert!(
        examples.len() >= 4,
        "the README has its examples: {examples:?}"
    );

    let center = demo_center().await;
    let admin = reqwest::Client::new();
    for (format, path, body) in examples {
        let response = admin
            .post(format!("{}{path}", center.admin_url()))
            .bearer_auth(center.admin_token())
            .header(
                "content-type",
                if format == "json" {
                    "application/json"
                } else {
                    "application/toml"
                },
            )
            .body(body.clone())
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        assert!(status.is_success(), "POST {path} {body}: {status} {text}");
    }
    assert_eq!(center.faults().pending().len(), 2, "both faults armed");
    assert_eq!(
        center.engine().status().scenario.as_deref(),
        Some("ADMIN-EXAMPLE")
    );
    center.shutdown().await;
}
