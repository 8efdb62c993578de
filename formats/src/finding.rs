//! Findings: what a check found, where it found it, and what the person at the keyboard should do.
//!
//! Every finding carries a [`Code`] whose string form (`HL7-CHARSET-ESCAPE`) is stable: the
//! uploader, the mock service center and their snapshot tests match on it, so a code is never
//! renamed, only added.
//!
//! A finding carries no words: its [`Message`] and hint are catalogue keys with arguments
//! (see [`crate::wording`]), rendered into English or Japanese when a person reads them. The
//! JSON form keeps the English `message` and `hint` that consumers already read and adds
//! `message_id` / `args` (and `hint_id` / `hint_args`) so a reader can render them in any
//! language ([`localize_json`]).

use std::fmt;

use idlink_i18n::Lang;
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::msg;
use crate::wording::ArgsJson;
pub use crate::wording::{Arg, Message, list, list_or, localize_json, quoted};

/// How bad a finding is. Errors make [`crate::Report::has_errors`] true; warnings never do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The upload must not be sent (client) or must be rejected (service center).
    Error,
    /// Accepted, but worth fixing at the source system.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident => $text:literal, )+) => {
        /// A stable finding code. Serialized as its string (`"HL7-CHARSET-ESCAPE"`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Code {
            $( $(#[$doc])* $variant, )+
        }

        impl Code {
            /// Every code, in declaration order (documentation tables and tests iterate it).
            pub const ALL: &'static [Code] = &[$(Code::$variant,)+];

            /// The stable string form, e.g. `"HL7-FRAME-MLLP"`.
            pub const fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $text, )+ }
            }
        }
    };
}

