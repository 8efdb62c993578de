//! RFC 9457 problem documents and the stable problem codes of `PROTO-ERR-001`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Prefix of every problem `type` URI (`PROTO-ERR-003`).
pub const PROBLEM_TYPE_PREFIX: &str = "https://idlink-harness.invalid/problems/";

/// Every cause of an error response, with its status, retryability and requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ProblemCode {
    /// A required header is missing or malformed.
    InvalidRequest,
    /// The body does not match `Content-Digest`.
    DigestMismatch,
    /// The request is not well-formed HTTP (a request line or header line the HTTP parser
    /// refuses).
    MalformedRequest,
    /// No or malformed `Authorization`.
    Unauthenticated,
    /// Wrong account ID or password.
    BadCredentials,
    /// Too many failed logins.
    AccountLocked,
    /// The password has expired.
    PasswordExpired,
    /// The account is disabled.
    AccountDisabled,
    /// The client certificate belongs to another facility.
    CertificateFacilityMismatch,
    /// Certificate account on the VPN listener, or the reverse.
    WrongListener,
    /// `IDLink-Facility` is not the account's facility.
    FacilityMismatch,
    /// No consent record for the patient.
    ConsentMissing,
    /// Unknown receipt or route.
    NotFound,
    /// The route exists but not with this method.
    MethodNotAllowed,
    /// The same idempotency key is still being processed.
    UploadInProgress,
    /// The same content is already stored under another key.
    Duplicate,
    /// Over the size limit.
    TooLarge,
    /// The request head (request line and headers) is larger than the server reads.
    RequestHeadTooLarge,
    /// Unknown media type, or DICOM.
    UnsupportedMediaType,
    /// The document failed validation.
    ValidationFailed,
    /// `IDLink-Patient-Id` differs from PID-3.
    PatientMismatch,
    /// `IDLink-Care-Date` contradicts the SS-MIX2 file name or the message's care date.
    CareDateMismatch,
    /// Unknown appliance destination.
    UnknownDestination,
    /// Idempotency key reused with different content.
    IdempotencyKeyReused,
    /// Too many requests.
    RateLimited,
    /// The server failed; nothing was stored.
    InternalError,
    /// A request framing the server does not implement (a transfer coding other than chunked).
    NotImplemented,
    /// Planned maintenance.
    Maintenance,
}

impl ProblemCode {
    /// Every code, in the order of the table in docs/protocol.md.
    pub const ALL: [ProblemCode; 28] = [
        Self::InvalidRequest,
        Self::DigestMismatch,
        Self::MalformedRequest,
        Self::Unauthenticated,
        Self::BadCredentials,
        Self::AccountLocked,
        Self::PasswordExpired,
        Self::AccountDisabled,
        Self::CertificateFacilityMismatch,
        Self::WrongListener,
        Self::FacilityMismatch,
        Self::ConsentMissing,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::UploadInProgress,
        Self::Duplicate,
        Self::TooLarge,
        Self::RequestHeadTooLarge,
        Self::UnsupportedMediaType,
        Self::ValidationFailed,
        Self::PatientMismatch,
        Self::CareDateMismatch,
        Self::UnknownDestination,
        Self::IdempotencyKeyReused,
        Self::RateLimited,
        Self::InternalError,
        Self::NotImplemented,
        Self::Maintenance,
    ];

