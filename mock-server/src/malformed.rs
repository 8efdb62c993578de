//! Requests the HTTP/1.1 parser refuses (`PROTO-ERR-005`, issue 10 item 11): what was wrong, in
//! words, and the problem answer that replaces hyper's own.
//!
//! hyper answers a request head it cannot parse by itself, before any handler runs: an empty
//! `400` (or `431` for a head over the size limit) without a problem document or
//! `IDLink-Request-Id`, and an error that says only "invalid HTTP header parsed". hyper 1.x
//! offers no hook for that answer, so the transport ([`crate::server`]) recognises it on its way
//! out ([`parser_answer_status`]: a `400` or `431` status line whose head has no
//! `IDLink-Request-Id`, which every answer of the application carries), keeps it off the wire,
//! and writes [`answer`] in its place on the same TLS stream. What was wrong comes from
//! [`diagnose`], which reads the request head the transport kept (hyper does not say which line
//! or character it refused).

use idlink_protocol::headers::{MEDIA_PROBLEM, PROTOCOL, PROTOCOL_VERSION, REQUEST_ID};
use idlink_protocol::{Problem, ProblemCode};

/// Whether `bytes`, the start of what hyper writes, is hyper's own answer to a request head it
/// could not parse (`HTTP/1.x 400` or `431` without an `IDLink-Request-Id` header): its status.
pub fn parser_answer_status(bytes: &[u8]) -> Option<u16> {
    let rest = bytes
        .strip_prefix(b"HTTP/1.1 ")
        .or_else(|| bytes.strip_prefix(b"HTTP/1.0 "))?;
    let status = match rest.get(..4)? {
        b"400 " => 400,
        b"431 " => 431,
        _ => return None,
    };
    let head_end = rest
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(rest.len());
    let head = rest[..head_end].to_ascii_lowercase();
    let marker = format!("\r\n{REQUEST_ID}:");
    let from_the_application = head.windows(marker.len()).any(|w| w == marker.as_bytes());
    (!from_the_application).then_some(status)
}

/// The problem code that answers hyper's `status`.
pub fn code_for(status: u16) -> ProblemCode {
    match status {
        431 => ProblemCode::RequestHeadTooLarge,
        _ => ProblemCode::MalformedRequest,
    }
}

/// The raw HTTP/1.1 answer: the problem document of `code` with the request ID, and
/// `Connection: close` (after a head it could not parse, the server cannot tell where the next
/// request would start).
pub fn answer(code: ProblemCode, request_id: &str, detail: &str) -> Vec<u8> {
    let mut problem = Problem::new(code, detail);
    problem.request_id = Some(request_id.to_owned());
    // Serialising a struct of strings and numbers cannot fail; an empty body would still be
    // a valid answer with the request ID.
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let reason = http::StatusCode::from_u16(problem.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Bad Request");
    let mut out = format!(
        "HTTP/1.1 {} {reason}\r\ncontent-type: {MEDIA_PROBLEM}\r\n{REQUEST_ID}: {request_id}\r\n\
         {PROTOCOL}: {PROTOCOL_VERSION}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        problem.status,
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(&body);
    out
}

/// Why a head over `limit` bytes was refused, naming its request line.
pub fn too_large(limit: usize, head: &[u8]) -> String {
    let head = trim_leading_newlines(head);
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    format!(
        "the request line and headers of {} are larger than {} KiB, the most the service \
         center reads: send fewer or shorter headers",
        quote(line),
        limit / 1024
    )
}

/// Longest piece of the client's text quoted in a sentence.
const QUOTE_CHARS: usize = 60;

/// What is wrong with a request head hyper refused, for people: the line, the header and the
/// character. `head` is what the client sent since its last request (leading empty lines
/// included); `parser_error` is hyper's message, the last resort.
pub fn diagnose(head: &[u8], parser_error: &str) -> String {
    let head = trim_leading_newlines(head);
    let end = head
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(head.len(), |at| at + 2);
    let mut lines = head[..end]
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line));
    let Some(request_line) = lines.next().filter(|line| !line.is_empty()) else {
        return format!("the request head could not be parsed ({parser_error})");
    };
    if let Some(defect) = request_line_defect(request_line) {
        return defect;
    }
    let mut previous: Option<&[u8]> = None;
    for (index, line) in lines.enumerate() {
        let number = index + 2;
        if line.is_empty() {
            break;
        }
        if let Some(defect) = header_line_defect(line, number, previous) {
            return defect;
        }
        previous = line.split(|&b| b == b':').next();
    }
    format!(
        "the request head could not be parsed ({parser_error}); the request line was {}",
        quote(request_line)
    )
}