codes! {
    // --- HL7 framing -------------------------------------------------------------------------
    /// The bytes do not start with an `MSH` segment.
    Hl7NotHl7 => "HL7-NOT-HL7",
    /// The file is larger than [`crate::hl7::MAX_BYTES`]: no HL7 message is that big, and the
    /// parser holds a decoded copy, so it is refused unread.
    Hl7TooLarge => "HL7-TOO-LARGE",
    /// MSH-1 / MSH-2 (field separator, encoding characters) are missing or unusable.
    Hl7MshDelimiters => "HL7-MSH-DELIMITERS",
    /// Segments separated by LF or CRLF instead of CR.
    Hl7FrameLf => "HL7-FRAME-LF",
    /// MLLP framing bytes (leading 0x0B, trailing 0x1C) inside a stored file. The trailing
    /// 0x1C after the last CR is a warning in both modes (the SS-MIX2 sample files end so).
    Hl7FrameMllp => "HL7-FRAME-MLLP",
    /// The last segment is not terminated by CR.
    Hl7FrameFinalCr => "HL7-FRAME-FINAL-CR",
    /// Two segment terminators in a row (an empty segment).
    Hl7FrameEmptySegment => "HL7-FRAME-EMPTY-SEGMENT",
    /// A control character (NUL, TAB, ...) inside the message text.
    Hl7FrameControl => "HL7-FRAME-CONTROL",
    /// A segment whose name is not three upper-case letters or digits.
    Hl7SegmentName => "HL7-SEGMENT-NAME",
    /// A malformed HL7 escape sequence (`\Q\`, an unterminated `\`).
    Hl7Escape => "HL7-ESCAPE",
    // --- character sets ---------------------------------------------------------------------
    /// MSH-18 names a character set this profile does not allow (or one we cannot read).
    Hl7CharsetUnknown => "HL7-CHARSET-UNKNOWN",
    /// MSH-18 / MSH-20 spelled in a form only lenient mode accepts (`~ISOIR87`, `ISO2022-1994`).
    Hl7CharsetSpelling => "HL7-CHARSET-SPELLING",
    /// MSH-20 holds a value other than `ISO 2022-1994`.
    Hl7CharsetScheme => "HL7-CHARSET-SCHEME",
    /// Non-ASCII bytes in a message whose MSH-18 declares ASCII (or nothing).
    Hl7CharsetUndeclared => "HL7-CHARSET-UNDECLARED",
    /// An explicit charset override contradicts MSH-18.
    Hl7CharsetOverride => "HL7-CHARSET-OVERRIDE",
    /// An ISO-2022-JP escape sequence other than `ESC $ B` / `ESC ( B`, a redundant one, or a
    /// JIS X 0208 run left open at the end of the data.
    Hl7CharsetEscape => "HL7-CHARSET-ESCAPE",
    /// A byte >= 0x80 in 7-bit ISO-2022-JP data.
    Hl7Charset8bit => "HL7-CHARSET-8BIT",
    /// Bytes that are malformed in the declared character set.
    Hl7CharsetDecode => "HL7-CHARSET-DECODE",
    // --- MSH --------------------------------------------------------------------------------
    /// A required MSH field is empty (MSH-7, 9, 10, 11, 12, 18).
    Hl7MshRequired => "HL7-MSH-REQUIRED",
    /// MSH-12 is not `2.5`.
    Hl7MshVersion => "HL7-MSH-VERSION",
    /// MSH-9 is not `type^trigger^structure`, or MSH-9.3 is not the structure HL7 table 0354
    /// gives for the trigger (error strict, warning lenient).
    Hl7MshType => "HL7-MSH-TYPE",
    /// MSH-7 is not an HL7 TS (`YYYYMMDDHHMMSS[.S...]`).
    Hl7MshDatetime => "HL7-MSH-DATETIME",
    // --- message structure ------------------------------------------------------------------
    /// The segment sequence does not follow the message structure's grammar.
    Hl7SegmentOrder => "HL7-SEGMENT-ORDER",
    /// A segment the message structure (or SS-MIX2: PID in every message) requires is missing:
    /// the finding names it and the segment it belongs after.
    Hl7SegmentMissing => "HL7-SEGMENT-MISSING",
    /// A field SS-MIX2 requires for this message type is empty.
    Hl7FieldRequired => "HL7-FIELD-REQUIRED",
    /// A field has the wrong shape (a date that is not a date).
    Hl7FieldFormat => "HL7-FIELD-FORMAT",
    /// A field value is not valid for its HL7 data type: NM (OBX-5 when OBX-2 is NM), DT,
    /// TS/DTM (month and day ranges included). Error strict, warning lenient.
    Hl7FieldDatatype => "HL7-FIELD-DATATYPE",
    // --- SS-MIX2 ----------------------------------------------------------------------------
    /// MSH-9 names a message type / trigger that no SS-MIX2 data kind uses.
    Ssmix2MessageType => "SSMIX2-MESSAGE-TYPE",
    /// The declared data kind (file name or upload metadata) does not fit MSH-9.
    Ssmix2KindMismatch => "SSMIX2-KIND-MISMATCH",
    /// The SS-MIX2 file name does not parse, or deviates from writer conventions.
    Ssmix2FileName => "SSMIX2-FILE-NAME",
    /// PID-3 differs from the patient ID in the file name.
    Ssmix2PatientId => "SSMIX2-PATIENT-ID",
    /// The file name's care date differs from the data kind's date field (or that field is
    /// empty, or the kind has no care date but the file name has one, or the reverse).
    Ssmix2CareDate => "SSMIX2-CARE-DATE",
    /// The file name's order number differs from ORC-2 (order and result kinds; updates and
    /// deletions are keyed on it, so an error in strict mode).
    Ssmix2OrderNumber => "SSMIX2-ORDER-NUMBER",
    /// PID-3.1 is longer than the 15 characters SS-MIX2 storage allows for a patient ID.
    Ssmix2PatientIdLength => "SSMIX2-PATIENT-ID-LENGTH",
    /// SS-MIX2 standard storage is ISO-2022-JP; this message uses another character set.
    Ssmix2Charset => "SSMIX2-CHARSET",
    // --- strict JIS X 0208 ------------------------------------------------------------------
    /// A Windows-31J (CP932) vendor character: NEC row 13 (①, ㈱) or IBM extensions (髙).
    JisCp932 => "JIS-CP932",
    /// A half-width katakana character (JIS X 0201), which SS-MIX2 forbids.
    JisHalfwidthKana => "JIS-HALFWIDTH-KANA",
    /// A user-defined (private use area, 外字) character.
    JisUserDefined => "JIS-USER-DEFINED",
    /// A character outside JIS X 0208 altogether (emoji, JIS X 0212/0213 kanji, `¥`).
    JisOutsideX0208 => "JIS-OUTSIDE-X0208",
    /// A character that is JIS X 0208 only under the JIS/iconv mapping (U+2212, U+301C ...)
    /// while WHATWG/CP932 converters use the full-width form (U+FF0D, U+FF5E ...).
    JisMappingVariant => "JIS-MAPPING-VARIANT",
    // --- other document kinds ---------------------------------------------------------------
    /// A DICOM Part 10 file: the store client never accepts DICOM.
    DicomRefused => "DICOM-REFUSED",
    /// No `%PDF-1.x` header at the start of the file.
    PdfHeader => "PDF-HEADER",
    /// No `%%EOF` marker near the end of the file.
    PdfEof => "PDF-EOF",
    /// The PDF is larger than the configured limit.
    PdfTooLarge => "PDF-TOO-LARGE",
    /// The PDF is encrypted (`/Encrypt`), so the service cannot index or render it.
    PdfEncrypted => "PDF-ENCRYPTED",
    /// The text does not decode cleanly in the declared character set.
    TextDecode => "TEXT-DECODE",
    /// A NUL byte in a text file.
    TextNul => "TEXT-NUL",
    /// A byte-order mark: stripped (UTF-8) or contradicting the declared charset.
    TextBom => "TEXT-BOM",
    /// The text document is empty: no bytes at all, or nothing after a UTF-8 byte-order mark.
    TextEmpty => "TEXT-EMPTY",
    /// An NSIPS file was checked without a record-schema profile: only the envelope was checked.
    NsipsProfileMissing => "NSIPS-PROFILE-MISSING",
    /// The NSIPS file is larger than [`crate::nsips::MAX_BYTES`] and was refused unread.
    NsipsTooLarge => "NSIPS-TOO-LARGE",
    /// The NSIPS file has no bytes at all.
    NsipsEmpty => "NSIPS-EMPTY",
    /// A NUL byte in an NSIPS file (binary data or UTF-16, not Shift_JIS text).
    NsipsNul => "NSIPS-NUL",
    /// A line that is not a record: blank, or no record number before the first comma.
    NsipsRecordNumber => "NSIPS-RECORD-NUMBER",
    /// The NSIPS file is not valid Shift_JIS.
    NsipsDecode => "NSIPS-DECODE",
    /// A record line does not end with CRLF.
    NsipsLineEnding => "NSIPS-LINE-ENDING",
    /// The version header record is missing or malformed.
    NsipsHeader => "NSIPS-HEADER",
    /// The header names a version the profile does not list.
    NsipsVersion => "NSIPS-VERSION",
    /// A record number the profile does not define.
    NsipsRecordType => "NSIPS-RECORD-TYPE",
    /// A record with the wrong number of fields.
    NsipsFieldCount => "NSIPS-FIELD-COUNT",
    /// A required field is empty.
    NsipsFieldRequired => "NSIPS-FIELD-REQUIRED",
    /// A field with the wrong shape (digits, date, length).
    NsipsFieldFormat => "NSIPS-FIELD-FORMAT",
    /// Record counts disagree: trailer count, or a record's min/max occurrences.
    NsipsRecordCount => "NSIPS-RECORD-COUNT",
    /// More findings of one code than the report keeps; the rest were counted, not listed.
    Truncated => "FINDINGS-TRUNCATED",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Where a finding points. HL7 findings use segment/field/repetition/component (1-based, HL7
/// numbering: MSH-1 is the field separator); line-oriented formats use `line` and `field`
/// (CSV column); byte offsets are into the uploaded bytes, before any decoding.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Location {
    /// 1-based index of the segment in the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment_index: Option<usize>,
    /// Segment name (`PID`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment: Option<String>,
    /// HL7 field number, or CSV field number (1-based) for NSIPS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<usize>,
    /// 1-based repetition within the field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repetition: Option<usize>,
    /// 1-based component within the repetition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component: Option<usize>,
    /// 0-based offset into the original bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub byte_offset: Option<usize>,
    /// 1-based line (text, NSIPS; for HL7 the segment index is the line).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

impl Location {
    /// A location that is only a byte offset.
    pub fn at_byte(offset: usize) -> Self {
        Location {
            byte_offset: Some(offset),
            ..Location::default()
        }
    }

    /// A location naming a segment (and nothing finer).
    pub fn segment(index: usize, name: &str) -> Self {
        Location {
            segment_index: Some(index),
            segment: Some(name.to_owned()),
            ..Location::default()
        }
    }

    /// A location naming a field of a segment.
    pub fn field(index: usize, name: &str, field: usize) -> Self {
        Location {
            field: Some(field),
            ..Location::segment(index, name)
        }
    }

    /// A location naming a line (and optionally a CSV field) of a line-oriented file.
    pub fn line(line: usize, field: Option<usize>) -> Self {
        Location {
            line: Some(line),
            field,
            ..Location::default()
        }
    }

    /// Builder: add a byte offset.
    pub fn with_byte(mut self, offset: Option<usize>) -> Self {
        self.byte_offset = offset;
        self
    }

    /// The compiler-style position after `file:`, e.g. `PID[2]:5(2).1` or `3:2` or `@120`;
    /// empty when the finding is about the whole file.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let (Some(index), Some(name)) = (self.segment_index, &self.segment) {
            out.push_str(&format!("{name}[{index}]"));
            if let Some(field) = self.field {
                out.push_str(&format!(":{field}"));
                if let Some(rep) = self.repetition.filter(|r| *r > 1) {
                    out.push_str(&format!("({rep})"));
                }
                if let Some(component) = self.component {
                    out.push_str(&format!(".{component}"));
                }
            }
        } else if let Some(line) = self.line {
            out.push_str(&line.to_string());
            if let Some(field) = self.field {
                out.push_str(&format!(":{field}"));
            }
        } else if let Some(offset) = self.byte_offset {
            out.push_str(&format!("@{offset}"));
        }
        out
    }
}

