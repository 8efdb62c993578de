//! The words of the findings live in the catalogue (`i18n/locales/{en,ja}/formats.ftl`), not in
//! the validator: every message id the validator can name exists in English and Japanese, every
//! key of the catalogue is used, and every finding the fixtures produce renders in both
//! languages with all its arguments filled in.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use idlink_formats::ssmix2::DataKind;
use idlink_formats::{
    Charset, CheckOptions, DocumentKind, Finding, Message, Strictness, check, msg,
};
use idlink_i18n::Lang;

use crate::{ADT00, OML11, OMP01};

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files_under(dir: &Path, ext: Option<&str>, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            files_under(&path, ext, out);
        } else if ext.is_none_or(|ext| path.extension().is_some_and(|e| e == ext)) {
            out.push(path);
        }
    }
}

/// Every id the crate's sources name through `msg!("…")`, `Message::new("…")` or a list's
/// joiner (`list("list-comma", …)`).
fn ids_in_sources() -> BTreeSet<String> {
    let mut sources = Vec::new();
    files_under(&manifest().join("src"), Some("rs"), &mut sources);
    let mut ids = BTreeSet::new();
    for path in sources {
        let text = std::fs::read_to_string(&path).expect("a source file");
        for opener in ["msg!(", "Message::new(", "list("] {
            for (at, _) in text.match_indices(opener) {
                let rest = text[at + opener.len()..].trim_start();
                let Some(rest) = rest.strip_prefix('"') else {
                    continue; // the macro's own definition, `Message::new($id)`
                };
                let id: String = rest.chars().take_while(|c| *c != '"').collect();
                ids.insert(id);
            }
        }
    }
    ids
}

/// The message keys defined in one language's `formats.ftl`.
fn catalogue_keys(lang: &str) -> BTreeSet<String> {
    keys_of(lang, "formats")
}

