//! The fixed-width summary printed at the end of a run.
//!
//! Plain text only: no ANSI codes (a caller that knows it writes to a terminal may colour the
//! verdict words), and control characters from the report are shown escaped, because evidence
//! and output can contain bytes the uploader chose and those must not drive the terminal.
//! Columns are aligned by display width, so CJK titles do not shift them.

use std::fmt::Write as _;

use unicode_width::UnicodeWidthStr;

use super::text::seconds;
use super::{Counts, ExpectationResult, Level, Report, ScenarioResult};

/// At most this many evidence lines are shown per failing expectation.
pub const MAX_CONSOLE_EVIDENCE_LINES: usize = 5;

/// The summary table: one line per scenario, then the failures in detail, then the totals.
pub fn summary_table(report: &Report) -> String {
    let mut out = String::new();
    let ids: Vec<String> = report.scenarios.iter().map(|s| printable(&s.id)).collect();
    let durations: Vec<String> = report
        .scenarios
        .iter()
        .map(|s| seconds(s.duration_ms))
        .collect();
    let id_width = column_width("SCENARIO", &ids);
    let duration_width = column_width("DURATION", &durations);

    // `write!` into a String cannot fail; the results are ignored on that invariant.
    let _ = writeln!(
        out,
        "{:<7}  {}  {}  {:>6}  TITLE",
        "VERDICT",
        pad_right("SCENARIO", id_width),
        pad_left("DURATION", duration_width),
        "FAILED"
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
            "{:<7}  {}  {}  {:>6}  {}",
            scenario.verdict.label(),
            pad_right(id, id_width),
            pad_left(duration, duration_width),
            failed,
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
            " (optional: reported, does not fail the run)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "{} {}: {}{optional}",
            scenario.verdict.label(),
            printable(&scenario.id),
            printable(&scenario.title)
        );
        if let Some(reason) = &scenario.reason {
            let _ = writeln!(out, "  reason: {}", printable(reason));
        }
        for expectation in scenario.failing_expectations() {
            write_expectation(&mut out, expectation);
        }
    }

    out.push('\n');
    let _ = writeln!(
        out,
        "scenarios: {}\nexpectations: {}\nrun time: {}, {}",
        totals(&report.summary.scenarios),
        totals(&report.summary.expectations),
        seconds(report.duration_ms),
        // 0: no --seed, every scenario ran with its own (each result records it).
        match report.seed {
            0 => "each scenario with its own seed".to_owned(),
            seed => format!("seed {seed}"),
        }
    );
    if report.scaled {
        let _ = writeln!(
            out,
            "scaled run (time scale {}): results cannot certify conformance",
            report.time_scale
        );
    }
    out
}

fn write_expectation(out: &mut String, expectation: &ExpectationResult) {
    let requirement = expectation
        .requirement
        .as_deref()
        .map(|r| format!(" [{}]", printable(r)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "  {} {} ({}){}: {}",
        expectation.verdict.label(),
        printable(&expectation.id),
        expectation.severity,
        requirement,
        printable(&expectation.description)
    );
    let _ = writeln!(out, "      expected: {}", printable(&expectation.expected));
    let _ = writeln!(out, "      actual:   {}", printable(&expectation.actual));
    if !expectation.message.is_empty() {
        let _ = writeln!(out, "      message:  {}", printable(&expectation.message));
    }
    for line in expectation.evidence.iter().take(MAX_CONSOLE_EVIDENCE_LINES) {
        let _ = writeln!(out, "      | {}", printable(line));
    }
    let hidden = expectation
        .evidence
        .len()
        .saturating_sub(MAX_CONSOLE_EVIDENCE_LINES);
    if hidden > 0 {
        let _ = writeln!(
            out,
            "      | ... {hidden} more evidence lines in the JSON/HTML report"
        );
    }
}

fn totals(counts: &Counts) -> String {
    format!(
        "{} total, {} passed, {} failed, {} skipped, {} errored",
        counts.total, counts.passed, counts.failed, counts.skipped, counts.errored
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
