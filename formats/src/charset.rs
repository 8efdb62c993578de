//! Character sets an upload may use, and strict decoding with byte offsets.
//!
//! encoding_rs is lenient where SS-MIX2 is strict: its ISO-2022-JP decoder accepts `ESC ( I`
//! (half-width kana), `ESC ( J` (JIS X 0201 Roman) and `ESC $ @` (JIS C 6226-1978), and none of
//! its decoders report *where* a malformed byte is. So ISO-2022-JP data is pre-scanned here
//! ([`scan_iso2022jp`]) and strict decoding reports the offset of the first bad byte.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use encoding_rs::{DecoderResult, Encoding};
use serde::Serialize;

use crate::finding::{Message, quoted};
use crate::msg;

/// A character set a document may be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Charset {
    /// 7-bit ASCII (HL7 default when MSH-18 is empty).
    #[serde(rename = "ascii")]
    Ascii,
    /// ISO-2022-JP restricted to ASCII + JIS X 0208 (`ESC ( B`, `ESC $ B`): SS-MIX2's encoding,
    /// MSH-18 `~ISO IR87`.
    #[serde(rename = "iso-2022-jp")]
    Iso2022Jp,
    /// UTF-8, MSH-18 `UNICODE UTF-8`.
    #[serde(rename = "utf-8")]
    Utf8,
    /// Shift_JIS as Windows-31J/CP932 (WHATWG). No HL7 table-0211 code exists, so HL7 messages
    /// are only read as Shift_JIS through an explicit override.
    #[serde(rename = "shift_jis")]
    ShiftJis,
}

impl Charset {
    /// The encoding_rs encoding used to decode and encode.
    pub fn encoding(self) -> &'static Encoding {
        match self {
            // ASCII is decoded as UTF-8 after a byte check, so both give identical text.
            Charset::Ascii | Charset::Utf8 => encoding_rs::UTF_8,
            Charset::Iso2022Jp => encoding_rs::ISO_2022_JP,
            Charset::ShiftJis => encoding_rs::SHIFT_JIS,
        }
    }

    /// The stable name (`"iso-2022-jp"`), same as Display and serde.
    pub fn as_str(self) -> &'static str {
        match self {
            Charset::Ascii => "ascii",
            Charset::Iso2022Jp => "iso-2022-jp",
            Charset::Utf8 => "utf-8",
            Charset::ShiftJis => "shift_jis",
        }
    }

    /// Strict decode: the first malformed byte is an error with its offset. ISO-2022-JP callers
    /// should also run [`scan_iso2022jp`], which catches what encoding_rs tolerates.
    pub fn decode_strict(self, bytes: &[u8]) -> Result<Cow<'_, str>, CharsetError> {
        if self == Charset::Ascii
            && let Some(offset) = bytes.iter().position(|b| !b.is_ascii())
        {
            return Err(CharsetError::Malformed {
                charset: self,
                offset,
                len: 1,
            });
        }
        let encoding = self.encoding();
        if let Some(text) = encoding.decode_without_bom_handling_and_without_replacement(bytes) {
            return Ok(text);
        }
        Err(first_malformed(encoding, bytes)
            .map(|(offset, len)| CharsetError::Malformed {
                charset: self,
                offset,
                len,
            })
            .unwrap_or(CharsetError::Malformed {
                charset: self,
                offset: 0,
                len: 0,
            }))
    }

    /// Lossy decode used to keep checking after an error was reported (U+FFFD for bad bytes).
    pub fn decode_lossy(self, bytes: &[u8]) -> Cow<'_, str> {
        self.encoding().decode_without_bom_handling(bytes).0
    }

    /// Encode text. Anything encoding_rs would silently alter is an error: unmappable
    /// characters (it writes `&#NNN;`), half-width katakana in ISO-2022-JP (it widens them) and
    /// `¥`/`‾` in ISO-2022-JP (it switches to `ESC ( J`, which SS-MIX2 forbids).
    pub fn encode(self, text: &str) -> Result<Vec<u8>, CharsetError> {
        let forbidden = |c: char| match self {
            Charset::Ascii => !c.is_ascii(),
            Charset::Iso2022Jp => {
                ('\u{FF61}'..='\u{FF9F}').contains(&c) || c == '\u{A5}' || c == '\u{203E}'
            }
            Charset::Utf8 | Charset::ShiftJis => false,
        };
        if let Some((index, ch)) = text.char_indices().find(|(_, c)| forbidden(*c)) {
            return Err(CharsetError::Unmappable {
                charset: self,
                ch,
                text_offset: index,
            });
        }
        if matches!(self, Charset::Ascii | Charset::Utf8) {
            return Ok(text.as_bytes().to_vec());
        }
        let (bytes, _, had_unmappable) = self.encoding().encode(text);
        if had_unmappable {
            let (index, ch) = text
                .char_indices()
                .find(|(_, c)| {
                    let mut buf = [0u8; 4];
                    self.encoding().encode(c.encode_utf8(&mut buf)).2
                })
                .unwrap_or((0, '\u{FFFD}'));
            return Err(CharsetError::Unmappable {
                charset: self,
                ch,
                text_offset: index,
            });
        }
        Ok(bytes.into_owned())
    }
}

