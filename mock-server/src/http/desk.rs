//! The certificate desk's admin API (issue 13): issue a client certificate with its transfer
//! account, list what was issued, revoke, read the CRL in force. Merged into the admin router,
//! so the token check and the security headers of [`super::admin`] apply.
//!
//! An answer with a secret (the account password, the private key or PKCS#12 file and its
//! password) is the `201` of `POST /admin/desk/certificates`, once; nothing else repeats them.
//! Refusals are `{"code": "desk-...", "error": "..."}` in the language of `Accept-Language`.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use idlink_certs::{KeyType, Variant};
use idlink_i18n::{Arg, Lang, tr};
use idlink_protocol::FacilityCode;
use serde::Deserialize;

use crate::desk::{self, DeskError, Format, IssueRequest, Issued, IssuedCertificate, Material};
use crate::state::CenterState;

/// The desk's admin routes.
pub(crate) fn router(shared: Arc<CenterState>) -> Router {
    Router::new()
        .route("/admin/desk/certificates", get(list).post(issue))
        .route("/admin/desk/certificates/{serial}", get(one))
        .route("/admin/desk/certificates/{serial}/revoke", post(revoke))
        .route("/admin/desk/crl", get(crl))
        .with_state(shared)
}

/// The body of `POST /admin/desk/certificates`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IssueBody {
    /// Ten digits.
    facility: String,
    #[serde(default = "valid")]
    variant: Variant,
    #[serde(default)]
    key_type: KeyType,
    #[serde(default)]
    format: Format,
}

fn valid() -> Variant {
    Variant::Valid
}

/// The request's language for refusals.
fn lang(headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_accept_language)
        .unwrap_or_default()
}

/// A refusal: `{"code", "error"}` with `Content-Language`.
fn refusal(status: StatusCode, lang: Lang, key: &str, args: &[Arg<'_>]) -> Response {
    let mut response = (
        status,
        Json(serde_json::json!({ "code": key, "error": tr(lang, key, args) })),
    )
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_LANGUAGE,
        HeaderValue::from_static(lang.code()),
    );
    response
}

/// The status that fits a desk error and the arguments of its message.
fn status_and_args(error: &DeskError) -> (StatusCode, Vec<Arg<'_>>) {
    match error {
        DeskError::NoAuthority => (StatusCode::CONFLICT, Vec::new()),
        DeskError::UnknownSerial(serial) => (
            StatusCode::NOT_FOUND,
            vec![("serial", serial.as_str().into())],
        ),
        DeskError::AlreadyRevoked { serial, at } => (
            StatusCode::CONFLICT,
            vec![
                ("serial", serial.as_str().into()),
                ("at", at.as_str().into()),
            ],
        ),
        DeskError::NotRevocable { serial, variant } => (
            StatusCode::CONFLICT,
            vec![
                ("serial", serial.as_str().into()),
                ("variant", variant.slug().into()),
            ],
        ),
        DeskError::Persist { source, .. } => (
            StatusCode::INTERNAL_SERVER_ERROR,
            vec![("reason", format!("{error} ({source})").into())],
        ),
        DeskError::Pki(_) | DeskError::Tls(_) | DeskError::Task(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            vec![("reason", error.to_string().into())],
        ),
    }
}

/// A desk error in the request's language, and its status (the web view's words).
pub(crate) fn desk_message(lang: Lang, error: &DeskError) -> (StatusCode, String) {
    let (status, args) = status_and_args(error);
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(%error, "the certificate desk failed");
    }
    (status, tr(lang, error.key(), &args))
}

/// A desk error as a refusal, with the status that fits it.
pub(crate) fn desk_refusal(lang: Lang, error: &DeskError) -> Response {
    let (status, args) = status_and_args(error);
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::error!(%error, "the certificate desk failed");
    }
    refusal(status, lang, error.key(), &args)
}

/// A facility code that does not parse, kept to be refused in the request's language.
#[derive(Debug)]
pub(crate) struct BadFacility {
    facility: String,
    reason: String,
}

impl BadFacility {
    fn args(&self) -> [Arg<'_>; 2] {
        [
            ("facility", self.facility.as_str().into()),
            ("reason", self.reason.as_str().into()),
        ]
    }

    /// `422 desk-bad-facility`.
    pub(crate) fn respond(&self, lang: Lang) -> Response {
        refusal(
            StatusCode::UNPROCESSABLE_ENTITY,
            lang,
            "desk-bad-facility",
            &self.args(),
        )
    }

    /// The message alone, for the web view.
    pub(crate) fn message(&self, lang: Lang) -> String {
        tr(lang, "desk-bad-facility", &self.args())
    }
}

