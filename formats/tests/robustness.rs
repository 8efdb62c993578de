//! `check` and the parser never panic, on arbitrary bytes and on mutated valid messages.
//!
//! Bounded for CI: 2,000 cases per property by default; `PROPTEST_CASES=100000 cargo test -p
//! idlink-formats --release --test integration robustness` for a longer run (the crate docs
//! describe a cargo-fuzz target for open-ended fuzzing).

use idlink_formats::hl7::{Message, ParseOptions};
use idlink_formats::{Charset, CheckOptions, DocumentKind, Strictness, check};
use proptest::prelude::*;

use crate::{OMP01, fictional_profile, fixture};

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn run_everything(bytes: &[u8]) {
    let profile = fictional_profile();
    for strictness in [Strictness::Strict, Strictness::Lenient] {
        for charset in [
            None,
            Some(Charset::ShiftJis),
            Some(Charset::Utf8),
            Some(Charset::Iso2022Jp),
        ] {
            let options = CheckOptions {
                strictness,
                charset_override: charset,
                file_name: Some(OMP01.to_owned()),
                nsips_profile: Some(profile.clone()),
                max_pdf_bytes: Some(64),
                ..CheckOptions::default()
            };
            for kind in [
                DocumentKind::Hl7,
                DocumentKind::Nsips,
                DocumentKind::Pdf,
                DocumentKind::Text,
            ] {
                let report = check(bytes, kind, &options);
                let _ = report.render_human("fuzz");
                let _ = report.to_json();
            }
            if let Ok(message) = Message::parse(
                bytes,
                &ParseOptions {
                    strictness,
                    charset_override: charset,
                },
            ) {
                let _ = message.encode();
                for segment in message.segments() {
                    for n in 0..segment.field_count() + 2 {
                        if let Some(field) = segment.field(n) {
                            let _ = field.unescaped();
                            let _ = field.subcomponent(2, 2);
                        }
                    }
                }
            }
        }
    }
    let _ = idlink_formats::detect(bytes);
}

/// A valid message with a few bytes overwritten, inserted or removed.
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    let base = fixture(&format!("valid/{OMP01}"));
    let len = base.len();
    prop::collection::vec((0..len, any::<u8>(), 0u8..3), 1..8).prop_map(move |edits| {
        let mut bytes = base.clone();
        for (pos, byte, op) in edits {
            let pos = pos.min(bytes.len().saturating_sub(1));
            match op {
                0 => bytes[pos] = byte,
                1 => bytes.insert(pos, byte),
                _ => {
                    bytes.remove(pos);
                }
            }
        }
        bytes
    })
}

/// Bytes drawn mostly from the characters that matter to the parser.
fn hl7ish() -> impl Strategy<Value = Vec<u8>> {
    let alphabet =
        prop::sample::select(b"MSH|^~\\&\r\n\x1b$(BIJ@\x1c\x0bPID0123!~\x80\xff\x82\xa0".to_vec());
    prop::collection::vec(alphabet, 0..300).prop_map(|mut v| {
        if v.len() > 8 && v[0] % 2 == 0 {
            v.splice(0..0, b"MSH|^~\\&|".iter().copied());
        }
        v
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        run_everything(&bytes);
    }

    #[test]
    fn never_panics_on_mutated_valid_messages(bytes in mutated()) {
        run_everything(&bytes);
    }

    #[test]
    fn never_panics_on_delimiter_and_escape_soup(bytes in hl7ish()) {
        run_everything(&bytes);
    }
}