impl fmt::Display for Charset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Charset {
    type Err = CharsetError;

    /// Accepts the stable names and common spellings (`ISO-2022-JP`, `sjis`, `cp932`, `utf8`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase().replace('_', "-");
        Ok(match lower.as_str() {
            "ascii" | "us-ascii" => Charset::Ascii,
            "iso-2022-jp" | "iso2022jp" | "jis" => Charset::Iso2022Jp,
            "utf-8" | "utf8" => Charset::Utf8,
            "shift-jis" | "shiftjis" | "sjis" | "cp932" | "windows-31j" | "ms932" => {
                Charset::ShiftJis
            }
            _ => return Err(CharsetError::UnknownName { name: s.to_owned() }),
        })
    }
}

/// Why text could not be decoded or encoded. Its words are the catalogue's
/// ([`CharsetError::message`]); `Display` is the English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CharsetError {
    /// Bytes that are not valid in the charset.
    Malformed {
        /// The charset decoded with.
        charset: Charset,
        /// 0-based byte offset of the first bad byte.
        offset: usize,
        /// Length of the bad sequence.
        len: usize,
    },
    /// A character the charset cannot represent (or would silently change).
    Unmappable {
        /// The charset encoded to.
        charset: Charset,
        /// The character.
        ch: char,
        /// Byte offset in the UTF-8 text.
        text_offset: usize,
    },
    /// An unknown charset name (CLI flag, profile).
    UnknownName {
        /// What was given.
        name: String,
    },
}

impl CharsetError {
    /// What went wrong, as a catalogue message.
    pub fn message(&self) -> Message {
        match self {
            CharsetError::Malformed {
                charset,
                offset,
                len,
            } => msg!(
                "charset-malformed",
                len = *len,
                offset = *offset,
                charset = charset.as_str()
            ),
            CharsetError::Unmappable {
                charset,
                ch,
                text_offset,
            } => msg!(
                "charset-unmappable",
                ch = format!("{ch:?}"),
                code = format!("{:04X}", u32::from(*ch)),
                offset = *text_offset,
                charset = charset.as_str()
            ),
            CharsetError::UnknownName { name } => {
                msg!("charset-unknown-name", name = quoted(name))
            }
        }
    }
}

impl fmt::Display for CharsetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.message().fmt(f)
    }
}

impl std::error::Error for CharsetError {}

