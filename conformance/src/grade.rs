//! Grading: each expectation of a scenario judged from the center's journal and store, and the
//! command's exit status and output, never from what the client says about itself.
//!
//! Every explanation (what was expected, what was observed, what to do) is a catalogue
//! [`Message`] (`locales/*/conformance.ftl`), not English built here: the same verdict is read
//! in English in the JSON report and in Japanese on the HTML page.

use std::collections::BTreeMap;
use std::time::Duration;

use idlink_i18n::{Lang, Message};
use idlink_mock::StoredDocument;
use idlink_mock::evidence::{Evidence, UploadAttempt};
use idlink_mock::scenario::file::{Check, ExitExpectation, ExpectSeverity, Route};
use idlink_mock::scenario::{ExpectSpec, Scenario};

use crate::execute::Finished;
use crate::report::{ExpectationResult, ExpectationTexts, Severity, Verdict};

/// Everything observed in one scenario run.
#[derive(Debug)]
pub struct Observed<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// The journal.
    pub evidence: &'a Evidence,
    /// The store after the run.
    pub stored: &'a [StoredDocument],
    /// The stored bytes, by receipt ID (read back from the data directory).
    pub stored_bytes: &'a BTreeMap<String, Vec<u8>>,
    /// Document name → the bytes given to the client.
    pub documents: &'a BTreeMap<String, Vec<u8>>,
    /// Document name → hex SHA-256 of those bytes.
    pub digests: &'a std::collections::HashMap<String, String>,
    /// Each run of the command.
    pub runs: &'a [Finished],
    /// Secrets that must not appear in the output.
    pub secrets: &'a [String],
    /// The time scale of the run.
    pub time_scale: f64,
    /// Folder mode: the runner stopped the daemon, so its exit status means nothing.
    pub folder_mode: bool,
    /// The center's server certificate is inside its validity window by the uploader's clock
    /// (false when `center_clock_offset` moved the center's time, and its PKI, far enough).
    pub server_certificate_in_date: bool,
}

/// Slack for timing comparisons: clocks on one machine, but the journal entry of a request is
/// written a little after the client sent it.
const SLACK: Duration = Duration::from_millis(15);

/// The default minimum first wait of `backoff` (nominal), when the scenario gives none.
const DEFAULT_MIN_FIRST_BACKOFF: Duration = Duration::from_millis(500);

/// Grades every expectation, plus the implicit ones (`no-secrets` always, `no-unexpected` when
/// the scenario says `on_unexpected = "fail"`), in order.
pub fn grade(observed: &Observed<'_>) -> Vec<ExpectationResult> {
    let spec = &observed.scenario.spec;
    let mut expectations: Vec<ExpectSpec> = spec.expectations.clone();
    let has_secrets = expectations
        .iter()
        .any(|e| matches!(e.check, Check::NoSecrets));
    let has_unexpected = expectations
        .iter()
        .any(|e| matches!(e.check, Check::NoUnexpected));
    if !has_secrets {
        expectations.push(ExpectSpec {
            id: "no-secrets".into(),
            verifies: None,
            severity: ExpectSeverity::Error,
            check: Check::NoSecrets,
        });
    }
    if spec.machine.is_some()
        && spec.run.on_unexpected == idlink_mock::scenario::file::OnUnexpected::Fail
        && !has_unexpected
    {
        expectations.push(ExpectSpec {
            id: "no-unexpected".into(),
            verifies: None,
            severity: ExpectSeverity::Error,
            check: Check::NoUnexpected,
        });
    }
    expectations
        .iter()
        .map(|e| grade_one(observed, e))
        .collect()
}

/// The outcome of one check before it is dressed as a result.
struct Judgement {
    verdict: Verdict,
    description: Message,
    expected: Message,
    actual: Message,
    message: Message,
    evidence: Vec<String>,
}

/// The catalogue message `key` (shorthand: every explanation below is one).
fn m(key: &str) -> Message {
    Message::new(key)
}

