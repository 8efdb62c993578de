//! JUnit XML for CI servers (GitLab, Jenkins), written with `quick-junit`.
//!
//! Mapping (see `docs/conformance-reports.md`):
//! - one `<testsuite>` per scenario, named by the scenario ID;
//! - one `<testcase>` per expectation, named `<scenario-id> › <expectation-id> <description>`
//!   (unique across the file: CI servers key test history by name), with
//!   `classname="idlink.<level>.<scenario-id>"` so Jenkins groups by level, then scenario;
//! - `<failure>` when the uploader did not meet the expectation, `<error>` when the harness
//!   could not judge it, `<skipped>` with the reason;
//! - a scenario whose verdict no expectation carries (a harness error before anything was
//!   judged, a scenario skipped as a whole) gets one synthetic case, `<scenario-id> › harness`
//!   or `<scenario-id> › scenario`, so it is never shown as an empty green suite;
//! - the suite's `<system-out>` holds the client runs' output (already redacted), bounded;
//! - failure messages and bodies and the run headers are in the reader's [`Lang`]; test case
//!   names, class names and properties stay English and stable in both languages, because CI
//!   servers key a test's history by its name.

use std::time::Duration;

use chrono::DateTime;
use idlink_i18n::{Lang, tr};
use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestSuite};

use super::cases::{Case, Subject, cases};
use super::json::ReportError;
use super::text::{MAX_EVIDENCE_LINES, bounded, expectation_details, run_outcome, verdict_label};
use super::{Report, ScenarioResult, Verdict};

/// At most this many bytes of client output go into one suite's `<system-out>`: GitLab stores
/// and shows it per suite, and a chatty uploader must not make the file unreadable.
pub const MAX_SYSTEM_OUT_BYTES: usize = 64 * 1024;

/// The JUnit XML document for `report`, its messages in `lang`.
pub fn to_junit_xml(report: &Report, lang: Lang) -> Result<String, ReportError> {
    Ok(to_junit(report, lang).to_string()?)
}

/// The `quick-junit` model of the report, for a caller that wants to add to it before writing.
pub fn to_junit(report: &Report, lang: Lang) -> quick_junit::Report {
    let mut junit = quick_junit::Report::new(report.tool.name.as_str());
    junit.set_time(Duration::from_millis(report.duration_ms));
    // A runner that wrote a malformed start time still gets a report, just without the stamp.
    if let Ok(started) = DateTime::parse_from_rfc3339(&report.started_at) {
        junit.set_timestamp(started);
    }
    for (scenario, scenario_cases) in report.scenarios.iter().zip(cases(report)) {
        junit.add_test_suite(suite(report, scenario, &scenario_cases, lang));
    }
    junit
}

fn suite(report: &Report, scenario: &ScenarioResult, cases: &[Case<'_>], lang: Lang) -> TestSuite {
    let mut suite = TestSuite::new(scenario.id.as_str());
    suite.set_time(Duration::from_millis(scenario.duration_ms));
    suite.add_properties([
        Property::new("title", scenario.title.as_str()),
        Property::new("file", scenario.file.as_str()),
        Property::new("level", scenario.level.as_str()),
        Property::new("verdict", scenario.verdict.as_str()),
        Property::new("requirements", scenario.verifies.join(",")),
        Property::new("seed", scenario.seed.to_string()),
        Property::new("time_scale", scenario.time_scale.to_string()),
        Property::new("scaled", report.scaled.to_string()),
    ]);
    if let Some(reason) = &scenario.reason {
        suite.add_property(Property::new("reason", reason.as_str()));
    }
    for case in cases {
        suite.add_test_case(test_case(case, lang));
    }
    if !scenario.runs.is_empty() {
        suite.set_system_out(system_out(scenario, lang));
    }
    suite
}

fn test_case(case: &Case<'_>, lang: Lang) -> TestCase {
    let scenario = case.scenario;
    let mut status = match case.verdict {
        Verdict::Pass => TestCaseStatus::success(),
        Verdict::Fail => TestCaseStatus::non_success(NonSuccessKind::Failure),
        Verdict::Error => TestCaseStatus::non_success(NonSuccessKind::Error),
        Verdict::Skip => TestCaseStatus::skipped(),
    };
    if case.verdict != Verdict::Pass {
        // Jenkins and GitLab show `message` as the one-line summary; an empty one reads as a
        // crash, so fall back to the verdict's word.
        let message = case.message_in(lang);
        let message = match message.as_str() {
            "" => match lang {
                Lang::En => case.verdict.as_str().to_owned(),
                _ => verdict_label(case.verdict, lang),
            },
            _ => message,
        };
        status.set_message(message);
    }

    let mut testcase = TestCase::new(case.name.as_str(), status);
    testcase.set_classname(format!("idlink.{}.{}", scenario.level, scenario.id));
    testcase.add_property(Property::new("level", scenario.level.as_str()));
    match &case.subject {
        Subject::Expectation(expectation) => {
            if case.verdict.needs_attention() {
                // `type` tells an error-severity failure from a warning one at a glance; a skip
                // has only its reason, since nothing was expected or observed.
                testcase.status.set_type(expectation.severity.as_str());
                testcase.status.set_description(expectation_details(
                    expectation,
                    MAX_EVIDENCE_LINES,
                    lang,
                ));
            }
            if let Some(requirement) = &expectation.requirement {
                testcase.add_property(Property::new("requirement", requirement.as_str()));
            }
            testcase.add_property(Property::new("severity", expectation.severity.as_str()));
        }
        Subject::Scenario { .. } => {
            if case.verdict == Verdict::Error {
                testcase.status.set_type("harness");
            }
            // Expectations carry no time of their own; the scenario-level case carries the
            // scenario's, so the suite's total is not lost when there is nothing else.
            testcase.set_time(Duration::from_millis(scenario.duration_ms));
            testcase.add_property(Property::new("requirements", scenario.verifies.join(",")));
        }
    }
    testcase
}

/// Every client run's outcome and output, bounded to [`MAX_SYSTEM_OUT_BYTES`].
fn system_out(scenario: &ScenarioResult, lang: Lang) -> String {
    let mut out = String::new();
    for run in &scenario.runs {
        let header = tr(
            lang,
            "report-system-out-run",
            &[
                ("index", run.index.into()),
                ("outcome", run_outcome(run, lang).into()),
                ("ms", run.duration_ms.to_string().into()),
            ],
        );
        out.push_str(&header);
        out.push('\n');
        out.push_str(&run.output);
        if !run.output.ends_with('\n') && !run.output.is_empty() {
            out.push('\n');
        }
    }
    bounded(&out, MAX_SYSTEM_OUT_BYTES)
}