/// Offset and length of the first malformed sequence, found with the incremental decoder
/// (only called after the fast path failed, so the cost does not matter).
fn first_malformed(encoding: &'static Encoding, bytes: &[u8]) -> Option<(usize, usize)> {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(
        decoder
            .max_utf8_buffer_length_without_replacement(bytes.len())
            .unwrap_or(bytes.len() * 3),
    );
    let mut consumed = 0;
    loop {
        let (result, read) =
            decoder.decode_to_string_without_replacement(&bytes[consumed..], &mut out, true);
        consumed += read;
        match result {
            DecoderResult::InputEmpty => return None,
            DecoderResult::OutputFull => {
                out.reserve(bytes.len().max(16));
            }
            DecoderResult::Malformed(bad, extra) => {
                let bad = usize::from(bad);
                let start = consumed.saturating_sub(bad + usize::from(extra));
                return Some((start, bad));
            }
        }
    }
}

/// [`Charset::decode_strict`] fed in pieces: finds the same first malformed sequence (absolute
/// offset and length) with a fixed-size scratch buffer, so memory does not grow with the input.
/// The decoded text is thrown away; only whether and where decoding fails is kept.
pub(crate) struct StrictDecoder {
    charset: Charset,
    decoder: encoding_rs::Decoder,
    /// Bytes fed so far (the absolute offset of the next byte).
    consumed: usize,
    malformed: Option<(usize, usize)>,
    scratch: Vec<u8>,
}

impl StrictDecoder {
    /// A decoder for `charset`, no BOM handling (as [`Charset::decode_strict`]), for data whose
    /// first byte is at absolute offset `base`.
    pub(crate) fn new(charset: Charset, base: usize) -> Self {
        Self {
            charset,
            decoder: charset.encoding().new_decoder_without_bom_handling(),
            consumed: base,
            malformed: None,
            scratch: vec![0; 16 * 1024],
        }
    }

    /// Decodes the next piece; `last` for the final one (an incomplete sequence at the end is
    /// malformed then, and only then). Does nothing once a malformed sequence was found.
    pub(crate) fn feed(&mut self, bytes: &[u8], last: bool) {
        if self.malformed.is_some() {
            return;
        }
        if self.charset == Charset::Ascii {
            if let Some(k) = bytes.iter().position(|b| !b.is_ascii()) {
                self.malformed = Some((self.consumed + k, 1));
            }
            self.consumed += bytes.len();
            return;
        }
        let mut read_total = 0;
        loop {
            let (result, read, _) = self.decoder.decode_to_utf8_without_replacement(
                &bytes[read_total..],
                &mut self.scratch,
                last,
            );
            read_total += read;
            self.consumed += read;
            match result {
                DecoderResult::InputEmpty => return,
                DecoderResult::OutputFull => {}
                DecoderResult::Malformed(bad, extra) => {
                    let bad = usize::from(bad);
                    let start = self.consumed.saturating_sub(bad + usize::from(extra));
                    self.malformed = Some((start, bad));
                    return;
                }
            }
        }
    }

    /// Absolute offset and length of the first malformed sequence, if one was found.
    pub(crate) fn malformed(&self) -> Option<(usize, usize)> {
        self.malformed
    }
}

/// One defect found by [`scan_iso2022jp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Iso2022Issue {
    /// A byte >= 0x80.
    EightBit {
        /// Offset of the byte.
        offset: usize,
        /// The byte.
        byte: u8,
    },
    /// A recognised but forbidden escape sequence (`ESC ( I`, `ESC ( J`, `ESC $ @`).
    ForbiddenEscape {
        /// Offset of the ESC byte.
        offset: usize,
        /// The three bytes.
        sequence: [u8; 3],
    },
    /// An ESC that does not start any ISO-2022-JP escape sequence.
    UnknownEscape {
        /// Offset of the ESC byte.
        offset: usize,
    },
    /// An escape to the set already in use, or two escapes with nothing between them. Legal
    /// ISO-2022 in the first case, but it cannot survive re-encoding byte for byte.
    RedundantEscape {
        /// Offset of the ESC byte.
        offset: usize,
    },
    /// A control byte (CR, LF, ...) inside a JIS X 0208 run: a missing `ESC ( B`.
    ControlInJis {
        /// Offset of the byte.
        offset: usize,
        /// The byte.
        byte: u8,
    },
    /// A JIS X 0208 run with an odd number of bytes.
    OddJisRun {
        /// Offset of the unpaired byte.
        offset: usize,
    },
    /// The data ends inside a JIS X 0208 run (no final `ESC ( B`).
    Unterminated {
        /// Offset of the `ESC $ B` that opened the run.
        offset: usize,
    },
}