impl Judgement {
    fn new(description: Message, expected: Message) -> Self {
        Self {
            verdict: Verdict::Pass,
            description,
            expected,
            actual: Message::verbatim(""),
            message: Message::verbatim(""),
            evidence: Vec::new(),
        }
    }

    fn fail(mut self, actual: impl Into<Message>, message: impl Into<Message>) -> Self {
        self.verdict = Verdict::Fail;
        self.actual = actual.into();
        self.message = message.into();
        self
    }

    fn skip(mut self, message: impl Into<Message>) -> Self {
        self.verdict = Verdict::Skip;
        self.message = message.into();
        self
    }

    fn pass(mut self, actual: impl Into<Message>) -> Self {
        self.actual = actual.into();
        self
    }

    fn with_evidence(mut self, lines: Vec<String>) -> Self {
        self.evidence = lines;
        self
    }
}

fn grade_one(o: &Observed<'_>, expect: &ExpectSpec) -> ExpectationResult {
    let j = match &expect.check {
        Check::Exit { status, run } => exit(o, *status, *run),
        Check::Stored { doc, path_contains } => stored(o, doc.as_deref(), path_contains.as_deref()),
        Check::NotStored { doc } => not_stored(o, doc.as_deref()),
        Check::NoDuplicates => no_duplicates(o),
        Check::Attempts { doc, min, max } => attempts(o, doc.as_deref(), *min, *max),
        Check::RespectsRetryAfter { doc } => respects_retry_after(o, doc.as_deref()),
        Check::Backoff { doc, min_first } => backoff(o, doc.as_deref(), *min_first),
        Check::SameKey { doc } => same_key(o, doc.as_deref()),
        Check::RefusedServerCertificate => refused_server_certificate(o),
        Check::HandshakeRejected { reason_contains } => handshake_rejected(o, reason_contains),
        Check::NoUnexpected => no_unexpected(o),
        Check::NoSecrets => no_secrets(o),
        Check::Answered { doc, status, code } => answered(o, doc.as_deref(), *status, *code),
        Check::Requests { route, min, max } => requests(o, *route, *min, *max),
    };
    // The JSON report keeps English (a machine format); the texts render in any language.
    ExpectationResult {
        id: expect.id.clone(),
        description: j.description.render(Lang::En),
        requirement: expect.verifies.clone(),
        severity: match expect.severity {
            ExpectSeverity::Error => Severity::Error,
            ExpectSeverity::Warning => Severity::Warning,
        },
        verdict: j.verdict,
        expected: j.expected.render(Lang::En),
        actual: j.actual.render(Lang::En),
        message: j.message.render(Lang::En),
        evidence: j.evidence,
        texts: Some(ExpectationTexts {
            description: j.description,
            expected: j.expected,
            actual: j.actual,
            message: j.message,
        }),
    }
}

/// The documents an expectation is about: one, or every document of the scenario.
fn targets<'a>(o: &'a Observed<'_>, doc: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
    o.scenario
        .spec
        .documents
        .iter()
        .filter(|d| doc.is_none_or(|n| n == d.name))
        .filter_map(|d| Some((d.name.as_str(), o.digests.get(&d.name)?.as_str())))
        .collect()
}

fn run_outcome(run: &Finished) -> Message {
    if run.timed_out {
        m("grade-run-killed-at-deadline")
            .text("seconds", format!("{:.1}", run.duration.as_secs_f64()))
    } else if let Some(code) = run.exit_code {
        m("grade-run-exit").text("code", code.to_string())
    } else if let Some(signal) = run.signal {
        m("grade-run-signal").text("signal", signal.to_string())
    } else {
        m("grade-run-unknown")
    }
}

