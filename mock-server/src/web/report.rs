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
use super::labels::Labels;
use super::layout::{self, CSP_PAGE, Choice, Links, Section};
use crate::journal::JournalEvent;

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
    // The journal and this API answer are records, not pages: always in English.
    let l = super::labels::EN.report;
    match RunReport::parse(&body) {
        Ok(report) => {
            let action = format!(
                "{}: {} ({} scenarios)",
                l.loaded, report.suite, report.summary.scenarios.total
            );
            *web.report.lock().unwrap_or_else(PoisonError::into_inner) = Some(report);
            web.center
                .journal
                .record(None, None, JournalEvent::Admin { action });
            StatusCode::NO_CONTENT.into_response()
        }
        Err(error) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{}: {error}", l.rejected),
        )
            .into_response(),
    }
}

/// `GET /web/report`.
pub(crate) async fn page(State(web): State<Arc<Web>>, choice: Choice) -> Response {
    let links = Links::new(&web.center.admin_token, &choice);
    let t = links.t();
    let l = t.report;
    let report = web
        .report
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let body = match &report {
        None => html! { p #report-none { (l.none_loaded) } p { (l.how_to_load) } },
        Some(report) => render(t, report),
    };
    layout::respond(
        layout::page(links, Section::Report, l.title, html! {}, body),
        CSP_PAGE,
    )
}

fn render(t: &Labels, report: &RunReport) -> Markup {
    let l = t.report;
    html! {
        dl.meta {
            dt { (l.suite) } dd { code { (report.suite) } }
            dt { (l.command) } dd { code { (report.client_command) } }
            dt { (l.started) } dd { (report.started_at) }
            dt { (l.seed) } dd { (report.seed) }
            dt { (l.time_scale) } dd { (report.time_scale) @if report.scaled { " (" (l.scaled) ")" } }
        }
        div.scroll { table #report-summary {
            thead { tr {
                th scope="col" {}
                th scope="col" { (l.total) }
                th scope="col" { (l.passed) }
                th scope="col" { (l.failed) }
                th scope="col" { (l.skipped) }
                th scope="col" { (l.errored) }
            } }
            tbody {
                @for (name, counts) in [(l.scenarios, report.summary.scenarios), (l.expectations, report.summary.expectations)] {
                    tr {
                        th scope="row" { (name) }
                        td { (counts.total) } td { (counts.passed) } td { (counts.failed) }
                        td { (counts.skipped) } td { (counts.errored) }
                    }
                }
            }
        } }
        h2 { (l.scenarios) }
        @for scenario in &report.scenarios { (scenario_section(t, scenario)) }
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

fn scenario_section(t: &Labels, scenario: &ScenarioResult) -> Markup {
    let l = t.report;
    let id = format!("scenario-{}", scenario.id);
    html! {
        section.scenario #(id) aria-labelledby=(format!("{id}-h")) {
            h3 #(format!("{id}-h")) { (verdict(&scenario.verdict)) " " code { (scenario.id) } " " (scenario.title) }
            p { (scenario.summary) " " span.count { (l.level) ": " (scenario.level) } }
            @if let Some(reason) = &scenario.reason { p { (l.reason) ": " (reason) } }
            div.scroll { table.expectations {
                thead { tr {
                    th scope="col" { (l.expectation) }
                    th scope="col" { (l.verdict) }
                    th scope="col" { (l.expected) }
                    th scope="col" { (l.actual) }
                    th scope="col" { (l.message) }
                    th scope="col" { (l.evidence) }
                } }
                tbody {
                    @for e in &scenario.expectations {
                        tr class=(if e.verdict == "fail" { "finding-error" } else { "" }) {
                            th scope="row" {
                                code { (e.id) } br; (e.description)
                                @if let Some(req) = &e.requirement { br; (l.requirement) " " code { (req) } }
                                br; span.count { (l.severity) ": " (e.severity) }
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
                p { (l.states_visited) ": " (scenario.states_visited.join(" → ")) }
            }
            @if !scenario.actions_fired.is_empty() {
                p { (l.actions_fired) ":" }
                ul { @for a in &scenario.actions_fired { li.injected { (a.at_ms) " ms · " (a.state) " · " (a.action) } } }
            }
            @if !scenario.runs.is_empty() {
                p { (l.runs) ": "
                    @for run in &scenario.runs {
                        "#" (run.index) " " (l.exit) " "
                        (run.exit_code.map(|c| c.to_string()).unwrap_or_else(|| t.common.none.to_owned()))
                        @if run.timed_out { " (" (l.timed_out) ")" }
                        " · " (run.duration_ms) " ms; "
                    }
                }
            }
        }
    }
}
