//! PDF documents: a header, an end marker, a size limit, and no encryption.
//!
//! This is a container sanity check, not a PDF parser: it catches truncated uploads, renamed
//! files and encrypted documents the service could neither index nor render. Every rule looks
//! at the first KiB, the last KiB, the size, or searches for one short marker, so
//! [`check_stream`] can judge a PDF of any size from a file with a fixed-size buffer.

use std::io::{self, Read, Seek, SeekFrom};

use crate::finding::{Findings, quoted};
use crate::msg;
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
    let head = &bytes[..bytes.len().min(HEAD)];
    if !check_start(bytes.len() as u64, head, options, findings) {
        return;
    }
    let tail_start = bytes.len().saturating_sub(EOF_WINDOW);
    check_end(bytes.len(), &bytes[tail_start..], findings);
    check_encryption(find(bytes, ENCRYPT), options, findings);
}

/// [`check`] on a seekable reader of `size` bytes whose first bytes (at least
/// `min(size, 1024)`) are `head`: the same findings, reading the last KiB and one pass of
/// `chunk`-byte pieces for `/Encrypt` instead of holding the document.
///
/// `/Encrypt` is searched in the whole file, not only near the end, because a linearized PDF
/// keeps its encryption dictionary reference in the first-page trailer near the start.
pub(crate) fn check_stream<R: Read + Seek>(
    reader: &mut R,
    size: u64,
    head: &[u8],
    options: &CheckOptions,
    findings: &mut Findings,
    chunk: usize,
) -> io::Result<()> {
    let head = &head[..head.len().min(HEAD)];
    if !check_start(size, head, options, findings) {
        return Ok(());
    }
    let window = (EOF_WINDOW as u64).min(size);
    reader.seek(SeekFrom::Start(size - window))?;
    let mut tail = Vec::with_capacity(EOF_WINDOW);
    reader.take(window).read_to_end(&mut tail)?;
    check_end(usize::try_from(size).unwrap_or(usize::MAX), &tail, findings);
    reader.seek(SeekFrom::Start(0))?;
    check_encryption(find_in_stream(reader, ENCRYPT, chunk)?, options, findings);
    Ok(())
}

/// The first KiB: readers look for the header there.
const HEAD: usize = 1024;

/// The marker of an encryption dictionary.
const ENCRYPT: &[u8] = b"/Encrypt";

/// Size and header. Returns false when the bytes are not a PDF at all, so nothing else is
/// worth reporting.
fn check_start(size: u64, head: &[u8], options: &CheckOptions, findings: &mut Findings) -> bool {
    let limit = options.max_pdf_bytes.unwrap_or(DEFAULT_MAX_BYTES);
    if size > limit {
        findings.push(
            Finding::new(
                Code::PdfTooLarge,
                Severity::Error,
                Location::default(),
                msg!("pdf-too-large", size = size, limit = limit),
            )
            .with_hint(msg!("pdf-too-large-hint")),
        );
    }
    match find_header(head) {
        Some(0) => {
            let version = head.get(5..8).unwrap_or_default();
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
                    msg!(
                        "pdf-version",
                        found = quoted(&String::from_utf8_lossy(version))
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
            msg!("pdf-header-offset", offset = offset),
        )),
        None => {
            findings.push(
                Finding::new(
                    Code::PdfHeader,
                    Severity::Error,
                    Location::at_byte(0),
                    msg!("pdf-no-header"),
                )
                .with_hint(msg!("pdf-no-header-hint")),
            );
            return false;
        }
    }
    true
}

/// `%%EOF` in the last KiB (`tail`) of a `size`-byte file.
fn check_end(size: usize, tail: &[u8], findings: &mut Findings) {
    if find(tail, b"%%EOF").is_none() {
        findings.push(
            Finding::new(
                Code::PdfEof,
                Severity::Error,
                Location::at_byte(size),
                msg!("pdf-eof", window = EOF_WINDOW),
            )
            .with_hint(msg!("pdf-eof-hint")),
        );
    }
}

/// Offset of the first `needle` in the reader's bytes, reading `chunk` bytes at a time and
/// keeping `needle.len() - 1` bytes of overlap so a match across two pieces is found.
fn find_in_stream(
    reader: &mut impl Read,
    needle: &[u8],
    chunk: usize,
) -> io::Result<Option<usize>> {
    let overlap = needle.len().saturating_sub(1);
    let mut buffer = vec![0u8; chunk.max(1) + overlap];
    let mut kept = 0;
    // Absolute offset of buffer[0].
    let mut start = 0;
    loop {
        let n = crate::text::read_full(reader, &mut buffer[kept..kept + chunk.max(1)])?;
        let filled = kept + n;
        if let Some(at) = find(&buffer[..filled], needle) {
            return Ok(Some(start + at));
        }
        if n == 0 {
            return Ok(None);
        }
        let keep = overlap.min(filled);
        buffer.copy_within(filled - keep..filled, 0);
        start += filled - keep;
        kept = keep;
    }
}

/// `/Encrypt` found at `offset`.
fn check_encryption(offset: Option<usize>, options: &CheckOptions, findings: &mut Findings) {
    if let Some(offset) = offset {
        findings.push(
            Finding::new(
                Code::PdfEncrypted,
                match options.strictness {
                    Strictness::Strict => Severity::Error,
                    Strictness::Lenient => Severity::Warning,
                },
                Location::at_byte(offset),
                msg!("pdf-encrypted"),
            )
            .with_hint(msg!("pdf-encrypted-hint")),
        );
    }
}
