//! Valid fixtures: no errors, byte-exact round trip, the right routing summary.

use idlink_formats::hl7::{Message, ParseOptions};
use idlink_formats::ssmix2::DataKind;
use idlink_formats::{Charset, CheckOptions, Code, DocumentKind, Strictness, check};

use crate::{ADT00, OML11, OMP01, fictional_profile, fixture};

fn codes(report: &idlink_formats::Report) -> Vec<Code> {
    report.findings.iter().map(|f| f.code).collect()
}

#[test]
fn valid_ss_mix2_fixtures_pass_strict_checks_with_their_file_names() {
    for name in [ADT00, OMP01, OML11] {
        // Arrange
        let bytes = fixture(&format!("valid/{name}"));
        let options = CheckOptions {
            file_name: Some(name.to_owned()),
            ..CheckOptions::default()
        };
        // Act
        let report = check(&bytes, DocumentKind::Hl7, &options);
        // Assert
        assert!(
            report.findings.is_empty(),
            "{name}:\n{}",
            report.render_human(name)
        );
    }
}

#[test]
fn every_valid_hl7_fixture_round_trips_byte_for_byte() {
    let cases: &[(&str, Option<Charset>, Strictness)] = &[
        (&format!("valid/{ADT00}"), None, Strictness::Strict),
        (&format!("valid/{OMP01}"), None, Strictness::Strict),
        (&format!("valid/{OML11}"), None, Strictness::Strict),
        ("valid/mapping-variants.hl7", None, Strictness::Strict),
        ("utf8/adt00-utf8.hl7", None, Strictness::Strict),
        ("utf8/adt00-wave-dash.hl7", None, Strictness::Strict),
        (
            "shift_jis/omp01-sjis.hl7",
            Some(Charset::ShiftJis),
            Strictness::Strict,
        ),
        (&format!("lenient/{ADT00}"), None, Strictness::Lenient),
        (&format!("lenient/{OMP01}"), None, Strictness::Lenient),
    ];
    for (rel, charset_override, strictness) in cases {
        let bytes = fixture(rel);
        let options = ParseOptions {
            strictness: *strictness,
            charset_override: *charset_override,
        };
        let message = Message::parse(&bytes, &options).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(message.encode(), bytes, "{rel} does not round-trip");
    }
}

#[test]
fn the_omp01_summary_has_what_a_router_needs() {
    let report = check(
        &fixture(&format!("valid/{OMP01}")),
        DocumentKind::Hl7,
        &CheckOptions::default(),
    );
    let summary = report.hl7.expect("summary");
    assert_eq!(summary.message_type, "RDE^O11");
    assert_eq!(summary.message_structure.as_deref(), Some("RDE_O11"));
    assert_eq!(summary.control_id.as_deref(), Some("20110701000001"));
    assert_eq!(summary.charset, Charset::Iso2022Jp);
    assert_eq!(summary.patient_id.as_deref(), Some("9999013"));
    assert_eq!(
        summary.candidate_data_kinds,
        vec![DataKind::Omp01, DataKind::Omp02]
    );
    assert_eq!(summary.care_date.as_deref(), Some("20110701"));
    assert_eq!(summary.order_number.as_deref(), Some("000000011000185"));
    assert_eq!(summary.department.as_deref(), Some("01"));
    assert_eq!(
        summary.message_datetime.as_deref(),
        Some("20110701224603.984")
    );
}

#[test]
fn kanji_whose_bytes_are_delimiters_stay_inside_their_subcomponent() {
    let bytes = fixture(&format!("valid/{OMP01}"));
    assert!(
        bytes
            .windows(6)
            .any(|w| w == [0x46, 0x62, 0x49, 0x7E, 0x21, 0x26]),
        "fixture has 内服・"
    );
    let message = Message::parse(&bytes, &ParseOptions::default()).unwrap();
    let tq1 = message.first("TQ1").unwrap();
    assert_eq!(
        tq1.field(3).unwrap().subcomponent(1, 2),
        "内服・経口・１日３回朝昼夕食後"
    );
}

#[test]
fn jis_minus_and_wave_dash_decode_to_the_whatwg_forms_and_round_trip() {
    let bytes = fixture("valid/mapping-variants.hl7");
    let message = Message::parse(&bytes, &ParseOptions::default()).unwrap();
    assert!(
        message
            .text()
            .contains("A〜B−C".replace('〜', "～").replace('−', "－").as_str())
    );
    let report = check(&bytes, DocumentKind::Hl7, &CheckOptions::default());
    assert!(report.findings.is_empty(), "{}", report.render_human("x"));
}

