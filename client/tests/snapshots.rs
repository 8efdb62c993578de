//! Snapshots of what users read: `--help`, `check`, `doctor`, the upload summary. Times, ports,
//! paths, receipt IDs, serials and dates are redacted.

use insta_cmd::assert_cmd_snapshot;

use crate::support::{demo_center, kit, sample, storeclient, text_doc};

fn filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"rcpt-[0-9A-Za-z]{26}", "[receipt]"),
        (r"(localhost|127\.0\.0\.1):\d+", "[host]"),
        (r"/tmp/[^\s/]+(/[^\s:]*)?/(kit|docs)/", "[dir]/"),
        (r"/tmp/\.tmp[^\s/]+", "[tmp]"),
        (r"\d{4}-\d{2}-\d{2}", "[date]"),
        (r"serialNumber=\d+", "serialNumber=[n]"),
        (r"TLSv1\.[23]", "[tls]"),
        (r"\d{2}:\d{2}:\d{2}", "[time]"),
    ]
}

#[test]
fn help_lists_commands_and_exit_codes() {
    let mut cmd = storeclient(std::path::Path::new("unused.toml"));
    cmd.arg("--help");
    assert_cmd_snapshot!(cmd);
}

#[test]
fn upload_help_lists_the_metadata_flags() {
    let mut cmd = storeclient(std::path::Path::new("unused.toml"));
    cmd.args(["upload", "--help"]);
    assert_cmd_snapshot!(cmd);
}

#[test]
fn check_prints_compiler_style_findings() {
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs");
    std::fs::create_dir_all(&docs).unwrap();
    sample(&docs);
    // The sample with LF instead of CR segment separators: a framing error in strict mode.
    let broken: Vec<u8> = crate::support::SAMPLE
        .iter()
        .map(|&b| if b == b'\r' { b'\n' } else { b })
        .collect();
    std::fs::write(docs.join("broken.hl7"), broken).unwrap();
    let mut dicom = vec![0u8; 128];
    dicom.extend_from_slice(b"DICM\x02\x00\x00\x00");
    std::fs::write(docs.join("scan.dcm"), dicom).unwrap();
    let mut cmd = storeclient(std::path::Path::new("none.toml"));
    cmd.current_dir(&docs)
        .arg("check")
        .arg(crate::support::SAMPLE_NAME)
        .arg("broken.hl7")
        .arg("--kind")
        .arg("hl7");
    insta::with_settings!({filters => filters()}, { assert_cmd_snapshot!(cmd); });
    let mut cmd = storeclient(std::path::Path::new("none.toml"));
    cmd.current_dir(&docs)
        .args(["check", "--kind", "pdf", "scan.dcm"]);
    insta::with_settings!({filters => filters()}, { assert_cmd_snapshot!("check_refuses_dicom", cmd); });
    // Without --kind the DICOM refusal is the same, not "the document kind is not known".
    let with_kind = cmd.output().unwrap();
    let mut cmd = storeclient(std::path::Path::new("none.toml"));
    cmd.current_dir(&docs).args(["check", "scan.dcm"]);
    let without_kind = cmd.output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&without_kind.stdout),
        String::from_utf8_lossy(&with_kind.stdout)
    );
    assert_eq!(without_kind.status.code(), Some(3));
}

/// An HL7 message with three defects, each with a hint: MSH-9 without its structure, MSH-12
/// not 2.5, and EVN-2 with month 13.
const BAD_HL7: &[u8] =
    b"MSH|^~\\&|HIS|F|GW|R|20240101120000||ADT^A08|1|P|2.4||||||~ISO IR87||ISO 2022-1994\r\
EVN||20241301\rPID|1||123456^^^^PI||\x1b$B45<T\x1b(B||19700101|M\rPV1|1|O\r";

/// `storeclient check` on [`BAD_HL7`] with `args` after `check`.
fn check_bad_hl7(dir: &std::path::Path, args: &[&str]) -> std::process::Command {
    std::fs::write(dir.join("bad.hl7"), BAD_HL7).unwrap();
    let mut cmd = storeclient(std::path::Path::new("none.toml"));
    cmd.current_dir(dir)
        .args(["check", "--kind", "hl7", "bad.hl7"])
        .args(args);
    cmd
}

