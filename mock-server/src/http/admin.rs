//! The admin API and web view, on a separate listener bound to 127.0.0.1 only.
//!
//! Plain HTTP: the listener is loopback-only and exists for the operator of a test run, so TLS
//! would add setup without protecting anything a local user could not read from the data
//! directory anyway. Every route needs the bearer token printed at start-up
//! (`Authorization: Bearer <token>`, or `?token=<token>` so the HTML view opens in a browser).

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use idlink_protocol::{FacilityCode, PatientId};
use serde::Deserialize;

use crate::config::ConsentConfig;
use crate::journal::JournalEvent;
use crate::scenario::{Fault, Scenario};
use crate::state::CenterState;

/// The admin router.
pub(crate) fn router(shared: Arc<CenterState>) -> Router {
    Router::new()
        .route("/admin/documents", get(documents))
        .route("/admin/status", get(status))
        .route("/admin/journal", get(journal))
        .route("/admin/consents", get(consents).post(add_consent))
        .route(
            "/admin/consents/{facility}/{patient_id}",
            axum::routing::delete(remove_consent),
        )
        .route("/admin/accounts", get(accounts))
        .route("/admin/accounts/{id}/unlock", post(unlock))
        .route(
            "/admin/faults",
            get(faults).post(inject_fault).delete(clear_faults),
        )
        .route("/admin/scenario", get(scenario).post(load_scenario))
        .route("/admin/reset", post(reset))
        .with_state(shared.clone())
        // The certificate desk (issue 13); same token, same headers.
        .merge(super::desk::router(shared.clone()))
        // The web view (`/` and `/web/...`) lives in its own module; same token, same headers.
        .merge(crate::web::router(shared.clone()))
        .layer(middleware::from_fn_with_state(shared, require_token))
        // Outermost, so the token refusal and unknown paths carry the headers too.
        .layer(middleware::from_fn(security_headers))
}

/// Headers on every admin answer (issue 10 item 14). The pages hold patient IDs and the journal:
/// nothing may be framed, sniffed into another type, cached or leak in a `Referer`. The policy
/// allows no script and no external resource; the web view needs only its inline `<style>`. A
/// web-view route that needs more (the journal's polling script, the inline PDF) sets its own
/// `Content-Security-Policy` / `X-Frame-Options`, narrowed to that route, and keeps it.
const SECURITY_HEADERS: [(header::HeaderName, &str); 5] = [
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    ),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::CACHE_CONTROL, "no-store"),
    (header::REFERRER_POLICY, "no-referrer"),
];

async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        let own = matches!(
            name,
            header::CONTENT_SECURITY_POLICY | header::X_FRAME_OPTIONS
        );
        if !(own && headers.contains_key(&name)) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    response
}

async fn require_token(
    State(shared): State<Arc<CenterState>>,
    request: Request,
    next: Next,
) -> Response {
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let query = request.uri().query().and_then(|q| {
        q.split('&')
            .find_map(|pair| pair.strip_prefix("token="))
            .map(str::to_owned)
    });
    let presented = bearer.or(query);
    if presented
        .as_deref()
        .is_some_and(|t| constant_time_eq(t.as_bytes(), shared.admin_token.as_bytes()))
    {
        return next.run(request).await;
    }
    let mut response = (
        StatusCode::UNAUTHORIZED,
        Json(serde_json::json!({
            "error": "the admin API needs the token printed at start-up: Authorization: Bearer <token>"
        })),
    )
        .into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"idlink-mock-admin\""),
    );
    response
}

/// Compares without an early exit, so the token cannot be guessed byte by byte from timing.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn documents(State(shared): State<Arc<CenterState>>) -> Response {
    Json(shared.store.documents()).into_response()
}

/// Storage faults the server survived but an operator must see: journal-file write failures,
/// and a store that refuses new documents until a restart.
async fn status(State(shared): State<Arc<CenterState>>) -> Response {
    Json(serde_json::json!({
        "storage": { "refusing_commits": shared.store.unsettled() },
        "journal_file": shared.journal.file_health(),
    }))
    .into_response()
}

#[derive(Debug, Deserialize)]
struct JournalQuery {
    /// Only entries with a larger sequence number: the page starts right after it.
    since: Option<u64>,
    /// At most this many, default 1000: the oldest after `since` when `since` is given (page
    /// forward by passing the last `seq` seen), else the newest (the tail of the journal).
    limit: Option<usize>,
    /// Long poll: when nothing is newer than `since`, wait up to this long (at most 30 s) for
    /// an entry, so scripts and black-box tests never sleep.
    wait_ms: Option<u64>,
    #[serde(rename = "token")]
    _token: Option<String>,
}

