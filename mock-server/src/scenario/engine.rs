//! The one decision point: what the center does with this connection or this request.
//!
//! The engine holds the scenario's state machine, the counters, the maintenance and rate-limit
//! windows and the seeded random generator, behind one blocking mutex (every decision is short
//! and never awaits, and one lock makes decisions happen in one order, the order the journal
//! shows). It decides; it never sleeps, reads or writes a socket: the transport carries the
//! decision out.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use idlink_protocol::ProblemCode;
use serde::{Deserialize, Serialize};

use super::Scenario;
use super::file::{ActionSpec, EventKind, MatchSpec, Route};
use crate::clock::Clock;
use crate::journal::{Journal, JournalEvent, Listener};

/// What is known about a request when it is decided: its headers as declared, before any check.
#[derive(Debug, Clone, Default)]
pub struct RequestFacts {
    /// The listener.
    pub listener: Option<Listener>,
    /// The route.
    pub route: Option<Route>,
    /// HTTP method.
    pub method: String,
    /// Declared `Content-Digest` (lowercase hex SHA-256), uploads only.
    pub digest: Option<String>,
    /// Declared `IDLink-Document-Kind`.
    pub document_kind: Option<String>,
    /// Declared `IDLink-Data-Kind`.
    pub data_kind: Option<String>,
    /// Declared `IDLink-Patient-Id`.
    pub patient: Option<String>,
    /// The request ID.
    pub request_id: String,
    /// The connection.
    pub connection: Option<u64>,
}

/// What is known about a new connection.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionFacts {
    /// The listener.
    pub listener: Listener,
    /// The connection number.
    pub connection: u64,
}

/// The engine's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// What to do.
    pub action: ActionSpec,
    /// The state whose rule fired (`armed` for an injected fault), when one did.
    pub state: Option<String>,
    /// The attempt number of this document (same declared digest), uploads only.
    pub attempt: Option<u32>,
    /// True when no state expected the request.
    pub unexpected: bool,
}

impl Decision {
    fn normal(attempt: Option<u32>) -> Self {
        Self {
            action: ActionSpec::Normal,
            state: None,
            attempt,
            unexpected: false,
        }
    }
}

/// The engine's state for people and the admin API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineStatus {
    /// The running scenario's ID.
    pub scenario: Option<String>,
    /// The current state.
    pub state: Option<String>,
    /// Every state entered, in order, from the initial one.
    pub visited: Vec<String>,
    /// Firings counted in the current state.
    pub fired_in_state: u32,
    /// Actions fired so far.
    pub fired: u64,
    /// Unexpected requests so far.
    pub unexpected: u64,
    /// Faults armed through the admin API, with their remaining counts.
    pub armed: Vec<Fault>,
    /// The time scale.
    pub time_scale: f64,
    /// The seed.
    pub seed: u64,
}

/// A fault armed one by one (the admin API's `POST /admin/faults`, tests): an engine action for
/// the next `times` uploads, queued ahead of the state machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// The action (`{"kind": "problem", "code": "maintenance", "retry_after": "2s"}`).
    pub action: ActionSpec,
    /// How many uploads it applies to.
    pub times: u32,
}

impl Fault {
    /// `action` for the next `times` uploads.
    pub fn new(action: ActionSpec, times: u32) -> Self {
        Self { action, times }
    }

    /// A problem answer, with `Retry-After` in whole (nominal) seconds.
    pub fn problem(code: ProblemCode, retry_after_seconds: Option<u64>, times: u32) -> Self {
        Self::new(
            ActionSpec::Problem {
                code,
                status: None,
                retry_after: retry_after_seconds.map(Duration::from_secs),
                retry_after_date: false,
            },
            times,
        )
    }

    /// Store the document durably, then reset instead of answering.
    pub fn reset_after_store(times: u32) -> Self {
        Self::new(ActionSpec::StoreThenReset, times)
    }

    /// Reset before reading the body.
    pub fn reset_before_body(times: u32) -> Self {
        Self::new(ActionSpec::ResetBeforeBody, times)
    }

    /// Process normally, answer late (nominal milliseconds).
    pub fn delay_ms(millis: u64, times: u32) -> Self {
        Self::new(
            ActionSpec::Delay {
                before_headers: Duration::from_millis(millis),
            },
            times,
        )
    }
}

