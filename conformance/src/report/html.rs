//! A self-contained HTML page for people, written with `maud` (typed, escaped by default).
//!
//! One file with inline CSS and no script, font, image or CDN reference: it is attached to CI
//! jobs and mailed to vendors, and must open offline, from `file://`, with JavaScript disabled.
//! Per-scenario sections are `<details>` elements; failed and errored ones start open.
//! Everything from the report is inserted as escaped text; the only unescaped string is the
//! constant style sheet below. Headings and explanations are in the reader's [`Lang`]
//! (`<html lang>` says which); IDs, check names and requirement IDs are the same in both.

use idlink_i18n::{Lang, tr};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::text::{level_word, run_outcome, seconds, severity_word, t, verdict_label};
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

/// The HTML page for `report`, in `lang`.
pub fn to_html(report: &Report, lang: Lang) -> String {
    page(report, lang).into_string()
}

fn page(report: &Report, lang: Lang) -> Markup {
    let w = |key: &str| t(lang, key);
    let tool = format!("{} {}", report.tool.name, report.tool.version);
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (tr(lang, "html-title", &[("suite", report.suite.as_str().into())])) }
                style { (PreEscaped(CSS)) }
            }
            body {
                (header(report, lang))
                (summary(report, lang))
                (scenario_table(report, lang))
                section id="details" {
                    h2 { (w("html-details")) }
                    @for scenario in &report.scenarios {
                        (scenario_details(scenario, lang))
                    }
                }
                (coverage(report, lang))
                footer class="muted" {
                    p {
                        (tr(lang, "html-footer-before", &[("tool", tool.into())]))
                        code { (report.schema) } (w("html-footer-after"))
                    }
                }
            }
        }
    }
}

fn header(report: &Report, lang: Lang) -> Markup {
    let w = |key: &str| t(lang, key);
    let scale = report.time_scale.to_string();
    html! {
        header {
            h1 { (w("html-heading")) }
            @if report.scaled {
                div class="banner" role="alert" id="scaled-banner" {
                    strong { (w("html-scaled-strong")) }
                    (tr(lang, "html-scaled-text", &[("scale", scale.into())]))
                }
            }
            dl class="meta" {
                dt { (w("html-suite")) } dd { code { (report.suite) } }
                dt { (w("html-client-command")) } dd { code { (report.client_command) } }
                dt { (w("html-client-mode")) } dd { (report.client_mode) }
                dt { (w("html-seed")) } dd {
                    @if report.seed == 0 { (w("html-seed-own")) }
                    @else { code { (report.seed) } }
                }
                dt { (w("html-time-scale")) } dd {
                    (report.time_scale)
                    @if report.scaled { (w("html-scaled")) } @else { (w("html-nominal")) }
                }
                dt { (w("html-started")) } dd { (report.started_at) }
                dt { (w("html-duration")) } dd { (seconds(report.duration_ms)) }
            }
        }
    }
}

