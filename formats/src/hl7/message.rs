//! The parsed message and its views (segments, fields), and the parse itself.

use std::borrow::Cow;
use std::ops::Range;

use super::escape;
use super::{ParseError, ParseOptions, Parsed};
use crate::charset;
use crate::{Charset, Location};

/// The five ER7 delimiters from MSH-1 and MSH-2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delimiters {
    /// MSH-1, usually `|`.
    pub field: char,
    /// Usually `^`.
    pub component: char,
    /// Usually `~`.
    pub repetition: char,
    /// Usually `\`.
    pub escape: char,
    /// Usually `&`.
    pub subcomponent: char,
}

impl Default for Delimiters {
    fn default() -> Self {
        Delimiters {
            field: '|',
            component: '^',
            repetition: '~',
            escape: '\\',
            subcomponent: '&',
        }
    }
}

impl Delimiters {
    /// Replace `\F\ \S\ \T\ \R\ \E\` by the delimiters they stand for; other escapes
    /// (`\X0D\`, `\H\`, `\.br\` ...) pass through unchanged.
    pub fn unescape<'a>(&self, text: &'a str) -> Cow<'a, str> {
        escape::unescape(text, self)
    }

    /// Escape delimiters in data so it can be written into a field.
    pub fn escape<'a>(&self, text: &'a str) -> Cow<'a, str> {
        escape::escape(text, self)
    }
}

#[derive(Debug, Clone)]
struct SegmentSpan {
    range: Range<usize>,
    raw_offset: Option<usize>,
}

/// A decoded HL7 v2 message. Only [`Message::parse`] creates one.
#[derive(Debug, Clone)]
pub struct Message {
    text: String,
    charset: Charset,
    delimiters: Delimiters,
    segments: Vec<SegmentSpan>,
}

impl Message {
    /// The whole decoded text, framing bytes included (so it re-encodes to the input).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The character set the bytes were decoded with.
    pub fn charset(&self) -> Charset {
        self.charset
    }

    /// The delimiters from MSH-1/MSH-2.
    pub fn delimiters(&self) -> Delimiters {
        self.delimiters
    }

    /// All segments in order.
    pub fn segments(&self) -> impl Iterator<Item = Segment<'_>> {
        (1..=self.segments.len()).filter_map(|i| self.segment(i))
    }

    /// Number of segments.
    pub fn segment_count(&self) -> usize {
        self.segments.len()
    }

    /// Segment by 1-based index.
    pub fn segment(&self, index: usize) -> Option<Segment<'_>> {
        let span = self.segments.get(index.checked_sub(1)?)?;
        Some(Segment {
            text: self.text.get(span.range.clone())?,
            index,
            raw_offset: span.raw_offset,
            delimiters: self.delimiters,
            charset: self.charset,
        })
    }

    /// The first segment with this name.
    pub fn first(&self, name: &str) -> Option<Segment<'_>> {
        self.segments().find(|s| s.name() == name)
    }

    /// Every segment with this name.
    pub fn all<'m>(&'m self, name: &'m str) -> impl Iterator<Item = Segment<'m>> + 'm {
        self.segments().filter(move |s| s.name() == name)
    }

    /// Re-encode with the same charset. For a message that parsed without errors this is the
    /// original bytes; anything else is best effort (see [`Message::try_encode`]).
    pub fn encode(&self) -> Vec<u8> {
        self.try_encode()
            .unwrap_or_else(|_| self.charset.encoding().encode(&self.text).0.into_owned())
    }

    /// Re-encode, failing on characters the charset cannot hold unchanged.
    pub fn try_encode(&self) -> Result<Vec<u8>, charset::CharsetError> {
        self.charset.encode(&self.text)
    }
}

/// One segment of a [`Message`].
#[derive(Debug, Clone, Copy)]
pub struct Segment<'m> {
    text: &'m str,
    index: usize,
    raw_offset: Option<usize>,
    delimiters: Delimiters,
    charset: Charset,
}

