//! The scenario engine: shipped scenarios load, bad ones are refused with file, line and column,
//! the same seed fires the same actions, and every action does to a raw client (reqwest over
//! real TLS) what `docs/scenarios.md` says. (Each action is also driven with `storeclient`
//! through the shipped suite: `idlink-conformance run`, tested in the root package.)

use std::path::{Path, PathBuf};
use std::time::Duration;

use idlink_mock::scenario::Scenario;
use idlink_mock::{JournalEvent, MockCenter, MockConfig};

use crate::support::{CERT_ACCOUNT, SAMPLE_OMP01, WAIT, client_with_timeout, hl7_upload, pki};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn sample_path() -> PathBuf {
    repo().join(
        "formats/tests/data/valid/9999013_20110701_OMP-01_000000011000185_20110701224603984_01_1",
    )
}

/// A scenario whose first upload of the sample gets `action`, and every later one is normal.
fn one_action(action: &str, extra_states: &str) -> Scenario {
    let text = format!(
        r#"schema = "idlink-scenario/1"
id = "T"
title = "t"
summary = "t"
[[document]]
name = "d"
file = "{file}"
kind = "hl7"
patient_id = "9999013"
data_kind = "OMP-01"
[machine]
initial = "first"
[[machine.state]]
name = "first"
on = {{ route = "upload", doc = "d" }}
action = {action}
times = 1
next = "rest"
[[machine.state]]
name = "rest"
on = {{ route = "upload" }}
{extra_states}"#,
        file = sample_path().display()
    );
    Scenario::from_toml(&text, Path::new("t.toml"), &repo()).expect("the test scenario is valid")
}

async fn center_with(scenario: Scenario) -> MockCenter {
    MockCenter::builder(MockConfig::demo())
        .scenario(scenario)
        .time_scale(0.01)
        .start()
        .await
        .expect("the center starts")
}

fn client(center: &MockCenter, timeout: Duration) -> reqwest::Client {
    client_with_timeout(
        pki(center),
        Some(pki(center).client(idlink_certs::Variant::Valid)),
        false,
        timeout,
    )
}

/// A client that offers only HTTP/1.1 by ALPN (raw-byte actions are HTTP/1.1 framing).
fn http1_client(center: &MockCenter) -> reqwest::Client {
    idlink_mock::ensure_crypto_provider();
    let pki = pki(center);
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pki.ca_der()).unwrap();
    let identity = pki.client(idlink_certs::Variant::Valid);
    let mut config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_client_auth_cert(identity.chain_der(), identity.key_der())
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    reqwest::Client::builder()
        .tls_backend_preconfigured(config)
        .timeout(WAIT)
        .build()
        .unwrap()
}

/// Uploads the sample message with idempotency key `key` (the action under test decides what
/// happens to it).
async fn send_sample(
    client: &reqwest::Client,
    center: &MockCenter,
    key: &str,
) -> reqwest::Result<reqwest::Response> {
    hl7_upload(client, &center.mtls_url(), CERT_ACCOUNT, key, SAMPLE_OMP01)
        .send()
        .await
}

async fn closed_by_engine(center: &MockCenter) -> String {
    match center
        .journal()
        .wait_for(
            |e| {
                matches!(&e.event, JournalEvent::ConnectionClosed { error: Some(error) }
                    if error.starts_with("ended by the scenario engine"))
            },
            WAIT,
        )
        .await
        .expect("the engine ended the connection")
        .event
    {
        JournalEvent::ConnectionClosed { error } => error.unwrap_or_default(),
        _ => unreachable!(),
    }
}

