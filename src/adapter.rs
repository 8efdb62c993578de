//! `idlink-harness storeclient-adapter`: `storeclient` behind the vendor interface.
//!
//! The conformance runner knows nothing of `storeclient`; it runs a command with the `IDLINK_*`
//! variables (docs/conformance.md), exactly as it runs a vendor's uploader. This adapter is that
//! command for our own client: it writes a `storeclient.toml` and one metadata sidecar per
//! document from the variables and the manifest, then runs storeclient's own program (in this
//! process, which the runner started) and returns its exit code. In folder mode
//! (`IDLINK_CLIENT_MODE=folder`) the documents are already in `IDLINK_OUTBOX_DIR`: the sidecars go
//! next to them, the spool is the work directory (its `outbox/`), and storeclient `watch`es it
//! until the runner sends SIGTERM.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use serde::Deserialize;

/// The manifest as the runner writes it.
#[derive(Debug, Deserialize)]
struct Manifest {
    documents: Vec<Document>,
}

#[derive(Debug, Deserialize)]
struct Document {
    path: PathBuf,
    kind: String,
    patient_id: String,
    data_kind: Option<String>,
    care_date: Option<String>,
    charset: Option<String>,
    destination: Option<String>,
}

/// Runs the adapter; errors are setup faults (exit 2, as storeclient's usage errors).
pub fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("storeclient-adapter: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn var(name: &str) -> anyhow::Result<String> {
    std::env::var(name).with_context(|| {
        format!(
            "{name} is not set: run this adapter through idlink-conformance (docs/conformance.md)"
        )
    })
}

/// A TOML string literal.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

fn run() -> anyhow::Result<ExitCode> {
    let work = PathBuf::from(var("IDLINK_WORK_DIR")?);
    let manifest_path = PathBuf::from(var("IDLINK_MANIFEST_FILE")?);
    let manifest: Manifest = serde_json::from_slice(
        &std::fs::read(&manifest_path)
            .with_context(|| format!("cannot read {}", manifest_path.display()))?,
    )
    .with_context(|| format!("{} is not a manifest", manifest_path.display()))?;
    let scale: f64 = var("IDLINK_TIME_SCALE")?
        .parse()
        .context("IDLINK_TIME_SCALE is not a number")?;
    let identity = match (
        std::env::var("IDLINK_CLIENT_CERT_FILE"),
        std::env::var("IDLINK_CLIENT_KEY_FILE"),
    ) {
        (Ok(cert), Ok(key)) => format!(
            "mode = \"pem\"\ncert = {}\nkey = {}\n",
            quoted(&cert),
            quoted(&key)
        ),
        _ => "mode = \"vpn\"\n".to_owned(),
    };
    // storeclient scales every wait and timeout by time_scale; its timeouts must still leave a
    // debug build real time to connect and send (at least 2 s and 5 s after scaling).
    let connect = (10.0f64).max(2.0 / scale);
    let attempt = (30.0f64).max(5.0 / scale);
    let config = format!(
        "[service]\nurl = {url}\nca = {ca}\n\n[account]\nid = {id}\npassword_file = {pw}\n\n\
         [facility]\ncode = {facility}\n\n[identity]\n{identity}\n[upload]\ndestination = \"storage\"\n\n\
         [timeouts]\nconnect_seconds = {connect}\nattempt_seconds = {attempt}\n\n\
         [retry]\ntime_scale = {scale}\n",
        url = quoted(&var("IDLINK_URL")?),
        ca = quoted(&var("IDLINK_CA_FILE")?),
        id = quoted(&var("IDLINK_ACCOUNT_ID")?),
        pw = quoted(&var("IDLINK_ACCOUNT_PASSWORD_FILE")?),
        facility = quoted(&var("IDLINK_FACILITY")?),
    );
    let dir = work.join("storeclient");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let config_path = dir.join("storeclient.toml");
    std::fs::write(&config_path, config)
        .with_context(|| format!("cannot write {}", config_path.display()))?;
    let mut args: Vec<std::ffi::OsString> =
        vec!["storeclient".into(), "--config".into(), config_path.into()];
    if std::env::var("IDLINK_CLIENT_MODE").is_ok_and(|m| m == "folder") {
        let outbox = PathBuf::from(var("IDLINK_OUTBOX_DIR")?);
        let spool = outbox
            .parent()
            .context("IDLINK_OUTBOX_DIR has no parent folder")?
            .to_owned();
        for doc in &manifest.documents {
            let name = doc
                .path
                .file_name()
                .context("a manifest path has no file name")?;
            write_sidecar(doc, &outbox.join(name))?;
        }
        let poll = (5.0 * scale).max(0.05);
        args.extend([
            "watch".into(),
            "--spool".into(),
            spool.into(),
            "--poll-seconds".into(),
            poll.to_string().into(),
        ]);
    } else {
        args.push("upload".into());
        for doc in &manifest.documents {
            write_sidecar(doc, &doc.path)?;
            args.push(doc.path.clone().into());
        }
    }
    Ok(storeclient::entry::main(args))
}

/// `DOCUMENT.meta.toml` next to `document`: what the manifest says about it.
fn write_sidecar(doc: &Document, document: &Path) -> anyhow::Result<()> {
    let mut text = format!(
        "kind = {}\npatient = {}\n",
        quoted(&doc.kind),
        quoted(&doc.patient_id)
    );
    for (key, value) in [
        ("data_kind", &doc.data_kind),
        ("care_date", &doc.care_date),
        ("charset", &doc.charset),
        ("destination", &doc.destination),
    ] {
        if let Some(value) = value {
            text.push_str(&format!("{key} = {}\n", quoted(value)));
        }
    }
    let path = sidecar(document);
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
}

fn sidecar(document: &Path) -> PathBuf {
    storeclient::metadata::sidecar_path(document)
}
