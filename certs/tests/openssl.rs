//! The same set checked by the openssl CLI, the tool a vendor engineer reaches for. Skipped with
//! a note when openssl is missing locally; a failure in CI (`CI=true`), which installs it.

use std::path::Path;
use std::process::Command;

use idlink_certs::DEFAULT_P12_PASSWORD;

/// Whether openssl can run here; panics in CI if it cannot.
fn openssl_available() -> bool {
    let found = Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "openssl is not on PATH, but CI=true: CI must install openssl for these checks"
        );
        eprintln!("note: openssl not on PATH; skipping the openssl checks (they run in CI)");
    }
    found
}

fn openssl(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

fn written_set() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    crate::ecdsa()
        .write_to(dir.path(), DEFAULT_P12_PASSWORD)
        .unwrap();
    dir
}

/// One row per check: the file, whether to check the CRLs, and the expected verdict.
#[test]
fn openssl_verify_accepts_the_valid_certificates_and_rejects_unknown_ca_and_revoked() {
    if !openssl_available() {
        return;
    }
    let dir = written_set();
    let cases: &[(&str, bool, Result<(), &str>)] = &[
        ("client/valid.pem", false, Ok(())),
        ("server/valid.pem", false, Ok(())),
        (
            "client/unknown-ca.pem",
            false,
            Err("unable to get local issuer certificate"),
        ),
        ("client/revoked.pem", false, Ok(())),
        ("client/revoked.pem", true, Err("certificate revoked")),
        ("client/valid.pem", true, Ok(())),
        ("server/valid.pem", true, Ok(())),
        ("client/expired.pem", false, Err("certificate has expired")),
    ];
    for (file, crl, expected) in cases {
        let mut args = vec![
            "verify",
            "-CAfile",
            "ca/root-ca.pem",
            "-untrusted",
            "ca/intermediate-ca.pem",
        ];
        if *crl {
            args.extend(["-crl_check_all", "-CRLfile", "ca/crl.pem"]);
        }
        args.push(file);
        let (ok, text) = openssl(dir.path(), &args);
        match expected {
            Ok(()) => assert!(ok, "{file} (crl {crl}): expected OK, openssl said {text}"),
            Err(reason) => {
                assert!(
                    !ok,
                    "{file} (crl {crl}): expected a rejection, openssl said {text}"
                );
                assert!(
                    text.contains(reason),
                    "{file}: expected {reason:?}, openssl said {text}"
                );
            }
        }
    }
}

#[test]
fn openssl_opens_the_p12_with_its_password_and_not_with_a_wrong_one() {
    if !openssl_available() {
        return;
    }
    let dir = written_set();
    let pass = format!("pass:{DEFAULT_P12_PASSWORD}");
    let (ok, text) = openssl(
        dir.path(),
        &[
            "pkcs12",
            "-info",
            "-nokeys",
            "-in",
            "client/valid.p12",
            "-passin",
            &pass,
        ],
    );
    assert!(ok, "{text}");
    assert!(
        text.contains("CN=Facility 0112345678") || text.contains("CN = Facility 0112345678"),
        "{text}"
    );
    let (ok, text) = openssl(
        dir.path(),
        &[
            "pkcs12",
            "-info",
            "-nokeys",
            "-in",
            "client/valid.p12",
            "-passin",
            "pass:wrong",
        ],
    );
    assert!(!ok, "{text}");
}
