//! `docs/openapi.json` against the running mock (issue 11 item 12): a vendor generates a client
//! from it, so every route and problem code in it must exist, and every one the mock has must be
//! in it. The route list is `idlink_protocol::headers::ROUTES`, the codes `ProblemCode::ALL`.

use std::collections::BTreeSet;

use idlink_protocol::ProblemCode;
use idlink_protocol::headers::{self as h, ROUTES, UPLOAD_HEADERS};
use serde_json::Value;

use crate::support::*;

fn spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");
    let text = std::fs::read_to_string(path).expect("docs/openapi.json exists");
    serde_json::from_str(&text).expect("docs/openapi.json is JSON")
}

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "patch", "head", "options"];

/// (METHOD, path template) of every operation in the description.
fn documented_routes(spec: &Value) -> BTreeSet<(String, String)> {
    let paths = spec["paths"].as_object().expect("paths");
    paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(|m| (m.to_ascii_uppercase(), path.clone()))
        })
        .collect()
}

/// Every `$ref` in the document, to check that each one resolves.
fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("$ref", Value::String(target)) => out.push(target.clone()),
                    _ => refs(inner, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| refs(i, out)),
        _ => {}
    }
}

fn properties(spec: &Value, schema: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let schema = &spec["components"]["schemas"][schema];
    let props = schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("{schema} has properties"))
        .keys()
        .cloned()
        .collect();
    let required = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    (props, required)
}

/// Every member of a real response is described, and every required one is there.
fn assert_matches_schema(spec: &Value, schema: &str, body: &Value) {
    let (props, required) = properties(spec, schema);
    let keys: BTreeSet<String> = body.as_object().unwrap().keys().cloned().collect();
    let undocumented: Vec<_> = keys.difference(&props).collect();
    let missing: Vec<_> = required.difference(&keys).collect();
    assert!(
        undocumented.is_empty(),
        "{schema}: not in docs/openapi.json: {undocumented:?}"
    );
    assert!(
        missing.is_empty(),
        "{schema}: required but not sent: {missing:?}"
    );
}

#[tokio::test]
async fn every_documented_route_is_served_and_every_served_route_is_documented() {
    // Arrange
    let spec = spec();
    let center = demo_center().await;
    let client = mtls_client(&center);
    let served: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();

    // Act
    let documented = documented_routes(&spec);
    let mut answers = Vec::new();
    for (method, path) in &documented {
        let url = format!(
            "{}{}",
            center.mtls_url(),
            path.replace("{receipt_id}", "rcpt-00000000000000000000000000")
        );
        let response = client
            .request(method.parse().unwrap(), url)
            .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        answers.push((method.clone(), path.clone(), status, body));
    }
    let unrouted = problem(
        client
            .get(format!("{}/v1/nothing-here", center.mtls_url()))
            .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
            .send()
            .await
            .unwrap(),
    )
    .await;

    // Assert
    assert_eq!(
        documented, served,
        "docs/openapi.json paths vs the v1 routes"
    );
    // The router's own not-found, so that an answer can be told apart from it.
    assert!(
        unrouted.detail.starts_with("no such endpoint"),
        "{}",
        unrouted.detail
    );
    for (method, path, status, body) in answers {
        assert_ne!(status, 405, "{method} {path}: the method is not routed");
        let detail = body["detail"].as_str().unwrap_or_default();
        assert!(
            !detail.starts_with("no such endpoint"),
            "{method} {path} reached the router's not-found: {detail}"
        );
        assert!(
            spec["paths"][&path][method.to_ascii_lowercase()]["responses"]
                .get(status.to_string())
                .is_some(),
            "{method} {path}: status {status} is not documented"
        );
    }
    center.shutdown().await;
}

