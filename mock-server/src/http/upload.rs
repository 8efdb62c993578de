//! `POST /v1/documents`: one document per request, streamed to disk, verified, validated and
//! stored durably before the receipt is sent (`PROTO-UP-*`, `PROTO-IDEM-*`).
//!
//! The checks run cheapest first: headers, facility, destination and consent, the declared size
//! and the idempotency key are all decided before a single body byte is read, so a refused upload
//! costs the client a round trip, not a transfer.

use std::str::FromStr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt as _;
use idlink_formats::ssmix2::{self, CareDateSource, DataKind, StoredCareDate};
use idlink_formats::{Charset, CheckOptions, DocumentKind};
use idlink_i18n::Message;
use idlink_protocol::headers::{self as h, IDEMPOTENCY_REPLAYED, MEDIA_DICOM, PATH_RECEIPTS};
use idlink_protocol::{
    CareDate, ContentDigest, Destination, DocumentFileName, FacilityCode, IdempotencyKey,
    PatientId, ProblemCode,
};

use super::service::{Authenticated, RequestId, Suppressed, suppressed, with_outcome};
use crate::config::Strictness;
use crate::journal::{JournalEvent, TimeoutKind};
use crate::problem::{ApiProblem, Outcome};
use crate::scenario::{ActionSpec, Decision};
use crate::state::CenterState;
use crate::store::{CommitOutcome, Layout, NewDocument, StoredDocument};

impl Received {
    fn stored((doc, replayed): (StoredDocument, bool)) -> Self {
        Self::Stored(Box::new(doc), replayed)
    }
}

/// The upload headers, parsed (`PROTO-UP-002/003/012`).
#[derive(Debug, Clone)]
struct UploadHeaders {
    kind: DocumentKind,
    kind_name: &'static str,
    charset: Option<Charset>,
    data_kind: Option<String>,
    facility: FacilityCode,
    patient_id: PatientId,
    destination: Destination,
    digest: ContentDigest,
    key: IdempotencyKey,
    care_date: Option<CareDate>,
    file_name: Option<DocumentFileName>,
    content_length: Option<u64>,
}

/// The upload handler. The engine's decision for the request (made by the middleware) says
/// whether the body is read whole, cut short, stalled, or the answer replaced after storing.
///
/// The upload runs in a task of its own (issue 10 item 4). When the client goes away (killed,
/// or the connection reset) hyper drops this handler, and with it the middleware that journals
/// the `response` entry; the task still checks and stores what arrived, and an answer that had
/// nowhere to go is journaled as `response-undelivered`, so every stored document's journal
/// says whether its receipt left the server.
pub(crate) async fn upload(
    State(state): State<Arc<CenterState>>,
    axum::Extension(request_id): axum::Extension<RequestId>,
    decision: Option<axum::Extension<Decision>>,
    auth: Authenticated,
    request: Request,
) -> Response {
    let (send, answer) = tokio::sync::oneshot::channel();
    let undelivered = Undelivered {
        state: state.clone(),
        connection: auth.connection.clone(),
        request_id: request_id.0.clone(),
    };
    let journal_undelivered = undelivered.clone();
    tokio::spawn(async move {
        let response = handle(state, request_id, decision, auth, request).await;
        if let Err(response) = send.send(response) {
            journal_undelivered.record(&response);
        }
    });
    let mut pending = PendingAnswer {
        answer,
        undelivered,
    };
    match (&mut pending.answer).await {
        Ok(response) => response,
        // The task panicked: nothing more is known than that the answer was lost.
        Err(_) => ApiProblem::new(
            ProblemCode::InternalError,
            "the upload failed inside the service center; retry it (the idempotency key makes that safe)",
        )
        .into_response(),
    }
}

/// The answer of an upload task, awaited by the handler. Dropped by hyper before the answer was
/// taken (the client went away), it journals an answer that was already there; one that comes
/// later finds the channel closed and is journaled by the task. Either way exactly once.
struct PendingAnswer {
    answer: tokio::sync::oneshot::Receiver<Response>,
    undelivered: Undelivered,
}

impl Drop for PendingAnswer {
    fn drop(&mut self) {
        if let Ok(response) = self.answer.try_recv() {
            self.undelivered.record(&response);
        }
    }
}

/// What a `response-undelivered` entry needs to know about the request.
#[derive(Clone)]
struct Undelivered {
    state: Arc<CenterState>,
    connection: Arc<crate::server::ConnectionInfo>,
    request_id: String,
}

impl Undelivered {
    fn record(&self, response: &Response) {
        if response.extensions().get::<Suppressed>().is_some() {
            // A fault took the connection over on purpose: there was no answer to send.
            return;
        }
        let outcome = response
            .extensions()
            .get::<Outcome>()
            .cloned()
            .unwrap_or_default();
        self.state.journal.record(
            Some(self.connection.id),
            Some(self.connection.listener),
            JournalEvent::ResponseUndelivered {
                request_id: self.request_id.clone(),
                status: response.status().as_u16(),
                code: outcome.code,
                receipt_id: outcome.receipt_id,
                error: "the connection was closed before the answer could be written (the client went away or reset it); a stored document stays stored, and the client's retry with the same idempotency key gets its receipt".to_owned(),
            },
        );
    }
}

