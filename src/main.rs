//! `idlink-harness`: the conformance suite against our own `storeclient`, in one command.
//!
//! `cargo run --release` runs the shipped suite (`scenarios/`) with `idlink-conformance`'s runner
//! and this binary's `storeclient-adapter` as the client command. The runner and the client
//! never link each other: they meet here, and the client runs as a separate process through the
//! same vendor interface a vendor's uploader gets. Every flag of `idlink-conformance` works
//! (`cargo run --release -- run --filter RETRY-*`, `-- run --client-cmd '...'`).

mod adapter;

use std::process::ExitCode;

use clap::Parser as _;
use idlink_conformance::cli::{self, Cli};

/// The default time scale against storeclient: the suite's nominal seconds become tens of
/// milliseconds, and storeclient scales its waits the same way (`retry.time_scale`).
const DEFAULT_TIME_SCALE: &str = "0.02";

fn main() -> ExitCode {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "storeclient-adapter") {
        return adapter::main();
    }
    if args.len() == 1 {
        args.push("run".into());
    }
    let is_run = args.get(1).is_some_and(|a| a == "run");
    let given = |args: &[std::ffi::OsString], flag: &str| {
        args.iter().any(|a| {
            a.to_str()
                .is_some_and(|a| a == flag || a.starts_with(&format!("{flag}=")))
        })
    };
    if is_run && !given(&args, "--client-cmd") && !given(&args, "--time-scale") {
        args.extend(["--time-scale".into(), DEFAULT_TIME_SCALE.into()]);
    }
    if is_run && !given(&args, "--suite") && !std::path::Path::new("scenarios").is_dir() {
        args.extend([
            "--suite".into(),
            concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios").into(),
        ]);
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { cli::EXIT_USAGE } else { 0 });
        }
    };
    let adapter = std::env::current_exe().ok().map(|exe| {
        format!(
            "'{}' storeclient-adapter",
            exe.display().to_string().replace('\'', "'\\''")
        )
    });
    match cli::main(cli, adapter) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("idlink-harness: {e:#}");
            ExitCode::from(2)
        }
    }
}
