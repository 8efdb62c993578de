//! Running the client command: `sh -c CMD` in the work directory with the vendor environment,
//! stdout and stderr captured into one stream (as a person would see them interleaved), killed
//! with its whole process group at the deadline so a hung client never hangs the run.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::Path;
use std::time::{Duration, Instant};

/// Most output kept per run; the rest is cut (reports stay small, CI systems have limits).
pub const OUTPUT_LIMIT: usize = 64 * 1024;

/// What one run of the command did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// The exit code, when it exited.
    pub exit_code: Option<i32>,
    /// The signal that ended it (Unix).
    pub signal: Option<i32>,
    /// Killed at the deadline.
    pub timed_out: bool,
    /// Wall time.
    pub duration: Duration,
    /// stdout and stderr as one stream, lossily decoded, bounded.
    pub output: String,
}

/// Why the command could not be run at all (a harness error).
#[derive(Debug, thiserror::Error)]
#[error("cannot run the client command `sh -c {command:?}` in {dir}: {source}")]
pub struct SpawnError {
    /// The command.
    pub command: String,
    /// The work directory.
    pub dir: String,
    /// The I/O error.
    pub source: std::io::Error,
}

/// A started command with its output being collected.
struct Started {
    child: tokio::process::Child,
    collector: tokio::task::JoinHandle<(Vec<u8>, usize)>,
    started: Instant,
}

/// Starts `sh -c command` in `dir` with `env`, as the leader of a new process group, with stdout
/// and stderr on one pipe read by a blocking task (bounded to [`OUTPUT_LIMIT`]).
fn start(command: &str, dir: &Path, env: &BTreeMap<String, String>) -> Result<Started, SpawnError> {
    let spawn_error = |source| SpawnError {
        command: command.to_owned(),
        dir: dir.display().to_string(),
        source,
    };
    let (mut reader, writer) = std::io::pipe().map_err(spawn_error)?;
    let mut cmd = tokio::process::Command::new("sh");
    cmd.arg("-c")
        .arg(command)
        .current_dir(dir)
        .envs(env)
        .stdin(std::process::Stdio::null())
        .stdout(writer.try_clone().map_err(spawn_error)?)
        .stderr(writer)
        .kill_on_drop(true);
    #[cfg(unix)]
    cmd.process_group(0);
    let started = Instant::now();
    let child = cmd.spawn().map_err(spawn_error)?;
    // Our copies of the pipe's write end live in the builder: drop it, so EOF comes when the
    // command's process group has exited.
    drop(cmd);
    let collector = tokio::task::spawn_blocking(move || {
        let mut kept = Vec::new();
        let mut chunk = [0u8; 8192];
        let mut dropped = 0usize;
        loop {
            match reader.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = OUTPUT_LIMIT.saturating_sub(kept.len());
                    kept.extend_from_slice(&chunk[..n.min(room)]);
                    dropped += n.saturating_sub(room);
                }
            }
        }
        (kept, dropped)
    });
    Ok(Started {
        child,
        collector,
        started,
    })
}

impl Started {
    /// Ends the whole group (children left behind hold the pipe open), collects the output.
    async fn finish(self, status: Option<std::process::ExitStatus>, timed_out: bool) -> Finished {
        kill_group(self.child.id());
        let (kept, dropped) = tokio::time::timeout(Duration::from_secs(5), self.collector)
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or_default();
        let mut output = String::from_utf8_lossy(&kept).into_owned();
        if dropped > 0 {
            output.push_str(&format!("\n[... {dropped} more bytes of output cut]\n"));
        }
        #[cfg(unix)]
        let signal = {
            use std::os::unix::process::ExitStatusExt as _;
            status.and_then(|s| s.signal())
        };
        #[cfg(not(unix))]
        let signal = None;
        Finished {
            exit_code: status.and_then(|s| s.code()),
            signal,
            timed_out,
            duration: self.started.elapsed(),
            output,
        }
    }
}

/// Runs `command` through `sh -c` in `dir` with `env` added, until it exits or `deadline`.
pub async fn run(
    command: &str,
    dir: &Path,
    env: &BTreeMap<String, String>,
    deadline: Duration,
) -> Result<Finished, SpawnError> {
    let mut started = start(command, dir, env)?;
    let pid = started.child.id();
    let (status, timed_out) = match tokio::time::timeout(deadline, started.child.wait()).await {
        Ok(status) => (status.ok(), false),
        Err(_) => {
            kill_group(pid);
            (started.child.wait().await.ok(), true)
        }
    };
    Ok(started.finish(status, timed_out).await)
}

/// SIGKILL to the process group led by `pid` (the command was made a group leader). `kill`
/// from the system: no libc dependency for one call; failure means the group is already gone.
fn kill_group(pid: Option<u32>) {
    signal_group(pid, "-KILL");
}

/// Runs a daemon (`--client-mode folder`): `sh -c command` until `done` resolves (every
/// document stored, or the center quiet) or `deadline`, then SIGTERM to its process group, 5 s
/// of grace, SIGKILL. Returns what it did like [`run`]; `timed_out` means the deadline ended it.
pub async fn run_daemon(
    command: &str,
    dir: &Path,
    env: &BTreeMap<String, String>,
    deadline: Duration,
    done: impl std::future::Future<Output = ()>,
) -> Result<Finished, SpawnError> {
    let mut started = start(command, dir, env)?;
    let pid = started.child.id();
    let mut timed_out = false;
    let exited = tokio::select! {
        status = started.child.wait() => Some(status.ok()),
        _ = done => None,
        _ = tokio::time::sleep(deadline) => {
            timed_out = true;
            None
        }
    };
    let status = match exited {
        Some(status) => status,
        None => {
            signal_group(pid, "-TERM");
            match tokio::time::timeout(Duration::from_secs(5), started.child.wait()).await {
                Ok(status) => status.ok(),
                Err(_) => {
                    kill_group(pid);
                    started.child.wait().await.ok()
                }
            }
        }
    };
    Ok(started.finish(status, timed_out).await)
}

/// Sends `signal` (e.g. `-TERM`) to the process group led by `pid`.
fn signal_group(pid: Option<u32>, signal: &str) {
    #[cfg(unix)]
    if let Some(pid) = pid {
        let _ = std::process::Command::new("kill")
            .args([signal, "--", &format!("-{pid}")])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}