/// The decision point. One per center.
#[derive(Debug)]
pub struct Engine {
    inner: Mutex<Inner>,
    clock: Arc<Clock>,
    journal: Arc<Journal>,
}

#[derive(Debug)]
struct Inner {
    scenario: Option<Arc<Scenario>>,
    /// Document digests (hex) by scenario document name.
    digests: HashMap<String, String>,
    current: usize,
    fired_in_state: u32,
    visited: Vec<String>,
    /// Start of the current state's maintenance or rate-limit window, and requests counted in it.
    window: Option<(Instant, u32)>,
    rng: SplitMix64,
    attempts: HashMap<String, u32>,
    armed: VecDeque<Fault>,
    fired: u64,
    unexpected: u64,
    /// When the center comes back after a restart.
    down_until: Option<Instant>,
    /// The run of the client command in progress (from 1).
    run: u32,
    seed: u64,
}

impl Engine {
    /// An engine with no scenario: everything is processed normally.
    pub fn new(clock: Arc<Clock>, journal: Arc<Journal>) -> Self {
        Self {
            inner: Mutex::new(Inner {
                scenario: None,
                digests: HashMap::new(),
                current: 0,
                fired_in_state: 0,
                visited: Vec::new(),
                window: None,
                rng: SplitMix64(0),
                attempts: HashMap::new(),
                armed: VecDeque::new(),
                fired: 0,
                unexpected: 0,
                down_until: None,
                run: 1,
                seed: 0,
            }),
            clock,
            journal,
        }
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // Every update completes before the lock is released; a poisoned state is consistent.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The clock the engine's windows run on.
    pub fn clock(&self) -> &Arc<Clock> {
        &self.clock
    }

    /// Loads a scenario (replacing any other): the machine starts in its initial state, the
    /// generator from its seed. `digests` maps document names to the lowercase hex SHA-256 of
    /// their bytes (how requests are recognised).
    pub fn load(&self, scenario: Arc<Scenario>, digests: HashMap<String, String>, seed: u64) {
        let mut inner = self.inner();
        let initial = scenario
            .spec
            .machine
            .as_ref()
            .and_then(|m| m.states.iter().position(|s| s.name == m.initial))
            .unwrap_or(0);
        inner.current = initial;
        inner.fired_in_state = 0;
        inner.window = None;
        inner.visited = scenario
            .spec
            .machine
            .as_ref()
            .map(|m| vec![m.initial.clone()])
            .unwrap_or_default();
        inner.rng = SplitMix64(seed);
        inner.seed = seed;
        inner.attempts.clear();
        inner.fired = 0;
        inner.unexpected = 0;
        inner.digests = digests;
        self.journal.record(
            None,
            None,
            JournalEvent::ScenarioLoaded {
                scenario: scenario.spec.id.clone(),
                seed,
                time_scale: self.clock.scale(),
                initial: scenario.spec.machine.as_ref().map(|m| m.initial.clone()),
            },
        );
        inner.scenario = Some(scenario);
    }

    /// Removes the scenario and every armed fault (`/admin/reset`).
    pub fn reset(&self) {
        let mut inner = self.inner();
        inner.scenario = None;
        inner.armed.clear();
        inner.attempts.clear();
        inner.visited.clear();
        inner.window = None;
        inner.down_until = None;
    }

    /// Arms a fault for the next `times` uploads; faults armed earlier fire first.
    pub fn inject(&self, fault: Fault) {
        if fault.times > 0 {
            self.inner().armed.push_back(fault);
        }
    }

    /// Disarms every armed fault.
    pub fn clear(&self) {
        self.inner().armed.clear();
    }

    /// The armed faults with their remaining counts.
    pub fn pending(&self) -> Vec<Fault> {
        self.inner().armed.iter().cloned().collect()
    }

    /// The current state, the states visited and the counters.
    pub fn status(&self) -> EngineStatus {
        let inner = self.inner();
        let machine = inner
            .scenario
            .as_ref()
            .and_then(|s| s.spec.machine.as_ref());
        EngineStatus {
            scenario: inner.scenario.as_ref().map(|s| s.spec.id.clone()),
            state: machine.map(|m| m.states[inner.current].name.clone()),
            visited: inner.visited.clone(),
            fired_in_state: inner.fired_in_state,
            fired: inner.fired,
            unexpected: inner.unexpected,
            armed: inner.armed.iter().cloned().collect(),
            time_scale: self.clock.scale(),
            seed: inner.seed,
        }
    }

    /// The runner starts run `n` of the client command: states that match an earlier run are
    /// left for their `next`.
    pub fn begin_run(&self, n: u32) {
        let mut inner = self.inner();
        inner.run = n;
        self.journal
            .record(None, None, JournalEvent::RunStarted { run: n });
        let Some(scenario) = inner.scenario.clone() else {
            return;
        };
        let Some(machine) = scenario.spec.machine.as_ref() else {
            return;
        };
        for _ in 0..machine.states.len() {
            let state = &machine.states[inner.current];
            let earlier = state
                .on
                .as_ref()
                .and_then(|on| on.run)
                .is_some_and(|r| r < n);
            if !earlier || !self.advance(&mut inner, &scenario) {
                break;
            }
        }
    }

    /// While the center is "restarting", connections are refused.
    pub fn down(&self) -> bool {
        let mut inner = self.inner();
        match inner.down_until {
            Some(until) if Instant::now() < until => true,
            Some(_) => {
                inner.down_until = None;
                false
            }
            None => false,
        }
    }

    /// Marks the center down for a nominal duration (a restart).
    pub fn go_down(&self, nominal: Duration) {
        self.inner().down_until = Some(Instant::now() + self.clock.scaled(nominal));
    }

    /// Draws `n` bytes from the scenario's generator (garbage actions).
    pub fn random_bytes(&self, n: usize) -> Vec<u8> {
        let mut inner = self.inner();
        (0..n).map(|_| inner.rng.next() as u8).collect()
    }

    /// Decides what to do with a new connection, before TLS.
    pub fn decide_connection(&self, facts: ConnectionFacts) -> Decision {
        let mut inner = self.inner();
        let Some(scenario) = inner.scenario.clone() else {
            return Decision::normal(None);
        };
        let Some(machine) = scenario.spec.machine.as_ref() else {
            return Decision::normal(None);
        };
        let state = &machine.states[inner.current];
        let Some(on) = &state.on else {
            return Decision::normal(None);
        };
        if on.event != EventKind::Connection
            || on.listener.is_some_and(|l| l.listener() != facts.listener)
        {
            return Decision::normal(None);
        }
        self.fire(
            &mut inner,
            &scenario,
            None,
            Hit {
                request_id: None,
                connection: Some(facts.connection),
                listener: Some(facts.listener),
                attempt: None,
            },
        )
    }

    /// Counts an upload attempt of the document with this declared digest; returns its number
    /// (from 1). Called once per request, before [`Engine::decide_request`], so the journal can
    /// show the request (with its attempt number) before what was decided for it.
    pub fn count_attempt(&self, facts: &RequestFacts) -> Option<u32> {
        match (&facts.route, &facts.digest) {
            (Some(Route::Upload), Some(digest)) => {
                let mut inner = self.inner();
                let n = inner.attempts.entry(digest.clone()).or_insert(0);
                *n += 1;
                Some(*n)
            }
            _ => None,
        }
    }

    /// Decides what to do with a request (`attempt` from [`Engine::count_attempt`]). Journals
    /// the action that fired, the state change and an unexpected request, in that order.
    pub fn decide_request(&self, facts: &RequestFacts, attempt: Option<u32>) -> Decision {
        let mut inner = self.inner();
        // Armed faults first: they apply to uploads, in the order armed.
        if facts.route == Some(Route::Upload)
            && let Some(front) = inner.armed.front_mut()
        {
            let action = front.action.clone();
            front.times -= 1;
            if front.times == 0 {
                inner.armed.pop_front();
            }
            inner.fired += 1;
            drop(inner);
            let decision = Decision {
                action,
                state: Some("armed".to_owned()),
                attempt,
                unexpected: false,
            };
            self.journal_fired(
                "armed",
                &decision.action,
                Some(&facts.request_id),
                facts.connection,
                facts.listener,
                attempt,
            );
            return decision;
        }
        let Some(scenario) = inner.scenario.clone() else {
            return Decision::normal(attempt);
        };
        let Some(machine) = scenario.spec.machine.as_ref() else {
            return Decision::normal(attempt);
        };
        // At most one pass per state: a window that has ended moves the machine on, and the
        // request is decided again by the next state.
        for _ in 0..=machine.states.len() {
            let state = &machine.states[inner.current];
            let allowed = facts.route.is_some_and(|r| machine.allow.contains(&r));
            let matched = state.on.as_ref().is_some_and(|on| {
                matches(on, facts, attempt, &inner.digests) && on.run.is_none_or(|r| r == inner.run)
            });
            if !matched {
                if allowed {
                    return Decision::normal(attempt);
                }
                inner.unexpected += 1;
                let state_name = state.name.clone();
                drop(inner);
                self.journal.record(
                    facts.connection,
                    facts.listener,
                    JournalEvent::Unexpected {
                        request_id: facts.request_id.clone(),
                        state: state_name.clone(),
                        reason: format!(
                            "state {state_name:?} does not expect {} {}",
                            facts.method,
                            route_name(facts.route)
                        ),
                    },
                );
                return Decision {
                    unexpected: true,
                    ..Decision::normal(attempt)
                };
            }
            let action = state.action.clone().unwrap_or(ActionSpec::Normal);
            let now = Instant::now();
            match action {
                ActionSpec::Maintenance {
                    duration,
                    retry_after,
                } => {
                    let (start, count) = *inner.window.get_or_insert((now, 0));
                    if now < start + self.clock.scaled(duration) {
                        inner.window = Some((start, count + 1));
                        let problem = ActionSpec::Problem {
                            code: ProblemCode::Maintenance,
                            status: None,
                            retry_after: Some(retry_after),
                            retry_after_date: false,
                        };
                        return self.fired_request(inner, &scenario, problem, facts, attempt);
                    }
                    if !self.advance(&mut inner, &scenario) {
                        return Decision::normal(attempt);
                    }
                }
                ActionSpec::RateLimit { limit, window } => {
                    let scaled = self.clock.scaled(window);
                    let (start, count) = match inner.window {
                        Some((start, count)) if now < start + scaled => (start, count),
                        _ => (now, 0),
                    };
                    inner.window = Some((start, count + 1));
                    if count < limit {
                        return Decision::normal(attempt);
                    }
                    let left = (start + scaled).saturating_duration_since(now);
                    // Nominal seconds on the wire, rounded up, at least 1.
                    let nominal = left.as_secs_f64() / self.clock.scale();
                    let problem = ActionSpec::Problem {
                        code: ProblemCode::RateLimited,
                        status: None,
                        retry_after: Some(Duration::from_secs(nominal.ceil().max(1.0) as u64)),
                        retry_after_date: false,
                    };
                    return self.fired_request(inner, &scenario, problem, facts, attempt);
                }
                action => {
                    if let Some(p) = state.probability
                        && inner.rng.unit() >= p
                    {
                        return Decision::normal(attempt);
                    }
                    return self.fired_request(inner, &scenario, action, facts, attempt);
                }
            }
        }
        Decision::normal(attempt)
    }

    fn fired_request(
        &self,
        mut inner: MutexGuard<'_, Inner>,
        scenario: &Arc<Scenario>,
        action: ActionSpec,
        facts: &RequestFacts,
        attempt: Option<u32>,
    ) -> Decision {
        self.fire(
            &mut inner,
            scenario,
            Some(action),
            Hit {
                request_id: Some(&facts.request_id),
                connection: facts.connection,
                listener: facts.listener,
                attempt,
            },
        )
    }

    /// Counts a firing in the current state, journals it, then moves on when the state's
    /// `times` are used up (so the journal reads: action fired, then state changed).
    fn fire(
        &self,
        inner: &mut Inner,
        scenario: &Arc<Scenario>,
        action: Option<ActionSpec>,
        hit: Hit<'_>,
    ) -> Decision {
        let Some(machine) = scenario.spec.machine.as_ref() else {
            return Decision::normal(None);
        };
        let state = &machine.states[inner.current];
        let action = action
            .or_else(|| state.action.clone())
            .unwrap_or(ActionSpec::Normal);
        inner.fired += 1;
        inner.fired_in_state += 1;
        let name = state.name.clone();
        if action != ActionSpec::Normal {
            self.journal_fired(
                &name,
                &action,
                hit.request_id,
                hit.connection,
                hit.listener,
                hit.attempt,
            );
        }
        if state.times.is_some_and(|t| inner.fired_in_state >= t) {
            self.advance(inner, scenario);
        }
        Decision {
            action,
            state: Some(name),
            attempt: hit.attempt,
            unexpected: false,
        }
    }

    /// Moves to the current state's `next`; false when it has none.
    fn advance(&self, inner: &mut Inner, scenario: &Arc<Scenario>) -> bool {
        let Some(machine) = scenario.spec.machine.as_ref() else {
            return false;
        };
        let from = &machine.states[inner.current];
        let Some(next) = from.next.as_ref() else {
            return false;
        };
        let Some(to) = machine.states.iter().position(|s| &s.name == next) else {
            return false;
        };
        self.journal.record(
            None,
            None,
            JournalEvent::StateChanged {
                from: from.name.clone(),
                to: next.clone(),
            },
        );
        inner.current = to;
        inner.fired_in_state = 0;
        inner.window = None;
        inner.visited.push(next.clone());
        true
    }

    fn journal_fired(
        &self,
        state: &str,
        action: &ActionSpec,
        request_id: Option<&str>,
        connection: Option<u64>,
        listener: Option<Listener>,
        attempt: Option<u32>,
    ) {
        self.journal.record(
            connection,
            listener,
            JournalEvent::ActionFired {
                state: state.to_owned(),
                label: action.label(),
                action: action.clone(),
                request_id: request_id.map(str::to_owned),
                attempt,
            },
        );
    }
}

/// What a firing hit, for the journal.
#[derive(Debug, Clone, Copy)]
struct Hit<'a> {
    request_id: Option<&'a str>,
    connection: Option<u64>,
    listener: Option<Listener>,
    attempt: Option<u32>,
}

