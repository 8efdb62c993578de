//! Executes a resolved [`Plan`]: the commands, their output, and their exit status.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use futures_util::StreamExt as _;
use indicatif::{ProgressBar, ProgressStyle};

use crate::accesslog::AccessLog;
use crate::cli::{Action, Plan, WatchSettings};
use crate::config::{ClientConfig, template};
use crate::exit::ExitStatus;
use crate::messages::explain;
use crate::metadata::MetadataHints;
use crate::preflight::{self, PreflightError, PreflightOptions};
use crate::report::{DocumentOutcome, ResultKind, Summary};
use crate::spool::{Claimed, Spool, SpoolError};
use crate::trace::TraceWriter;
use crate::upload::{Client, ClientError, UploadError};
use idlink_i18n::{Lang, tr};

/// Why a run could not be carried out at all (as opposed to a document failing).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// `init` would overwrite a file.
    #[error("{0} already exists; pass --force to overwrite it")]
    Exists(PathBuf),
    /// Writing output or a file failed.
    #[error("cannot write {path}")]
    Write {
        /// What was written.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The client could not be built.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The spool could not be used.
    #[error(transparent)]
    Spool(#[from] SpoolError),
    /// The trace could not be opened.
    #[error(transparent)]
    Trace(#[from] crate::trace::TraceError),
    /// The access log could not be opened.
    #[error(transparent)]
    AccessLog(#[from] crate::accesslog::AccessLogError),
}

impl RunError {
    /// The exit status of a run that could not be carried out.
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Self::Client(ClientError::Identity(_)) => ExitStatus::Auth,
            _ => ExitStatus::Usage,
        }
    }
}

/// Runs a plan, writing the report to `out`.
pub async fn run(plan: Plan, out: &mut dyn Write) -> Result<ExitStatus, RunError> {
    let lang = plan.lang;
    let stdout_err = |source| RunError::Write {
        path: PathBuf::from("<stdout>"),
        source,
    };
    match plan.action {
        Action::Init { path, force } => {
            if path.exists() && !force {
                return Err(RunError::Exists(path));
            }
            std::fs::write(&path, template(lang)).map_err(|source| RunError::Write {
                path: path.clone(),
                source,
            })?;
            let wrote = [("path", path.display().to_string().into())];
            writeln!(out, "{}", tr(lang, "client-init-wrote", &wrote)).map_err(stdout_err)?;
            Ok(ExitStatus::Success)
        }
        Action::Check {
            files,
            hints,
            options,
        } => check(&files, &hints, &options, plan.json, lang, out).map_err(stdout_err),
        Action::Doctor { config_path } => {
            let d = crate::doctor::diagnose(&config_path, plan.lang).await;
            if plan.json {
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&d).unwrap_or_default()
                )
            } else {
                write!(out, "{}", d.render_human())
            }
            .map_err(stdout_err)?;
            Ok(d.exit_status())
        }
        Action::Upload {
            config,
            files,
            hints,
            options,
        } => {
            let runner = Runner::new(&config, plan.trace.as_deref(), lang)?;
            let summary = runner.upload_files(&files, &hints, &options).await;
            print_summary(&summary, plan.json, lang, out).map_err(stdout_err)?;
            Ok(summary.exit_status())
        }
        Action::Spool { config, dir, watch } => {
            let runner = Runner::new(&config, plan.trace.as_deref(), lang)?;
            let spool = Spool::open(&dir)?;
            let summary = match watch {
                None => runner.spool_pass(&spool).await?,
                Some(w) => runner.watch(&spool, w).await?,
            };
            print_summary(&summary, plan.json, lang, out).map_err(stdout_err)?;
            Ok(summary.exit_status())
        }
    }
}

fn print_summary(
    summary: &Summary,
    json: bool,
    lang: Lang,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if json {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&summary.to_json()).unwrap_or_default()
        )
    } else {
        write!(out, "{}", summary.render_human(lang))
    }
}

