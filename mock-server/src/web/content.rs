//! The content of a stored document other than the HL7 field view: the raw bytes in hex (escape
//! sequences visible), the file itself (a PDF inline, under a policy that allows exactly that),
//! text decoded with its character set, and NSIPS records as tables.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use idlink_formats::{Charset, CheckOptions, DocumentKind};
use maud::{Markup, html};

use super::Web;
use super::catalog::Entry;
use super::documents::document_path;
use super::labels::{Content, Labels};
use super::layout::{self, CSP_PAGE, Choice, Links, Section};
use crate::config::Strictness;

/// Bytes the hex view shows (a PDF may be 50 MiB; the first 64 KiB say what it is).
const RAW_LIMIT: usize = 64 * 1024;

/// The policy of the PDF itself: nothing but the plugin, framed only by our own pages.
const CSP_PDF: &str = "default-src 'none'; object-src 'self'; frame-ancestors 'self'";
/// The policy of a document page that frames its PDF.
pub(crate) const CSP_PDF_PAGE: &str =
    "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'; frame-ancestors 'none'";

/// `/web/documents/{receipt}/raw`: the first [`RAW_LIMIT`] bytes in hex.
pub(crate) async fn raw(
    State(web): State<Arc<Web>>,
    choice: Choice,
    Path(receipt): Path<String>,
) -> Response {
    let links = Links::new(&web.center.admin_token, &choice);
    let t = links.t();
    let l = t.content;
    let Some(doc) = web.center.store.receipt(&receipt) else {
        return layout::not_found(links, Section::Documents, t.documents.no_receipt);
    };
    let mut bytes = Vec::new();
    let read = std::fs::File::open(&doc.path)
        .and_then(|file| file.take(RAW_LIMIT as u64).read_to_end(&mut bytes));
    let body = html! {
        p { a href=(links.to(&document_path(&receipt), &[])) { code { (receipt) } } }
        p { (l.raw_intro) }
        @if let Err(error) = read {
            p.bad { (t.documents.unreadable) " " (error.to_string()) }
        } @else {
            @if (bytes.len() as u64) < doc.receipt.size {
                p.warn { (l.raw_truncated) " " (bytes.len()) " / " (doc.receipt.size) }
            }
            (hex(l, &bytes))
        }
    };
    layout::respond(
        layout::page(links, Section::Documents, l.raw_title, html! {}, body),
        CSP_PAGE,
    )
}

/// Hex rows of 16 bytes. Every byte of an escape sequence (`ESC $ B`, `ESC ( B`, `ESC $ ( D`…)
/// is marked, so a wrong or missing switch back to ASCII is visible.
fn hex(l: &Content, bytes: &[u8]) -> Markup {
    let escape = escape_mask(bytes);
    html! {
        div.scroll { table.hex-dump {
            thead { tr {
                th scope="col" { (l.offset) }
                th scope="col" { (l.hex) }
                th scope="col" { (l.characters) }
            } }
            tbody {
                @for (row, chunk) in bytes.chunks(16).enumerate() {
                    @let start = row * 16;
                    tr {
                        th scope="row" .mono { (format!("{start:08x}")) }
                        td.hex {
                            @for (i, byte) in chunk.iter().enumerate() {
                                @if escape[start + i] { span.esc { (format!("{byte:02x}")) } } @else { (format!("{byte:02x}")) }
                                " "
                            }
                        }
                        td.hex {
                            @for (i, byte) in chunk.iter().enumerate() {
                                @let shown = shown_char(*byte);
                                @if escape[start + i] { span.esc { (shown) } } @else { (shown) }
                            }
                        }
                    }
                }
            }
        } }
    }
}

/// The character column: printable ASCII as is, ESC as `␛`, CR as `␍`, LF as `␊`, the rest `.`.
fn shown_char(byte: u8) -> char {
    match byte {
        0x1b => '␛',
        b'\r' => '␍',
        b'\n' => '␊',
        0x20..=0x7e => char::from(byte),
        _ => '.',
    }
}

