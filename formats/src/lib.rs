//! What a facility uploads to ID-Link, checked the way a strict receiver would.
//!
//! The store client (`storeclient check`, pre-flight) and the mock service center (acceptance)
//! both call [`check`] (bytes in memory) or [`check_file`] (a file of any size, with memory
//! that does not grow with it), so they agree byte for byte on what is acceptable: the two
//! entry points give the same report for the same content. A check returns a
//! [`Report`]: [`Finding`]s with stable [`Code`]s and precise [`Location`]s, plus an
//! [`Hl7Summary`] with what a router needs to store an HL7 message.
//!
//! How the parts fit:
//!
//! - [`hl7`]: our own ER7 parser (charset from MSH-18, decode the whole message, then split) and
//!   the JAHIS / SS-MIX2 conformance layers (MSH, data kind, segment grammar, required fields,
//!   HL7 data types, file-name cross-checks), one named rule function per layer. [`hl7::grammar`] is the segment-order matcher.
//! - [`charset`]: ISO-2022-JP / Shift_JIS / UTF-8 decoding with byte offsets, and the
//!   ISO-2022-JP pre-scan for what encoding_rs tolerates but SS-MIX2 forbids.
//! - [`jis`]: strict JIS X 0208 classification (CP932 vendor characters, half-width kana, 外字).
//! - [`ssmix2`]: data kinds, file names, storage paths.
//! - [`nsips`]: an envelope check driven by a record-schema profile (the real NSIPS layout is
//!   confidential; the shipped profile is fictional and says so).
//! - [`pdf`], [`text`], [`dicom`]: the other document kinds; DICOM is always refused, and
//!   [`detect_upload`] recognises it before any kind.
//! - [`finding`], [`report`]: the result types and their human / JSON renderings;
//!   [`wording`]: a finding's message as a catalogue key and arguments (no words in the
//!   validator; English and Japanese from `idlink-i18n`).
//!
//! ```
//! use idlink_formats::{check, CheckOptions, DocumentKind, Code};
//! let bytes = b"MSH|^~\\&|HIS|F|GW|R|20240101120000||ADT^A08^ADT_A01|1|P|2.5||||||~ISO IR87||ISO 2022-1994\r\
//! EVN||20240101120000\rPID|1||123456^^^^PI||\x1b$B45<T\x1b(B||19700101|M\rPV1|1|O\r\x1c";
//! let report = check(bytes, DocumentKind::Hl7, &CheckOptions::default());
//! // The trailing 0x1C every published SS-MIX2 sample ends with: a warning, not an error.
//! assert!(!report.has_errors());
//! assert_eq!(report.warnings().map(|f| f.code).collect::<Vec<_>>(), vec![Code::Hl7FrameMllp]);
//! assert_eq!(report.hl7.unwrap().patient_id.as_deref(), Some("123456"));
//! ```
//!
//! # Robustness
//!
//! [`check`] never panics, whatever the bytes: a proptest (`tests/robustness.rs`, 2,000 cases
//! by default, `PROPTEST_CASES=100000` for a longer run) feeds it arbitrary and mutated input.
//! For open-ended fuzzing, a cargo-fuzz target is one line around [`check`]:
//!
//! ```text
//! cargo install cargo-fuzz && cargo fuzz init   # in formats/, then in fuzz_targets/check.rs:
//! fuzz_target!(|data: &[u8]| { for k in [Hl7, Nsips, Pdf, Text] { let _ = check(data, k, &opts); } });
//! cargo +nightly fuzz run check -- -max_total_time=3600
//! ```
//!
//! # Throughput
//!
//! `cargo bench -p idlink-formats --bench throughput`
//! measures parse + validate of realistic ~2 KB ISO-2022-JP messages against a plain
//! encoding_rs decode of the same bytes in the same run. Target: ≥ 100 MB/s on one core.
//! Measured on a quiet 2-vCPU VM: `check` 103–116 MB/s, 5.6–6.2× the time of a plain decode of
//! the same bytes in the same run (wall and on-CPU agree when the machine is idle); details
//! in `formats/README.md`.

