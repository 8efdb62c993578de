//! Black-box tests: the real `curl` and `openssl s_client` against a spawned `idlink-mock serve`.
//! Every refusal is asserted on the server's journal (through the admin API's long poll), never
//! on the tools' error text, which races under TLS 1.3.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use idlink_mock::JournalEvent;

use crate::served::{Served, have};
use crate::support::*;

/// (certificate file stem under DATA/pki/client, expected fragment of the server's reason).
const CERTIFICATE_ROWS: &[(Option<&str>, &str)] = &[
    (None, "peer sent no certificates"),
    (Some("expired"), "certificate expired"),
    (Some("not-yet-valid"), "certificate not valid yet"),
    (Some("revoked"), "invalid peer certificate: Revoked"),
    (
        Some("unknown-ca"),
        "invalid peer certificate: UnknownIssuer",
    ),
    (Some("wrong-eku"), "extended key usage"),
    (
        Some("self-signed"),
        "invalid peer certificate: UnknownIssuer",
    ),
];

fn curl(served: &Served, stem: Option<&str>, extra: &[&str], url_path: &str) -> Output {
    let port = served.port("mtls_url");
    let mut command = Command::new("curl");
    command
        .args(["-sS", "--max-time", "10", "--resolve"])
        .arg(format!("localhost:{port}:127.0.0.1"))
        .arg("--cacert")
        .arg(served.pki("ca/root-ca.pem"))
        .args(["-u", &format!("{}:{}", CERT_ACCOUNT.0, CERT_ACCOUNT.1)]);
    if let Some(stem) = stem {
        command
            .arg("--cert")
            .arg(served.pki(&format!("client/{stem}.chain.pem")))
            .arg("--key")
            .arg(served.pki(&format!("client/{stem}.key.pem")));
    }
    command
        .args(extra)
        .arg(format!("https://localhost:{port}{url_path}"))
        .stdin(Stdio::null())
        .output()
        .expect("curl runs")
}

fn s_client(served: &Served, stem: Option<&str>, extra: &[&str]) -> Output {
    let mut command = Command::new("openssl");
    command
        .args(["s_client", "-connect"])
        .arg(format!("127.0.0.1:{}", served.port("mtls_url")))
        .args(["-servername", "localhost", "-CAfile"])
        .arg(served.pki("ca/root-ca.pem"));
    if let Some(stem) = stem {
        command
            .arg("-cert")
            .arg(served.pki(&format!("client/{stem}.pem")))
            .arg("-key")
            .arg(served.pki(&format!("client/{stem}.key.pem")))
            .arg("-cert_chain")
            .arg(served.pki("ca/intermediate-ca.pem"));
    }
    // stdin at EOF: s_client finishes the handshake, sends its certificate, then closes.
    command
        .args(extra)
        .stdin(Stdio::null())
        .output()
        .expect("openssl runs")
}