fn exit(o: &Observed<'_>, status: ExitExpectation, run: Option<u32>) -> Judgement {
    let index = run.unwrap_or(o.runs.len() as u32);
    let expected = match status {
        ExitExpectation::Zero => m("grade-exit-expected-zero"),
        ExitExpectation::NonZero => m("grade-exit-expected-nonzero"),
    };
    let j = Judgement::new(m("grade-exit-description").num("run", index), expected);
    if o.folder_mode {
        return j.skip(m("grade-exit-skip-folder"));
    }
    let Some(finished) = o.runs.get(index.saturating_sub(1) as usize) else {
        return j.skip(m("grade-exit-skip-no-run").num("run", index));
    };
    let actual = run_outcome(finished);
    let ok = match status {
        ExitExpectation::Zero => finished.exit_code == Some(0),
        ExitExpectation::NonZero => finished.exit_code != Some(0),
    };
    if ok {
        j.pass(actual)
    } else {
        let tail: Vec<String> = finished
            .output
            .lines()
            .rev()
            .take(8)
            .map(|l| format!("output: {l}"))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let message = match status {
            ExitExpectation::Zero => m("grade-exit-fail-zero"),
            ExitExpectation::NonZero => m("grade-exit-fail-nonzero"),
        };
        j.fail(actual, message).with_evidence(tail)
    }
}

fn docs_with_digest<'a>(o: &'a Observed<'_>, digest: &str) -> Vec<&'a StoredDocument> {
    o.stored
        .iter()
        .filter(|d| d.receipt.sha256 == digest)
        .collect()
}

fn attempts_of(o: &Observed<'_>, digest: &str) -> Vec<UploadAttempt> {
    o.evidence.attempts_for(digest)
}

fn excerpt(o: &Observed<'_>, attempts: &[UploadAttempt]) -> Vec<String> {
    let ids: Vec<&str> = attempts.iter().map(|a| a.request_id.as_str()).collect();
    o.evidence.excerpt(&ids, &[], 16)
}

fn stored(o: &Observed<'_>, doc: Option<&str>, path_contains: Option<&str>) -> Judgement {
    let j = Judgement::new(
        match doc {
            Some(d) => m("grade-stored-description-doc").text("doc", d),
            None => m("grade-stored-description-all"),
        },
        match path_contains {
            Some(p) => m("grade-stored-expected-path").text("path", p),
            None => m("grade-stored-expected"),
        },
    );
    let mut problems = Vec::new();
    let mut evidence = Vec::new();
    for (name, digest) in targets(o, doc) {
        let found = docs_with_digest(o, digest);
        match found.as_slice() {
            [] => {
                let attempts = attempts_of(o, digest);
                evidence.extend(excerpt(o, &attempts));
                let uploads = o.evidence.uploads();
                if attempts.is_empty() && !uploads.is_empty() {
                    problems.push(
                        m("grade-stored-reencoded")
                            .text("name", name)
                            .num("uploads", uploads.len() as u64)
                            .text("digest", digest),
                    );
                } else {
                    problems.push(
                        m("grade-stored-missing")
                            .text("name", name)
                            .num("attempts", attempts.len() as u64)
                            .msg("last", last_answer(&attempts)),
                    );
                }
            }
            [one] => {
                let bytes = o.stored_bytes.get(&one.receipt.receipt_id);
                if bytes != o.documents.get(name) {
                    problems.push(
                        m("grade-stored-differs")
                            .text("name", name)
                            .text("path", one.current_path.as_str()),
                    );
                }
                if let Some(p) = path_contains
                    && !one.current_path.contains(p)
                    && !one.receipt.stored_path.contains(p)
                {
                    problems.push(
                        m("grade-stored-wrong-path")
                            .text("name", name)
                            .text("path", one.current_path.as_str())
                            .text("want", p),
                    );
                }
            }
            many => problems.push(
                m("grade-stored-many")
                    .text("name", name)
                    .num("n", many.len() as u64),
            ),
        }
    }
    if problems.is_empty() {
        j.pass(m("grade-stored-ok"))
    } else {
        let actual = joined(problems, SEMICOLON);
        j.fail(actual.clone(), actual).with_evidence(evidence)
    }
}

