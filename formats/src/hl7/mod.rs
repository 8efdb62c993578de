//! HL7 v2.5 ER7 messages as JAHIS / SS-MIX2 write them: our own small, exact parser.
//!
//! Order of work, and why:
//! 1. Read MSH-1/MSH-2 and MSH-18/MSH-20 from the raw bytes (MSH is ASCII in practice; the
//!    reader still skips ISO-2022-JP runs so a kanji facility name cannot fake a `|`).
//! 2. Choose the character set, pre-scan ISO-2022-JP for what encoding_rs tolerates but SS-MIX2
//!    forbids, then **decode the whole message before splitting**: JIS X 0208 byte pairs are
//!    0x21–0x7E, so `内服・経口` is `46 62 49 7E 21 26` — a `~` and a `&` inside one word.
//! 3. Split the decoded text into segments on CR, noting LF/CRLF/MLLP bytes/missing final CR.
//!
//! A [`Message`] keeps the decoded text verbatim, so [`Message::encode`] gives back the
//! original bytes for every message that parsed without errors.
//!
//! ```
//! use idlink_formats::hl7::{Message, ParseOptions};
//! let bytes = b"MSH|^~\\&|HIS|F|GW|R|20240101120000||ADT^A08^ADT_A01|1|P|2.5\rPID|1||123456^^^^PI\r";
//! let message = Message::parse(bytes, &ParseOptions::default())?;
//! let pid = message.first("PID").unwrap();
//! assert_eq!(pid.field(3).unwrap().component(1), "123456");
//! assert_eq!(message.encode(), bytes.to_vec());
//! # Ok::<(), idlink_formats::hl7::ParseError>(())
//! ```

mod conformance;
mod escape;
pub mod grammar;
mod message;

pub use escape::EscapeError;
pub use message::{Delimiters, Field, Message, Segment};

pub(crate) use conformance::check;

use std::fmt;

use crate::charset::{CharsetError, Iso2022Issue};
use crate::finding::{Message as FindingMessage, quoted};
use crate::{Charset, Code, Location, Severity, Strictness, msg};

/// Largest file checked as HL7 (16 MiB). A JAHIS / SS-MIX2 message is one patient event of a
/// few KiB, so this is far above any real one; the parser holds the bytes and a decoded copy,
/// so the cap is what bounds the memory of a check. Larger files get `HL7-TOO-LARGE`, unread.
pub const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// [`ParseError::Mllp`]'s `what` for a leading MLLP start byte (an error in strict mode).
pub const MLLP_START: &str = "MLLP start byte 0x0B";
/// [`ParseError::Mllp`]'s `what` for a trailing MLLP end byte (0x1C, or 0x1C CR) after the
/// last segment: a warning in both modes, because every published SS-MIX2 sample storage file
/// ends with CR + 0x1C and a receiver must take files as the standard's own samples are.
pub const MLLP_END: &str = "MLLP end byte 0x1C";

/// How to parse.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Strict (default) makes framing and spelling deviations errors; lenient makes them warnings.
    pub strictness: Strictness,
    /// Decode with this charset instead of MSH-18 (the only way to read Shift_JIS HL7).
    pub charset_override: Option<Charset>,
}

