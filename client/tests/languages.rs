//! Japanese and English (issue 13): the same run read in both languages, with the same stable
//! codes (result words, problem codes, exit codes). Snapshots in pairs; times, ports, receipt
//! IDs and temp paths are redacted as in `snapshots.rs`.

use std::path::Path;
use std::process::Command;

use insta_cmd::assert_cmd_snapshot;

use crate::support::{demo_center, kit, sample, storeclient, text_doc};

fn filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"rcpt-[0-9A-Za-z]{26}", "[receipt]"),
        (r"(localhost|127\.0\.0\.1):\d+", "[host]"),
        (r"/tmp/[^\s/]+(/[^\s:]*)?/(kit|docs)/", "[dir]/"),
        (r"/tmp/\.tmp[^\s/：]+", "[tmp]"),
    ]
}

/// `storeclient` for a Japanese reader: by `--lang ja`, whatever the locale says.
fn japanese(config: &Path) -> Command {
    let mut cmd = storeclient(config);
    cmd.args(["--lang", "ja"]);
    cmd
}

fn stdout(cmd: &mut Command) -> String {
    String::from_utf8(cmd.output().expect("storeclient runs").stdout).expect("UTF-8")
}

#[test]
fn help_in_japanese_keeps_the_flags_and_the_exit_codes() {
    let mut cmd = japanese(Path::new("unused.toml"));
    cmd.arg("--help");
    assert_cmd_snapshot!("help_ja", cmd);
    let mut cmd = japanese(Path::new("unused.toml"));
    cmd.args(["upload", "--help"]);
    assert_cmd_snapshot!("upload_help_ja", cmd);
}

#[test]
fn a_japanese_locale_chooses_japanese_and_the_flag_overrides_it() {
    let by_flag = stdout(japanese(Path::new("unused.toml")).arg("--help"));
    let mut by_locale = storeclient(Path::new("unused.toml"));
    by_locale.env("LANG", "ja_JP.UTF-8").arg("--help");
    assert_eq!(stdout(&mut by_locale), by_flag);
    // clap's English notes are replaced, not doubled.
    assert!(by_flag.contains("［指定できる値：ja, en］"), "{by_flag}");
    assert!(!by_flag.contains("possible values"), "{by_flag}");
    let mut english = storeclient(Path::new("unused.toml"));
    english
        .env("LANG", "ja_JP.UTF-8")
        .args(["--lang", "en", "--help"]);
    let english = stdout(&mut english);
    assert!(english.contains("Exit codes:"), "{english}");
    assert!(!english.contains("終了コード"), "{english}");
}

#[test]
fn a_missing_configuration_file_in_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    for (name, mut cmd) in [
        ("missing_config_en", storeclient(Path::new("missing.toml"))),
        ("missing_config_ja", japanese(Path::new("missing.toml"))),
    ] {
        cmd.current_dir(dir.path()).args(["upload", "report.pdf"]);
        assert_cmd_snapshot!(name, cmd);
    }
}

#[test]
fn a_misspelt_key_names_file_line_and_column_in_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    let config = storeclient::config::TEMPLATE.replace("[facility]\n", "[facility]\ncolour = 1\n");
    std::fs::write(dir.path().join("storeclient.toml"), config).unwrap();
    std::fs::write(dir.path().join("account.password"), "pw\n").unwrap();
    for (name, mut cmd) in [
        (
            "misspelt_key_en",
            storeclient(Path::new("storeclient.toml")),
        ),
        ("misspelt_key_ja", japanese(Path::new("storeclient.toml"))),
    ] {
        cmd.current_dir(dir.path())
            .args(["send", "--spool", "spool"]);
        assert_cmd_snapshot!(name, cmd);
    }
}

#[test]
fn init_writes_the_template_with_comments_in_the_readers_language() {
    let dir = tempfile::tempdir().unwrap();
    for (lang, mut cmd, expected) in [
        (
            "en",
            storeclient(Path::new("unused.toml")),
            storeclient::config::TEMPLATE,
        ),
        (
            "ja",
            japanese(Path::new("unused.toml")),
            storeclient::config::TEMPLATE_JA,
        ),
    ] {
        let file = format!("storeclient-{lang}.toml");
        cmd.current_dir(dir.path()).args(["init", &file]);
        assert_cmd_snapshot!(format!("init_{lang}"), cmd);
        let written = std::fs::read_to_string(dir.path().join(&file)).unwrap();
        assert_eq!(written, expected);
        insta::assert_snapshot!(format!("init_template_{lang}"), written);
    }
    // A second init refuses to overwrite, in the reader's language.
    let mut again = japanese(Path::new("unused.toml"));
    again
        .current_dir(dir.path())
        .args(["init", "storeclient-ja.toml"]);
    assert_cmd_snapshot!("init_exists_ja", again);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_upload_summary_in_japanese_keeps_results_codes_and_exit_status() {
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    crate::support::serial(&kit);
    let docs = dir.path().join("docs");
    std::fs::create_dir_all(&docs).unwrap();
    sample(&docs);
    text_doc(&docs, "consent.txt", "no consent\n", "9999099");
    std::fs::write(docs.join("nometa.txt"), "no sidecar\n").unwrap();
    let mut cmd = japanese(Path::new("../kit/storeclient.toml"));
    cmd.current_dir(&docs)
        .arg("upload")
        .arg(crate::support::SAMPLE_NAME)
        .arg("consent.txt")
        .arg("nometa.txt");
    tokio::task::block_in_place(|| {
        insta::with_settings!({filters => filters()}, { assert_cmd_snapshot!("upload_summary_ja", cmd); });
    });
    center.shutdown().await;
}

#[test]
fn doctor_and_check_say_a_missing_file_in_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    for (lang, mut doctor, mut check) in [
        (
            "en",
            storeclient(Path::new("missing.toml")),
            storeclient(Path::new("missing.toml")),
        ),
        (
            "ja",
            japanese(Path::new("missing.toml")),
            japanese(Path::new("missing.toml")),
        ),
    ] {
        doctor.current_dir(dir.path()).arg("doctor");
        assert_cmd_snapshot!(format!("doctor_missing_config_{lang}"), doctor);
        check.current_dir(dir.path()).args([
            "check",
            "--kind",
            "text",
            "--patient",
            "9999013",
            "gone.txt",
        ]);
        assert_cmd_snapshot!(format!("check_missing_file_{lang}"), check);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_failed_reason_of_the_spool_is_in_the_readers_language_with_the_same_codes() {
    // Arrange
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    let spool = dir.path().join("spool");
    let outbox = spool.join("outbox");
    std::fs::create_dir_all(&outbox).unwrap();
    text_doc(&outbox, "refused.txt", "no consent\n", "9999099");
    // Act
    let mut cmd = japanese(&kit.config);
    cmd.arg("send").arg("--spool").arg(&spool);
    let out = crate::support::run(cmd).await;
    // Assert
    assert_eq!(out.status.code(), Some(5));
    let reason = std::fs::read_to_string(spool.join("failed/refused.txt.reason.txt")).unwrap();
    assert!(
        reason.starts_with("サービスセンターが受け付けませんでした："),
        "{reason}"
    );
    assert!(
        reason.contains("問題コード：consent-missing（403）、要件 PROTO-"),
        "{reason}"
    );
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary.contains("rejected      refused.txt  [consent-missing] サービスセンター"),
        "{summary}"
    );
    assert!(summary.ends_with("（終了コード 5）\n"), "{summary}");
    center.shutdown().await;
}