impl<'m> Segment<'m> {
    /// Segment name (`PID`); the first three characters.
    pub fn name(&self) -> &'m str {
        self.text.get(..3).unwrap_or(self.text)
    }

    /// 1-based position in the message.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The segment text without its terminator.
    pub fn as_str(&self) -> &'m str {
        self.text
    }

    /// Byte offset of the segment in the original bytes, when known exactly.
    pub fn byte_offset(&self) -> Option<usize> {
        self.raw_offset
    }

    fn is_msh(&self) -> bool {
        self.name() == "MSH"
    }

    /// Field by HL7 number (MSH-1 is the field separator, MSH-2 the encoding characters).
    pub fn field(&self, number: usize) -> Option<Field<'m>> {
        let sep = self.delimiters.field;
        let literal = self.is_msh() && number <= 2;
        let raw = if self.is_msh() {
            match number {
                0 => return None,
                1 => self.text.get(3..3 + sep.len_utf8())?,
                n => self.text.split(sep).nth(n - 1)?,
            }
        } else {
            if number == 0 {
                return None;
            }
            self.text.split(sep).nth(number)?
        };
        Some(Field {
            raw,
            number,
            delimiters: self.delimiters,
            literal,
        })
    }

    /// The field's text, or `""` when the field is absent.
    pub fn value(&self, number: usize) -> &'m str {
        self.field(number).map(|f| f.raw).unwrap_or("")
    }

    /// Number of fields present (trailing empty fields that were written count).
    pub fn field_count(&self) -> usize {
        let parts = self.text.split(self.delimiters.field).count();
        if self.is_msh() { parts } else { parts - 1 }
    }

    /// Location of a field: segment, field number, and the byte offset where the field's
    /// text starts in the original bytes.
    pub fn field_location(&self, number: usize) -> Location {
        let sep = self.delimiters.field;
        let skip = if self.is_msh() {
            number.saturating_sub(1)
        } else {
            number
        };
        let mut pos = self.text.len();
        let mut seen = 0;
        if skip == 0 {
            pos = 0;
        } else {
            for (i, c) in self.text.char_indices() {
                if c == sep {
                    seen += 1;
                    if seen == skip {
                        pos = i + c.len_utf8();
                        break;
                    }
                }
            }
        }
        let mut location = self.locate(pos);
        location.field = Some(number);
        location.repetition = None;
        location.component = None;
        location
    }

    /// Location of a character position inside this segment's text: field, repetition,
    /// component, and the byte offset in the original bytes.
    pub fn locate(&self, pos: usize) -> Location {
        let d = self.delimiters;
        let (mut field, mut rep, mut comp) = (0usize, 1usize, 1usize);
        let msh = self.is_msh();
        for (i, c) in self.text.char_indices() {
            if i >= pos {
                break;
            }
            if c == d.field {
                field += 1;
                rep = 1;
                comp = 1;
            } else if msh && field < 2 {
                // MSH-2 holds the delimiters themselves.
            } else if c == d.repetition {
                rep += 1;
                comp = 1;
            } else if c == d.component {
                comp += 1;
            }
        }
        let number = if msh { field + 1 } else { field };
        let mut location = Location::field(self.index, self.name(), number);
        if number > 0 && !(msh && number <= 2) {
            location.repetition = Some(rep);
            location.component = Some(comp);
        } else if number == 0 {
            location.field = None;
        }
        location.byte_offset = self.raw_offset.map(|o| {
            o + raw_len(
                self.charset,
                &self.text[..pos.min(self.text.len())],
                self.text[pos.min(self.text.len())..].chars().next(),
            )
        });
        location
    }
}

/// Byte length the canonical encoder gives `prefix`, plus the escape that would open the run of
/// `next` (so the result points at `next`'s first data byte). Exact for canonical input, which
/// is the only input that reaches the character lint without an earlier charset finding.
fn raw_len(charset: Charset, prefix: &str, next: Option<char>) -> usize {
    match charset {
        Charset::Ascii | Charset::Utf8 => prefix.len(),
        Charset::ShiftJis => prefix
            .chars()
            .map(|c| {
                if c.is_ascii() || ('\u{FF61}'..='\u{FF9F}').contains(&c) {
                    1
                } else {
                    2
                }
            })
            .sum(),
        Charset::Iso2022Jp => {
            let mut n = 0;
            let mut jis = false;
            for c in prefix.chars() {
                if c.is_ascii() {
                    if jis {
                        n += 3;
                        jis = false;
                    }
                    n += 1;
                } else {
                    if !jis {
                        n += 3;
                        jis = true;
                    }
                    n += 2;
                }
            }
            // Entering or leaving a JIS X 0208 run costs an escape sequence.
            if next.is_some_and(|c| c.is_ascii() == jis) {
                n += 3;
            }
            n
        }
    }
}