#[tokio::test]
async fn the_problem_codes_are_exactly_the_protocol_crates_with_their_status() {
    let spec = spec();
    let entries = spec["components"]["schemas"]["ProblemCode"]["oneOf"]
        .as_array()
        .expect("ProblemCode.oneOf");
    let documented: BTreeSet<&str> = entries
        .iter()
        .map(|e| e["const"].as_str().unwrap())
        .collect();
    let known: BTreeSet<&str> = ProblemCode::ALL.iter().map(|c| c.as_str()).collect();

    assert_eq!(
        documented, known,
        "ProblemCode in docs/openapi.json vs protocol::problem"
    );
    for entry in entries {
        let code = ProblemCode::from_slug(entry["const"].as_str().unwrap()).unwrap();
        let title = entry["title"].as_str().unwrap();
        assert!(
            title.starts_with(&code.status().to_string()),
            "{code}: {title}"
        );
        assert_eq!(title.ends_with("(retryable)"), code.retryable(), "{code}");
        let description = entry["description"].as_str().unwrap();
        assert!(
            description.contains(code.requirement()),
            "{code}: {description}"
        );
        assert!(
            description.contains(&code.type_uri()),
            "{code}: {description}"
        );
        // Some operation documents the status the code comes with.
        let documented_somewhere = spec["paths"].as_object().unwrap().values().any(|item| {
            METHODS.iter().any(|m| {
                item[*m]["responses"]
                    .get(code.status().to_string())
                    .is_some()
            })
        });
        assert!(documented_somewhere, "{code}: status {}", code.status());
    }
}

#[tokio::test]
async fn every_upload_and_response_header_is_described_and_every_ref_resolves() {
    let spec = spec();
    let parameters: BTreeSet<&str> = spec["paths"][h::PATH_DOCUMENTS]["post"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    let expected: BTreeSet<&str> = UPLOAD_HEADERS.into_iter().collect();
    assert_eq!(parameters, expected);
    let response_headers: BTreeSet<String> = spec["components"]["headers"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.to_ascii_lowercase())
        .collect();
    for name in [h::PROTOCOL, h::REQUEST_ID, h::IDEMPOTENCY_REPLAYED] {
        assert!(response_headers.contains(name), "{name}");
    }
    let mut targets = Vec::new();
    refs(&spec, &mut targets);
    assert!(!targets.is_empty());
    for target in targets {
        let pointer = target.strip_prefix('#').expect("a local reference");
        assert!(spec.pointer(pointer).is_some(), "{target} does not resolve");
    }
}

#[tokio::test]
async fn real_receipts_whoami_answers_and_problems_match_their_schemas() {
    // Arrange
    let spec = spec();
    let center = demo_center().await;
    let client = mtls_client(&center);
    let get = |path: &str| {
        client
            .get(format!("{}{path}", center.mtls_url()))
            .basic_auth(CERT_ACCOUNT.0, Some(CERT_ACCOUNT.1))
    };

    // Act
    let stored: Value = hl7_upload(
        &client,
        &center.mtls_url(),
        CERT_ACCOUNT,
        "openapi-1",
        SAMPLE_OMP01,
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let updated: Value = hl7_upload(
        &client,
        &center.mtls_url(),
        CERT_ACCOUNT,
        "openapi-2",
        &sample_update(2),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let fetched: Value = get(&format!(
        "/v1/receipts/{}",
        stored["receipt_id"].as_str().unwrap()
    ))
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let whoami: Value = get(h::PATH_WHOAMI)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let problem: Value = get("/v1/receipts/rcpt-00000000000000000000000000")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // Assert
    for receipt in [&stored, &updated, &fetched] {
        assert_matches_schema(&spec, "Receipt", receipt);
    }
    assert!(
        fetched.get("superseded_by").is_some(),
        "the superseded receipt"
    );
    assert_matches_schema(&spec, "WhoAmI", &whoami);
    assert_matches_schema(&spec, "TlsSummary", &whoami["tls"]);
    assert_matches_schema(&spec, "CertificateSummary", &whoami["client_certificate"]);
    assert_matches_schema(&spec, "Problem", &problem);
    center.shutdown().await;
}