fn not_stored(o: &Observed<'_>, doc: Option<&str>) -> Judgement {
    let j = Judgement::new(
        match doc {
            Some(d) => m("grade-not-stored-description-doc").text("doc", d),
            None => m("grade-not-stored-description-all"),
        },
        m("grade-not-stored-expected"),
    );
    let found: Vec<String> = match doc {
        None => o.stored.iter().map(|d| d.current_path.clone()).collect(),
        Some(_) => targets(o, doc)
            .into_iter()
            .flat_map(|(_, digest)| docs_with_digest(o, digest))
            .map(|d| d.current_path.clone())
            .collect(),
    };
    if found.is_empty() {
        j.pass(m("grade-not-stored-ok"))
    } else {
        j.fail(
            m("grade-not-stored-actual").text("paths", found.join(", ")),
            m("grade-not-stored-fail"),
        )
    }
}

fn no_duplicates(o: &Observed<'_>) -> Judgement {
    let j = Judgement::new(
        m("grade-no-duplicates-description"),
        m("grade-no-duplicates-expected"),
    );
    let mut seen: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for d in o.stored {
        *seen
            .entry((d.receipt.patient_id.as_str(), d.receipt.sha256.as_str()))
            .or_default() += 1;
    }
    let twice: Vec<Message> = seen
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|((p, s), n)| {
            m("grade-no-duplicates-copies")
                .text("patient", *p)
                .text("sha256", *s)
                .num("n", *n as u64)
        })
        .collect();
    if twice.is_empty() {
        j.pass(m("grade-no-duplicates-ok").num("n", o.stored.len() as u64))
    } else {
        j.fail(joined(twice, SEMICOLON), m("grade-no-duplicates-fail"))
    }
}

fn attempts(o: &Observed<'_>, doc: Option<&str>, min: Option<u32>, max: Option<u32>) -> Judgement {
    let bounds = match (min, max) {
        (Some(a), Some(b)) => m("grade-attempts-between").num("min", a).num("max", b),
        (Some(a), None) => m("grade-attempts-at-least").num("min", a),
        (None, Some(b)) => m("grade-attempts-at-most").num("max", b),
        (None, None) => m("grade-attempts-any"),
    };
    let j = Judgement::new(
        match doc {
            Some(d) => m("grade-attempts-description-doc").text("doc", d),
            None => m("grade-attempts-description"),
        },
        bounds,
    );
    let mut problems = Vec::new();
    let mut counts = Vec::new();
    let mut evidence = Vec::new();
    for (name, digest) in targets(o, doc) {
        let list = attempts_of(o, digest);
        let n = list.len() as u32;
        counts.push(m("grade-attempts-count").text("name", name).num("n", n));
        let last = last_answer(&list);
        if let Some(max) = max.filter(|b| n > *b) {
            problems.push(
                m("grade-attempts-too-many")
                    .text("name", name)
                    .num("n", n)
                    .num("max", max)
                    .msg("last", last),
            );
            evidence.extend(excerpt(o, &list));
        } else if let Some(min) = min.filter(|b| n < *b) {
            problems.push(
                m("grade-attempts-too-few")
                    .text("name", name)
                    .num("n", n)
                    .num("min", min)
                    .msg("last", last),
            );
            evidence.extend(excerpt(o, &list));
        }
    }
    if problems.is_empty() {
        j.pass(joined(counts, COMMA))
    } else {
        j.fail(joined(counts, COMMA), joined(problems, SEMICOLON))
            .with_evidence(evidence)
    }
}

/// How the last attempt was answered, for a message: `503 maintenance`, `201`, `no answer`, or
/// `nothing` when there was no attempt.
fn last_answer(attempts: &[UploadAttempt]) -> Message {
    match attempts.last() {
        None => m("grade-last-nothing"),
        Some(a) => answer(a),
    }
}

/// How one attempt was answered: `503 maintenance`, `201` (codes are never translated) or
/// `no answer`.
fn answer(attempt: &UploadAttempt) -> Message {
    match (attempt.status, attempt.code) {
        (Some(s), Some(c)) => Message::verbatim(format!("{s} {c}")),
        (Some(s), None) => Message::verbatim(s.to_string()),
        _ => m("grade-answer-none"),
    }
}

/// The separator keys of [`joined`].
const SEMICOLON: &str = "list-semicolon";
const COMMA: &str = "list-comma";

