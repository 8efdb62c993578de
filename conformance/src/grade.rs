//! Grading: each expectation of a scenario judged from the center's journal and store, and the
//! command's exit status and output, never from what the client says about itself.

use std::collections::BTreeMap;
use std::time::Duration;

use idlink_mock::StoredDocument;
use idlink_mock::evidence::{Evidence, UploadAttempt};
use idlink_mock::scenario::file::{Check, ExitExpectation, ExpectSeverity, Route};
use idlink_mock::scenario::{ExpectSpec, Scenario};

use crate::execute::Finished;
use crate::report::{ExpectationResult, Severity, Verdict};

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
    description: String,
    expected: String,
    actual: String,
    message: String,
    evidence: Vec<String>,
}

impl Judgement {
    fn new(description: impl Into<String>, expected: impl Into<String>) -> Self {
        Self {
            verdict: Verdict::Pass,
            description: description.into(),
            expected: expected.into(),
            actual: String::new(),
            message: String::new(),
            evidence: Vec::new(),
        }
    }

    fn fail(mut self, actual: impl Into<String>, message: impl Into<String>) -> Self {
        self.verdict = Verdict::Fail;
        self.actual = actual.into();
        self.message = message.into();
        self
    }

    fn skip(mut self, message: impl Into<String>) -> Self {
        self.verdict = Verdict::Skip;
        self.message = message.into();
        self
    }

    fn pass(mut self, actual: impl Into<String>) -> Self {
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
    ExpectationResult {
        id: expect.id.clone(),
        description: j.description,
        requirement: expect.verifies.clone(),
        severity: match expect.severity {
            ExpectSeverity::Error => Severity::Error,
            ExpectSeverity::Warning => Severity::Warning,
        },
        verdict: j.verdict,
        expected: j.expected,
        actual: j.actual,
        message: j.message,
        evidence: j.evidence,
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

fn run_outcome(run: &Finished) -> String {
    if run.timed_out {
        format!(
            "killed at the deadline after {:.1} s",
            run.duration.as_secs_f64()
        )
    } else if let Some(code) = run.exit_code {
        format!("exit {code}")
    } else if let Some(signal) = run.signal {
        format!("killed by signal {signal}")
    } else {
        "unknown exit".to_owned()
    }
}

fn exit(o: &Observed<'_>, status: ExitExpectation, run: Option<u32>) -> Judgement {
    let index = run.unwrap_or(o.runs.len() as u32);
    let expected = match status {
        ExitExpectation::Zero => "exit 0 (every document delivered)",
        ExitExpectation::NonZero => "a non-zero exit (the upload did not succeed)",
    };
    let j = Judgement::new(format!("the command's exit status (run {index})"), expected);
    if o.folder_mode {
        return j.skip("folder mode: the runner stops the daemon, so its exit status says nothing");
    }
    let Some(finished) = o.runs.get(index.saturating_sub(1) as usize) else {
        return j.skip(format!("run {index} did not happen"));
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
            ExitExpectation::Zero => {
                "the command did not report success, although it must deliver every document of the manifest and exit 0"
            }
            ExitExpectation::NonZero => {
                "the command exited 0 although the upload could not succeed: an uploader must not report a failure as success"
            }
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
            Some(d) => {
                format!("document {d:?} is stored once, byte-identical to the manifest's file")
            }
            None => "every document is stored once, byte-identical to the manifest's file".into(),
        },
        match path_contains {
            Some(p) => format!("one stored copy per document, path containing {p:?}"),
            None => "one stored copy per document".into(),
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
                    problems.push(format!(
                        "{name}: not stored; {} upload(s) arrived but none declared this document's SHA-256 {digest}: the bytes were changed before sending (re-encoded?)",
                        uploads.len()
                    ));
                } else {
                    problems.push(format!(
                        "{name}: not stored after {} attempt(s); the last answered {}",
                        attempts.len(),
                        last_answer(&attempts)
                    ));
                }
            }
            [one] => {
                let bytes = o.stored_bytes.get(&one.receipt.receipt_id);
                if bytes != o.documents.get(name) {
                    problems.push(format!(
                        "{name}: the stored file {} differs from the manifest's bytes",
                        one.current_path
                    ));
                }
                if let Some(p) = path_contains
                    && !one.current_path.contains(p)
                    && !one.receipt.stored_path.contains(p)
                {
                    problems.push(format!(
                        "{name}: stored at {}, which does not contain {p:?}",
                        one.current_path
                    ));
                }
            }
            many => problems.push(format!("{name}: stored {} times", many.len())),
        }
    }
    let actual = if problems.is_empty() {
        "stored once, byte-identical".to_owned()
    } else {
        problems.join("; ")
    };
    if problems.is_empty() {
        j.pass(actual)
    } else {
        j.fail(actual.clone(), actual).with_evidence(evidence)
    }
}

