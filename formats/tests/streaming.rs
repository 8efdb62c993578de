//! `check_file` (bounded memory, for the service center) and `check` (bytes in memory, for
//! pre-flight) must agree, or the client and the center would judge one file differently.

use std::path::{Path, PathBuf};

use idlink_formats::{Charset, CheckOptions, DocumentKind, Strictness, check, check_file};

use crate::fictional_profile;

fn every_fixture(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            every_fixture(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn check_file_reports_exactly_what_check_reports_on_every_fixture() {
    // Arrange: every fixture, as every kind, under options that change each kind's verdict.
    let mut files = Vec::new();
    every_fixture(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data"),
        &mut files,
    );
    assert!(files.len() > 50, "found only {} fixtures", files.len());
    let options = [
        CheckOptions::default(),
        CheckOptions {
            strictness: Strictness::Lenient,
            ..CheckOptions::default()
        },
        CheckOptions {
            charset_override: Some(Charset::ShiftJis),
            nsips_profile: Some(fictional_profile()),
            ..CheckOptions::default()
        },
        CheckOptions {
            charset_override: Some(Charset::Iso2022Jp),
            max_pdf_bytes: Some(100),
            ..CheckOptions::default()
        },
    ];
    let mut compared = 0;
    for path in &files {
        let bytes = std::fs::read(path).expect("the fixture reads");
        for kind in [
            DocumentKind::Hl7,
            DocumentKind::Nsips,
            DocumentKind::Pdf,
            DocumentKind::Text,
        ] {
            for option in &options {
                // Act
                let streamed = check_file(path, kind, option).expect("the fixture reads");
                // Assert
                assert_eq!(
                    streamed,
                    check(&bytes, kind, option),
                    "{} as {kind} with {option:?}",
                    path.display()
                );
                compared += 1;
            }
        }
    }
    assert_eq!(compared, files.len() * 16);
}
