//! The page shell every web-view page shares: head, navigation, the skip link, and links that
//! carry the admin token (the browser authenticates with `?token=`; there is no cookie).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::labels::{COMMON, Common};

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
}

/// Builds links for one request: every link carries the token so the next page opens too.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Links<'a> {
    token: &'a str,
}

impl<'a> Links<'a> {
    /// Links with this token.
    pub(crate) fn new(token: &'a str) -> Self {
        Self { token }
    }

    /// `path?token=…&k=v…`, values percent-encoded; empty values are left out.
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
        url
    }

    /// The hidden input that keeps the token in a GET form.
    pub(crate) fn token_input(&self) -> Markup {
        html! { input type="hidden" name="token" value=(self.token); }
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
    let c: &Common = &COMMON;
    let entries = [
        (Section::Documents, "/web", c.nav_documents),
        (Section::Journal, "/web/journal", c.nav_journal),
        (Section::Scenario, "/web/scenario", c.nav_scenario),
        (Section::Report, "/web/report", c.nav_report),
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
    let c: &Common = &COMMON;
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
        let links = Links::new("adm-1");
        assert_eq!(
            links.to("/web/documents", &[("patient", "a b&c"), ("kind", "")]),
            "/web/documents?token=adm-1&patient=a%20b%26c"
        );
        assert_eq!(encode("患"), "%E6%82%A3");
    }
}
