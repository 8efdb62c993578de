//! The report renderings: JSON (source of truth), JUnit XML, HTML, console table and CTRF,
//! all made from one realistic sample run (a pass, a failure with evidence, a harness error and
//! a skip, with Japanese text), snapshotted and read back with independent parsers.

use std::collections::HashSet;
use std::fs::File;
use std::io::Cursor;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use idlink_conformance::report::console::summary_table;
use idlink_conformance::report::ctrf::{EXTRA_KEY, to_ctrf};
use idlink_conformance::report::html::to_html;
use idlink_conformance::report::junit::to_junit_xml;
use idlink_conformance::report::{
    CommandRun, Counts, ExpectationResult, FiredAction, Level, REPORT_SCHEMA, Report, ReportError,
    RequirementCoverage, ScenarioResult, Severity, Summary, Tool, Verdict, from_json, to_json,
};
use idlink_i18n::Lang;
use tempfile::TempDir;

// ---------------------------------------------------------------------------------------------
// The sample run

fn expectation(
    id: &str,
    description: &str,
    requirement: Option<&str>,
    (severity, verdict): (Severity, Verdict),
    (expected, actual): (&str, &str),
    message: &str,
    evidence: &[&str],
) -> ExpectationResult {
    ExpectationResult {
        id: id.into(),
        description: description.into(),
        requirement: requirement.map(Into::into),
        severity,
        verdict,
        expected: expected.into(),
        actual: actual.into(),
        message: message.into(),
        evidence: evidence.iter().map(|l| (*l).into()).collect(),
        texts: None,
    }
}

fn happy_path() -> ScenarioResult {
    ScenarioResult {
        id: "HAPPY-SSMIX2".into(),
        title: "SS-MIX2 の患者ID付き文書を1件登録する".into(),
        summary: "One SS-MIX2 document is stored once, with the patient ID from its PID segment."
            .into(),
        file: "basic/happy-ssmix2.toml".into(),
        level: Level::Required,
        verifies: vec!["PROTO-STORE-1".into(), "PROTO-META-2".into()],
        verdict: Verdict::Pass,
        reason: None,
        reason_text: None,
        seed: 20260401,
        time_scale: 0.1,
        duration_ms: 1234,
        runs: vec![CommandRun {
            index: 1,
            exit_code: Some(0),
            signal: None,
            timed_out: false,
            duration_ms: 987,
            output: "storeclient: uploading 9999013_20260401_ADT_A08.hl7\n\
                     storeclient: stored, receipt R-000001\n"
                .into(),
        }],
        expectations: vec![
            expectation(
                "stored-once",
                "the document is stored exactly once",
                Some("PROTO-STORE-1"),
                (Severity::Error, Verdict::Pass),
                ("1 stored document", "1 stored document"),
                "",
                &["#3 POST /v1/documents → 201 receipt R-000001"],
            ),
            expectation(
                "patient-id",
                "患者ID is taken from PID-3",
                Some("PROTO-META-2"),
                (Severity::Error, Verdict::Pass),
                ("patient_id 9999013", "patient_id 9999013"),
                "",
                &[],
            ),
        ],
        actions_fired: vec![],
        states_visited: vec!["ready".into(), "stored".into()],
    }
}

