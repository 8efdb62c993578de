//! HL7 v2.5 parser and validator: any bytes, under every strictness and charset choice a
//! caller can make. Never a panic; `check_reader` gives the same report as `check` (the
//! promise `idlink_formats::check_file` makes); a parsed message can be walked to the last
//! subcomponent and encoded.
#![no_main]

use idlink_formats::charset::Charset;
use idlink_formats::hl7::{Message, ParseOptions};
use idlink_formats::ssmix2::DataKind;
use idlink_formats::{CheckOptions, DocumentKind, Strictness, check, check_reader, detect_upload};
use libfuzzer_sys::fuzz_target;

/// An SS-MIX2 name, so the file-name cross-checks (PID-3, care date, data kind) run too.
const FILE_NAME: &str = "9999013_20110701_OMP-01_000000011000185_20110701224603984_01_1";

fuzz_target!(|data: &[u8]| {
    let _ = detect_upload(data);
    // One of the four option sets per input, picked by a checksum of the bytes (not a byte of
    // them, so the seed files stay real messages): all four on every input ran at a quarter
    // of the speed for no more coverage.
    let pick = data.iter().fold(0u8, |a, b| a.wrapping_add(*b));
    let strictness = if pick & 1 == 0 {
        Strictness::Strict
    } else {
        Strictness::Lenient
    };
    let charset_override = (pick & 2 != 0).then_some(Charset::ShiftJis);
    let options = CheckOptions {
        strictness,
        charset_override,
        file_name: Some(FILE_NAME.to_owned()),
        data_kind: "OMP-01".parse::<DataKind>().ok(),
        ..CheckOptions::default()
    };
    let report = check(data, DocumentKind::Hl7, &options);
    let streamed = check_reader(&mut std::io::Cursor::new(data), DocumentKind::Hl7, &options)
        .expect("a Cursor does not fail");
    assert_eq!(report, streamed, "check and check_reader disagree");
    let parse = ParseOptions {
        strictness,
        charset_override,
    };
    if let Ok(message) = Message::parse(data, &parse) {
        walk(&message);
    }
});

/// Touches every accessor a validator or the mock uses.
fn walk(message: &Message) {
    let _ = message.try_encode();
    for segment in message.segments() {
        let _ = (segment.name(), segment.byte_offset());
        for number in 0..=segment.field_count() + 1 {
            let _ = segment.field_location(number);
            let Some(field) = segment.field(number) else {
                continue;
            };
            let _ = field.unescaped();
            for repetition in field.repetitions() {
                for (c, component) in repetition.components().enumerate() {
                    let _ = message.delimiters().unescape(component);
                    for s in 1..=3 {
                        let _ = repetition.subcomponent(c + 1, s);
                    }
                }
            }
        }
    }
}