/// Several findings as one message, joined by `separator` in the reader's language.
fn joined(items: Vec<Message>, separator: &str) -> Message {
    m("grade-joined").list("items", items, separator)
}

/// The wait a `Retry-After` asked for, in real time at this scale.
fn required_wait(attempt: &UploadAttempt, o: &Observed<'_>) -> Option<Duration> {
    let value = attempt.retry_after.as_deref()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs_f64(seconds as f64 * o.time_scale));
    }
    // An HTTP date: the center computed it as its clock + the scaled wait, rounded up to a
    // whole second; one second of resolution is forgiven.
    let date =
        time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822).ok()?;
    let answered = o
        .evidence
        .entries()
        .iter()
        .find(|e| matches!(&e.event, idlink_mock::JournalEvent::Response { request_id, .. } if *request_id == attempt.request_id))
        .and_then(|e| {
            time::OffsetDateTime::parse(&e.at, &time::format_description::well_known::Rfc3339).ok()
        })?;
    let wait = (date - answered).as_seconds_f64() - 1.0;
    Some(Duration::from_secs_f64(wait.max(0.0)))
}

fn respects_retry_after(o: &Observed<'_>, doc: Option<&str>) -> Judgement {
    let j = Judgement::new(
        m("grade-retry-after-description"),
        m("grade-retry-after-expected").text("scale", o.time_scale.to_string()),
    );
    let mut checked = 0u64;
    let mut problems = Vec::new();
    let mut evidence = Vec::new();
    for (name, digest) in targets(o, doc) {
        let list = attempts_of(o, digest);
        for (first, next) in Evidence::pairs_within_runs(&list) {
            let Some(required) = required_wait(first, o) else {
                continue;
            };
            let answered = first.answered_us.unwrap_or(first.started_us);
            let waited = Duration::from_micros(next.started_us.saturating_sub(answered));
            checked += 1;
            if waited + SLACK < required {
                problems.push(
                    m("grade-retry-after-early")
                        .text("name", name)
                        .num("waited", waited.as_millis() as u64)
                        .text("value", first.retry_after.as_deref().unwrap_or_default())
                        .num("required", required.as_millis() as u64),
                );
                evidence.extend(excerpt(o, &[first.clone(), next.clone()]));
            }
        }
    }
    if checked == 0 {
        return j.skip(m("grade-retry-after-skip"));
    }
    if problems.is_empty() {
        j.pass(m("grade-retry-after-ok").num("n", checked))
    } else {
        j.fail(joined(problems, SEMICOLON), m("grade-retry-after-fail"))
            .with_evidence(evidence)
    }
}

fn backoff(o: &Observed<'_>, doc: Option<&str>, min_first: Option<Duration>) -> Judgement {
    let min_first = Duration::from_secs_f64(
        min_first.unwrap_or(DEFAULT_MIN_FIRST_BACKOFF).as_secs_f64() * o.time_scale,
    );
    let j = Judgement::new(
        m("grade-backoff-description"),
        m("grade-backoff-expected").num("ms", min_first.as_millis() as u64),
    );
    let mut problems = Vec::new();
    let mut evidence = Vec::new();
    let mut checked = 0u64;
    for (name, digest) in targets(o, doc) {
        let list = attempts_of(o, digest);
        let mut previous: Option<Duration> = None;
        for (first, next) in Evidence::pairs_within_runs(&list) {
            let pair = [first.clone(), next.clone()];
            if pair[0].retry_after.is_some() {
                previous = None;
                continue;
            }
            let ended = pair[0].answered_us.unwrap_or(pair[0].started_us);
            let waited = Duration::from_micros(pair[1].started_us.saturating_sub(ended));
            checked += 1;
            if waited + SLACK < min_first {
                problems.push(
                    m("grade-backoff-too-soon")
                        .text("name", name)
                        .num("waited", waited.as_millis() as u64)
                        .num("from", pair[0].attempt.unwrap_or(0))
                        .num("to", pair[1].attempt.unwrap_or(0)),
                );
                evidence.extend(excerpt(o, &pair));
            } else if let Some(before) = previous
                && waited * 2 + SLACK < before
            {
                problems.push(
                    m("grade-backoff-shrank")
                        .text("name", name)
                        .num("before", before.as_millis() as u64)
                        .num("waited", waited.as_millis() as u64),
                );
                evidence.extend(excerpt(o, &pair));
            }
            previous = Some(waited);
        }
    }
    if checked == 0 {
        return j.skip(m("grade-backoff-skip"));
    }
    if problems.is_empty() {
        j.pass(m("grade-backoff-ok").num("n", checked))
    } else {
        j.fail(joined(problems, SEMICOLON), m("grade-backoff-fail"))
            .with_evidence(evidence)
    }
}

