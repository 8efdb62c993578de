//! The service center's HTTP API (both TLS listeners): routing, the per-request middleware that
//! assigns request IDs and journals requests and responses, authentication, the connectivity
//! check and receipt lookups. Uploads live in [`crate::upload`].

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use idlink_protocol::headers::{
    DOCUMENT_KIND, IDEMPOTENCY_KEY, PATH_DOCUMENTS, PATH_RECEIPTS, PATH_WHOAMI, PATIENT_ID,
    PROTOCOL, PROTOCOL_VERSION, REQUEST_ID,
};
use idlink_protocol::{ProblemCode, WhoAmI};

use crate::accounts::Principal;
use crate::center::Shared;
use crate::clock;
use crate::config::AccessMode;
use crate::journal::{JournalEvent, Listener};
use crate::problem::{ApiProblem, Outcome, PendingProblem};
use crate::server::ConnectionInfo;

/// The request ID of the current request (a request extension set by the middleware).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Marks a response that was never sent because a fault reset the connection; the middleware
/// journals no response for it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Suppressed;

/// The router served on both TLS listeners.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(PATH_WHOAMI, get(whoami).fallback(wrong_method))
        .route(
            PATH_DOCUMENTS,
            post(crate::upload::upload)
                // The upload streams its body to disk and enforces its own limit
                // (`PROTO-UP-010`); axum's 2 MB default must not apply.
                .layer(DefaultBodyLimit::disable())
                .fallback(wrong_method),
        )
        .route(
            &format!("{PATH_RECEIPTS}/{{receipt_id}}"),
            get(receipt).fallback(wrong_method),
        )
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            journal_request,
        ))
        .with_state(shared)
}

/// Longest declared header value journaled (a valid idempotency key has at most 128
/// characters); an invalid one is cut rather than letting a client grow the journal.
const DECLARED_MAX_CHARS: usize = 128;

/// Request ID, `IDLink-Protocol`, journal entries, and `request_id` in problem documents
/// (`PROTO-CONN-002`, `PROTO-ERR-001`).
async fn journal_request(
    State(shared): State<Arc<Shared>>,
    mut request: Request,
    next: Next,
) -> Response {
    let request_id = clock::request_id();
    let info = request.extensions().get::<Arc<ConnectionInfo>>().cloned();
    let connection = info.as_ref().map(|i| i.id);
    let listener = info.as_ref().map(|i| i.listener);
    // What an upload declares, as sent (validated later): journaled before any check can
    // refuse it, so every attempt of a retried document shows its key.
    let [idempotency_key, patient_id, document_kind] = {
        let is_upload =
            request.method() == axum::http::Method::POST && request.uri().path() == PATH_DOCUMENTS;
        [IDEMPOTENCY_KEY, PATIENT_ID, DOCUMENT_KIND].map(|name| {
            is_upload
                .then(|| request.headers().get(name)?.to_str().ok())
                .flatten()
                .map(|value| value.trim().chars().take(DECLARED_MAX_CHARS).collect())
        })
    };
    shared.journal.record(
        connection,
        listener,
        JournalEvent::Request {
            request_id: request_id.clone(),
            method: request.method().to_string(),
            path: request.uri().path().to_owned(),
            version: format!("{:?}", request.version()),
            idempotency_key,
            patient_id,
            document_kind,
        },
    );
    request
        .extensions_mut()
        .insert(RequestId(request_id.clone()));
    let started = Instant::now();
    let mut response = next.run(request).await;

    if let Some(PendingProblem(mut problem)) = response.extensions_mut().remove::<PendingProblem>()
    {
        problem.request_id = Some(request_id.clone());
        *response.body_mut() = Body::from(serde_json::to_vec(&problem).unwrap_or_default());
        response.headers_mut().remove(header::CONTENT_LENGTH);
    }
    let headers = response.headers_mut();
    headers.insert(PROTOCOL, HeaderValue::from_static(PROTOCOL_VERSION));
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID, value);
    }
    if response.extensions().get::<Suppressed>().is_none() {
        let outcome = response
            .extensions()
            .get::<Outcome>()
            .cloned()
            .unwrap_or_default();
        shared.journal.record(
            connection,
            listener,
            JournalEvent::Response {
                request_id,
                status: response.status().as_u16(),
                code: outcome.code.map(|c| c.as_str().to_owned()),
                account: outcome.account,
                receipt_id: outcome.receipt_id,
                duration_ms: started.elapsed().as_millis() as u64,
            },
        );
    }
    response
}

/// A request that passed every authentication check (`PROTO-AUTH-*`).
#[derive(Debug, Clone)]
pub(crate) struct Authenticated {
    /// The account.
    pub principal: Principal,
    /// The connection.
    pub connection: Arc<ConnectionInfo>,
}

impl FromRequestParts<Arc<Shared>> for Authenticated {
    type Rejection = ApiProblem;

