//! A developer reproducing a field failure opens the mock's web view in a browser and sees the
//! document that was stored. Driven with Debian's headless Chromium (installed by `.ci/run`).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use storeclient::config::StrictnessSetting;
use storeclient::metadata::MetadataHints;
use storeclient::preflight::prepare;
use tempfile::TempDir;

use crate::support::{Facility, ssmix2_fixtures};

/// Headless Chromium that prints the DOM it built: no sandbox (root in CI), and none of the
/// background connections this machine's closed network refuses.
pub const CHROMIUM_DUMP_DOM: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--dump-dom",
];

/// Chromium, or `None` (with a note) where it is not installed; under `CI=true` it must be.
pub fn chromium() -> Option<PathBuf> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    if found.is_none() {
        let ci = std::env::var("CI").is_ok_and(|v| v != "false" && v != "0");
        assert!(
            !ci,
            "CI=true but chromium is missing: .ci/run should have installed it"
        );
        eprintln!("note: chromium not installed; skipping the browser test");
    }
    found
}

#[tokio::test]
async fn the_admin_web_view_shows_a_stored_document_in_a_real_browser() {
    let Some(chromium) = chromium() else { return };

    // Arrange: one document stored
    let facility = Facility::open("fac-0112345678").await;
    let path = ssmix2_fixtures().remove(0);
    let prepared = prepare(&path, &MetadataHints::default(), StrictnessSetting::Strict).unwrap();
    let delivery = facility
        .client
        .upload_path(&path, &prepared.metadata)
        .await
        .unwrap();
    let profile = TempDir::new().unwrap();
    let url = format!(
        "{}/?token={}",
        facility.center.admin_url(),
        facility.center.admin_token()
    );

    // Act: render the page headless and dump the DOM the browser built
    let output = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new(chromium)
            .args(CHROMIUM_DUMP_DOM)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg(&url)
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("chromium finishes within a minute")
    .expect("chromium runs");

    // Assert
    let dom = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(dom.contains("idlink-mock"), "not the admin page: {dom}");
    assert!(
        dom.contains(&delivery.receipt_id),
        "receipt missing from the page: {dom}"
    );
    assert!(dom.contains("9999013"), "patient missing from the page");
    let password = std::fs::read_to_string(&facility.kit.account_password).unwrap();
    assert!(
        !dom.contains(password.trim()),
        "the account password leaked into the page"
    );
}
