//! The fixed-width summary printed at the end of a run.
//!
//! Plain text only: no ANSI codes (a caller that knows it writes to a terminal may colour the
//! verdict words), and control characters from the report are shown escaped, because evidence
//! and output can contain bytes the uploader chose and those must not drive the terminal.
//! Columns are aligned by display width, so CJK titles and Japanese headings do not shift them.
//! Headings, verdict words and explanations are in the reader's [`Lang`]; IDs and check names
//! are the same in both languages.

use std::fmt::Write as _;

use idlink_i18n::{Lang, tr};
use unicode_width::UnicodeWidthStr;

use super::text::{seconds, severity_word, t, verdict_label};
use super::{Counts, ExpectationResult, Level, Report, ScenarioResult, Verdict};

/// At most this many evidence lines are shown per failing expectation.
pub const MAX_CONSOLE_EVIDENCE_LINES: usize = 5;

/// The summary table in `lang`: one line per scenario, then the failures in detail, then the
/// totals.
pub fn summary_table(report: &Report, lang: Lang) -> String {
    let mut out = String::new();
    let ids: Vec<String> = report.scenarios.iter().map(|s| printable(&s.id)).collect();
    let durations: Vec<String> = report
        .scenarios
        .iter()
        .map(|s| seconds(s.duration_ms))
        .collect();
    let verdicts = [Verdict::Pass, Verdict::Fail, Verdict::Skip, Verdict::Error]
        .map(|v| verdict_label(v, lang));
    let [
        verdict_head,
        scenario_head,
        duration_head,
        failed_head,
        title_head,
    ] = [
        "report-col-verdict",
        "report-col-scenario",
        "report-col-duration",
        "report-col-failed",
        "report-col-title",
    ]
    .map(|key| t(lang, key));
    let verdict_width = column_width(&verdict_head, &verdicts);
    let id_width = column_width(&scenario_head, &ids);
    let duration_width = column_width(&duration_head, &durations);
    let failed_width = failed_head.width().max(6);

    // `write!` into a String cannot fail; the results are ignored on that invariant.
    let _ = writeln!(
        out,
        "{}  {}  {}  {}  {title_head}",
        pad_right(&verdict_head, verdict_width),
        pad_right(&scenario_head, id_width),
        pad_left(&duration_head, duration_width),
        pad_left(&failed_head, failed_width),
    );
    for ((scenario, id), duration) in report.scenarios.iter().zip(&ids).zip(&durations) {
        let counts = scenario.expectation_counts();
        let failed = if scenario.expectations.is_empty() {
            "-".to_owned()
        } else {
            format!("{}/{}", counts.failed, counts.total)
        };
        let _ = writeln!(
            out,
            "{}  {}  {}  {}  {}",
            pad_right(&verdict_label(scenario.verdict, lang), verdict_width),
            pad_right(id, id_width),
            pad_left(duration, duration_width),
            pad_left(&failed, failed_width),
            printable(&scenario.title)
        );
    }

    let attention: Vec<&ScenarioResult> = report
        .scenarios
        .iter()
        .filter(|s| s.verdict.needs_attention())
        .collect();
    for scenario in attention {
        out.push('\n');
        // An optional scenario's failure is reported but does not fail the run: say so where
        // the reader looks, not only in the exit code.
        let optional = if scenario.level == Level::Optional {
            t(lang, "report-optional-note")
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{} {}: {}{optional}",
            verdict_label(scenario.verdict, lang),
            printable(&scenario.id),
            printable(&scenario.title)
        );
        if let Some(reason) = scenario.reason_in(lang) {
            let reason = tr(
                lang,
                "report-reason",
                &[("reason", printable(&reason).into())],
            );
            let _ = writeln!(out, "  {reason}");
        }
        for expectation in scenario.failing_expectations() {
            write_expectation(&mut out, expectation, lang);
        }
    }

    out.push('\n');
    // 0: no --seed, every scenario ran with its own (each result records it).
    let seed = match report.seed {
        0 => t(lang, "report-seed-own"),
        seed => tr(lang, "report-seed", &[("seed", seed.to_string().into())]),
    };
    for (key, counts) in [
        ("report-totals-scenarios", &report.summary.scenarios),
        ("report-totals-expectations", &report.summary.expectations),
    ] {
        let line = tr(lang, key, &[("totals", totals(counts, lang).into())]);
        let _ = writeln!(out, "{line}");
    }
    let duration = seconds(report.duration_ms);
    let run_time = tr(
        lang,
        "report-run-time",
        &[("duration", duration.into()), ("seed", seed.into())],
    );
    let _ = writeln!(out, "{run_time}");
    if report.scaled {
        let scale = report.time_scale.to_string();
        let _ = writeln!(
            out,
            "{}",
            tr(lang, "report-scaled", &[("scale", scale.into())])
        );
    }
    out
}

fn write_expectation(out: &mut String, expectation: &ExpectationResult, lang: Lang) {
    let requirement = expectation
        .requirement
        .as_deref()
        .map(|r| format!(" [{}]", printable(r)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "  {} {} ({}){}: {}",
        verdict_label(expectation.verdict, lang),
        printable(&expectation.id),
        severity_word(expectation.severity, lang),
        requirement,
        printable(&expectation.description_in(lang))
    );
    // The three labels share one width, so the values start in one column in either language.
    let labels = [
        "report-label-expected",
        "report-label-actual",
        "report-label-message",
    ]
    .map(|key| t(lang, key));
    let width = labels.iter().map(|l| l.width()).max().unwrap_or(0);
    let [expected, actual, message] = labels.map(|l| pad_right(&l, width));
    let _ = writeln!(
        out,
        "      {expected} {}",
        printable(&expectation.expected_in(lang))
    );
    let _ = writeln!(
        out,
        "      {actual} {}",
        printable(&expectation.actual_in(lang))
    );
    if !expectation.message.is_empty() {
        let _ = writeln!(
            out,
            "      {message} {}",
            printable(&expectation.message_in(lang))
        );
    }
    for line in expectation.evidence.iter().take(MAX_CONSOLE_EVIDENCE_LINES) {
        let _ = writeln!(out, "      | {}", printable(line));
    }
    let hidden = expectation
        .evidence
        .len()
        .saturating_sub(MAX_CONSOLE_EVIDENCE_LINES);
    if hidden > 0 {
        let more = tr(
            lang,
            "report-more-evidence-console",
            &[("n", hidden.into())],
        );
        let _ = writeln!(out, "      | {more}");
    }
}

fn totals(counts: &Counts, lang: Lang) -> String {
    tr(
        lang,
        "report-totals",
        &[
            ("total", counts.total.into()),
            ("passed", counts.passed.into()),
            ("failed", counts.failed.into()),
            ("skipped", counts.skipped.into()),
            ("errored", counts.errored.into()),
        ],
    )
}

/// One line, with control characters escaped (`\u{1b}` rather than an ESC byte).
fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

fn column_width(header: &str, cells: &[String]) -> usize {
    cells
        .iter()
        .map(|c| c.width())
        .chain([header.width()])
        .max()
        .unwrap_or(0)
}

fn pad_right(text: &str, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(text.width())))
}

fn pad_left(text: &str, width: usize) -> String {
    format!("{}{text}", " ".repeat(width.saturating_sub(text.width())))
}
