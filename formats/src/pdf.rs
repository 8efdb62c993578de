//! PDF documents: a header, an end marker, a size limit, and no encryption.
//!
//! This is a container sanity check, not a PDF parser: it catches truncated uploads, renamed
//! files and encrypted documents the service could neither index nor render.

use crate::finding::Findings;
use crate::{CheckOptions, Code, Finding, Location, Severity, Strictness};

/// Size limit used when [`CheckOptions::max_pdf_bytes`] is `None` (50 MiB).
pub const DEFAULT_MAX_BYTES: u64 = 50 * 1024 * 1024;

/// How far from the end `%%EOF` may be (trailing whitespace or junk some writers append).
const EOF_WINDOW: usize = 1024;

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Offset of a `%PDF-` header within the first KiB (readers tolerate leading junk there).
pub fn find_header(bytes: &[u8]) -> Option<usize> {
    find(&bytes[..bytes.len().min(1024)], b"%PDF-")
}

/// Check a PDF upload.
pub(crate) fn check(bytes: &[u8], options: &CheckOptions, findings: &mut Findings) {
    let limit = options.max_pdf_bytes.unwrap_or(DEFAULT_MAX_BYTES);
    if bytes.len() as u64 > limit {
        findings.push(
            Finding::new(
                Code::PdfTooLarge,
                Severity::Error,
                Location::default(),
                format!("PDF is {} bytes; the limit is {limit} bytes", bytes.len()),
            )
            .with_hint("split the document or reduce image resolution"),
        );
    }
    match find_header(bytes) {
        Some(0) => {
            let version = bytes.get(5..8).unwrap_or_default();
            let ok = version.len() == 3
                && version[0] == b'1'
                && version[1] == b'.'
                && (b'0'..=b'7').contains(&version[2]);
            if !ok {
                findings.push(Finding::new(
                    Code::PdfHeader,
                    if version == b"2.0" {
                        Severity::Warning
                    } else {
                        Severity::Error
                    },
                    Location::at_byte(5),
                    format!(
                        "PDF header version is {:?}; expected 1.0 to 1.7",
                        String::from_utf8_lossy(version)
                    ),
                ));
            }
        }
        Some(offset) => findings.push(Finding::new(
            Code::PdfHeader,
            match options.strictness {
                Strictness::Strict => Severity::Error,
                Strictness::Lenient => Severity::Warning,
            },
            Location::at_byte(offset),
            format!("%PDF- header starts at byte {offset}, not at byte 0"),
        )),
        None => {
            findings.push(
                Finding::new(
                    Code::PdfHeader,
                    Severity::Error,
                    Location::at_byte(0),
                    "no %PDF-1.x header in the first 1024 bytes: this is not a PDF",
                )
                .with_hint("check the document kind; renamed files are refused"),
            );
            return;
        }
    }
    let tail_start = bytes.len().saturating_sub(EOF_WINDOW);
    if find(&bytes[tail_start..], b"%%EOF").is_none() {
        findings.push(
            Finding::new(
                Code::PdfEof,
                Severity::Error,
                Location::at_byte(bytes.len()),
                format!("no %%EOF in the last {EOF_WINDOW} bytes: the file looks truncated"),
            )
            .with_hint("re-export or re-copy the PDF"),
        );
    }
    if let Some(offset) = find(bytes, b"/Encrypt") {
        findings.push(
            Finding::new(
                Code::PdfEncrypted,
                match options.strictness {
                    Strictness::Strict => Severity::Error,
                    Strictness::Lenient => Severity::Warning,
                },
                Location::at_byte(offset),
                "PDF is encrypted (/Encrypt); the service can neither index nor display it",
            )
            .with_hint("export the PDF without a password or usage restrictions"),
        );
    }
}