fn same_key(o: &Observed<'_>, doc: Option<&str>) -> Judgement {
    let j = Judgement::new(
        m("grade-same-key-description"),
        m("grade-same-key-expected"),
    );
    let mut problems = Vec::new();
    let mut evidence = Vec::new();
    let mut checked = 0u64;
    for (name, digest) in targets(o, doc) {
        let keys = o.evidence.distinct_keys(digest);
        checked += 1;
        if keys.len() > 1 {
            problems.push(
                m("grade-same-key-different")
                    .text("name", name)
                    .num("n", keys.len() as u64),
            );
            evidence.extend(excerpt(o, &attempts_of(o, digest)));
        }
    }
    if checked == 0 {
        return j.skip(m("grade-same-key-skip"));
    }
    if problems.is_empty() {
        j.pass(m("grade-same-key-ok"))
    } else {
        j.fail(joined(problems, SEMICOLON), m("grade-same-key-fail"))
            .with_evidence(evidence)
    }
}

fn refused_server_certificate(o: &Observed<'_>) -> Judgement {
    let j = Judgement::new(
        m("grade-refuse-cert-description"),
        m("grade-refuse-cert-expected"),
    );
    let connections = o.evidence.connections();
    let bad_by_action: Vec<u64> = o
        .evidence
        .actions_fired()
        .iter()
        .filter(|e| matches!(&e.event, idlink_mock::JournalEvent::ActionFired { label, .. } if label.starts_with("server certificate")))
        .filter_map(|e| e.connection)
        .collect();
    let whole_run_bad = o.scenario.spec.setup.server_certificate
        != idlink_mock::ServerCertificate::Valid
        || !o.server_certificate_in_date;
    let bad: Vec<_> = connections
        .iter()
        .filter(|c| whole_run_bad || bad_by_action.contains(&c.id))
        .collect();
    if bad.is_empty() {
        return j.fail(
            m("grade-refuse-cert-no-connection"),
            m("grade-refuse-cert-never-connected"),
        );
    }
    let accepted: Vec<_> = bad.iter().filter(|c| c.handshake_ok).collect();
    let requested: u32 = bad.iter().map(|c| c.requests).sum();
    let ids: Vec<u64> = bad.iter().map(|c| c.id).collect();
    if accepted.is_empty() && requested == 0 {
        j.pass(m("grade-refuse-cert-ok").num("n", bad.len() as u64))
    } else {
        j.fail(
            m("grade-refuse-cert-accepted")
                .num("accepted", accepted.len() as u64)
                .num("requests", requested),
            m("grade-refuse-cert-fail"),
        )
        .with_evidence(o.evidence.excerpt(&[], &ids, 16))
    }
}

fn handshake_rejected(o: &Observed<'_>, text: &str) -> Judgement {
    let j = Judgement::new(
        m("grade-handshake-description").text("text", text),
        m("grade-handshake-expected").text("text", text),
    );
    let connections = o.evidence.connections();
    let reasons: Vec<String> = connections
        .iter()
        .filter_map(|c| c.rejected.clone())
        .collect();
    if reasons.iter().any(|r| r.contains(text)) {
        j.pass(reasons.join("; "))
    } else if reasons.is_empty() {
        j.fail(
            m("grade-handshake-none"),
            m("grade-handshake-not-presented"),
        )
    } else {
        // The reasons are the TLS library's words: shown as they are in every language.
        j.fail(reasons.join("; "), m("grade-handshake-other"))
    }
}

