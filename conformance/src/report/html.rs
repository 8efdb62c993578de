//! A self-contained HTML page for people, written with `maud` (typed, escaped by default).
//!
//! One file with inline CSS and no script, font, image or CDN reference: it is attached to CI
//! jobs and mailed to vendors, and must open offline, from `file://`, with JavaScript disabled.
//! Per-scenario sections are `<details>` elements; failed and errored ones start open.
//! Everything from the report is inserted as escaped text; the only unescaped string is the
//! constant style sheet below.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::text::{run_outcome, seconds};
use super::{Counts, ExpectationResult, Report, ScenarioResult, Verdict};

/// The page's style sheet. Verdicts are told by word as well as colour (badges carry the text).
const CSS: &str = r#"
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", "Hiragino Sans", "Yu Gothic",
  "Noto Sans CJK JP", "Noto Sans JP", sans-serif; margin: 0 auto; max-width: 80rem;
  padding: 1rem 1.5rem 3rem; color: #1b1f24; background: #fff; line-height: 1.45; }
h1 { font-size: 1.5rem; margin: 0.5rem 0; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1rem; margin: 1rem 0 0.4rem; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0; font-size: 0.92rem; }
th, td { border: 1px solid #d0d7de; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; padding: 0.5rem; margin: 0.3rem 0;
  overflow-x: auto; white-space: pre-wrap; word-break: break-all; font-size: 0.85rem; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Noto Sans Mono CJK JP",
  monospace; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; margin: 0.5rem 0; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
.badge { display: inline-block; min-width: 3.2rem; text-align: center; border-radius: 0.25rem;
  padding: 0 0.35rem; font-weight: 700; font-size: 0.8rem; color: #fff; }
.badge.pass { background: #1a7f37; }
.badge.fail { background: #cf222e; }
.badge.skip { background: #6e7781; }
.badge.error { background: #9a6700; }
.banner { border: 2px solid #cf222e; background: #ffebe9; padding: 0.6rem 0.8rem; margin: 0.8rem 0;
  border-radius: 0.3rem; }
details.scenario { border: 1px solid #d0d7de; border-radius: 0.3rem; margin: 0.6rem 0;
  padding: 0.2rem 0.8rem 0.6rem; }
details.scenario > summary { cursor: pointer; padding: 0.3rem 0; font-weight: 600; }
details.scenario.fail { border-left: 0.3rem solid #cf222e; }
details.scenario.error { border-left: 0.3rem solid #9a6700; }
.muted { color: #57606a; }
ol.states { padding-left: 1.5rem; margin: 0.3rem 0; }
"#;

/// The HTML page for `report`.
pub fn to_html(report: &Report) -> String {
    page(report).into_string()
}

fn page(report: &Report) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Conformance report: " (report.suite) }
                style { (PreEscaped(CSS)) }
            }
            body {
                (header(report))
                (summary(report))
                (scenario_table(report))
                section id="details" {
                    h2 { "Scenarios in detail" }
                    @for scenario in &report.scenarios {
                        (scenario_details(scenario))
                    }
                }
                (coverage(report))
                footer class="muted" {
                    p {
                        "Written by " (report.tool.name) " " (report.tool.version)
                        " (schema " code { (report.schema) } "). The JSON report is the source of truth."
                    }
                }
            }
        }
    }
}

fn header(report: &Report) -> Markup {
    html! {
        header {
            h1 { "ID-Link store client conformance report" }
            @if report.scaled {
                div class="banner" role="alert" id="scaled-banner" {
                    strong { "Scaled run: cannot certify." }
                    " This run used time scale " (report.time_scale)
                    ", so deadlines and back-off were compressed. Its results are for "
                    "development only; certification needs a run at time scale 1."
                }
            }
            dl class="meta" {
                dt { "Suite" } dd { code { (report.suite) } }
                dt { "Client command" } dd { code { (report.client_command) } }
                dt { "Client mode" } dd { (report.client_mode) }
                dt { "Seed" } dd {
                    @if report.seed == 0 { "each scenario's own (see each scenario)" }
                    @else { code { (report.seed) } }
                }
                dt { "Time scale" } dd {
                    (report.time_scale)
                    @if report.scaled { " (scaled)" } @else { " (nominal)" }
                }
                dt { "Started" } dd { (report.started_at) }
                dt { "Duration" } dd { (seconds(report.duration_ms)) }
            }
        }
    }
}

fn summary(report: &Report) -> Markup {
    html! {
        section id="summary" {
            h2 { "Summary" }
            table {
                thead { tr {
                    th { "" } th class="num" { "Total" } th class="num" { "Passed" }
                    th class="num" { "Failed" } th class="num" { "Skipped" }
                    th class="num" { "Errored" }
                } }
                tbody {
                    (counts_row("Scenarios", &report.summary.scenarios))
                    (counts_row("Expectations", &report.summary.expectations))
                }
            }
        }
    }
}

fn counts_row(label: &str, counts: &Counts) -> Markup {
    html! {
        tr {
            th { (label) }
            td class="num" { (counts.total) }
            td class="num" { (counts.passed) }
            td class="num" { (counts.failed) }
            td class="num" { (counts.skipped) }
            td class="num" { (counts.errored) }
        }
    }
}

fn scenario_table(report: &Report) -> Markup {
    html! {
        section id="scenarios" {
            h2 { "Scenarios" }
            table {
                thead { tr {
                    th { "Verdict" } th { "ID" } th { "Title" } th { "Level" }
                    th { "Requirements" } th class="num" { "Duration" }
                } }
                tbody {
                    @for scenario in &report.scenarios {
                        tr {
                            td { (badge(scenario.verdict)) }
                            td { a href={ "#" (anchor(&scenario.id)) } { code { (scenario.id) } } }
                            td { (scenario.title) }
                            td { (scenario.level) }
                            td { (scenario.verifies.join(", ")) }
                            td class="num" { (seconds(scenario.duration_ms)) }
                        }
                    }
                }
            }
        }
    }
}

fn scenario_details(scenario: &ScenarioResult) -> Markup {
    html! {
        details id=(anchor(&scenario.id)) class={ "scenario " (scenario.verdict) }
            open[scenario.verdict.needs_attention()] {
            summary { (badge(scenario.verdict)) " " code { (scenario.id) } " " (scenario.title) }
            p { (scenario.summary) }
            @if let Some(reason) = &scenario.reason {
                p { strong { "Reason: " } (reason) }
            }
            p class="muted" {
                "File " code { (scenario.file) } " · level " (scenario.level)
                " · seed " code { (scenario.seed) } " · time scale " (scenario.time_scale)
                " · " (seconds(scenario.duration_ms))
            }
            h3 { "Expectations" }
            @if scenario.expectations.is_empty() {
                p class="muted" { "No expectation was judged." }
            } @else {
                table {
                    thead { tr {
                        th { "Verdict" } th { "ID" } th { "Description" } th { "Requirement" }
                        th { "Expected" } th { "Actual" } th { "Message" }
                    } }
                    tbody {
                        @for expectation in &scenario.expectations {
                            (expectation_rows(expectation))
                        }
                    }
                }
            }
            h3 { "Client runs" }
            @if scenario.runs.is_empty() {
                p class="muted" { "The client was not run." }
            }
            @for run in &scenario.runs {
                p { "Run " (run.index) ": " (run_outcome(run)) " after " (seconds(run.duration_ms)) }
                pre { (run.output) }
            }
            h3 { "Actions fired" }
            @if scenario.actions_fired.is_empty() {
                p class="muted" { "None." }
            } @else {
                table {
                    thead { tr {
                        th class="num" { "At (ms)" } th { "State" } th { "Action" }
                        th { "Request" } th class="num" { "Connection" }
                    } }
                    tbody {
                        @for action in &scenario.actions_fired {
                            tr {
                                td class="num" { (action.at_ms) }
                                td { code { (action.state) } }
                                td { (action.action) }
                                td { @if let Some(id) = &action.request_id { code { (id) } } }
                                td class="num" { @if let Some(c) = action.connection { (c) } }
                            }
                        }
                    }
                }
            }
            h3 { "States visited" }
            @if scenario.states_visited.is_empty() {
                p class="muted" { "None recorded." }
            } @else {
                ol class="states" {
                    @for state in &scenario.states_visited { li { code { (state) } } }
                }
            }
        }
    }
}

fn expectation_rows(expectation: &ExpectationResult) -> Markup {
    html! {
        tr {
            td { (badge(expectation.verdict))
                @if expectation.verdict == Verdict::Fail {
                    " " span class="muted" { (expectation.severity) }
                }
            }
            td { code { (expectation.id) } }
            td { (expectation.description) }
            td { @if let Some(r) = &expectation.requirement { code { (r) } } }
            td { (expectation.expected) }
            td { (expectation.actual) }
            td { (expectation.message) }
        }
        @if !expectation.evidence.is_empty() {
            tr {
                td colspan="7" {
                    span class="muted" { "Evidence for " code { (expectation.id) } }
                    pre { @for line in &expectation.evidence { (line) "\n" } }
                }
            }
        }
    }
}

fn coverage(report: &Report) -> Markup {
    html! {
        section id="coverage" {
            h2 { "Requirement coverage" }
            @if report.coverage.is_empty() {
                p class="muted" { "No requirement was verified in this run." }
            } @else {
                table {
                    thead { tr { th { "Requirement" } th { "Verdict" } th { "Scenarios" } } }
                    tbody {
                        @for row in &report.coverage {
                            tr {
                                td { code { (row.requirement) } }
                                td { (badge(row.verdict)) }
                                td {
                                    @for (i, id) in row.scenarios.iter().enumerate() {
                                        @if i > 0 { ", " }
                                        a href={ "#" (anchor(id)) } { code { (id) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn badge(verdict: Verdict) -> Markup {
    html! { span class={ "badge " (verdict) } { (verdict.label()) } }
}

/// An element ID for a scenario: HTML IDs may hold anything but whitespace.
fn anchor(scenario_id: &str) -> String {
    let id: String = scenario_id
        .chars()
        .map(|c| if c.is_whitespace() { '-' } else { c })
        .collect();
    format!("scenario-{id}")
}
