//! NSIPS envelope and record check: any bytes, with the shipped fictional profile and without
//! one. Never a panic; `check_reader` gives the same report as `check`.
#![no_main]

use idlink_formats::nsips::Profile;
use idlink_formats::{CheckOptions, DocumentKind, Strictness, check, check_reader, detect};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = detect(data);
    for profile in [None, Some(Profile::fictional_sample())] {
        for strictness in [Strictness::Strict, Strictness::Lenient] {
            let options = CheckOptions {
                strictness,
                nsips_profile: profile.clone(),
                ..CheckOptions::default()
            };
            let report = check(data, DocumentKind::Nsips, &options);
            let streamed = check_reader(
                &mut std::io::Cursor::new(data),
                DocumentKind::Nsips,
                &options,
            )
            .expect("a Cursor does not fail");
            assert_eq!(report, streamed, "check and check_reader disagree");
        }
    }
});
