//! CTRF JSON (Common Test Report Format), a secondary machine-readable output.
//!
//! One CTRF test per expectation (plus the synthetic scenario-level case JUnit also gets), with
//! the same unique names as the JUnit file. CTRF consumers validate against the CTRF schema and
//! reject properties they do not know, so everything specific to this harness goes under
//! `extra["jp.idlink.harness"]` and nowhere else. Verdict mapping: pass → `passed`, fail →
//! `failed`, skip → `skipped`, error → `other` (a harness error is not the uploader's failure).

use chrono::DateTime;
use idlink_i18n::Lang;
use serde::Serialize;
use serde_json::{Value, json};

use super::cases::{Case, Subject, cases};
use super::text::{MAX_EVIDENCE_LINES, expectation_details};
use super::{REPORT_SCHEMA, Report, Verdict};

/// The key of our namespace inside every CTRF `extra` object.
pub const EXTRA_KEY: &str = "jp.idlink.harness";

/// The CTRF spec version this writer follows.
pub const CTRF_SPEC_VERSION: &str = "0.0.0";

/// The CTRF document for `report`, pretty-printed with a trailing newline.
pub fn to_ctrf(report: &Report) -> String {
    // Plain structs and `json!` values with string keys: serialization cannot fail.
    let mut text = serde_json::to_string_pretty(&document(report))
        .expect("invariant: the CTRF model always serializes to JSON");
    text.push('\n');
    text
}

/// The CTRF document as a JSON value, for a caller that embeds it.
pub fn to_ctrf_value(report: &Report) -> Value {
    // Same invariant as `to_ctrf`.
    serde_json::to_value(document(report)).expect("invariant: the CTRF model is plain JSON")
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    report_format: &'static str,
    spec_version: &'static str,
    results: Results,
}

#[derive(Serialize)]
struct Results {
    tool: Tool,
    summary: Summary,
    tests: Vec<Test>,
    extra: Value,
}

#[derive(Serialize)]
struct Tool {
    name: String,
    version: String,
}

#[derive(Serialize)]
struct Summary {
    tests: usize,
    passed: usize,
    failed: usize,
    skipped: usize,
    pending: usize,
    other: usize,
    suites: usize,
    start: i64,
    stop: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Test {
    name: String,
    status: &'static str,
    duration: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trace: Option<String>,
    raw_status: &'static str,
    tags: Vec<String>,
    suite: String,
    file_path: String,
    extra: Value,
}

fn document(report: &Report) -> Document {
    let tests: Vec<Test> = cases(report).iter().flatten().map(test).collect();
    let count = |status: &str| tests.iter().filter(|t| t.status == status).count();
    // CTRF wants epoch milliseconds; a malformed `started_at` gives 0 rather than no report.
    let start = DateTime::parse_from_rfc3339(&report.started_at)
        .map(|t| t.timestamp_millis())
        .unwrap_or(0);
    let stop = start.saturating_add(i64::try_from(report.duration_ms).unwrap_or(i64::MAX));
    Document {
        report_format: "CTRF",
        spec_version: CTRF_SPEC_VERSION,
        results: Results {
            tool: Tool {
                name: report.tool.name.clone(),
                version: report.tool.version.clone(),
            },
            summary: Summary {
                tests: tests.len(),
                passed: count("passed"),
                failed: count("failed"),
                skipped: count("skipped"),
                pending: 0,
                other: count("other"),
                suites: report.scenarios.len(),
                start,
                stop,
            },
            tests,
            extra: json!({ EXTRA_KEY: {
                "schema": REPORT_SCHEMA,
                "suite": report.suite,
                "client_mode": report.client_mode,
                "seed": report.seed,
                "time_scale": report.time_scale,
                "scaled": report.scaled,
                "started_at": report.started_at,
                "scenarios": report.summary.scenarios,
                "expectations": report.summary.expectations,
            }}),
        },
    }
}

fn test(case: &Case<'_>) -> Test {
    let scenario = case.scenario;
    let status = match case.verdict {
        Verdict::Pass => "passed",
        Verdict::Fail => "failed",
        Verdict::Skip => "skipped",
        Verdict::Error => "other",
    };
    let message = Some(case.message()).filter(|m| !m.is_empty() && case.verdict != Verdict::Pass);
    let mut tags = vec![scenario.level.as_str().to_owned()];
    let (duration, trace, extra) = match &case.subject {
        Subject::Expectation(expectation) => {
            tags.extend(expectation.requirement.clone());
            let trace = case
                .verdict
                .needs_attention()
                .then(|| expectation_details(expectation, MAX_EVIDENCE_LINES, Lang::En));
            let extra = json!({
                "scenario": scenario.id,
                "expectation": expectation.id,
                "level": scenario.level,
                "severity": expectation.severity,
                "verdict": expectation.verdict,
                "requirement": expectation.requirement,
                "expected": expectation.expected,
                "actual": expectation.actual,
                "seed": scenario.seed,
                "time_scale": scenario.time_scale,
            });
            // Expectations are judged after the fact and carry no time of their own.
            (0, trace, extra)
        }
        Subject::Scenario { .. } => {
            tags.extend(scenario.verifies.iter().cloned());
            let extra = json!({
                "scenario": scenario.id,
                "level": scenario.level,
                "verdict": scenario.verdict,
                "requirements": scenario.verifies,
                "seed": scenario.seed,
                "time_scale": scenario.time_scale,
            });
            (scenario.duration_ms, None, extra)
        }
    };
    Test {
        name: case.name.clone(),
        status,
        duration,
        message,
        trace,
        raw_status: case.verdict.as_str(),
        tags,
        suite: scenario.id.clone(),
        file_path: scenario.file.clone(),
        extra: json!({ EXTRA_KEY: extra }),
    }
}
