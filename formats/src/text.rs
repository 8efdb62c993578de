//! Plain-text documents: the declared charset decodes cleanly, no NUL bytes, BOMs handled.
//!
//! Two entry points with one outcome: [`check`] on bytes in memory, and [`check_stream`] on a
//! reader, which a text file of any size goes through in fixed-size pieces (the service center
//! accepts text as large as its body limit, so memory must not grow with the file).

use std::io::{self, Read};

use crate::charset::{self, Iso2022Issue, Iso2022Scanner, StrictDecoder};
use crate::finding::Findings;
use crate::msg;
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
    let Some(start) = check_bom(bytes, charset, findings) else {
        return;
    };
    if bytes.len() == start {
        findings.push(empty_finding(start));
        return;
    }
    let body = &bytes[start..];
    let nuls: Vec<usize> = body
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == 0)
        .map(|(i, _)| i + start)
        .collect();
    if let Some(first) = nuls.first() {
        findings.push(nul_finding(nuls.len(), *first, line_of(bytes, *first)));
    }
    if charset == Charset::Iso2022Jp {
        charset::scan_iso2022jp(body, |issue| {
            let offset = issue.offset() + start;
            findings.push(iso2022_finding(issue, offset, line_of(bytes, offset)));
        });
    }
    if let Err(charset::CharsetError::Malformed { offset, len, .. }) = charset.decode_strict(body) {
        let offset = offset + start;
        findings.push(malformed_finding(
            charset,
            offset,
            len,
            line_of(bytes, offset),
        ));
    }
}

/// What [`check`] reports for the same bytes, read from `reader` in pieces of `chunk` bytes:
/// the NUL count, the ISO-2022-JP scan and the strict decode all run on each piece as it
/// arrives. Memory is one piece, a few bytes of context and the findings (at most
/// `Findings::PER_CODE_LIMIT` per code), whatever the length of the text.
pub(crate) fn check_stream(
    reader: &mut impl Read,
    options: &CheckOptions,
    findings: &mut Findings,
    chunk: usize,
) -> io::Result<()> {
    let charset = options.charset_override.unwrap_or(Charset::Utf8);
    let mut head = [0u8; 3];
    let head_len = read_full(reader, &mut head)?;
    let Some(start) = check_bom(&head[..head_len], charset, findings) else {
        return Ok(());
    };

    let mut lines = Lines::new(start);
    let mut scanner = (charset == Charset::Iso2022Jp).then(Iso2022Scanner::default);
    // Bytes the scanner has not consumed yet: at most two (an ESC whose sequence continues in
    // the next piece), followed by the current piece.
    let mut pending: Vec<u8> = Vec::new();
    // The JIS X 0208 run that is open, and its line, for an `Unterminated` issue at the end
    // (the only issue that points back further than the current piece).
    let mut open_run: Option<(usize, usize)> = None;
    let mut decoder = StrictDecoder::new(charset, start);
    // The line of the first malformed sequence, taken while its bytes are still in the window.
    let mut malformed_line: Option<usize> = None;
    let mut nuls = 0usize;
    let mut first_nul: Option<(usize, usize)> = None;
    // TEXT-DECODE findings, kept apart because the NUL finding (complete only at the end) is
    // listed before them.
    let mut decode_findings = Findings::default();

    let mut buffer = vec![0u8; chunk.max(1)];
    let mut first = Some((head[start.min(head_len)..head_len].to_vec(), head_len < 3));
    loop {
        let owned: Vec<u8>;
        let (piece, last): (&[u8], bool) = match first.take() {
            Some((bytes, last)) => {
                owned = bytes;
                (&owned, last)
            }
            None => {
                let n = read_full(reader, &mut buffer)?;
                (&buffer[..n], n < buffer.len())
            }
        };
        lines.enter(piece);
        for (k, _) in piece.iter().enumerate().filter(|(_, b)| **b == 0) {
            nuls += 1;
            if first_nul.is_none() {
                let offset = lines.base() + k;
                first_nul = Some((offset, lines.line_at(offset)));
            }
        }
        if let Some(scanner) = scanner.as_mut() {
            let pending_base = lines.base() - pending.len();
            pending.extend_from_slice(piece);
            let consumed = scanner.feed(&pending, pending_base, last, &mut |issue| {
                let offset = issue.offset();
                decode_findings.push(iso2022_finding(issue, offset, lines.line_at(offset)));
            });
            pending.drain(..consumed);
            if let Some(at) = scanner.open_run()
                && open_run.is_none_or(|(known, _)| known != at)
            {
                open_run = Some((at, lines.line_at(at)));
            }
        }
        decoder.feed(piece, last);
        if let (Some((offset, _)), None) = (decoder.malformed(), malformed_line) {
            malformed_line = Some(lines.line_at(offset));
        }
        lines.leave();
        if last {
            break;
        }
    }
    if lines.base() == start {
        findings.push(empty_finding(start));
        return Ok(());
    }
    if let Some(scanner) = scanner {
        scanner.finish(lines.base(), &mut |issue| {
            let offset = issue.offset();
            let line = match open_run {
                Some((at, line)) if at == offset => line,
                _ => lines.line_at(offset),
            };
            decode_findings.push(iso2022_finding(issue, offset, line));
        });
    }
    if let Some((offset, len)) = decoder.malformed() {
        let line = malformed_line.unwrap_or(1);
        decode_findings.push(malformed_finding(charset, offset, len, line));
    }
    if let Some((offset, line)) = first_nul {
        findings.push(nul_finding(nuls, offset, line));
    }
    findings.append(decode_findings);
    Ok(())
}