/// The message keys defined in one language's `NAME.ftl`.
fn keys_of(lang: &str, name: &str) -> BTreeSet<String> {
    let path = manifest().join(format!("../i18n/locales/{lang}/{name}.ftl"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter_map(|line| line.split_once(" = ").map(|(key, _)| key))
        .filter(|key| {
            key.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
                && !key.is_empty()
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_message_id_the_validator_names_exists_in_english_and_japanese() {
    // Arrange
    let used = ids_in_sources();
    let (en, ja) = (catalogue_keys("en"), catalogue_keys("ja"));
    // The list separators are shared words (`common.ftl`), used by the grader too.
    let with_common = |mut keys: BTreeSet<String>, lang| {
        keys.extend(keys_of(lang, "common"));
        keys
    };
    // Act
    let (known_en, known_ja) = (with_common(en.clone(), "en"), with_common(ja, "ja"));
    let missing_en: Vec<_> = used.difference(&known_en).collect();
    let missing_ja: Vec<_> = used.difference(&known_ja).collect();
    let unused: Vec<_> = en.difference(&used).collect();
    // Assert
    assert!(used.len() > 100, "the scan found only {} ids", used.len());
    assert!(
        missing_en.is_empty(),
        "not in en/formats.ftl: {missing_en:?}"
    );
    assert!(
        missing_ja.is_empty(),
        "not in ja/formats.ftl: {missing_ja:?}"
    );
    assert!(
        unused.is_empty(),
        "in the catalogue but never used: {unused:?}"
    );
    // The loaded catalogue agrees with the files read here.
    for id in &used {
        assert!(idlink_i18n::keys(Lang::Ja).contains(id), "{id} not loaded");
    }
}

#[test]
fn the_english_data_kind_names_are_the_data_kinds_own() {
    for kind in DataKind::ALL {
        let text = msg!("ssmix2-kind", kind = kind.code()).render(Lang::En);
        assert_eq!(text, kind.meaning(), "{kind}");
        let ja = msg!("ssmix2-kind", kind = kind.code()).render(Lang::Ja);
        assert!(!ja.is_ascii(), "{kind}: {ja}");
    }
}

/// A rendering that lost an argument or a key shows it: Fluent writes `{$name}` for a
/// missing argument and `{???}` for a missing reference; `tr` gives the key back for a
/// missing message.
fn assert_rendered(message: &Message, lang: Lang, finding: &Finding) {
    let text = message.render(lang);
    let key = message.key().unwrap_or_default();
    assert_ne!(text, key, "{lang:?}: {finding:?}");
    assert!(
        !text.contains("{$") && !text.contains("{???}"),
        "{lang:?} {key}: {text}"
    );
    if lang == Lang::Ja {
        assert!(!text.is_ascii(), "{key} has no Japanese: {text}");
    }
}

#[test]
fn every_finding_of_every_fixture_renders_completely_in_both_languages() {
    // Arrange: every fixture as every kind, strict and lenient; HL7 also with matching and
    // contradicting file names, declared kinds and a Shift_JIS override; NSIPS with the profile.
    let mut fixtures = Vec::new();
    files_under(&manifest().join("tests/data"), None, &mut fixtures);
    fixtures.retain(|p| !p.extension().is_some_and(|e| e == "md" || e == "py"));
    let mut inputs: Vec<(Vec<u8>, DocumentKind, CheckOptions)> = Vec::new();
    for path in &fixtures {
        let bytes = std::fs::read(path).expect("a fixture");
        for kind in [
            DocumentKind::Hl7,
            DocumentKind::Nsips,
            DocumentKind::Pdf,
            DocumentKind::Text,
        ] {
            for strictness in [Strictness::Strict, Strictness::Lenient] {
                let base = CheckOptions {
                    strictness,
                    ..CheckOptions::default()
                };
                inputs.push((bytes.clone(), kind, base.clone()));
                match kind {
                    DocumentKind::Hl7 => {
                        for name in [
                            ADT00,
                            OMP01,
                            OML11,
                            "bad_name",
                            "1234567_20110701_OMP-01_12_20110701224603984_01_3",
                        ] {
                            inputs.push((
                                bytes.clone(),
                                kind,
                                CheckOptions {
                                    file_name: Some(name.to_owned()),
                                    ..base.clone()
                                },
                            ));
                        }
                        for data_kind in [DataKind::Adt00, DataKind::Omp01, DataKind::Omg13] {
                            inputs.push((
                                bytes.clone(),
                                kind,
                                CheckOptions {
                                    data_kind: Some(data_kind),
                                    file_name: Some(OMP01.to_owned()),
                                    ..base.clone()
                                },
                            ));
                        }
                        inputs.push((
                            bytes.clone(),
                            kind,
                            CheckOptions {
                                charset_override: Some(Charset::ShiftJis),
                                ..base.clone()
                            },
                        ));
                    }
                    DocumentKind::Nsips => inputs.push((
                        bytes.clone(),
                        kind,
                        CheckOptions {
                            nsips_profile: Some(idlink_formats::nsips::Profile::fictional_sample()),
                            ..base.clone()
                        },
                    )),
                    DocumentKind::Pdf => inputs.push((
                        bytes.clone(),
                        kind,
                        CheckOptions {
                            max_pdf_bytes: Some(10),
                            ..base.clone()
                        },
                    )),
                    DocumentKind::Text => inputs.push((
                        bytes.clone(),
                        kind,
                        CheckOptions {
                            charset_override: Some(Charset::Ascii),
                            ..base.clone()
                        },
                    )),
                }
            }
        }
    }
    // Crafted: one byte over the HL7 cap, and a flood that is truncated.
    inputs.push((
        vec![b'M'; idlink_formats::hl7::MAX_BYTES as usize + 1],
        DocumentKind::Hl7,
        CheckOptions::default(),
    ));
    inputs.push((vec![0; 100], DocumentKind::Text, CheckOptions::default()));
    inputs.push((Vec::new(), DocumentKind::Text, CheckOptions::default()));

    // Act + Assert
    let mut seen = BTreeSet::new();
    for (bytes, kind, options) in &inputs {
        for finding in check(bytes, *kind, options).findings {
            for message in std::iter::once(&finding.message).chain(finding.hint.as_ref()) {
                seen.extend(message.keys().into_iter().map(str::to_owned));
                for lang in [Lang::En, Lang::Ja] {
                    assert_rendered(message, lang, &finding);
                }
            }
        }
    }
    // The fixtures reach most of the catalogue (the rest is covered by the id scan above).
    assert!(
        seen.len() >= 90,
        "only {} ids reached: {seen:?}",
        seen.len()
    );
}

#[test]
fn a_finding_in_json_renders_in_japanese_from_its_id_and_arguments() {
    // Arrange: a finding with a nested message argument and a hint.
    let report = check(
        &crate::fixture("broken/patient-id.hl7"),
        DocumentKind::Hl7,
        &CheckOptions {
            file_name: Some("1234567_-_OMP-01_000000011000185_20110701224603984_01_1".into()),
            ..CheckOptions::default()
        },
    );
    assert!(!report.findings.is_empty());
    for finding in &report.findings {
        let mut json = serde_json::to_value(finding).expect("a finding serializes");
        assert_eq!(json["message"], finding.message_text(Lang::En));
        // Act
        idlink_formats::finding::localize_json(&mut json, Lang::Ja);
        // Assert
        assert_eq!(json["message"], finding.message_text(Lang::Ja), "{json}");
        assert_eq!(
            json.get("hint").and_then(|h| h.as_str()).map(str::to_owned),
            finding.hint_text(Lang::Ja)
        );
        assert_eq!(
            json["message_id"],
            finding.message.key().unwrap_or_default()
        );
    }
}
