//! Small text helpers shared by the renderings: bounding long text, durations, run outcomes,
//! and the words of verdicts, levels and severities in the reader's language.
//!
//! Bounds exist because a misbehaving uploader can print megabytes; a CI server or a browser
//! should not choke on a report because of it. The JSON report keeps everything the runner kept.

use idlink_i18n::{Lang, tr};

use super::{CommandRun, ExpectationResult, Level, Severity, Verdict};

/// The catalogue message `key` without arguments in `lang`.
pub(crate) fn t(lang: Lang, key: &str) -> String {
    tr(lang, key, &[])
}

/// `PASS`, `FAIL`, `SKIP`, `ERROR` (合格, 不合格, スキップ, エラー).
pub(crate) fn verdict_label(verdict: Verdict, lang: Lang) -> String {
    t(lang, &format!("report-verdict-{}", verdict.as_str()))
}

/// `error`, `warning` (エラー, 警告).
pub(crate) fn severity_word(severity: Severity, lang: Lang) -> String {
    t(lang, &format!("report-severity-{}", severity.as_str()))
}

/// `required`, `optional`, `strict` (必須, 任意, 厳格).
pub(crate) fn level_word(level: Level, lang: Lang) -> String {
    t(lang, &format!("report-level-{}", level.as_str()))
}

/// At most this many evidence lines go into a JUnit failure or a CTRF trace.
pub(crate) const MAX_EVIDENCE_LINES: usize = 50;

/// Cuts `text` to at most `max_bytes` bytes on a character boundary, saying how much was cut.
pub(crate) fn bounded(text: &str, max_bytes: usize) -> String {
    if text.len() <= max_bytes {
        return text.to_owned();
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}\n[... {} more bytes not shown; the JSON report has the output as captured]",
        &text[..end],
        text.len() - end
    )
}

/// Milliseconds as seconds with three decimals, e.g. `12.345 s`.
pub(crate) fn seconds(ms: u64) -> String {
    format!("{}.{:03} s", ms / 1000, ms % 1000)
}

/// Folds line breaks and tabs into spaces: test names and table cells are one line.
pub(crate) fn one_line(text: &str) -> String {
    text.split(['\n', '\r', '\t'])
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// How a client run ended, in words: `exit 0`, `killed by signal 9`, `timed out`, ...
pub(crate) fn run_outcome(run: &CommandRun, lang: Lang) -> String {
    let mut parts = Vec::new();
    if run.timed_out {
        parts.push(t(lang, "report-outcome-timed-out"));
    }
    match (run.exit_code, run.signal) {
        (Some(code), _) => parts.push(tr(
            lang,
            "report-outcome-exit",
            &[("code", code.to_string().into())],
        )),
        (None, Some(signal)) => parts.push(tr(
            lang,
            "report-outcome-signal",
            &[("signal", signal.to_string().into())],
        )),
        (None, None) => parts.push(t(lang, "report-outcome-none")),
    }
    parts.join(&t(lang, "list-comma"))
}

/// The details of an expectation for a CI failure body: expected, actual, evidence (bounded).
/// The evidence lines are the journal's own words and stay as they are in every language.
pub(crate) fn expectation_details(
    expectation: &ExpectationResult,
    max_evidence: usize,
    lang: Lang,
) -> String {
    let line = |key: &str, name: &str, value: String| tr(lang, key, &[(name, value.into())]);
    let mut text = format!(
        "{}\n{}\n",
        line(
            "report-detail-expected",
            "text",
            expectation.expected_in(lang)
        ),
        line("report-detail-actual", "text", expectation.actual_in(lang)),
    );
    if let Some(requirement) = &expectation.requirement {
        text.push_str(&line(
            "report-detail-requirement",
            "id",
            requirement.clone(),
        ));
        text.push('\n');
    }
    let severity = severity_word(expectation.severity, lang);
    text.push_str(&line("report-detail-severity", "severity", severity));
    text.push('\n');
    if !expectation.evidence.is_empty() {
        text.push_str(&t(lang, "report-detail-evidence"));
        text.push('\n');
        for line in expectation.evidence.iter().take(max_evidence) {
            text.push_str("  ");
            text.push_str(line);
            text.push('\n');
        }
        let hidden = expectation.evidence.len().saturating_sub(max_evidence);
        if hidden > 0 {
            let more = tr(lang, "report-detail-more", &[("n", hidden.into())]);
            text.push_str(&format!("  [{more}]\n"));
        }
    }
    text
}