fn summary(report: &Report, lang: Lang) -> Markup {
    let w = |key: &str| t(lang, key);
    html! {
        section id="summary" {
            h2 { (w("html-summary")) }
            table {
                thead { tr {
                    th { "" } th class="num" { (w("html-total")) }
                    th class="num" { (w("html-passed")) }
                    th class="num" { (w("html-failed")) } th class="num" { (w("html-skipped")) }
                    th class="num" { (w("html-errored")) }
                } }
                tbody {
                    (counts_row(&w("html-scenarios"), &report.summary.scenarios))
                    (counts_row(&w("html-expectations"), &report.summary.expectations))
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

fn scenario_table(report: &Report, lang: Lang) -> Markup {
    let w = |key: &str| t(lang, key);
    html! {
        section id="scenarios" {
            h2 { (w("html-scenarios")) }
            table {
                thead { tr {
                    th { (w("html-verdict")) } th { (w("html-id")) } th { (w("html-title-col")) }
                    th { (w("html-level")) } th { (w("html-requirements")) }
                    th class="num" { (w("html-duration")) }
                } }
                tbody {
                    @for scenario in &report.scenarios {
                        tr {
                            td { (badge(scenario.verdict, lang)) }
                            td { a href={ "#" (anchor(&scenario.id)) } { code { (scenario.id) } } }
                            td { (scenario.title) }
                            td { (level_word(scenario.level, lang)) }
                            td { (scenario.verifies.join(", ")) }
                            td class="num" { (seconds(scenario.duration_ms)) }
                        }
                    }
                }
            }
        }
    }
}

fn scenario_details(scenario: &ScenarioResult, lang: Lang) -> Markup {
    let w = |key: &str| t(lang, key);
    html! {
        details id=(anchor(&scenario.id)) class={ "scenario " (scenario.verdict) }
            open[scenario.verdict.needs_attention()] {
            summary {
                (badge(scenario.verdict, lang)) " " code { (scenario.id) } " " (scenario.title)
            }
            p { (scenario.summary) }
            @if let Some(reason) = scenario.reason_in(lang) {
                p { strong { (w("html-reason")) } (reason) }
            }
            p class="muted" {
                (w("html-file")) " " code { (scenario.file) }
                " · " (w("html-level-word")) " " (level_word(scenario.level, lang))
                " · " (w("html-seed-word")) " " code { (scenario.seed) }
                " · " (w("html-time-scale-word")) " " (scenario.time_scale)
                " · " (seconds(scenario.duration_ms))
            }
            h3 { (w("html-expectations")) }
            @if scenario.expectations.is_empty() {
                p class="muted" { (w("html-no-expectation")) }
            } @else {
                table {
                    thead { tr {
                        th { (w("html-verdict")) } th { (w("html-id")) }
                        th { (w("html-description")) } th { (w("html-requirement")) }
                        th { (w("html-expected")) } th { (w("html-actual")) }
                        th { (w("html-message")) }
                    } }
                    tbody {
                        @for expectation in &scenario.expectations {
                            (expectation_rows(expectation, lang))
                        }
                    }
                }
            }
            h3 { (w("html-client-runs")) }
            @if scenario.runs.is_empty() {
                p class="muted" { (w("html-not-run")) }
            }
            @for run in &scenario.runs {
                p { (tr(lang, "html-run", &[
                    ("index", run.index.into()),
                    ("outcome", run_outcome(run, lang).into()),
                    ("duration", seconds(run.duration_ms).into()),
                ])) }
                pre { (run.output) }
            }
            h3 { (w("html-actions")) }
            @if scenario.actions_fired.is_empty() {
                p class="muted" { (w("html-none")) }
            } @else {
                table {
                    thead { tr {
                        th class="num" { (w("html-at-ms")) } th { (w("html-state")) }
                        th { (w("html-action")) } th { (w("html-request")) }
                        th class="num" { (w("html-connection")) }
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
            h3 { (w("html-states")) }
            @if scenario.states_visited.is_empty() {
                p class="muted" { (w("html-none-recorded")) }
            } @else {
                ol class="states" {
                    @for state in &scenario.states_visited { li { code { (state) } } }
                }
            }
        }
    }
}

fn expectation_rows(expectation: &ExpectationResult, lang: Lang) -> Markup {
    html! {
        tr {
            td { (badge(expectation.verdict, lang))
                @if expectation.verdict == Verdict::Fail {
                    " " span class="muted" { (severity_word(expectation.severity, lang)) }
                }
            }
            td { code { (expectation.id) } }
            td { (expectation.description_in(lang)) }
            td { @if let Some(r) = &expectation.requirement { code { (r) } } }
            td { (expectation.expected_in(lang)) }
            td { (expectation.actual_in(lang)) }
            td { (expectation.message_in(lang)) }
        }
        @if !expectation.evidence.is_empty() {
            tr {
                td colspan="7" {
                    span class="muted" { (t(lang, "html-evidence-for")) code { (expectation.id) } }
                    pre { @for line in &expectation.evidence { (line) "\n" } }
                }
            }
        }
    }
}

fn coverage(report: &Report, lang: Lang) -> Markup {
    let w = |key: &str| t(lang, key);
    html! {
        section id="coverage" {
            h2 { (w("html-coverage")) }
            @if report.coverage.is_empty() {
                p class="muted" { (w("html-no-coverage")) }
            } @else {
                table {
                    thead { tr {
                        th { (w("html-requirement")) } th { (w("html-verdict")) }
                        th { (w("html-scenarios")) }
                    } }
                    tbody {
                        @for row in &report.coverage {
                            tr {
                                td { code { (row.requirement) } }
                                td { (badge(row.verdict, lang)) }
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

/// The verdict's word in `lang`; the class (and so the colour) is the stable code.
fn badge(verdict: Verdict, lang: Lang) -> Markup {
    html! { span class={ "badge " (verdict) } { (verdict_label(verdict, lang)) } }
}

/// An element ID for a scenario: HTML IDs may hold anything but whitespace.
fn anchor(scenario_id: &str) -> String {
    let id: String = scenario_id
        .chars()
        .map(|c| if c.is_whitespace() { '-' } else { c })
        .collect();
    format!("scenario-{id}")
}
