//! The runner: for each scenario an isolated center (own ports, own data directory), a fresh
//! work directory, the client command run as many times as the scenario says, then grading.
//!
//! Scenarios run in parallel up to `jobs`; each is independent, so the order of completion does
//! not matter and the report keeps suite order.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use idlink_certs::{KeyType, Pki};
use idlink_i18n::{Lang, Message};
use idlink_mock::evidence::Evidence;
use idlink_mock::scenario::Scenario;
use idlink_mock::scenario::file::{Conformance, KeyTypeSpec, ListenerSpec};
use idlink_mock::{AccessMode, MockCenter};
use tokio::sync::Mutex;

use crate::execute;
use crate::grade::{self, Observed};
use crate::redact::Redactor;
use crate::report::{
    CommandRun, FiredAction, Level, REPORT_SCHEMA, Report, RequirementCoverage, ScenarioResult,
    Summary, Tool, Verdict,
};
use crate::suite::SuiteEntry;
use crate::workdir::{self, Target};

/// The least real time a run of the client command gets before it is killed.
pub const MIN_DEADLINE_SECONDS: f64 = 30.0;

/// How the runner drives the client.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// The suite directory (for the report).
    pub suite: PathBuf,
    /// `sh -c` command line of the client.
    pub client_command: String,
    /// Scenarios run at the same time.
    pub jobs: usize,
    /// Overrides every scenario's time scale.
    pub time_scale: Option<f64>,
    /// Overrides every scenario's seed.
    pub seed: Option<u64>,
    /// Where work directories go (kept for inspection); `None`: temporary, deleted.
    pub keep_dir: Option<PathBuf>,
    /// `--client-mode folder`: the command is a daemon watching `IDLINK_OUTBOX_DIR`.
    pub folder_mode: bool,
}

/// Test PKIs, generated once per run and shared by every scenario (RSA keys take seconds).
#[derive(Default)]
pub struct PkiCache {
    pkis: Mutex<BTreeMap<(bool, String, i64), Arc<Pki>>>,
}

impl PkiCache {
    /// The PKI for a key type and facility, issued for a center whose clock is `offset` away
    /// from this machine's (`[setup] center_clock_offset`).
    pub async fn get(
        &self,
        rsa: bool,
        facility: &str,
        offset: time::Duration,
    ) -> Result<Arc<Pki>, Message> {
        let key = (rsa, facility.to_owned(), offset.whole_seconds());
        let mut pkis = self.pkis.lock().await;
        if let Some(pki) = pkis.get(&key) {
            return Ok(pki.clone());
        }
        let facility_code = idlink_protocol::FacilityCode::parse(facility).map_err(|e| {
            harness("harness-facility", e).text("facility", format!("{facility:?}"))
        })?;
        let key_type = if rsa {
            KeyType::Rsa2048
        } else {
            KeyType::EcdsaP256
        };
        let pki = tokio::task::spawn_blocking(move || {
            Pki::builder()
                .key_type(key_type)
                .facility(facility_code)
                .now(time::OffsetDateTime::now_utc() + offset)
                .build()
        })
        .await
        .map_err(|e| Message::verbatim(e.to_string()))?
        .map_err(|e| harness("harness-pki", e))?;
        let pki = Arc::new(pki);
        pkis.insert(key, pki.clone());
        Ok(pki)
    }
}

/// Whether the server certificate the center presents is inside its validity window by this
/// machine's clock, which is the uploader's: a center whose clock is days off presents
/// certificates a correct uploader must refuse.
fn server_certificate_in_date(pki: &Pki, scenario: &Scenario) -> bool {
    let variant = scenario.spec.setup.server_certificate.certs_variant();
    let now = time::OffsetDateTime::now_utc();
    idlink_certs::inspect::cert_info(pki.server(variant).cert_der())
        .is_ok_and(|info| info.not_before <= now && now <= info.not_after)
}

/// Called as each scenario finishes (progress display).
pub type OnFinished = Arc<dyn Fn(&ScenarioResult) + Send + Sync>;