pub mod charset;
pub mod dicom;
pub mod finding;
pub mod hl7;
pub mod jis;
pub mod nsips;
pub mod pdf;
pub mod report;
pub mod ssmix2;
pub mod text;
pub mod wording;

use std::fmt;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use charset::Charset;
pub use dicom::is_dicom;
pub use finding::{Arg, Code, Finding, Location, Message, Severity};
pub use report::{Hl7Summary, Report};

/// What kind of document an upload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocumentKind {
    /// HL7 v2.5 ER7 (SS-MIX2 standard storage).
    Hl7,
    /// NSIPS pharmacy data (envelope check against a profile).
    Nsips,
    /// PDF document.
    Pdf,
    /// Plain text.
    Text,
}

impl DocumentKind {
    /// The stable name: `hl7`, `nsips`, `pdf`, `text`.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Hl7 => "hl7",
            DocumentKind::Nsips => "nsips",
            DocumentKind::Pdf => "pdf",
            DocumentKind::Text => "text",
        }
    }
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown document kind name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown document kind {0:?}; expected hl7, nsips, pdf or text")]
pub struct UnknownKind(pub String);

impl FromStr for DocumentKind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "hl7" => Ok(DocumentKind::Hl7),
            "nsips" => Ok(DocumentKind::Nsips),
            "pdf" => Ok(DocumentKind::Pdf),
            "text" => Ok(DocumentKind::Text),
            other => Err(UnknownKind(other.to_owned())),
        }
    }
}

/// How strictly to judge deviations a receiver could repair.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Strictness {
    /// Framing and spelling deviations are errors (the default, and what pre-flight uses).
    #[default]
    Strict,
    /// Framing and spelling deviations (LF, a leading 0x0B, `~ISOIR87`) are warnings.
    Lenient,
}

/// Options for [`check`]. `CheckOptions::default()` is a strict HL7 check with no cross-checks.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Strict (default) or lenient.
    pub strictness: Strictness,
    /// HL7: decode with this charset instead of MSH-18 (the only way to read Shift_JIS HL7).
    /// Text: the declared charset (default UTF-8).
    pub charset_override: Option<Charset>,
    /// SS-MIX2 file name (or path) to cross-check: patient ID = PID-3, care date, data kind.
    pub file_name: Option<String>,
    /// Declared data kind (from upload metadata) to cross-check with MSH-9.
    pub data_kind: Option<ssmix2::DataKind>,
    /// NSIPS record-schema profile. Without one only the envelope is checked and
    /// `NSIPS-PROFILE-MISSING` is a warning (the real layout is confidential; see [`nsips`]).
    pub nsips_profile: Option<nsips::Profile>,
    /// PDF size limit in bytes; `None` means [`pdf::DEFAULT_MAX_BYTES`].
    pub max_pdf_bytes: Option<u64>,
}

/// What the first bytes of an upload say it is: see [`detect_upload`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Detected {
    /// A DICOM Part 10 file (128-byte preamble + `DICM`): refused whatever kind it is sent as.
    Dicom,
    /// A document kind recognised from the content.
    Kind(DocumentKind),
}

/// Recognise an upload from its first bytes (the first KiB is enough), **DICOM first**: a Part
/// 10 preamble is 128 free bytes, so it may itself start with `MSH|` or `%PDF-`, and a DICOM
/// file must never be taken for the kind its preamble imitates. Then as [`detect`]; `None`
/// when neither DICOM nor a kind is recognisable.
///
/// ```
/// use idlink_formats::{detect_upload, Detected, DocumentKind};
/// let mut dicom = b"%PDF-1.4 preamble".to_vec();
/// dicom.resize(128, 0);
/// dicom.extend_from_slice(b"DICM");
/// assert_eq!(detect_upload(&dicom), Some(Detected::Dicom));
/// assert_eq!(detect_upload(b"%PDF-1.4\n"), Some(Detected::Kind(DocumentKind::Pdf)));
/// assert_eq!(detect_upload(b"plain words"), None);
/// ```
pub fn detect_upload(bytes: &[u8]) -> Option<Detected> {
    if is_dicom(bytes) {
        return Some(Detected::Dicom);
    }
    detect(bytes).map(Detected::Kind)
}