    async fn from_request_parts(
        parts: &mut Parts,
        shared: &Arc<Shared>,
    ) -> Result<Self, ApiProblem> {
        let connection = parts
            .extensions
            .get::<Arc<ConnectionInfo>>()
            .cloned()
            .ok_or_else(|| {
                ApiProblem::new(
                    ProblemCode::InternalError,
                    "the request reached the API without connection information (server bug)",
                )
            })?;
        let principal = shared
            .accounts
            .authenticate(
                parts
                    .headers
                    .get(header::AUTHORIZATION)
                    .map(|v| v.as_bytes()),
            )
            .map_err(|failure| ApiProblem::new(failure.code, failure.detail))?;
        // PROTO-AUTH-007
        match (principal.mode, connection.listener) {
            (AccessMode::Certificate, Listener::Vpn) => {
                return Err(ApiProblem::new(
                    ProblemCode::WrongListener,
                    format!(
                        "account {} is a certificate account: connect to the mutual-TLS listener with the facility's client certificate, not the VPN listener",
                        principal.account
                    ),
                )
                .account(&principal.account));
            }
            (AccessMode::Vpn, Listener::Mtls) => {
                return Err(ApiProblem::new(
                    ProblemCode::WrongListener,
                    format!(
                        "account {} is a VPN account: connect through the on-demand VPN listener",
                        principal.account
                    ),
                )
                .account(&principal.account));
            }
            _ => {}
        }
        // PROTO-AUTH-006
        if connection.listener == Listener::Mtls {
            let certificate_facility = connection
                .client_certificate
                .as_ref()
                .and_then(|c| c.facility.as_ref());
            if certificate_facility != Some(&principal.facility) {
                let found = certificate_facility
                    .map(|f| format!("facility {f}"))
                    .unwrap_or_else(|| "no facility code".to_owned());
                return Err(ApiProblem::new(
                    ProblemCode::CertificateFacilityMismatch,
                    format!(
                        "the client certificate carries {found}, but account {} belongs to facility {}: use the certificate issued to facility {}",
                        principal.account, principal.facility, principal.facility
                    ),
                )
                .account(&principal.account));
            }
        }
        Ok(Self {
            principal,
            connection,
        })
    }
}

/// Adds the account to a success response's journal entry.
pub(crate) fn with_outcome(mut response: Response, outcome: Outcome) -> Response {
    response.extensions_mut().insert(outcome);
    response
}

/// `GET /v1/whoami` (`PROTO-CONN-001`).
async fn whoami(auth: Authenticated) -> Response {
    let body = WhoAmI {
        protocol: PROTOCOL_VERSION.to_owned(),
        account: auth.principal.account.clone(),
        facility: auth.principal.facility.to_string(),
        listener: auth.connection.listener.as_str().to_owned(),
        tls: auth.connection.tls.clone(),
        client_certificate: auth
            .connection
            .client_certificate
            .as_ref()
            .map(|c| c.summary.clone()),
        server_time: clock::rfc3339(clock::now()),
    };
    with_outcome(
        axum::Json(body).into_response(),
        Outcome {
            account: Some(auth.principal.account),
            ..Outcome::default()
        },
    )
}

/// `GET /v1/receipts/{receipt_id}` (`PROTO-RCPT-001`): only the uploading facility sees it.
async fn receipt(
    State(shared): State<Arc<Shared>>,
    auth: Authenticated,
    Path(receipt_id): Path<String>,
) -> Result<Response, ApiProblem> {
    let account = auth.principal.account.clone();
    match shared.store.receipt(&receipt_id) {
        Some(doc) if doc.receipt.facility == auth.principal.facility.as_str() => Ok(with_outcome(
            axum::Json(doc.receipt).into_response(),
            Outcome {
                account: Some(account),
                receipt_id: Some(receipt_id),
                ..Outcome::default()
            },
        )),
        _ => Err(ApiProblem::new(
            ProblemCode::NotFound,
            format!(
                "no receipt {receipt_id} for facility {}",
                auth.principal.facility
            ),
        )
        .account(&account)),
    }
}

async fn not_found(request: Request) -> ApiProblem {
    ApiProblem::new(
        ProblemCode::NotFound,
        format!(
            "no such endpoint: {} {}; protocol v1 has GET {PATH_WHOAMI}, POST {PATH_DOCUMENTS} and GET {PATH_RECEIPTS}/{{receipt_id}}",
            request.method(),
            request.uri().path()
        ),
    )
}

async fn wrong_method(request: Request) -> ApiProblem {
    // Each route has exactly one method (docs/protocol.md): uploads are POSTed, the rest read.
    let path = request.uri().path();
    let allowed = if path == PATH_DOCUMENTS {
        "POST"
    } else {
        "GET"
    };
    let mut problem = ApiProblem::new(
        ProblemCode::NotFound,
        format!(
            "{} is not supported on {path}; use {allowed} (see docs/protocol.md)",
            request.method()
        ),
    );
    // The route exists, so HTTP says 405; the document says the same.
    problem.problem.status = StatusCode::METHOD_NOT_ALLOWED.as_u16();
    problem
}