/// Receives, checks and stores one upload and makes its answer (see [`upload`]).
async fn handle(
    state: Arc<CenterState>,
    request_id: RequestId,
    decision: Option<axum::Extension<Decision>>,
    auth: Authenticated,
    request: Request,
) -> Response {
    let account = auth.principal.account.clone();
    let action = decision.map(|d| d.0.action).unwrap_or(ActionSpec::Normal);
    let body_action = match &action {
        ActionSpec::CloseAfterBodyBytes { bytes } => BodyAction::CloseAfter(*bytes),
        ActionSpec::StallBody {
            after_bytes,
            duration,
        } => BodyAction::Stall(*after_bytes, state.clock.scaled(*duration)),
        _ => BodyAction::None,
    };
    let outcome = receive(&state, &auth, &request_id, request, body_action).await;
    let journal = |event| {
        state.journal.record(
            Some(auth.connection.id),
            Some(auth.connection.listener),
            event,
        )
    };
    match outcome {
        Ok(Received::Stored(doc, replayed)) => {
            let doc = *doc;
            journal(JournalEvent::Stored {
                request_id: request_id.0.clone(),
                receipt_id: doc.receipt.receipt_id.clone(),
                path: doc.receipt.stored_path.clone(),
                sha256: doc.receipt.sha256.clone(),
                replayed,
            });
            match action {
                ActionSpec::StoreThenReset if !replayed => {
                    auth.connection.control.reset_now();
                    suppressed()
                }
                ActionSpec::Problem {
                    code: ProblemCode::Duplicate,
                    ..
                } => duplicate(doc).account(&account).into_response(),
                ActionSpec::StoreThenHang if !replayed => {
                    // Never answer: the client must time out. Bounded by the center's life.
                    state.stopping.cancelled().await;
                    suppressed()
                }
                _ => receipt_response(&doc, replayed, &account),
            }
        }
        Ok(Received::CutShort(bytes)) => {
            journal(JournalEvent::BodyRead {
                request_id: request_id.0.clone(),
                bytes,
            });
            auth.connection.control.reset_now();
            suppressed()
        }
        Err(problem) => {
            let mut response = problem.account(&account).into_response();
            if response.status() == StatusCode::REQUEST_TIMEOUT {
                // The rest of a stalled body is never read: the connection cannot carry
                // another request (HTTP/2 resets the stream instead).
                response
                    .headers_mut()
                    .insert(header::CONNECTION, HeaderValue::from_static("close"));
            }
            response
        }
    }
}

/// `408`: the upload body brought no byte for `idle` (`limits.body_idle_timeout_ms`, scaled).
fn body_idle(
    shared: &Arc<CenterState>,
    auth: &Authenticated,
    request_id: &RequestId,
    idle: std::time::Duration,
) -> ApiProblem {
    shared.journal.record(
        Some(auth.connection.id),
        Some(auth.connection.listener),
        JournalEvent::Timeout {
            timeout: TimeoutKind::BodyIdle,
            after_ms: idle.as_millis() as u64,
            request_id: Some(request_id.0.clone()),
        },
    );
    let mut problem = ApiProblem::new(
        ProblemCode::InvalidRequest,
        format!(
            "no body bytes arrived for {} ms; nothing was stored: send the document again",
            idle.as_millis()
        ),
    );
    problem.problem.status = StatusCode::REQUEST_TIMEOUT.as_u16();
    problem
}

/// What an action does to the reading of the body.
#[derive(Debug, Clone, Copy)]
enum BodyAction {
    None,
    /// Read exactly this many bytes, then stop (the caller resets).
    CloseAfter(u64),
    /// After this many bytes, stop reading for this long (real time), then go on.
    Stall(u64, std::time::Duration),
}

/// What came out of [`receive`] when nothing refused the upload.
enum Received {
    /// Stored (or, when the flag is true, an idempotent replay of an earlier upload). Boxed:
    /// the document is large and the other variant is a number.
    Stored(Box<StoredDocument>, bool),
    /// The body was cut after this many bytes on purpose.
    CutShort(u64),
}

fn receipt_response(doc: &StoredDocument, replayed: bool, account: &str) -> Response {
    let status = if replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    let mut response = (status, axum::Json(&doc.receipt)).into_response();
    let headers = response.headers_mut();
    if let Ok(location) =
        HeaderValue::from_str(&format!("{PATH_RECEIPTS}/{}", doc.receipt.receipt_id))
    {
        headers.insert(header::LOCATION, location);
    }
    if replayed {
        headers.insert(IDEMPOTENCY_REPLAYED, HeaderValue::from_static("true"));
    }
    with_outcome(
        response,
        Outcome {
            account: Some(account.to_owned()),
            receipt_id: Some(doc.receipt.receipt_id.clone()),
            ..Outcome::default()
        },
    )
}

