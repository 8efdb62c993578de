//! Requirement coverage: every requirement of `docs/protocol.md` that asks something of a
//! client is verified by at least one shipped scenario, and every requirement a scenario cites
//! exists.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What `docs/protocol.md` asks of a client: the `PROTO-CLI-*` rules, and the TLS, auth, upload,
/// idempotency and error rules a client must follow to be served.
const CLIENT_REQUIREMENTS: &[&str] = &[
    "PROTO-CLI-001",
    "PROTO-CLI-002",
    "PROTO-CLI-003",
    "PROTO-CLI-004",
    "PROTO-CLI-005",
    "PROTO-CLI-006",
    "PROTO-TLS-003",
    "PROTO-TLS-004",
    "PROTO-TLS-006",
    "PROTO-AUTH-001",
    "PROTO-AUTH-002",
    "PROTO-AUTH-003",
    "PROTO-AUTH-006",
    "PROTO-AUTH-007",
    "PROTO-UP-002",
    "PROTO-UP-003",
    "PROTO-UP-004",
    "PROTO-UP-006",
    "PROTO-UP-008",
    "PROTO-UP-009",
    "PROTO-UP-011",
    "PROTO-UP-012",
    "PROTO-IDEM-001",
    "PROTO-IDEM-002",
    "PROTO-IDEM-004",
    "PROTO-IDEM-005",
    "PROTO-ERR-002",
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn every_client_requirement_is_verified_by_a_shipped_scenario() {
    let entries = idlink_conformance::suite::load(&repo().join("scenarios"), None).unwrap();
    let mut cited = BTreeSet::new();
    for entry in &entries {
        let scenario = entry
            .scenario
            .as_ref()
            .expect("every shipped scenario loads");
        cited.extend(scenario.spec.verifies.iter().cloned());
        for e in &scenario.spec.expectations {
            cited.extend(e.verifies.iter().cloned());
        }
    }
    let missing: Vec<&&str> = CLIENT_REQUIREMENTS
        .iter()
        .filter(|r| !cited.contains(**r))
        .collect();
    assert!(
        missing.is_empty(),
        "not verified by any scenario: {missing:?}"
    );

    let protocol = std::fs::read_to_string(repo().join("docs/protocol.md")).unwrap();
    let unknown: Vec<&String> = cited
        .iter()
        .filter(|r| !protocol.contains(&format!("`{r}`")))
        .collect();
    assert!(
        unknown.is_empty(),
        "cited but not in docs/protocol.md: {unknown:?}"
    );
    assert!(
        entries.len() >= 40,
        "the shipped suite has {} scenarios",
        entries.len()
    );
}