impl Iso2022Issue {
    /// Byte offset of the defect.
    pub fn offset(&self) -> usize {
        match *self {
            Iso2022Issue::EightBit { offset, .. }
            | Iso2022Issue::ForbiddenEscape { offset, .. }
            | Iso2022Issue::UnknownEscape { offset }
            | Iso2022Issue::RedundantEscape { offset }
            | Iso2022Issue::ControlInJis { offset, .. }
            | Iso2022Issue::OddJisRun { offset }
            | Iso2022Issue::Unterminated { offset } => offset,
        }
    }
}

impl Iso2022Issue {
    /// What is wrong, as a catalogue message.
    pub fn message(&self) -> Message {
        match *self {
            Iso2022Issue::EightBit { byte, .. } => {
                msg!("iso2022-eight-bit", byte = format!("{byte:02X}"))
            }
            Iso2022Issue::ForbiddenEscape { sequence, .. } => {
                let which = match &sequence {
                    b"\x1b(I" => "kana",
                    b"\x1b(J" => "roman",
                    b"\x1b$@" => "jis1978",
                    _ => "other",
                };
                msg!("iso2022-forbidden-escape", sequence = which)
            }
            Iso2022Issue::UnknownEscape { .. } => msg!("iso2022-unknown-escape"),
            Iso2022Issue::RedundantEscape { .. } => msg!("iso2022-redundant-escape"),
            Iso2022Issue::ControlInJis { byte, .. } => {
                msg!("iso2022-control-in-jis", byte = format!("{byte:02X}"))
            }
            Iso2022Issue::OddJisRun { .. } => msg!("iso2022-odd-run"),
            Iso2022Issue::Unterminated { .. } => msg!("iso2022-unterminated"),
        }
    }
}

impl fmt::Display for Iso2022Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.message().fmt(f)
    }
}

/// Scan ISO-2022-JP bytes for everything SS-MIX2 forbids but encoding_rs accepts. Issues are
/// passed to `report` in byte order; returns the number reported.
pub fn scan_iso2022jp(bytes: &[u8], mut report: impl FnMut(Iso2022Issue)) -> usize {
    let mut scanner = Iso2022Scanner::default();
    scanner.feed(bytes, 0, true, &mut report);
    scanner.finish(bytes.len(), &mut report)
}

/// Where [`Iso2022Scanner`] is in the data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Mode {
    #[default]
    Ascii,
    Jis,
    /// After a forbidden escape: skip content until the next valid escape.
    Other,
}

/// [`scan_iso2022jp`] as a state machine fed in pieces, so a file can be scanned in chunks
/// with memory that does not grow with its size. Offsets are absolute (into the whole data), and
/// the issues are the ones one call on the whole data would report, in the same order: the
/// slice function is this scanner fed once.
#[derive(Debug, Clone)]
pub(crate) struct Iso2022Scanner {
    mode: Mode,
    /// Absolute offset of the first byte after the `ESC $ B` that opened the current run.
    run_start: usize,
    /// Absolute offset just after the last valid escape sequence (`usize::MAX`: none yet).
    last_escape_end: usize,
    count: usize,
}

impl Default for Iso2022Scanner {
    fn default() -> Self {
        Self {
            mode: Mode::Ascii,
            run_start: 0,
            last_escape_end: usize::MAX,
            count: 0,
        }
    }
}