/// Everything between the headers and the receipt. `Ok((doc, true))` is an idempotent replay.
async fn receive(
    shared: &Arc<CenterState>,
    auth: &Authenticated,
    request_id: &RequestId,
    request: Request,
    body_action: BodyAction,
) -> Result<Received, ApiProblem> {
    let principal = &auth.principal;
    let upload = parse_headers(request.headers())?;

    // PROTO-UP-005
    if upload.facility != principal.facility {
        return Err(ApiProblem::localized(
            ProblemCode::FacilityMismatch,
            Message::new("detail-facility-mismatch")
                .text("declared", upload.facility.to_string())
                .text("account", principal.account.to_string())
                .text("facility", principal.facility.to_string()),
        ));
    }
    // PROTO-UP-007 / PROTO-UP-008
    match &upload.destination {
        Destination::Appliance(id) if !shared.config.appliances.iter().any(|a| &a.id == id) => {
            let known = shared
                .config
                .appliances
                .iter()
                .map(|a| format!("appliance:{}", a.id))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(ApiProblem::localized(
                ProblemCode::UnknownDestination,
                Message::new("detail-unknown-destination")
                    .text("appliance", format!("{id:?}"))
                    .text("known", known),
            ));
        }
        Destination::Storage
            if !shared
                .consents
                .contains(&upload.facility, &upload.patient_id) =>
        {
            return Err(ApiProblem::localized(
                ProblemCode::ConsentMissing,
                Message::new("detail-consent-missing")
                    .text("patient", upload.patient_id.to_string())
                    .text("facility", upload.facility.to_string()),
            ));
        }
        _ => {}
    }
    // PROTO-UP-010: refuse a declared size before reading the body.
    let limit = shared.config.limits.max_body_bytes;
    if let Some(length) = upload.content_length
        && length > limit
    {
        return Err(too_large(length, limit));
    }
    // PROTO-IDEM-002 / PROTO-IDEM-003, before the body: a replay costs no transfer.
    if let Some(first) = shared
        .store
        .by_idempotency_key(&principal.account, upload.key.as_str())
    {
        return replay_or_reused(first, &upload.digest.to_hex()).map(Received::stored);
    }
    // PROTO-IDEM-004
    let Some(_guard) = shared
        .in_progress
        .claim(&principal.account, upload.key.as_str())
    else {
        return Err(ApiProblem::localized(
            ProblemCode::UploadInProgress,
            Message::new("detail-upload-in-progress").text("key", upload.key.to_string()),
        )
        .retry_after(Some(1)));
    };

    shared.journal.record(
        Some(auth.connection.id),
        Some(auth.connection.listener),
        JournalEvent::Receiving {
            request_id: request_id.0.clone(),
            idempotency_key: upload.key.to_string(),
            content_length: upload.content_length,
        },
    );

    // PROTO-UP-001 / PROTO-UP-009: stream to disk, hashing as the bytes arrive.
    let mut incoming = shared
        .store
        .begin_upload()
        .await
        .map_err(internal(upload.key.as_str()))?;
    let early = validate_as_it_arrives(shared, &upload, &mut incoming)
        .await
        .map_err(internal(upload.key.as_str()))?;
    let mut body = request.into_body().into_data_stream();
    let mut stalled = false;
    let idle = shared
        .clock
        .scaled_timeout(std::time::Duration::from_millis(
            shared.config.limits.body_idle_timeout_ms,
        ));
    loop {
        let Ok(next) = tokio::time::timeout(idle, body.next()).await else {
            return Err(body_idle(shared, auth, request_id, idle));
        };
        let Some(chunk) = next else {
            break;
        };
        let mut chunk = chunk.map_err(|e| {
            ApiProblem::new(
                ProblemCode::InvalidRequest,
                format!("the request body ended early: {e}; nothing was stored"),
            )
        })?;
        if incoming.size() + chunk.len() as u64 > limit {
            return Err(too_large(incoming.size() + chunk.len() as u64, limit));
        }
        match body_action {
            BodyAction::CloseAfter(n) if incoming.size() + chunk.len() as u64 >= n => {
                // Exactly n bytes were read by the server; the rest is never looked at.
                let take = (n - incoming.size()) as usize;
                chunk.truncate(take);
                incoming
                    .write(chunk)
                    .await
                    .map_err(internal(upload.key.as_str()))?;
                return Ok(Received::CutShort(n));
            }
            BodyAction::Stall(n, pause)
                if !stalled && incoming.size() + chunk.len() as u64 >= n =>
            {
                stalled = true;
                let take = (n - incoming.size()) as usize;
                let rest = chunk.split_off(take);
                incoming
                    .write(chunk)
                    .await
                    .map_err(internal(upload.key.as_str()))?;
                // An injected stall, not synchronisation.
                tokio::time::sleep(pause).await;
                chunk = rest;
            }
            _ => {}
        }
        incoming
            .write(chunk)
            .await
            .map_err(internal(upload.key.as_str()))?;
    }
    if let BodyAction::CloseAfter(n) = body_action
        && incoming.size() < n
    {
        // The body was shorter than the cut: the cut happens at its end.
        return Ok(Received::CutShort(incoming.size()));
    }
    let received = incoming
        .finish()
        .await
        .map_err(internal(upload.key.as_str()))?;
    if &received.digest != upload.digest.as_bytes() {
        return Err(ApiProblem::localized(
            ProblemCode::DigestMismatch,
            Message::new("detail-digest-mismatch")
                .text("declared", upload.digest.to_hex())
                .text("size", received.size.to_string())
                .text("actual", received.sha256.to_string()),
        ));
    }

    // Validation reads the received file back with bounded memory (`PROTO-UP-001`): the body
    // was never held in memory while it arrived, and is not afterwards either. (A large text
    // body was checked as it arrived, with bounded memory too: `validate_as_it_arrives`.)
    let layout = validate(shared, &upload, received.path().to_owned(), early).await?;
    // PROTO-IDEM-005
    if let Some(first) =
        shared
            .store
            .by_content(&upload.facility, &upload.patient_id, &received.sha256)
    {
        return Err(duplicate(first));
    }
    let (layout, warnings, charset) = layout;
    let document = NewDocument {
        account: principal.account.clone(),
        idempotency_key: upload.key.to_string(),
        facility: upload.facility.clone(),
        patient_id: upload.patient_id.clone(),
        document_kind: upload.kind_name.to_owned(),
        data_kind: upload.data_kind.clone(),
        destination: upload.destination.to_string(),
        charset,
        warnings,
        layout,
    };
    // PROTO-UP-013 / PROTO-STORE-*
    match shared
        .store
        .commit(received, document)
        .await
        .map_err(internal(upload.key.as_str()))?
    {
        CommitOutcome::Stored(doc) => Ok(Received::Stored(Box::new(doc), false)),
        CommitOutcome::Replayed(doc) => Ok(Received::Stored(Box::new(doc), true)),
        CommitOutcome::KeyReused(doc) => replay_or_reused(doc, "").map(Received::stored),
        CommitOutcome::Duplicate(doc) => Err(duplicate(doc)),
    }
}

