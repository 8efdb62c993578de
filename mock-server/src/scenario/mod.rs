//! The scenario engine: declarative, stateful, timed, seeded misbehaviour of the center.
//!
//! A [`Scenario`] is loaded from a file ([`file`](mod@file), `docs/scenarios.md`) and checked whole before
//! anything runs: names resolve, every state is reachable, connection actions sit on connection
//! states, fixtures exist. The running center asks one decision point, the [`Engine`], what to
//! do with each connection and each request; the transport (`server`) and the HTTP handlers
//! (`http`) carry the decision out. Faults armed one by one (the admin API's `/admin/faults`,
//! [`crate::Fault`]) are the same actions, queued ahead of the machine.

pub mod engine;
pub mod file;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt;
use std::path::{Path, PathBuf};

pub use engine::{ConnectionFacts, Decision, Engine, EngineStatus, Fault, RequestFacts};
pub use file::{ActionSpec, Check, DocumentSpec, ExpectSpec, ScenarioFile, StateSpec};

/// Largest `generate.bytes` (the runner builds generated documents in memory).
pub const MAX_GENERATED_BYTES: u64 = 512 * 1024 * 1024;

/// Why a scenario was refused. Displayed as `file:line:column: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ScenarioError {
    /// The scenario file (`<inline>` for text loaded without a path).
    pub file: PathBuf,
    /// 1-based line, when the problem has a place in the file.
    pub line: Option<usize>,
    /// 1-based column.
    pub column: Option<usize>,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A checked scenario, ready to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The file as written.
    pub spec: ScenarioFile,
    /// Where it came from.
    pub path: PathBuf,
    /// The folder fixtures are relative to.
    pub base_dir: PathBuf,
}

