//! The `idlink-certs` command line: what it writes, what it refuses, and what it prints.

use std::path::Path;

use assert_cmd::Command;
use idlink_certs::Manifest;
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

fn idlink_certs() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("idlink-certs"));
    cmd.env_remove("IDLINK_P12_PASSWORD").env_remove("COLUMNS");
    cmd
}

fn init(dir: &Path) {
    idlink_certs()
        .arg("init")
        .arg("--out")
        .arg(dir)
        .assert()
        .success();
}

/// Serials, dates, fingerprints and temp paths change every run.
fn redactions() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\b[0-9a-f]{16}\b", "[serial]");
    settings.add_filter(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}( UTC|Z)", "[date]");
    settings.add_filter(r"([0-9A-F]{2}:){31}[0-9A-F]{2}", "[sha256]");
    settings.add_filter(r"/tmp/\S+?/", "[tmp]/");
    settings
}

#[test]
fn init_writes_every_file_the_manifest_lists_and_documents_them() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let manifest: Manifest =
        serde_json::from_slice(&std::fs::read(dir.path().join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest.facility.as_str(), "0112345678");
    let readme = std::fs::read_to_string(dir.path().join("README.txt")).unwrap();
    for file in &manifest.files {
        assert!(
            dir.path().join(&file.path).is_file(),
            "{} is missing",
            file.path
        );
        assert!(
            readme.contains(&file.path),
            "README.txt does not mention {}",
            file.path
        );
    }
    let paths: Vec<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    for required in [
        "ca/root-ca.pem",
        "ca/crl.pem",
        "server/valid.key.pem",
        "client/revoked.p12",
    ] {
        assert!(paths.contains(&required), "{required} not in the manifest");
    }
    // 5 CA files, 8 clients × 4 files, 4 servers × 3 files.
    assert_eq!(manifest.files.len(), 5 + 8 * 4 + 4 * 3);
}

#[test]
fn init_refuses_a_non_empty_directory_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    idlink_certs()
        .arg("init")
        .arg("--out")
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(contains("is not empty").and(contains("--force")));
    idlink_certs()
        .arg("init")
        .arg("--out")
        .arg(dir.path())
        .arg("--force")
        .assert()
        .success();
}

#[test]
fn issue_writes_one_variant_with_its_ca() {
    let dir = tempfile::tempdir().unwrap();
    idlink_certs()
        .args([
            "issue",
            "--facility",
            "0187654321",
            "--variant",
            "expired",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(contains("client/expired"));
    for file in [
        "client/expired.pem",
        "client/expired.p12",
        "ca/root-ca.pem",
        "ca/crl.pem",
    ] {
        assert!(dir.path().join(file).is_file(), "{file}");
    }
    assert!(!dir.path().join("client/valid.pem").exists());
    idlink_certs()
        .args(["inspect", "client/expired.pem", "--ca", "ca/ca-bundle.pem"])
        .current_dir(dir.path())
        .assert()
        .code(3)
        .stdout(contains("facility:    0187654321").and(contains("expired on")));
}

#[test]
fn inspect_reports_a_revoked_client_certificate() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let out = idlink_certs()
        .args([
            "inspect",
            "client/revoked.pem",
            "--ca",
            "ca/ca-bundle.pem",
            "--crl",
            "ca/crl.pem",
        ])
        .current_dir(dir.path())
        .assert()
        .code(3)
        .get_output()
        .stdout
        .clone();
    redactions().bind(|| insta::assert_snapshot!(String::from_utf8_lossy(&out)));
}

#[test]
fn inspect_reports_a_valid_p12_as_json() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    let out = idlink_certs()
        .args([
            "inspect",
            "client/valid.p12",
            "--ca",
            "ca/root-ca.pem",
            "--crl",
            "ca/crl.pem",
        ])
        .args(["--password", "idlink-test", "--json"])
        .current_dir(dir.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    redactions().bind(|| insta::assert_snapshot!(String::from_utf8_lossy(&out)));
}

#[test]
fn help_documents_the_commands() {
    for args in [
        &["--help"][..],
        &["init", "--help"],
        &["issue", "--help"],
        &["inspect", "--help"],
    ] {
        let out = idlink_certs()
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let name = match args[0] {
            "--help" => "help".to_owned(),
            command => format!("help_{command}"),
        };
        redactions().bind(|| insta::assert_snapshot!(name, String::from_utf8_lossy(&out)));
    }
}

/// One row per kind of bad input to `inspect`: it exits 1, names the file, and does not panic.
#[test]
fn inspect_rejects_bad_input_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path());
    std::fs::write(
        dir.path().join("corrupt.pem"),
        "-----BEGIN CERTIFICATE-----\nMIIB!!\n",
    )
    .unwrap();
    let key = std::fs::read_to_string(dir.path().join("client/valid.key.pem")).unwrap();
    let cases: &[(&[&str], &str, &str)] = &[
        (&["corrupt.pem"], "corrupt.pem", "not a valid"),
        (
            &["client/valid.p12", "--password", "wrong"],
            "client/valid.p12",
            "wrong password",
        ),
        (&["missing.pem"], "missing.pem", "cannot read"),
        (
            &["client/valid.pem", "--ca", "corrupt.pem"],
            "corrupt.pem",
            "not a valid",
        ),
        (
            &["client/valid.pem", "--crl", "client/valid.pem"],
            "client/valid.pem",
            "no CRL",
        ),
    ];
    for (args, file, reason) in cases {
        let assert = idlink_certs()
            .arg("inspect")
            .args(*args)
            .current_dir(dir.path())
            .assert();
        let output = assert.get_output();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains(file) && stderr.contains(reason),
            "{args:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            !stderr.contains(key.lines().nth(1).unwrap()),
            "key material in stderr"
        );
    }
}

#[test]
fn a_key_that_does_not_match_its_certificate_is_refused_naming_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let pki = crate::ecdsa();
    let valid = pki.client(idlink_certs::Variant::Valid);
    let cert = dir.path().join("valid.pem");
    let key = dir.path().join("other.key.pem");
    std::fs::write(&cert, valid.chain_pem()).unwrap();
    std::fs::write(&key, pki.client(idlink_certs::Variant::Expired).key_pem()).unwrap();
    let err = idlink_certs::load::identity_pem(&cert, &key)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("other.key.pem") && err.contains("valid.pem"),
        "{err}"
    );
    assert!(err.contains("does not match"), "{err}");
}