/// Reads and checks an issue request.
pub(crate) fn parse_request(
    facility: &str,
    variant: Variant,
    key_type: KeyType,
    format: Format,
) -> Result<IssueRequest, BadFacility> {
    let code = FacilityCode::parse(facility.trim()).map_err(|error| BadFacility {
        facility: facility.to_owned(),
        reason: error.to_string(),
    })?;
    Ok(IssueRequest {
        facility: code,
        variant,
        key_type,
        format,
    })
}

/// Issues on a blocking thread (RSA keys take seconds) and waits for it.
pub(crate) async fn issue_blocking(
    shared: &Arc<CenterState>,
    request: IssueRequest,
) -> Result<Issued, DeskError> {
    let center = shared.clone();
    match tokio::task::spawn_blocking(move || desk::issue(&center, &request)).await {
        Ok(result) => result,
        // The task panicked: say so rather than hang up.
        Err(join) => Err(DeskError::Task(join.to_string())),
    }
}

/// Revokes on a blocking thread (the new CRL and the index are written and fsynced) and waits.
pub(crate) async fn revoke_blocking(
    shared: &Arc<CenterState>,
    serial: String,
) -> Result<IssuedCertificate, DeskError> {
    let center = shared.clone();
    match tokio::task::spawn_blocking(move || desk::revoke(&center, &serial)).await {
        Ok(result) => result,
        Err(join) => Err(DeskError::Task(join.to_string())),
    }
}

/// `POST /admin/desk/certificates`.
async fn issue(
    State(shared): State<Arc<CenterState>>,
    headers: HeaderMap,
    body: Result<Json<IssueBody>, JsonRejection>,
) -> Response {
    let lang = lang(&headers);
    let body = match body {
        Ok(Json(body)) => body,
        Err(rejection) => {
            return refusal(
                StatusCode::UNPROCESSABLE_ENTITY,
                lang,
                "desk-bad-request",
                &[("reason", rejection.body_text().into())],
            );
        }
    };
    let request = match parse_request(&body.facility, body.variant, body.key_type, body.format) {
        Ok(request) => request,
        Err(bad) => return bad.respond(lang),
    };
    match issue_blocking(&shared, request).await {
        Ok(issued) => (StatusCode::CREATED, Json(issued_json(&issued))).into_response(),
        Err(error) => desk_refusal(lang, &error),
    }
}

/// The one answer that carries the secrets.
fn issued_json(issued: &Issued) -> serde_json::Value {
    let serial = &issued.certificate.serial;
    let mut json = serde_json::json!({
        "certificate": issued.certificate,
        "account": {
            "id": issued.certificate.account,
            "password": issued.password,
            "created": issued.account_created,
        },
        "sheet": format!("/web/desk/sheets/{serial}"),
    });
    match &issued.material {
        Material::Pem { chain, key } => {
            json["pem"] = serde_json::json!({ "chain": chain, "key": key });
        }
        Material::Pkcs12 { der, password } => {
            json["pkcs12"] = serde_json::json!({
                "base64": BASE64.encode(der),
                "password": password,
            });
        }
    }
    json
}

/// `GET /admin/desk/certificates`: newest first, no secrets.
async fn list(State(shared): State<Arc<CenterState>>) -> Response {
    Json(shared.desk.list()).into_response()
}

/// `GET /admin/desk/certificates/{serial}`.
async fn one(
    State(shared): State<Arc<CenterState>>,
    headers: HeaderMap,
    Path(serial): Path<String>,
) -> Response {
    match shared.desk.get(&serial) {
        Some(record) => Json(record).into_response(),
        None => desk_refusal(lang(&headers), &DeskError::UnknownSerial(serial)),
    }
}

/// `POST /admin/desk/certificates/{serial}/revoke`.
async fn revoke(
    State(shared): State<Arc<CenterState>>,
    headers: HeaderMap,
    Path(serial): Path<String>,
) -> Response {
    match revoke_blocking(&shared, serial).await {
        Ok(record) => Json(serde_json::json!({
            "certificate": record,
            "crl_number": shared.desk.crl_number(),
        }))
        .into_response(),
        Err(error) => desk_refusal(lang(&headers), &error),
    }
}

/// `GET /admin/desk/crl`: the CRLs in force, PEM.
async fn crl(State(shared): State<Arc<CenterState>>, headers: HeaderMap) -> Response {
    match shared.desk.crl_pem() {
        Some(pem) => ([(header::CONTENT_TYPE, "application/x-pem-file")], pem).into_response(),
        None => desk_refusal(lang(&headers), &DeskError::NoAuthority),
    }
}
