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

use crate::charset::{CharsetError, Iso2022Issue};
use crate::{Charset, Code, Location, Severity, Strictness};

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

/// Something wrong with the bytes of a message, with enough context to point at it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The data does not start with `MSH`.
    #[error("expected the message to start with \"MSH\", found {found:?}")]
    NotHl7 {
        /// The first bytes, escaped.
        found: String,
    },
    /// MSH-1 / MSH-2 unusable.
    #[error("MSH-1/MSH-2 delimiters at byte {offset}: {detail}")]
    Delimiters {
        /// Byte offset.
        offset: usize,
        /// What is wrong.
        detail: String,
    },
    /// MSH-18 names a charset we do not accept.
    #[error(
        "MSH-18 {value:?} is not a supported character set (expected \"~ISO IR87\", \"UNICODE UTF-8\" or empty)"
    )]
    UnknownCharset {
        /// The MSH-18 value.
        value: String,
    },
    /// MSH-18 / MSH-20 in a lenient-only spelling.
    #[error("MSH-{field} is {found:?}; the HL7 table spelling is {expected:?}")]
    CharsetSpelling {
        /// 18 or 20.
        field: usize,
        /// What was found.
        found: String,
        /// The standard spelling.
        expected: &'static str,
    },
    /// MSH-20 holds something other than `ISO 2022-1994`.
    #[error("MSH-20 is {found:?}; JAHIS messages use \"ISO 2022-1994\" (or leave it empty)")]
    CharsetScheme {
        /// What was found.
        found: String,
    },
    /// Non-ASCII bytes (or an ISO-2022 escape) although MSH-18 declares ASCII.
    #[error(
        "{} at offset {offset}, but MSH-18 declares {declared:?} (ASCII)",
        if *byte == 0x1B { "ISO-2022 escape sequence (ESC)".to_owned() } else { format!("byte 0x{byte:02X} is not ASCII") }
    )]
    Undeclared {
        /// Byte offset.
        offset: usize,
        /// The byte.
        byte: u8,
        /// The MSH-18 value.
        declared: String,
    },
    /// The override contradicts MSH-18.
    #[error("decoded as {used} by explicit override, but MSH-18 declares {declared:?}")]
    Override {
        /// The override.
        used: Charset,
        /// The MSH-18 value.
        declared: String,
    },
    /// An ISO-2022-JP defect from the pre-scan.
    #[error("{0}")]
    Iso2022(Iso2022Issue),
    /// Bytes malformed in the charset.
    #[error("{0}")]
    Decode(CharsetError),
    /// LF or CRLF used as segment terminator.
    #[error(
        "segments are terminated by {what} ({count} time(s), first at byte {offset}); HL7 uses CR only"
    )]
    LineFeed {
        /// First offending byte.
        offset: usize,
        /// How many terminators were LF or CRLF.
        count: usize,
        /// "LF" or "CRLF".
        what: &'static str,
    },
    /// MLLP framing byte in a file.
    #[error("{what} at byte {offset}: MLLP framing does not belong in a stored file")]
    Mllp {
        /// Byte offset.
        offset: usize,
        /// Description of the byte.
        what: &'static str,
    },
    /// The last segment lacks its CR.
    #[error("the last segment is not terminated by CR (byte {offset})")]
    FinalCr {
        /// Offset where the CR was expected.
        offset: usize,
    },
    /// An empty segment (two terminators in a row).
    #[error("empty segment after segment {after} (byte {offset})")]
    EmptySegment {
        /// Offset of the extra terminator.
        offset: usize,
        /// Index of the segment before it.
        after: usize,
    },
    /// A control character inside a segment.
    #[error("control character U+{code:04X} in {segment}")]
    Control {
        /// Where.
        location: Box<Location>,
        /// The character.
        code: u32,
        /// Segment name, for the message.
        segment: String,
    },
    /// A segment name that is not `[A-Z][A-Z0-9]{2}`.
    #[error("segment {index} is named {found:?}; expected three upper-case letters or digits")]
    SegmentName {
        /// 1-based segment index.
        index: usize,
        /// What was found.
        found: String,
        /// Byte offset of the segment.
        offset: Option<usize>,
    },
    /// A malformed escape sequence.
    #[error("{error}")]
    Escape {
        /// Where.
        location: Box<Location>,
        /// What.
        error: EscapeError,
    },
}

impl ParseError {
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
    pub fn hint(&self) -> Option<&'static str> {
        Some(match self {
            ParseError::NotHl7 { .. } => {
                "check that the file is an HL7 v2 message and not another document kind"
            }
            ParseError::Iso2022(Iso2022Issue::ForbiddenEscape { .. }) => {
                "convert half-width kana to full-width and use only JIS X 0208 (ESC $ B) and ASCII (ESC ( B)"
            }
            ParseError::Undeclared { byte: 0x1B, .. } => {
                "the message is ISO-2022-JP: declare it with MSH-18 \"~ISO IR87\" and MSH-20 \"ISO 2022-1994\""
            }
            ParseError::Control { code: 0xFEFF, .. } => {
                "save the file without a byte-order mark: an HL7 message starts with the bytes \"MSH\""
            }
            ParseError::Iso2022(Iso2022Issue::EightBit { .. }) | ParseError::Undeclared { .. } => {
                "the file is probably Shift_JIS or UTF-8: re-export it as ISO-2022-JP, or declare the charset (MSH-18) or pass an explicit override"
            }
            ParseError::CharsetSpelling { .. } => {
                "write MSH-18 as \"~ISO IR87\" and MSH-20 as \"ISO 2022-1994\" (with the spaces)"
            }
            ParseError::LineFeed { .. } => "write segments terminated by CR (0x0D) only",
            ParseError::Mllp { what, .. } if *what == MLLP_END => {
                "accepted (the SS-MIX2 sample files end so), but a stored file should end with the \
                 last segment's CR: drop the trailing 0x1C when writing the file"
            }
            ParseError::Mllp { .. } => {
                "strip MLLP framing (0x0B, 0x1C) before storing or uploading"
            }
            ParseError::FinalCr { .. } => "end the last segment with CR (0x0D)",
            ParseError::Escape { .. } => {
                "escape delimiters in data as \\F\\ \\S\\ \\T\\ \\R\\ \\E\\"
            }
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