fn replay_or_reused(
    first: StoredDocument,
    digest_hex: &str,
) -> Result<(StoredDocument, bool), ApiProblem> {
    if first.receipt.sha256 == digest_hex {
        Ok((first, true))
    } else {
        Err(ApiProblem::localized(
            ProblemCode::IdempotencyKeyReused,
            Message::new("detail-idempotency-key-reused")
                .text("key", first.receipt.idempotency_key.as_str())
                .text("receipt", first.receipt.receipt_id.as_str()),
        )
        .receipt_id(first.receipt.receipt_id))
    }
}

fn duplicate(first: StoredDocument) -> ApiProblem {
    ApiProblem::localized(
        ProblemCode::Duplicate,
        Message::new("detail-duplicate")
            .text("patient", first.receipt.patient_id.as_str())
            .text("key", first.receipt.idempotency_key.as_str())
            .text("receipt", first.receipt.receipt_id.as_str()),
    )
    .receipt_id(first.receipt.receipt_id)
}

fn too_large(size: u64, limit: u64) -> ApiProblem {
    // Byte counts as text: a catalogue number could be written with separators.
    ApiProblem::localized(
        ProblemCode::TooLarge,
        Message::new("detail-too-large")
            .text("limit", limit.to_string())
            .text("size", size.to_string()),
    )
}

/// `500 internal-error` for a store failure while handling the document with idempotency key
/// `key`. The detail names the document and what failed; the whole cause chain, with the data
/// directory's absolute paths, goes to the server's log only (issue 10 item 12).
fn internal(key: &str) -> impl FnOnce(crate::store::StoreError) -> ApiProblem + '_ {
    move |error| {
        // The whole cause chain, once: "storage I/O failed on PATH: No space left on device".
        let mut chain = error.to_string();
        let mut cause = std::error::Error::source(&error);
        while let Some(inner) = cause {
            chain.push_str(": ");
            chain.push_str(&inner.to_string());
            cause = inner.source();
        }
        tracing::error!(error = %chain, idempotency_key = key, "upload failed inside the server");
        ApiProblem::new(
            ProblemCode::InternalError,
            format!(
                "the service center could not store the document with idempotency key {key} ({}); nothing was acknowledged, retry later",
                error.public_reason()
            ),
        )
    }
}

