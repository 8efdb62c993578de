//! The report seen as a flat list of test cases: what JUnit and CTRF both need.
//!
//! One case per expectation, plus one synthetic case for a scenario whose verdict no
//! expectation carries (a harness error before any expectation was judged, a scenario skipped
//! as a whole). Without it, a CI server would show an errored scenario as an empty, green suite.
//! Names are unique across the whole report because CI servers key test history by name.

use std::collections::HashSet;

use idlink_i18n::Lang;

use super::text::{one_line, t};
use super::{ExpectationResult, Report, ScenarioResult, Verdict};

/// The separator between scenario ID and expectation in a case name.
pub(crate) const NAME_SEPARATOR: &str = " \u{203a} ";

/// One test case.
pub(crate) struct Case<'a> {
    /// The scenario it belongs to.
    pub scenario: &'a ScenarioResult,
    /// Unique within the report, e.g. `RETRY-503 › E1 same idempotency key on every attempt`.
    pub name: String,
    /// Its verdict.
    pub verdict: Verdict,
    /// What it reports on.
    pub subject: Subject<'a>,
}

/// What a case reports on.
pub(crate) enum Subject<'a> {
    /// One expectation.
    Expectation(&'a ExpectationResult),
    /// The scenario as a whole (`harness` for an error, `scenario` otherwise); the message is
    /// the scenario's reason.
    Scenario {
        /// The catalogue key of the words used when the scenario has no `reason`.
        fallback: &'static str,
    },
}

impl Case<'_> {
    /// The message a CI server shows next to the case: the expectation's message, or the
    /// scenario's reason.
    pub fn message(&self) -> String {
        self.message_in(Lang::En)
    }

    /// [`Case::message`] in `lang`.
    pub fn message_in(&self, lang: Lang) -> String {
        match &self.subject {
            Subject::Expectation(expectation) => expectation.message_in(lang),
            Subject::Scenario { fallback } => self
                .scenario
                .reason_in(lang)
                .unwrap_or_else(|| t(lang, fallback)),
        }
    }
}

/// All cases of a report, scenario by scenario, in report order.
pub(crate) fn cases(report: &Report) -> Vec<Vec<Case<'_>>> {
    let mut taken = HashSet::new();
    report
        .scenarios
        .iter()
        .map(|scenario| scenario_cases(scenario, &mut taken))
        .collect()
}

fn scenario_cases<'a>(scenario: &'a ScenarioResult, taken: &mut HashSet<String>) -> Vec<Case<'a>> {
    let mut cases = Vec::with_capacity(scenario.expectations.len() + 1);
    if needs_scenario_case(scenario) {
        let (label, fallback) = match scenario.verdict {
            Verdict::Error => ("harness", "report-case-harness-no-reason"),
            Verdict::Skip => ("scenario", "report-case-skip-no-reason"),
            Verdict::Fail => ("scenario", "report-case-fail-no-expectation"),
            Verdict::Pass => ("scenario", "report-case-pass"),
        };
        cases.push(Case {
            scenario,
            name: unique(taken, format!("{}{NAME_SEPARATOR}{label}", scenario.id)),
            verdict: scenario.verdict,
            subject: Subject::Scenario { fallback },
        });
    }
    for expectation in &scenario.expectations {
        let mut name = format!(
            "{}{NAME_SEPARATOR}{}",
            scenario.id,
            one_line(&expectation.id)
        );
        let description = one_line(&expectation.description);
        if !description.is_empty() {
            name.push(' ');
            name.push_str(&description);
        }
        cases.push(Case {
            scenario,
            name: unique(taken, name),
            verdict: expectation.verdict,
            subject: Subject::Expectation(expectation),
        });
    }
    cases
}

/// A scenario gets a case of its own when no expectation shows its verdict: it has none, or it
/// failed or errored without an expectation that did.
fn needs_scenario_case(scenario: &ScenarioResult) -> bool {
    scenario.expectations.is_empty()
        || (scenario.verdict.needs_attention()
            && !scenario
                .expectations
                .iter()
                .any(|e| e.verdict == scenario.verdict))
}

/// `name`, or `name (2)`, `name (3)`, ... if it is already taken.
fn unique(taken: &mut HashSet<String>, name: String) -> String {
    let mut candidate = name.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{name} ({n})");
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}