impl Iso2022Scanner {
    /// Scans `bytes`, which start at absolute offset `base`. Unless `last`, it stops before an
    /// ESC with fewer than two bytes after it (the sequence may continue in the next piece) and
    /// returns how many bytes it consumed: the caller passes the rest again, followed by more.
    pub(crate) fn feed(
        &mut self,
        bytes: &[u8],
        base: usize,
        last: bool,
        report: &mut impl FnMut(Iso2022Issue),
    ) -> usize {
        let mut emit = |count: &mut usize, issue| {
            *count += 1;
            report(issue);
        };
        let mut i = 0;
        while i < bytes.len() {
            // Fast path: skip runs of bytes that cannot be a defect in the current mode.
            let skip = match self.mode {
                Mode::Ascii | Mode::Other => {
                    bytes[i..].iter().position(|b| *b == 0x1B || *b >= 0x80)
                }
                Mode::Jis => bytes[i..].iter().position(|b| !(0x21..=0x7E).contains(b)),
            };
            match skip {
                Some(k) => i += k,
                None => {
                    i = bytes.len();
                    continue;
                }
            }
            let at = base + i;
            let b = bytes[i];
            if b == 0x1B {
                if !last && i + 2 >= bytes.len() {
                    return i;
                }
                let seq = [
                    b,
                    *bytes.get(i + 1).unwrap_or(&0),
                    *bytes.get(i + 2).unwrap_or(&0),
                ];
                let target = match &seq[1..] {
                    b"$B" => Some(Mode::Jis),
                    b"(B" => Some(Mode::Ascii),
                    b"(I" | b"(J" | b"$@" => {
                        emit(
                            &mut self.count,
                            Iso2022Issue::ForbiddenEscape {
                                offset: at,
                                sequence: seq,
                            },
                        );
                        Some(Mode::Other)
                    }
                    _ => None,
                };
                match target {
                    Some(target) => {
                        if self.mode == Mode::Jis && (at - self.run_start) % 2 == 1 {
                            emit(&mut self.count, Iso2022Issue::OddJisRun { offset: at - 1 });
                        }
                        if (target == self.mode && target != Mode::Other)
                            || self.last_escape_end == at
                        {
                            emit(
                                &mut self.count,
                                Iso2022Issue::RedundantEscape { offset: at },
                            );
                        }
                        if target == Mode::Jis {
                            self.run_start = at + 3;
                        }
                        self.mode = target;
                        i += 3;
                        self.last_escape_end = base + i;
                    }
                    None => {
                        emit(&mut self.count, Iso2022Issue::UnknownEscape { offset: at });
                        i += 1;
                    }
                }
                continue;
            }
            if b >= 0x80 {
                emit(
                    &mut self.count,
                    Iso2022Issue::EightBit {
                        offset: at,
                        byte: b,
                    },
                );
            } else if self.mode == Mode::Jis && !(0x21..=0x7E).contains(&b) {
                emit(
                    &mut self.count,
                    Iso2022Issue::ControlInJis {
                        offset: at,
                        byte: b,
                    },
                );
                // Recover as if the run had been closed, so one missing ESC ( B is one finding.
                self.mode = Mode::Ascii;
            }
            i += 1;
        }
        bytes.len()
    }

    /// The absolute offset of the `ESC $ B` that opened the JIS X 0208 run the data is in, if
    /// it is in one: where [`Iso2022Issue::Unterminated`] would point if the data ended now.
    pub(crate) fn open_run(&self) -> Option<usize> {
        (self.mode == Mode::Jis).then(|| self.run_start.saturating_sub(3))
    }

    /// Ends the data at absolute offset `end` (its length); returns the number of issues.
    pub(crate) fn finish(self, end: usize, report: &mut impl FnMut(Iso2022Issue)) -> usize {
        let mut count = self.count;
        if self.mode == Mode::Jis {
            if end.saturating_sub(self.run_start) % 2 == 1 {
                count += 1;
                report(Iso2022Issue::OddJisRun {
                    offset: end.saturating_sub(1),
                });
            }
            count += 1;
            report(Iso2022Issue::Unterminated {
                offset: self.run_start.saturating_sub(3),
            });
        }
        count
    }
}

