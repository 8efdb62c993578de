//! What people see: the compiler-style rendering and the JSON form of a few broken fixtures.
//! Snapshots live in `tests/snapshots/`; regenerate with `INSTA_UPDATE=always` and review the
//! diff.

use idlink_formats::{CheckOptions, DocumentKind, Strictness, check};

use crate::{OMP01, fixture};

fn human(rel: &str, options: &CheckOptions) -> String {
    check(&fixture(rel), DocumentKind::Hl7, options).render_human(rel)
}

#[test]
fn renders_iso2022jp_escape_defects_like_a_compiler() {
    insta::assert_snapshot!(human(
        "broken/escape-jis-x0201-kana.hl7",
        &CheckOptions::default()
    ));
}

#[test]
fn renders_cp932_characters_with_their_positions() {
    insta::assert_snapshot!(human(
        "broken/cp932-nec-row13.hl7",
        &CheckOptions::default()
    ));
}

#[test]
fn renders_file_name_cross_check_failures() {
    let options = CheckOptions {
        file_name: Some(OMP01.into()),
        ..CheckOptions::default()
    };
    insta::assert_snapshot!(human("broken/care-date.hl7", &options));
}

#[test]
fn renders_in_the_wild_framing_leniently_as_warnings() {
    let options = CheckOptions {
        strictness: Strictness::Lenient,
        ..CheckOptions::default()
    };
    insta::assert_snapshot!(human(&format!("lenient/{OMP01}"), &options));
}

#[test]
fn renders_an_nsips_file_without_a_profile_with_its_envelope_errors_and_the_layout_warning() {
    let rel = "nsips/lf-endings.csv";
    let report = check(&fixture(rel), DocumentKind::Nsips, &CheckOptions::default());
    insta::assert_snapshot!(report.render_human(rel));
}

#[test]
fn renders_an_nsips_file_against_the_fictional_profile_with_the_fictional_label() {
    let rel = "nsips/bad-count.csv";
    let options = CheckOptions {
        nsips_profile: Some(idlink_formats::nsips::Profile::fictional_sample()),
        ..CheckOptions::default()
    };
    let report = check(&fixture(rel), DocumentKind::Nsips, &options);
    insta::assert_snapshot!(report.render_human(rel));
}

#[test]
fn the_json_form_is_stable() {
    let report = check(
        &fixture("broken/segment-order.hl7"),
        DocumentKind::Hl7,
        &CheckOptions::default(),
    );
    insta::assert_json_snapshot!(report.to_json());
}