/// Something wrong with the bytes of a message, with enough context to point at it. Its words
/// are the catalogue's ([`ParseError::message`], [`ParseError::hint`]); `Display` is the English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// The data does not start with `MSH`.
    NotHl7 {
        /// The first bytes, escaped.
        found: String,
    },
    /// MSH-1 / MSH-2 unusable.
    Delimiters {
        /// Byte offset.
        offset: usize,
        /// What is wrong.
        detail: FindingMessage,
    },
    /// MSH-18 names a charset we do not accept.
    UnknownCharset {
        /// The MSH-18 value.
        value: String,
    },
    /// MSH-18 / MSH-20 in a lenient-only spelling.
    CharsetSpelling {
        /// 18 or 20.
        field: usize,
        /// What was found.
        found: String,
        /// The standard spelling.
        expected: &'static str,
    },
    /// MSH-20 holds something other than `ISO 2022-1994`.
    CharsetScheme {
        /// What was found.
        found: String,
    },
    /// Non-ASCII bytes (or an ISO-2022 escape) although MSH-18 declares ASCII.
    Undeclared {
        /// Byte offset.
        offset: usize,
        /// The byte.
        byte: u8,
        /// The MSH-18 value.
        declared: String,
    },
    /// The override contradicts MSH-18.
    Override {
        /// The override.
        used: Charset,
        /// The MSH-18 value.
        declared: String,
    },
    /// An ISO-2022-JP defect from the pre-scan.
    Iso2022(Iso2022Issue),
    /// Bytes malformed in the charset.
    Decode(CharsetError),
    /// LF or CRLF used as segment terminator.
    LineFeed {
        /// First offending byte.
        offset: usize,
        /// How many terminators were LF or CRLF.
        count: usize,
        /// "LF" or "CRLF".
        what: &'static str,
    },
    /// MLLP framing byte in a file.
    Mllp {
        /// Byte offset.
        offset: usize,
        /// Which byte: [`MLLP_START`] or [`MLLP_END`].
        what: &'static str,
    },
    /// The last segment lacks its CR.
    FinalCr {
        /// Offset where the CR was expected.
        offset: usize,
    },
    /// An empty segment (two terminators in a row).
    EmptySegment {
        /// Offset of the extra terminator.
        offset: usize,
        /// Index of the segment before it.
        after: usize,
    },
    /// A control character inside a segment.
    Control {
        /// Where.
        location: Box<Location>,
        /// The character.
        code: u32,
        /// The segment's name; `None` before the first segment (a UTF-8 byte-order mark).
        segment: Option<String>,
    },
    /// A segment name that is not `[A-Z][A-Z0-9]{2}`.
    SegmentName {
        /// 1-based segment index.
        index: usize,
        /// What was found.
        found: String,
        /// Byte offset of the segment.
        offset: Option<usize>,
    },
    /// A malformed escape sequence.
    Escape {
        /// Where.
        location: Box<Location>,
        /// What.
        error: EscapeError,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.message().fmt(f)
    }
}

impl std::error::Error for ParseError {}

impl ParseError {
    /// What is wrong, as a catalogue message.
    pub fn message(&self) -> FindingMessage {
        match self {
            ParseError::NotHl7 { found } => msg!("hl7-not-hl7", found = quoted(found)),
            ParseError::Delimiters { offset, detail } => {
                msg!("hl7-delimiters", offset = *offset, detail = detail.clone())
            }
            ParseError::UnknownCharset { value } => {
                msg!("hl7-charset-unknown", value = quoted(value))
            }
            ParseError::CharsetSpelling {
                field,
                found,
                expected,
            } => msg!(
                "hl7-charset-spelling",
                field = *field,
                found = quoted(found),
                expected = quoted(expected)
            ),
            ParseError::CharsetScheme { found } => {
                msg!("hl7-charset-scheme", found = quoted(found))
            }
            ParseError::Undeclared {
                offset,
                byte: 0x1B,
                declared,
            } => msg!(
                "hl7-charset-undeclared-escape",
                offset = *offset,
                declared = quoted(declared)
            ),
            ParseError::Undeclared {
                offset,
                byte,
                declared,
            } => msg!(
                "hl7-charset-undeclared",
                byte = format!("{byte:02X}"),
                offset = *offset,
                declared = quoted(declared)
            ),
            ParseError::Override { used, declared } => msg!(
                "hl7-charset-override",
                used = used.as_str(),
                declared = quoted(declared)
            ),
            ParseError::Iso2022(issue) => issue.message(),
            ParseError::Decode(error) => error.message(),
            ParseError::LineFeed {
                offset,
                count,
                what,
            } => msg!(
                "hl7-frame-lf",
                what = *what,
                count = *count,
                offset = *offset
            ),
            ParseError::Mllp { offset, what } => msg!(
                "hl7-frame-mllp",
                which = if *what == MLLP_END { "end" } else { "start" },
                offset = *offset
            ),
            ParseError::FinalCr { offset } => msg!("hl7-frame-final-cr", offset = *offset),
            ParseError::EmptySegment { offset, after } => {
                msg!("hl7-frame-empty-segment", after = *after, offset = *offset)
            }
            ParseError::Control {
                code,
                segment: Some(segment),
                ..
            } => msg!(
                "hl7-frame-control",
                code = format!("{code:04X}"),
                segment = segment
            ),
            ParseError::Control { code, .. } => {
                msg!("hl7-frame-control-bom", code = format!("{code:04X}"))
            }
            ParseError::SegmentName { index, found, .. } => {
                msg!("hl7-segment-name", index = *index, found = quoted(found))
            }
            ParseError::Escape { error, .. } => error.message(),
        }
    }

