//! The mock center's configuration (`idlink-mock --config`): any text through the parser and
//! its checks. Never a panic, and an accepted configuration survives being written out and read
//! back unchanged (what `idlink-mock config --demo` relies on).
#![no_main]

use idlink_mock::MockConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = MockConfig::from_toml_str(text) else {
        return;
    };
    let written = config
        .to_toml_string()
        .expect("an accepted configuration can be written");
    let read_back = MockConfig::from_toml_str(&written)
        .unwrap_or_else(|e| panic!("written configuration refused: {e}\n{written}"));
    assert_eq!(
        read_back, config,
        "the configuration changed on the way:\n{written}"
    );
});