fn trim_leading_newlines(mut bytes: &[u8]) -> &[u8] {
    while let [b'\r' | b'\n', rest @ ..] = bytes {
        bytes = rest;
    }
    bytes
}

/// RFC 9112 §3: `method SP request-target SP HTTP-version`.
fn request_line_defect(line: &[u8]) -> Option<String> {
    if let Some((at, byte)) = control_character(line) {
        return Some(format!(
            "the request line {} contains the control character {} at byte {at}: a request \
             line is `METHOD target HTTP/1.1` in printable characters",
            quote(line),
            name_of(byte)
        ));
    }
    let parts: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
    match parts.as_slice() {
        [method, target] if is_token(method) && target.starts_with(b"/") => Some(format!(
            "the request line {} has no HTTP version: that is an HTTP/0.9 request, and the \
             service center speaks HTTP/1.1 and HTTP/2 only",
            quote(line)
        )),
        [method, target, version] => {
            if !is_token(method) {
                Some(format!(
                    "the method {} is not an HTTP token (RFC 9110 §9.1)",
                    quote(method)
                ))
            } else if let Some(byte) = target.iter().find(|&&b| !is_target_byte(b)) {
                Some(format!(
                    "the request target {} contains {}, which a URI may not contain unencoded",
                    quote(target),
                    name_of(*byte)
                ))
            } else if !matches!(*version, b"HTTP/1.1" | b"HTTP/1.0") {
                Some(format!(
                    "the HTTP version {} is not HTTP/1.1 or HTTP/1.0 (HTTP/2 is negotiated by \
                     ALPN, not named on a request line)",
                    quote(version)
                ))
            } else {
                None
            }
        }
        _ => Some(format!(
            "the request line {} is not `METHOD target HTTP/1.1` (three parts separated by \
             single spaces)",
            quote(line)
        )),
    }
}

/// RFC 9112 §5: `field-name ":" OWS field-value OWS`, on one line.
fn header_line_defect(line: &[u8], number: usize, previous: Option<&[u8]>) -> Option<String> {
    if matches!(line.first(), Some(b' ' | b'\t')) {
        let after = previous.map_or_else(String::new, |name| {
            format!(" (a continuation of the header {})", quote(name))
        });
        return Some(format!(
            "line {number} is a folded header line{after}: obs-fold is not allowed in requests \
             (RFC 9112 §5.2); send each header on one line"
        ));
    }
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return Some(format!(
            "header line {number} {} has no colon: a header line is `Name: value`",
            quote(line)
        ));
    };
    let (name, value) = (&line[..colon], &line[colon + 1..]);
    if name.is_empty() {
        return Some(format!(
            "header line {number} {} has no header name before its colon",
            quote(line)
        ));
    }
    if let Some(byte) = name.iter().find(|&&b| !is_tchar(b)) {
        return Some(format!(
            "the header name {} (line {number}) contains {}, which a header name may not \
             contain (RFC 9110 §5.1: a token)",
            quote(name),
            name_of(*byte)
        ));
    }
    if let Some((at, byte)) = control_character(value) {
        return Some(format!(
            "the value of the header {} (line {number}) contains the control character {} at \
             position {at}: header values may not contain control characters (RFC 9110 §5.5)",
            quote(name),
            name_of(byte)
        ));
    }
    None
}

/// The first control character (other than a tab), with its position.
fn control_character(bytes: &[u8]) -> Option<(usize, u8)> {
    bytes
        .iter()
        .position(|&b| (b < 0x20 && b != b'\t') || b == 0x7f)
        .map(|at| (at, bytes[at]))
}

/// RFC 9110 §5.6.2 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(|&b| is_tchar(b))
}

/// Printable ASCII other than space, `"`, `<`, `>`, `\`, `^`, `` ` ``, `{`, `|`, `}` (RFC 3986
/// and what HTTP parsers accept in a request target).
fn is_target_byte(b: u8) -> bool {
    b.is_ascii_graphic() && !b"\"<>\\^`{|}".contains(&b)
}