fn not_stored(o: &Observed<'_>, doc: Option<&str>) -> Judgement {
    let j = Judgement::new(
        match doc {
            Some(d) => format!("document {d:?} is not stored"),
            None => "nothing is stored".into(),
        },
        "no stored copy",
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
        j.pass("nothing stored")
    } else {
        j.fail(
            format!("stored: {}", found.join(", ")),
            "a document the center must not keep was stored",
        )
    }
}

fn no_duplicates(o: &Observed<'_>) -> Judgement {
    let j = Judgement::new("no bytes stored twice", "each document stored at most once");
    let mut seen: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for d in o.stored {
        *seen
            .entry((d.receipt.patient_id.as_str(), d.receipt.sha256.as_str()))
            .or_default() += 1;
    }
    let twice: Vec<String> = seen
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|((p, s), n)| format!("patient {p} sha-256 {s}: {n} copies"))
        .collect();
    if twice.is_empty() {
        j.pass(format!("{} document(s), no duplicates", o.stored.len()))
    } else {
        j.fail(
            twice.join("; "),
            "the same document was stored more than once",
        )
    }
}

fn attempts(o: &Observed<'_>, doc: Option<&str>, min: Option<u32>, max: Option<u32>) -> Judgement {
    let bounds = match (min, max) {
        (Some(a), Some(b)) => format!("{a} to {b} upload attempts"),
        (Some(a), None) => format!("at least {a} upload attempts"),
        (None, Some(b)) => format!("at most {b} upload attempts"),
        (None, None) => "any number of upload attempts".into(),
    };
    let j = Judgement::new(
        format!(
            "upload attempts per document{}",
            doc.map(|d| format!(" ({d})")).unwrap_or_default()
        ),
        bounds.clone(),
    );
    let mut problems = Vec::new();
    let mut counts = Vec::new();
    let mut evidence = Vec::new();
    for (name, digest) in targets(o, doc) {
        let list = attempts_of(o, digest);
        let n = list.len() as u32;
        counts.push(format!("{name}: {n}"));
        let last = last_answer(&list);
        if let Some(max) = max.filter(|m| n > *m) {
            problems.push(format!(
                "{name}: {n} attempts, more than {max} (the last answered {last}): a refusal that retrying cannot fix must not be retried, and retries are bounded"
            ));
            evidence.extend(excerpt(o, &list));
        } else if let Some(min) = min.filter(|m| n < *m) {
            problems.push(format!(
                "{name}: {n} attempt(s), fewer than {min} (the last answered {last}): a retryable failure (connection lost, 5xx, 429, 503) must be retried with the same key"
            ));
            evidence.extend(excerpt(o, &list));
        }
    }
    if problems.is_empty() {
        j.pass(counts.join(", "))
    } else {
        j.fail(counts.join(", "), problems.join("; "))
            .with_evidence(evidence)
    }
}

