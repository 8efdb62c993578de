//! A spawned `idlink-mock serve` process, for black-box tests.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use idlink_mock::{JournalEntry, JournalEvent};

use crate::support::WAIT;

/// The server process; killed when dropped.
pub struct Served {
    child: Option<Child>,
    /// The `--print-json` line.
    pub ready: serde_json::Value,
    /// The data directory.
    pub data: PathBuf,
    /// The highest journal sequence number seen so far.
    pub seen: u64,
}

impl Served {
    /// Starts `idlink-mock serve --data DATA --print-json` and waits for its ready line (read
    /// from stdout on a thread, bounded by [`WAIT`]: no sleeps, no port guessing).
    pub fn start(data: &Path) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_idlink-mock"))
            .arg("serve")
            .arg("--data")
            .arg(data)
            .arg("--print-json")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("idlink-mock starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(WAIT)
            .expect("idlink-mock prints its ready line");
        let ready: serde_json::Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the ready line is JSON ({e}): {line:?}"));
        Served {
            child: Some(child),
            ready,
            data: data.to_owned(),
            seen: 0,
        }
    }

    /// A string member of the ready line.
    pub fn get(&self, key: &str) -> String {
        self.ready[key].as_str().unwrap_or_default().to_owned()
    }

    /// The port of a listener URL member (`mtls_url`, `vpn_url`).
    pub fn port(&self, key: &str) -> u16 {
        self.get(key).rsplit(':').next().unwrap().parse().unwrap()
    }

    /// A file under `DATA/pki`.
    pub fn pki(&self, relative: &str) -> PathBuf {
        self.data.join("pki").join(relative)
    }

    /// Kills the process with SIGKILL (no clean-up runs in it) and reaps it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Waits (bounded by [`WAIT`]) for the process to exit on its own.
    pub fn wait_exit(mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("the process is still ours");
        let pid = child.id();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait());
        });
        match rx.recv_timeout(WAIT) {
            Ok(status) => status.expect("the exit status is readable"),
            Err(_) => {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
                panic!("the server did not stop within {WAIT:?}");
            }
        }
    }

    /// Long-polls the admin journal until an entry after the last one seen matches.
    pub async fn wait_for(
        &mut self,
        what: &str,
        predicate: impl Fn(&JournalEntry) -> bool,
    ) -> JournalEntry {
        let deadline = std::time::Instant::now() + WAIT;
        idlink_mock::ensure_crypto_provider();
        let http = reqwest::Client::new();
        loop {
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {what}"
            );
            let entries: Vec<JournalEntry> = http
                .get(format!(
                    "{}/admin/journal?since={}&wait_ms=2000",
                    self.get("admin_url"),
                    self.seen
                ))
                .bearer_auth(self.get("admin_token"))
                .timeout(Duration::from_secs(5))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            for entry in entries {
                self.seen = self.seen.max(entry.seq);
                if predicate(&entry) {
                    return entry;
                }
            }
        }
    }

    /// Every journal entry still in the server's memory.
    pub async fn journal(&self) -> Vec<JournalEntry> {
        idlink_mock::ensure_crypto_provider();
        reqwest::Client::new()
            .get(format!(
                "{}/admin/journal?limit=100000",
                self.get("admin_url")
            ))
            .bearer_auth(self.get("admin_token"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Waits for the next handshake outcome and returns the rejection reason, or panics if the
    /// handshake succeeded.
    pub async fn next_rejection(&mut self) -> String {
        let entry = self
            .wait_for("a handshake outcome", |e| {
                matches!(
                    e.event,
                    JournalEvent::HandshakeRejected { .. } | JournalEvent::HandshakeOk { .. }
                )
            })
            .await;
        match entry.event {
            JournalEvent::HandshakeRejected { reason, .. } => reason,
            other => panic!("expected a rejected handshake, got {other:?}"),
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Whether a tool is installed; without it a test is skipped locally and fails under CI=true
/// (CI installs curl and openssl, see .ci/run).
pub fn have(tool: &str) -> bool {
    let found = Command::new(tool)
        .arg(if tool == "openssl" {
            "version"
        } else {
            "--version"
        })
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(!ci, "{tool} is required under CI=true");
        eprintln!("note: {tool} is not installed; skipping this black-box test");
    }
    found
}
