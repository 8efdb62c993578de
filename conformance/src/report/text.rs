//! Small text helpers shared by the renderings: bounding long text, durations, run outcomes.
//!
//! Bounds exist because a misbehaving uploader can print megabytes; a CI server or a browser
//! should not choke on a report because of it. The JSON report keeps everything the runner kept.

use super::{CommandRun, ExpectationResult};

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
pub(crate) fn run_outcome(run: &CommandRun) -> String {
    let mut parts = Vec::new();
    if run.timed_out {
        parts.push("timed out (killed at the deadline)".to_owned());
    }
    match (run.exit_code, run.signal) {
        (Some(code), _) => parts.push(format!("exit {code}")),
        (None, Some(signal)) => parts.push(format!("killed by signal {signal}")),
        (None, None) => parts.push("no exit status".to_owned()),
    }
    parts.join(", ")
}

/// The details of an expectation for a CI failure body: expected, actual, evidence (bounded).
pub(crate) fn expectation_details(expectation: &ExpectationResult, max_evidence: usize) -> String {
    let mut text = format!(
        "expected: {}\nactual: {}\n",
        expectation.expected, expectation.actual
    );
    if let Some(requirement) = &expectation.requirement {
        text.push_str(&format!("requirement: {requirement}\n"));
    }
    text.push_str(&format!("severity: {}\n", expectation.severity));
    if !expectation.evidence.is_empty() {
        text.push_str("evidence:\n");
        for line in expectation.evidence.iter().take(max_evidence) {
            text.push_str("  ");
            text.push_str(line);
            text.push('\n');
        }
        let hidden = expectation.evidence.len().saturating_sub(max_evidence);
        if hidden > 0 {
            text.push_str(&format!(
                "  [... {hidden} more evidence lines in the JSON report]\n"
            ));
        }
    }
    text
}
