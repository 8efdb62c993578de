//! docs/protocol.md against this crate: the error table is `ProblemCode`, and the worked
//! example's digest, hash and size are those of the fixture it names. A vendor copies these
//! values; they must be right.

use std::fs;
use std::path::{Path, PathBuf};

use idlink_protocol::{ContentDigest, ProblemCode};
use sha2::{Digest, Sha256};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn protocol_md() -> String {
    fs::read_to_string(root().join("docs/protocol.md")).expect("docs/protocol.md exists")
}

/// The text between `start` and the next `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} is in docs/protocol.md"))
        + start.len();
    let len = text[from..]
        .find(end)
        .unwrap_or_else(|| panic!("{end:?} follows {start:?}"));
    &text[from..from + len]
}

// PROTO-ERR-001
#[test]
fn the_error_table_lists_every_problem_code_with_its_status_and_retryability() {
    // Arrange
    let doc = protocol_md();

    // Act: rows "| `code` | status | yes/no | cause |"
    let rows: Vec<(String, u16, bool)> = doc
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let code = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            let status = cells.get(2)?.parse().ok()?;
            let retryable = match *cells.get(3)? {
                "yes" => true,
                "no" => false,
                _ => return None,
            };
            Some((code.to_owned(), status, retryable))
        })
        .collect();

    // Assert
    let expected: Vec<(String, u16, bool)> = ProblemCode::ALL
        .iter()
        .map(|c| (c.as_str().to_owned(), c.status(), c.retryable()))
        .collect();
    assert_eq!(rows, expected);
}

// PROTO-UP-009
#[test]
fn the_worked_example_carries_the_digest_hash_and_size_of_its_fixture() {
    // Arrange
    let doc = protocol_md();
    let examples = &doc[doc.find("## Examples").expect("an Examples section")..];
    let fixture = between(examples, "`scenarios/fixtures/", "`");
    let body = fs::read(root().join("scenarios/fixtures").join(fixture)).expect("fixture exists");

    // Act
    let digest = format!(
        "sha-256={}",
        between(examples, "Content-Digest: sha-256=", "\n")
    );
    let sha256 = between(examples, "\"sha256\":\"", "\"");
    let size = between(examples, "\"size\":", ",");
    let length = between(examples, "Content-Length: ", "\n");

    // Assert
    assert_eq!(digest, ContentDigest::of(&body).to_string());
    let hex: String = Sha256::digest(&body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(sha256, hex);
    assert_eq!(size, body.len().to_string());
    assert_eq!(length, body.len().to_string());
}
