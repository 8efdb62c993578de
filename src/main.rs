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
    if needs_run(&args) {
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

/// Whether the command line names no subcommand, so `run` goes first: nothing, or a flag other
/// than `--help` / `--version` first. The global `--lang X` may come before a subcommand
/// (`--lang ja run --help`) and does not count.
fn needs_run(args: &[std::ffi::OsString]) -> bool {
    let mut rest = args.iter().skip(1).map(|a| a.to_string_lossy());
    loop {
        match rest.next() {
            None => return true,
            Some(a) if a == "--lang" => {
                rest.next();
            }
            Some(a) if a.starts_with("--lang=") => {}
            Some(a) => {
                return a.starts_with('-')
                    && !["-h", "--help", "-V", "--version"].contains(&a.as_ref());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::needs_run;

    #[test]
    fn run_is_implied_only_when_no_subcommand_is_named() {
        let needs = |a: &[&str]| {
            let args: Vec<std::ffi::OsString> = a.iter().map(Into::into).collect();
            needs_run(&args)
        };
        assert!(needs(&["idlink-harness"]));
        assert!(needs(&["idlink-harness", "--filter", "RETRY-*"]));
        assert!(needs(&["idlink-harness", "--lang", "ja"]));
        assert!(!needs(&["idlink-harness", "--help"]));
        assert!(!needs(&["idlink-harness", "replay", "journal.jsonl"]));
        // A global flag before the subcommand (issue 13's `--lang ja run --help`).
        assert!(!needs(&["idlink-harness", "--lang", "ja", "run", "--help"]));
        assert!(!needs(&["idlink-harness", "--lang=en", "run"]));
        assert!(!needs(&["idlink-harness", "--lang", "ja", "--help"]));
    }
}