    /// The stable slug, e.g. `consent-missing`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid-request",
            Self::DigestMismatch => "digest-mismatch",
            Self::MalformedRequest => "malformed-request",
            Self::Unauthenticated => "unauthenticated",
            Self::BadCredentials => "bad-credentials",
            Self::AccountLocked => "account-locked",
            Self::PasswordExpired => "password-expired",
            Self::AccountDisabled => "account-disabled",
            Self::CertificateFacilityMismatch => "certificate-facility-mismatch",
            Self::WrongListener => "wrong-listener",
            Self::FacilityMismatch => "facility-mismatch",
            Self::ConsentMissing => "consent-missing",
            Self::NotFound => "not-found",
            Self::MethodNotAllowed => "method-not-allowed",
            Self::UploadInProgress => "upload-in-progress",
            Self::Duplicate => "duplicate",
            Self::TooLarge => "too-large",
            Self::RequestHeadTooLarge => "request-head-too-large",
            Self::UnsupportedMediaType => "unsupported-media-type",
            Self::ValidationFailed => "validation-failed",
            Self::PatientMismatch => "patient-mismatch",
            Self::CareDateMismatch => "care-date-mismatch",
            Self::UnknownDestination => "unknown-destination",
            Self::IdempotencyKeyReused => "idempotency-key-reused",
            Self::RateLimited => "rate-limited",
            Self::InternalError => "internal-error",
            Self::NotImplemented => "not-implemented",
            Self::Maintenance => "maintenance",
        }
    }

    /// Parses a slug back into a code; `None` for codes this version does not know.
    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == slug)
    }

    /// The HTTP status that goes with the code.
    pub fn status(self) -> u16 {
        match self {
            Self::InvalidRequest | Self::DigestMismatch | Self::MalformedRequest => 400,
            Self::Unauthenticated | Self::BadCredentials => 401,
            Self::AccountLocked
            | Self::PasswordExpired
            | Self::AccountDisabled
            | Self::CertificateFacilityMismatch
            | Self::WrongListener
            | Self::FacilityMismatch
            | Self::ConsentMissing => 403,
            Self::NotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::UploadInProgress | Self::Duplicate => 409,
            Self::TooLarge => 413,
            Self::RequestHeadTooLarge => 431,
            Self::UnsupportedMediaType => 415,
            Self::ValidationFailed
            | Self::PatientMismatch
            | Self::CareDateMismatch
            | Self::UnknownDestination
            | Self::IdempotencyKeyReused => 422,
            Self::RateLimited => 429,
            Self::InternalError => 500,
            Self::NotImplemented => 501,
            Self::Maintenance => 503,
        }
    }

    /// Whether a client may send the same document again (`PROTO-CLI-003`).
    pub fn retryable(self) -> bool {
        matches!(
            self,
            Self::UploadInProgress | Self::RateLimited | Self::InternalError | Self::Maintenance
        )
    }

    /// The requirement ID a response with this code enforces.
    pub fn requirement(self) -> &'static str {
        match self {
            Self::InvalidRequest => "PROTO-UP-002",
            Self::DigestMismatch => "PROTO-UP-009",
            Self::MalformedRequest | Self::RequestHeadTooLarge => "PROTO-ERR-005",
            Self::Unauthenticated => "PROTO-AUTH-001",
            Self::BadCredentials => "PROTO-AUTH-002",
            Self::AccountLocked => "PROTO-AUTH-003",
            Self::PasswordExpired => "PROTO-AUTH-004",
            Self::AccountDisabled => "PROTO-AUTH-005",
            Self::CertificateFacilityMismatch => "PROTO-AUTH-006",
            Self::WrongListener => "PROTO-AUTH-007",
            Self::FacilityMismatch => "PROTO-UP-005",
            Self::ConsentMissing => "PROTO-UP-008",
            Self::NotFound => "PROTO-RCPT-001",
            Self::MethodNotAllowed => "PROTO-ERR-004",
            Self::NotImplemented => "PROTO-UP-001",
            Self::UploadInProgress => "PROTO-IDEM-004",
            Self::Duplicate => "PROTO-IDEM-005",
            Self::TooLarge => "PROTO-UP-010",
            Self::UnsupportedMediaType => "PROTO-UP-003",
            Self::ValidationFailed => "PROTO-UP-011",
            Self::PatientMismatch => "PROTO-UP-006",
            Self::CareDateMismatch => "PROTO-UP-014",
            Self::UnknownDestination => "PROTO-UP-007",
            Self::IdempotencyKeyReused => "PROTO-IDEM-003",
            Self::RateLimited | Self::Maintenance => "PROTO-ERR-002",
            Self::InternalError => "PROTO-ERR-001",
        }
    }

    /// A short human title for the problem document.
    pub fn title(self) -> &'static str {
        match self {
            Self::InvalidRequest => "The request is missing a header or has a malformed one",
            Self::DigestMismatch => "The body does not match its Content-Digest",
            Self::MalformedRequest => "The request is not well-formed HTTP",
            Self::Unauthenticated => "No account credentials were sent",
            Self::BadCredentials => "The account ID or password is wrong",
            Self::AccountLocked => "The account is locked after too many failed logins",
            Self::PasswordExpired => "The account's password has expired",
            Self::AccountDisabled => "The account is disabled",
            Self::CertificateFacilityMismatch => {
                "The client certificate belongs to a different facility than the account"
            }
            Self::WrongListener => "The account may not connect through this listener",
            Self::FacilityMismatch => "The declared facility is not the account's facility",
            Self::ConsentMissing => "The patient has not consented to ID-Link storage",
            Self::NotFound => "Not found",
            Self::MethodNotAllowed => "The route does not support this method",
            Self::NotImplemented => "The service center does not implement this request framing",
            Self::UploadInProgress => "An upload with this idempotency key is still in progress",
            Self::Duplicate => "This document is already stored",
            Self::TooLarge => "The document is larger than the service center accepts",
            Self::RequestHeadTooLarge => {
                "The request line and headers are larger than the service center reads"
            }
            Self::UnsupportedMediaType => "The service center does not accept this media type",
            Self::ValidationFailed => "The document failed validation",
            Self::PatientMismatch => "The declared patient ID differs from the document's",
            Self::CareDateMismatch => {
                "The declared care date contradicts the document's file name or message"
            }
            Self::UnknownDestination => "The destination is not known to the service center",
            Self::IdempotencyKeyReused => "The idempotency key was already used for other content",
            Self::RateLimited => "Too many requests",
            Self::InternalError => "The service center failed; nothing was stored",
            Self::Maintenance => "The service center is in maintenance",
        }
    }

    /// The `type` URI of the problem document (`PROTO-ERR-003`).
    pub fn type_uri(self) -> String {
        format!("{PROBLEM_TYPE_PREFIX}{}", self.as_str())
    }
}