/// True for each byte that belongs to an ISO-2022 escape sequence: ESC, then intermediate
/// bytes (0x20–0x2F), then one final byte (0x30–0x7E).
fn escape_mask(bytes: &[u8]) -> Vec<bool> {
    let mut mask = vec![false; bytes.len()];
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == 0x1b {
            let mut j = i + 1;
            while j < bytes.len() && (0x20..=0x2f).contains(&bytes[j]) {
                j += 1;
            }
            if j < bytes.len() && (0x30..=0x7e).contains(&bytes[j]) {
                j += 1;
            }
            mask[i..j].iter_mut().for_each(|m| *m = true);
            i = j;
        } else {
            i += 1;
        }
    }
    mask
}

/// `/web/documents/{receipt}/file`: the stored file. A PDF is served inline with its own
/// media type and a policy that lets the document page frame it; anything else downloads.
pub(crate) async fn file(
    State(web): State<Arc<Web>>,
    choice: Choice,
    Path(receipt): Path<String>,
) -> Response {
    let links = Links::new(&web.center.admin_token, &choice);
    let t = links.t();
    let l = t.content;
    let Some(doc) = web.center.store.receipt(&receipt) else {
        return layout::not_found(links, Section::Documents, t.documents.no_receipt);
    };
    let bytes = match web.center.store.read(&doc.current_path) {
        Ok(bytes) => bytes,
        Err(error) => {
            let body = html! { p.bad { (t.documents.unreadable) " " (error.public_reason()) } };
            return layout::respond_status(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                layout::page(links, Section::Documents, l.raw_title, html! {}, body),
                CSP_PAGE,
            );
        }
    };
    let name = doc.current_path.rsplit('/').next().unwrap_or("document");
    // The name is ours (receipt ID, SS-MIX2 name or a sanitised upload name); quotes stripped
    // anyway so it cannot end the header parameter.
    let name: String = name
        .chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect();
    let pdf = doc.receipt.document_kind == "pdf";
    let (media, disposition) = if pdf {
        ("application/pdf", format!("inline; filename=\"{name}\""))
    } else {
        (
            "application/octet-stream",
            format!("attachment; filename=\"{name}\""),
        )
    };
    let mut response = ([(header::CONTENT_TYPE, media)], bytes).into_response();
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    if pdf {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP_PDF),
        );
        headers.insert(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("SAMEORIGIN"),
        );
    } else {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP_PAGE),
        );
    }
    response
}

/// The PDF framed in the document page, with a plain link for browsers without a viewer.
pub(crate) fn pdf(links: Links<'_>, entry: &Entry) -> Markup {
    let l = links.t().content;
    let src = links.to(
        &format!("{}/file", document_path(&entry.doc.receipt.receipt_id)),
        &[],
    );
    html! {
        h2 { (l.pdf_heading) }
        iframe.pdf src=(src) title=(l.pdf_heading) {}
        p { a href=(src) { (l.pdf_fallback) } }
    }
}

/// Text decoded with the declared charset, or detected (UTF-8, else ISO-2022-JP when it has
/// escape sequences, else Shift_JIS) when the declaration is no longer known.
pub(crate) fn text(t: &Labels, bytes: &[u8], declared: Option<Charset>) -> Markup {
    let l = t.content;
    let (charset, how) = match declared {
        Some(charset) => (charset, l.charset_declared),
        None => (detect(bytes), l.charset_guessed),
    };
    let decoded = charset.decode_lossy(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes));
    html! {
        h2 { (l.text_heading) }
        dl.meta { dt { (l.charset) } dd #text-charset { code { (charset.as_str()) } " (" (how) ")" } }
        pre.text lang="ja" { (decoded) }
    }
}

