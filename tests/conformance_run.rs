//! A vendor engineer runs the README's main command on a fresh clone: the whole shipped suite
//! against our own storeclient, with every report a CI system or a person reads.

use std::path::Path;
use std::process::Command;

use idlink_conformance::report::{Level, Verdict};

fn harness() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_idlink-harness"));
    command.current_dir(env!("CARGO_MANIFEST_DIR"));
    // The English reports these tests read, whatever the machine's locale (a Japanese one makes
    // the console and the storeclient's own messages Japanese).
    command.env("LC_ALL", "C");
    command
}

#[test]
fn the_main_command_runs_the_whole_suite_against_storeclient_and_every_scenario_passes() {
    // Arrange
    let out = tempfile::tempdir().unwrap();
    let path = |name: &str| out.path().join(name);
    // Act: what `cargo run --release` runs, with the report files asked for.
    let output = harness()
        .args(["run", "--quiet", "--json"])
        .arg(path("report.json"))
        .arg("--junit")
        .arg(path("junit.xml"))
        .arg("--html")
        .arg(path("report.html"))
        .arg("--ctrf")
        .arg(path("ctrf.json"))
        .output()
        .expect("idlink-harness runs");
    let stdout = String::from_utf8_lossy(&output.stdout);

    // Assert: exit 0 and every scenario passed, judged from the JSON report.
    let report = idlink_conformance::report::json::from_json(
        &std::fs::read_to_string(path("report.json")).unwrap(),
    )
    .unwrap();
    let not_passed: Vec<String> = report
        .scenarios
        .iter()
        .filter(|s| s.verdict != Verdict::Pass)
        .map(|s| format!("{} ({:?})", s.id, s.verdict))
        .collect();
    assert!(not_passed.is_empty(), "{not_passed:?}\n{stdout}");
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(report.scenarios.len() >= 40);
    assert!(report.scaled, "the default run is scaled and says so");
    assert!(
        stdout.contains("scenarios:"),
        "the console summary: {stdout}"
    );
    assert!(
        report.scenarios.iter().any(|s| s.level == Level::Optional),
        "optional scenarios are part of the run"
    );

    // The JUnit file is read back by a JUnit parser: one suite per scenario, unique names.
    let xml = std::fs::read(path("junit.xml")).unwrap();
    let suites = junit_parser::from_reader(std::io::Cursor::new(xml)).expect("valid JUnit");
    assert_eq!(suites.suites.len(), report.scenarios.len());
    let mut names = std::collections::BTreeSet::new();
    for suite in &suites.suites {
        for case in &suite.cases {
            assert!(
                names.insert(case.name.clone()),
                "duplicate testcase {}",
                case.name
            );
        }
    }
    assert_eq!(suites.failures, 0);
    assert_eq!(suites.errors, 0);

    // The HTML report opens in a real browser and shows the scenarios.
    if let Some(chromium) = crate::web_view::chromium() {
        let profile = tempfile::tempdir().unwrap();
        let dom = Command::new(chromium)
            .args(crate::web_view::CHROMIUM_DUMP_DOM)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(format!("file://{}", path("report.html").display()))
            .output()
            .expect("chromium runs");
        let dom = String::from_utf8_lossy(&dom.stdout);
        assert!(
            dom.contains("RETRY-503-RETRY-AFTER"),
            "the DOM lists the scenarios"
        );
    }
}

/// Times, durations, temporary paths, request and receipt IDs vary between runs.
fn redact(text: &str) -> String {
    // The checkout's location shows in the default client command.
    let text = text.replace(env!("CARGO_BIN_EXE_idlink-harness"), "[idlink-harness]");
    let rules = [
        (r#"time="[0-9.]+""#, r#"time="[time]""#),
        (r#"timestamp="[^"]+""#, r#"timestamp="[timestamp]""#),
        (r"/tmp/[A-Za-z0-9._/-]+", "[path]"),
        (r"rcpt-[0-9A-Z]{26}", "[receipt]"),
        (r"req-[0-9A-Z]{26}", "[request]"),
        (r"\+[0-9]+\.[0-9]{3}s", "+[t]"),
        (r"[0-9]+\.[0-9]{3} s", "[d] s"),
        (r#""(duration_ms|at_ms)": [0-9]+"#, r#""$1": 0"#),
        (r#""started_at": "[^"]+""#, r#""started_at": "[time]""#),
        (r"[0-9]{17}_", "[ssmix2-time]_"),
        (r"conn [0-9]+", "conn [n]"),
        (r"after [0-9]+ ms", "after [n] ms"),
        (
            r"verification time [0-9]+ \(UNIX\), but certificate is not valid after [0-9]+ \([0-9]+ seconds ago\)",
            "[validity]",
        ),
    ];
    let mut out = text;
    for (pattern, replacement) in rules {
        out = regex_lite::Regex::new(pattern)
            .unwrap()
            .replace_all(&out, replacement)
            .into_owned();
    }
    out
}

#[test]
fn junit_and_json_reports_of_a_real_run_are_stable() {
    let out = tempfile::tempdir().unwrap();
    let status = harness()
        .args([
            "run",
            "--quiet",
            "--jobs",
            "1",
            "--filter",
            "HAPPY-PDF,RETRY-503-RETRY-AFTER,VAL-PDF-ENCRYPTED",
            // (no client-certificate rejection: what a TLS 1.3 client sees of it races)
            "--json",
        ])
        .arg(out.path().join("r.json"))
        .arg("--junit")
        .arg(out.path().join("j.xml"))
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stdout)
    );
    let read = |name: &str| redact(&std::fs::read_to_string(out.path().join(name)).unwrap());
    insta::assert_snapshot!("conformance_run_junit", read("j.xml"));
    insta::assert_snapshot!("conformance_run_json", read("r.json"));
}

#[test]
fn the_runner_names_a_missing_client_command_and_a_bad_suite() {
    let output = Command::new(env!("CARGO_BIN_EXE_idlink-harness"))
        .args(["run", "--suite"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("no-such-suite"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot read the suite directory"),
        "{stderr}"
    );
}

#[test]
fn a_daemon_integration_is_graded_in_folder_mode() {
    // storeclient `watch` behind the adapter: the documents are dropped into its outbox.
    let out = tempfile::tempdir().unwrap();
    let output = harness()
        .args([
            "run",
            "--quiet",
            "--client-mode",
            "folder",
            "--filter",
            "HAPPY-MIXED-BATCH,RETRY-503-RETRY-AFTER",
            "--json",
        ])
        .arg(out.path().join("r.json"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let report = idlink_conformance::report::json::from_json(
        &std::fs::read_to_string(out.path().join("r.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(report.client_mode, "folder");
    for scenario in &report.scenarios {
        assert_eq!(scenario.verdict, Verdict::Pass, "{}: {stdout}", scenario.id);
        let exit = scenario
            .expectations
            .iter()
            .find(|e| e.description.contains("exit status"))
            .expect("an exit expectation");
        assert_eq!(
            exit.verdict,
            Verdict::Skip,
            "a stopped daemon's exit says nothing"
        );
    }
}