/// Judges a byte-order mark in the first bytes (three are enough). Returns where the text
/// starts, or `None` when the rest is not worth checking (a UTF-16 BOM: every other byte NUL).
fn check_bom(bytes: &[u8], charset: Charset, findings: &mut Findings) -> Option<usize> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        if charset == Charset::Utf8 {
            findings.push(Finding::new(
                Code::TextBom,
                Severity::Warning,
                Location::line(1, None).with_byte(Some(0)),
                msg!("text-bom-ignored"),
            ));
            return Some(3);
        }
        findings.push(Finding::new(
            Code::TextBom,
            Severity::Error,
            Location::line(1, None).with_byte(Some(0)),
            msg!("text-bom-utf8", charset = charset.as_str()),
        ));
    } else if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        findings.push(
            Finding::new(
                Code::TextBom,
                Severity::Error,
                Location::line(1, None).with_byte(Some(0)),
                msg!("text-bom-utf16", charset = charset.as_str()),
            )
            .with_hint(msg!("text-bom-utf16-hint")),
        );
        return None;
    }
    Some(0)
}

/// An empty text document (no bytes, or nothing after a UTF-8 byte-order mark at `start`):
/// refused like an empty HL7, PDF or NSIPS file, since the service center would store nothing.
fn empty_finding(start: usize) -> Finding {
    let what = if start == 0 {
        msg!("text-empty")
    } else {
        msg!("text-empty-after-bom", start = start)
    };
    Finding::new(
        Code::TextEmpty,
        Severity::Error,
        Location::line(1, None).with_byte(Some(start)),
        what,
    )
    .with_hint(msg!("text-empty-hint"))
}

fn nul_finding(count: usize, first: usize, line: usize) -> Finding {
    Finding::new(
        Code::TextNul,
        Severity::Error,
        Location::line(line, None).with_byte(Some(first)),
        msg!("text-nul", count = count, first = first),
    )
}

fn iso2022_finding(issue: Iso2022Issue, offset: usize, line: usize) -> Finding {
    let severity = if matches!(issue, Iso2022Issue::RedundantEscape { .. }) {
        Severity::Warning
    } else {
        Severity::Error
    };
    Finding::new(
        Code::TextDecode,
        severity,
        Location::line(line, None).with_byte(Some(offset)),
        issue.message(),
    )
}

fn malformed_finding(charset: Charset, offset: usize, len: usize, line: usize) -> Finding {
    Finding::new(
        Code::TextDecode,
        Severity::Error,
        Location::line(line, None).with_byte(Some(offset)),
        msg!(
            "charset-malformed",
            len = len,
            offset = offset,
            charset = charset.as_str()
        ),
    )
    .with_hint(msg!("text-malformed-hint"))
}

/// Fills `buffer` unless the reader ends first; returns how many bytes it holds. Pieces are
/// then full-sized except the last, whatever sizes the reader hands out.
pub(crate) fn read_full(reader: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// 1-based line numbers (LFs before an offset, plus one) while the text streams past.
///
/// A finding can point a few bytes before the current piece (an escape sequence or a malformed
/// sequence that began at the end of the previous one), so the last [`Lines::CONTEXT`] bytes are
/// kept with the piece. A cursor makes in-order queries linear even for a flood of findings.
struct Lines {
    /// Absolute offset of `window[0]`.
    window_start: usize,
    /// LFs before `window_start`.
    newlines_before: usize,
    /// The kept context followed by the current piece.
    window: Vec<u8>,
    /// Absolute offset where the current piece starts (after the context).
    base: usize,
    /// Last answered query: (offset, LFs before it).
    cursor: (usize, usize),
}

impl Lines {
    /// Context kept from the previous piece: longer than any escape or malformed sequence.
    const CONTEXT: usize = 16;

    fn new(start: usize) -> Self {
        Lines {
            window_start: start,
            newlines_before: 0,
            window: Vec::new(),
            base: start,
            cursor: (start, 0),
        }
    }

    /// Absolute offset of the current piece's first byte (after [`Lines::leave`]: of the next).
    fn base(&self) -> usize {
        self.base
    }

    fn enter(&mut self, piece: &[u8]) {
        self.base = self.window_start + self.window.len();
        self.window.extend_from_slice(piece);
    }

    fn leave(&mut self) {
        let keep_from = self.window.len().saturating_sub(Self::CONTEXT);
        self.newlines_before += count_lf(&self.window[..keep_from]);
        self.window.drain(..keep_from);
        self.window_start += keep_from;
        self.base = self.window_start + self.window.len();
        self.cursor = (self.window_start, self.newlines_before);
    }

    fn line_at(&mut self, offset: usize) -> usize {
        let end = self.window_start + self.window.len();
        // Offsets are never before the kept context; clamp rather than panic if one were.
        let offset = offset.clamp(self.window_start, end);
        if offset < self.cursor.0 {
            self.cursor = (self.window_start, self.newlines_before);
        }
        let (from, before) = self.cursor;
        let lf = count_lf(&self.window[from - self.window_start..offset - self.window_start]);
        self.cursor = (offset, before + lf);
        before + lf + 1
    }
}

fn count_lf(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| **b == b'\n').count()
}