/// `NUL (0x00)`, `a space (0x20)`, `"@" (0x40)`.
fn name_of(byte: u8) -> String {
    match byte {
        0x00 => "NUL (0x00)".to_owned(),
        b'\r' => "a carriage return (0x0D)".to_owned(),
        b'\n' => "a line feed (0x0A)".to_owned(),
        b'\t' => "a tab (0x09)".to_owned(),
        b' ' => "a space (0x20)".to_owned(),
        0x7f => "DEL (0x7F)".to_owned(),
        b if b < 0x20 => format!("the control character 0x{b:02X}"),
        b if b.is_ascii_graphic() => format!("\"{}\" (0x{b:02X})", b as char),
        b => format!("the byte 0x{b:02X}"),
    }
}

/// The client's text in backquotes, control characters escaped, cut to [`QUOTE_CHARS`].
fn quote(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let escaped: String = text.escape_debug().collect();
    let mut cut: String = escaped.chars().take(QUOTE_CHARS).collect();
    if cut.len() < escaped.len() {
        cut.push('…');
    }
    format!("`{cut}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hyper_s_own_400_and_431_are_recognised_and_the_application_s_are_not() {
        let status = parser_answer_status;
        assert_eq!(
            status(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ndate: x\r\n\r\n"),
            Some(400)
        );
        assert_eq!(
            status(b"HTTP/1.1 431 Request Header Fields Too Large\r\n\r\n"),
            Some(431)
        );
        assert_eq!(
            status(b"HTTP/1.1 400 Bad Request\r\nIDLink-Request-Id: req-1\r\n\r\n{}"),
            None
        );
        assert_eq!(status(b"HTTP/1.1 200 OK\r\n\r\n"), None);
        assert_eq!(status(b"HTTP/1.1 413 Payload Too Large\r\n\r\n"), None);
    }

    /// One row per defect class: the head and a fragment of the sentence.
    const DEFECTS: &[(&[u8], &str)] = &[
        (
            b"GET /v1/whoami\r\n",
            "has no HTTP version: that is an HTTP/0.9 request",
        ),
        (
            b"GET /v1/whoami HTTP/1.1\r\nx-a: b\0c\r\n\r\n",
            "control character NUL (0x00) at position 2",
        ),
        (
            b"GET / HTTP/1.1\r\nx-a: b\r\n  folded\r\n\r\n",
            "line 3 is a folded header line (a continuation of the header `x-a`)",
        ),
        (
            b"GET / HTTP/1.1\r\nbad name: v\r\n\r\n",
            "the header name `bad name` (line 2) contains a space (0x20)",
        ),
        (b"GET / HTTP/1.1\r\nno colon here\r\n\r\n", "has no colon"),
        (
            b"G(T / HTTP/1.1\r\n\r\n",
            "the method `G(T` is not an HTTP token",
        ),
        (
            b"GET /a b HTTP/1.1\r\n\r\n",
            "is not `METHOD target HTTP/1.1`",
        ),
        (b"GET /a<b HTTP/1.1\r\n\r\n", "contains \"<\" (0x3C)"),
        (b"GET / HTTP/9.9\r\n\r\n", "the HTTP version `HTTP/9.9`"),
        (
            b"\r\n\r\nGET / HTTP/1.1\r\n: v\r\n\r\n",
            "has no header name",
        ),
    ];

    #[test]
    fn each_defect_class_is_named_in_words() {
        for (head, expected) in DEFECTS {
            let sentence = diagnose(head, "invalid HTTP header parsed");
            assert!(sentence.contains(expected), "{head:?}: {sentence}");
        }
    }

    #[test]
    fn a_head_with_no_visible_defect_falls_back_to_the_parser_s_words() {
        let sentence = diagnose(
            b"GET / HTTP/1.1\r\nok: yes\r\n\r\n",
            "invalid HTTP header parsed",
        );
        assert!(
            sentence.contains("invalid HTTP header parsed"),
            "{sentence}"
        );
        assert!(sentence.contains("`GET / HTTP/1.1`"), "{sentence}");
    }

    #[test]
    fn the_answer_is_a_problem_document_with_the_request_id() {
        let bytes = answer(ProblemCode::MalformedRequest, "req-1", "the request line …");
        let text = String::from_utf8(bytes).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{head}");
        assert!(head.contains("\r\nidlink-request-id: req-1\r\n"), "{head}");
        assert!(
            head.contains(&format!("\r\ncontent-length: {}\r\n", body.len())),
            "{head}"
        );
        let problem: Problem = serde_json::from_str(body).unwrap();
        assert_eq!(problem.code, "malformed-request");
        assert_eq!(problem.requirement, "PROTO-ERR-005");
        assert_eq!(problem.request_id.as_deref(), Some("req-1"));
    }
}
