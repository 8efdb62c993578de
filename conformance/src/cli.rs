//! The command line: `run` and `replay`. Two phases, as ripgrep does: flags → a checked plan,
//! then the work.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use idlink_i18n::{Lang, tr};

use crate::report::{self, Verdict};
use crate::runner::{self, RunConfig};

/// Exit codes: 0 every required scenario passed, 1 the uploader failed a scenario, 2 the harness
/// could not run (a scenario errored), 3 usage.
pub const EXIT_USAGE: u8 = 3;

/// `idlink-conformance`: runs the ID-Link conformance suite against a store client.
#[derive(Debug, Parser)]
#[command(
    name = "idlink-conformance",
    version,
    about = "Runs the ID-Link conformance suite against a store client and grades it from the mock center's journal and store.",
    after_help = "Exit codes: 0 every required scenario passed; 1 the uploader failed at least one required scenario; 2 the harness could not run a scenario (not the uploader's fault); 3 usage.\nThe vendor interface (environment variables, manifest) is in docs/conformance.md."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// The language of the console summary, the HTML report and JUnit messages (`ja` or `en`);
    /// without it, LC_ALL / LC_MESSAGES / LANG (ja_JP.* is Japanese), else English. The JSON and
    /// CTRF reports are always English.
    #[arg(long, global = true, value_name = "LANG", value_parser = ["ja", "en"])]
    pub lang: Option<String>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a suite against a client command.
    Run(RunArgs),
    /// Write a scenario that reproduces a saved journal or a storeclient trace.
    Replay(ReplayArgs),
}

/// Flags of `run`.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// The suite directory.
    #[arg(long, value_name = "DIR", default_value = "scenarios")]
    pub suite: PathBuf,
    /// The client command, run through `sh -c` in each scenario's work directory with the
    /// IDLINK_* variables (docs/conformance.md).
    #[arg(long, value_name = "CMD")]
    pub client_cmd: Option<String>,
    /// Only scenarios whose ID or path matches (substring or `*` pattern; commas for several).
    #[arg(long, value_name = "PATTERN")]
    pub filter: Option<String>,
    /// `command` (run once per run, must exit) or `folder` (a daemon: the documents are put in
    /// IDLINK_OUTBOX_DIR, the runner stops it with SIGTERM when they are delivered).
    #[arg(long, value_name = "MODE", default_value = "command", value_parser = ["command", "folder"])]
    pub client_mode: String,
    /// Scenarios run at the same time.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub jobs: usize,
    /// Multiply every scenario duration and Retry-After (a scaled run cannot certify).
    #[arg(long, value_name = "X")]
    pub time_scale: Option<f64>,
    /// Override every scenario's seed.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Write the JSON report (the source of truth).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write JUnit XML.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write the HTML report.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Write CTRF JSON.
    #[arg(long, value_name = "FILE")]
    pub ctrf: Option<PathBuf>,
    /// Keep each scenario's work directory under DIR (for debugging a client).
    #[arg(long, value_name = "DIR")]
    pub keep_dir: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Flags of `replay`.
#[derive(Debug, Clone, clap::Args)]
pub struct ReplayArgs {
    /// A center's `journal.jsonl` or a `storeclient --trace` file.
    pub file: PathBuf,
    /// The new scenario's ID.
    #[arg(long, default_value = "FIELD-REPLAY")]
    pub id: String,
    /// Write it here instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The clap command with `--help` in `lang`: English is the derive's own text, Japanese comes
/// from the `conformance-help-*` catalogue entries (i18n's `clap_help`).
pub fn command(lang: Lang) -> clap::Command {
    idlink_i18n::clap_help::localize(
        <Cli as clap::CommandFactory>::command(),
        lang,
        "conformance-help",
    )
}

/// Parses `args` with `--help` in the language the arguments or the locale ask for (the
/// `idlink-conformance` and `idlink-harness` binaries both parse with it).
pub fn parse_from(args: Vec<std::ffi::OsString>) -> Result<Cli, clap::Error> {
    use clap::FromArgMatches as _;
    let mut command = command(idlink_i18n::clap_help::lang_of_args(&args));
    let matches = command.try_get_matches_from_mut(args)?;
    Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut command))
}

