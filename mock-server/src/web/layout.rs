//! The page shell every web-view page shares: head, navigation, the skip link, the language
//! switch, and links that carry the admin token (the browser authenticates with `?token=`; there
//! is no cookie) and the language a person chose (`?lang=`).

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use idlink_i18n::Lang;
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::labels::{Common, Labels, labels};

/// The stylesheet, compiled in.
const STYLE: &str = include_str!("assets/style.css");

/// The policy of a page with no script and no frame: only its inline stylesheet.
pub(crate) const CSP_PAGE: &str =
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";

/// Which entry of the navigation a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Documents,
    Journal,
    Scenario,
    Report,
    Desk,
}

/// The language of one request: `?lang=ja|en` when given (and then kept in every link), else
/// the best of `Accept-Language`, else English. Also remembers the request's own address, for
/// the switch to the other language.
#[derive(Debug, Clone)]
pub(crate) struct Choice {
    lang: Lang,
    /// Whether `?lang=` chose it (links then carry it on).
    explicit: bool,
    /// The path and query of this request without `lang=`, as the browser sent them.
    here: String,
}

impl Choice {
    /// From a request's address and `Accept-Language` header.
    pub(crate) fn new(path: &str, query: Option<&str>, accept_language: Option<&str>) -> Self {
        let mut explicit = None;
        let mut kept: Vec<&str> = Vec::new();
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            match pair.strip_prefix("lang=") {
                Some(value) => explicit = explicit.or(Lang::parse(value)),
                None => kept.push(pair),
            }
        }
        let lang = explicit
            .or_else(|| accept_language.map(Lang::from_accept_language))
            .unwrap_or_default();
        let mut here = path.to_owned();
        if !kept.is_empty() {
            here.push('?');
            here.push_str(&kept.join("&"));
        }
        Self {
            lang,
            explicit: explicit.is_some(),
            here,
        }
    }
}

impl Choice {
    /// The language of the request.
    pub(crate) fn lang(&self) -> Lang {
        self.lang
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Choice {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let accept = parts
            .headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        Ok(Choice::new(parts.uri.path(), parts.uri.query(), accept))
    }
}

/// What a page needs from its request: links that carry the token (so the next page opens too)
/// and, when a person chose it with `?lang=`, the language; and the labels of that language.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Links<'a> {
    token: &'a str,
    choice: &'a Choice,
    labels: &'static Labels,
}

impl<'a> Links<'a> {
    /// Links with this token, in the request's language.
    pub(crate) fn new(token: &'a str, choice: &'a Choice) -> Self {
        Self {
            token,
            choice,
            labels: labels(choice.lang),
        }
    }

    /// The words of the request's language.
    pub(crate) fn t(&self) -> &'static Labels {
        self.labels
    }

    /// `path?token=…&k=v…[&lang=…]`, values percent-encoded; empty values are left out.
    pub(crate) fn to(&self, path: &str, query: &[(&str, &str)]) -> String {
        let mut url = String::with_capacity(path.len() + 48);
        url.push_str(path);
        url.push_str("?token=");
        url.push_str(&encode(self.token));
        for (key, value) in query.iter().filter(|(_, v)| !v.is_empty()) {
            url.push('&');
            url.push_str(key);
            url.push('=');
            url.push_str(&encode(value));
        }
        if self.choice.explicit {
            url.push_str("&lang=");
            url.push_str(self.choice.lang.code());
        }
        url
    }

    /// This page in the other language (the switch in the header).
    pub(crate) fn other_language(&self) -> String {
        let other = match self.choice.lang {
            Lang::En => Lang::Ja,
            Lang::Ja => Lang::En,
        };
        let here = &self.choice.here;
        let join = if here.contains('?') { '&' } else { '?' };
        format!("{here}{join}lang={}", other.code())
    }

    /// The hidden inputs that keep the token (and a chosen language) in a GET form.
    pub(crate) fn token_input(&self) -> Markup {
        html! {
            input type="hidden" name="token" value=(self.token);
            @if self.choice.explicit {
                input type="hidden" name="lang" value=(self.choice.lang.code());
            }
        }
    }
}

