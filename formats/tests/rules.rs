//! SS-MIX2 file-name fields against the content, and field values against their HL7 data
//! types: each rule is an error strict and a warning lenient, with one finding per defect.

use idlink_formats::{CheckOptions, Code, DocumentKind, Severity, Strictness, check};

use crate::{ADT00, OMP01, fixture};
use idlink_i18n::Lang;

/// The fixture with every `from` replaced by `to` (the test asserts `from` is there).
fn edited(rel: &str, from: &[u8], to: &[u8]) -> Vec<u8> {
    let bytes = fixture(rel);
    assert!(
        bytes.windows(from.len()).any(|w| w == from),
        "{rel} has {}",
        String::from_utf8_lossy(from)
    );
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

fn options(strictness: Strictness, file_name: Option<&str>) -> CheckOptions {
    CheckOptions {
        strictness,
        file_name: file_name.map(str::to_owned),
        ..CheckOptions::default()
    }
}

/// (code, severity, location) of every finding.
fn seen(bytes: &[u8], options: &CheckOptions) -> Vec<(Code, Severity, String)> {
    check(bytes, DocumentKind::Hl7, options)
        .findings
        .iter()
        .map(|f| (f.code, f.severity, f.location.render()))
        .collect()
}

/// Strict gives `code` as an error at `at` and nothing else; lenient the same as a warning.
fn error_strict_warning_lenient(bytes: &[u8], file_name: Option<&str>, code: Code, at: &[&str]) {
    for (strictness, severity) in [
        (Strictness::Strict, Severity::Error),
        (Strictness::Lenient, Severity::Warning),
    ] {
        let expected: Vec<(Code, Severity, String)> = at
            .iter()
            .map(|a| (code, severity, (*a).to_owned()))
            .collect();
        assert_eq!(
            seen(bytes, &options(strictness, file_name)),
            expected,
            "{strictness:?}"
        );
    }
}

// --- SS-MIX2 file-name fields ------------------------------------------------------------------

#[test]
fn a_file_name_order_number_other_than_orc_2_is_an_error_strict() {
    let bytes = fixture(&format!("valid/{OMP01}"));
    let name = OMP01.replace("000000011000185", "000000011000999");
    error_strict_warning_lenient(
        &bytes,
        Some(&name),
        Code::Ssmix2OrderNumber,
        &["ORC[4]:2.1"],
    );
}

#[test]
fn an_orc_2_without_its_zero_padding_names_the_same_order_as_the_file() {
    let bytes = edited(
        &format!("valid/{OMP01}"),
        b"|000000011000185|",
        b"|11000185|",
    );
    assert_eq!(seen(&bytes, &options(Strictness::Strict, Some(OMP01))), []);
}

#[test]
fn a_condition_flag_other_than_0_1_2_is_a_file_name_error() {
    let bytes = fixture(&format!("valid/{OMP01}"));
    let name = format!("{}3", OMP01.strip_suffix('1').unwrap());
    for strictness in [Strictness::Strict, Strictness::Lenient] {
        let report = check(&bytes, DocumentKind::Hl7, &options(strictness, Some(&name)));
        let codes: Vec<(Code, Severity)> = report
            .findings
            .iter()
            .map(|f| (f.code, f.severity))
            .collect();
        assert_eq!(codes, [(Code::Ssmix2FileName, Severity::Error)]);
        assert!(
            report.findings[0]
                .message_text(Lang::En)
                .contains("condition flag \"3\"")
        );
    }
}

#[test]
fn a_patient_id_longer_than_15_characters_is_an_error_strict() {
    let bytes = edited(
        &format!("valid/{OMP01}"),
        b"|9999013^^^^PI|",
        b"|1234567890123456^^^^PI|",
    );
    error_strict_warning_lenient(&bytes, None, Code::Ssmix2PatientIdLength, &["PID[2]:3.1"]);
}

#[test]
fn an_empty_care_date_field_cannot_vouch_for_the_file_name_date() {
    // OMP-01 takes its care date from ORC-9; all three ORCs lose it.
    let bytes = edited(&format!("valid/{OMP01}"), b"|20110701103045|", b"||");
    let at = ["ORC[4]:9", "ORC[8]:9", "ORC[12]:9"];
    error_strict_warning_lenient(&bytes, Some(OMP01), Code::Ssmix2CareDate, &at);
}

// --- HL7 data types ---------------------------------------------------------------------------

#[test]
fn obx_5_must_be_a_number_when_obx_2_says_nm() {
    let bytes = edited(&format!("valid/{ADT00}"), b"||167.8|", b"||167.8cm|");
    error_strict_warning_lenient(&bytes, Some(ADT00), Code::Hl7FieldDatatype, &["OBX[7]:5.1"]);
}

#[test]
fn dates_and_time_stamps_need_a_real_month_and_day() {
    // Table: (from, to, where) in sample A; each a TS or DT with an impossible month or day.
    let cases: &[(&[u8], &[u8], &str)] = &[
        (b"|19480405|", b"|19481305|", "PID[3]:7.1"),
        (b"|19480405|", b"|19480431|", "PID[3]:7.1"),
        (b"|19480405|", b"|194813|", "PID[3]:7.1"),
        (b"|201112202100|", b"|201112322100|", "EVN[2]:2.1"),
        (b"|20091201|", b"|20091301|", "IN1[11]:12.1"),
    ];
    for (from, to, at) in cases {
        let bytes = edited(&format!("valid/{ADT00}"), from, to);
        error_strict_warning_lenient(&bytes, Some(ADT00), Code::Hl7FieldDatatype, &[at]);
    }
}

#[test]
fn msh_9_3_must_be_the_structure_table_0354_gives_for_the_trigger() {
    let bytes = edited(
        &format!("valid/{ADT00}"),
        b"ADT^A08^ADT_A01",
        b"ADT^A08^ADT_A05",
    );
    error_strict_warning_lenient(&bytes, Some(ADT00), Code::Hl7MshType, &["MSH[1]:9.3"]);
    let report = check(&bytes, DocumentKind::Hl7, &CheckOptions::default());
    assert_eq!(
        report.findings[0].hint_text(Lang::En).as_deref(),
        Some("write MSH-9 as ADT^A08^ADT_A01")
    );
}