    /// The stable finding code.
    pub fn code(&self) -> Code {
        match self {
            ParseError::NotHl7 { .. } => Code::Hl7NotHl7,
            ParseError::Delimiters { .. } => Code::Hl7MshDelimiters,
            ParseError::UnknownCharset { .. } => Code::Hl7CharsetUnknown,
            ParseError::CharsetSpelling { .. } => Code::Hl7CharsetSpelling,
            ParseError::CharsetScheme { .. } => Code::Hl7CharsetScheme,
            ParseError::Undeclared { .. } => Code::Hl7CharsetUndeclared,
            ParseError::Override { .. } => Code::Hl7CharsetOverride,
            ParseError::Iso2022(issue) => match issue {
                Iso2022Issue::EightBit { .. } => Code::Hl7Charset8bit,
                Iso2022Issue::ControlInJis { .. } | Iso2022Issue::OddJisRun { .. } => {
                    Code::Hl7CharsetDecode
                }
                _ => Code::Hl7CharsetEscape,
            },
            ParseError::Decode(_) => Code::Hl7CharsetDecode,
            ParseError::LineFeed { .. } => Code::Hl7FrameLf,
            ParseError::Mllp { .. } => Code::Hl7FrameMllp,
            ParseError::FinalCr { .. } => Code::Hl7FrameFinalCr,
            ParseError::EmptySegment { .. } => Code::Hl7FrameEmptySegment,
            ParseError::Control { .. } => Code::Hl7FrameControl,
            ParseError::SegmentName { .. } => Code::Hl7SegmentName,
            ParseError::Escape { .. } => Code::Hl7Escape,
        }
    }

    /// Error or warning under the given strictness. Deviations a receiver can repair without
    /// guessing (framing, spelling, redundant escapes) are warnings in lenient mode; anything
    /// that loses or misreads characters is always an error. A trailing MLLP end byte is a
    /// warning in both modes ([`MLLP_END`]).
    pub fn severity(&self, strictness: Strictness) -> Severity {
        let tolerable = match self {
            ParseError::Mllp { what, .. } if *what == MLLP_END => return Severity::Warning,
            ParseError::CharsetSpelling { .. }
            | ParseError::LineFeed { .. }
            | ParseError::Mllp { .. }
            | ParseError::FinalCr { .. }
            | ParseError::EmptySegment { .. }
            | ParseError::Escape { .. }
            | ParseError::Iso2022(Iso2022Issue::RedundantEscape { .. }) => true,
            ParseError::Control { code, .. } => *code != 0,
            ParseError::CharsetScheme { .. } | ParseError::Override { .. } => {
                return Severity::Warning;
            }
            _ => false,
        };
        if tolerable && strictness == Strictness::Lenient {
            Severity::Warning
        } else {
            Severity::Error
        }
    }