#[test]
fn check_prints_findings_and_hints_in_english() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = check_bad_hl7(dir.path(), &[]);
    insta::with_settings!({filters => filters()}, { assert_cmd_snapshot!(cmd); });
}

#[test]
fn check_prints_findings_and_hints_in_japanese() {
    // Arrange
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = check_bad_hl7(dir.path(), &["--lang", "ja"]);
    // Act + Assert: the same codes and locations as in English, the words in Japanese.
    insta::with_settings!({filters => filters()}, { assert_cmd_snapshot!(cmd); });
    // A Japanese locale gives the same output as the flag.
    let by_flag = check_bad_hl7(dir.path(), &["--lang", "ja"])
        .output()
        .unwrap();
    let by_locale = check_bad_hl7(dir.path(), &[])
        .env("LANG", "ja_JP.UTF-8")
        .output()
        .unwrap();
    assert_eq!(by_locale.stdout, by_flag.stdout);
    assert_eq!(by_locale.status.code(), Some(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_explains_a_working_setup() {
    let center = demo_center().await;
    let (_dir, kit) = kit(&center, "fac-0112345678", "");
    let mut cmd = storeclient(std::path::Path::new("storeclient.toml"));
    cmd.current_dir(&kit.dir).arg("doctor");
    tokio::task::block_in_place(|| {
        insta::with_settings!({filters => filters()}, { assert_cmd_snapshot!(cmd); });
    });
    center.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_explains_a_working_setup_in_japanese_when_the_locale_is_japanese() {
    let center = demo_center().await;
    let (_dir, kit) = kit(&center, "fac-0112345678", "");
    let mut cmd = storeclient(std::path::Path::new("storeclient.toml"));
    cmd.current_dir(&kit.dir)
        .env("LANG", "ja_JP.UTF-8")
        .arg("doctor");
    tokio::task::block_in_place(|| {
        insta::with_settings!({filters => filters()}, { assert_cmd_snapshot!(cmd); });
    });
    center.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_explains_a_certificate_for_another_facility() {
    let center = demo_center().await;
    let (_dir, kit) = kit(&center, "fac-0112345678", "");
    let other = center
        .pki()
        .expect("generated PKI")
        .client(idlink_certs::Variant::OtherFacility);
    std::fs::write(kit.cert_chain.as_ref().unwrap(), other.chain_pem()).unwrap();
    std::fs::write(kit.key.as_ref().unwrap(), other.key_pem()).unwrap();
    let mut cmd = storeclient(std::path::Path::new("storeclient.toml"));
    cmd.current_dir(&kit.dir).arg("doctor");
    tokio::task::block_in_place(|| {
        insta::with_settings!({filters => filters()}, { assert_cmd_snapshot!(cmd); });
    });
    center.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_explains_a_wrong_password() {
    let center = demo_center().await;
    let (_dir, kit) = kit(&center, "fac-0112345678", "");
    std::fs::write(&kit.account_password, "not-the-password\n").unwrap();
    let mut cmd = storeclient(std::path::Path::new("storeclient.toml"));
    cmd.current_dir(&kit.dir).arg("doctor");
    tokio::task::block_in_place(|| {
        insta::with_settings!({filters => filters()}, { assert_cmd_snapshot!(cmd); });
    });
    center.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upload_summary_names_receipts_and_problems() {
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    crate::support::serial(&kit);
    let docs = dir.path().join("docs");
    std::fs::create_dir_all(&docs).unwrap();
    sample(&docs);
    text_doc(&docs, "consent.txt", "no consent\n", "9999099");
    std::fs::write(docs.join("nometa.txt"), "no sidecar\n").unwrap();
    let mut cmd = storeclient(std::path::Path::new("../kit/storeclient.toml"));
    cmd.current_dir(&docs)
        .arg("upload")
        .arg(crate::support::SAMPLE_NAME)
        .arg("consent.txt")
        .arg("nometa.txt");
    tokio::task::block_in_place(|| {
        insta::with_settings!({filters => filters()}, { assert_cmd_snapshot!(cmd); });
    });
    center.shutdown().await;
}

/// Every cause is printed once: error messages never repeat their source, and the CLI prints the
/// chain (`main` and the reports through `messages::explain`, which follows `report::error_chain`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_print_each_cause_once() {
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    let mut cmd = storeclient(std::path::Path::new("missing.toml"));
    cmd.current_dir(dir.path()).args(["upload", "report.pdf"]);
    let mut check = storeclient(std::path::Path::new("none.toml"));
    check
        .current_dir(dir.path())
        .args(["check", "--kind", "pdf", "missing.pdf"]);
    let mut trace = storeclient(std::path::Path::new("kit/storeclient.toml"));
    trace.current_dir(dir.path()).args([
        "--trace",
        "no-such-folder/trace.jsonl",
        "upload",
        "report.pdf",
    ]);
    tokio::task::block_in_place(|| {
        insta::with_settings!({filters => filters()}, {
            assert_cmd_snapshot!("an_unreadable_configuration_names_its_cause_once", cmd);
            assert_cmd_snapshot!("an_unreadable_document_names_its_cause_once", check);
            assert_cmd_snapshot!("an_unwritable_trace_file_names_its_cause_once", trace);
        });
    });
    drop(kit);
    center.shutdown().await;
}

#[test]
fn check_with_the_fictional_nsips_profile_names_each_defect() {
    let mut cmd = storeclient(std::path::Path::new("none.toml"));
    cmd.current_dir(crate::support::nsips_fixture(""))
        .arg("check")
        .args([
            "--nsips-profile",
            "../../../profiles/nsips-fictional-sample.toml",
        ]);
    for name in [
        "valid.csv",
        "lf-endings.csv",
        "bad-count.csv",
        "unknown-record.csv",
        "bad-version.csv",
        "utf8.csv",
        "bad-date.csv",
    ] {
        cmd.arg(name);
    }
    assert_cmd_snapshot!(cmd);
}

/// rustls's own words carry UNIX times and seconds.
fn clock_filters() -> Vec<(&'static str, &'static str)> {
    let mut filters = filters();
    filters.push((r"\b[0-9]{6,}\b", "[n]"));
    filters
}

/// `doctor` with this computer's clock shifted by `offset` (the time source is injected; the
/// service center and its certificates keep the real time).
async fn doctor_with_clock(offset: time::Duration, vpn: bool, lang: idlink_i18n::Lang) -> String {
    let center = demo_center().await;
    let account = if vpn {
        "vpn-0112345678"
    } else {
        "fac-0112345678"
    };
    let (_dir, kit) = kit(&center, account, "");
    let diagnosis = storeclient::doctor::diagnose_at(
        &kit.config,
        storeclient::clock::LocalClock::shifted(offset),
        lang,
    )
    .await;
    center.shutdown().await;
    diagnosis.render_human()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_says_a_clock_three_days_behind_makes_good_certificates_look_not_yet_valid() {
    let text = doctor_with_clock(-time::Duration::days(3), false, idlink_i18n::Lang::En).await;
    assert!(text.contains("FAIL  clock"), "{text}");
    assert!(text.contains("3 days behind"), "{text}");
    insta::with_settings!({filters => clock_filters()}, { insta::assert_snapshot!(text) });
    // The same diagnosis for a Japanese reader: same topics, marks and exit status.
    let ja = doctor_with_clock(-time::Duration::days(3), false, idlink_i18n::Lang::Ja).await;
    assert!(ja.contains("FAIL  clock"), "{ja}");
    assert!(ja.contains("3 日遅れて"), "{ja}");
    insta::with_settings!({filters => clock_filters()}, {
        insta::assert_snapshot!("doctor_clock_behind_ja", ja)
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_says_a_clock_years_ahead_makes_good_certificates_look_expired() {
    let text = doctor_with_clock(time::Duration::days(4000), false, idlink_i18n::Lang::En).await;
    assert!(text.contains("looks expired"), "{text}");
    insta::with_settings!({filters => clock_filters()}, { insta::assert_snapshot!(text) });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_warns_of_a_clock_minutes_off_before_it_breaks_anything() {
    let text = doctor_with_clock(time::Duration::minutes(12), true, idlink_i18n::Lang::En).await;
    assert!(text.contains("WARN  clock"), "{text}");
    assert!(text.contains("12 min ahead of"), "{text}");
    assert!(text.ends_with("(exit 0)\n"), "{text}");
}