impl Scenario {
    /// Reads and checks a scenario file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Scenario, ScenarioError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
            file: path.to_owned(),
            line: None,
            column: None,
            message: format!("cannot read the scenario file: {e}"),
        })?;
        let base = path.parent().map(Path::to_owned).unwrap_or_default();
        Self::from_toml(&text, path, &base)
    }

    /// Parses and checks scenario text; `path` names it in errors, fixtures are relative to
    /// `base_dir`.
    pub fn from_toml(text: &str, path: &Path, base_dir: &Path) -> Result<Scenario, ScenarioError> {
        let locate = |span: Option<std::ops::Range<usize>>, message: String| {
            let (line, column) = span
                .map(|s| line_column(text, s.start))
                .map_or((None, None), |(l, c)| (Some(l), Some(c)));
            ScenarioError {
                file: path.to_owned(),
                line,
                column,
                message,
            }
        };
        let spec: ScenarioFile = toml::from_str(text)
            .map_err(|e| locate(e.span(), e.message().trim_end().to_owned()))?;
        let scenario = Scenario {
            spec,
            path: path.to_owned(),
            base_dir: base_dir.to_owned(),
        };
        scenario
            .check()
            .map_err(|(needle, message)| locate(find_span(text, &needle), message))?;
        Ok(scenario)
    }

    /// The scenario's ID.
    pub fn id(&self) -> &str {
        &self.spec.id
    }

    /// The center configuration the scenario's setup describes: its one account (with this
    /// password), the consent records, the appliances, strictness and limits. The data
    /// directory is left unset (the caller decides).
    pub fn mock_config(&self, password: &str) -> crate::config::MockConfig {
        use crate::config::{AccountConfig, ApplianceConfig, ConsentConfig, Limits, MockConfig};
        use idlink_protocol::{FacilityCode, PatientId};
        let setup = &self.spec.setup;
        let facility = FacilityCode::parse(&setup.account.facility).ok();
        let accounts = facility
            .clone()
            .map(|facility| AccountConfig {
                id: setup.account.id.clone(),
                password: password.to_owned(),
                facility,
                mode: setup.account.mode,
                state: setup.account.state,
            })
            .into_iter()
            .collect();
        let patients: Vec<String> = match &setup.consents {
            Some(list) => list.clone(),
            None => self
                .spec
                .documents
                .iter()
                .filter(|d| d.destination.as_deref().is_none_or(|d| d == "storage"))
                .map(|d| d.patient_id.clone())
                .collect(),
        };
        let consents = patients
            .iter()
            .filter_map(|p| {
                Some(ConsentConfig {
                    facility: facility.clone()?,
                    patient_id: PatientId::parse(p).ok()?,
                })
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut limits = Limits {
            lockout_threshold: setup.lockout_threshold,
            ..Limits::default()
        };
        if let Some(max) = setup.max_body_bytes {
            limits.max_body_bytes = max;
        }
        MockConfig {
            strictness: setup.strictness,
            data_dir: None,
            limits,
            accounts,
            consents,
            appliances: setup
                .appliances
                .iter()
                .map(|id| ApplianceConfig {
                    id: id.clone(),
                    name: None,
                })
                .collect(),
            nsips_profile: None,
        }
    }

    /// The lowercase hex SHA-256 of every fixture file, by document name: how the engine
    /// recognises a document's uploads (generated documents have no file; whoever generates
    /// them supplies their digests).
    pub fn fixture_digests(&self) -> Result<HashMap<String, String>, ScenarioError> {
        use sha2::Digest as _;
        let mut digests = HashMap::new();
        for doc in &self.spec.documents {
            let Some(path) = self.fixture_path(doc) else {
                continue;
            };
            let bytes = std::fs::read(&path).map_err(|e| ScenarioError {
                file: self.path.clone(),
                line: None,
                column: None,
                message: format!(
                    "document {:?}: cannot read the fixture {}: {e}",
                    doc.name,
                    path.display()
                ),
            })?;
            digests.insert(doc.name.clone(), hex::encode(sha2::Sha256::digest(&bytes)));
        }
        Ok(digests)
    }

    /// Resolves a document's fixture path.
    pub fn fixture_path(&self, doc: &DocumentSpec) -> Option<PathBuf> {
        doc.file.as_ref().map(|f| self.base_dir.join(f))
    }

    /// Checks everything serde cannot; the error carries a text to find in the file (to place
    /// it) and the message.
    fn check(&self) -> Result<(), (Needle, String)> {
        let s = &self.spec;
        if s.schema != file::SCHEMA {
            return Err((
                Needle::Key("schema"),
                format!(
                    "schema {:?} is not supported: this engine reads {:?}",
                    s.schema,
                    file::SCHEMA
                ),
            ));
        }
        if s.id.is_empty()
            || !s
                .id
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err((
                Needle::Key("id"),
                format!("id {:?} must be 1 or more of A-Z, 0-9 and '-'", s.id),
            ));
        }
        for requirement in &s.verifies {
            if !requirement.starts_with("PROTO-") {
                return Err((
                    Needle::Text(requirement.clone()),
                    format!("{requirement:?} is not a requirement ID (PROTO-...)"),
                ));
            }
        }
        if !(s.run.time_scale > 0.0 && s.run.time_scale <= 1000.0) {
            return Err((
                Needle::Key("time_scale"),
                "time_scale must be above 0 (1.0 = real time)".to_owned(),
            ));
        }
        if idlink_protocol::FacilityCode::parse(&s.setup.account.facility).is_err() {
            return Err((
                Needle::Text(format!("\"{}\"", s.setup.account.facility)),
                format!(
                    "facility {:?} is not a 10-digit facility code",
                    s.setup.account.facility
                ),
            ));
        }
        if s.run.runs == 0 || s.run.runs > 10 {
            return Err((Needle::Key("runs"), "runs must be 1 to 10".to_owned()));
        }
        self.check_documents()?;
        if let Some(machine) = &s.machine {
            check_machine(machine, &self.document_names())?;
        }
        let names = self.document_names();
        let mut ids = BTreeSet::new();
        for expect in &s.expectations {
            if !ids.insert(expect.id.as_str()) {
                return Err((
                    Needle::Text(format!("\"{}\"", expect.id)),
                    format!("expectation id {:?} is used twice", expect.id),
                ));
            }
            if let Some(doc) = expect.check.doc()
                && !names.contains(doc)
            {
                return Err((
                    Needle::Text(format!("\"{doc}\"")),
                    format!(
                        "expectation {:?} names document {doc:?}, which the scenario does not have",
                        expect.id
                    ),
                ));
            }
        }
        Ok(())
    }

    fn document_names(&self) -> BTreeSet<&str> {
        self.spec
            .documents
            .iter()
            .map(|d| d.name.as_str())
            .collect()
    }

    fn check_documents(&self) -> Result<(), (Needle, String)> {
        let mut names = BTreeSet::new();
        for doc in &self.spec.documents {
            let at = || Needle::Text(format!("\"{}\"", doc.name));
            if !names.insert(doc.name.as_str()) {
                return Err((at(), format!("document name {:?} is used twice", doc.name)));
            }
            if !["hl7", "nsips", "pdf", "text"].contains(&doc.kind.as_str()) {
                return Err((
                    Needle::Text(format!("\"{}\"", doc.kind)),
                    format!(
                        "document {:?}: kind {:?} is not hl7, nsips, pdf or text",
                        doc.name, doc.kind
                    ),
                ));
            }
            match (&doc.file, &doc.generate) {
                (Some(file), None) => {
                    let path = self.base_dir.join(file);
                    if !path.is_file() {
                        return Err((
                            Needle::Text(format!("\"{file}\"")),
                            format!(
                                "document {:?}: fixture {} does not exist",
                                doc.name,
                                path.display()
                            ),
                        ));
                    }
                }
                (None, Some(generate)) if generate.bytes > MAX_GENERATED_BYTES => {
                    return Err((
                        at(),
                        format!(
                            "document {:?}: a generated document is at most {MAX_GENERATED_BYTES} bytes (it is built in memory)",
                            doc.name
                        ),
                    ));
                }
                (None, Some(_)) => {}
                _ => {
                    return Err((
                        at(),
                        format!(
                            "document {:?} needs exactly one of `file` and `generate`",
                            doc.name
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

impl Check {
    /// The document an expectation names, if any.
    pub fn doc(&self) -> Option<&str> {
        match self {
            Check::Stored { doc, .. }
            | Check::NotStored { doc }
            | Check::Attempts { doc, .. }
            | Check::RespectsRetryAfter { doc }
            | Check::Backoff { doc, .. }
            | Check::SameKey { doc }
            | Check::Answered { doc, .. } => doc.as_deref(),
            _ => None,
        }
    }
}

/// What to look for in the file to place an error.
enum Needle {
    /// `key =` at the start of a line.
    Key(&'static str),
    /// A literal.
    Text(String),
}

fn find_span(text: &str, needle: &Needle) -> Option<std::ops::Range<usize>> {
    match needle {
        Needle::Key(key) => {
            let mut offset = 0;
            for line in text.split_inclusive('\n') {
                let trimmed = line.trim_start();
                if let Some(rest) = trimmed.strip_prefix(key)
                    && rest.trim_start().starts_with('=')
                {
                    let start = offset + (line.len() - trimmed.len());
                    return Some(start..start + key.len());
                }
                offset += line.len();
            }
            None
        }
        Needle::Text(t) => text.find(t.as_str()).map(|i| i..i + t.len()),
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn check_machine(
    machine: &file::MachineSpec,
    documents: &BTreeSet<&str>,
) -> Result<(), (Needle, String)> {
    let quoted = |name: &str| Needle::Text(format!("\"{name}\""));
    let mut index = BTreeMap::new();
    for (i, state) in machine.states.iter().enumerate() {
        if index.insert(state.name.as_str(), i).is_some() {
            return Err((
                quoted(&state.name),
                format!("state {:?} is declared twice", state.name),
            ));
        }
    }
    if !index.contains_key(machine.initial.as_str()) {
        return Err((
            Needle::Key("initial"),
            format!(
                "initial state {:?} is not declared; states: {}",
                machine.initial,
                machine
                    .states
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    for state in &machine.states {
        if let Some(next) = &state.next
            && !index.contains_key(next.as_str())
        {
            return Err((
                Needle::Text(format!("next = \"{next}\"")),
                format!(
                    "state {:?} moves to {next:?}, which is not declared",
                    state.name
                ),
            ));
        }
        if let Some(p) = state.probability
            && !(0.0..=1.0).contains(&p)
        {
            return Err((
                quoted(&state.name),
                format!("state {:?}: probability must be 0 to 1", state.name),
            ));
        }
        if state.times == Some(0) {
            return Err((
                quoted(&state.name),
                format!("state {:?}: times must be at least 1", state.name),
            ));
        }
        let Some(on) = &state.on else {
            if state.action.is_some() || state.times.is_some() {
                return Err((
                    quoted(&state.name),
                    format!(
                        "state {:?} has an action but no `on`: say what it matches, or drop the action to make it terminal",
                        state.name
                    ),
                ));
            }
            continue;
        };
        if let Some(doc) = &on.doc
            && !documents.contains(doc.as_str())
        {
            return Err((
                quoted(doc),
                format!(
                    "state {:?} matches document {doc:?}, which the scenario does not have",
                    state.name
                ),
            ));
        }
        let action = state.action.clone().unwrap_or(ActionSpec::Normal);
        let connection_action = action.is_connection_action();
        match (on.event, connection_action) {
            (file::EventKind::Connection, false) if action != ActionSpec::Normal => {
                return Err((
                    quoted(&state.name),
                    format!(
                        "state {:?} matches connections, but {} acts on requests: use event = \"request\"",
                        state.name,
                        action.label()
                    ),
                ));
            }
            (file::EventKind::Request, true) => {
                return Err((
                    quoted(&state.name),
                    format!(
                        "state {:?}: {} acts on connections before TLS: add event = \"connection\" to `on`",
                        state.name,
                        action.label()
                    ),
                ));
            }
            _ => {}
        }
        if on.event == file::EventKind::Connection
            && (on.route.is_some()
                || on.method.is_some()
                || on.doc.is_some()
                || on.document_kind.is_some()
                || on.data_kind.is_some()
                || on.patient.is_some()
                || on.attempt.is_some())
        {
            return Err((
                quoted(&state.name),
                format!(
                    "state {:?} matches connections, which have no route, method or document yet: match on `listener` only",
                    state.name
                ),
            ));
        }
    }
    // Reachability from the initial state, following `next`.
    let mut reached = BTreeSet::new();
    let mut queue = VecDeque::from([machine.initial.as_str()]);
    while let Some(name) = queue.pop_front() {
        if !reached.insert(name) {
            continue;
        }
        if let Some(next) = index
            .get(name)
            .and_then(|&i| machine.states[i].next.as_deref())
        {
            queue.push_back(next);
        }
    }
    if let Some(lost) = machine
        .states
        .iter()
        .find(|s| !reached.contains(s.name.as_str()))
    {
        return Err((
            Needle::Text(format!("name = \"{}\"", lost.name)),
            format!(
                "state {:?} can never be reached from the initial state {:?}: no state moves to it with `next`",
                lost.name, machine.initial
            ),
        ));
    }
    Ok(())
}

impl ActionSpec {
    /// Whether the action acts on a connection before TLS (needs `event = "connection"`).
    pub fn is_connection_action(&self) -> bool {
        matches!(
            self,
            Self::Refuse
                | Self::StallHandshake { .. }
                | Self::TlsAlert { .. }
                | Self::ServerCertificate { .. }
        )
    }

    /// A short label for people (journal, web view, reports).
    pub fn label(&self) -> String {
        let secs = |d: &std::time::Duration| format!("{}s", d.as_secs_f64());
        match self {
            Self::Normal => "normal".to_owned(),
            Self::Problem {
                code,
                status,
                retry_after,
                retry_after_date,
            } => {
                let mut label =
                    format!("problem {} {code}", status.unwrap_or_else(|| code.status()));
                if let Some(ra) = retry_after {
                    label.push_str(&format!(
                        ", Retry-After {}{}",
                        secs(ra),
                        if *retry_after_date {
                            " (as a date)"
                        } else {
                            ""
                        }
                    ));
                }
                label
            }
            Self::Delay { before_headers } => format!("delay {}", secs(before_headers)),
            Self::Dribble { chunks, total } => {
                format!("dribble {chunks} chunks over {}", secs(total))
            }
            Self::ResetBeforeBody => "reset before body".to_owned(),
            Self::CloseAfterBodyBytes { bytes } => format!("close after {bytes} body bytes"),
            Self::StallBody {
                after_bytes,
                duration,
            } => format!(
                "stall body after {after_bytes} bytes for {}",
                secs(duration)
            ),
            Self::AnswerEarly { code, .. } => format!("answer early ({code}) then close"),
            Self::StoreThenReset => "store then reset".to_owned(),
            Self::StoreThenHang => "store then hang".to_owned(),
            Self::EmptyResponse => "empty response".to_owned(),
            Self::GarbageThenClose { bytes } => format!("{bytes} garbage bytes then close"),
            Self::MalformedResponse => "malformed response".to_owned(),
            Self::WrongContentLength => "wrong Content-Length".to_owned(),
            Self::Refuse => "refuse connection".to_owned(),
            Self::StallHandshake { duration } => format!("stall handshake {}", secs(duration)),
            Self::TlsAlert { alert } => format!("TLS alert {}", alert.code()),
            Self::ServerCertificate { variant } => {
                format!("server certificate {}", variant.as_str())
            }
            Self::Maintenance {
                duration,
                retry_after,
            } => format!(
                "maintenance for {}, Retry-After {}",
                secs(duration),
                secs(retry_after)
            ),
            Self::RateLimit { limit, window } => {
                format!("rate limit {limit} per {}", secs(window))
            }
            Self::Restart { down_for } => format!("restart, down for {}", secs(down_for)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        assert_eq!(line_column("ab\ncd", 0), (1, 1));
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("日本\nx", 7), (2, 1));
    }
}
