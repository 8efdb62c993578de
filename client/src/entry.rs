//! The whole `storeclient` program behind `main`: flags, tracing, the runtime, exit codes.

use std::process::ExitCode;

use crate::cli::Action;
use crate::exit::ExitStatus;
use crate::messages::{Localize as _, error_line, explain, warning_line};
use idlink_i18n::{Lang, tr};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer as _};

/// Runs `storeclient` with these arguments (the first is the program name), as the binary
/// does; returns its documented exit code. Lets another program run storeclient in a process of
/// its own without the binary on disk (the conformance harness's adapter).
pub fn main<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    // Known before parsing, so that `--help` is in the reader's language too.
    let lang = crate::cli::lang_of_args(&args);
    let cli = match crate::cli::parse_from(args, lang) {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version on stdout with status 0, usage errors on stderr with 2.
            match crate::cli::usage_error(&e, lang) {
                Some(text) if e.use_stderr() => eprintln!("{text}"),
                _ => {
                    let _ = e.print();
                }
            }
            return ExitCode::from(if e.use_stderr() {
                ExitStatus::Usage.code()
            } else {
                0
            });
        }
    };
    let verbose = cli.verbose;
    let plan = match cli.plan() {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("{}", error_line(&explain(&e, lang), lang));
            return ExitStatus::Usage.into();
        }
    };
    let (log_dir, warnings) = match &plan.action {
        Action::Upload { config, .. } | Action::Spool { config, .. } => {
            (config.log_dir.clone(), config.warnings.clone())
        }
        _ => (None, Vec::new()),
    };
    let _guard = init_tracing(verbose, log_dir.as_deref(), lang);
    for w in warnings {
        eprintln!("{}", warning_line(&w.message(lang), lang));
    }
    // One thread drives every upload of a run, as curl does: the work per document is small
    // (a check of ~100 µs, a hash, a TLS record), and a multi-threaded runtime spent more on
    // handing tasks between threads (22 thread switches per document) than on the work
    // (docs/benchmarks.md). Large documents are read, checked and hashed on the blocking pool.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let error = [("error", e.to_string().into())];
            let message = tr(lang, "client-runtime-error", &error);
            eprintln!("{}", error_line(&message, lang));
            return ExitStatus::Usage.into();
        }
    };
    let mut stdout = std::io::stdout().lock();
    match runtime.block_on(crate::run::run(plan, &mut stdout)) {
        Ok(status) => status.into(),
        Err(e) => {
            let status = e.exit_status();
            eprintln!("{}", error_line(&explain(&e, lang), lang));
            status.into()
        }
    }
}

/// Logs go to stderr (stdout is for the report) and, with `log.dir`, to a daily rotating file.
fn init_tracing(
    verbose: u8,
    log_dir: Option<&std::path::Path>,
    lang: Lang,
) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let default = match verbose {
        0 => "warn",
        1 => "info,storeclient=info",
        _ => "debug,storeclient=debug",
    };
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .with_filter(filter());
    let usable = log_dir.and_then(|d| match std::fs::create_dir_all(d) {
        Ok(()) => Some(d),
        Err(e) => {
            // Uploading still works; say so instead of losing the log file silently.
            let args = [
                ("dir", d.display().to_string().into()),
                ("error", e.to_string().into()),
            ];
            let message = tr(lang, "client-log-folder-warning", &args);
            eprintln!("{}", warning_line(&message, lang));
            None
        }
    });
    let (file, guard) = match usable {
        Some(dir) => {
            let (writer, guard) = tracing_appender::non_blocking(tracing_appender::rolling::daily(
                dir,
                "storeclient.log",
            ));
            let layer = tracing_subscriber::fmt::layer()
                .with_writer(writer)
                .with_ansi(false)
                .with_filter(EnvFilter::new("info"));
            (Some(layer), Some(guard))
        }
        None => (None, None),
    };
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(file)
        .try_init();
    guard
}