#[tokio::test]
async fn curl_and_openssl_with_broken_certificates_are_refused_and_journaled_with_their_reason() {
    // PROTO-TLS-003 / PROTO-CLI-006 (the server journal holds the reason the client cannot know)
    if !have("curl") || !have("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut served = Served::start(dir.path());

    for (stem, expected) in CERTIFICATE_ROWS {
        // curl
        let output = curl(&served, *stem, &[], "/v1/whoami");
        assert!(!output.status.success(), "curl {stem:?} must fail");
        let reason = served.next_rejection().await;
        assert!(
            reason.contains(expected),
            "curl {stem:?}: {reason:?} lacks {expected:?}"
        );

        // openssl s_client
        let _ = s_client(&served, *stem, &[]);
        let reason = served.next_rejection().await;
        assert!(
            reason.contains(expected),
            "s_client {stem:?}: {reason:?} lacks {expected:?}"
        );
    }
    let requests = served
        .journal()
        .await
        .into_iter()
        .filter(|e| matches!(e.event, JournalEvent::Request { .. }))
        .count();
    assert_eq!(
        requests, 0,
        "no HTTP exchange happened on any refused connection"
    );
}

#[tokio::test]
async fn tls_1_1_from_curl_and_openssl_is_refused_during_the_handshake() {
    // PROTO-TLS-002: TLS 1.1 and older are refused. OpenSSL 3 disables TLS 1.1 by default, so
    // security level 0 is asked for explicitly; otherwise the client would refuse by itself and
    // the server would see nothing.
    if !have("curl") || !have("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut served = Served::start(dir.path());

    let curl_output = curl(
        &served,
        Some("valid"),
        &[
            "--tlsv1.1",
            "--tls-max",
            "1.1",
            "--ciphers",
            "DEFAULT@SECLEVEL=0",
        ],
        "/v1/whoami",
    );
    let curl_reason = served.next_rejection().await;
    let openssl_output = s_client(
        &served,
        Some("valid"),
        &["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"],
    );
    let openssl_reason = served.next_rejection().await;

    assert!(!curl_output.status.success());
    assert!(!openssl_output.status.success());
    for reason in [curl_reason, openssl_reason] {
        // A TLS 1.1 ClientHello has no signature_algorithms extension, which rustls checks
        // before versions: "peer is incompatible: SignatureAlgorithmsExtensionRequired".
        assert!(reason.starts_with("peer is incompatible"), "{reason}");
    }
}

#[tokio::test]
async fn curl_with_the_other_facilitys_certificate_gets_403_certificate_facility_mismatch() {
    // PROTO-AUTH-006
    if !have("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut served = Served::start(dir.path());

    let output = curl(
        &served,
        Some("other-facility"),
        &["-w", "\n%{http_code}"],
        "/v1/whoami",
    );

    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let (body, status) = text.rsplit_once('\n').unwrap();
    assert_eq!(status, "403");
    let problem: idlink_protocol::Problem = serde_json::from_str(body).unwrap();
    assert_eq!(problem.code, "certificate-facility-mismatch");
    let entry = served
        .wait_for("the 403 response", |e| {
            matches!(e.event, JournalEvent::Response { status: 403, .. })
        })
        .await;
    assert!(
        matches!(entry.event, JournalEvent::Response { code: Some(c), .. } if c == idlink_protocol::ProblemCode::CertificateFacilityMismatch)
    );
}

#[tokio::test]
async fn curl_uploads_a_jahis_iso_2022_jp_message_that_appears_byte_identical_at_its_ssmix2_path() {
    // PROTO-UP-001 / PROTO-UP-013 / PROTO-STORE-001, through the real binary and a real client.
    if !have("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(&dir.path().join("data"));
    let file = dir.path().join("message.hl7");
    std::fs::write(&file, SAMPLE_OMP01).unwrap();
    let digest = idlink_protocol::ContentDigest::of(SAMPLE_OMP01).to_string();
    let headers = [
        "content-type: application/hl7-v2".to_owned(),
        "idlink-document-kind: hl7".to_owned(),
        "idlink-data-kind: OMP-01".to_owned(),
        "idlink-facility: 0112345678".to_owned(),
        "idlink-patient-id: 9999013".to_owned(),
        "idlink-destination: storage".to_owned(),
        format!("content-digest: {digest}"),
        "idempotency-key: curl-0001".to_owned(),
    ];
    let mut extra: Vec<String> = vec!["--data-binary".into(), format!("@{}", file.display())];
    for header in &headers {
        extra.push("-H".into());
        extra.push(header.clone());
    }
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();

    let output = curl(&served, Some("valid"), &extra, "/v1/documents");

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let receipt: idlink_protocol::Receipt = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)));
    let stored: PathBuf = PathBuf::from(served.get("storage")).join(&receipt.stored_path);
    assert!(
        receipt.stored_path.starts_with(
            "0112345678/999/901/9999013/20110701/OMP-01/9999013_20110701_OMP-01_000000011000185_"
        ),
        "{}",
        receipt.stored_path
    );
    assert_eq!(std::fs::read(stored).unwrap(), SAMPLE_OMP01);
}

/// curl's arguments for an HL7 upload of `SAMPLE_OMP01` over HTTP/1.1 with
/// `Expect: 100-continue`, verbose so the interim response shows on stderr.
fn expect_continue_upload(file: &Path, patient: &str, key: &str) -> Vec<String> {
    let digest = idlink_protocol::ContentDigest::of(SAMPLE_OMP01).to_string();
    let mut extra: Vec<String> = ["--http1.1", "-v", "--expect100-timeout", "30"]
        .map(String::from)
        .into();
    extra.extend(["--data-binary".into(), format!("@{}", file.display())]);
    for header in [
        "expect: 100-continue".to_owned(),
        "content-type: application/hl7-v2".to_owned(),
        "idlink-document-kind: hl7".to_owned(),
        "idlink-data-kind: OMP-01".to_owned(),
        "idlink-facility: 0112345678".to_owned(),
        format!("idlink-patient-id: {patient}"),
        "idlink-destination: storage".to_owned(),
        format!("content-digest: {digest}"),
        format!("idempotency-key: {key}"),
    ] {
        extra.extend(["-H".into(), header]);
    }
    extra
}

#[tokio::test]
async fn expect_100_continue_gets_continue_before_the_body_and_a_header_refusal_without_it() {
    // PROTO-UP-001, through the real binary and curl (which waits up to 30 s for the 100).
    if !have("curl") {
        return;
    }
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(&dir.path().join("data"));
    let file = dir.path().join("message.hl7");
    std::fs::write(&file, SAMPLE_OMP01).unwrap();
    let run = |patient: &str, key: &str| {
        let extra = expect_continue_upload(&file, patient, key);
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        let output = curl(&served, Some("valid"), &extra, "/v1/documents");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };

    // Act: an accepted upload, then one refused from its headers (PID of the body differs,
    // but consent is checked first: patient 9999099 has none)
    let accepted = run("9999013", "expect-0001");
    let refused = run("9999099", "expect-0002");

    // Assert
    assert!(accepted.contains("< HTTP/1.1 100"), "{accepted}");
    assert!(accepted.contains("< HTTP/1.1 201"), "{accepted}");
    assert!(!refused.contains("< HTTP/1.1 100"), "{refused}");
    assert!(refused.contains("< HTTP/1.1 403"), "{refused}");
}

#[tokio::test]
async fn a_transfer_coding_other_than_chunked_gets_501_from_the_real_binary() {
    // PROTO-UP-001: curl chunks the body because the list ends in `chunked`; the server must
    // not store the (supposedly gzip-coded) bytes.
    if !have("curl") {
        return;
    }
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(&dir.path().join("data"));
    let file = dir.path().join("message.hl7");
    std::fs::write(&file, SAMPLE_OMP01).unwrap();
    let mut extra = expect_continue_upload(&file, "9999013", "te-0001");
    extra.extend(["-H".into(), "transfer-encoding: gzip, chunked".into()]);
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();

    // Act
    let output = curl(&served, Some("valid"), &extra, "/v1/documents");

    // Assert
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("< HTTP/1.1 501"), "{stderr}");
    let problem: idlink_protocol::Problem = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)));
    assert_eq!(problem.code, "not-implemented");
}

