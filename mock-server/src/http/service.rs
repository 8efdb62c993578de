//! The service center's HTTP API (both TLS listeners): routing, the per-request middleware that
//! assigns request IDs, asks the scenario engine what to do, carries out the actions that need
//! no body and journals requests and responses, authentication, the connectivity check and
//! receipt lookups. Uploads live in [`super::upload`].

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
    CONTENT_DIGEST, DATA_KIND, DESTINATION, DOCUMENT_KIND, IDEMPOTENCY_KEY, PATH_DOCUMENTS,
    PATH_RECEIPTS, PATH_WHOAMI, PATIENT_ID, PROTOCOL, PROTOCOL_VERSION, REQUEST_ID,
};
use idlink_protocol::{ProblemCode, Receipt, WhoAmI};

use crate::accounts::Principal;
use crate::clock;
use crate::config::AccessMode;
use crate::journal::{JournalEvent, Listener};
use crate::problem::{ApiProblem, LocalizedDetail, Outcome, PendingProblem};
use crate::scenario::file::Route;
use crate::scenario::{ActionSpec, RequestFacts};
use crate::server::ConnectionAction;
use crate::server::ConnectionInfo;
use crate::state::CenterState;
use idlink_i18n::Message;

/// The request ID of the current request (a request extension set by the middleware).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Marks a response that was never sent because a fault reset the connection; the middleware
/// journals no response for it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Suppressed;