/// One problem found in an upload.
///
/// Serialized as `code`, `severity`, `location`, `message` and `hint` (English text, as
/// before), plus `message_id` and `args` (and `hint_id`, `hint_args` with a hint) for readers
/// that render the finding in another language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable machine-readable code.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// Where.
    pub location: Location,
    /// What was expected and what was found.
    pub message: Message,
    /// What to do about it.
    pub hint: Option<Message>,
}

impl Finding {
    /// A finding without a hint.
    pub fn new(code: Code, severity: Severity, location: Location, message: Message) -> Self {
        Finding {
            code,
            severity,
            location,
            message,
            hint: None,
        }
    }

    /// Builder: attach a hint.
    pub fn with_hint(mut self, hint: Message) -> Self {
        self.hint = Some(hint);
        self
    }

    /// True for [`Severity::Error`].
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// What was found, in `lang`.
    pub fn message_text(&self, lang: Lang) -> String {
        self.message.render(lang)
    }

    /// What to do about it, in `lang`.
    pub fn hint_text(&self, lang: Lang) -> Option<String> {
        self.hint.as_ref().map(|h| h.render(lang))
    }
}

impl Serialize for Finding {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("code", &self.code)?;
        map.serialize_entry("severity", &self.severity)?;
        map.serialize_entry("location", &self.location)?;
        map.serialize_entry("message", &self.message.render(Lang::En))?;
        if let Some(hint) = &self.hint {
            map.serialize_entry("hint", &hint.render(Lang::En))?;
        }
        map.serialize_entry("message_id", self.message.key().unwrap_or_default())?;
        map.serialize_entry("args", &ArgsJson(self.message.args()))?;
        if let Some(hint) = &self.hint {
            map.serialize_entry("hint_id", hint.key().unwrap_or_default())?;
            if !hint.args().is_empty() {
                map.serialize_entry("hint_args", &ArgsJson(hint.args()))?;
            }
        }
        map.end()
    }
}