#[test]
fn config_demo_prints_the_demo_configuration() {
    let output = Command::new(env!("CARGO_BIN_EXE_idlink-mock"))
        .args(["config", "--demo"])
        .output()
        .unwrap();

    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        idlink_mock::MockConfig::from_toml_str(&text).unwrap(),
        idlink_mock::MockConfig::demo()
    );
    // Demo passwords are documented, but snapshots never carry passwords.
    insta::with_settings!({filters => vec![(r#"password = ".*""#, r#"password = "[redacted]""#)]}, {
        insta::assert_snapshot!("config_demo", text);
    });
}

#[test]
fn sigterm_stops_the_server_cleanly() {
    // Arrange
    if !have("kill") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let served = Served::start(dir.path());
    let pid = served.ready["pid"].as_u64().unwrap().to_string();

    // Act
    let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();

    // Assert
    assert!(sent.success());
    let status = served.wait_exit();
    assert_eq!(status.code(), Some(0), "a signal is a clean stop");
}

#[test]
fn the_command_line_speaks_the_language_asked_for_and_keeps_its_exit_code() {
    // Issue 13: --lang wins over the locale; the exit code is the same in both languages.
    let run = |lang: &str| {
        Command::new(env!("CARGO_BIN_EXE_idlink-mock"))
            .env("LC_ALL", "ja_JP.UTF-8")
            .args(["--lang", lang, "config"])
            .output()
            .unwrap()
    };

    let japanese = run("ja");
    let english = run("en");

    assert_eq!(japanese.status.code(), Some(1));
    assert_eq!(english.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&japanese.stderr),
        "idlink-mock: error: 出力するものがありません。`idlink-mock config --demo` を使ってください\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&english.stderr),
        "idlink-mock: error: nothing to print: use `idlink-mock config --demo`\n"
    );
}

/// `idlink-mock ARGS` with the locale and the terminal width fixed; its stdout.
fn help_text(args: &[&str], lang_env: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_idlink-mock"))
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", lang_env)
        .env("COLUMNS", "100")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{args:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn help_is_japanese_under_lang_ja_or_a_japanese_locale() {
    // Issue 13: `--help` in the reader's language; flags, value names and defaults unchanged.
    let top = help_text(&["--lang", "ja", "--help"], "C");
    let serve = help_text(&["--lang", "ja", "serve", "--help"], "C");

    insta::assert_snapshot!("help_ja", top);
    insta::assert_snapshot!("serve_help_ja", serve);
    assert_eq!(help_text(&["serve", "--help"], "ja_JP.UTF-8"), serve);
    let english = help_text(&["serve", "--help"], "C");
    assert!(english.starts_with("Run the service center"), "{english}");
    assert!(english.contains("[default: idlink-mock-data]"), "{english}");
    assert_eq!(
        help_text(&["--lang", "en", "serve", "--help"], "ja_JP.UTF-8"),
        english
    );
}