fn retry_503() -> ScenarioResult {
    ScenarioResult {
        id: "RETRY-503".into(),
        title: "Retries a 503 with the same idempotency key".into(),
        summary: "The center answers 503 twice, then accepts; the client retries the same upload."
            .into(),
        file: "retry/retry-503.toml".into(),
        level: Level::Required,
        verifies: vec!["PROTO-RETRY-1".into(), "PROTO-IDEM-2".into()],
        verdict: Verdict::Fail,
        reason: None,
        reason_text: None,
        seed: 20260401,
        time_scale: 0.1,
        duration_ms: 12_500,
        runs: vec![
            CommandRun {
                index: 1,
                exit_code: None,
                signal: Some(9),
                timed_out: true,
                duration_ms: 10_000,
                output: "storeclient: 503 Service Unavailable, retrying in 1s\n\
                         storeclient: Authorization: [REDACTED]\n"
                    .into(),
            },
            CommandRun {
                index: 2,
                exit_code: Some(0),
                signal: None,
                timed_out: false,
                duration_ms: 2_400,
                output: "storeclient: stored, receipt R-000002\n".into(),
            },
        ],
        expectations: vec![
            expectation(
                "E1",
                "same idempotency key on every attempt",
                Some("PROTO-IDEM-2"),
                (Severity::Error, Verdict::Fail),
                (
                    "1 distinct Idempotency-Key over 3 attempts",
                    "3 distinct keys",
                ),
                "the client sent a new Idempotency-Key on each retry, so a lost ack stores twice",
                &[
                    "#1 POST /v1/documents Idempotency-Key: 7f3a…01 → 503 Retry-After: 1",
                    "#2 POST /v1/documents Idempotency-Key: 9c41…77 → 503 Retry-After: 1",
                    "#3 POST /v1/documents Idempotency-Key: 2d08…5e → 201 receipt R-000002",
                    "#3 患者ID 9999013 stored as document D-000002",
                    "#4 GET /v1/documents/D-000002 → 200",
                    "#5 POST /v1/documents Idempotency-Key: 2d08…5e → 200 (replay)",
                    "#6 GET /v1/health → 200",
                ],
            ),
            expectation(
                "E2",
                "waits at least Retry-After between attempts",
                Some("PROTO-RETRY-1"),
                (Severity::Error, Verdict::Pass),
                ("gaps ≥ 1.000 s (scaled: 0.100 s)", "gaps 0.104 s, 0.110 s"),
                "",
                &["#1→#2 gap 104 ms", "#2→#3 gap 110 ms"],
            ),
            expectation(
                "E3",
                "logs each retry with its cause",
                None,
                (Severity::Warning, Verdict::Fail),
                (
                    "a log line per retry naming the status",
                    "1 of 2 retries logged",
                ),
                "the second retry was silent",
                &[],
            ),
        ],
        actions_fired: vec![
            FiredAction {
                at_ms: 15,
                state: "first".into(),
                action: "problem 503 maintenance, Retry-After 1".into(),
                request_id: Some("req-0001".into()),
                connection: Some(1),
            },
            FiredAction {
                at_ms: 130,
                state: "second".into(),
                action: "problem 503 maintenance, Retry-After 1".into(),
                request_id: Some("req-0002".into()),
                connection: Some(2),
            },
            FiredAction {
                at_ms: 250,
                state: "third".into(),
                action: "drop connection after response".into(),
                request_id: None,
                connection: Some(3),
            },
        ],
        states_visited: vec![
            "first".into(),
            "second".into(),
            "third".into(),
            "done".into(),
        ],
    }
}

fn harness_error() -> ScenarioResult {
    ScenarioResult {
        id: "TLS-EXPIRED-CERT".into(),
        title: "Refuses a center certificate that has expired".into(),
        summary: "The center presents an expired certificate; the client must not upload.".into(),
        file: "tls/expired-cert.toml".into(),
        level: Level::Strict,
        verifies: vec!["PROTO-TLS-3".into()],
        verdict: Verdict::Error,
        reason: Some("the mock center could not start: bind 127.0.0.1:0: address in use".into()),
        reason_text: None,
        seed: 20260401,
        time_scale: 0.1,
        duration_ms: 42,
        runs: vec![],
        expectations: vec![],
        actions_fired: vec![],
        states_visited: vec![],
    }
}

