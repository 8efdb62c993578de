//! Plain-text documents: the declared charset decodes cleanly, no NUL bytes, BOMs handled.

use crate::charset::{self, Iso2022Issue};
use crate::finding::Findings;
use crate::{Charset, CheckOptions, Code, Finding, Location, Severity};

fn line_of(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Check a text upload against `options.charset_override` (default UTF-8).
pub(crate) fn check(bytes: &[u8], options: &CheckOptions, findings: &mut Findings) {
    let charset = options.charset_override.unwrap_or(Charset::Utf8);
    let mut body = bytes;
    let mut start = 0;
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        if charset == Charset::Utf8 {
            findings.push(Finding::new(
                Code::TextBom,
                Severity::Warning,
                Location::line(1, None).with_byte(Some(0)),
                "UTF-8 byte-order mark at the start; it is ignored",
            ));
            body = &bytes[3..];
            start = 3;
        } else {
            findings.push(Finding::new(
                Code::TextBom,
                Severity::Error,
                Location::line(1, None).with_byte(Some(0)),
                format!("UTF-8 byte-order mark, but the declared charset is {charset}"),
            ));
        }
    } else if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        findings.push(
            Finding::new(
                Code::TextBom,
                Severity::Error,
                Location::line(1, None).with_byte(Some(0)),
                format!("UTF-16 byte-order mark, but the declared charset is {charset}"),
            )
            .with_hint("save the text as UTF-8 (or declare its real charset)"),
        );
        return;
    }
    let nuls: Vec<usize> = body
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == 0)
        .map(|(i, _)| i + start)
        .collect();
    if let Some(first) = nuls.first() {
        findings.push(Finding::new(
            Code::TextNul,
            Severity::Error,
            Location::line(line_of(bytes, *first), None).with_byte(Some(*first)),
            format!(
                "{} NUL byte(s), first at byte {first}: this is binary data or UTF-16",
                nuls.len()
            ),
        ));
    }
    if charset == Charset::Iso2022Jp {
        charset::scan_iso2022jp(body, |issue| {
            let offset = issue.offset() + start;
            let severity = if matches!(issue, Iso2022Issue::RedundantEscape { .. }) {
                Severity::Warning
            } else {
                Severity::Error
            };
            findings.push(Finding::new(
                Code::TextDecode,
                severity,
                Location::line(line_of(bytes, offset), None).with_byte(Some(offset)),
                issue.to_string(),
            ));
        });
    }
    if let Err(charset::CharsetError::Malformed { offset, len, .. }) = charset.decode_strict(body) {
        let offset = offset + start;
        findings.push(
            Finding::new(
                Code::TextDecode,
                Severity::Error,
                Location::line(line_of(bytes, offset), None).with_byte(Some(offset)),
                format!("{len} byte(s) at offset {offset} are not valid {charset}"),
            )
            .with_hint("declare the text's real charset, or re-save it as UTF-8"),
        );
    }
}