/// One field of a segment. Repetition and component accessors never panic; absent parts read
/// as `""`.
#[derive(Debug, Clone, Copy)]
pub struct Field<'m> {
    raw: &'m str,
    number: usize,
    delimiters: Delimiters,
    /// MSH-1 / MSH-2: not split at delimiters.
    literal: bool,
}

impl<'m> Field<'m> {
    /// The raw (still escaped) field text.
    pub fn as_str(&self) -> &'m str {
        self.raw
    }

    /// HL7 field number.
    pub fn number(&self) -> usize {
        self.number
    }

    /// True when the field is empty (`""`, the HL7 null, is *not* empty).
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The repetitions, each as a field of its own.
    pub fn repetitions(&self) -> impl Iterator<Item = Field<'m>> + 'm {
        let this = *self;
        let mut parts = if this.literal {
            None
        } else {
            Some(this.raw.split(this.delimiters.repetition))
        };
        let mut literal_once = this.literal.then_some(this);
        std::iter::from_fn(move || {
            if let Some(f) = literal_once.take() {
                return Some(f);
            }
            parts.as_mut()?.next().map(|raw| Field { raw, ..this })
        })
    }

    /// Repetition by 1-based number.
    pub fn repetition(&self, number: usize) -> Option<Field<'m>> {
        self.repetitions().nth(number.checked_sub(1)?)
    }

    fn first_repetition(&self) -> &'m str {
        if self.literal {
            self.raw
        } else {
            self.raw
                .split(self.delimiters.repetition)
                .next()
                .unwrap_or("")
        }
    }

    /// Component of the first repetition (1-based), `""` when absent.
    pub fn component(&self, number: usize) -> &'m str {
        if self.literal {
            return if number == 1 { self.raw } else { "" };
        }
        number
            .checked_sub(1)
            .and_then(|n| {
                self.first_repetition()
                    .split(self.delimiters.component)
                    .nth(n)
            })
            .unwrap_or("")
    }

    /// Components of the first repetition.
    pub fn components(&self) -> impl Iterator<Item = &'m str> + 'm {
        let sep = self.delimiters.component;
        self.first_repetition().split(sep)
    }

    /// Subcomponent (1-based) of a component of the first repetition.
    pub fn subcomponent(&self, component: usize, number: usize) -> &'m str {
        number
            .checked_sub(1)
            .and_then(|n| {
                self.component(component)
                    .split(self.delimiters.subcomponent)
                    .nth(n)
            })
            .unwrap_or("")
    }

    /// The whole field with escapes resolved.
    pub fn unescaped(&self) -> Cow<'m, str> {
        if self.literal {
            Cow::Borrowed(self.raw)
        } else {
            self.delimiters.unescape(self.raw)
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Parsing
// ------------------------------------------------------------------------------------------------

/// Raw MSH facts read before decoding.
struct Prefix {
    start: usize,
    delimiters: Delimiters,
    msh18: String,
    msh20: String,
}

fn show(bytes: &[u8]) -> String {
    bytes
        .iter()
        .take(8)
        .map(|b| std::ascii::escape_default(*b).to_string())
        .collect()
}

/// Read MSH-1, MSH-2, MSH-18 and MSH-20 from the raw bytes.
fn read_prefix(bytes: &[u8], problems: &mut Vec<ParseError>) -> Result<Prefix, ParseError> {
    let mut start = 0;
    if bytes.first() == Some(&0x0B) {
        problems.push(ParseError::Mllp {
            offset: 0,
            what: super::MLLP_START,
        });
        start = 1;
    }
    if bytes[start..].starts_with(b"\xEF\xBB\xBF") {
        problems.push(ParseError::Control {
            location: Box::new(Location::at_byte(start)),
            code: 0xFEFF,
            segment: None,
        });
        start += 3;
    }
    let rest = &bytes[start..];
    if !rest.starts_with(b"MSH") {
        return Err(ParseError::NotHl7 { found: show(rest) });
    }
    let sep = *rest.get(3).ok_or_else(|| ParseError::Delimiters {
        offset: start + 3,
        detail: crate::msg!("hl7-delimiters-short"),
    })?;
    if !sep.is_ascii_punctuation() {
        return Err(ParseError::Delimiters {
            offset: start + 3,
            detail: crate::msg!("hl7-delimiters-msh1", found = format!("{:?}", sep as char)),
        });
    }
    let enc: Vec<u8> = rest[4..]
        .iter()
        .take_while(|b| **b != sep && **b != b'\r' && **b != b'\n')
        .copied()
        .collect();
    let distinct = enc.iter().all(|b| b.is_ascii_punctuation() && *b != sep)
        && (0..enc.len()).all(|i| !enc[i + 1..].contains(&enc[i]));
    if enc.len() != 4 || !distinct {
        return Err(ParseError::Delimiters {
            offset: start + 4,
            detail: crate::msg!(
                "hl7-delimiters-msh2",
                found = crate::finding::quoted(&String::from_utf8_lossy(&enc))
            ),
        });
    }
    let delimiters = Delimiters {
        field: sep as char,
        component: enc[0] as char,
        repetition: enc[1] as char,
        escape: enc[2] as char,
        subcomponent: enc[3] as char,
    };
    // Split MSH into fields, counting separators only outside ISO-2022-JP runs.
    let mut fields: Vec<Vec<u8>> = vec![Vec::new()];
    let mut jis = false;
    let mut i = 3;
    while i < rest.len() && rest[i] != b'\r' && rest[i] != b'\n' {
        let b = rest[i];
        if b == 0x1B {
            match rest.get(i + 1..i + 3) {
                Some(b"$B") | Some(b"$@") => jis = true,
                Some(_) => jis = false,
                None => {}
            }
        }
        if b == sep && !jis {
            fields.push(Vec::new());
        } else if let Some(last) = fields.last_mut() {
            last.push(b);
        }
        i += 1;
    }
    // fields[0] is empty (before MSH-1); fields[k] is MSH-(k+1).
    let text = |n: usize| {
        fields
            .get(n - 1)
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .unwrap_or_default()
    };
    Ok(Prefix {
        start,
        delimiters,
        msh18: text(18),
        msh20: text(20),
    })
}

/// How MSH-18 was spelled.
enum Declared {
    Charset(Charset),
    /// Accepted only in lenient mode.
    Lenient(Charset, &'static str),
    Unknown,
}

fn interpret_msh18(value: &str, repetition: char) -> Declared {
    let mut found: Option<Charset> = None;
    let mut lenient: Option<&'static str> = None;
    for rep in value.split(repetition) {
        let rep = rep.trim();
        let (charset, spelling_ok) = match rep {
            "" | "ASCII" | "ISO IR6" => (Charset::Ascii, true),
            "ISO IR87" => (Charset::Iso2022Jp, true),
            "ISOIR87" | "ISO-IR87" | "ISO IR 87" | "ISO-IR 87" => (Charset::Iso2022Jp, false),
            "UNICODE UTF-8" => (Charset::Utf8, true),
            "UTF-8" | "UTF8" | "UNICODE UTF8" => (Charset::Utf8, false),
            _ => return Declared::Unknown,
        };
        if !spelling_ok {
            lenient = Some(match charset {
                Charset::Utf8 => "UNICODE UTF-8",
                _ => "~ISO IR87",
            });
        }
        found = match (found, charset) {
            (None, c) | (Some(Charset::Ascii), c) => Some(c),
            (Some(prev), Charset::Ascii) => Some(prev),
            (Some(prev), c) if prev == c => Some(c),
            _ => return Declared::Unknown,
        };
    }
    let charset = found.unwrap_or(Charset::Ascii);
    match lenient {
        Some(expected) => Declared::Lenient(charset, expected),
        None => Declared::Charset(charset),
    }
}

#[derive(Debug, PartialEq)]
enum FrameEvent {
    LineFeed { offset: usize, crlf: bool },
    Mllp { offset: usize, what: &'static str },
    FinalCr { offset: usize },
    Empty { offset: usize, after: usize },
}

/// Split on CR / LF / CRLF, stripping trailing MLLP bytes. Used on the raw bytes (for offsets)
/// and on the decoded text (for ranges); both see the same terminators because CR, LF and 0x1C
/// never occur inside a multi-byte character in valid input.
fn split_segments(data: &[u8], start: usize) -> (Vec<Range<usize>>, Vec<FrameEvent>) {
    let mut events = Vec::new();
    let mut end = data.len();
    if data[start..end].ends_with(b"\x1c\r") {
        events.push(FrameEvent::Mllp {
            offset: end - 2,
            what: super::MLLP_END,
        });
        end -= 2;
    } else if data[start..end].ends_with(b"\x1c") {
        events.push(FrameEvent::Mllp {
            offset: end - 1,
            what: super::MLLP_END,
        });
        end -= 1;
    }
    let mut segments = Vec::new();
    let mut seg_start = start;
    let mut i = start;
    while i < end {
        // Skip ordinary bytes quickly: terminators are the only bytes <= 0x0D we act on here.
        match data[i..end].iter().position(|b| *b <= b'\r') {
            Some(k) => i += k,
            None => break,
        }
        let b = data[i];
        if b == b'\r' || b == b'\n' {
            let crlf = b == b'\r' && data.get(i + 1) == Some(&b'\n') && i + 1 < end;
            if b == b'\n' || crlf {
                events.push(FrameEvent::LineFeed {
                    offset: if crlf { i + 1 } else { i },
                    crlf,
                });
            }
            if seg_start == i {
                events.push(FrameEvent::Empty {
                    offset: i,
                    after: segments.len(),
                });
            } else {
                segments.push(seg_start..i);
            }
            i += if crlf { 2 } else { 1 };
            seg_start = i;
        } else {
            i += 1;
        }
    }
    if seg_start < end {
        segments.push(seg_start..end);
        events.push(FrameEvent::FinalCr { offset: end });
    }
    (segments, events)
}

/// Parse, collecting every problem instead of stopping at the first.
pub(crate) fn parse(bytes: &[u8], options: &ParseOptions) -> Parsed {
    let mut problems = Vec::new();
    let prefix = match read_prefix(bytes, &mut problems) {
        Ok(prefix) => prefix,
        Err(e) => {
            problems.push(e);
            return Parsed {
                message: None,
                problems,
                msh18: String::new(),
                raw_segments: Vec::new(),
            };
        }
    };
    let delimiters = prefix.delimiters;

    // 1. Character set.
    let declared = interpret_msh18(&prefix.msh18, delimiters.repetition);
    let mut charset = match declared {
        Declared::Charset(c) => c,
        Declared::Lenient(c, expected) => {
            problems.push(ParseError::CharsetSpelling {
                field: 18,
                found: prefix.msh18.clone(),
                expected,
            });
            c
        }
        Declared::Unknown => {
            if options.charset_override.is_none() {
                problems.push(ParseError::UnknownCharset {
                    value: prefix.msh18.clone(),
                });
            }
            // Keep checking with the most plausible decoder.
            if bytes.contains(&0x1B) {
                Charset::Iso2022Jp
            } else {
                Charset::Utf8
            }
        }
    };
    match prefix.msh20.trim() {
        "" | "ISO 2022-1994" => {}
        "ISO2022-1994" => problems.push(ParseError::CharsetSpelling {
            field: 20,
            found: prefix.msh20.clone(),
            expected: "ISO 2022-1994",
        }),
        other => problems.push(ParseError::CharsetScheme {
            found: other.to_owned(),
        }),
    }
    if let Some(forced) = options.charset_override {
        let agrees =
            matches!(declared, Declared::Charset(c) | Declared::Lenient(c, _) if c == forced);
        if !agrees {
            problems.push(ParseError::Override {
                used: forced,
                declared: prefix.msh18.clone(),
            });
        }
        charset = forced;
    }

    // A UTF-8 byte-order mark was reported by `read_prefix`. From here on its three bytes read
    // as spaces, so the scan and the decoder do not report it again as 8-bit data or as part of
    // the first segment's name; offsets stay the same.
    let mllp = usize::from(bytes.first() == Some(&0x0B));
    let has_bom = bytes[mllp..].starts_with(b"\xEF\xBB\xBF");
    let masked;
    let bytes: &[u8] = if has_bom {
        let mut copy = bytes.to_vec();
        copy[mllp..mllp + 3].copy_from_slice(b"   ");
        masked = copy;
        &masked
    } else {
        bytes
    };

    // 2. Byte-level scan for what the decoder would tolerate.
    let mut scan_problems = 0;
    match charset {
        Charset::Iso2022Jp => {
            scan_problems = charset::scan_iso2022jp(bytes, |issue| {
                problems.push(ParseError::Iso2022(issue));
            });
        }
        Charset::Ascii => {
            if let Some(offset) = bytes.iter().position(|b| *b >= 0x80 || *b == 0x1B) {
                problems.push(ParseError::Undeclared {
                    offset,
                    byte: bytes[offset],
                    declared: prefix.msh18.clone(),
                });
                scan_problems = 1;
                // Read on with the decoder the bytes suggest.
                charset = if bytes.contains(&0x1B) {
                    Charset::Iso2022Jp
                } else {
                    Charset::Utf8
                };
            }
        }
        Charset::Utf8 | Charset::ShiftJis => {}
    }

    // 3. Decode the whole message before splitting.
    let (text, clean) = match charset.decode_strict(bytes) {
        Ok(text) => (text.into_owned(), scan_problems == 0),
        Err(e) => {
            if scan_problems == 0 {
                problems.push(ParseError::Decode(e));
            }
            (charset.decode_lossy(bytes).into_owned(), false)
        }
    };

    // 4. Framing, on raw bytes (offsets) and on the text (ranges).
    let (raw_ranges, events) = split_segments(bytes, prefix.start);
    let text_start = usize::from(text.starts_with('\u{0B}')) + if has_bom { 3 } else { 0 };
    let (text_ranges, _) = split_segments(text.as_bytes(), text_start);
    let mut lf_first: Option<(usize, bool)> = None;
    let mut lf_count = 0;
    for event in events {
        match event {
            FrameEvent::LineFeed { offset, crlf } => {
                lf_count += 1;
                lf_first.get_or_insert((offset, crlf));
            }
            FrameEvent::Mllp { offset, what } => problems.push(ParseError::Mllp { offset, what }),
            FrameEvent::FinalCr { offset } => problems.push(ParseError::FinalCr { offset }),
            FrameEvent::Empty { offset, after } => {
                problems.push(ParseError::EmptySegment { offset, after })
            }
        }
    }
    if let Some((offset, crlf)) = lf_first {
        problems.push(ParseError::LineFeed {
            offset,
            count: lf_count,
            what: if crlf { "CRLF" } else { "LF" },
        });
    }
    let exact = clean && raw_ranges.len() == text_ranges.len();
    let segments: Vec<SegmentSpan> = text_ranges
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, range)| SegmentSpan {
            range,
            raw_offset: if exact {
                raw_ranges.get(i).map(|r| r.start)
            } else {
                None
            },
        })
        .collect();
    let message = Message {
        text,
        charset,
        delimiters,
        segments,
    };

    // 5. Per-segment lexical checks: names, control characters, escapes.
    for segment in message.segments() {
        let name = segment.name();
        let raw = segment.as_str().as_bytes();
        let valid_name = raw.len() >= 3
            && raw[0].is_ascii_uppercase()
            && raw[..3]
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            && raw
                .get(3)
                .is_none_or(|b| u32::from(*b) == u32::from(delimiters.field));
        if !valid_name {
            let found: String = segment.as_str().chars().take(3).collect();
            problems.push(ParseError::SegmentName {
                index: segment.index(),
                found,
                offset: segment.byte_offset(),
            });
        }
        let text = segment.as_str();
        // Byte scan first (C0 controls and DEL are single bytes; C1 controls start with 0xC2
        // in UTF-8); only then find the character.
        let suspicious = text.bytes().any(|b| b < 0x20 || b == 0x7F || b == 0xC2);
        if let Some((pos, c)) = suspicious
            .then(|| text.char_indices().find(|(_, c)| c.is_control()))
            .flatten()
        {
            problems.push(ParseError::Control {
                location: Box::new(segment.locate(pos)),
                code: u32::from(c),
                segment: Some(name.to_owned()),
            });
        }
        if text.contains(delimiters.escape) {
            let skip = if name == "MSH" { 4 + 4 } else { 3 };
            if let Some((pos, error)) = escape::first_error(text, skip.min(text.len()), &delimiters)
            {
                problems.push(ParseError::Escape {
                    location: Box::new(segment.locate(pos)),
                    error,
                });
            }
        }
    }
    Parsed {
        message: Some(message),
        problems,
        msh18: prefix.msh18,
        raw_segments: raw_ranges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Severity, Strictness};

    const ADT: &[u8] = b"MSH|^~\\&|HIS|F|GW|R|20240101120000||ADT^A08^ADT_A01|1|P|2.5||||||~ISO IR87||ISO 2022-1994\rEVN||20240101\rPID|1||123456^^^^PI||\x1b$B45<T\x1b(B^\x1b$BB@O:\x1b(B\r";

    fn parse_ok(bytes: &[u8]) -> Message {
        Message::parse(bytes, &ParseOptions::default()).expect("parses")
    }

    #[test]
    fn reads_fields_components_and_msh_numbering() {
        let m = parse_ok(ADT);
        let msh = m.first("MSH").unwrap();
        assert_eq!(msh.value(1), "|");
        assert_eq!(msh.value(2), "^~\\&");
        assert_eq!(msh.field(9).unwrap().component(2), "A08");
        assert_eq!(msh.value(18), "~ISO IR87");
        let pid = m.first("PID").unwrap();
        assert_eq!(pid.field(5).unwrap().component(1), "患者");
        assert_eq!(pid.field(5).unwrap().component(2), "太郎");
        assert_eq!(m.encode(), ADT);
    }

    #[test]
    fn kanji_bytes_equal_to_delimiters_do_not_split() {
        // 内服・経口 = 46 62 49 7E 21 26 37 50 38 7D: contains '~' and '&'.
        let bytes = b"MSH|^~\\&|||||20240101||RDE^O11^RDE_O11|1|P|2.5||||||~ISO IR87\rTQ1|1||1&\x1b$BFbI~!&7P8}\x1b(B&JAMISDP01\r";
        let m = parse_ok(bytes);
        let tq1 = m.first("TQ1").unwrap();
        assert_eq!(tq1.field(3).unwrap().subcomponent(1, 2), "内服・経口");
        assert_eq!(tq1.field(3).unwrap().repetitions().count(), 1);
    }

    #[test]
    fn framing_problems_are_errors_strict_and_warnings_lenient() {
        let mut bytes = b"\x0b".to_vec();
        bytes.extend_from_slice(ADT);
        let strict = Message::parse(&bytes, &ParseOptions::default()).unwrap_err();
        assert_eq!(
            strict,
            ParseError::Mllp {
                offset: 0,
                what: "MLLP start byte 0x0B"
            }
        );
        let lenient = ParseOptions {
            strictness: Strictness::Lenient,
            charset_override: None,
        };
        let m = Message::parse(&bytes, &lenient).unwrap();
        assert_eq!(m.encode(), bytes);
        assert_eq!(m.segment_count(), 3);
    }

    #[test]
    fn a_trailing_mllp_end_byte_is_a_warning_even_in_strict_mode() {
        // Every published SS-MIX2 sample storage file ends with CR + 0x1C.
        for tail in [&b"\x1c"[..], b"\x1c\r"] {
            let bytes = [ADT, tail].concat();
            let parsed = parse(&bytes, &ParseOptions::default());
            assert_eq!(
                parsed.problems,
                vec![ParseError::Mllp {
                    offset: ADT.len(),
                    what: "MLLP end byte 0x1C"
                }]
            );
            assert_eq!(
                parsed.problems[0].severity(Strictness::Strict),
                Severity::Warning
            );
            let m = Message::parse(&bytes, &ParseOptions::default()).unwrap();
            assert_eq!(m.encode(), bytes);
            assert_eq!(m.segment_count(), 3);
        }
    }

    #[test]
    fn locates_characters_with_raw_byte_offsets() {
        let m = parse_ok(ADT);
        let pid = m.first("PID").unwrap();
        let pos = pid.as_str().find('者').unwrap();
        let loc = pid.locate(pos);
        assert_eq!(
            (loc.field, loc.repetition, loc.component),
            (Some(5), Some(1), Some(1))
        );
        let offset = loc.byte_offset.unwrap();
        assert_eq!(&ADT[offset..offset + 2], b"<T");
    }

    #[test]
    fn split_reports_every_framing_event() {
        let (ranges, events) = split_segments(b"A\r\nB\n\rC", 0);
        assert_eq!(ranges, vec![0..1, 3..4, 6..7]);
        assert_eq!(
            events,
            vec![
                FrameEvent::LineFeed {
                    offset: 2,
                    crlf: true
                },
                FrameEvent::LineFeed {
                    offset: 4,
                    crlf: false
                },
                FrameEvent::Empty {
                    offset: 5,
                    after: 2
                },
                FrameEvent::FinalCr { offset: 7 },
            ]
        );
    }
}