/// How the last attempt was answered, for a message: `503 maintenance`, `201`, `no answer`, or
/// `nothing` when there was no attempt.
fn last_answer(attempts: &[UploadAttempt]) -> String {
    match attempts.last() {
        None => "nothing: no upload of this document arrived".to_owned(),
        Some(a) => match (a.status, a.code) {
            (Some(s), Some(c)) => format!("{s} {c}"),
            (Some(s), None) => s.to_string(),
            _ => "no answer".to_owned(),
        },
    }
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
        "retries wait at least the Retry-After the center sent",
        format!("each retry ≥ Retry-After × time scale {}", o.time_scale),
    );
    let mut checked = 0;
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
                problems.push(format!(
                    "{name}: retried {} ms after Retry-After: {} asked for {} ms",
                    waited.as_millis(),
                    first.retry_after.as_deref().unwrap_or_default(),
                    required.as_millis()
                ));
                evidence.extend(excerpt(o, &[first.clone(), next.clone()]));
            }
        }
    }
    if checked == 0 {
        return j.skip("no attempt answered with Retry-After was followed by a retry");
    }
    if problems.is_empty() {
        j.pass(format!("{checked} retry wait(s) checked, all long enough"))
    } else {
        j.fail(
            problems.join("; "),
            "the client retried before the Retry-After it was given had passed",
        )
        .with_evidence(evidence)
    }
}

fn backoff(o: &Observed<'_>, doc: Option<&str>, min_first: Option<Duration>) -> Judgement {
    let min_first = Duration::from_secs_f64(
        min_first.unwrap_or(DEFAULT_MIN_FIRST_BACKOFF).as_secs_f64() * o.time_scale,
    );
    let j = Judgement::new(
        "retries after failures without Retry-After back off",
        format!(
            "each wait ≥ {} ms (scaled), and no wait shorter than half the one before",
            min_first.as_millis()
        ),
    );
    let mut problems = Vec::new();
    let mut evidence = Vec::new();
    let mut checked = 0;
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
                problems.push(format!(
                    "{name}: retried after {} ms (attempt {} → {})",
                    waited.as_millis(),
                    pair[0].attempt.unwrap_or(0),
                    pair[1].attempt.unwrap_or(0)
                ));
                evidence.extend(excerpt(o, &pair));
            } else if let Some(before) = previous
                && waited * 2 + SLACK < before
            {
                problems.push(format!(
                    "{name}: the wait shrank from {} ms to {} ms",
                    before.as_millis(),
                    waited.as_millis()
                ));
                evidence.extend(excerpt(o, &pair));
            }
            previous = Some(waited);
        }
    }
    if checked == 0 {
        return j.skip("no retry after a failure without Retry-After happened");
    }
    if problems.is_empty() {
        j.pass(format!("{checked} wait(s) checked"))
    } else {
        j.fail(
            problems.join("; "),
            "the client retried without backing off (exponential backoff with jitter is required)",
        )
        .with_evidence(evidence)
    }
}

fn same_key(o: &Observed<'_>, doc: Option<&str>) -> Judgement {
    let j = Judgement::new(
        "the same Idempotency-Key on every attempt of one document",
        "one key per document",
    );
    let mut problems = Vec::new();
    let mut evidence = Vec::new();
    let mut checked = 0;
    for (name, digest) in targets(o, doc) {
        let keys = o.evidence.distinct_keys(digest);
        checked += 1;
        if keys.len() > 1 {
            problems.push(format!("{name}: {} different keys", keys.len()));
            evidence.extend(excerpt(o, &attempts_of(o, digest)));
        }
    }
    if checked == 0 {
        return j.skip("the scenario has no document");
    }
    if problems.is_empty() {
        j.pass("one key per document")
    } else {
        j.fail(
            problems.join("; "),
            "a retry used a new Idempotency-Key: after a lost answer the center cannot tell a retry from a new document",
        )
        .with_evidence(evidence)
    }
}