/// Collects findings, keeping at most [`Findings::PER_CODE_LIMIT`] per code so that a 10 MB
/// file full of `①` produces a readable report instead of a million lines.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    list: Vec<Finding>,
    suppressed: Vec<(Code, Severity, usize)>,
}

impl Findings {
    /// Findings of one code kept in a report; the rest are summarised by one `FINDINGS-TRUNCATED`.
    pub(crate) const PER_CODE_LIMIT: usize = 20;

    pub(crate) fn push(&mut self, finding: Finding) {
        let kept = self.list.iter().filter(|f| f.code == finding.code).count();
        if kept < Self::PER_CODE_LIMIT {
            self.list.push(finding);
        } else if let Some(entry) = self
            .suppressed
            .iter_mut()
            .find(|(code, _, _)| *code == finding.code)
        {
            entry.2 += 1;
            if finding.severity == Severity::Error {
                entry.1 = Severity::Error;
            }
        } else {
            self.suppressed.push((finding.code, finding.severity, 1));
        }
    }

    /// Moves `other`'s findings (kept and counted) in after these, as if each had been pushed
    /// here: lets a streaming check collect one code's findings apart and put them in order.
    pub(crate) fn append(&mut self, other: Findings) {
        for finding in other.list {
            self.push(finding);
        }
        for (code, severity, count) in other.suppressed {
            match self.suppressed.iter_mut().find(|(c, _, _)| *c == code) {
                Some(entry) => {
                    entry.2 += count;
                    if severity == Severity::Error {
                        entry.1 = Severity::Error;
                    }
                }
                None => self.suppressed.push((code, severity, count)),
            }
        }
    }