fn check(
    files: &[PathBuf],
    hints: &MetadataHints,
    options: &PreflightOptions,
    json: bool,
    lang: Lang,
    out: &mut dyn Write,
) -> std::io::Result<ExitStatus> {
    let mut status = ExitStatus::Success;
    let mut reports = Vec::new();
    for f in files {
        let label = f.display().to_string();
        match preflight::check_only(f, hints, options.clone()) {
            Ok(report) => {
                if report.has_errors() {
                    status = status.worst(ExitStatus::Validation);
                }
                if json {
                    reports
                        .push(serde_json::json!({"document": label, "report": report.to_json()}));
                } else {
                    write!(out, "{}", report.render_human_in(&label, lang))?;
                }
            }
            Err(e) => {
                status = status.worst(ExitStatus::Validation);
                if json {
                    reports
                        .push(serde_json::json!({"document": label, "error": explain(&e, lang)}));
                } else {
                    let args = [
                        ("document", label.clone().into()),
                        ("message", explain(&e, lang).into()),
                    ];
                    writeln!(out, "{}", tr(lang, "client-check-error", &args))?;
                }
            }
        }
    }
    if json {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"exit_code": status.code(), "documents": reports})
            )
            .unwrap_or_default()
        )?;
    }
    Ok(status)
}

/// Shared state of an upload or spool run.
struct Runner {
    client: Arc<Client>,
    account: String,
    concurrency: usize,
    /// Pre-flight for spool documents (`send`, `watch`); `upload` passes its own, which may
    /// carry a `--strictness` flag.
    preflight: PreflightOptions,
    access: Option<AccessLog>,
    /// Set by the first authentication/certificate failure: every further document would fail
    /// the same way, and repeated bad logins lock the account (`PROTO-AUTH-003`).
    auth_failed: AtomicBool,
    /// The language of outcome messages and `failed/` reasons.
    lang: Lang,
}

impl Runner {
    fn new(config: &ClientConfig, trace: Option<&Path>, lang: Lang) -> Result<Self, RunError> {
        let mut client = Client::from_config(config)?.with_language(lang);
        if let Some(t) = trace {
            client = client.with_trace(Arc::new(TraceWriter::create(t)?));
        }
        let access = config.log_dir.as_deref().map(AccessLog::open).transpose()?;
        Ok(Self {
            client: Arc::new(client),
            account: config.account_id.clone(),
            concurrency: config.concurrency,
            preflight: config.preflight(),
            access,
            auth_failed: AtomicBool::new(false),
            lang,
        })
    }

