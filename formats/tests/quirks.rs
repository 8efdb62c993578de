//! What vendor systems produce in the field, beyond one defect per file: a Windows tool's
//! byte-order mark, an ISO-2022-JP message that forgot MSH-18, a site-defined Z segment. Each
//! must give one precise finding, not a cascade, and the right advice.

use idlink_formats::{CheckOptions, DocumentKind, Severity, Strictness, check, detect};

use crate::{ADT00, fixture};
use idlink_i18n::Lang;

fn options(strictness: Strictness) -> CheckOptions {
    CheckOptions {
        strictness,
        file_name: Some(ADT00.to_owned()),
        ..CheckOptions::default()
    }
}

/// (code, severity) of every finding.
fn findings(bytes: &[u8], strictness: Strictness) -> Vec<(String, Severity)> {
    check(bytes, DocumentKind::Hl7, &options(strictness))
        .findings
        .iter()
        .map(|f| (f.code.to_string(), f.severity))
        .collect()
}

fn valid_adt00() -> Vec<u8> {
    fixture(&format!("valid/{ADT00}"))
}

#[test]
fn a_byte_order_mark_gives_one_finding_not_a_cascade() {
    // Arrange
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(valid_adt00());

    // Act + Assert: still recognised as HL7, one finding, error strict and warning lenient
    assert_eq!(detect(&bytes), Some(DocumentKind::Hl7));
    let code = "HL7-FRAME-CONTROL".to_owned();
    assert_eq!(
        findings(&bytes, Strictness::Strict),
        [(code.clone(), Severity::Error)]
    );
    assert_eq!(
        findings(&bytes, Strictness::Lenient),
        [(code, Severity::Warning)]
    );
    let report = check(&bytes, DocumentKind::Hl7, &options(Strictness::Lenient));
    let hint = report.findings[0].hint_text(Lang::En).unwrap_or_default();
    assert!(hint.contains("byte-order mark"), "{hint}");
    assert_eq!(
        report.hl7.and_then(|s| s.patient_id).as_deref(),
        Some("9999013")
    );
}

#[test]
fn an_iso_2022_jp_message_without_msh_18_is_told_to_declare_iso_ir87() {
    // Arrange: the canonical message with MSH-18 emptied
    let text = valid_adt00();
    let at = text
        .windows(9)
        .position(|w| w == b"~ISO IR87")
        .expect("MSH-18 in the fixture");
    let bytes = [&text[..at], &text[at + 9..]].concat();

    // Act
    let report = check(&bytes, DocumentKind::Hl7, &options(Strictness::Strict));

    // Assert
    let undeclared = report
        .findings
        .iter()
        .find(|f| f.code.to_string() == "HL7-CHARSET-UNDECLARED")
        .expect("the undeclared charset is reported");
    assert!(
        undeclared
            .message_text(Lang::En)
            .contains("ISO-2022 escape sequence"),
        "{}",
        undeclared.message
    );
    let hint = undeclared.hint_text(Lang::En).unwrap_or_default();
    assert!(hint.contains("~ISO IR87"), "{hint}");
}

#[test]
fn a_site_defined_z_segment_is_refused_strict_and_a_warning_lenient() {
    // Arrange
    let mut bytes = valid_adt00();
    bytes.extend_from_slice(b"ZI9|1|VENDOR\r");

    // Act + Assert
    let code = "HL7-SEGMENT-ORDER".to_owned();
    assert_eq!(
        findings(&bytes, Strictness::Strict),
        [(code.clone(), Severity::Error)]
    );
    assert_eq!(
        findings(&bytes, Strictness::Lenient),
        [(code, Severity::Warning)]
    );
}