/// Guess the document kind from the first bytes: `MSH` + delimiter (after an optional MLLP
/// 0x0B) is HL7, `%PDF-` in the first KiB is PDF, a first line starting `NSIPS,` is the
/// (fictional sample) NSIPS envelope. Anything else is `None`: text is never guessed, because
/// every byte string is "text" in some charset. A DICOM file is `None` too, whatever its
/// preamble holds (it is no document kind); [`detect_upload`] tells it apart from "unknown".
pub fn detect(bytes: &[u8]) -> Option<DocumentKind> {
    if is_dicom(bytes) {
        return None;
    }
    // MLLP start byte and a UTF-8 byte-order mark are framing mistakes the HL7 check reports;
    // they do not make the message another kind of document.
    let body = bytes.strip_prefix(b"\x0b").unwrap_or(bytes);
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    if body.len() >= 4 && body.starts_with(b"MSH") && body[3].is_ascii_punctuation() {
        return Some(DocumentKind::Hl7);
    }
    if pdf::find_header(bytes).is_some() {
        return Some(DocumentKind::Pdf);
    }
    if nsips::looks_like_envelope(bytes) {
        return Some(DocumentKind::Nsips);
    }
    None
}

/// Check `bytes` as `kind`. Never panics, on any input. DICOM is refused whatever `kind` says.
///
/// HL7 and NSIPS files above [`hl7::MAX_BYTES`] / [`nsips::MAX_BYTES`] are refused unread
/// (`HL7-TOO-LARGE`, `NSIPS-TOO-LARGE`); for a file on disk, [`check_file`] gives the same
/// report without holding a PDF or text document in memory.
pub fn check(bytes: &[u8], kind: DocumentKind, options: &CheckOptions) -> Report {
    let mut report = Report::new(kind);
    let mut findings = finding::Findings::default();
    if is_dicom(bytes) {
        findings.push(dicom::refusal());
        report.findings = findings.into_vec();
        return report;
    }
    if let Some(refusal) = too_large(kind, bytes.len() as u64) {
        findings.push(refusal);
        report.findings = findings.into_vec();
        return report;
    }
    match kind {
        DocumentKind::Hl7 => report.hl7 = hl7::check(bytes, options, &mut findings),
        DocumentKind::Nsips => nsips::check(bytes, options, &mut findings),
        DocumentKind::Pdf => pdf::check(bytes, options, &mut findings),
        DocumentKind::Text => text::check(bytes, options, &mut findings),
    }
    report.findings = findings.into_vec();
    report
}

/// Check the file at `path` as `kind`, with memory bounded whatever its size: the same report
/// as [`check`] on the file's bytes (a test holds the two to that on every fixture).
///
/// How each kind is read, and why that is enough:
/// - the first KiB always (DICOM is refused by its magic at byte 128, whatever `kind` says);
/// - PDF: the size, the first and last KiB, and one pass in 64 KiB pieces for `/Encrypt`;
/// - text: one pass in 64 KiB pieces through a streaming decoder (exact byte offsets);
/// - HL7 and NSIPS: whole, because each is one small message, but only up to
///   [`hl7::MAX_BYTES`] / [`nsips::MAX_BYTES`]; a larger file is refused unread.
///
/// Errors are only I/O errors (the file cannot be opened or read); problems with the content
/// are findings.
///
/// ```
/// use idlink_formats::{check_file, CheckOptions, Code, DocumentKind};
/// let path = std::env::temp_dir().join(format!("idlink-formats-doc-{}.pdf", std::process::id()));
/// std::fs::write(&path, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")?;
/// let options = CheckOptions { max_pdf_bytes: Some(10), ..CheckOptions::default() };
/// let report = check_file(&path, DocumentKind::Pdf, &options)?;
/// assert_eq!(report.errors().map(|f| f.code).collect::<Vec<_>>(), vec![Code::PdfTooLarge]);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn check_file(path: &Path, kind: DocumentKind, options: &CheckOptions) -> io::Result<Report> {
    let mut file = File::open(path)?;
    check_reader(&mut file, kind, options)
}