/// What validation decided: where the document goes, its non-blocking findings and the
/// character set it was read as (`PROTO-RCPT-002`).
type Validated = (Layout, Vec<serde_json::Value>, Option<&'static str>);

/// Declared text bodies at least this long are validated while they arrive (issue 14: the
/// second pass over a large file was a third of the mock's samples). Smaller ones, and bodies
/// without `Content-Length`, are validated from the file after the last byte.
const VALIDATE_AS_IT_ARRIVES: u64 = 1024 * 1024;

/// A validation started while the body arrives.
type EarlyCheck = tokio::task::JoinHandle<std::io::Result<idlink_formats::Report>>;

/// For a large text body, starts its validation on a blocking thread fed with the chunks as
/// they are written (the same check, on the same bytes, as the file's).
async fn validate_as_it_arrives(
    shared: &Arc<CenterState>,
    upload: &UploadHeaders,
    incoming: &mut crate::store::Incoming,
) -> Result<Option<EarlyCheck>, crate::store::StoreError> {
    if !matches!(upload.kind, DocumentKind::Text)
        || upload
            .content_length
            .is_none_or(|length| length < VALIDATE_AS_IT_ARRIVES)
    {
        return Ok(None);
    }
    let (tap, mut reader) = crate::store::TapReader::channel(4);
    incoming.tap(tap).await?;
    let (options, _) = check_options(shared, upload);
    Ok(Some(tokio::task::spawn_blocking(move || {
        idlink_formats::check_text_as_it_arrives(&mut reader, &options)
    })))
}

/// The formats crate's options for this upload, and its declared SS-MIX2 data kind (a bad one
/// is reported after the DICOM check, which comes first: `PROTO-UP-004`).
fn check_options(
    shared: &Arc<CenterState>,
    upload: &UploadHeaders,
) -> (CheckOptions, Result<Option<DataKind>, ApiProblem>) {
    // A bad data kind is reported after the DICOM check, which comes first (`PROTO-UP-004`).
    let declared_kind = match (upload.kind, &upload.data_kind) {
        (DocumentKind::Hl7, Some(code)) => DataKind::from_str(code).map(Some).map_err(|_| {
            ApiProblem::invalid_header_localized(
                "IDLink-Data-Kind",
                Message::new("detail-data-kind-unknown").text("code", format!("{code:?}")),
            )
        }),
        _ => Ok(None),
    };
    let data_kind = declared_kind.as_ref().ok().copied().flatten();
    let options = CheckOptions {
        strictness: match shared.config.strictness {
            Strictness::Strict => idlink_formats::Strictness::Strict,
            Strictness::Lenient => idlink_formats::Strictness::Lenient,
        },
        charset_override: upload.charset,
        file_name: upload.file_name.as_ref().map(|n| n.as_str().to_owned()),
        data_kind,
        nsips_profile: match upload.kind {
            DocumentKind::Nsips => shared.nsips_profile.clone(),
            _ => None,
        },
        // The body limit was already enforced while the body streamed in (`PROTO-UP-010`); a
        // second, smaller PDF limit would refuse documents the protocol says are acceptable.
        max_pdf_bytes: Some(shared.config.limits.max_body_bytes),
    };
    (options, declared_kind)
}

/// Runs the formats crate on the received file (or takes the report of the check that ran
/// while the body arrived) and decides the storage layout.
async fn validate(
    shared: &Arc<CenterState>,
    upload: &UploadHeaders,
    path: std::path::PathBuf,
    early: Option<EarlyCheck>,
) -> Result<Validated, ApiProblem> {
    let (options, declared_kind) = check_options(shared, upload);
    let kind = upload.kind;
    // Blocking file reads and CPU work: off the async workers.
    let report = match early {
        Some(check) => check.await,
        None => {
            tokio::task::spawn_blocking({
                let path = path.clone();
                move || idlink_formats::check_file(&path, kind, &options)
            })
            .await
        }
    }
    .map_err(|e| {
        ApiProblem::new(
            ProblemCode::InternalError,
            format!("validation did not finish: {e}"),
        )
    })?
    .map_err(|source| {
        internal(upload.key.as_str())(crate::store::StoreError::Io { path, source })
    })?;
    // PROTO-UP-004: the formats crate refuses DICOM whatever the declared kind.
    if report
        .findings
        .iter()
        .any(|f| f.code == idlink_formats::Code::DicomRefused)
    {
        return Err(ApiProblem::localized(
            ProblemCode::UnsupportedMediaType,
            Message::new("detail-dicom-body"),
        ));
    }
    let data_kind = declared_kind?;
    let to_json = |f: &idlink_formats::Finding| serde_json::to_value(f).unwrap_or_default();
    // PROTO-UP-011
    if report.has_errors() {
        let errors = report.errors().count();
        // The finding's own words stay as the formats crate wrote them (its catalogue is its
        // own); the sentence around them is in the request's language.
        let first = report
            .errors()
            .next()
            .map(|f| {
                Message::new("detail-validation-first")
                    .text("code", f.code.as_str())
                    .text("location", f.location.render())
                    .text("message", f.message.to_string())
            })
            .unwrap_or_else(|| Message::verbatim(""));
        return Err(ApiProblem::localized(
            ProblemCode::ValidationFailed,
            Message::new("detail-validation-failed")
                .num("errors", errors as u64)
                .text("kind", upload.kind_name.to_string())
                .msg("first", first),
        )
        .findings(report.findings.iter().map(to_json).collect()));
    }
    let warnings: Vec<serde_json::Value> = report.warnings().map(to_json).collect();
    let charset = stored_charset(kind, upload.charset, report.hl7.as_ref());

    let layout = match (kind, data_kind) {
        (DocumentKind::Hl7, Some(data_kind)) => {
            let Some(summary) = report.hl7.as_ref() else {
                return Err(ApiProblem::localized(
                    ProblemCode::ValidationFailed,
                    Message::new("detail-no-msh"),
                ));
            };
            // PROTO-UP-006
            match summary.patient_id.as_deref() {
                Some(pid3) if pid3 == upload.patient_id.as_str() => {}
                found => {
                    let found = match found {
                        Some(p) => Message::verbatim(format!("{p:?}")),
                        None => Message::new("detail-pid-missing"),
                    };
                    return Err(ApiProblem::localized(
                        ProblemCode::PatientMismatch,
                        Message::new("detail-patient-mismatch")
                            .text("declared", upload.patient_id.to_string())
                            .msg("found", found),
                    ));
                }
            }
            // PROTO-UP-012
            if !summary.candidate_data_kinds.is_empty()
                && !summary.candidate_data_kinds.contains(&data_kind)
            {
                let expected = summary
                    .candidate_data_kinds
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(" or ");
                return Err(ApiProblem::localized(
                    ProblemCode::ValidationFailed,
                    Message::new("detail-data-kind-mismatch")
                        .text("declared", data_kind.to_string())
                        .text("message_type", summary.message_type.to_string())
                        .text("expected", expected.as_str()),
                )
                .findings(vec![serde_json::json!({
                    "code": "UPLOAD-DATA-KIND-MISMATCH",
                    "severity": "error",
                    "location": {"segment_index": 1, "segment": "MSH", "field": 9},
                    "message": format!("data kind {data_kind} is not stored from {}", summary.message_type),
                    "hint": format!("send IDLink-Data-Kind: {expected}"),
                })]));
            }
            // PROTO-UP-014: the header is checked against the file name or message, never used.
            let file_name = upload
                .file_name
                .as_ref()
                .and_then(|n| ssmix2::FileName::parse(n.as_str()).ok());
            let stored = ssmix2::stored_care_date(
                data_kind,
                file_name.as_ref(),
                summary.care_date.as_deref(),
            );
            if let Some(declared) = &upload.care_date
                && declared.date() != stored.date.as_deref()
            {
                return Err(care_date_mismatch(declared, &stored, data_kind));
            }
            Layout::Ssmix2 {
                care_date: stored.date,
                data_kind,
                order_number: order_number(summary.order_number.as_deref())?,
                department: summary.department.clone().filter(|d| {
                    !d.is_empty() && d.len() <= 16 && d.bytes().all(|b| b.is_ascii_alphanumeric())
                }),
            }
        }
        _ => Layout::Extended {
            care_date: upload
                .care_date
                .as_ref()
                .and_then(|d| d.date().map(str::to_owned)),
            folder: upload
                .data_kind
                .clone()
                .unwrap_or_else(|| upload.kind_name.to_owned()),
            file_name: upload
                .file_name
                .as_ref()
                .map(|n| n.as_str().to_owned())
                .unwrap_or_else(|| default_file_name(upload.kind).to_owned()),
        },
    };
    Ok((layout, warnings, charset))
}

/// `PROTO-RCPT-002`: the canonical name of the character set the document was read as.
fn stored_charset(
    kind: DocumentKind,
    declared: Option<Charset>,
    hl7: Option<&idlink_formats::Hl7Summary>,
) -> Option<&'static str> {
    let charset = match kind {
        DocumentKind::Pdf => return None,
        DocumentKind::Nsips => Charset::ShiftJis,
        DocumentKind::Hl7 => declared.or(hl7.map(|s| s.charset))?,
        _ => declared.unwrap_or(Charset::Utf8),
    };
    Some(match charset {
        Charset::Ascii => "us-ascii",
        other => other.as_str(),
    })
}

