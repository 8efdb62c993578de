//! The uploader's configuration (`storeclient.toml`): any text through the parser, the
//! resolver and its checks. Never a panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use storeclient::ClientConfig;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Relative paths resolve against the client crate's folder, as for a file in it.
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../client/storeclient.toml"
    ));
    if let Ok(config) = ClientConfig::from_toml(text, path) {
        let _ = config.preflight();
        let _ = config.scaled(std::time::Duration::from_secs(1));
    }
});