/// Percent-encodes a path segment or query value (everything but RFC 3986 unreserved bytes).
pub(crate) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A whole page: `title` in the head and as the `h1`, `body` in `main`.
pub(crate) fn page(
    links: Links<'_>,
    section: Section,
    title: &str,
    head_extra: Markup,
    body: Markup,
) -> Markup {
    let c: &Common = links.t().common;
    let entries = [
        (Section::Documents, "/web", c.nav_documents),
        (Section::Journal, "/web/journal", c.nav_journal),
        (Section::Scenario, "/web/scenario", c.nav_scenario),
        (Section::Report, "/web/report", c.nav_report),
        (Section::Desk, "/web/desk", c.nav_desk),
    ];
    html! {
        (DOCTYPE)
        html lang=(c.lang) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (c.product) }
                style { (PreEscaped(STYLE)) }
                (head_extra)
            }
            body {
                a.skip href="#main" { (c.skip_to_content) }
                header {
                    span.brand { (c.product) }
                    nav aria-label=(c.nav_label) {
                        ul {
                            @for (entry, path, label) in entries {
                                li {
                                    @if entry == section {
                                        a href=(links.to(path, &[])) aria-current="page" { (label) }
                                    } @else {
                                        a href=(links.to(path, &[])) { (label) }
                                    }
                                }
                            }
                        }
                    }
                    a #lang-switch href=(links.other_language()) hreflang=(if c.lang == "ja" { "en" } else { "ja" })
                        lang=(if c.lang == "ja" { "en" } else { "ja" }) title=(c.switch_title) { (c.other_language) }
                }
                main #main tabindex="-1" {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}

/// An HTML answer with its own Content-Security-Policy (the admin layer keeps it).
pub(crate) fn respond(markup: Markup, csp: &'static str) -> Response {
    respond_status(StatusCode::OK, markup, csp)
}

/// [`respond`] with a status.
pub(crate) fn respond_status(status: StatusCode, markup: Markup, csp: &'static str) -> Response {
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        markup.into_string(),
    )
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    response
}

/// A page saying what was not found and where to go instead.
pub(crate) fn not_found(links: Links<'_>, section: Section, what: &str) -> Response {
    let c: &Common = links.t().common;
    let body = html! {
        p { (what) }
        p { a href=(links.to("/web", &[])) { (c.back_to_documents) } }
    };
    respond_status(
        StatusCode::NOT_FOUND,
        page(links, section, c.not_found, html! {}, body),
        CSP_PAGE,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_token_and_encode_values() {
        let choice = Choice::new("/web", Some("token=adm-1"), None);
        let links = Links::new("adm-1", &choice);
        assert_eq!(
            links.to("/web/documents", &[("patient", "a b&c"), ("kind", "")]),
            "/web/documents?token=adm-1&patient=a%20b%26c"
        );
        assert_eq!(encode("患"), "%E6%82%A3");
    }

    #[test]
    fn a_chosen_language_wins_and_is_kept_in_links() {
        let choice = Choice::new(
            "/web/journal",
            Some("token=t&lang=ja&account=a"),
            Some("en"),
        );
        let links = Links::new("t", &choice);
        assert_eq!(links.t().common.lang, "ja");
        assert_eq!(links.to("/web", &[]), "/web?token=t&lang=ja");
        assert_eq!(
            links.other_language(),
            "/web/journal?token=t&account=a&lang=en"
        );
    }

    #[test]
    fn accept_language_decides_without_lang_and_english_is_the_default() {
        let ja = Choice::new("/web", Some("token=t"), Some("ja,en;q=0.8"));
        let links = Links::new("t", &ja);
        assert_eq!(links.t().common.lang, "ja");
        // The header is sent again with every request: links need not carry it.
        assert_eq!(links.to("/web", &[]), "/web?token=t");
        assert_eq!(links.other_language(), "/web?token=t&lang=en");
        let none = Choice::new("/web", None, None);
        assert_eq!(Links::new("t", &none).t().common.lang, "en");
        let unknown = Choice::new("/web", Some("lang=fr"), Some("de"));
        assert_eq!(Links::new("t", &unknown).t().common.lang, "en");
    }
}