/// True when ISO-2022-JP bytes contain a JIS X 0208 pair from a CP932 vendor row (NEC row 13,
/// lead 0x2D; NEC-selected IBM rows 89–92, leads 0x79–0x7C). These are the only cells outside
/// strict JIS X 0208 that decode at all, so a clean scan plus `false` here means every decoded
/// character is strict JIS X 0208 and the per-character lint can be skipped.
pub fn has_vendor_rows(bytes: &[u8]) -> bool {
    let mut i = 0;
    while let Some(k) = bytes[i..].windows(3).position(|w| w == b"\x1b$B") {
        i += k + 3;
        while i + 1 < bytes.len() && bytes[i] != 0x1B {
            if bytes[i] == 0x2D || (0x79..=0x7C).contains(&bytes[i]) {
                return true;
            }
            i += 2;
        }
        if i + 1 >= bytes.len() {
            break;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issues(bytes: &[u8]) -> Vec<Iso2022Issue> {
        let mut out = Vec::new();
        scan_iso2022jp(bytes, |i| out.push(i));
        out
    }

    #[test]
    fn accepts_canonical_iso2022jp() {
        assert!(issues(b"A\x1b$BFbI~!&\x1b(B|X\r").is_empty());
    }

    #[test]
    fn reports_forbidden_escapes_with_offsets() {
        assert_eq!(
            issues(b"AB\x1b(I1\x1b(B"),
            vec![Iso2022Issue::ForbiddenEscape {
                offset: 2,
                sequence: *b"\x1b(I"
            }]
        );
        assert_eq!(
            issues(b"\x1b$@0!\x1b(B"),
            vec![Iso2022Issue::ForbiddenEscape {
                offset: 0,
                sequence: *b"\x1b$@"
            }]
        );
    }

    #[test]
    fn reports_eight_bit_bytes_and_open_runs() {
        assert_eq!(
            issues(b"a\x82\xa0"),
            vec![
                Iso2022Issue::EightBit {
                    offset: 1,
                    byte: 0x82
                },
                Iso2022Issue::EightBit {
                    offset: 2,
                    byte: 0xA0
                },
            ]
        );
        assert_eq!(
            issues(b"a\x1b$B0!"),
            vec![Iso2022Issue::Unterminated { offset: 1 }]
        );
        assert_eq!(
            issues(b"\x1b$B0!\r"),
            vec![Iso2022Issue::ControlInJis {
                offset: 5,
                byte: 13
            }]
        );
    }

    #[test]
    fn reports_redundant_escapes() {
        assert_eq!(
            issues(b"\x1b(BA"),
            vec![Iso2022Issue::RedundantEscape { offset: 0 }]
        );
    }

    #[test]
    fn strict_decode_reports_the_offset() {
        let err = Charset::Utf8.decode_strict(b"ab\xffc").unwrap_err();
        assert_eq!(
            err,
            CharsetError::Malformed {
                charset: Charset::Utf8,
                offset: 2,
                len: 1
            }
        );
        let err = Charset::ShiftJis
            .decode_strict(b"\x82\xa0\xff\x82")
            .unwrap_err();
        assert!(
            matches!(err, CharsetError::Malformed { offset: 2, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn encoding_refuses_silent_changes() {
        assert!(Charset::Iso2022Jp.encode("ｶ").is_err());
        assert!(Charset::Iso2022Jp.encode("¥").is_err());
        assert!(Charset::Iso2022Jp.encode("😀").is_err());
        assert_eq!(Charset::Iso2022Jp.encode("内").unwrap(), b"\x1b$BFb\x1b(B");
    }
}