#[test]
fn every_shipped_scenario_loads() {
    let mut files = Vec::new();
    let mut dirs = vec![repo().join("scenarios")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() && path.file_name().is_some_and(|n| n != "fixtures") {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                files.push(path);
            }
        }
    }
    assert!(files.len() >= 40, "the suite has {} scenarios", files.len());
    let errors: Vec<String> = files
        .iter()
        .filter_map(|f| Scenario::from_path(f).err().map(|e| e.to_string()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn bad_scenarios_are_refused_with_file_line_and_column() {
    let head = "schema = \"idlink-scenario/1\"\nid = \"X\"\ntitle = \"t\"\nsummary = \"s\"\n";
    let cases = [
        ("syntax-error", format!("{head}[machine\ninitial = \"a\"\n")),
        (
            "unknown-key",
            format!("{head}[run]\nseed = 1\ntimescale = 0.5\n"),
        ),
        (
            "unknown-action",
            format!(
                "{head}[machine]\ninitial = \"a\"\n[[machine.state]]\nname = \"a\"\non = {{ route = \"upload\" }}\naction = {{ kind = \"explode\" }}\n"
            ),
        ),
        (
            "unreachable-state",
            format!(
                "{head}[machine]\ninitial = \"a\"\n[[machine.state]]\nname = \"a\"\non = {{ route = \"upload\" }}\ntimes = 1\n[[machine.state]]\nname = \"orphan\"\non = {{ route = \"upload\" }}\n"
            ),
        ),
        (
            "unknown-next",
            format!(
                "{head}[machine]\ninitial = \"a\"\n[[machine.state]]\nname = \"a\"\non = {{ route = \"upload\" }}\ntimes = 1\nnext = \"b\"\n"
            ),
        ),
        (
            "connection-action-on-a-request",
            format!(
                "{head}[machine]\ninitial = \"a\"\n[[machine.state]]\nname = \"a\"\non = {{ route = \"upload\" }}\naction = {{ kind = \"refuse\" }}\n"
            ),
        ),
        (
            "misspelt-expectation-key",
            format!("{head}[[expect]]\nid = \"e\"\ncheck = \"attempts\"\nmaximum = 3\n"),
        ),
    ];
    let mut report = String::new();
    for (name, text) in cases {
        let error =
            Scenario::from_toml(&text, Path::new("scenarios/x.toml"), &repo()).expect_err(name);
        assert!(error.line.is_some(), "{name}: {error} has a line");
        report.push_str(&format!("{name}: {error}\n"));
    }
    insta::assert_snapshot!(report);
}

#[tokio::test]
async fn the_same_seed_fires_the_same_actions_and_another_seed_may_not() {
    let text = |seed: u64| {
        format!(
            r#"schema = "idlink-scenario/1"
id = "CHAOS"
title = "t"
summary = "t"
[run]
seed = {seed}
[machine]
initial = "chaos"
[[machine.state]]
name = "chaos"
on = {{ route = "upload" }}
action = {{ kind = "problem", code = "internal-error" }}
probability = 0.5
"#
        )
    };
    async fn fired(text: String) -> Vec<bool> {
        let scenario = Scenario::from_toml(&text, Path::new("c.toml"), &repo()).unwrap();
        let center = center_with(scenario).await;
        let client = client(&center, WAIT);
        let mut out = Vec::new();
        for i in 0..24 {
            let response = hl7_upload(
                &client,
                &center.mtls_url(),
                CERT_ACCOUNT,
                &format!("key-{i}"),
                SAMPLE_OMP01,
            )
            .send()
            .await
            .unwrap();
            out.push(response.status() == 500);
        }
        center.shutdown().await;
        out
    }
    let first = fired(text(7)).await;
    let second = fired(text(7)).await;
    assert_eq!(first, second, "seed 7 twice");
    assert!(first.iter().any(|f| *f) && first.iter().any(|f| !*f));
    let other = fired(text(8)).await;
    assert_ne!(first, other, "seed 8 draws another schedule");
}

#[tokio::test]
async fn problem_answers_carry_retry_after_in_nominal_seconds_or_as_a_date() {
    for (action, check) in [
        (
            r#"{ kind = "problem", code = "maintenance", retry_after = "10s" }"#,
            "10",
        ),
        (
            r#"{ kind = "problem", code = "rate-limited", retry_after = "3s", retry_after_date = true }"#,
            "GMT",
        ),
    ] {
        let center = center_with(one_action(action, "")).await;
        let client = client(&center, WAIT);
        let response = send_sample(&client, &center, "k1").await.unwrap();
        let retry_after = response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(retry_after.contains(check), "{action}: {retry_after}");
        assert!(center.store().documents().is_empty());
        center.shutdown().await;
    }
}

#[tokio::test]
async fn delay_and_dribble_still_deliver_the_normal_answer() {
    for action in [
        r#"{ kind = "delay", before_headers = "5s" }"#,
        r#"{ kind = "dribble", chunks = 4, total = "5s" }"#,
    ] {
        let center = center_with(one_action(action, "")).await;
        let client = client(&center, WAIT);
        let started = std::time::Instant::now();
        let response = send_sample(&client, &center, "k1").await.unwrap();
        assert_eq!(response.status(), 201, "{action}");
        let receipt: serde_json::Value = response.json().await.unwrap();
        assert!(receipt["receipt_id"].is_string(), "{action}");
        // 5 s nominal at scale 0.01: at least 50 ms.
        assert!(started.elapsed() >= Duration::from_millis(50), "{action}");
        center.shutdown().await;
    }
}

#[tokio::test]
async fn reset_before_body_and_empty_response_store_nothing() {
    for (action, detail) in [
        (r#"{ kind = "reset-before-body" }"#, "TCP reset"),
        (r#"{ kind = "empty-response" }"#, "closed without an answer"),
        (
            r#"{ kind = "garbage-then-close", bytes = 32 }"#,
            "32 raw bytes",
        ),
    ] {
        let center = center_with(one_action(action, "")).await;
        let client = client(&center, WAIT);
        let result = send_sample(&client, &center, "k1").await;
        assert!(result.is_err(), "{action}: the client sees no answer");
        assert!(closed_by_engine(&center).await.contains(detail), "{action}");
        assert!(center.store().documents().is_empty(), "{action}");
        center.shutdown().await;
    }
}

#[tokio::test]
async fn malformed_answers_over_http_1_1_are_client_errors() {
    for action in [
        r#"{ kind = "malformed-response" }"#,
        r#"{ kind = "wrong-content-length" }"#,
    ] {
        let center = center_with(one_action(action, "")).await;
        let client = http1_client(&center);
        let result = async { send_sample(&client, &center, "k1").await?.bytes().await }.await;
        assert!(result.is_err(), "{action}: {result:?}");
        closed_by_engine(&center).await;
        center.shutdown().await;
    }
}

#[tokio::test]
async fn close_after_n_body_bytes_reads_exactly_n_and_stores_nothing() {
    let center = center_with(one_action(
        r#"{ kind = "close-after-body-bytes", bytes = 100 }"#,
        "",
    ))
    .await;
    let client = client(&center, WAIT);
    let result = send_sample(&client, &center, "k1").await;
    assert!(result.is_err());
    let read = center
        .journal()
        .wait_for(|e| matches!(e.event, JournalEvent::BodyRead { .. }), WAIT)
        .await
        .unwrap();
    assert!(matches!(
        read.event,
        JournalEvent::BodyRead { bytes: 100, .. }
    ));
    assert!(center.store().documents().is_empty());
    center.shutdown().await;
}

#[tokio::test]
async fn a_stalled_body_is_read_on_and_stored() {
    let center = center_with(one_action(
        r#"{ kind = "stall-body", after_bytes = 64, duration = "5s" }"#,
        "",
    ))
    .await;
    let client = client(&center, WAIT);
    let response = send_sample(&client, &center, "k1").await.unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(center.store().documents().len(), 1);
    center.shutdown().await;
}

#[tokio::test]
async fn answer_early_refuses_before_the_body_is_read() {
    let center = center_with(one_action(
        r#"{ kind = "answer-early", code = "too-large" }"#,
        "",
    ))
    .await;
    let client = http1_client(&center);
    let response = send_sample(&client, &center, "k1").await.unwrap();
    assert_eq!(response.status(), 413);
    assert!(center.store().documents().is_empty());
    center.shutdown().await;
}

#[tokio::test]
async fn store_then_reset_keeps_the_document_and_the_retry_gets_the_first_receipt() {
    let center = center_with(one_action(r#"{ kind = "store-then-reset" }"#, "")).await;
    let client = client(&center, WAIT);
    let first = send_sample(&client, &center, "k1").await;
    assert!(first.is_err(), "the answer never comes");
    assert_eq!(
        center.store().documents().len(),
        1,
        "but the document is durable"
    );
    let retry = send_sample(&client, &center, "k1").await.unwrap();
    assert_eq!(retry.status(), 200);
    assert_eq!(retry.headers()["idempotency-replayed"], "true");
    let receipt: serde_json::Value = retry.json().await.unwrap();
    assert_eq!(
        receipt["receipt_id"].as_str().unwrap(),
        center.store().documents()[0].receipt.receipt_id
    );
    center.shutdown().await;
}

#[tokio::test]
async fn store_then_hang_stores_and_never_answers() {
    let center = center_with(one_action(r#"{ kind = "store-then-hang" }"#, "")).await;
    let client = client(&center, Duration::from_millis(800));
    let result = send_sample(&client, &center, "k1").await;
    assert!(result.expect_err("the client times out").is_timeout());
    assert_eq!(center.store().documents().len(), 1);
    center.shutdown().await;
}

/// A scenario whose first connection gets `action` (before TLS).
fn connection_action(action: &str) -> Scenario {
    let text = format!(
        r#"schema = "idlink-scenario/1"
id = "C"
title = "t"
summary = "t"
[machine]
initial = "first"
[[machine.state]]
name = "first"
on = {{ event = "connection" }}
action = {action}
times = 1
next = "rest"
[[machine.state]]
name = "rest"
on = {{ route = "upload" }}
"#
    );
    Scenario::from_toml(&text, Path::new("c.toml"), &repo()).unwrap()
}

#[tokio::test]
async fn connection_actions_fail_the_first_connection_and_the_next_one_works() {
    for (action, detail) in [
        (r#"{ kind = "refuse" }"#, "refused"),
        (
            r#"{ kind = "stall-handshake", duration = "20s" }"#,
            "stalled",
        ),
        (
            r#"{ kind = "tls-alert", alert = "internal-error" }"#,
            "alert 80",
        ),
        (
            r#"{ kind = "server-certificate", variant = "expired" }"#,
            "",
        ),
        (
            r#"{ kind = "server-certificate", variant = "wrong-host" }"#,
            "",
        ),
        (
            r#"{ kind = "server-certificate", variant = "unknown-ca" }"#,
            "",
        ),
    ] {
        let center = center_with(connection_action(action)).await;
        let client = client(&center, Duration::from_secs(2));
        let first = send_sample(&client, &center, "k1").await;
        assert!(first.is_err(), "{action}: the first connection fails");
        if detail.is_empty() {
            // The client refused the server certificate: the handshake never completed, so no
            // request (and no password) reached the center.
            center
                .journal()
                .wait_for(
                    |e| matches!(e.event, JournalEvent::HandshakeRejected { .. }),
                    WAIT,
                )
                .await
                .expect("the center saw the client abort the handshake");
        } else {
            center
                .journal()
                .wait_for(
                    |e| matches!(&e.event, JournalEvent::ConnectionAction { detail: d } if d.contains(detail)),
                    WAIT,
                )
                .await
                .expect(action);
        }
        assert!(
            !center
                .journal()
                .entries()
                .iter()
                .any(|e| matches!(e.event, JournalEvent::Request { .. })),
            "{action}: no request"
        );
        let second = send_sample(&client, &center, "k1").await.unwrap();
        assert_eq!(second.status(), 201, "{action}: the next connection works");
        center.shutdown().await;
    }
}

#[tokio::test]
async fn a_maintenance_window_answers_503_then_lets_uploads_through() {
    let center = center_with(one_action(
        r#"{ kind = "maintenance", duration = "30s", retry_after = "10s" }"#,
        "",
    ))
    .await;
    let client = client(&center, WAIT);
    let upload = |key: &'static str| {
        hl7_upload(&client, &center.mtls_url(), CERT_ACCOUNT, key, SAMPLE_OMP01).send()
    };
    let first = upload("k1").await.unwrap();
    assert_eq!(first.status(), 503);
    assert_eq!(first.headers()["retry-after"], "10");
    // 30 s nominal at scale 0.01 is 300 ms: wait it out on the center's own clock.
    tokio::time::sleep(center.clock().scaled(Duration::from_secs(31))).await;
    let later = upload("k1").await.unwrap();
    assert_eq!(later.status(), 201);
    let status = center.engine().status();
    assert_eq!(status.visited, ["first", "rest"]);
    center.shutdown().await;
}

#[tokio::test]
async fn a_rate_limit_answers_429_beyond_the_limit() {
    let text = r#"schema = "idlink-scenario/1"
id = "R"
title = "t"
summary = "t"
[machine]
initial = "limited"
[[machine.state]]
name = "limited"
on = { route = "upload" }
action = { kind = "rate-limit", limit = 1, window = "60s" }
"#;
    let center =
        center_with(Scenario::from_toml(text, Path::new("r.toml"), &repo()).unwrap()).await;
    let client = client(&center, WAIT);
    let first = send_sample(&client, &center, "k1").await.unwrap();
    assert_eq!(first.status(), 201);
    let second = hl7_upload(
        &client,
        &center.mtls_url(),
        CERT_ACCOUNT,
        "k2",
        &crate::support::sample_with_order(42),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(second.status(), 429);
    let retry_after: u64 = second.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    center.shutdown().await;
}

#[tokio::test]
async fn a_restart_drops_the_connection_keeps_the_store_and_comes_back() {
    // Arrange: one document stored before the restart.
    let center = center_with(one_action(r#"{ kind = "normal" }"#, "")).await;
    let client = client(&center, WAIT);
    let stored = send_sample(&client, &center, "k1").await.unwrap();
    assert_eq!(stored.status(), 201);
    // Act: restart, down for 20 s nominal (200 ms); a fresh client must connect anew.
    center.restart(Duration::from_secs(20));
    let fresh = self::client(&center, WAIT);
    let during = hl7_upload(
        &fresh,
        &center.mtls_url(),
        CERT_ACCOUNT,
        "k2",
        &crate::support::sample_with_order(43),
    )
    .send()
    .await;
    // Assert
    assert!(during.is_err(), "refused while down");
    center
        .journal()
        .wait_for(
            |e| matches!(&e.event, JournalEvent::ConnectionRefused { reason, .. } if reason.contains("restarting")),
            WAIT,
        )
        .await
        .unwrap();
    tokio::time::sleep(center.clock().scaled(Duration::from_secs(21))).await;
    let after = self::client(&center, WAIT);
    let replay = send_sample(&after, &center, "k1").await.unwrap();
    assert_eq!(replay.status(), 200, "the store survived the restart");
    center.shutdown().await;
}

#[tokio::test]
async fn a_request_no_state_expects_is_journaled_as_unexpected() {
    let text = r#"schema = "idlink-scenario/1"
id = "U"
title = "t"
summary = "t"
[machine]
initial = "done"
[[machine.state]]
name = "done"
"#;
    let center =
        center_with(Scenario::from_toml(text, Path::new("u.toml"), &repo()).unwrap()).await;
    let client = client(&center, WAIT);
    let response = send_sample(&client, &center, "k1").await.unwrap();
    assert_eq!(response.status(), 201, "processed normally");
    let evidence = idlink_mock::evidence::Evidence::new(center.journal().entries());
    assert_eq!(evidence.unexpected().len(), 1);
    center.shutdown().await;
}

#[tokio::test]
async fn the_admin_api_loads_a_scenario_and_the_web_view_shows_its_state() {
    // Arrange
    let center = MockCenter::start(MockConfig::demo()).await.unwrap();
    let admin = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", center.admin_url());
    let text = r#"schema = "idlink-scenario/1"
id = "ADMIN-LOADED"
title = "t"
summary = "t"
[machine]
initial = "first"
[[machine.state]]
name = "first"
on = { route = "upload" }
action = { kind = "problem", code = "maintenance", retry_after = "5s" }
times = 1
next = "rest"
[[machine.state]]
name = "rest"
on = { route = "upload" }
"#;
    // Act: a broken scenario, then a good one, then one upload
    let refused = admin
        .post(url("/admin/scenario"))
        .bearer_auth(center.admin_token())
        .body("schema = \"idlink-scenario/1\"\nid = \"X\"\ntitle = \"t\"\nsummary = \"s\"\n[run]\nsede = 1\n")
        .send()
        .await
        .unwrap();
    let loaded = admin
        .post(url("/admin/scenario"))
        .bearer_auth(center.admin_token())
        .body(text)
        .send()
        .await
        .unwrap();
    let client = client(&center, WAIT);
    let first = send_sample(&client, &center, "k1").await.unwrap();
    let page = admin
        .get(url(&format!("/?token={}", center.admin_token())))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    // Assert
    assert_eq!(refused.status(), 422);
    let why = refused.text().await.unwrap();
    assert!(
        why.contains("<admin request>:6:1") && why.contains("sede"),
        "{why}"
    );
    assert_eq!(loaded.status(), 200);
    assert_eq!(first.status(), 503);
    assert!(
        page.contains("Scenario <code>ADMIN-LOADED</code>"),
        "{page}"
    );
    assert!(page.contains("first → rest"), "the states visited: {page}");
    center.shutdown().await;
}