/// `422 care-date-mismatch` (`PROTO-UP-014`): names the declared date, the one the document
/// would be stored under, where that comes from, and what to send instead.
fn care_date_mismatch(declared: &CareDate, stored: &StoredCareDate, kind: DataKind) -> ApiProblem {
    let fields = kind.care_date_fields().unwrap_or_default();
    let source = match stored.source {
        CareDateSource::NotApplicable => Message::new("detail-care-date-not-applicable"),
        CareDateSource::FileName => Message::new("detail-care-date-file-name"),
        CareDateSource::Message => Message::new("detail-care-date-message"),
        CareDateSource::Empty => Message::new("detail-care-date-empty"),
    };
    let fix = match stored.source {
        CareDateSource::Empty => Message::new("detail-care-date-fix-fill"),
        _ => Message::new("detail-care-date-fix-send"),
    };
    let with_values = |m: Message| {
        m.text("kind", kind.to_string())
            .text("fields", fields.to_string())
            .text("stored", stored.as_str())
    };
    let mut problem = ApiProblem::localized(
        ProblemCode::CareDateMismatch,
        Message::new("detail-care-date-mismatch")
            .text("declared", declared.to_string())
            .msg("source", with_values(source))
            .msg("fix", with_values(fix)),
    );
    problem.problem.header = Some("IDLink-Care-Date".to_owned());
    problem
}

/// ORC-2 as an SS-MIX2 order number: digits zero-padded to 15, `999999999999999` when absent.
fn order_number(orc2: Option<&str>) -> Result<String, ApiProblem> {
    match orc2.filter(|o| !o.is_empty()) {
        None => Ok("999999999999999".to_owned()),
        Some(o) if o.len() <= 15 && o.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(format!("{o:0>15}"))
        }
        Some(o) if o.len() <= 22 && o.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            Ok(o.to_owned())
        }
        Some(o) => Err(ApiProblem::localized(
            ProblemCode::ValidationFailed,
            Message::new("detail-order-number").text("order", format!("{o:?}")),
        )
        .findings(vec![serde_json::json!({
            "code": "UPLOAD-ORDER-NUMBER",
            "severity": "error",
            "location": {"segment": "ORC", "field": 2},
            "message": format!("order number {o:?} is not usable in an SS-MIX2 file name"),
            "hint": "use the 15-digit order number (ORC-2.1)",
        })])),
    }
}

fn default_file_name(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Hl7 => "main_document.hl7",
        DocumentKind::Nsips => "document.csv",
        DocumentKind::Pdf => "document.pdf",
        _ => "document.txt",
    }
}

