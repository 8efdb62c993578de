//! One row per defect class: fixture, how it is checked, the code, and where it must point.
//!
//! Adding a defect class is one fixture in `make_fixtures.py` and one row here.

use idlink_formats::ssmix2::DataKind;
use idlink_formats::{Charset, CheckOptions, Code, DocumentKind, Severity, Strictness, check};

use crate::{ADT00, OMP01, fictional_profile, fixture};
use idlink_i18n::Lang;

#[derive(Clone, Copy)]
enum Setup {
    Hl7,
    Hl7Lenient,
    Hl7File(&'static str),
    Hl7Declared(DataKind),
    Hl7ShiftJis,
    Pdf,
    Text,
    Nsips,
    NsipsWithoutProfile,
}

struct Case {
    fixture: &'static str,
    setup: Setup,
    code: Code,
    severity: Severity,
    /// `Location::render()`, e.g. `PID[3]:5`.
    at: &'static str,
    byte: Option<usize>,
}

const fn case(
    fixture: &'static str,
    setup: Setup,
    code: Code,
    at: &'static str,
    byte: Option<usize>,
) -> Case {
    Case {
        fixture,
        setup,
        code,
        severity: Severity::Error,
        at,
        byte,
    }
}

const fn warn(
    fixture: &'static str,
    setup: Setup,
    code: Code,
    at: &'static str,
    byte: Option<usize>,
) -> Case {
    Case {
        fixture,
        setup,
        code,
        severity: Severity::Warning,
        at,
        byte,
    }
}

use Setup::*;

const ADT00_FILE: &str = "valid/9999013_-_ADT-00_999999999999999_20111220224447339_-_1";

const CASES: &[Case] = &[
    // Character set and ISO-2022-JP escapes (byte offsets into the file).
    case(
        "broken/escape-jis-x0201-kana.hl7",
        Hl7,
        Code::Hl7CharsetEscape,
        "PID[3]:5",
        Some(251),
    ),
    case(
        "broken/escape-jis-x0201-kana.hl7",
        Hl7,
        Code::JisHalfwidthKana,
        "PID[3]:5(2).1",
        None,
    ),
    case(
        "broken/escape-jis-roman.hl7",
        Hl7,
        Code::Hl7CharsetEscape,
        "EVN[2]:7",
        Some(198),
    ),
    case(
        "broken/escape-jis-1978.hl7",
        Hl7,
        Code::Hl7CharsetEscape,
        "PID[3]:5",
        Some(221),
    ),
    case(
        "broken/escape-redundant.hl7",
        Hl7,
        Code::Hl7CharsetEscape,
        "DB1[6]:2",
        Some(837),
    ),
    warn(
        "broken/escape-redundant.hl7",
        Hl7Lenient,
        Code::Hl7CharsetEscape,
        "DB1[6]:2",
        Some(837),
    ),
    case(
        "broken/eight-bit-sjis-in-iso2022jp.hl7",
        Hl7,
        Code::Hl7Charset8bit,
        "PID[3]:5",
        Some(221),
    ),
    case(
        "broken/unterminated-jis-run.hl7",
        Hl7,
        Code::Hl7CharsetDecode,
        "NK1[4]",
        Some(758),
    ),
    case(
        "broken/charset-unknown.hl7",
        Hl7,
        Code::Hl7CharsetUnknown,
        "MSH[1]:18",
        None,
    ),
    case(
        "broken/charset-spelling-msh18.hl7",
        Hl7,
        Code::Hl7CharsetSpelling,
        "MSH[1]:18",
        None,
    ),
    warn(
        "broken/charset-spelling-msh18.hl7",
        Hl7Lenient,
        Code::Hl7CharsetSpelling,
        "MSH[1]:18",
        None,
    ),
    case(
        "broken/charset-spelling-msh20.hl7",
        Hl7,
        Code::Hl7CharsetSpelling,
        "MSH[1]:20",
        None,
    ),
    case(
        "broken/charset-undeclared.hl7",
        Hl7,
        Code::Hl7CharsetUndeclared,
        "PID[3]:5",
        Some(199),
    ),
    case(
        "broken/utf8-invalid.hl7",
        Hl7,
        Code::Hl7CharsetDecode,
        "PID[3]:5",
        Some(219),
    ),
    // Framing.
    case(
        "broken/lf-separators.hl7",
        Hl7,
        Code::Hl7FrameLf,
        "MSH[1]",
        Some(171),
    ),
    case(
        "broken/crlf-separators.hl7",
        Hl7,
        Code::Hl7FrameLf,
        "MSH[1]",
        Some(172),
    ),
    warn(
        "broken/crlf-separators.hl7",
        Hl7Lenient,
        Code::Hl7FrameLf,
        "MSH[1]",
        Some(172),
    ),
    // The published SS-MIX2 samples end with CR + 0x1C: a warning in both modes.
    warn(
        "lenient/trailing-fs.hl7",
        Hl7,
        Code::Hl7FrameMllp,
        "IN1[11]",
        Some(1213),
    ),
    warn(
        "lenient/trailing-fs.hl7",
        Hl7Lenient,
        Code::Hl7FrameMllp,
        "IN1[11]",
        Some(1213),
    ),
    case(
        "broken/missing-final-cr.hl7",
        Hl7,
        Code::Hl7FrameFinalCr,
        "IN1[11]",
        Some(1212),
    ),
    warn(
        "broken/missing-final-cr.hl7",
        Hl7Lenient,
        Code::Hl7FrameFinalCr,
        "IN1[11]",
        Some(1212),
    ),
    case(
        "broken/empty-segment.hl7",
        Hl7,
        Code::Hl7FrameEmptySegment,
        "NK1[4]",
        Some(764),
    ),
    case(
        "broken/control-tab.hl7",
        Hl7,
        Code::Hl7FrameControl,
        "EVN[2]:7.1",
        Some(198),
    ),
    case("broken/not-hl7.hl7", Hl7, Code::Hl7NotHl7, "@0", Some(0)),
    case(
        "broken/delimiters.hl7",
        Hl7,
        Code::Hl7MshDelimiters,
        "MSH[1]:2",
        Some(4),
    ),
    case(
        "broken/segment-name.hl7",
        Hl7,
        Code::Hl7SegmentName,
        "db1[6]",
        Some(831),
    ),
    case(
        "broken/escape-sequence.hl7",
        Hl7,
        Code::Hl7Escape,
        "DB1[6]:2.1",
        Some(838),
    ),
    // MSH.
    case(
        "broken/msh-version.hl7",
        Hl7,
        Code::Hl7MshVersion,
        "MSH[1]:12",
        None,
    ),
    case(
        "broken/msh-required.hl7",
        Hl7,
        Code::Hl7MshRequired,
        "MSH[1]:10",
        None,
    ),
    case(
        "broken/msh-type.hl7",
        Hl7,
        Code::Hl7MshType,
        "MSH[1]:9.3",
        None,
    ),
    case(
        "broken/msh-datetime.hl7",
        Hl7,
        Code::Hl7MshDatetime,
        "MSH[1]:7",
        None,
    ),
    // Structure and SS-MIX2.
    case(
        "broken/segment-order.hl7",
        Hl7,
        Code::Hl7SegmentOrder,
        "PID[2]",
        Some(172),
    ),
    case(
        "broken/field-required.hl7",
        Hl7,
        Code::Hl7FieldRequired,
        "PID[3]:5",
        Some(221),
    ),
    case(
        "broken/message-type.hl7",
        Hl7,
        Code::Ssmix2MessageType,
        "MSH[1]:9.1",
        None,
    ),
    case(
        ADT00_FILE,
        Hl7File(OMP01),
        Code::Ssmix2KindMismatch,
        "MSH[1]:9.1",
        None,
    ),
    case(
        ADT00_FILE,
        Hl7Declared(DataKind::Omp01),
        Code::Ssmix2KindMismatch,
        "MSH[1]:9.1",
        None,
    ),
    case(
        ADT00_FILE,
        Hl7File("9999013_-_ADT-00_1_2011_-_1"),
        Code::Ssmix2FileName,
        "",
        None,
    ),
    case(
        "broken/patient-id.hl7",
        Hl7File(OMP01),
        Code::Ssmix2PatientId,
        "PID[2]:3.1",
        Some(181),
    ),
    case(
        "broken/care-date.hl7",
        Hl7File(OMP01),
        Code::Ssmix2CareDate,
        "ORC[4]:9",
        Some(518),
    ),
    case(
        ADT00_FILE,
        Hl7File("9999013_20111220_ADT-00_999999999999999_20111220224447339_-_1"),
        Code::Ssmix2CareDate,
        "",
        None,
    ),
    // Strict JIS X 0208.
    case(
        "broken/cp932-nec-row13.hl7",
        Hl7,
        Code::JisCp932,
        "NK1[4]:13.1",
        Some(750),
    ),
    case(
        "broken/cp932-nec-row13.hl7",
        Hl7,
        Code::JisCp932,
        "NK1[4]:13.1",
        Some(752),
    ),
    case(
        "broken/cp932-ibm-ext.hl7",
        Hl7,
        Code::JisCp932,
        "PV1[5]:7.3",
        Some(809),
    ),
    case(
        "shift_jis/halfwidth-kana.hl7",
        Hl7ShiftJis,
        Code::JisHalfwidthKana,
        "PID[2]:5(2).1",
        Some(214),
    ),
    case(
        "shift_jis/user-defined.hl7",
        Hl7ShiftJis,
        Code::JisUserDefined,
        "PID[2]:5.1",
        Some(198),
    ),
    case(
        "utf8/adt00-outside-x0208.hl7",
        Hl7,
        Code::JisOutsideX0208,
        "PID[3]:5.2",
        Some(219),
    ),
    warn(
        "utf8/adt00-wave-dash.hl7",
        Hl7,
        Code::JisMappingVariant,
        "OBX[9]:5.2",
        Some(1001),
    ),
    // Other document kinds.
    case(
        "dicom/preamble.dcm",
        Hl7,
        Code::DicomRefused,
        "@128",
        Some(128),
    ),
    case(
        "dicom/preamble.dcm",
        Pdf,
        Code::DicomRefused,
        "@128",
        Some(128),
    ),
    case("pdf/truncated.pdf", Pdf, Code::PdfEof, "@40", Some(40)),
    case(
        "pdf/encrypted.pdf",
        Pdf,
        Code::PdfEncrypted,
        "@68",
        Some(68),
    ),
    case("pdf/not-a-pdf.pdf", Pdf, Code::PdfHeader, "@0", Some(0)),
    warn("text/bom-utf8.txt", Text, Code::TextBom, "1", Some(0)),
    case("text/nul.txt", Text, Code::TextNul, "1", Some(3)),
    case("text/empty.txt", Text, Code::TextEmpty, "1", Some(0)),
    case("text/bom-only.txt", Text, Code::TextEmpty, "1", Some(3)),
    case(
        "text/invalid-utf8.txt",
        Text,
        Code::TextDecode,
        "2",
        Some(12),
    ),
    warn(
        "nsips/valid.csv",
        NsipsWithoutProfile,
        Code::NsipsProfileMissing,
        "",
        None,
    ),
    case(
        "nsips/lf-endings.csv",
        NsipsWithoutProfile,
        Code::NsipsLineEnding,
        "1",
        Some(29),
    ),
    case(
        "nsips/utf8.csv",
        NsipsWithoutProfile,
        Code::NsipsDecode,
        "2",
        Some(46),
    ),
    case(
        "nsips/lf-endings.csv",
        Nsips,
        Code::NsipsLineEnding,
        "1",
        Some(29),
    ),
    case(
        "nsips/bad-count.csv",
        Nsips,
        Code::NsipsRecordCount,
        "6:2",
        None,
    ),
    case(
        "nsips/unknown-record.csv",
        Nsips,
        Code::NsipsRecordType,
        "5:1",
        None,
    ),
    case(
        "nsips/bad-version.csv",
        Nsips,
        Code::NsipsVersion,
        "1:2",
        None,
    ),
    case("nsips/utf8.csv", Nsips, Code::NsipsDecode, "2", Some(46)),
    case(
        "nsips/bad-date.csv",
        Nsips,
        Code::NsipsFieldFormat,
        "3:2",
        None,
    ),
];

fn options(setup: Setup) -> (DocumentKind, CheckOptions) {
    let mut o = CheckOptions::default();
    let kind = match setup {
        Hl7 => DocumentKind::Hl7,
        Hl7Lenient => {
            o.strictness = Strictness::Lenient;
            DocumentKind::Hl7
        }
        Hl7File(name) => {
            o.file_name = Some(name.to_owned());
            DocumentKind::Hl7
        }
        Hl7Declared(kind) => {
            o.data_kind = Some(kind);
            DocumentKind::Hl7
        }
        Hl7ShiftJis => {
            o.charset_override = Some(Charset::ShiftJis);
            DocumentKind::Hl7
        }
        Pdf => DocumentKind::Pdf,
        Text => DocumentKind::Text,
        Nsips => {
            o.nsips_profile = Some(fictional_profile());
            DocumentKind::Nsips
        }
        NsipsWithoutProfile => DocumentKind::Nsips,
    };
    (kind, o)
}

#[test]
fn every_defect_class_is_reported_with_its_code_and_location() {
    let mut failures = Vec::new();
    for case in CASES {
        let (kind, options) = options(case.setup);
        let report = check(&fixture(case.fixture), kind, &options);
        let hit = report.findings.iter().any(|f| {
            f.code == case.code
                && f.severity == case.severity
                && f.location.render() == case.at
                && (case.byte.is_none() || f.location.byte_offset == case.byte)
        });
        if !hit {
            let found: Vec<String> = report
                .findings
                .iter()
                .map(|f| {
                    format!(
                        "{} {} {:?} {:?}",
                        f.code,
                        f.severity,
                        f.location.render(),
                        f.location.byte_offset
                    )
                })
                .collect();
            failures.push(format!(
                "{}: expected {} {} at {:?} byte {:?}; found:\n    {}",
                case.fixture,
                case.code,
                case.severity,
                case.at,
                case.byte,
                found.join("\n    ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_hl7_defect_fixture_fails_a_strict_check() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/broken");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let options = match name.as_str() {
            "patient-id.hl7" | "care-date.hl7" => CheckOptions {
                file_name: Some(OMP01.into()),
                ..CheckOptions::default()
            },
            _ => CheckOptions::default(),
        };
        let report = check(&std::fs::read(&path).unwrap(), DocumentKind::Hl7, &options);
        assert!(
            report.has_errors(),
            "{name} passed:\n{}",
            report.render_human(&name)
        );
    }
    let _ = ADT00;
}

#[test]
fn the_parser_reports_the_first_error_as_a_typed_value() {
    use idlink_formats::charset::Iso2022Issue;
    use idlink_formats::hl7::{Message, ParseError, ParseOptions};
    let err = Message::parse(
        &fixture("broken/escape-jis-roman.hl7"),
        &ParseOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        ParseError::Iso2022(Iso2022Issue::ForbiddenEscape {
            offset: 198,
            sequence: *b"\x1b(J"
        })
    );
    let err = Message::parse(
        &fixture("broken/lf-separators.hl7"),
        &ParseOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        err,
        ParseError::LineFeed {
            offset: 171,
            count: 11,
            what: "LF"
        }
    );
}

/// The fixture's segments (CR-separated) without those named in `drop`.
fn without_segments(rel: &str, drop: &[&str]) -> Vec<u8> {
    let bytes = fixture(rel);
    let mut out = Vec::new();
    for segment in bytes.split_inclusive(|b| *b == b'\r') {
        if !drop.iter().any(|name| segment.starts_with(name.as_bytes())) {
            out.extend_from_slice(segment);
        }
    }
    out
}

/// (code, severity, location, message) of every finding.
fn seen(report: &idlink_formats::Report) -> Vec<(Code, Severity, String, String)> {
    report
        .findings
        .iter()
        .map(|f| {
            (
                f.code,
                f.severity,
                f.location.render(),
                f.message_text(Lang::En),
            )
        })
        .collect()
}

#[test]
fn a_file_name_of_another_data_kind_gives_one_finding_not_a_care_date_cascade() {
    // Table: (message fixture, file name); each pair's only defect is the kind.
    let omp01_as_adt00 = "9999013_-_ADT-00_000000011000185_20110701224603984_01_1";
    let cases = [
        (format!("valid/{ADT00}"), OMP01.to_owned()),
        (format!("valid/{OMP01}"), omp01_as_adt00.to_owned()),
    ];
    for (rel, name) in cases {
        // Arrange
        let options = CheckOptions {
            file_name: Some(name.clone()),
            ..CheckOptions::default()
        };
        // Act
        let report = check(&fixture(&rel), DocumentKind::Hl7, &options);
        // Assert
        let codes: Vec<Code> = report.findings.iter().map(|f| f.code).collect();
        assert_eq!(
            codes,
            vec![Code::Ssmix2KindMismatch],
            "{rel} named {name}:\n{}",
            report.render_human(&name)
        );
    }
}

#[test]
fn a_missing_required_segment_is_named_not_blamed_on_the_next_one() {
    // Arrange: RDE^O11 without PID (PV1 follows MSH), ADT^A08 without EVN
    let rde = without_segments(&format!("valid/{OMP01}"), &["PID"]);
    let adt = without_segments(&format!("valid/{ADT00}"), &["EVN"]);

    // Act
    let rde = check(&rde, DocumentKind::Hl7, &CheckOptions::default());
    let adt = check(&adt, DocumentKind::Hl7, &CheckOptions::default());

    // Assert
    assert_eq!(
        seen(&rde),
        [(
            Code::Hl7SegmentMissing,
            Severity::Error,
            "PV1[2]".to_owned(),
            "PID is required after MSH in RDE^O11; it is missing (the next segment is PV1)"
                .to_owned()
        )]
    );
    assert_eq!(
        seen(&adt),
        [(
            Code::Hl7SegmentMissing,
            Severity::Error,
            "PID[2]".to_owned(),
            "EVN is required after MSH in ADT^A08; it is missing (the next segment is PID)"
                .to_owned()
        )]
    );
}

#[test]
fn a_segment_missing_at_the_end_is_named_at_the_last_segment() {
    // Arrange: RDE^O11 whose last order group lost its RXR (the message ends after TQ1)
    let bytes = fixture(&format!("valid/{OMP01}"));
    let last_rxr = bytes
        .windows(4)
        .rposition(|w| w == b"RXR|")
        .expect("the fixture has RXR");
    let bytes = &bytes[..last_rxr];

    // Act
    let report = check(bytes, DocumentKind::Hl7, &CheckOptions::default());

    // Assert
    assert_eq!(
        seen(&report),
        [(
            Code::Hl7SegmentMissing,
            Severity::Error,
            "TQ1[14]".to_owned(),
            "RXR is required after TQ1 in RDE^O11; it is missing (the message ends there)"
                .to_owned()
        )]
    );
}

#[test]
fn a_message_without_pid_is_refused_although_its_hl7_structure_allows_that() {
    // Arrange: RDE^O11 without its patient group (HL7 makes it optional, SS-MIX2 storage
    // is keyed on PID-3)
    let bytes = without_segments(&format!("valid/{OMP01}"), &["PID", "PV1"]);

    // Act
    let report = check(&bytes, DocumentKind::Hl7, &CheckOptions::default());

    // Assert
    let codes: Vec<(Code, Severity)> = report
        .findings
        .iter()
        .map(|f| (f.code, f.severity))
        .collect();
    assert_eq!(codes, [(Code::Hl7SegmentMissing, Severity::Error)]);
    assert!(
        report.findings[0]
            .message_text(Lang::En)
            .starts_with("PID is required by SS-MIX2 in RDE^O11")
    );
}

#[test]
fn a_segment_out_of_order_is_still_an_order_finding() {
    // segment-order.hl7 has EVN after PID: present, so not "missing".
    let report = check(
        &fixture("broken/segment-order.hl7"),
        DocumentKind::Hl7,
        &CheckOptions::default(),
    );
    let codes: Vec<Code> = report.findings.iter().map(|f| f.code).collect();
    assert_eq!(codes, vec![Code::Hl7SegmentOrder]);
}