    pub(crate) fn into_vec(mut self) -> Vec<Finding> {
        for (code, severity, count) in self.suppressed {
            self.list.push(Finding::new(
                Code::Truncated,
                severity,
                Location::default(),
                msg!("findings-truncated", count = count, code = code.as_str()),
            ));
        }
        self.list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_upper_case() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "duplicate {code}");
            assert!(
                code.as_str()
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c == '-' || c.is_ascii_digit())
            );
        }
    }

    #[test]
    fn renders_hl7_locations_like_a_compiler() {
        let mut loc = Location::field(2, "PID", 5);
        loc.repetition = Some(2);
        loc.component = Some(1);
        assert_eq!(loc.render(), "PID[2]:5(2).1");
        assert_eq!(Location::line(3, Some(2)).render(), "3:2");
        assert_eq!(Location::at_byte(7).render(), "@7");
    }

    #[test]
    fn a_finding_serializes_its_english_words_and_its_id_and_arguments() {
        // Arrange
        let finding = Finding::new(
            Code::Hl7MshVersion,
            Severity::Error,
            Location::field(1, "MSH", 12),
            crate::msg!("hl7-msh-version", found = quoted("2.4")),
        )
        .with_hint(crate::msg!("hl7-msh-version-hint"));
        // Act
        let json = serde_json::to_value(&finding).unwrap();
        // Assert: the keys consumers read, plus the id and arguments; no hint_args when empty.
        assert_eq!(json["code"], "HL7-MSH-VERSION");
        assert_eq!(json["severity"], "error");
        assert_eq!(json["location"]["field"], 12);
        assert_eq!(
            json["message"],
            "MSH-12 is \"2.4\"; JAHIS / SS-MIX2 messages are HL7 \"2.5\""
        );
        assert_eq!(json["hint"], "generate the message as HL7 v2.5");
        assert_eq!(json["message_id"], "hl7-msh-version");
        assert_eq!(json["args"], serde_json::json!({"found": "\"2.4\""}));
        assert_eq!(json["hint_id"], "hl7-msh-version-hint");
        assert!(json.get("hint_args").is_none());
        assert_eq!(
            finding.message_text(Lang::Ja),
            "MSH-12 が \"2.4\" です。JAHIS / SS-MIX2 のメッセージは HL7 \"2.5\" です"
        );
    }

    #[test]
    fn truncates_floods_of_one_code() {
        let mut findings = Findings::default();
        for i in 0..25 {
            findings.push(Finding::new(
                Code::JisCp932,
                Severity::Error,
                Location::at_byte(i),
                msg!("jis-outside-x0208"),
            ));
        }
        let list = findings.into_vec();
        assert_eq!(list.len(), Findings::PER_CODE_LIMIT + 1);
        assert_eq!(list.last().map(|f| f.code), Some(Code::Truncated));
    }
}