    /// A hint for the person fixing the sending system.
    pub fn hint(&self) -> Option<FindingMessage> {
        Some(match self {
            ParseError::NotHl7 { .. } => msg!("hl7-not-hl7-hint"),
            ParseError::Iso2022(Iso2022Issue::ForbiddenEscape { .. }) => {
                msg!("hl7-forbidden-escape-hint")
            }
            ParseError::Undeclared { byte: 0x1B, .. } => msg!("hl7-undeclared-escape-hint"),
            ParseError::Control { code: 0xFEFF, .. } => msg!("hl7-bom-hint"),
            ParseError::Iso2022(Iso2022Issue::EightBit { .. }) | ParseError::Undeclared { .. } => {
                msg!("hl7-eight-bit-hint")
            }
            ParseError::CharsetSpelling { .. } => msg!("hl7-charset-spelling-hint"),
            ParseError::LineFeed { .. } => msg!("hl7-frame-lf-hint"),
            ParseError::Mllp { what, .. } if *what == MLLP_END => msg!("hl7-mllp-end-hint"),
            ParseError::Mllp { .. } => msg!("hl7-mllp-hint"),
            ParseError::FinalCr { .. } => msg!("hl7-frame-final-cr-hint"),
            ParseError::Escape { .. } => msg!("hl7-escape-hint"),
            _ => return None,
        })
    }

    /// Where the problem is, as far as the parser knows.
    pub fn location(&self) -> Location {
        match self {
            ParseError::NotHl7 { .. } => Location::at_byte(0),
            ParseError::Delimiters { offset, .. } => {
                Location::field(1, "MSH", 2).with_byte(Some(*offset))
            }
            ParseError::UnknownCharset { .. } | ParseError::Override { .. } => {
                Location::field(1, "MSH", 18)
            }
            ParseError::CharsetSpelling { field, .. } => Location::field(1, "MSH", *field),
            ParseError::CharsetScheme { .. } => Location::field(1, "MSH", 20),
            ParseError::Undeclared { offset, .. } => Location::at_byte(*offset),
            ParseError::Iso2022(issue) => Location::at_byte(issue.offset()),
            ParseError::Decode(CharsetError::Malformed { offset, .. }) => {
                Location::at_byte(*offset)
            }
            ParseError::Decode(_) => Location::default(),
            ParseError::LineFeed { offset, .. }
            | ParseError::Mllp { offset, .. }
            | ParseError::FinalCr { offset }
            | ParseError::EmptySegment { offset, .. } => Location::at_byte(*offset),
            ParseError::Control { location, .. } | ParseError::Escape { location, .. } => {
                (**location).clone()
            }
            ParseError::SegmentName {
                index,
                found,
                offset,
            } => Location::segment(*index, found).with_byte(*offset),
        }
    }
}

/// A parse that may have produced a message and any number of problems.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub(crate) message: Option<Message>,
    pub(crate) problems: Vec<ParseError>,
    /// Raw MSH-18 as found in the bytes (for the summary and MSH checks).
    pub(crate) msh18: String,
    /// Segment byte ranges in the raw input (used to place byte-level problems).
    pub(crate) raw_segments: Vec<std::ops::Range<usize>>,
}

impl Message {
    /// Parse bytes. Fails on the first problem that is an error under `options.strictness`;
    /// use [`crate::check`] to see every problem.
    pub fn parse(bytes: &[u8], options: &ParseOptions) -> Result<Message, ParseError> {
        let parsed = message::parse(bytes, options);
        if let Some(problem) = parsed
            .problems
            .into_iter()
            .find(|p| p.severity(options.strictness) == Severity::Error)
        {
            return Err(problem);
        }
        parsed.message.ok_or(ParseError::NotHl7 {
            found: String::new(),
        })
    }
}

pub(crate) use message::parse as parse_collect;
