//! A Japanese vendor engineer and an English one run the same failing scenario and each reads
//! the console summary, the HTML report and the JUnit failure in their own language; the check
//! names, scenario and requirement IDs and the exit code are the same in both, and the JSON
//! report (a machine format) is English and identical whatever the language.
//!
//! The report comes from a real run of the `idlink-conformance` binary: `HAPPY-PDF` against a
//! client that prints a line and exits 3 without uploading, so `exit-zero`, `stored` and
//! `created` fail with the grader's own explanations and evidence.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The files and output of one run in `out`, with `lang` as `--lang` (or none) and `locale` as
/// `LANG` (the other locale variables removed, so the machine's own do not decide).
fn run(out: &Path, lang: Option<&str>, locale: &str) -> (Output, String, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_idlink-conformance"));
    command
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", locale)
        .args([
            "run",
            "--quiet",
            "--time-scale",
            "0.5",
            "--filter",
            "HAPPY-PDF",
        ])
        .current_dir(repo())
        .args(["--suite", "scenarios"])
        .args([
            "--client-cmd",
            "echo 'vendor-uploader: cannot reach the outbox'; exit 3",
        ])
        .arg("--json")
        .arg(out.join("report.json"))
        .arg("--junit")
        .arg(out.join("junit.xml"))
        .arg("--html")
        .arg(out.join("report.html"));
    if let Some(lang) = lang {
        command.args(["--lang", lang]);
    }
    let output = command.output().expect("idlink-conformance runs");
    let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap_or_default();
    (
        output,
        read("report.json"),
        read("junit.xml"),
        read("report.html"),
    )
}

/// Durations, start times and temporary paths vary between runs.
fn redacted() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"\d+\.\d{3} s", "[d] s");
    settings.add_filter(r#"time="[0-9.]+""#, r#"time="[time]""#);
    settings.add_filter(r#"timestamp="[^"]+""#, r#"timestamp="[timestamp]""#);
    settings.add_filter(r"\d{4}-\d\d-\d\dT[0-9:.]+Z", "[started]");
    settings.add_filter(r"after \d+ ms", "after [n] ms");
    settings.add_filter(r"（\d+ ミリ秒）", "（[n] ミリ秒）");
    settings.add_filter(r"/tmp/[A-Za-z0-9._/-]+", "[path]");
    settings.add_filter(r#""(duration_ms|at_ms)": \d+"#, r#""$1": 0"#);
    settings
}

/// The HTML without its style sheet, one element per line, so the snapshot reads as a diff.
fn html_body(html: &str) -> String {
    let start = html.find("<body>").unwrap_or(0);
    html[start..].replace("><", ">\n<")
}

/// The first `<failure message="...">` of the JUnit file.
fn first_failure(junit: &str) -> &str {
    let at = junit.find("<failure").expect("a failure element");
    let rest = &junit[at..];
    let end = rest.find("</failure>").expect("a closed failure");
    &rest[..end]
}

#[test]
fn a_failing_run_reads_in_japanese_and_in_english_with_the_same_codes_and_json() {
    // Arrange
    let ja_dir = tempfile::tempdir().unwrap();
    let en_dir = tempfile::tempdir().unwrap();

    // Act: Japanese from the locale alone; English by --lang, which wins over a Japanese locale.
    let (ja, ja_json, ja_junit, ja_html) = run(ja_dir.path(), None, "ja_JP.UTF-8");
    let (en, en_json, en_junit, en_html) = run(en_dir.path(), Some("en"), "ja_JP.UTF-8");

    // Assert: the same verdict and exit code (1: the uploader failed) in both languages.
    let ja_console = String::from_utf8_lossy(&ja.stdout).into_owned();
    let en_console = String::from_utf8_lossy(&en.stdout).into_owned();
    assert_eq!(ja.status.code(), Some(1), "{ja_console}");
    assert_eq!(en.status.code(), Some(1), "{en_console}");
    // The JSON report does not depend on the language (times aside).
    let strip = |json: &str| {
        let mut value: serde_json::Value = serde_json::from_str(json).expect("JSON report");
        value["started_at"] = serde_json::Value::Null;
        value["duration_ms"] = serde_json::Value::Null;
        value["client_command"] = serde_json::Value::Null;
        for scenario in value["scenarios"].as_array_mut().unwrap() {
            scenario["duration_ms"] = serde_json::Value::Null;
            for run in scenario["runs"].as_array_mut().unwrap() {
                run["duration_ms"] = serde_json::Value::Null;
            }
        }
        value
    };
    assert_eq!(strip(&ja_json), strip(&en_json));
    assert!(
        ja_json.contains("not stored after 0 attempt(s)"),
        "the JSON stays English: {ja_json}"
    );
    // Check names, IDs and requirement IDs are the same in both languages.
    for stable in [
        "HAPPY-PDF",
        "exit-zero",
        "stored",
        "created",
        "PROTO-STORE-003",
    ] {
        assert!(ja_console.contains(stable), "{stable} in {ja_console}");
        assert!(en_console.contains(stable), "{stable} in {en_console}");
    }
    assert!(ja_html.contains(r#"<html lang="ja">"#));
    assert!(en_html.contains(r#"<html lang="en">"#));

    redacted().bind(|| {
        insta::assert_snapshot!("languages_console_ja", ja_console);
        insta::assert_snapshot!("languages_console_en", en_console);
        insta::assert_snapshot!("languages_html_ja", html_body(&ja_html));
        insta::assert_snapshot!("languages_html_en", html_body(&en_html));
        insta::assert_snapshot!("languages_junit_failure_ja", first_failure(&ja_junit));
        insta::assert_snapshot!("languages_junit_failure_en", first_failure(&en_junit));
    });
}

/// `idlink-conformance ARGS` with the locale and the terminal width fixed; its stdout.
fn help_text(args: &[&str], locale: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_idlink-conformance"))
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", locale)
        .env("COLUMNS", "100")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{args:?}");
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn help_is_japanese_under_lang_ja_or_a_japanese_locale() {
    // Issue 13: `--help` in the reader's language; flags, value names, defaults and possible
    // values unchanged; English is clap's derive text.
    let top = help_text(&["--lang", "ja", "--help"], "C");
    let run = help_text(&["--lang", "ja", "run", "--help"], "C");

    insta::assert_snapshot!("help_ja", top);
    insta::assert_snapshot!("run_help_ja", run);
    assert_eq!(help_text(&["run", "--help"], "ja_JP.UTF-8"), run);
    let english = help_text(&["run", "--help"], "C");
    assert!(
        english.starts_with("Run a suite against a client command"),
        "{english}"
    );
    assert!(english.contains("[possible values: ja, en]"), "{english}");
    assert_eq!(
        help_text(&["--lang", "en", "run", "--help"], "ja_JP.UTF-8"),
        english
    );
}
