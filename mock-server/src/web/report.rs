//! A conformance runner's report, shown next to the documents and the journal: scenarios with
//! their verdicts, each expectation's expected and actual values, and the journal excerpt the
//! runner kept as evidence.
//!
//! The report is read here with a small struct of our own, not the runner's types: the runner
//! (`conformance/`) depends on this crate, so this crate cannot depend on it. The struct reads
//! the fields the page shows and ignores the rest; the schema name is checked so a report of
//! another schema version is refused instead of shown half-empty.

use std::sync::{Arc, PoisonError};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::Web;
use super::labels::{COMMON, REPORT, Report};
use super::layout::{self, CSP_PAGE, Links, Section};
use crate::journal::JournalEvent;

const L: &Report = &REPORT;

/// The schema this page reads (`conformance::report::REPORT_SCHEMA`).
const SCHEMA: &str = "idlink-conformance-report/1";

/// The parts of a runner report (`docs/conformance-reports.md`) the page shows.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct RunReport {
    schema: String,
    suite: String,
    client_command: String,
    seed: u64,
    time_scale: f64,
    scaled: bool,
    started_at: String,
    summary: Summary,
    scenarios: Vec<ScenarioResult>,
}

#[derive(Debug, Clone, Deserialize)]
struct Summary {
    scenarios: Counts,
    expectations: Counts,
}

#[derive(Debug, Clone, Copy, Deserialize)]
struct Counts {
    total: usize,
    passed: usize,
    failed: usize,
    skipped: usize,
    errored: usize,
}

