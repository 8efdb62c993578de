//! Shared helpers: a demo center, client kits, sample documents, running the binary.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use idlink_mock::{ClientKit, MockCenter, MockConfig};
use tempfile::TempDir;

/// Upper bound of any wait in a test.
pub const WAIT: Duration = Duration::from_secs(20);

/// The demo certificate account's password (mock-server/README.md): must never be printed.
pub const CERT_PASSWORD: &str = "demo-cert-pass";

/// SS-MIX2 sample (RDE^O11, OMP-01, ISO-2022-JP) from the formats fixtures.
pub const SAMPLE_NAME: &str = "9999013_20110701_OMP-01_000000011000185_20110701224603984_01_1";
/// Its bytes.
pub const SAMPLE: &[u8] = include_bytes!(
    "../../formats/tests/data/valid/9999013_20110701_OMP-01_000000011000185_20110701224603984_01_1"
);

/// Settings appended to every kit config: waits scaled down 1000x, few attempts.
pub const FAST: &str = "\n[retry]\nmax_attempts = 4\ninitial_backoff_seconds = 1\nmax_backoff_seconds = 4\njitter = 0.5\ntime_scale = 0.001\n\n[timeouts]\nconnect_seconds = 5000\nattempt_seconds = 10000\n";

/// A running demo center.
pub async fn demo_center() -> MockCenter {
    MockCenter::start(MockConfig::demo())
        .await
        .expect("the demo center starts")
}

/// A temp dir with a client kit for `account`, made fast with [`FAST`] plus `extra` TOML.
pub fn kit(center: &MockCenter, account: &str, extra: &str) -> (TempDir, ClientKit) {
    let dir = tempfile::tempdir().expect("temp dir");
    let kit = center
        .write_client_kit(&dir.path().join("kit"), account)
        .expect("the kit is written");
    append(&kit.config, &format!("{FAST}{extra}"));
    (dir, kit)
}

/// Appends TOML to a config file.
pub fn append(config: &Path, text: &str) {
    let mut s = std::fs::read_to_string(config).expect("config readable");
    s.push_str(text);
    std::fs::write(config, s).expect("config writable");
}

/// Writes a text document with a sidecar naming the patient.
pub fn text_doc(dir: &Path, name: &str, body: &str, patient: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, body).expect("write doc");
    std::fs::write(
        storeclient::metadata::sidecar_path(&path),
        format!("patient = \"{patient}\"\ncare_date = \"20261124\"\n"),
    )
    .expect("write sidecar");
    path
}

/// Writes the SS-MIX2 sample under its SS-MIX2 name.
pub fn sample(dir: &Path) -> PathBuf {
    let path = dir.join(SAMPLE_NAME);
    std::fs::write(&path, SAMPLE).expect("write sample");
    path
}

/// The binary, configured with `config`.
pub fn storeclient(config: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("storeclient"));
    // English unless a test asks for Japanese (`--lang ja`), whatever the machine's locale.
    cmd.arg("--config")
        .arg(config)
        .env_remove("RUST_LOG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C");
    cmd
}

/// Runs a command without blocking the runtime the mock runs on.
pub async fn run(mut cmd: std::process::Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().expect("storeclient runs"))
        .await
        .expect("the blocking task finishes")
}

/// stdout + stderr as text, for messages.
pub fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Milliseconds between two journal timestamps (RFC 3339).
pub fn gap_ms(earlier: &str, later: &str) -> f64 {
    use time::format_description::well_known::Rfc3339;
    let a = time::OffsetDateTime::parse(earlier, &Rfc3339).expect("journal time");
    let b = time::OffsetDateTime::parse(later, &Rfc3339).expect("journal time");
    (b - a).as_seconds_f64() * 1000.0
}

/// Files in a folder, sorted.
pub fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Uploads one document at a time (the kit's `[upload]` table gets `concurrency = 1`).
pub fn serial(kit: &ClientKit) {
    upload_setting(kit, "concurrency = 1");
}

/// Adds a `key = value` line to the kit's `[upload]` table (a second `[upload]` header appended
/// at the end would be a TOML error).
pub fn upload_setting(kit: &ClientKit, line: &str) {
    let text = std::fs::read_to_string(&kit.config).expect("config readable");
    assert!(
        text.contains("destination = \"storage\"\n"),
        "kit layout changed:\n{text}"
    );
    let text = text.replacen(
        "destination = \"storage\"\n",
        &format!("destination = \"storage\"\n{line}\n"),
        1,
    );
    std::fs::write(&kit.config, text).expect("config writable");
}

/// The shipped, fictional NSIPS record-schema profile.
pub fn nsips_profile_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../formats/profiles/nsips-fictional-sample.toml")
}

/// A byte-exact NSIPS fixture of the formats crate (made for the fictional profile).
pub fn nsips_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../formats/tests/data/nsips")
        .join(name)
}