async fn journal(
    State(shared): State<Arc<CenterState>>,
    Query(query): Query<JournalQuery>,
) -> Response {
    let since = query.since.unwrap_or(0);
    if let Some(wait) = query.wait_ms {
        let wait = std::time::Duration::from_millis(wait.min(30_000));
        // A timeout just means "nothing new": answer with the empty list.
        let _ = shared.journal.wait_for(|e| e.seq > since, wait).await;
    }
    let entries: Vec<_> = shared
        .journal
        .entries()
        .into_iter()
        .filter(|e| e.seq > since)
        .collect();
    let limit = query.limit.unwrap_or(1000);
    let page = match query.since {
        Some(_) => &entries[..limit.min(entries.len())],
        None => &entries[entries.len().saturating_sub(limit)..],
    };
    Json(page).into_response()
}

async fn consents(State(shared): State<Arc<CenterState>>) -> Response {
    Json(shared.consents.list()).into_response()
}

async fn add_consent(
    State(shared): State<Arc<CenterState>>,
    Json(consent): Json<ConsentConfig>,
) -> Response {
    let added = shared
        .consents
        .add(consent.facility.clone(), consent.patient_id.clone());
    shared.journal.record(
        None,
        None,
        JournalEvent::Admin {
            action: format!("consent added: {} {}", consent.facility, consent.patient_id),
        },
    );
    let status = if added {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (status, Json(consent)).into_response()
}

async fn remove_consent(
    State(shared): State<Arc<CenterState>>,
    Path((facility, patient_id)): Path<(String, String)>,
) -> Response {
    let (Ok(facility), Ok(patient_id)) = (
        FacilityCode::parse(&facility),
        PatientId::parse(&patient_id),
    ) else {
        return (
            StatusCode::BAD_REQUEST,
            "expected /admin/consents/<10-digit facility>/<patient id>",
        )
            .into_response();
    };
    if shared.consents.remove(&facility, &patient_id) {
        shared.journal.record(
            None,
            None,
            JournalEvent::Admin {
                action: format!("consent removed: {facility} {patient_id}"),
            },
        );
        StatusCode::NO_CONTENT.into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

async fn accounts(State(shared): State<Arc<CenterState>>) -> Response {
    Json(shared.accounts.list()).into_response()
}

async fn unlock(State(shared): State<Arc<CenterState>>, Path(id): Path<String>) -> Response {
    if shared.accounts.unlock(&id) {
        shared.journal.record(
            None,
            None,
            JournalEvent::Admin {
                action: format!("account unlocked: {id}"),
            },
        );
        StatusCode::NO_CONTENT.into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

async fn faults(State(shared): State<Arc<CenterState>>) -> Response {
    Json(shared.engine.pending()).into_response()
}

/// Arms a fault: `{"action": {"kind": "problem", "code": "maintenance", "retry_after": "2s"},
/// "times": 1}`, any action of `docs/scenarios.md`, for the next `times` uploads.
async fn inject_fault(
    State(shared): State<Arc<CenterState>>,
    Json(fault): Json<Fault>,
) -> Response {
    shared.journal.record(
        None,
        None,
        JournalEvent::Admin {
            action: format!("fault armed: {} x{}", fault.action.label(), fault.times),
        },
    );
    shared.engine.inject(fault);
    StatusCode::NO_CONTENT.into_response()
}

async fn clear_faults(State(shared): State<Arc<CenterState>>) -> Response {
    shared.engine.clear();
    shared.journal.record(
        None,
        None,
        JournalEvent::Admin {
            action: "faults disarmed".to_owned(),
        },
    );
    StatusCode::NO_CONTENT.into_response()
}

/// The running scenario: its current state, the states visited, counters.
async fn scenario(State(shared): State<Arc<CenterState>>) -> Response {
    Json(shared.engine.status()).into_response()
}

/// Loads a scenario sent as TOML (fixture paths relative to the mock's working directory).
async fn load_scenario(State(shared): State<Arc<CenterState>>, body: String) -> Response {
    let base = std::env::current_dir().unwrap_or_default();
    let loaded = Scenario::from_toml(&body, std::path::Path::new("<admin request>"), &base)
        .and_then(|scenario| Ok((scenario.fixture_digests()?, scenario)));
    match loaded {
        Ok((digests, scenario)) => {
            let seed = scenario.spec.run.seed;
            shared.engine.load(Arc::new(scenario), digests, seed);
            Json(shared.engine.status()).into_response()
        }
        Err(error) => (StatusCode::UNPROCESSABLE_ENTITY, error.to_string()).into_response(),
    }
}

/// Deletes every document, restores accounts and consents to the configuration, removes the
/// scenario and the faults and empties the in-memory journal (the journal file keeps its
/// history).
async fn reset(State(shared): State<Arc<CenterState>>) -> Response {
    match shared.reset().await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_exactly() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