fn skipped() -> ScenarioResult {
    ScenarioResult {
        id: "FOLDER-ATOMIC".into(),
        title: "フォルダ監視: 書きかけのファイルを送らない".into(),
        summary: "A file still being written into the watched folder is not uploaded.".into(),
        file: "folder/atomic.toml".into(),
        level: Level::Optional,
        verifies: vec!["PROTO-FOLDER-1".into()],
        verdict: Verdict::Skip,
        reason: Some("needs client_mode folder; this run is command mode".into()),
        reason_text: None,
        seed: 20260401,
        time_scale: 0.1,
        duration_ms: 0,
        runs: vec![],
        expectations: vec![expectation(
            "partial-not-sent",
            "a partial file is not uploaded",
            Some("PROTO-FOLDER-1"),
            (Severity::Error, Verdict::Skip),
            ("no upload before the file is complete", "not exercised"),
            "needs client_mode folder",
            &[],
        )],
        actions_fired: vec![],
        states_visited: vec![],
    }
}

/// A scaled run of four scenarios: pass, fail (with evidence), harness error, skip.
fn sample_report() -> Report {
    let scenarios = vec![happy_path(), retry_503(), harness_error(), skipped()];
    let mut summary = Summary::default();
    for scenario in &scenarios {
        summary.scenarios.add(scenario.verdict);
        for expectation in &scenario.expectations {
            summary.expectations.add(expectation.verdict);
        }
    }
    let coverage = vec![
        coverage("PROTO-FOLDER-1", &["FOLDER-ATOMIC"], Verdict::Skip),
        coverage("PROTO-IDEM-2", &["RETRY-503"], Verdict::Fail),
        coverage("PROTO-META-2", &["HAPPY-SSMIX2"], Verdict::Pass),
        coverage("PROTO-RETRY-1", &["RETRY-503"], Verdict::Fail),
        coverage("PROTO-STORE-1", &["HAPPY-SSMIX2"], Verdict::Pass),
        coverage("PROTO-TLS-3", &["TLS-EXPIRED-CERT"], Verdict::Error),
    ];
    Report {
        schema: REPORT_SCHEMA.into(),
        tool: Tool {
            name: "idlink-conformance".into(),
            version: "0.1.0".into(),
        },
        suite: "scenarios/".into(),
        client_command: "vendor-uploader --config vendor.toml --password [REDACTED]".into(),
        client_mode: "command".into(),
        seed: 20260401,
        time_scale: 0.1,
        scaled: true,
        started_at: "2026-04-01T09:00:00Z".into(),
        duration_ms: 13_776,
        summary,
        scenarios,
        coverage,
    }
}

fn coverage(requirement: &str, scenarios: &[&str], verdict: Verdict) -> RequirementCoverage {
    RequirementCoverage {
        requirement: requirement.into(),
        scenarios: scenarios.iter().map(|s| (*s).into()).collect(),
        verdict,
    }
}