/// The router served on both TLS listeners.
pub(crate) fn router(shared: Arc<CenterState>) -> Router {
    Router::new()
        .route(PATH_WHOAMI, get(whoami).fallback(wrong_method))
        .route(
            PATH_DOCUMENTS,
            post(super::upload::upload)
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

/// The route of a request, for the engine's matchers.
fn route_of(path: &str) -> Route {
    if path == PATH_DOCUMENTS {
        Route::Upload
    } else if path == PATH_WHOAMI {
        Route::Whoami
    } else if path.starts_with(PATH_RECEIPTS) {
        Route::Receipt
    } else {
        Route::Other
    }
}

/// Request ID, the engine's decision, `IDLink-Protocol`, journal entries, and `request_id` in
/// problem documents (`PROTO-CONN-002`, `PROTO-ERR-001`).
async fn journal_request(
    State(state): State<Arc<CenterState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let request_id = clock::request_id();
    let info = request.extensions().get::<Arc<ConnectionInfo>>().cloned();
    let connection = info.as_ref().map(|i| i.id);
    let listener = info.as_ref().map(|i| i.listener);
    let route = route_of(request.uri().path());
    // Problem titles and details in the reader's language; `type` and `code` stay as they are.
    let lang = request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(idlink_i18n::Lang::from_accept_language)
        .unwrap_or_default();
    let is_upload = request.method() == axum::http::Method::POST && route == Route::Upload;
    // What an upload declares, as sent (validated later): journaled before any check can
    // refuse it, so every attempt of a retried document shows its key. Read into owned values
    // here: a borrow of the request (whose body is not `Sync`) must not live across an await.
    let [
        key,
        patient,
        document_kind,
        data_kind,
        destination,
        content_type,
        digest,
    ] = [
        IDEMPOTENCY_KEY,
        PATIENT_ID,
        DOCUMENT_KIND,
        DATA_KIND,
        DESTINATION,
        "content-type",
        CONTENT_DIGEST,
    ]
    .map(|name| {
        is_upload
            .then(|| request.headers().get(name)?.to_str().ok())
            .flatten()
            .map(|value| {
                value
                    .trim()
                    .chars()
                    .take(DECLARED_MAX_CHARS)
                    .collect::<String>()
            })
    });
    let content_digest = digest
        .and_then(|d| idlink_protocol::ContentDigest::parse(&d).ok())
        .map(|d| d.to_hex());
    let facts = RequestFacts {
        listener,
        route: Some(route),
        method: request.method().to_string(),
        digest: content_digest.clone(),
        document_kind,
        data_kind,
        patient,
        request_id: request_id.clone(),
        connection,
    };
    let attempt = state.engine.count_attempt(&facts);
    state.journal.record(
        connection,
        listener,
        JournalEvent::Request {
            request_id: request_id.clone(),
            method: request.method().to_string(),
            path: request.uri().path().to_owned(),
            version: format!("{:?}", request.version()),
            idempotency_key: key,
            patient_id: facts.patient.clone(),
            document_kind: facts.document_kind.clone(),
            data_kind: facts.data_kind.clone(),
            destination,
            content_type,
            content_digest,
            attempt,
        },
    );
    let decision = state.engine.decide_request(&facts, attempt);
    let version = request.version();
    request
        .extensions_mut()
        .insert(RequestId(request_id.clone()));
    request.extensions_mut().insert(decision.clone());
    let started = Instant::now();
    let control = info.as_ref().map(|i| i.control.clone());
    let take_over = |action: ConnectionAction| {
        if let Some(control) = &control {
            control.request(action);
        }
        suppressed()
    };
    let mut response = match &decision.action {
        // An injected `duplicate` on an upload is carried out by the handler: the contract says
        // a duplicate names the stored first upload, so the document is stored first.
        ActionSpec::Problem {
            code,
            status,
            retry_after,
            retry_after_date,
        } if !(*code == ProblemCode::Duplicate && is_upload) => {
            injected_problem(&state, *code, *status, *retry_after, *retry_after_date)
        }
        ActionSpec::AnswerEarly { code, status } => {
            let mut response = injected_problem(&state, *code, *status, None, false);
            // HTTP/1.1 closes after this answer; HTTP/2 resets the unread request stream.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            response
        }
        ActionSpec::ResetBeforeBody => take_over(ConnectionAction::Reset),
        ActionSpec::EmptyResponse => take_over(ConnectionAction::Close),
        ActionSpec::GarbageThenClose { bytes } => take_over(ConnectionAction::Raw(
            state.engine.random_bytes(*bytes as usize),
        )),
        ActionSpec::MalformedResponse => take_over(ConnectionAction::Raw(
            b"HTTP/1.1 2O1 Creat\x01d\r\nthis line is not a header\r\n\r\n{".to_vec(),
        )),
        ActionSpec::Restart { down_for } => {
            state.restart(*down_for);
            suppressed()
        }
        _ => next.run(request).await,
    };

    let localized = response.extensions_mut().remove::<LocalizedDetail>();
    if let Some(PendingProblem(mut problem)) = response.extensions_mut().remove::<PendingProblem>()
    {
        problem.request_id = Some(request_id.clone());
        if let Some(detail) =
            crate::problem::detail(&problem.detail, localized.as_ref().map(|d| &d.0), lang)
        {
            problem.detail = detail;
        }
        if let Some(code) = problem.known_code() {
            problem.title = crate::problem::title(code, lang);
            crate::problem::localize_findings(&mut problem.findings, lang);
            if let Ok(value) = HeaderValue::from_str(lang.code()) {
                response
                    .headers_mut()
                    .insert(header::CONTENT_LANGUAGE, value);
            }
        }
        *response.body_mut() = Body::from(serde_json::to_vec(&problem).unwrap_or_default());
        response.headers_mut().remove(header::CONTENT_LENGTH);
    }
    let headers = response.headers_mut();
    headers.insert(PROTOCOL, HeaderValue::from_static(PROTOCOL_VERSION));
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(REQUEST_ID, value);
    }
    // A center whose clock is off says its own time (hyper would write the machine's).
    if state.clock.offset() != time::Duration::ZERO
        && let Ok(value) = HeaderValue::from_str(&clock::http_date(state.clock.now()))
    {
        headers.insert(header::DATE, value);
    }
    // Response-direction actions, on the complete answer.
    match &decision.action {
        ActionSpec::Delay { before_headers } => state.clock.sleep(*before_headers).await,
        ActionSpec::Dribble { chunks, total } => {
            response = dribble(response, *chunks, state.clock.scaled(*total)).await;
        }
        ActionSpec::WrongContentLength => {
            response = wrong_content_length(response, version, &control).await;
        }
        _ => {}
    }
    if response.extensions().get::<Suppressed>().is_none() {
        let outcome = response
            .extensions()
            .get::<Outcome>()
            .cloned()
            .unwrap_or_default();
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        state.journal.record(
            connection,
            listener,
            JournalEvent::Response {
                request_id,
                status: response.status().as_u16(),
                code: outcome.code,
                retry_after,
                account: outcome.account,
                tried_account: outcome.tried_account,
                receipt_id: outcome.receipt_id,
                duration_ms: started.elapsed().as_millis() as u64,
            },
        );
    }
    response
}

/// A response that was never sent because the connection was taken over; the middleware
/// journals no response for it.
pub(crate) fn suppressed() -> Response {
    let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
    response.extensions_mut().insert(Suppressed);
    response
}

/// A refused login's detail for a client reading another language than English (English keeps
/// the accounts module's own sentence); `account` is the ID the credentials named.
fn auth_detail(code: ProblemCode, account: Option<&str>) -> Message {
    let key = match code {
        ProblemCode::BadCredentials => "detail-auth-bad-credentials",
        ProblemCode::AccountLocked => "detail-auth-account-locked",
        ProblemCode::PasswordExpired => "detail-auth-password-expired",
        ProblemCode::AccountDisabled => "detail-auth-account-disabled",
        _ => "detail-auth-unauthenticated",
    };
    Message::new(key).text("account", account.unwrap_or_default())
}

/// The problem an action asks for. `Retry-After` carries nominal seconds (`docs/scenarios.md`),
/// or, as a date, now plus the scaled wait rounded up to a second.
fn injected_problem(
    state: &CenterState,
    code: ProblemCode,
    status: Option<u16>,
    retry_after: Option<std::time::Duration>,
    as_date: bool,
) -> Response {
    let mut problem = ApiProblem::new(
        code,
        format!(
            "{} (injected by the scenario engine); nothing was stored",
            code.title().to_lowercase()
        ),
    )
    .in_other_languages(
        Message::new("detail-injected")
            .msg("title", Message::new(format!("problem-{}", code.as_str()))),
    );
    if let Some(status) = status {
        problem.problem.status = status;
    }
    let seconds = retry_after.map(|d| d.as_secs_f64().ceil() as u64);
    if !as_date {
        problem = problem.retry_after(seconds);
    }
    let mut response = problem.into_response();
    if as_date && let Some(wait) = retry_after {
        let wait = state.clock.scaled(wait).as_secs_f64().ceil() as i64;
        let at = clock::now() + time::Duration::seconds(wait.max(1));
        if let Ok(value) = HeaderValue::from_str(&clock::http_date(at)) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
    }
    response
}

/// Sends the body in `chunks` pieces spread over `total`.
async fn dribble(response: Response, chunks: u32, total: std::time::Duration) -> Response {
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 1 << 20).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let chunks = chunks.max(1) as usize;
    let size = bytes.len().div_ceil(chunks).max(1);
    let pause = total / chunks as u32;
    let pieces: Vec<bytes::Bytes> = (0..bytes.len())
        .step_by(size)
        .map(|i| bytes.slice(i..(i + size).min(bytes.len())))
        .collect();
    let stream = futures_util::stream::unfold(pieces.into_iter(), move |mut pieces| async move {
        let piece = pieces.next()?;
        tokio::time::sleep(pause).await;
        Some((Ok::<_, std::io::Error>(piece), pieces))
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

/// Announces 100 more body bytes than it sends, then the connection closes. HTTP/1.1: the
/// answer is written raw. HTTP/2 cannot carry a lying length through hyper, so the stream is
/// reset after the short body instead.
async fn wrong_content_length(
    response: Response,
    version: axum::http::Version,
    control: &Option<crate::server::ConnectionControl>,
) -> Response {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let announced = bytes.len() + 100;
    if version == axum::http::Version::HTTP_2 {
        let mut parts = parts;
        if let Ok(value) = HeaderValue::from_str(&announced.to_string()) {
            parts.headers.insert(header::CONTENT_LENGTH, value);
        }
        let stream = futures_util::stream::iter([
            Ok(bytes),
            Err(std::io::Error::other(
                "injected: body shorter than Content-Length",
            )),
        ]);
        return Response::from_parts(parts, Body::from_stream(stream));
    }
    let mut raw = format!(
        "HTTP/1.1 {} {}\r\n",
        parts.status.as_u16(),
        parts.status.canonical_reason().unwrap_or("")
    )
    .into_bytes();
    for (name, value) in &parts.headers {
        if name == header::CONTENT_LENGTH || name == header::TRANSFER_ENCODING {
            continue;
        }
        raw.extend_from_slice(name.as_str().as_bytes());
        raw.extend_from_slice(b": ");
        raw.extend_from_slice(value.as_bytes());
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(format!("content-length: {announced}\r\n\r\n").as_bytes());
    raw.extend_from_slice(&bytes);
    if let Some(control) = control {
        control.request(ConnectionAction::Raw(raw));
    }
    // The journal still gets the answer that went out (with its lying length).
    let mut response = Response::from_parts(parts, Body::empty());
    response.extensions_mut().remove::<Suppressed>();
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

impl FromRequestParts<Arc<CenterState>> for Authenticated {
    type Rejection = ApiProblem;

    async fn from_request_parts(
        parts: &mut Parts,
        shared: &Arc<CenterState>,
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
                connection.listener,
            )
            .map_err(|failure| {
                if failure.locked_now
                    && let Some(account) = &failure.tried
                {
                    shared.journal.record(
                        Some(connection.id),
                        Some(connection.listener),
                        JournalEvent::AccountLocked {
                            account: account.clone(),
                            failed_logins: shared.accounts.lockout_threshold(),
                        },
                    );
                }
                let mut problem = ApiProblem::new(failure.code, failure.detail)
                    .in_other_languages(auth_detail(failure.code, failure.tried.as_deref()));
                problem.tried_account = failure.tried;
                problem
            })?;
        // PROTO-AUTH-007. A certificate account on the VPN listener never gets here: `Accounts`
        // answers for it as for an unknown account (see `Accounts::authenticate`).
        if principal.mode == AccessMode::Vpn && connection.listener == Listener::Mtls {
            return Err(ApiProblem::localized(
                ProblemCode::WrongListener,
                Message::new("detail-wrong-listener").text("account", principal.account.as_str()),
            )
            .account(&principal.account));
        }
        // PROTO-AUTH-006
        if connection.listener == Listener::Mtls {
            let certificate_facility = connection
                .client_certificate
                .as_ref()
                .and_then(|c| c.facility.as_ref());
            if certificate_facility != Some(&principal.facility) {
                let found = match certificate_facility {
                    Some(f) => Message::new("detail-certificate-facility-found")
                        .text("facility", f.to_string()),
                    None => Message::new("detail-certificate-facility-none"),
                };
                return Err(ApiProblem::localized(
                    ProblemCode::CertificateFacilityMismatch,
                    Message::new("detail-certificate-facility")
                        .msg("found", found)
                        .text("account", principal.account.as_str())
                        .text("facility", principal.facility.to_string()),
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
async fn whoami(State(state): State<Arc<CenterState>>, auth: Authenticated) -> Response {
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
        server_time: clock::rfc3339(state.clock.now()),
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
    State(shared): State<Arc<CenterState>>,
    auth: Authenticated,
    Path(receipt_id): Path<String>,
) -> Result<Response, ApiProblem> {
    let account = auth.principal.account.clone();
    match shared.store.receipt(&receipt_id) {
        Some(doc) if doc.receipt.facility == auth.principal.facility.as_str() => Ok(with_outcome(
            // A receipt fetched later says where the document is now and what superseded it
            // (the receipt sent at upload time cannot know).
            axum::Json(Receipt {
                current_path: (doc.current_path != doc.receipt.stored_path)
                    .then(|| doc.current_path.clone()),
                superseded_by: doc.superseded_by.clone(),
                ..doc.receipt
            })
            .into_response(),
            Outcome {
                account: Some(account),
                receipt_id: Some(receipt_id),
                ..Outcome::default()
            },
        )),
        _ => Err(ApiProblem::localized(
            ProblemCode::NotFound,
            Message::new("detail-receipt-not-found")
                .text("receipt", receipt_id.to_string())
                .text("facility", auth.principal.facility.to_string()),
        )
        .account(&account)),
    }
}

async fn not_found(request: Request) -> ApiProblem {
    ApiProblem::localized(
        ProblemCode::NotFound,
        Message::new("detail-no-endpoint")
            .text("method", request.method().to_string())
            .text("path", request.uri().path())
            .text("whoami", PATH_WHOAMI)
            .text("documents", PATH_DOCUMENTS)
            .text("receipts", PATH_RECEIPTS),
    )
}

async fn wrong_method(request: Request) -> Response {
    // Each route has exactly one method (docs/protocol.md): uploads are POSTed, the rest read.
    let path = request.uri().path();
    let allowed = if path == PATH_DOCUMENTS {
        "POST"
    } else {
        "GET"
    };
    // PROTO-ERR-004: the route exists, so this is not `not-found`; `Allow` says the way out.
    let mut response = ApiProblem::localized(
        ProblemCode::MethodNotAllowed,
        Message::new("detail-method-not-allowed")
            .text("method", request.method().to_string())
            .text("path", path)
            .text("allowed", allowed),
    )
    .into_response();
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allowed));
    response
}
