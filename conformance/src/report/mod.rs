//! The report of one conformance run: the data model every rendering is made from.
//!
//! The JSON form of [`Report`] is the source of truth (schema [`REPORT_SCHEMA`], documented in
//! `docs/conformance-reports.md`); console, JUnit XML, HTML and CTRF are renderings of it:
//!
//! - [`json`]: the versioned JSON (write and read back);
//! - [`junit`]: JUnit XML for CI servers (GitLab, Jenkins);
//! - [`html`]: a self-contained HTML page for people;
//! - [`console`]: the fixed-width summary printed at the end of a run;
//! - [`ctrf`]: CTRF JSON, a secondary machine format.
//!
//! Every rendering is a pure function of the [`Report`]: none reads the clock or the environment,
//! so the same report always renders to the same bytes.

use std::fmt;

use idlink_i18n::{Lang, Message};
use serde::{Deserialize, Serialize};

mod cases;
pub mod console;
pub mod ctrf;
pub mod html;
pub mod json;
pub mod junit;
mod text;

pub use json::{ReportError, from_json, to_json};

/// The versioned schema identifier of the JSON report.
pub const REPORT_SCHEMA: &str = "idlink-conformance-report/1";

/// One run of a suite against one client command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`REPORT_SCHEMA`].
    pub schema: String,
    /// The tool that produced it.
    pub tool: Tool,
    /// The suite directory as given.
    pub suite: String,
    /// The client command as given (secrets redacted).
    pub client_command: String,
    /// `command` or `folder`.
    pub client_mode: String,
    /// The run's seed (every scenario's own seed unless the run overrides it).
    pub seed: u64,
    /// The run's time scale (1.0 = nominal, real seconds).
    pub time_scale: f64,
    /// True when `time_scale != 1.0`: a scaled run cannot certify.
    pub scaled: bool,
    /// When the run started, RFC 3339 UTC.
    pub started_at: String,
    /// Wall time of the whole run.
    pub duration_ms: u64,
    /// Totals.
    pub summary: Summary,
    /// One entry per scenario, in suite order.
    pub scenarios: Vec<ScenarioResult>,
    /// Requirement coverage: which scenarios verified which `PROTO-*` requirement.
    pub coverage: Vec<RequirementCoverage>,
}

/// The program that wrote the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    /// `idlink-conformance`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// Totals over scenarios and over expectations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Scenario verdicts.
    pub scenarios: Counts,
    /// Expectation verdicts.
    pub expectations: Counts,
}

/// Counts per verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Everything counted.
    pub total: usize,
    /// Passed.
    pub passed: usize,
    /// Failed: the uploader did not conform.
    pub failed: usize,
    /// Skipped, with a reason.
    pub skipped: usize,
    /// Harness errors: never blamed on the uploader.
    pub errored: usize,
}

impl Counts {
    /// Adds one verdict.
    pub fn add(&mut self, verdict: Verdict) {
        self.total += 1;
        match verdict {
            Verdict::Pass => self.passed += 1,
            Verdict::Fail => self.failed += 1,
            Verdict::Skip => self.skipped += 1,
            Verdict::Error => self.errored += 1,
        }
    }
}

/// A verdict, for an expectation or a whole scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Met.
    Pass,
    /// Not met by the uploader.
    Fail,
    /// Not exercised (the reason says why).
    Skip,
    /// The harness could not run or judge it; not the uploader's fault.
    Error,
}

/// How binding a scenario is (FHIR TestScript's `scope.conformance`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Every uploader must pass it.
    Required,
    /// Recommended; a failure is reported but does not fail the run.
    Optional,
    /// Required, and warnings count as failures.
    Strict,
}

/// Whether a failed expectation fails the scenario or only warns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A failure fails the scenario.
    Error,
    /// A failure is reported as a warning (fails only `strict` scenarios).
    Warning,
}

/// The result of one scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioResult {
    /// The scenario ID, e.g. `RETRY-503-LOST-ACK`.
    pub id: String,
    /// Its title.
    pub title: String,
    /// One sentence: what it checks.
    pub summary: String,
    /// The scenario file, relative to the suite directory.
    pub file: String,
    /// Its conformance level.
    pub level: Level,
    /// The `PROTO-*` requirements it verifies.
    pub verifies: Vec<String>,
    /// The scenario's verdict: `error` if the harness failed, else `fail` if an error-severity
    /// expectation failed (or a warning one in a `strict` scenario), else `skip` if every
    /// expectation was skipped, else `pass`.
    pub verdict: Verdict,
    /// Why it was skipped or errored, when it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `reason` as a catalogue message, for the renderings in another language; not in the JSON
    /// (see [`ExpectationResult::texts`]).
    #[serde(skip)]
    pub reason_text: Option<Message>,
    /// The seed it ran with.
    pub seed: u64,
    /// The time scale it ran with.
    pub time_scale: f64,
    /// Wall time.
    pub duration_ms: u64,
    /// Each run of the client command.
    pub runs: Vec<CommandRun>,
    /// Each expectation with its verdict.
    pub expectations: Vec<ExpectationResult>,
    /// The engine actions that fired, in order (what a replay forces).
    pub actions_fired: Vec<FiredAction>,
    /// The machine states visited, in order, starting with the initial state.
    pub states_visited: Vec<String>,
}