/// [`check_file`] on any seekable reader (a file, or a `Cursor` in tests). Reads from the
/// start; the reader's position afterwards is unspecified.
pub fn check_reader<R: Read + Seek>(
    reader: &mut R,
    kind: DocumentKind,
    options: &CheckOptions,
) -> io::Result<Report> {
    check_reader_in_pieces(reader, kind, options, PIECE)
}

/// [`check_reader`] for a text document read once, front to back, as it arrives (a pipe, a
/// channel fed by a network body): no seek, so it can run while the body is still being
/// received. The report is the one [`check_reader`] gives for the same bytes (the same
/// streaming check, after the same DICOM look at the first 1,024 bytes).
pub fn check_text_as_it_arrives<R: Read>(
    reader: &mut R,
    options: &CheckOptions,
) -> io::Result<Report> {
    let mut head = [0u8; 1024];
    let head_len = text::read_full(reader, &mut head)?;
    let head = &head[..head_len];
    let mut report = Report::new(DocumentKind::Text);
    let mut findings = finding::Findings::default();
    if is_dicom(head) {
        findings.push(dicom::refusal());
    } else {
        text::check_stream(&mut head.chain(reader), options, &mut findings, PIECE)?;
    }
    report.findings = findings.into_vec();
    Ok(report)
}

/// Piece size for streaming checks: large enough that per-piece overhead is noise, small
/// enough to be irrelevant next to the server's other buffers.
const PIECE: usize = 64 * 1024;

/// [`check_reader`] with the piece size as a parameter, so tests can cut the data at every
/// possible place (pieces of 1, 2, 3 ... bytes) and compare with [`check`].
pub(crate) fn check_reader_in_pieces<R: Read + Seek>(
    reader: &mut R,
    kind: DocumentKind,
    options: &CheckOptions,
    piece: usize,
) -> io::Result<Report> {
    let size = reader.seek(SeekFrom::End(0))?;
    reader.seek(SeekFrom::Start(0))?;
    let mut head = [0u8; 1024];
    let head_len = text::read_full(reader, &mut head)?;
    let head = &head[..head_len];

    let mut report = Report::new(kind);
    let mut findings = finding::Findings::default();
    if is_dicom(head) {
        findings.push(dicom::refusal());
        report.findings = findings.into_vec();
        return Ok(report);
    }
    match kind {
        DocumentKind::Hl7 | DocumentKind::Nsips => {
            if let Some(refusal) = too_large(kind, size) {
                findings.push(refusal);
            } else {
                // Within the cap: read whole (bounded by the cap even if the file grows).
                reader.seek(SeekFrom::Start(0))?;
                let cap = hl7::MAX_BYTES.max(nsips::MAX_BYTES) + 1;
                // Sized up front: one read for a small document, not a series of growing
                // probes (issue 14: nine reads for 2 KB).
                let mut bytes = Vec::with_capacity(size.min(cap) as usize + 1);
                reader.take(cap).read_to_end(&mut bytes)?;
                return Ok(check(&bytes, kind, options));
            }
        }
        DocumentKind::Pdf => pdf::check_stream(reader, size, head, options, &mut findings, piece)?,
        DocumentKind::Text => {
            reader.seek(SeekFrom::Start(0))?;
            text::check_stream(reader, options, &mut findings, piece)?;
        }
    }
    report.findings = findings.into_vec();
    Ok(report)
}

