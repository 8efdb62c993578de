//! Scenario files (`scenarios/*.toml`): any text through the parser and its checks, then what
//! the center derives from a scenario it accepted. Never a panic; a refusal points into the text.
#![no_main]

use std::path::Path;

use idlink_mock::Scenario;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Fixtures resolve against the shipped scenarios folder, as for a file in it.
    let base = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/happy"));
    let path = base.join("FUZZ.toml");
    match Scenario::from_toml(text, &path, base) {
        Ok(scenario) => {
            let _ = scenario.id();
            let config = scenario.mock_config("fuzz-password");
            let _ = config.to_toml_string();
        }
        // A refusal's place must be in the text: a line past the end sends a person looking
        // at nothing.
        Err(error) => {
            let lines = text.lines().count().max(1);
            assert!(
                error.line.is_none_or(|l| (1..=lines + 1).contains(&l)),
                "line {:?} of {lines}: {}",
                error.line,
                error.message
            );
            assert!(
                error.column.is_none_or(|c| c >= 1),
                "column {:?}",
                error.column
            );
        }
    }
});