fn refused_server_certificate(o: &Observed<'_>) -> Judgement {
    let j = Judgement::new(
        "the client refuses a server certificate it must not trust and sends nothing",
        "no completed handshake on a bad certificate, no request, no credentials",
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
            "no connection was made",
            "the client never connected, so it cannot be shown to refuse the certificate",
        );
    }
    let accepted: Vec<_> = bad.iter().filter(|c| c.handshake_ok).collect();
    let requested: u32 = bad.iter().map(|c| c.requests).sum();
    let ids: Vec<u64> = bad.iter().map(|c| c.id).collect();
    if accepted.is_empty() && requested == 0 {
        j.pass(format!(
            "{} connection(s), every handshake aborted by the client",
            bad.len()
        ))
    } else {
        j.fail(
            format!(
                "{} handshake(s) completed, {requested} request(s) sent on them",
                accepted.len()
            ),
            "the client accepted a server certificate it must refuse (expired or not yet valid by its own clock, wrong host or unknown CA) and sent its request — with the account password — to that server",
        )
        .with_evidence(o.evidence.excerpt(&[], &ids, 16))
    }
}

fn handshake_rejected(o: &Observed<'_>, text: &str) -> Judgement {
    let j = Judgement::new(
        format!("the center rejects the client certificate in the handshake ({text})"),
        format!("a handshake rejected with a reason containing {text:?}"),
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
            "no handshake was rejected",
            "the client did not present the certificate it was given (or never connected)",
        )
    } else {
        j.fail(
            reasons.join("; "),
            "the handshake failed for another reason",
        )
    }
}

fn no_unexpected(o: &Observed<'_>) -> Judgement {
    let j = Judgement::new(
        "no request the scenario does not expect",
        "no unexpected request",
    );
    let unexpected = o.evidence.unexpected();
    if unexpected.is_empty() {
        j.pass("none")
    } else {
        let lines = unexpected
            .iter()
            .map(|e| idlink_mock::evidence::render(e))
            .collect();
        j.fail(
            format!("{} unexpected request(s)", unexpected.len()),
            "the client sent requests the scenario's state machine did not expect (an extra upload, or one after the sequence ended)",
        )
        .with_evidence(lines)
    }
}

fn no_secrets(o: &Observed<'_>) -> Judgement {
    let j = Judgement::new(
        "no password or private key in the command's output",
        "no secret in stdout or stderr",
    );
    let mut leaks = Vec::new();
    for (i, run) in o.runs.iter().enumerate() {
        if run.output.contains("PRIVATE KEY-----") {
            leaks.push(format!("run {}: a PEM private key", i + 1));
        }
        if o.secrets
            .iter()
            .any(|s| !s.is_empty() && run.output.contains(s.as_str()))
        {
            leaks.push(format!("run {}: a password or key material", i + 1));
        }
    }
    if leaks.is_empty() {
        j.pass("none found")
    } else {
        j.fail(
            leaks.join("; "),
            "the uploader printed a secret: logs end up in tickets and CI artifacts (the report shows the output redacted)",
        )
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
        format!(
            "the center answered {want}{}",
            doc.map(|d| format!(" to {d}")).unwrap_or_default()
        ),
        format!("at least one answer {want}"),
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
    let seen: Vec<String> = attempts
        .iter()
        .map(|a| match (a.status, a.code) {
            (Some(s), Some(c)) => format!("{s} {c}"),
            (Some(s), None) => s.to_string(),
            _ => "no answer".to_owned(),
        })
        .collect();
    if attempts.iter().any(matches) {
        j.pass(seen.join(", "))
    } else {
        j.fail(
            if seen.is_empty() {
                "no upload arrived".to_owned()
            } else {
                seen.join(", ")
            },
            "the request that should have drawn this answer never reached the center in that form",
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
        format!("requests on {path}"),
        format!(
            "{}{}",
            min.map(|m| format!("at least {m} ")).unwrap_or_default(),
            max.map(|m| format!("at most {m}")).unwrap_or_default()
        ),
    );
    if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
        j.fail(format!("{n}"), format!("{n} request(s) on {path}"))
    } else {
        j.pass(format!("{n}"))
    }
}
