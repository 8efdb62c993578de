//! Check files from the command line, like `storeclient check` without the client:
//! `cargo run -p idlink-formats --example check -- [--lenient] [--json] FILE...`
//! The kind is detected (HL7, PDF, fictional NSIPS) or falls back to text; the SS-MIX2 file
//! name cross-checks use each file's own name.

use idlink_formats::{CheckOptions, DocumentKind, Strictness, check, detect};

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let lenient = args.iter().any(|a| a == "--lenient");
    let json = args.iter().any(|a| a == "--json");
    let mut failed = false;
    for path in args.iter().filter(|a| !a.starts_with("--")) {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) => {
                eprintln!("{path}: {e}");
                failed = true;
                continue;
            }
        };
        let kind = detect(&bytes).unwrap_or(DocumentKind::Text);
        let options = CheckOptions {
            strictness: if lenient {
                Strictness::Lenient
            } else {
                Strictness::Strict
            },
            file_name: (kind == DocumentKind::Hl7).then(|| path.clone()),
            ..CheckOptions::default()
        };
        let report = check(&bytes, kind, &options);
        failed |= report.has_errors();
        if json {
            println!("{}", report.to_json());
        } else {
            print!("{}", report.render_human(path));
        }
    }
    if failed {
        std::process::ExitCode::FAILURE
    } else {
        std::process::ExitCode::SUCCESS
    }
}