/// Runs the CLI; `default_client` is the command used when `--client-cmd` is absent (the
/// harness binary passes its storeclient adapter).
pub fn main(cli: Cli, default_client: Option<String>) -> anyhow::Result<u8> {
    let lang = Lang::choose(cli.lang.as_deref());
    match cli.command {
        Command::Run(args) => run(args, default_client, lang),
        Command::Replay(args) => {
            let text = crate::replay::replay(&args.file, &args.id)?;
            match &args.output {
                Some(path) => {
                    std::fs::write(path, &text).with_context(|| cannot_write(path, lang))?
                }
                None => print!("{text}"),
            }
            Ok(0)
        }
    }
}

/// The time scale when the suite runs against our own storeclient (which scales its waits by
/// `IDLINK_TIME_SCALE`) and no `--time-scale` was given: nominal seconds become tens of ms.
pub const STORECLIENT_TIME_SCALE: f64 = 0.02;

/// The default client command: `idlink-harness storeclient-adapter` from the same build
/// directory, when it was built (`cargo build --release` builds both).
pub fn sibling_storeclient_adapter() -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let sibling = exe.with_file_name(format!("idlink-harness{}", std::env::consts::EXE_SUFFIX));
    sibling.is_file().then(|| {
        format!(
            "'{}' storeclient-adapter",
            sibling.display().to_string().replace('\'', "'\\''")
        )
    })
}

/// `cannot write PATH` in `lang` (the context of a failed report write).
fn cannot_write(path: &std::path::Path, lang: Lang) -> String {
    let path = path.display().to_string();
    tr(lang, "cli-cannot-write", &[("path", path.into())])
}

fn run(args: RunArgs, default_client: Option<String>, lang: Lang) -> anyhow::Result<u8> {
    let (client_command, time_scale) = match (args.client_cmd.clone(), default_client) {
        (Some(command), _) => (command, args.time_scale),
        (None, Some(storeclient)) => (
            storeclient,
            Some(args.time_scale.unwrap_or(STORECLIENT_TIME_SCALE)),
        ),
        (None, None) => anyhow::bail!(tr(lang, "cli-no-client", &[])),
    };
    let args = RunArgs { time_scale, ..args };
    if let Some(scale) = args.time_scale
        && !(scale > 0.0 && scale <= 100.0)
    {
        let scale = scale.to_string();
        anyhow::bail!(tr(lang, "cli-bad-time-scale", &[("scale", scale.into())]));
    }
    let entries = crate::suite::load(&args.suite, args.filter.as_deref())?;
    let total = entries.len();
    let progress = if args.quiet {
        indicatif::ProgressBar::hidden()
    } else {
        let bar = indicatif::ProgressBar::new(total as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    };
    let bar = progress.clone();
    let on_finished: runner::OnFinished = Arc::new(move |result| {
        bar.inc(1);
        if result.verdict != Verdict::Pass {
            // English keeps the lowercase code this line always had.
            let verdict = match lang {
                Lang::En => result.verdict.as_str().to_owned(),
                _ => tr(lang, &format!("report-verdict-{}", result.verdict), &[]),
            };
            bar.println(format!("{verdict:<5} {}", result.id));
        }
        bar.set_message(result.id.clone());
    });
    let config = RunConfig {
        suite: args.suite.clone(),
        client_command,
        jobs: args.jobs,
        time_scale: args.time_scale,
        seed: args.seed,
        keep_dir: args.keep_dir.clone(),
        folder_mode: args.client_mode == "folder",
    };
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let report = runtime.block_on(runner::run_suite(entries, config, on_finished));
    progress.finish_and_clear();
    let write = |path: &Option<PathBuf>, text: String| -> anyhow::Result<()> {
        if let Some(path) = path {
            std::fs::write(path, text).with_context(|| cannot_write(path, lang))?;
        }
        Ok(())
    };
    write(&args.json, report::json::to_json(&report))?;
    write(&args.junit, report::junit::to_junit_xml(&report, lang)?)?;
    write(&args.html, report::html::to_html(&report, lang))?;
    write(&args.ctrf, report::ctrf::to_ctrf(&report))?;
    let mut stdout = std::io::stdout().lock();
    let _ = write!(stdout, "{}", report::console::summary_table(&report, lang));
    Ok(runner::exit_code(&report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_english_help_catalogue_is_the_derive_help() {
        use clap::CommandFactory as _;
        let drift = idlink_i18n::clap_help::english_mismatches(Cli::command(), "conformance-help");
        assert!(drift.is_empty(), "{drift:#?}");
        command(Lang::Ja).debug_assert();
    }
}
