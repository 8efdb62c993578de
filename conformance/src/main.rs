//! `idlink-conformance`: thin binary over the library.

use std::process::ExitCode;

use idlink_conformance::cli;

fn main() -> ExitCode {
    // The language is known before parsing, so that `--help` is in the reader's language too.
    let cli = match cli::parse_from(std::env::args_os().collect()) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { cli::EXIT_USAGE } else { 0 });
        }
    };
    // Without --client-cmd: our storeclient, when the harness binary was built beside this one.
    match cli::main(cli, cli::sibling_storeclient_adapter()) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("idlink-conformance: {e:#}");
            ExitCode::from(2)
        }
    }
}