fn detect(bytes: &[u8]) -> Charset {
    if std::str::from_utf8(bytes).is_ok() {
        Charset::Utf8
    } else if bytes.contains(&0x1b) {
        Charset::Iso2022Jp
    } else {
        Charset::ShiftJis
    }
}

/// NSIPS lines as one table per record type, columns named by the profile when one is
/// configured (the real layout is confidential; the demo has none).
pub(crate) fn nsips(
    t: &Labels,
    bytes: &[u8],
    declared: Option<Charset>,
    profile: Option<&idlink_formats::nsips::Profile>,
) -> Markup {
    let l = t.content;
    let charset = declared.unwrap_or(Charset::ShiftJis);
    let text = charset.decode_lossy(bytes);
    // Record type → its lines (line number, fields), in order of first appearance.
    let mut order: Vec<String> = Vec::new();
    let mut records: BTreeMap<String, Vec<(usize, Vec<&str>)>> = BTreeMap::new();
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.is_empty())
    {
        let fields: Vec<&str> = line.split(',').collect();
        let id = fields[0].to_owned();
        if !records.contains_key(&id) {
            order.push(id.clone());
        }
        records.entry(id).or_default().push((n + 1, fields));
    }
    html! {
        h2 { (l.nsips_heading) }
        dl.meta {
            dt { (l.charset) } dd { code { (charset.as_str()) } }
        }
        @match profile {
            Some(p) => { p { (l.nsips_profile) ": " code { (p.profile.name) } } }
            None => { p { (l.nsips_no_profile) } }
        }
        @for id in &order {
            @let lines = &records[id];
            @let width = lines.iter().map(|(_, f)| f.len()).max().unwrap_or(1);
            @let def = profile.and_then(|p| p.records.iter().find(|r| &r.id == id));
            div.scroll { table.nsips {
                caption {
                    (l.record) " " code { (id) }
                    @if let Some(def) = def { " " (def.name) }
                }
                thead { tr {
                    th scope="col" { (l.line) }
                    @for column in 1..=width {
                        th scope="col" {
                            @match def.and_then(|d| d.columns.iter().find(|c| c.index == column)) {
                                Some(c) => { (c.name) }
                                None => { (l.column) " " (column) }
                            }
                        }
                    }
                } }
                tbody {
                    @for (line, fields) in lines {
                        tr {
                            th scope="row" { (line) }
                            @for column in 0..width {
                                td lang="ja" { (fields.get(column).copied().unwrap_or("")) }
                            }
                        }
                    }
                }
            } }
        }
    }
}

/// The center's strictness, as the formats crate spells it: the view checks as the upload was.
pub(crate) fn strictness(web: &Web) -> idlink_formats::Strictness {
    match web.center.config.strictness {
        Strictness::Strict => idlink_formats::Strictness::Strict,
        Strictness::Lenient => idlink_formats::Strictness::Lenient,
    }
}

/// The formats crate's findings for a text or NSIPS document, as checked on upload.
pub(crate) fn findings(
    t: &Labels,
    web: &Web,
    bytes: &[u8],
    kind: DocumentKind,
    declared: Option<Charset>,
) -> Markup {
    let l = t.content;
    let options = CheckOptions {
        strictness: strictness(web),
        charset_override: declared,
        nsips_profile: web.center.nsips_profile.clone(),
        ..CheckOptions::default()
    };
    let report = idlink_formats::check(bytes, kind, &options);
    html! {
        @if !report.findings.is_empty() {
            h2 { (l.findings) }
            @for finding in &report.findings { (super::hl7::finding_box(t, finding)) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_marked_whole_and_nothing_else() {
        let bytes = b"A\x1b$B45\x1b(BZ\x1b$(D";
        let marked: Vec<usize> = escape_mask(bytes)
            .iter()
            .enumerate()
            .filter_map(|(i, m)| m.then_some(i))
            .collect();
        assert_eq!(marked, vec![1, 2, 3, 6, 7, 8, 10, 11, 12, 13]);
    }
}