    fn progress(&self, n: usize) -> ProgressBar {
        // indicatif hides itself when stderr is not a terminal, so pipes and tests stay clean.
        let bar = ProgressBar::new(n as u64);
        if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {wide_msg}") {
            bar.set_style(style);
        }
        bar
    }

    fn log(&self, outcome: &DocumentOutcome) {
        if let Some(a) = &self.access {
            a.record(self.client.facility().as_str(), &self.account, outcome);
        }
        match outcome.result {
            ResultKind::Delivered => {
                tracing::info!(document = %outcome.document, receipt = ?outcome.receipt_id, "delivered")
            }
            // Info, not warn: the summary on stdout already tells the person at the keyboard.
            other => {
                tracing::info!(document = %outcome.document, result = other.as_str(), code = ?outcome.code, "not delivered")
            }
        }
    }

    async fn upload_files(
        &self,
        files: &[PathBuf],
        hints: &MetadataHints,
        options: &PreflightOptions,
    ) -> Summary {
        let bar = self.progress(files.len());
        let one = |f: PathBuf| {
            let bar = bar.clone();
            async move {
                bar.set_message(f.display().to_string());
                let outcome = self
                    .upload_one(&f, f.display().to_string(), hints, options, None)
                    .await
                    .0;
                self.log(&outcome);
                bar.inc(1);
                outcome
            }
        };
        // Slow start: the first document goes alone and is the run's login. If the account or
        // the certificate is refused, `auth_failed` stops the rest before they are sent; sent
        // together, N documents with a wrong password would count N failed logins and could
        // lock the facility's account (`PROTO-AUTH-003`).
        let mut documents = Vec::with_capacity(files.len());
        if let Some((first, rest)) = files.split_first() {
            documents.push(one(first.clone()).await);
            documents.extend(
                futures_util::stream::iter(rest.iter().cloned())
                    .map(one)
                    .buffered(self.concurrency)
                    .collect::<Vec<_>>()
                    .await,
            );
        }
        bar.finish_and_clear();
        Summary { documents }
    }

    /// Pre-flight and upload of one document. Returns the outcome, the error (for spool
    /// bookkeeping) and the receipt JSON when delivered.
    async fn upload_one(
        &self,
        path: &Path,
        label: String,
        hints: &MetadataHints,
        options: &PreflightOptions,
        key: Option<idlink_protocol::IdempotencyKey>,
    ) -> (DocumentOutcome, Option<Failure>, Option<String>) {
        if self.auth_failed.load(Ordering::Relaxed) {
            let o = DocumentOutcome::failed(
                label,
                None,
                ResultKind::NotAttempted,
                "not-attempted".into(),
                tr(self.lang, "client-not-attempted", &[]),
                0,
            );
            return (o, None, None);
        }
        let prepared = match prepare(path, hints, options).await {
            Ok(p) => p,
            Err(e) => {
                let o = DocumentOutcome::failed(
                    label,
                    None,
                    ResultKind::Invalid,
                    e.slug().into(),
                    explain(&e, self.lang),
                    0,
                );
                return (o, Some(Failure::Preflight(e)), None);
            }
        };
        let patient = Some(prepared.metadata.patient.to_string());
        let mut meta = prepared.metadata;
        meta.idempotency_key = key;
        let delivery = match prepared.bytes {
            Some(bytes) => self.client.upload_bytes(path, bytes, &meta).await,
            None => self.client.upload_path(path, &meta).await,
        };
        match delivery {
            Ok(d) => {
                let receipt_json = match &d.receipt {
                    Some(r) => serde_json::to_string_pretty(r).unwrap_or_default(),
                    None => serde_json::json!({"receipt_id": d.receipt_id, "delivery": d.kind})
                        .to_string(),
                };
                (
                    DocumentOutcome::delivered(label, patient, &d),
                    None,
                    Some(receipt_json),
                )
            }
            Err(e) => {
                let result = ResultKind::of_error(&e);
                if result == ResultKind::AuthFailed {
                    self.auth_failed.store(true, Ordering::Relaxed);
                }
                let attempts = match &e {
                    UploadError::Exhausted { attempts, .. } => *attempts,
                    _ => 1,
                };
                let o = DocumentOutcome::failed(
                    label,
                    patient,
                    result,
                    e.slug(),
                    explain(&e, self.lang),
                    attempts,
                );
                (o, Some(Failure::Upload(e)), None)
            }
        }
    }

    /// One pass over the spool: resumed documents first, then the outbox.
    async fn spool_pass(&self, spool: &Spool) -> Result<Summary, RunError> {
        let claimed = spool.claim()?;
        let bar = self.progress(claimed.len());
        let one = |doc: Claimed| {
            let bar = bar.clone();
            async move {
                bar.set_message(doc.name.clone());
                let r = self.spool_one(spool, &doc).await;
                bar.inc(1);
                r
            }
        };
        // Slow start, as in `upload_files`: the first document is the login.
        let mut claimed = claimed.into_iter();
        let mut results = Vec::new();
        if let Some(first) = claimed.next() {
            results.push(one(first).await);
            results.extend(
                futures_util::stream::iter(claimed)
                    .map(one)
                    .buffered(self.concurrency)
                    .collect::<Vec<_>>()
                    .await,
            );
        }
        bar.finish_and_clear();
        let documents = results.into_iter().collect::<Result<Vec<_>, _>>()?;
        Ok(Summary { documents })
    }

    async fn spool_one(&self, spool: &Spool, doc: &Claimed) -> Result<DocumentOutcome, RunError> {
        // The key is on disk before the first attempt (PROTO-CLI-001).
        let key = spool.key_for(doc, self.client.facility())?;
        let (mut outcome, failure, receipt) = self
            .upload_one(
                &doc.path,
                doc.name.clone(),
                &MetadataHints::default(),
                &self.preflight,
                Some(key),
            )
            .await;
        let moved = match (outcome.result, &failure) {
            (ResultKind::Delivered, _) => {
                Some(spool.finish_sent(doc, receipt.as_deref().unwrap_or("{}"))?)
            }
            (ResultKind::Invalid | ResultKind::Rejected, Some(f)) => {
                Some(spool.finish_failed(doc, f.problem(), &f.explain(self.lang))?)
            }
            // Authentication and transient failures are not the document's fault: it stays
            // queued in work/ with its key and goes out on a later pass.
            _ => None,
        };
        outcome.moved_to = moved.map(|p| p.display().to_string());
        self.log(&outcome);
        Ok(outcome)
    }

    async fn watch(&self, spool: &Spool, w: WatchSettings) -> Result<Summary, RunError> {
        let started = Instant::now();
        let mut total = Summary::default();
        let mut stop = Box::pin(shutdown_signal());
        loop {
            let pass = self.spool_pass(spool).await?;
            for d in pass.documents {
                // A document retried in a later pass replaces its earlier outcome.
                total
                    .documents
                    .retain(|o| o.document != d.document || o.result == ResultKind::Delivered);
                total.documents.push(d);
            }
            if self.auth_failed.load(Ordering::Relaxed) {
                break;
            }
            if w.exit_when_idle && !spool.outbox_has_documents()? && !spool.work_has_documents()? {
                break;
            }
            if w.max_runtime.is_some_and(|m| started.elapsed() >= m) {
                break;
            }
            tokio::select! {
                () = tokio::time::sleep(w.poll) => {}
                () = &mut stop => {
                    tracing::info!("stopping: signal received");
                    break;
                }
            }
        }
        Ok(total)
    }
}

