//! `idlink-harness`: the conformance suite against our own `storeclient`, in one command.
//!
//! `cargo run --release` runs the shipped suite (`scenarios/`) with `idlink-conformance`'s runner
//! and this binary's `storeclient-adapter` as the client command. The runner and the client
//! never link each other: they meet here, and the client runs as a separate process through the
//! same vendor interface a vendor's uploader gets. Every flag of `idlink-conformance` works
//! (`cargo run --release -- run --filter RETRY-*`, `-- run --client-cmd '...'`).

mod adapter;

use std::process::ExitCode;

use idlink_conformance::cli;

fn main() -> ExitCode {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "storeclient-adapter") {
        return adapter::main();
    }
    // No subcommand (`cargo run --release`, or `-- --filter RETRY-*`): `run`.
    let flag_first = args
        .get(1)
        .and_then(|a| a.to_str())
        .is_some_and(|a| a.starts_with('-') && !["-h", "--help", "-V", "--version"].contains(&a));
    if args.len() == 1 || flag_first {
        args.insert(1, "run".into());
    }
    let is_run = args.get(1).is_some_and(|a| a == "run");
    let given = |args: &[std::ffi::OsString], flag: &str| {
        args.iter().any(|a| {
            a.to_str()
                .is_some_and(|a| a == flag || a.starts_with(&format!("{flag}=")))
        })
    };
    if is_run && !given(&args, "--suite") && !std::path::Path::new("scenarios").is_dir() {
        args.extend([
            "--suite".into(),
            concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios").into(),
        ]);
    }
    let cli = match cli::parse_from(args) {
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