fn no_unexpected(o: &Observed<'_>) -> Judgement {
    let j = Judgement::new(
        m("grade-unexpected-description"),
        m("grade-unexpected-expected"),
    );
    let unexpected = o.evidence.unexpected();
    if unexpected.is_empty() {
        j.pass(m("grade-unexpected-none"))
    } else {
        let lines = unexpected
            .iter()
            .map(|e| idlink_mock::evidence::render(e))
            .collect();
        j.fail(
            m("grade-unexpected-count").num("n", unexpected.len() as u64),
            m("grade-unexpected-fail"),
        )
        .with_evidence(lines)
    }
}

fn no_secrets(o: &Observed<'_>) -> Judgement {
    let j = Judgement::new(m("grade-secrets-description"), m("grade-secrets-expected"));
    let mut leaks = Vec::new();
    for (i, run) in o.runs.iter().enumerate() {
        if run.output.contains("PRIVATE KEY-----") {
            leaks.push(m("grade-secrets-pem").num("run", i as u64 + 1));
        }
        if o.secrets
            .iter()
            .any(|s| !s.is_empty() && run.output.contains(s.as_str()))
        {
            leaks.push(m("grade-secrets-password").num("run", i as u64 + 1));
        }
    }
    if leaks.is_empty() {
        j.pass(m("grade-secrets-ok"))
    } else {
        j.fail(joined(leaks, SEMICOLON), m("grade-secrets-fail"))
    }
}

fn answered(
    o: &Observed<'_>,
    doc: Option<&str>,
    status: Option<u16>,
    code: Option<idlink_protocol::ProblemCode>,
) -> Judgement {
    let want = [status.map(|s| s.to_string()), code.map(|c| c.to_string())]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let j = Judgement::new(
        match doc {
            Some(d) => m("grade-answered-description-doc")
                .text("want", want.as_str())
                .text("doc", d),
            None => m("grade-answered-description").text("want", want.as_str()),
        },
        m("grade-answered-expected").text("want", want.as_str()),
    );
    let attempts: Vec<UploadAttempt> = match doc {
        Some(_) => targets(o, doc)
            .into_iter()
            .flat_map(|(_, digest)| attempts_of(o, digest))
            .collect(),
        None => o.evidence.uploads().to_vec(),
    };
    let matches = |a: &UploadAttempt| {
        status.is_none_or(|s| a.status == Some(s)) && code.is_none_or(|c| a.code == Some(c))
    };
    let seen: Vec<Message> = attempts.iter().map(answer).collect();
    if attempts.iter().any(matches) {
        j.pass(joined(seen, COMMA))
    } else {
        j.fail(
            if seen.is_empty() {
                m("grade-answered-no-upload")
            } else {
                joined(seen, COMMA)
            },
            m("grade-answered-fail"),
        )
        .with_evidence(excerpt(o, &attempts))
    }
}

fn requests(o: &Observed<'_>, route: Route, min: Option<u32>, max: Option<u32>) -> Judgement {
    let path = match route {
        Route::Upload => idlink_protocol::headers::PATH_DOCUMENTS,
        Route::Whoami => idlink_protocol::headers::PATH_WHOAMI,
        Route::Receipt => idlink_protocol::headers::PATH_RECEIPTS,
        Route::Other => "/",
    };
    let n = o.evidence.requests_on(path) as u32;
    let j = Judgement::new(
        m("grade-requests-description").text("path", path),
        match (min, max) {
            (Some(a), Some(b)) => m("grade-requests-between").num("min", a).num("max", b),
            (Some(a), None) => m("grade-requests-at-least").num("min", a),
            (None, Some(b)) => m("grade-requests-at-most").num("max", b),
            (None, None) => Message::verbatim(""),
        },
    );
    if min.is_some_and(|b| n < b) || max.is_some_and(|b| n > b) {
        j.fail(
            n.to_string(),
            m("grade-requests-count").num("n", n).text("path", path),
        )
    } else {
        j.pass(n.to_string())
    }
}