/// Insta settings that hide anything time-like, so the snapshots do not depend on when the
/// sample says it ran.
fn time_redacted() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(
        r#""started_at": "[^"]*""#,
        r#""started_at": "[started_at]""#,
    );
    settings.add_filter(r#"timestamp="[^"]*""#, r#"timestamp="[timestamp]""#);
    settings.add_filter(r#""(start|stop)": \d+"#, r#""$1": "[epoch_ms]""#);
    settings
}

// ---------------------------------------------------------------------------------------------
// JSON

#[test]
fn the_json_report_reads_back_equal_to_what_was_written() {
    let report = sample_report();

    let read = from_json(&to_json(&report)).expect("the report reads back");

    assert_eq!(read, report);
}

#[test]
fn awkward_time_scales_survive_the_json_round_trip_exactly() {
    for time_scale in [1.0 / 3.0, 0.05, 0.001, 2.5, 1e-9] {
        let mut report = sample_report();
        report.time_scale = time_scale;
        report.scenarios[1].time_scale = time_scale;

        let read = from_json(&to_json(&report)).unwrap();

        assert_eq!(read.time_scale.to_bits(), time_scale.to_bits());
        assert_eq!(read, report);
    }
}

#[test]
fn the_json_report_keeps_its_field_order_and_content() {
    let report = sample_report();

    let json = to_json(&report);

    time_redacted().bind(|| insta::assert_snapshot!("report_json", json));
}

#[test]
fn a_report_of_another_schema_version_is_refused_with_both_versions_named() {
    let json = to_json(&sample_report()).replace(REPORT_SCHEMA, "idlink-conformance-report/2");

    let error = from_json(&json).expect_err("schema 2 is not read");

    assert!(
        matches!(&error, ReportError::UnsupportedSchema { found } if found == "idlink-conformance-report/2")
    );
    let message = error.to_string();
    assert!(
        message.contains("report/2") && message.contains(REPORT_SCHEMA),
        "{message}"
    );
}

#[test]
fn json_without_a_schema_or_not_json_at_all_is_refused_without_panicking() {
    assert!(matches!(from_json("{}"), Err(ReportError::MissingSchema)));
    assert!(matches!(
        from_json(r#"{"schema": 1}"#),
        Err(ReportError::MissingSchema)
    ));
    assert!(matches!(from_json("not json"), Err(ReportError::Json(_))));
    assert!(matches!(
        from_json(&format!(r#"{{"schema": "{REPORT_SCHEMA}"}}"#)),
        Err(ReportError::Json(_))
    ));
}

#[test]
fn unknown_fields_from_a_compatible_writer_are_ignored() {
    let mut value: serde_json::Value = serde_json::from_str(&to_json(&sample_report())).unwrap();
    value["added_later"] = serde_json::json!({"anything": true});
    value["scenarios"][0]["added_later"] = serde_json::json!(1);

    let read = from_json(&value.to_string()).expect("extra fields are ignored");

    assert_eq!(read, sample_report());
}

// ---------------------------------------------------------------------------------------------
// JUnit XML

#[test]
fn the_junit_xml_matches_its_snapshot() {
    let xml = to_junit_xml(&sample_report(), Lang::En).unwrap();

    time_redacted().bind(|| insta::assert_snapshot!("report_junit", xml));
}

fn parsed_junit() -> junit_parser::TestSuites {
    let xml = to_junit_xml(&sample_report(), Lang::En).unwrap();
    junit_parser::from_reader(Cursor::new(xml.into_bytes())).expect("a JUnit parser reads it")
}

#[test]
fn a_junit_parser_sees_one_suite_per_scenario_and_one_case_per_expectation() {
    let junit = parsed_junit();

    let names: Vec<&str> = junit.suites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "HAPPY-SSMIX2",
            "RETRY-503",
            "TLS-EXPIRED-CERT",
            "FOLDER-ATOMIC"
        ]
    );
    let cases: Vec<usize> = junit.suites.iter().map(|s| s.cases.len()).collect();
    // TLS-EXPIRED-CERT has no expectation: it gets its one synthetic `harness` case.
    assert_eq!(cases, [2, 3, 1, 1]);
    assert_eq!(junit.tests, 7);
    assert_eq!(junit.failures, 2);
    assert_eq!(junit.errors, 1);
    assert_eq!(junit.skipped, 1);
}

#[test]
fn every_junit_test_case_name_is_unique_and_starts_with_its_scenario() {
    let junit = parsed_junit();

    let mut seen = HashSet::new();
    for suite in &junit.suites {
        for case in &suite.cases {
            assert!(
                seen.insert(case.original_name.clone()),
                "duplicate name {}",
                case.original_name
            );
            assert!(
                case.original_name
                    .starts_with(&format!("{} › ", suite.name)),
                "{}",
                case.original_name
            );
        }
    }
    assert!(seen.contains("RETRY-503 › E1 same idempotency key on every attempt"));
}

#[test]
fn an_uploader_failure_is_a_junit_failure_with_expected_actual_and_evidence() {
    let junit = parsed_junit();
    let suite = &junit.suites[1];
    let e1 = &suite.cases[0];

    assert_eq!(suite.failures, 2);
    assert_eq!(suite.errors, 0);
    assert_eq!(e1.classname.as_deref(), Some("idlink.required.RETRY-503"));
    assert!(e1.status.is_failure());
    let failure = e1.status.failure_as_ref();
    assert_eq!(
        failure.message,
        "the client sent a new Idempotency-Key on each retry, so a lost ack stores twice"
    );
    assert_eq!(failure.failure_type, "error");
    assert!(
        failure
            .text
            .contains("expected: 1 distinct Idempotency-Key over 3 attempts")
    );
    assert!(failure.text.contains("actual: 3 distinct keys"));
    assert!(
        failure
            .text
            .contains("#3 患者ID 9999013 stored as document D-000002")
    );
    assert!(failure.text.contains("#6 GET /v1/health → 200"));
    assert!(suite.cases[1].status.is_success());
    assert_eq!(
        suite.cases[2].status.failure_as_ref().failure_type,
        "warning"
    );
    assert_eq!(
        e1.properties.hashmap.get("requirement").map(String::as_str),
        Some("PROTO-IDEM-2")
    );
}

#[test]
fn a_harness_error_is_a_junit_error_on_a_harness_case_never_a_failure() {
    let junit = parsed_junit();
    let suite = &junit.suites[2];

    assert_eq!((suite.tests, suite.errors, suite.failures), (1, 1, 0));
    let case = &suite.cases[0];
    assert_eq!(case.original_name, "TLS-EXPIRED-CERT › harness");
    assert_eq!(
        case.classname.as_deref(),
        Some("idlink.strict.TLS-EXPIRED-CERT")
    );
    assert!(case.status.is_error());
    assert_eq!(
        case.status.error_as_ref().message,
        "the mock center could not start: bind 127.0.0.1:0: address in use"
    );
}

#[test]
fn a_skipped_expectation_is_a_junit_skip_with_its_reason() {
    let junit = parsed_junit();
    let suite = &junit.suites[3];

    assert_eq!(suite.skipped, 1);
    let case = &suite.cases[0];
    assert!(case.status.is_skipped());
    assert_eq!(
        case.status.skipped_as_ref().message,
        "needs client_mode folder"
    );
    assert_eq!(
        case.classname.as_deref(),
        Some("idlink.optional.FOLDER-ATOMIC")
    );
}

#[test]
fn junit_suites_carry_seed_time_scale_level_requirements_and_the_runs_output() {
    let junit = parsed_junit();
    let retry = &junit.suites[1];
    let properties = &retry.properties.hashmap;

    assert_eq!(properties.get("seed").map(String::as_str), Some("20260401"));
    assert_eq!(
        properties.get("time_scale").map(String::as_str),
        Some("0.1")
    );
    assert_eq!(
        properties.get("level").map(String::as_str),
        Some("required")
    );
    assert_eq!(
        properties.get("requirements").map(String::as_str),
        Some("PROTO-RETRY-1,PROTO-IDEM-2")
    );
    assert!((retry.time - 12.5).abs() < 1e-9, "time {}", retry.time);
    let out = retry.system_out.as_deref().unwrap_or_default();
    assert!(out.contains("--- run 1: timed out (killed at the deadline), killed by signal 9"));
    assert!(out.contains("Authorization: [REDACTED]"));
    assert_eq!(
        junit.suites[0]
            .properties
            .hashmap
            .get("title")
            .map(String::as_str),
        Some("SS-MIX2 の患者ID付き文書を1件登録する")
    );
}

#[test]
fn duplicate_expectation_ids_still_give_unique_junit_names() {
    let mut report = sample_report();
    let first = report.scenarios[0].expectations[0].clone();
    report.scenarios[0].expectations.push(first);

    let xml = to_junit_xml(&report, Lang::En).unwrap();
    let junit = junit_parser::from_reader(Cursor::new(xml.into_bytes())).unwrap();

    let names: Vec<&str> = junit.suites[0]
        .cases
        .iter()
        .map(|c| c.original_name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "HAPPY-SSMIX2 › stored-once the document is stored exactly once",
            "HAPPY-SSMIX2 › patient-id 患者ID is taken from PID-3",
            "HAPPY-SSMIX2 › stored-once the document is stored exactly once (2)",
        ]
    );
}

#[test]
fn a_huge_client_output_is_bounded_in_the_junit_system_out() {
    let mut report = sample_report();
    report.scenarios[0].runs[0].output = "患".repeat(100_000);

    let xml = to_junit_xml(&report, Lang::En).unwrap();
    let junit = junit_parser::from_reader(Cursor::new(xml.into_bytes())).unwrap();

    let out = junit.suites[0].system_out.as_deref().unwrap_or_default();
    assert!(out.len() < 70 * 1024, "system-out is {} bytes", out.len());
    assert!(out.contains("more bytes not shown"));
}

#[test]
fn a_scenario_skipped_as_a_whole_is_one_skipped_junit_case_with_the_scenario_reason() {
    let mut report = sample_report();
    report.scenarios[3].expectations.clear();

    let xml = to_junit_xml(&report, Lang::En).unwrap();
    let junit = junit_parser::from_reader(Cursor::new(xml.into_bytes())).unwrap();

    let suite = &junit.suites[3];
    assert_eq!((suite.tests, suite.skipped), (1, 1));
    assert_eq!(suite.cases[0].original_name, "FOLDER-ATOMIC › scenario");
    assert_eq!(
        suite.cases[0].status.skipped_as_ref().message,
        "needs client_mode folder; this run is command mode"
    );
}

#[test]
fn a_scenario_skipped_without_a_reason_says_so_in_the_junit_readers_language() {
    let mut report = sample_report();
    report.scenarios[3].expectations.clear();
    report.scenarios[3].reason = None;
    let message = |lang| {
        let xml = to_junit_xml(&report, lang).unwrap();
        let junit = junit_parser::from_reader(Cursor::new(xml.into_bytes())).unwrap();
        let case = &junit.suites[3].cases[0];
        // The case name is the same in both languages: CI keys history by it.
        assert_eq!(case.original_name, "FOLDER-ATOMIC › scenario");
        case.status.skipped_as_ref().message.clone()
    };

    assert_eq!(message(Lang::En), "skipped; no reason was recorded");
    assert_eq!(
        message(Lang::Ja),
        "スキップしました。理由は記録されていません"
    );
}

// ---------------------------------------------------------------------------------------------
// Console

#[test]
fn the_console_table_matches_its_snapshot() {
    let table = summary_table(&sample_report(), Lang::En);

    insta::assert_snapshot!("report_console", table);
}

#[test]
fn the_console_table_aligns_columns_by_display_width_with_cjk_ids() {
    let mut report = sample_report();
    report.scenarios[0].id = "患者ID-照合".into();

    let table = summary_table(&report, Lang::En);

    // The DURATION column ends at the same display column on every scenario line.
    let ends: Vec<usize> = table
        .lines()
        .take(1 + report.scenarios.len())
        .map(|line| {
            let end = line
                .find(" s ")
                .map(|i| i + 2)
                .unwrap_or_else(|| line.find("DURATION").expect("header") + "DURATION".len());
            unicode_width_of(&line[..end])
        })
        .collect();
    assert!(ends.windows(2).all(|w| w[0] == w[1]), "{ends:?}\n{table}");
}

/// Display width, counting CJK as two columns (enough for this test's text).
fn unicode_width_of(text: &str) -> usize {
    text.chars()
        .map(|c| {
            if ('\u{3000}'..='\u{9fff}').contains(&c) {
                2
            } else {
                1
            }
        })
        .sum()
}

#[test]
fn the_console_table_has_no_escape_codes_even_when_the_evidence_does() {
    let mut report = sample_report();
    report.scenarios[1].expectations[0].evidence[0] = "\u{1b}[2J\u{1b}[31mgotcha".into();

    let table = summary_table(&report, Lang::En);

    assert!(!table.contains('\u{1b}'), "{table}");
    assert!(table.contains("\\u{1b}[2J"), "{table}");
}

#[test]
fn the_console_table_shows_at_most_five_evidence_lines_per_expectation() {
    let table = summary_table(&sample_report(), Lang::En);

    assert!(table.contains("#4 GET /v1/documents/D-000002 → 200"));
    assert!(!table.contains("#6 GET /v1/health"));
    assert!(table.contains("... 2 more evidence lines"));
}

// ---------------------------------------------------------------------------------------------
// CTRF

#[test]
fn the_ctrf_report_matches_its_snapshot() {
    let ctrf = to_ctrf(&sample_report());

    time_redacted().bind(|| insta::assert_snapshot!("report_ctrf", ctrf));
}

#[test]
fn the_ctrf_report_uses_only_ctrf_properties_and_keeps_ours_under_extra() {
    const RESULTS: &[&str] = &["tool", "summary", "tests", "environment", "extra"];
    const SUMMARY: &[&str] = &[
        "tests", "passed", "failed", "skipped", "pending", "other", "suites", "start", "stop",
        "extra",
    ];
    const TEST: &[&str] = &[
        "name",
        "status",
        "duration",
        "start",
        "stop",
        "suite",
        "message",
        "trace",
        "rawStatus",
        "tags",
        "type",
        "filePath",
        "retries",
        "flaky",
        "extra",
    ];
    let ctrf: serde_json::Value = serde_json::from_str(&to_ctrf(&sample_report())).unwrap();
    let keys =
        |v: &serde_json::Value| -> Vec<String> { v.as_object().unwrap().keys().cloned().collect() };

    assert_eq!(ctrf["reportFormat"], "CTRF");
    assert_eq!(ctrf["specVersion"], "0.0.0");
    assert_eq!(ctrf["results"]["tool"]["name"], "idlink-conformance");
    for key in keys(&ctrf["results"]) {
        assert!(RESULTS.contains(&key.as_str()), "results.{key}");
    }
    for key in keys(&ctrf["results"]["summary"]) {
        assert!(SUMMARY.contains(&key.as_str()), "summary.{key}");
    }
    let tests = ctrf["results"]["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 7);
    for test in tests {
        for key in keys(test) {
            assert!(TEST.contains(&key.as_str()), "test.{key}");
        }
        assert_eq!(keys(&test["extra"]), [EXTRA_KEY]);
    }
    assert_eq!(keys(&ctrf["results"]["extra"]), [EXTRA_KEY]);
}

#[test]
fn ctrf_counts_a_harness_error_as_other_and_sums_to_the_test_count() {
    let ctrf: serde_json::Value = serde_json::from_str(&to_ctrf(&sample_report())).unwrap();
    let summary = &ctrf["results"]["summary"];
    let tests = ctrf["results"]["tests"].as_array().unwrap();

    assert_eq!(summary["tests"], 7);
    assert_eq!(
        (
            &summary["passed"],
            &summary["failed"],
            &summary["skipped"],
            &summary["other"]
        ),
        (&3.into(), &2.into(), &1.into(), &1.into())
    );
    let harness = tests
        .iter()
        .find(|t| t["name"] == "TLS-EXPIRED-CERT › harness")
        .unwrap();
    assert_eq!(harness["status"], "other");
    assert_eq!(harness["rawStatus"], "error");
    assert_eq!(harness["duration"], 42);
    assert_eq!(summary["start"], 1_775_034_000_000_i64);
    assert_eq!(summary["stop"], 1_775_034_013_776_i64);
}

// ---------------------------------------------------------------------------------------------
// HTML

#[test]
fn the_html_page_escapes_report_text_and_references_nothing_outside_itself() {
    let mut report = sample_report();
    report.scenarios[1].expectations[0].message = "<script>alert('x')</script> & more".into();

    let html = to_html(&report, Lang::En);

    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains(r#"<meta charset="utf-8">"#));
    assert!(html.contains("&lt;script&gt;alert('x')&lt;/script&gt; &amp; more"));
    assert!(
        !html.contains("<script"),
        "a script element made it into the page"
    );
    for external in ["http://", "https://", "src=", "<link", "@import", "url("] {
        assert!(!html.contains(external), "the page references {external}");
    }
}

#[test]
fn the_html_page_opens_failed_and_errored_scenarios_and_warns_a_scaled_run_cannot_certify() {
    let html = to_html(&sample_report(), Lang::En);

    assert!(html.contains("Scaled run: cannot certify."));
    assert!(html.contains(r#"<details id="scenario-RETRY-503" class="scenario fail" open>"#));
    assert!(
        html.contains(r#"<details id="scenario-TLS-EXPIRED-CERT" class="scenario error" open>"#)
    );
    assert!(html.contains(r#"<details id="scenario-HAPPY-SSMIX2" class="scenario pass">"#));
    assert!(html.contains("SS-MIX2 の患者ID付き文書を1件登録する"));
    assert!(html.contains("#3 患者ID 9999013 stored as document D-000002"));
    assert!(html.contains("PROTO-TLS-3"));

    let mut nominal = sample_report();
    nominal.scaled = false;
    nominal.time_scale = 1.0;
    assert!(!to_html(&nominal, Lang::En).contains("cannot certify"));
}

/// Chromium, or `None` (with a note) where it is not installed; under `CI=true` it must be.
fn chromium() -> Option<PathBuf> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    if found.is_none() {
        let ci = std::env::var("CI").is_ok_and(|v| v != "false" && v != "0");
        assert!(
            !ci,
            "CI=true but chromium is missing: .ci/run should have installed it"
        );
        eprintln!("note: chromium not installed; skipping the browser test");
    }
    found
}

#[test]
fn the_html_report_opens_in_a_real_browser_and_shows_every_scenario_and_verdict() {
    let Some(chromium) = chromium() else { return };

    // Arrange: the page in a file, a throwaway profile, and files for the browser's output (a
    // pipe could fill up and stall it while we wait)
    let dir = TempDir::new().unwrap();
    let page = dir.path().join("report.html");
    std::fs::write(&page, to_html(&sample_report(), Lang::En)).unwrap();
    // For a person reviewing the page's look: `IDLINK_SAMPLE_HTML=/tmp/x.html cargo test ...`
    if let Some(keep) = std::env::var_os("IDLINK_SAMPLE_HTML") {
        std::fs::copy(&page, keep).unwrap();
    }
    let profile = dir.path().join("profile");
    let dom_path = dir.path().join("dom.html");
    let stderr_path = dir.path().join("stderr.txt");

    // Act: render the page headless and dump the DOM the browser built
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(File::create(&dom_path).unwrap())
        .stderr(File::create(&stderr_path).unwrap())
        .spawn()
        .expect("chromium starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within a minute");
        }
        std::thread::sleep(Duration::from_millis(100));
    };

    // Assert
    let dom = std::fs::read_to_string(&dom_path).unwrap();
    assert!(
        status.success(),
        "chromium failed: {}",
        std::fs::read_to_string(&stderr_path).unwrap_or_default()
    );
    for id in [
        "HAPPY-SSMIX2",
        "RETRY-503",
        "TLS-EXPIRED-CERT",
        "FOLDER-ATOMIC",
    ] {
        assert!(dom.contains(id), "{id} missing from the page: {dom}");
    }
    for verdict in ["PASS", "FAIL", "ERROR", "SKIP"] {
        assert!(
            dom.contains(&format!(">{verdict}</span>")),
            "{verdict} badge missing"
        );
    }
    assert!(
        dom.contains("SS-MIX2 の患者ID付き文書を1件登録する"),
        "Japanese text mangled"
    );
    assert!(dom.contains("Scaled run: cannot certify."));
}

#[test]
fn the_sample_summary_counts_match_its_scenarios() {
    // Guards the helper itself: the snapshots are only meaningful if the sample is coherent.
    let report = sample_report();

    assert_eq!(
        report.summary.scenarios,
        Counts {
            total: 4,
            passed: 1,
            failed: 1,
            skipped: 1,
            errored: 1
        }
    );
    assert_eq!(report.summary.expectations.total, 6);
}