/// One run of the client command.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommandRun {
    /// 1 for the first run.
    pub index: u32,
    /// The exit code, when it exited.
    pub exit_code: Option<i32>,
    /// The signal that ended it, when one did (Unix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<i32>,
    /// True when the runner killed it at the scenario's deadline.
    pub timed_out: bool,
    /// Wall time.
    pub duration_ms: u64,
    /// stdout and stderr interleaved as captured, secrets redacted, truncated to a bounded size.
    pub output: String,
}

/// The verdict on one expectation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpectationResult {
    /// Unique within the scenario, e.g. `E1` or `stored-once`.
    pub id: String,
    /// What is expected, in words.
    pub description: String,
    /// The requirement it verifies, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirement: Option<String>,
    /// Error or warning.
    pub severity: Severity,
    /// The verdict.
    pub verdict: Verdict,
    /// What was expected (short).
    pub expected: String,
    /// What was observed (short).
    pub actual: String,
    /// Why it failed or was skipped, in words; empty when it passed.
    pub message: String,
    /// The journal lines (rendered for people) that support the verdict.
    pub evidence: Vec<String>,
    /// `description`, `expected`, `actual` and `message` as catalogue messages, so the reports
    /// people read can show them in Japanese. Not in the JSON (its texts stay English, the
    /// schema unchanged): a report read back from JSON has none, and renders the English.
    #[serde(skip)]
    pub texts: Option<ExpectationTexts>,
}

/// The explanation texts of an [`ExpectationResult`] as catalogue messages.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectationTexts {
    /// What is expected, in words.
    pub description: Message,
    /// What was expected (short).
    pub expected: Message,
    /// What was observed (short).
    pub actual: Message,
    /// Why it failed or was skipped.
    pub message: Message,
}

/// An engine action that fired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FiredAction {
    /// Milliseconds since the scenario's center started.
    pub at_ms: u64,
    /// The machine state whose rule fired.
    pub state: String,
    /// The action, as written in the scenario (e.g. `problem 503 maintenance, Retry-After 10`).
    pub action: String,
    /// The request it hit, if it hit one (connection-level actions have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The connection it hit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<u64>,
}

/// Which scenarios verified a requirement in this run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequirementCoverage {
    /// `PROTO-*`.
    pub requirement: String,
    /// Scenario IDs that verify it.
    pub scenarios: Vec<String>,
    /// `fail` if any of them failed, `error` if any errored, else `pass` (or `skip`).
    pub verdict: Verdict,
}

impl Verdict {
    /// The lowercase name used in the JSON (`pass`, `fail`, `skip`, `error`).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Skip => "skip",
            Verdict::Error => "error",
        }
    }

    /// The uppercase label used in tables and badges (`PASS`, `FAIL`, `SKIP`, `ERROR`).
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Skip => "SKIP",
            Verdict::Error => "ERROR",
        }
    }

    /// True for `fail` and `error`: the verdicts a reader has to look at.
    pub fn needs_attention(self) -> bool {
        matches!(self, Verdict::Fail | Verdict::Error)
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Level {
    /// The lowercase name used in the JSON (`required`, `optional`, `strict`).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Required => "required",
            Level::Optional => "optional",
            Level::Strict => "strict",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Severity {
    /// The lowercase name used in the JSON (`error`, `warning`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ExpectationResult {
    /// [`ExpectationResult::description`] in `lang`.
    pub fn description_in(&self, lang: Lang) -> String {
        self.text_in(lang, |t| &t.description, &self.description)
    }

    /// [`ExpectationResult::expected`] in `lang`.
    pub fn expected_in(&self, lang: Lang) -> String {
        self.text_in(lang, |t| &t.expected, &self.expected)
    }

    /// [`ExpectationResult::actual`] in `lang`.
    pub fn actual_in(&self, lang: Lang) -> String {
        self.text_in(lang, |t| &t.actual, &self.actual)
    }

    /// [`ExpectationResult::message`] in `lang`.
    pub fn message_in(&self, lang: Lang) -> String {
        self.text_in(lang, |t| &t.message, &self.message)
    }

    /// English is always the stored string (what the JSON says), so the renderings agree with
    /// it byte for byte; another language comes from the messages when the result has them.
    fn text_in(
        &self,
        lang: Lang,
        pick: impl Fn(&ExpectationTexts) -> &Message,
        english: &str,
    ) -> String {
        match (&self.texts, lang) {
            (Some(texts), Lang::Ja) => pick(texts).render(lang),
            _ => english.to_owned(),
        }
    }
}

impl ScenarioResult {
    /// [`ScenarioResult::reason`] in `lang` (English is the stored string).
    pub fn reason_in(&self, lang: Lang) -> Option<String> {
        match (&self.reason_text, lang) {
            (Some(text), Lang::Ja) => Some(text.render(lang)),
            _ => self.reason.clone(),
        }
    }

    /// The expectations whose verdict is `fail` or `error`, in order.
    pub fn failing_expectations(&self) -> impl Iterator<Item = &ExpectationResult> {
        self.expectations
            .iter()
            .filter(|e| e.verdict.needs_attention())
    }

    /// Counts of this scenario's expectation verdicts.
    pub fn expectation_counts(&self) -> Counts {
        let mut counts = Counts::default();
        for expectation in &self.expectations {
            counts.add(expectation.verdict);
        }
        counts
    }
}