/// The refusal of an HL7 or NSIPS file above its cap (PDF has its own configurable limit, and
/// text is streamed, so neither has one here).
fn too_large(kind: DocumentKind, size: u64) -> Option<Finding> {
    let (limit, code) = match kind {
        DocumentKind::Hl7 => (hl7::MAX_BYTES, Code::Hl7TooLarge),
        DocumentKind::Nsips => (nsips::MAX_BYTES, Code::NsipsTooLarge),
        DocumentKind::Pdf | DocumentKind::Text => return None,
    };
    (size > limit).then(|| {
        Finding::new(
            code,
            Severity::Error,
            Location::default(),
            msg!(
                "too-large",
                size = size,
                kind = kind.as_str(),
                limit = limit
            ),
        )
        .with_hint(msg!("too-large-hint"))
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_text_checked_as_it_arrives_gets_the_report_of_the_file() {
        let mut dicom = vec![0u8; 128];
        dicom.extend_from_slice(b"DICM rest");
        let cases: Vec<(&str, Vec<u8>, Option<crate::Charset>)> = vec![
            ("plain", b"line one\nline two\n".to_vec(), None),
            ("empty", Vec::new(), None),
            (
                "bad utf-8 after 2000 bytes",
                [vec![b'a'; 2000], vec![0xff, 0xfe, b'\n']].concat(),
                None,
            ),
            ("bom", b"\xef\xbb\xbfwith a bom\n".to_vec(), None),
            ("nul", b"a\0b\n".to_vec(), None),
            ("dicom", dicom, None),
            (
                "unterminated jis",
                b"\x1b$B$\"\n".to_vec(),
                Some(crate::Charset::Iso2022Jp),
            ),
        ];
        for (case, bytes, charset) in cases {
            let options = super::CheckOptions {
                charset_override: charset,
                ..super::CheckOptions::default()
            };
            let file = super::check_reader(
                &mut std::io::Cursor::new(&bytes),
                super::DocumentKind::Text,
                &options,
            )
            .unwrap();
            let streamed =
                super::check_text_as_it_arrives(&mut bytes.as_slice(), &options).unwrap();
            assert_eq!(streamed, file, "{case}");
        }
    }

    use std::io::Cursor;

    use proptest::prelude::*;

    use super::*;

    fn options_for(charset: Option<Charset>, lenient: bool, pdf_limit: u64) -> CheckOptions {
        CheckOptions {
            strictness: if lenient {
                Strictness::Lenient
            } else {
                Strictness::Strict
            },
            charset_override: charset,
            max_pdf_bytes: Some(pdf_limit),
            ..CheckOptions::default()
        }
    }

    /// Bytes rich in what the streaming checks must cut correctly: escapes, BOMs, NULs, LFs,
    /// multi-byte lead bytes, PDF markers.
    fn tricky() -> impl Strategy<Value = Vec<u8>> {
        let atoms = prop::sample::select(vec![
            &b"\x1b$B"[..],
            b"\x1b(B",
            b"\x1b(J",
            b"\x1b(",
            b"\x1b",
            b"0!",
            b"\n",
            b"\r\n",
            b"\0",
            b"\xEF\xBB\xBF",
            b"\xFF\xFE",
            b"\xE3\x81\x82",
            b"\xE3\x81",
            b"\x82\xA0",
            b"\x82",
            b"\xFF",
            b"%PDF-1.4",
            b"%PDF-2.0",
            b"%%EOF",
            b"/Encrypt",
            b"/Encr",
            b"abc",
            b" ",
        ]);
        prop::collection::vec(atoms, 0..80).prop_map(|v| v.concat())
    }

    fn charset() -> impl Strategy<Value = Option<Charset>> {
        prop::sample::select(vec![
            None,
            Some(Charset::Utf8),
            Some(Charset::Iso2022Jp),
            Some(Charset::ShiftJis),
            Some(Charset::Ascii),
        ])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn a_streamed_check_cut_anywhere_reports_what_the_in_memory_check_reports(
            bytes in tricky(),
            charset in charset(),
            lenient in any::<bool>(),
            pdf_limit in 0u64..400,
            piece in 1usize..40,
        ) {
            let options = options_for(charset, lenient, pdf_limit);
            for kind in [DocumentKind::Text, DocumentKind::Pdf, DocumentKind::Hl7, DocumentKind::Nsips] {
                let streamed = check_reader_in_pieces(&mut Cursor::new(&bytes), kind, &options, piece)
                    .expect("a cursor does not fail");
                prop_assert_eq!(streamed, check(&bytes, kind, &options), "{:?} in pieces of {}", kind, piece);
            }
        }
    }

    #[test]
    fn a_malformed_sequence_after_a_bom_is_reported_at_its_offset_in_the_file() {
        // Found by the property above: the streaming decoder once counted from after the BOM.
        let bytes = b"\xEF\xBB\xBF\xE3\x81";
        let streamed = check_reader_in_pieces(
            &mut Cursor::new(bytes),
            DocumentKind::Text,
            &CheckOptions::default(),
            1,
        )
        .unwrap();
        assert_eq!(streamed.findings[1].location.byte_offset, Some(3));
        assert_eq!(
            streamed,
            check(bytes, DocumentKind::Text, &CheckOptions::default())
        );
    }

    /// A DICOM Part 10 file whose 128-byte preamble starts like another kind.
    fn dicom_with_preamble(preamble: &[u8]) -> Vec<u8> {
        let mut bytes = preamble.to_vec();
        bytes.resize(128, b' ');
        bytes.extend_from_slice(b"DICM\x02\x00\x00\x00UL\x04\x00");
        bytes
    }

    #[test]
    fn dicom_is_detected_before_whatever_kind_its_preamble_imitates() {
        for preamble in [
            &b"MSH|^~\\&|HIS|F|GW|R|20240101120000||ADT^A08^ADT_A01|1|P|2.5\r"[..],
            b"%PDF-1.4\n",
            b"NSIPS,9.99-FICTIONAL,20240401\r\n",
            b"",
        ] {
            let bytes = dicom_with_preamble(preamble);
            assert_eq!(detect(&bytes), None, "{preamble:?}");
            assert_eq!(detect_upload(&bytes), Some(Detected::Dicom), "{preamble:?}");
        }
    }

    #[test]
    fn dicom_is_refused_by_every_entry_point_whatever_the_kind() {
        let bytes = dicom_with_preamble(b"%PDF-1.4\n");
        for kind in [
            DocumentKind::Hl7,
            DocumentKind::Nsips,
            DocumentKind::Pdf,
            DocumentKind::Text,
        ] {
            let in_memory = check(&bytes, kind, &CheckOptions::default());
            let streamed =
                check_reader(&mut Cursor::new(&bytes), kind, &CheckOptions::default()).unwrap();
            let codes: Vec<Code> = in_memory.findings.iter().map(|f| f.code).collect();
            assert_eq!(codes, vec![Code::DicomRefused], "{kind}");
            assert_eq!(streamed, in_memory, "{kind}");
        }
    }

    #[test]
    fn hl7_and_nsips_above_their_cap_are_refused_unread_by_both_entry_points() {
        // Arrange: one byte over the cap.
        let bytes = vec![b'M'; hl7::MAX_BYTES as usize + 1];
        for kind in [DocumentKind::Hl7, DocumentKind::Nsips] {
            // Act
            let in_memory = check(&bytes, kind, &CheckOptions::default());
            let streamed =
                check_reader(&mut Cursor::new(&bytes), kind, &CheckOptions::default()).unwrap();
            // Assert
            let codes: Vec<Code> = in_memory.findings.iter().map(|f| f.code).collect();
            let expected = match kind {
                DocumentKind::Hl7 => Code::Hl7TooLarge,
                _ => Code::NsipsTooLarge,
            };
            assert_eq!(codes, vec![expected]);
            assert!(
                in_memory.findings[0]
                    .message_text(idlink_i18n::Lang::En)
                    .contains("16777217 bytes")
            );
            assert_eq!(streamed, in_memory);
        }
    }
}