/// Parses and checks the headers of `PROTO-UP-002/003/012`.
fn parse_headers(headers: &HeaderMap) -> Result<UploadHeaders, ApiProblem> {
    let text = |name: &'static str, display: &'static str| -> Result<Option<String>, ApiProblem> {
        match headers.get(name) {
            None => Ok(None),
            Some(value) => value
                .to_str()
                .map(|v| Some(v.trim().to_owned()))
                .map_err(|_| {
                    ApiProblem::invalid_header_localized(
                        display,
                        Message::new("detail-header-not-ascii").text("header", display),
                    )
                }),
        }
    };
    let required = |name: &'static str, display: &'static str| -> Result<String, ApiProblem> {
        text(name, display)?.ok_or_else(|| {
            ApiProblem::invalid_header_localized(
                display,
                Message::new("detail-header-missing").text("header", display),
            )
        })
    };
    let malformed =
        |e: idlink_protocol::HeaderValueError| ApiProblem::invalid_header(e.header, e.to_string());

    // PROTO-UP-001: the body's framing before anything about its content.
    transfer_coding(headers)?;
    // PROTO-UP-002: one value per header; a repeated one is refused, never silently resolved.
    refuse_repeated(headers)?;

    // PROTO-UP-003 / PROTO-UP-004: the media type first, so DICOM is refused whatever else is sent.
    let content_type = required("content-type", "Content-Type")?;
    let mut parts = content_type.split(';');
    let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    if media == MEDIA_DICOM {
        return Err(ApiProblem::localized(
            ProblemCode::UnsupportedMediaType,
            Message::new("detail-dicom-media-type"),
        ));
    }
    let kind_text = required(h::DOCUMENT_KIND, "IDLink-Document-Kind")?;
    let (kind, kind_name) = match kind_text.as_str() {
        "hl7" => (DocumentKind::Hl7, "hl7"),
        "nsips" => (DocumentKind::Nsips, "nsips"),
        "pdf" => (DocumentKind::Pdf, "pdf"),
        "text" => (DocumentKind::Text, "text"),
        other => {
            return Err(ApiProblem::localized(
                ProblemCode::UnsupportedMediaType,
                Message::new("detail-document-kind").text("kind", format!("{other:?}")),
            ));
        }
    };
    let expected = h::media_type_for(kind_name).unwrap_or_default();
    if media != expected {
        return Err(ApiProblem::localized(
            ProblemCode::UnsupportedMediaType,
            Message::new("detail-content-type-mismatch")
                .text("media", media.to_string())
                .text("kind", kind_name.to_string())
                .text("expected", expected.to_string()),
        ));
    }
    let mut charset = None;
    for parameter in parts {
        let Some((name, value)) = parameter.split_once('=') else {
            continue;
        };
        if !name.trim().eq_ignore_ascii_case("charset") {
            continue;
        }
        if !h::kind_takes_charset(kind_name) {
            return Err(ApiProblem::localized(
                ProblemCode::UnsupportedMediaType,
                Message::new("detail-charset-not-taken")
                    .text("media", media.to_string())
                    .text("expected", expected.to_string()),
            ));
        }
        let Some(name) = h::canonical_charset(value) else {
            return Err(ApiProblem::localized(
                ProblemCode::UnsupportedMediaType,
                Message::new("detail-charset-unknown")
                    .text("charset", format!("{:?}", value.trim())),
            ));
        };
        charset = Some(match name {
            "iso-2022-jp" => Charset::Iso2022Jp,
            "utf-8" => Charset::Utf8,
            _ => Charset::ShiftJis,
        });
    }

    let facility = required(h::FACILITY, "IDLink-Facility")?;
    let facility = FacilityCode::parse(&facility)
        .map_err(|e| ApiProblem::invalid_header("IDLink-Facility", e.to_string()))?;
    let patient_id =
        PatientId::parse(&required(h::PATIENT_ID, "IDLink-Patient-Id")?).map_err(malformed)?;
    let destination =
        Destination::parse(&required(h::DESTINATION, "IDLink-Destination")?).map_err(malformed)?;
    let digest =
        ContentDigest::parse(&required(h::CONTENT_DIGEST, "Content-Digest")?).map_err(malformed)?;
    let key = IdempotencyKey::parse(&required(h::IDEMPOTENCY_KEY, "Idempotency-Key")?)
        .map_err(malformed)?;

    let data_kind = text(h::DATA_KIND, "IDLink-Data-Kind")?;
    match (&data_kind, kind) {
        (None, DocumentKind::Hl7) => {
            return Err(ApiProblem::invalid_header_localized(
                "IDLink-Data-Kind",
                Message::new("detail-data-kind-required"),
            ));
        }
        (Some(value), _) if !path_safe(value, 64) => {
            return Err(ApiProblem::invalid_header_localized(
                "IDLink-Data-Kind",
                Message::new("detail-data-kind-unsafe").text("value", format!("{value:?}")),
            ));
        }
        _ => {}
    }
    // PROTO-UP-014: a date or SS-MIX2's `-`.
    let care_date = text(h::CARE_DATE, "IDLink-Care-Date")?
        .map(|d| CareDate::parse(&d))
        .transpose()
        .map_err(malformed)?;
    // PROTO-UP-015: plain ASCII or RFC 8187 `UTF-8''...`, decoded and checked path-safe.
    let file_name = text(h::FILE_NAME, "IDLink-File-Name")?
        .map(|n| DocumentFileName::parse_header(&n))
        .transpose()
        .map_err(|e| {
            ApiProblem::invalid_header(
                e.header,
                format!(
                    "{e}; send the name as UTF-8''<percent-encoded UTF-8> (RFC 8187) or leave the header out"
                ),
            )
        })?;
    let content_length = match headers.get(header::CONTENT_LENGTH) {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .and_then(|v| v.parse::<u64>().ok())
                .ok_or_else(|| {
                    ApiProblem::invalid_header_localized(
                        "Content-Length",
                        Message::new("detail-content-length"),
                    )
                })?,
        ),
    };
    Ok(UploadHeaders {
        kind,
        kind_name,
        charset,
        data_kind,
        facility,
        patient_id,
        destination,
        digest,
        key,
        care_date,
        file_name,
        content_length,
    })
}

/// `PROTO-UP-001`: a body is framed by `Content-Length` or by `chunked` alone. Any other
/// transfer coding (`gzip, chunked`) would hand us bytes that are not the document, so it is
/// refused rather than stored compressed.
fn transfer_coding(headers: &HeaderMap) -> Result<(), ApiProblem> {
    let mut codings = Vec::new();
    for value in headers.get_all(header::TRANSFER_ENCODING) {
        let text = value.to_str().unwrap_or("(not ASCII)");
        codings.extend(
            text.split(',')
                .map(|c| c.trim().to_ascii_lowercase())
                .filter(|c| !c.is_empty()),
        );
    }
    if codings.is_empty() || codings == ["chunked"] {
        return Ok(());
    }
    Err(ApiProblem::localized(
        ProblemCode::NotImplemented,
        Message::new("detail-transfer-encoding").text("codings", codings.join(", ")),
    ))
}

/// The request headers an upload reads, with the spelling used in messages. A repeat of any
/// of them, or of any other `IDLink-*` header, is refused: the first and the second value may
/// disagree, and guessing which one the client meant could store a document under the wrong
/// patient.
const SINGLE_HEADERS: [(&str, &str); 12] = [
    ("authorization", "Authorization"),
    ("content-type", "Content-Type"),
    ("content-length", "Content-Length"),
    (h::DOCUMENT_KIND, "IDLink-Document-Kind"),
    (h::DATA_KIND, "IDLink-Data-Kind"),
    (h::FACILITY, "IDLink-Facility"),
    (h::PATIENT_ID, "IDLink-Patient-Id"),
    (h::DESTINATION, "IDLink-Destination"),
    (h::CARE_DATE, "IDLink-Care-Date"),
    (h::FILE_NAME, "IDLink-File-Name"),
    (h::CONTENT_DIGEST, "Content-Digest"),
    (h::IDEMPOTENCY_KEY, "Idempotency-Key"),
];

