//! `idlink-mock`: parse arguments, set up logging, run the library, map errors to exit codes
//! (0 ok, 1 failure, 2 usage).

use std::process::ExitCode;

use idlink_mock::cli::{EXIT_FAILURE, parse_from, run};

fn main() -> ExitCode {
    // The language is known before parsing, so that `--help` is in the reader's language too.
    let cli = parse_from(std::env::args_os().collect()).unwrap_or_else(|e| e.exit());
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("idlink-mock: error: {error:#}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}