/// A failure kept for the spool's `failed/` bookkeeping.
enum Failure {
    Preflight(PreflightError),
    Upload(UploadError),
}

impl Failure {
    fn problem(&self) -> Option<&idlink_protocol::Problem> {
        match self {
            Self::Upload(e) => e.problem(),
            Self::Preflight(_) => None,
        }
    }

    fn explain(&self, lang: Lang) -> String {
        match self {
            // Findings are rendered by the formats catalogue; every other error is ours.
            Self::Preflight(e @ PreflightError::Invalid { .. }) => {
                e.explain().trim_end().to_owned()
            }
            Self::Preflight(e) => explain(e, lang),
            Self::Upload(e) => {
                let mut text = explain(e, lang);
                if let Some(p) = e.problem() {
                    let args = [
                        ("code", p.code.clone().into()),
                        ("status", p.status.to_string().into()),
                        ("requirement", p.requirement.clone().into()),
                    ];
                    text.push('\n');
                    text.push_str(&tr(lang, "client-failed-problem", &args));
                    if let Some(id) = &p.request_id {
                        let args = [("id", id.clone().into())];
                        text.push('\n');
                        text.push_str(&tr(lang, "client-failed-request-id", &args));
                    }
                }
                text
            }
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
/// Pre-flight of one document. A small one (nearly every HL7 message) is read and checked right
/// here: handing ~100 µs of work to the blocking pool costs two thread switches, more than the
/// check itself. A large one (a 200 MB PDF) goes to the blocking pool, so the other uploads of
/// the run, which one thread drives (see `entry`), keep moving while it is read and checked.
async fn prepare(
    path: &Path,
    hints: &MetadataHints,
    options: &PreflightOptions,
) -> Result<preflight::Prepared, PreflightError> {
    let large = std::fs::metadata(path).is_ok_and(|m| m.len() > crate::upload::SMALL_DOCUMENT);
    if !large {
        return preflight::prepare(path, hints, options.clone());
    }
    let owned = (path.to_owned(), hints.clone(), options.clone());
    tokio::task::spawn_blocking(move || preflight::prepare(&owned.0, &owned.1, owned.2))
        .await
        .unwrap_or_else(|e| {
            Err(PreflightError::Read {
                path: path.to_owned(),
                source: std::io::Error::other(e),
            })
        })
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