#[derive(Debug, Clone, Deserialize)]
struct ScenarioResult {
    id: String,
    title: String,
    summary: String,
    level: String,
    verdict: String,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    runs: Vec<CommandRun>,
    expectations: Vec<Expectation>,
    #[serde(default)]
    actions_fired: Vec<FiredAction>,
    #[serde(default)]
    states_visited: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct CommandRun {
    index: u32,
    exit_code: Option<i32>,
    timed_out: bool,
    duration_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
struct Expectation {
    id: String,
    description: String,
    #[serde(default)]
    requirement: Option<String>,
    severity: String,
    verdict: String,
    expected: String,
    actual: String,
    message: String,
    #[serde(default)]
    evidence: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct FiredAction {
    at_ms: u64,
    state: String,
    action: String,
}

/// Why a posted report was refused.
#[derive(Debug, thiserror::Error)]
enum ReportError {
    #[error("the body is not a conformance report: {0} (POST the runner's --json output)")]
    Json(#[from] serde_json::Error),
    #[error("schema {found:?} is not {SCHEMA:?}: this idlink-mock cannot show that report version")]
    Schema { found: String },
}

impl RunReport {
    fn parse(body: &[u8]) -> Result<Self, ReportError> {
        let report: RunReport = serde_json::from_slice(body)?;
        if report.schema != SCHEMA {
            return Err(ReportError::Schema {
                found: report.schema,
            });
        }
        Ok(report)
    }
}

/// `POST /web/report`: loads a runner report (its JSON) for the page; 204 when it is readable.
pub(crate) async fn load(State(web): State<Arc<Web>>, body: Bytes) -> Response {
    match RunReport::parse(&body) {
        Ok(report) => {
            let action = format!(
                "{}: {} ({} scenarios)",
                L.loaded, report.suite, report.summary.scenarios.total
            );
            *web.report.lock().unwrap_or_else(PoisonError::into_inner) = Some(report);
            web.center
                .journal
                .record(None, None, JournalEvent::Admin { action });
            StatusCode::NO_CONTENT.into_response()
        }
        Err(error) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{}: {error}", L.rejected),
        )
            .into_response(),
    }
}

/// `GET /web/report`.
pub(crate) async fn page(State(web): State<Arc<Web>>) -> Response {
    let links = Links::new(&web.center.admin_token);
    let report = web
        .report
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let body = match &report {
        None => html! { p #report-none { (L.none_loaded) } p { (L.how_to_load) } },
        Some(report) => render(report),
    };
    layout::respond(
        layout::page(links, Section::Report, L.title, html! {}, body),
        CSP_PAGE,
    )
}

fn render(report: &RunReport) -> Markup {
    html! {
        dl.meta {
            dt { (L.suite) } dd { code { (report.suite) } }
            dt { (L.command) } dd { code { (report.client_command) } }
            dt { (L.started) } dd { (report.started_at) }
            dt { (L.seed) } dd { (report.seed) }
            dt { (L.time_scale) } dd { (report.time_scale) @if report.scaled { " (" (L.scaled) ")" } }
        }
        div.scroll { table #report-summary {
            thead { tr {
                th scope="col" {}
                th scope="col" { (L.total) }
                th scope="col" { (L.passed) }
                th scope="col" { (L.failed) }
                th scope="col" { (L.skipped) }
                th scope="col" { (L.errored) }
            } }
            tbody {
                @for (name, counts) in [(L.scenarios, report.summary.scenarios), (L.expectations, report.summary.expectations)] {
                    tr {
                        th scope="row" { (name) }
                        td { (counts.total) } td { (counts.passed) } td { (counts.failed) }
                        td { (counts.skipped) } td { (counts.errored) }
                    }
                }
            }
        } }
        h2 { (L.scenarios) }
        @for scenario in &report.scenarios { (scenario_section(scenario)) }
    }
}

fn verdict(verdict: &str) -> Markup {
    let class = match verdict {
        "pass" => "badge ok",
        "fail" | "error" => "badge bad",
        _ => "badge warn",
    };
    html! { span class=(class) data-verdict=(verdict) { (verdict) } }
}

fn scenario_section(scenario: &ScenarioResult) -> Markup {
    let id = format!("scenario-{}", scenario.id);
    html! {
        section.scenario #(id) aria-labelledby=(format!("{id}-h")) {
            h3 #(format!("{id}-h")) { (verdict(&scenario.verdict)) " " code { (scenario.id) } " " (scenario.title) }
            p { (scenario.summary) " " span.count { (L.level) ": " (scenario.level) } }
            @if let Some(reason) = &scenario.reason { p { (L.reason) ": " (reason) } }
            div.scroll { table.expectations {
                thead { tr {
                    th scope="col" { (L.expectation) }
                    th scope="col" { (L.verdict) }
                    th scope="col" { (L.expected) }
                    th scope="col" { (L.actual) }
                    th scope="col" { (L.message) }
                    th scope="col" { (L.evidence) }
                } }
                tbody {
                    @for e in &scenario.expectations {
                        tr class=(if e.verdict == "fail" { "finding-error" } else { "" }) {
                            th scope="row" {
                                code { (e.id) } br; (e.description)
                                @if let Some(req) = &e.requirement { br; (L.requirement) " " code { (req) } }
                                br; span.count { (L.severity) ": " (e.severity) }
                            }
                            td { (verdict(&e.verdict)) }
                            td { (e.expected) }
                            td { (e.actual) }
                            td { (e.message) }
                            td { @if !e.evidence.is_empty() { pre.text { @for line in &e.evidence { (line) "\n" } } } }
                        }
                    }
                }
            } }
            @if !scenario.states_visited.is_empty() {
                p { (L.states_visited) ": " (scenario.states_visited.join(" → ")) }
            }
            @if !scenario.actions_fired.is_empty() {
                p { (L.actions_fired) ":" }
                ul { @for a in &scenario.actions_fired { li.injected { (a.at_ms) " ms · " (a.state) " · " (a.action) } } }
            }
            @if !scenario.runs.is_empty() {
                p { (L.runs) ": "
                    @for run in &scenario.runs {
                        "#" (run.index) " " (L.exit) " "
                        (run.exit_code.map(|c| c.to_string()).unwrap_or_else(|| COMMON.none.to_owned()))
                        @if run.timed_out { " (" (L.timed_out) ")" }
                        " · " (run.duration_ms) " ms; "
                    }
                }
            }
        }
    }
}