#[test]
fn in_the_wild_spellings_are_errors_strict_and_warnings_lenient() {
    let bytes = fixture(&format!("lenient/{OMP01}"));
    let strict = check(&bytes, DocumentKind::Hl7, &CheckOptions::default());
    assert_eq!(
        strict.errors().map(|f| f.code).collect::<Vec<_>>(),
        vec![Code::Hl7CharsetSpelling, Code::Hl7CharsetSpelling]
    );
    // The trailing 0x1C of the published samples is a warning even in strict mode.
    assert_eq!(
        strict.warnings().map(|f| f.code).collect::<Vec<_>>(),
        vec![Code::Hl7FrameMllp]
    );
    let lenient = CheckOptions {
        strictness: Strictness::Lenient,
        file_name: Some(OMP01.into()),
        ..CheckOptions::default()
    };
    let report = check(&bytes, DocumentKind::Hl7, &lenient);
    assert!(!report.has_errors(), "{}", report.render_human(OMP01));
    assert_eq!(report.warnings().count(), 3);
}

#[test]
fn utf8_and_shift_jis_messages_are_accepted_with_a_charset_warning() {
    let report = check(
        &fixture("utf8/adt00-utf8.hl7"),
        DocumentKind::Hl7,
        &CheckOptions::default(),
    );
    assert!(!report.has_errors(), "{}", report.render_human("utf8"));
    assert!(codes(&report).contains(&Code::Ssmix2Charset));
    let sjis = CheckOptions {
        charset_override: Some(Charset::ShiftJis),
        ..CheckOptions::default()
    };
    let report = check(
        &fixture("shift_jis/omp01-sjis.hl7"),
        DocumentKind::Hl7,
        &sjis,
    );
    assert!(!report.has_errors(), "{}", report.render_human("sjis"));
    assert_eq!(
        codes(&report),
        vec![Code::Hl7CharsetOverride, Code::Ssmix2Charset]
    );
    // Without the override the same bytes are 8-bit garbage in an ISO IR87 message.
    let report = check(
        &fixture("shift_jis/omp01-sjis.hl7"),
        DocumentKind::Hl7,
        &CheckOptions::default(),
    );
    assert!(codes(&report).contains(&Code::Hl7Charset8bit));
}

#[test]
fn valid_pdf_text_and_nsips_fixtures_have_no_findings() {
    let pdf = check(
        &fixture("pdf/valid.pdf"),
        DocumentKind::Pdf,
        &CheckOptions::default(),
    );
    assert!(pdf.findings.is_empty(), "{:?}", pdf.findings);
    let text = check(
        &fixture("text/valid-utf8.txt"),
        DocumentKind::Text,
        &CheckOptions::default(),
    );
    assert!(text.findings.is_empty(), "{:?}", text.findings);
    let options = CheckOptions {
        nsips_profile: Some(fictional_profile()),
        ..CheckOptions::default()
    };
    let nsips = check(&fixture("nsips/valid.csv"), DocumentKind::Nsips, &options);
    assert!(
        nsips.findings.is_empty(),
        "{}",
        nsips.render_human("valid.csv")
    );
}

#[test]
fn a_valid_nsips_file_without_a_profile_passes_with_only_the_missing_profile_warning() {
    // Arrange: no profile, as a facility without the confidential specification runs it.
    let options = CheckOptions::default();
    // Act
    let report = check(&fixture("nsips/valid.csv"), DocumentKind::Nsips, &options);
    // Assert
    assert!(!report.has_errors(), "{}", report.render_human("valid.csv"));
    assert_eq!(codes(&report), vec![Code::NsipsProfileMissing]);
    assert_eq!(
        report.findings[0].severity,
        idlink_formats::Severity::Warning
    );
}

#[test]
fn detect_recognises_each_kind_from_its_first_bytes() {
    assert_eq!(
        idlink_formats::detect(&fixture(&format!("valid/{ADT00}"))),
        Some(DocumentKind::Hl7)
    );
    assert_eq!(
        idlink_formats::detect(&fixture("pdf/valid.pdf")),
        Some(DocumentKind::Pdf)
    );
    assert_eq!(
        idlink_formats::detect(&fixture("nsips/valid.csv")),
        Some(DocumentKind::Nsips)
    );
    assert_eq!(
        idlink_formats::detect(&fixture("text/valid-utf8.txt")),
        None
    );
}

#[test]
fn kinds_and_charsets_have_stable_names() {
    for kind in [
        DocumentKind::Hl7,
        DocumentKind::Nsips,
        DocumentKind::Pdf,
        DocumentKind::Text,
    ] {
        assert_eq!(kind.to_string().parse::<DocumentKind>(), Ok(kind));
        assert_eq!(
            serde_json::to_value(kind).unwrap(),
            serde_json::json!(kind.to_string())
        );
    }
    assert_eq!(
        serde_json::to_value(Charset::Iso2022Jp).unwrap(),
        "iso-2022-jp"
    );
    assert_eq!("Shift_JIS".parse::<Charset>().unwrap(), Charset::ShiftJis);
}
