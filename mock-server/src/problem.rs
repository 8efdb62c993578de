//! Error responses: RFC 9457 problem documents with the headers the protocol asks for
//! (`PROTO-ERR-001..003`, `Retry-After`, `WWW-Authenticate`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use idlink_i18n::{Lang, Message};
use idlink_protocol::headers::MEDIA_PROBLEM;
use idlink_protocol::{Problem, ProblemCode};

/// What the journal's response entry learns from a handler: set as a response extension and
/// read by the request middleware.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Problem code, for errors.
    pub code: Option<ProblemCode>,
    /// The authenticated account.
    pub account: Option<String>,
    /// A refused login: the account ID it named.
    pub tried_account: Option<String>,
    /// The receipt, for uploads.
    pub receipt_id: Option<String>,
}

/// An error response under construction.
#[derive(Debug, Clone)]
pub struct ApiProblem {
    /// The document; `request_id` is filled in by the middleware. Boxed: handlers return
    /// `Result<_, ApiProblem>` everywhere and the document is large.
    pub problem: Box<Problem>,
    /// The account, when authentication succeeded before the failure.
    pub account: Option<String>,
    /// A refused login: the account ID the credentials named (never the password).
    pub tried_account: Option<String>,
    /// The detail as a catalogue message, for a client that asked for another language
    /// (`Accept-Language`); `problem.detail` holds its English.
    pub detail_message: Option<Message>,
}

impl ApiProblem {
    /// A problem with a detail for the person at the keyboard.
    pub fn new(code: ProblemCode, detail: impl Into<String>) -> Self {
        Self {
            problem: Box::new(Problem::new(code, detail)),
            account: None,
            tried_account: None,
            detail_message: None,
        }
    }

    /// A problem whose detail reads in the request's language: `detail` is the message in
    /// English, and the request middleware renders it again for `Accept-Language: ja`.
    pub fn localized(code: ProblemCode, detail: Message) -> Self {
        Self::new(code, detail.render(Lang::En)).in_other_languages(detail)
    }

    /// `400 invalid-request` naming the header, its detail in the request's language.
    pub fn invalid_header_localized(header: &str, detail: Message) -> Self {
        Self::invalid_header(header, detail.render(Lang::En)).in_other_languages(detail)
    }

    /// Keeps the English `detail` as it is and reads `detail` in any other language (a detail
    /// whose English comes from elsewhere, e.g. a refused login's).
    pub fn in_other_languages(mut self, detail: Message) -> Self {
        self.detail_message = Some(detail);
        self
    }

    /// `400 invalid-request` naming the header (`PROTO-UP-002`).
    pub fn invalid_header(header: &str, detail: impl Into<String>) -> Self {
        let mut this = Self::new(ProblemCode::InvalidRequest, detail);
        this.problem.header = Some(header.to_owned());
        this
    }

    /// Sets `retry_after` (and with it the `Retry-After` header).
    pub fn retry_after(mut self, seconds: Option<u64>) -> Self {
        self.problem.retry_after = seconds;
        self
    }

    /// Attaches findings (`validation-failed`).
    pub fn findings(mut self, findings: Vec<serde_json::Value>) -> Self {
        self.problem.findings = findings;
        self
    }

    /// Attaches the first upload's receipt (`duplicate`).
    pub fn receipt_id(mut self, receipt_id: String) -> Self {
        self.problem.receipt_id = Some(receipt_id);
        self
    }

    /// Records who was authenticated, for the journal.
    pub fn account(mut self, account: &str) -> Self {
        self.account = Some(account.to_owned());
        self
    }
}

impl IntoResponse for ApiProblem {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self.problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(MEDIA_PROBLEM),
        );
        if let Some(seconds) = self.problem.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"idlink\""),
            );
        }
        response.extensions_mut().insert(Outcome {
            code: self.problem.known_code(),
            account: self.account,
            tried_account: self.tried_account,
            receipt_id: self.problem.receipt_id.clone(),
        });
        if let Some(detail) = self.detail_message {
            response.extensions_mut().insert(LocalizedDetail(detail));
        }
        // The middleware needs the document to insert the request ID.
        response
            .extensions_mut()
            .insert(PendingProblem(*self.problem));
        response
    }
}

/// The detail of a response's problem as a catalogue message, until the middleware knows the
/// request's language.
#[derive(Debug, Clone)]
pub(crate) struct LocalizedDetail(pub(crate) Message);

/// The problem document of a response, until the middleware adds `request_id` and serialises it
/// again.
#[derive(Debug, Clone)]
pub(crate) struct PendingProblem(pub(crate) Problem);

/// A problem's `detail` in `lang`: English is the detail as sent today; another language comes
/// from the catalogue message when the handler gave one (else the English stays).
pub(crate) fn detail(english: &str, message: Option<&Message>, lang: Lang) -> Option<String> {
    match (lang, message) {
        (Lang::En, _) | (_, None) => None,
        (lang, Some(message)) => Some(message.render(lang)).filter(|d| d != english),
    }
}

/// A problem code's `title` in `lang` (`Accept-Language`); English is the protocol's own title.
pub(crate) fn title(code: ProblemCode, lang: idlink_i18n::Lang) -> String {
    match lang {
        idlink_i18n::Lang::En => code.title().to_owned(),
        lang => idlink_i18n::tr(lang, &format!("problem-{}", code.as_str()), &[]),
    }
}

/// The findings of a `validation-failed` document in `lang`: the formats crate's findings carry
/// `message_id` and `args`, so their `message` and `hint` are rendered again from the catalogue
/// (English is what they already hold). Findings made by the mock itself (no `message_id`)
/// stay English.
pub(crate) fn localize_findings(findings: &mut [serde_json::Value], lang: idlink_i18n::Lang) {
    if lang != idlink_i18n::Lang::En {
        for finding in findings {
            idlink_formats::finding::localize_json(finding, lang);
        }
    }
}

#[cfg(test)]
mod title_tests {
    use super::*;

    #[test]
    fn every_problem_code_has_a_title_in_both_languages_and_english_is_the_protocols() {
        for code in ProblemCode::ALL {
            let key = format!("problem-{}", code.as_str());
            assert_eq!(
                idlink_i18n::tr(idlink_i18n::Lang::En, &key, &[]),
                code.title(),
                "the English catalogue and the protocol crate disagree on {code}"
            );
            let ja = title(code, idlink_i18n::Lang::Ja);
            assert!(
                ja != key && ja != code.title(),
                "{code} has no Japanese title"
            );
        }
    }
}