fn refuse_repeated(headers: &HeaderMap) -> Result<(), ApiProblem> {
    for name in headers.keys() {
        let count = headers.get_all(name).iter().count();
        if count < 2 {
            continue;
        }
        let display = match SINGLE_HEADERS.iter().find(|(n, _)| *n == name.as_str()) {
            Some((_, display)) => (*display).to_owned(),
            None if name.as_str().starts_with("idlink-") => name.as_str().to_owned(),
            None => continue,
        };
        return Err(ApiProblem::invalid_header_localized(
            &display,
            Message::new("detail-header-repeated")
                .text("header", display.as_str())
                .text("count", count.to_string()),
        ));
    }
    Ok(())
}

/// Safe as one path component: no separators, no `..`, no hidden files.
fn path_safe(value: &str, max: usize) -> bool {
    !value.is_empty()
        && value.len() <= max
        && !value.starts_with('.')
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_numbers_are_padded_or_defaulted() {
        assert_eq!(order_number(None).unwrap(), "999999999999999");
        assert_eq!(order_number(Some("11000185")).unwrap(), "000000011000185");
        assert!(order_number(Some("../x")).is_err());
    }

    /// A valid PDF upload's headers, to be spoilt one at a time.
    fn pdf_headers() -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in [
            ("content-type", "application/pdf".to_owned()),
            (h::DOCUMENT_KIND, "pdf".to_owned()),
            (h::FACILITY, "0112345678".to_owned()),
            (h::PATIENT_ID, "9999013".to_owned()),
            (h::DESTINATION, "storage".to_owned()),
            (
                h::CONTENT_DIGEST,
                ContentDigest::of(b"%PDF-1.4").to_string(),
            ),
            (h::IDEMPOTENCY_KEY, "k-1".to_owned()),
        ] {
            map.insert(name, HeaderValue::from_str(&value).unwrap());
        }
        map
    }

    fn refusal(headers: &HeaderMap) -> (ProblemCode, Option<String>) {
        let problem = parse_headers(headers).expect_err("refused").problem;
        (problem.known_code().unwrap(), problem.header)
    }

    #[test]
    fn the_unspoilt_headers_are_accepted() {
        assert!(parse_headers(&pdf_headers()).is_ok());
    }

    // PROTO-UP-002
    #[test]
    fn a_repeated_authorization_or_idlink_header_is_refused_naming_it() {
        for (name, value, display) in [
            ("authorization", "Basic eDp5", "Authorization"),
            (h::PATIENT_ID, "9999014", "IDLink-Patient-Id"),
            (h::FACILITY, "0112345678", "IDLink-Facility"),
            (h::IDEMPOTENCY_KEY, "k-2", "Idempotency-Key"),
            ("idlink-future-thing", "a", "idlink-future-thing"),
        ] {
            let mut headers = pdf_headers();
            headers.append(name, HeaderValue::from_static(value));
            headers.append(name, HeaderValue::from_static(value));
            assert_eq!(
                refusal(&headers),
                (ProblemCode::InvalidRequest, Some(display.to_owned())),
                "{name}"
            );
        }
    }

    // PROTO-UP-001
    #[test]
    fn a_transfer_coding_other_than_chunked_is_not_implemented() {
        for (value, refused) in [
            ("chunked", false),
            ("Chunked", false),
            ("gzip, chunked", true),
            ("gzip", true),
            ("deflate,chunked", true),
        ] {
            let mut headers = pdf_headers();
            headers.insert(header::TRANSFER_ENCODING, HeaderValue::from_static(value));
            match parse_headers(&headers) {
                Ok(_) => assert!(!refused, "{value} accepted"),
                Err(p) => {
                    assert!(refused, "{value} refused");
                    assert_eq!(p.problem.known_code(), Some(ProblemCode::NotImplemented));
                    assert_eq!(p.problem.status, 501);
                }
            }
        }
    }

    // PROTO-UP-003
    #[test]
    fn a_pdf_with_a_charset_parameter_is_an_unsupported_media_type() {
        let mut headers = pdf_headers();
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/pdf; charset=utf-8"),
        );
        assert_eq!(refusal(&headers), (ProblemCode::UnsupportedMediaType, None));
    }

    // PROTO-UP-003
    #[test]
    fn shift_jis_aliases_are_read_as_shift_jis() {
        for (value, expected) in [
            ("shift_jis", Some(Charset::ShiftJis)),
            ("windows-31j", Some(Charset::ShiftJis)),
            ("CP932", Some(Charset::ShiftJis)),
            ("sjis", Some(Charset::ShiftJis)),
            ("shift-jis", Some(Charset::ShiftJis)),
            ("utf-8", Some(Charset::Utf8)),
            ("euc-jp", None),
        ] {
            let mut headers = pdf_headers();
            headers.insert(h::DOCUMENT_KIND, HeaderValue::from_static("text"));
            headers.insert(
                "content-type",
                HeaderValue::from_str(&format!("text/plain; charset={value}")).unwrap(),
            );
            match parse_headers(&headers) {
                Ok(parsed) => assert_eq!(Some(parsed.charset.unwrap()), expected, "{value}"),
                Err(p) => {
                    assert_eq!(expected, None, "{value}: {}", p.problem.detail);
                    assert_eq!(
                        p.problem.known_code(),
                        Some(ProblemCode::UnsupportedMediaType)
                    );
                }
            }
        }
    }

    #[test]
    fn only_plain_names_are_path_safe() {
        for (value, ok) in [
            ("report.pdf", true),
            ("../x", false),
            (".hidden", false),
            ("a/b", false),
            ("", false),
        ] {
            assert_eq!(path_safe(value, 255), ok, "{value}");
        }
    }
}