fn route_name(route: Option<Route>) -> &'static str {
    match route {
        Some(Route::Upload) => "upload",
        Some(Route::Whoami) => "whoami",
        Some(Route::Receipt) => "receipt",
        Some(Route::Other) | None => "request",
    }
}

fn matches(
    on: &MatchSpec,
    facts: &RequestFacts,
    attempt: Option<u32>,
    digests: &HashMap<String, String>,
) -> bool {
    let eq = |want: &Option<String>, have: &Option<String>| {
        want.as_ref()
            .is_none_or(|w| have.as_ref().is_some_and(|h| h.eq_ignore_ascii_case(w)))
    };
    on.event == EventKind::Request
        && on
            .listener
            .is_none_or(|l| Some(l.listener()) == facts.listener)
        && on.route.is_none_or(|r| Some(r) == facts.route)
        && on
            .method
            .as_ref()
            .is_none_or(|m| m.eq_ignore_ascii_case(&facts.method))
        && on.doc.as_ref().is_none_or(|doc| {
            digests
                .get(doc)
                .is_some_and(|d| facts.digest.as_deref() == Some(d.as_str()))
        })
        && eq(&on.document_kind, &facts.document_kind)
        && eq(&on.data_kind, &facts.data_kind)
        && on
            .patient
            .as_ref()
            .is_none_or(|p| facts.patient.as_deref() == Some(p.as_str()))
        && on.attempt.is_none_or(|a| attempt == Some(a))
}

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and its output for a seed never changes
/// with a crate upgrade, which a replayable schedule needs.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_is_stable_for_a_seed() {
        let mut a = SplitMix64(42);
        let mut b = SplitMix64(42);
        let first: Vec<u64> = (0..4).map(|_| a.next()).collect();
        assert_eq!(first, (0..4).map(|_| b.next()).collect::<Vec<_>>());
        // Reference value of SplitMix64 for seed 0 (first output).
        assert_eq!(SplitMix64(0).next(), 0xE220_A839_7B1D_CDAF);
    }
}
