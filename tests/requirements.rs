//! Traceability: every requirement ID that docs/protocol.md defines is cited by a test.
//!
//! A requirement nobody tests is a promise nobody keeps. The IDs are defined in the first column
//! of the document's tables; a test cites one by writing it anywhere in a test file (usually a
//! comment next to the assertion that enforces it).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// IDs defined by the document: the first cell of a table row, e.g. "| `PROTO-AUTH-003` | ...".
fn defined_requirements(protocol_md: &str) -> BTreeSet<String> {
    protocol_md
        .lines()
        .filter_map(|line| line.strip_prefix("| `PROTO-"))
        .filter_map(|rest| rest.split_once('`').map(|(id, _)| format!("PROTO-{id}")))
        .collect()
}

/// Every Rust file under a `tests/` directory of the workspace, and every `src/` file with an
/// in-module test section (only the part after `#[cfg(test)]` counts there).
fn test_sources(root: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !(name.starts_with('.') || name.starts_with("target") || name == "pki") {
                    stack.push(path);
                }
            } else if name.ends_with(".rs") {
                let Ok(text) = fs::read_to_string(&path) else {
                    continue;
                };
                let in_tests_dir = path.components().any(|c| c.as_os_str() == "tests");
                if in_tests_dir {
                    out.push((path, text));
                } else if let Some(at) = text.find("#[cfg(test)]") {
                    out.push((path, text[at..].to_owned()));
                }
            }
        }
    }
    out
}

#[test]
fn every_protocol_requirement_is_cited_by_at_least_one_test() {
    // Arrange
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = fs::read_to_string(root.join("docs/protocol.md")).expect("docs/protocol.md exists");
    let defined = defined_requirements(&doc);
    let sources = test_sources(root);
    let this_file = Path::new(file!()).file_name();

    // Act
    let uncited: Vec<&String> = defined
        .iter()
        .filter(|id| {
            !sources
                .iter()
                .filter(|(path, _)| path.file_name() != this_file)
                .any(|(_, text)| text.contains(id.as_str()))
        })
        .collect();

    // Assert
    assert!(
        defined.len() >= 30,
        "found only {} requirement IDs in docs/protocol.md",
        defined.len()
    );
    assert!(
        uncited.is_empty(),
        "docs/protocol.md defines requirements that no test cites: {uncited:?}\n\
         Cite each one in the test that enforces it (a comment with the ID is enough)."
    );
}

#[test]
fn requirement_ids_are_parsed_from_table_rows_only() {
    let doc =
        "| `PROTO-TLS-001` | rule |\ntext mentioning `PROTO-X-009` inline\n| `PROTO-UP-002` | r |";
    let ids: Vec<String> = defined_requirements(doc).into_iter().collect();
    assert_eq!(ids, ["PROTO-TLS-001", "PROTO-UP-002"]);
}
