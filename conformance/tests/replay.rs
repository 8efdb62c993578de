//! A field failure becomes a regression scenario: `replay` reads a saved journal or a
//! `storeclient --trace` file and writes a scenario that loads and answers as the field did.

use std::path::{Path, PathBuf};

use idlink_mock::scenario::Scenario;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A journal as `idlink-mock` writes it: a 503 with Retry-After, a reset after storing, then the
/// replayed receipt.
const JOURNAL: &str = r#"{"seq":1,"at":"2026-11-29T10:00:00.000Z","t_us":0,"event":"started","mtls_url":"https://localhost:1","vpn_url":"https://localhost:2","documents":0}
{"seq":2,"at":"2026-11-29T10:00:00.010Z","t_us":10000,"connection":1,"listener":"mtls","event":"request","request_id":"req-1","method":"POST","path":"/v1/documents","version":"HTTP/2.0","idempotency_key":"k","patient_id":"9999013","document_kind":"hl7","data_kind":"OMP-01","content_digest":"ab","attempt":1}
{"seq":3,"at":"2026-11-29T10:00:00.011Z","t_us":11000,"connection":1,"listener":"mtls","event":"response","request_id":"req-1","status":503,"code":"maintenance","retry_after":"30","duration_ms":1}
{"seq":4,"at":"2026-11-29T10:00:30.010Z","t_us":30010000,"connection":2,"listener":"mtls","event":"request","request_id":"req-2","method":"POST","path":"/v1/documents","version":"HTTP/2.0","idempotency_key":"k","patient_id":"9999013","document_kind":"hl7","data_kind":"OMP-01","content_digest":"ab","attempt":2}
{"seq":5,"at":"2026-11-29T10:00:30.011Z","t_us":30011000,"connection":2,"listener":"mtls","event":"action-fired","state":"armed","action":{"kind":"store-then-reset"},"label":"store then reset","request_id":"req-2","attempt":2}
{"seq":6,"at":"2026-11-29T10:00:30.020Z","t_us":30020000,"connection":2,"listener":"mtls","event":"connection-closed","error":"ended by the scenario engine: TCP reset (SO_LINGER 0)"}
{"seq":7,"at":"2026-11-29T10:00:31.000Z","t_us":31000000,"connection":3,"listener":"mtls","event":"request","request_id":"req-3","method":"POST","path":"/v1/documents","version":"HTTP/2.0","idempotency_key":"k","patient_id":"9999013","document_kind":"hl7","data_kind":"OMP-01","content_digest":"ab","attempt":3}
{"seq":8,"at":"2026-11-29T10:00:31.001Z","t_us":31001000,"connection":3,"listener":"mtls","event":"response","request_id":"req-3","status":200,"account":"fac-0112345678","receipt_id":"rcpt-1","duration_ms":1}
"#;

/// The same story as a storeclient trace (Authorization already redacted by the client).
const TRACE: &str = r#"{"started_at":"2026-11-29T10:00:00.000Z","document":"a.hl7","attempt":1,"request":{"method":"POST","url":"https://x/v1/documents","headers":[["authorization","[redacted]"],["idlink-document-kind","hl7"],["idlink-data-kind","OMP-01"]],"body_digest":"sha-256=:q:","body_size":10},"response":{"status":429,"version":"HTTP/2.0","headers":[["retry-after","5"]],"body":"{\"code\":\"rate-limited\",\"status\":429}"},"elapsed_ms":3,"error":{"class":"retryable","kind":"rate-limited","message":"x"}}
{"started_at":"2026-11-29T10:00:05.000Z","document":"a.hl7","attempt":2,"request":{"method":"POST","url":"https://x/v1/documents","headers":[["authorization","[redacted]"]],"body_digest":"sha-256=:q:","body_size":10},"response":null,"elapsed_ms":3,"error":{"class":"retryable","kind":"closed-before-response","message":"x"}}
{"started_at":"2026-11-29T10:00:06.000Z","document":"a.hl7","attempt":3,"request":{"method":"POST","url":"https://x/v1/documents","headers":[["authorization","[redacted]"]],"body_digest":"sha-256=:q:","body_size":10},"response":{"status":201,"version":"HTTP/2.0","headers":[],"body":"{}"},"elapsed_ms":3,"error":null}
"#;

fn replayed(name: &str, text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let scenario = idlink_conformance::replay::replay(&path, "FIELD-1").expect("replays");
    // It loads as a scenario of the shipped suite would (fixtures relative to scenarios/<area>).
    let base = repo().join("scenarios/retry");
    Scenario::from_toml(&scenario, &base.join("FIELD-1.toml"), &base)
        .unwrap_or_else(|e| panic!("the replay is a valid scenario: {e}\n{scenario}"));
    scenario.replace(&path.display().to_string(), "[FILE]")
}

#[test]
fn a_saved_journal_becomes_a_scenario_that_answers_as_the_field_did() {
    let scenario = replayed("journal.jsonl", JOURNAL);
    assert!(scenario.contains(r#"kind = "problem", code = "maintenance", retry_after = "30s""#));
    assert!(scenario.contains(r#"kind = "store-then-reset""#));
    insta::assert_snapshot!(scenario);
}

#[test]
fn a_storeclient_trace_becomes_a_scenario_without_any_secret() {
    let scenario = replayed("trace.jsonl", TRACE);
    assert!(scenario.contains(r#"code = "rate-limited", retry_after = "5s""#));
    assert!(scenario.contains(r#"kind = "empty-response""#));
    assert!(!scenario.contains("authorization") && !scenario.contains("redacted"));
    insta::assert_snapshot!(scenario);
}

#[test]
fn a_file_that_is_neither_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.jsonl");
    std::fs::write(&path, "not json\n").unwrap();
    let error = idlink_conformance::replay::replay(&path, "X").unwrap_err();
    assert!(error.to_string().contains(":1:"), "{error}");
}