/// Runs every scenario and builds the report.
pub async fn run_suite(
    entries: Vec<SuiteEntry>,
    config: RunConfig,
    on_finished: OnFinished,
) -> Report {
    let started_at = idlink_mock::clock::rfc3339(idlink_mock::clock::now());
    let started = Instant::now();
    let pkis = Arc::new(PkiCache::default());
    let permits = Arc::new(tokio::sync::Semaphore::new(config.jobs.max(1)));
    let config = Arc::new(config);
    let mut tasks = Vec::new();
    for entry in entries {
        let permits = permits.clone();
        let pkis = pkis.clone();
        let config = config.clone();
        let on_finished = on_finished.clone();
        tasks.push(tokio::spawn(async move {
            let _permit = permits.acquire_owned().await;
            let result = run_scenario(&entry, &config, &pkis).await;
            on_finished(&result);
            result
        }));
    }
    let mut scenarios = Vec::new();
    for task in tasks {
        match task.await {
            Ok(result) => scenarios.push(result),
            Err(e) => scenarios.push(harness_error_result(
                "UNKNOWN",
                "",
                harness("harness-task", e),
            )),
        }
    }
    let mut summary = Summary::default();
    for s in &scenarios {
        summary.scenarios.add(s.verdict);
        for e in &s.expectations {
            summary.expectations.add(e.verdict);
        }
    }
    let coverage = coverage(&scenarios);
    let time_scale = config.time_scale.unwrap_or(1.0);
    Report {
        schema: REPORT_SCHEMA.to_owned(),
        tool: Tool {
            name: "idlink-conformance".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        suite: config.suite.display().to_string(),
        client_command: config.client_command.clone(),
        client_mode: if config.folder_mode {
            "folder"
        } else {
            "command"
        }
        .into(),
        seed: config.seed.unwrap_or(0),
        time_scale,
        scaled: scenarios.iter().any(|s| s.time_scale != 1.0),
        started_at,
        duration_ms: started.elapsed().as_millis() as u64,
        summary,
        scenarios,
        coverage,
    }
}

/// Whether a run passed: no required or strict scenario failed, nothing errored.
pub fn exit_code(report: &Report) -> u8 {
    let blocking = |s: &&ScenarioResult| s.level != Level::Optional;
    if report.scenarios.iter().any(|s| s.verdict == Verdict::Error) {
        2
    } else if report
        .scenarios
        .iter()
        .filter(blocking)
        .any(|s| s.verdict == Verdict::Fail)
    {
        1
    } else {
        0
    }
}

fn coverage(scenarios: &[ScenarioResult]) -> Vec<RequirementCoverage> {
    let mut map: BTreeMap<String, (Vec<String>, Vec<Verdict>)> = BTreeMap::new();
    for s in scenarios {
        for r in &s.verifies {
            let entry = map.entry(r.clone()).or_default();
            entry.0.push(s.id.clone());
            entry.1.push(s.verdict);
        }
    }
    map.into_iter()
        .map(|(requirement, (scenarios, verdicts))| RequirementCoverage {
            requirement,
            scenarios,
            verdict: if verdicts.contains(&Verdict::Fail) {
                Verdict::Fail
            } else if verdicts.contains(&Verdict::Error) {
                Verdict::Error
            } else if verdicts.iter().all(|v| *v == Verdict::Skip) {
                Verdict::Skip
            } else {
                Verdict::Pass
            },
        })
        .collect()
}

/// Why the harness could not run a scenario: the catalogue message `key` with the underlying
/// `error` (a library's own words, shown as they are).
fn harness(key: &str, error: impl std::fmt::Display) -> Message {
    Message::new(key).text("error", error.to_string())
}

fn harness_error_result(id: &str, file: &str, reason: Message) -> ScenarioResult {
    ScenarioResult {
        id: id.to_owned(),
        title: String::new(),
        summary: String::new(),
        file: file.to_owned(),
        level: Level::Required,
        verifies: Vec::new(),
        verdict: Verdict::Error,
        reason: Some(reason.render(Lang::En)),
        reason_text: Some(reason),
        seed: 0,
        time_scale: 1.0,
        duration_ms: 0,
        runs: Vec::new(),
        expectations: Vec::new(),
        actions_fired: Vec::new(),
        states_visited: Vec::new(),
    }
}

/// Runs one scenario; a harness failure becomes an `error` result, never a panic.
pub async fn run_scenario(
    entry: &SuiteEntry,
    config: &RunConfig,
    pkis: &PkiCache,
) -> ScenarioResult {
    let scenario = match &entry.scenario {
        Ok(s) => s,
        Err(e) => {
            let reason = Message::verbatim(e.to_string());
            return harness_error_result(&entry.id_hint(), &entry.relative, reason);
        }
    };
    let started = Instant::now();
    match execute_scenario(scenario, entry, config, pkis).await {
        Ok(mut result) => {
            result.duration_ms = started.elapsed().as_millis() as u64;
            result
        }
        Err(reason) => {
            let mut result = harness_error_result(&scenario.spec.id, &entry.relative, reason);
            result.title = scenario.spec.title.clone();
            result.summary = scenario.spec.summary.clone();
            result.verifies = scenario.spec.verifies.clone();
            result.duration_ms = started.elapsed().as_millis() as u64;
            result
        }
    }
}

async fn execute_scenario(
    scenario: &Scenario,
    entry: &SuiteEntry,
    config: &RunConfig,
    pkis: &PkiCache,
) -> Result<ScenarioResult, Message> {
    let spec = &scenario.spec;
    let time_scale = config.time_scale.unwrap_or(spec.run.time_scale);
    let seed = config.seed.unwrap_or(spec.run.seed);
    let pki = pkis
        .get(
            spec.setup.key_type == KeyTypeSpec::Rsa,
            &spec.setup.account.facility,
            spec.setup.center_clock_offset.0,
        )
        .await?;
    let password = format!("pw-{:016x}", seed ^ 0x5eed_1d11_4c0f_fee5);
    let data = tempfile::Builder::new()
        .prefix("idlink-conformance-center-")
        .tempdir()
        .map_err(|e| harness("harness-data-dir", e))?;
    let mut mock_config = scenario.mock_config(&password);
    mock_config.data_dir = Some(data.path().to_owned());

    // The work directory: kept under --keep-dir, else temporary.
    let temp_work;
    let work_dir = match &config.keep_dir {
        Some(root) => {
            let dir = root.join(&spec.id);
            let _ = std::fs::remove_dir_all(&dir);
            dir
        }
        None => {
            temp_work = tempfile::Builder::new()
                .prefix("idlink-conformance-work-")
                .tempdir()
                .map_err(|e| harness("harness-work-dir", e))?;
            temp_work.path().to_owned()
        }
    };

    // Documents are written first: the center recognises them by their digests.
    let listener = spec
        .setup
        .listener
        .unwrap_or(match spec.setup.account.mode {
            AccessMode::Certificate => ListenerSpec::Mtls,
            AccessMode::Vpn => ListenerSpec::Vpn,
        });
    let target = Target {
        pki: &pki,
        password: &password,
        time_scale,
        seed,
        folder_mode: config.folder_mode,
    };
    let mut work = workdir::prepare(scenario, &work_dir, &target)
        .map_err(|e| Message::verbatim(e.to_string()))?;
    let center = MockCenter::builder(mock_config)
        .tls(idlink_mock::TlsMaterial::from_pki(&pki))
        .scenario_with_digests(scenario.clone(), work.digests.clone())
        .time_scale(time_scale)
        .seed(seed)
        .start()
        .await
        .map_err(|e| harness("harness-center", e))?;
    let url = match listener {
        ListenerSpec::Mtls => center.mtls_url(),
        ListenerSpec::Vpn => center.vpn_url(),
    };
    work.env.insert("IDLINK_URL".into(), url);

    // Real time allowed per run: the scenario's nominal deadline scaled, never below 30 s: a
    // process start and a TLS handshake cost real time whatever the scale, and a client that
    // ignores the scale waits real seconds (slower, not wrong).
    let deadline = Duration::from_secs_f64(
        (spec.run.deadline.as_secs_f64() * time_scale).max(MIN_DEADLINE_SECONDS),
    );
    if config.folder_mode {
        drop_into_outbox(&work, scenario)?;
    }
    let mut runs = Vec::new();
    for n in 1..=spec.run.runs {
        center.engine().begin_run(n);
        let finished = if config.folder_mode {
            let quiet = Duration::from_secs_f64((60.0 * time_scale).max(3.0));
            let done = delivered_or_quiet(&center, work.digests.values().cloned().collect(), quiet);
            execute::run_daemon(&config.client_command, &work.dir, &work.env, deadline, done).await
        } else {
            execute::run(&config.client_command, &work.dir, &work.env, deadline).await
        }
        .map_err(|e| Message::verbatim(e.to_string()))?;
        runs.push(finished);
    }
    // Let requests still in flight on the center finish journaling (bounded, event-driven).
    settle(&center).await;
    let evidence = Evidence::new(center.journal().entries());
    let stored = center.store().documents();
    let mut stored_bytes = BTreeMap::new();
    for doc in &stored {
        if let Ok(bytes) = std::fs::read(&doc.path) {
            stored_bytes.insert(doc.receipt.receipt_id.clone(), bytes);
        }
    }
    let redactor = Redactor::new(&work.secrets);
    let observed = Observed {
        scenario,
        evidence: &evidence,
        stored: &stored,
        stored_bytes: &stored_bytes,
        documents: &work.documents,
        digests: &work.digests,
        runs: &runs,
        secrets: &work.secrets,
        time_scale,
        folder_mode: config.folder_mode,
        server_certificate_in_date: server_certificate_in_date(&pki, scenario),
    };
    let mut expectations = grade::grade(&observed);
    for e in &mut expectations {
        e.actual = redactor.redact(&e.actual);
        e.evidence = e.evidence.iter().map(|l| redactor.redact(l)).collect();
        if let Some(texts) = &mut e.texts {
            texts.actual.map_text(&|t: &str| redactor.redact(t));
        }
    }
    let actions_fired = evidence
        .actions_fired()
        .iter()
        .filter_map(|e| match &e.event {
            idlink_mock::JournalEvent::ActionFired {
                state,
                label,
                request_id,
                ..
            } => Some(FiredAction {
                at_ms: e.t_us / 1000,
                state: state.clone(),
                action: label.clone(),
                request_id: request_id.clone(),
                connection: e.connection,
            }),
            _ => None,
        })
        .collect();
    let states_visited = evidence.states_visited();
    center.shutdown().await;
    drop(data);

    let level = match spec.conformance {
        Conformance::Required => Level::Required,
        Conformance::Optional => Level::Optional,
        Conformance::Strict => Level::Strict,
    };
    let verdict = scenario_verdict(level, &expectations);
    let runs = runs
        .iter()
        .enumerate()
        .map(|(i, r)| CommandRun {
            index: i as u32 + 1,
            exit_code: r.exit_code,
            signal: r.signal,
            timed_out: r.timed_out,
            duration_ms: r.duration.as_millis() as u64,
            output: redactor.redact(&r.output),
        })
        .collect();
    Ok(ScenarioResult {
        id: spec.id.clone(),
        title: spec.title.clone(),
        summary: spec.summary.clone(),
        file: entry.relative.clone(),
        level,
        verifies: spec.verifies.clone(),
        verdict,
        reason: None,
        reason_text: None,
        seed,
        time_scale,
        duration_ms: 0,
        runs,
        expectations,
        actions_fired,
        states_visited,
    })
}

/// Folder mode: every document of the manifest is put into `IDLINK_OUTBOX_DIR` before the
/// daemon starts, each written as `NAME.part` and renamed, so a watcher never sees half a file.
fn drop_into_outbox(work: &workdir::Workdir, scenario: &Scenario) -> Result<(), Message> {
    let outbox = work.dir.join("outbox");
    std::fs::create_dir_all(&outbox).map_err(|e| {
        harness("harness-outbox-create", e).text("path", outbox.display().to_string())
    })?;
    for doc in &scenario.spec.documents {
        let Some(bytes) = work.documents.get(&doc.name) else {
            continue;
        };
        let name = work
            .file_names
            .get(&doc.name)
            .cloned()
            .unwrap_or_else(|| doc.name.clone());
        let part = outbox.join(format!("{name}.part"));
        let target = outbox.join(&name);
        std::fs::write(&part, bytes)
            .and_then(|()| std::fs::rename(&part, &target))
            .map_err(|e| {
                harness("harness-outbox-drop", e).text("path", target.display().to_string())
            })?;
    }
    Ok(())
}

/// Resolves when the daemon's work looks finished: every digest is stored and the center then
/// saw nothing for `settle` (a client that lost an answer retries to learn its receipt), or,
/// while documents are missing, the center saw nothing for `quiet`.
async fn delivered_or_quiet(center: &MockCenter, digests: Vec<String>, quiet: Duration) {
    let settle = quiet / 3;
    loop {
        let stored: std::collections::BTreeSet<String> = center
            .store()
            .documents()
            .into_iter()
            .map(|d| d.receipt.sha256)
            .collect();
        let wait = if digests.iter().all(|d| stored.contains(d)) {
            settle
        } else {
            quiet
        };
        let last = center.journal().recent(1).first().map_or(0, |e| e.seq);
        if center
            .journal()
            .wait_for(|e| e.seq > last, wait)
            .await
            .is_err()
        {
            return;
        }
    }
}

/// Waits until no request is in flight: every `request` entry has its `response` or its
/// connection has closed. Bounded: a hung answer (store-then-hang) never settles by itself.
async fn settle(center: &MockCenter) {
    let settled = |entries: &[idlink_mock::JournalEntry]| {
        use idlink_mock::JournalEvent as E;
        let mut open: BTreeMap<u64, usize> = BTreeMap::new();
        for e in entries {
            let Some(c) = e.connection else { continue };
            match &e.event {
                E::Request { .. } => *open.entry(c).or_default() += 1,
                E::Response { .. } => {
                    let n = open.entry(c).or_default();
                    *n = n.saturating_sub(1);
                }
                E::ConnectionClosed { .. } => {
                    open.remove(&c);
                }
                _ => {}
            }
        }
        open.values().all(|n| *n == 0)
    };
    let deadline = tokio::time::Instant::now() + Duration::from_millis(500);
    loop {
        let entries = center.journal().entries();
        if settled(&entries) {
            return;
        }
        let last = entries.last().map_or(0, |e| e.seq);
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero()
            || center
                .journal()
                .wait_for(|e| e.seq > last, left)
                .await
                .is_err()
        {
            return;
        }
    }
}

/// `error` if nothing could be judged, `fail` if an error-severity expectation failed (or a
/// warning in a strict scenario), `skip` if everything was skipped, else `pass`.
fn scenario_verdict(level: Level, expectations: &[crate::report::ExpectationResult]) -> Verdict {
    use crate::report::Severity;
    if expectations.iter().any(|e| e.verdict == Verdict::Error) {
        return Verdict::Error;
    }
    let failing = expectations.iter().any(|e| {
        e.verdict == Verdict::Fail && (e.severity == Severity::Error || level == Level::Strict)
    });
    if failing {
        Verdict::Fail
    } else if !expectations.is_empty() && expectations.iter().all(|e| e.verdict == Verdict::Skip) {
        Verdict::Skip
    } else {
        Verdict::Pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_harness_error_keeps_its_english_reason_and_reads_in_japanese() {
        let result = harness_error_result(
            "HAPPY-PDF",
            "happy/HAPPY-PDF.toml",
            harness("harness-center", "bind 127.0.0.1:0: address in use"),
        );

        assert_eq!(
            result.reason.as_deref(),
            Some("cannot start the center: bind 127.0.0.1:0: address in use")
        );
        assert_eq!(result.reason_in(Lang::En), result.reason);
        assert_eq!(
            result.reason_in(Lang::Ja).as_deref(),
            Some("モックのサービスセンターを起動できません：bind 127.0.0.1:0: address in use")
        );
    }
}