impl fmt::Display for ProblemCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An RFC 9457 problem document with the extension members of `PROTO-ERR-001`.
///
/// `code` is kept as a string so that a client can still report a code added by a newer
/// server; [`Problem::known_code`] maps it to [`ProblemCode`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    /// `https://idlink-harness.invalid/problems/<code>`.
    #[serde(rename = "type")]
    pub type_uri: String,
    /// Short summary of the problem type.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// What happened to this request, in words a person at the keyboard can act on.
    pub detail: String,
    /// Stable slug, e.g. `consent-missing`.
    pub code: String,
    /// The requirement ID that was broken.
    pub requirement: String,
    /// Whether sending the same document again may succeed.
    pub retryable: bool,
    /// The server's request ID, also in its journal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The offending header, for `invalid-request`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// Validation findings, for `validation-failed` (the formats crate's JSON shape).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<serde_json::Value>,
    /// The first upload's receipt, for `duplicate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_id: Option<String>,
    /// Seconds to wait, for `rate-limited`, `maintenance` and `upload-in-progress`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

impl Problem {
    /// A problem of the given code with a request-specific detail.
    pub fn new(code: ProblemCode, detail: impl Into<String>) -> Self {
        Self {
            type_uri: code.type_uri(),
            title: code.title().to_owned(),
            status: code.status(),
            detail: detail.into(),
            code: code.as_str().to_owned(),
            requirement: code.requirement().to_owned(),
            retryable: code.retryable(),
            request_id: None,
            header: None,
            findings: Vec::new(),
            receipt_id: None,
            retry_after: None,
        }
    }

    /// The code, if this protocol version knows it.
    pub fn known_code(&self) -> Option<ProblemCode> {
        ProblemCode::from_slug(&self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_its_slug_and_serde() {
        for code in ProblemCode::ALL {
            assert_eq!(ProblemCode::from_slug(code.as_str()), Some(code));
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }

    #[test]
    fn only_transient_causes_are_retryable() {
        let retryable: Vec<_> = ProblemCode::ALL
            .into_iter()
            .filter(|c| c.retryable())
            .collect();
        assert_eq!(
            retryable,
            [
                ProblemCode::UploadInProgress,
                ProblemCode::RateLimited,
                ProblemCode::InternalError,
                ProblemCode::Maintenance
            ]
        );
    }

    #[test]
    fn a_problem_document_carries_type_status_and_requirement() {
        let p = Problem::new(
            ProblemCode::ConsentMissing,
            "no consent for patient 9999013",
        );
        let v = serde_json::to_value(&p).unwrap();
        assert_eq!(
            v["type"],
            "https://idlink-harness.invalid/problems/consent-missing"
        );
        assert_eq!(v["status"], 403);
        assert_eq!(v["requirement"], "PROTO-UP-008");
        assert!(v.get("findings").is_none(), "empty members are omitted");
    }
}
