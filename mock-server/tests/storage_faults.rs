//! Storage faults: a full disk, a failing disk and a torn transaction log or journal lose no
//! acknowledged document, leave disk and memory in agreement, and keep both files parseable
//! line by line (`PROTO-UP-013`, `PROTO-STORE-004`). Writes are made to fail at chosen points
//! through `idlink_mock::durable::Failpoints`; the torn-tail cases write the fragment a crash
//! leaves by hand.

use std::path::{Path, PathBuf};

use idlink_mock::durable::{WriteFailure, WritePoint};
use idlink_mock::{Journal, JournalEntry, JournalEvent, MockCenter, MockConfig};
use idlink_protocol::Receipt;

use crate::support::*;

/// A demo configuration keeping its data in `dir`, so a test can restart on it.
fn config_in(dir: &Path) -> MockConfig {
    let mut config = MockConfig::demo();
    config.data_dir = Some(dir.to_owned());
    config
}

/// Uploads `bytes` under `key`; returns the status and the body.
async fn upload(center: &MockCenter, key: &str, bytes: &[u8]) -> (u16, String) {
    let response = hl7_upload(
        &mtls_client(center),
        &center.mtls_url(),
        CERT_ACCOUNT,
        key,
        bytes,
    )
    .send()
    .await
    .expect("the center answers");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// Uploads and expects a `201` receipt.
async fn stored(center: &MockCenter, key: &str, bytes: &[u8]) -> Receipt {
    let (status, body) = upload(center, key, bytes).await;
    assert_eq!(status, 201, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// Every file under `root`, relative, sorted.
fn files_under(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(root).unwrap();
                files.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    files.sort();
    files
}

/// Asserts every line of a JSON-lines file is complete and parses; returns the lines.
fn parsed_lines<T: serde::de::DeserializeOwned>(path: &Path) -> Vec<T> {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "{} ends in a torn line: {text:?}",
        path.display()
    );
    text.lines()
        .enumerate()
        .map(|(n, line)| {
            serde_json::from_str(line).unwrap_or_else(|e| {
                panic!(
                    "{} line {} does not parse ({e}): {line}",
                    path.display(),
                    n + 1
                )
            })
        })
        .collect()
}

fn recovery_notes(center: &MockCenter) -> Vec<String> {
    center
        .journal()
        .entries()
        .into_iter()
        .filter_map(|e| match e.event {
            JournalEvent::Recovery { detail } => Some(detail),
            _ => None,
        })
        .collect()
}

/// The acknowledged document is indexed, byte-identical on disk and not moved aside.
fn assert_kept(center: &MockCenter, receipt: &Receipt, bytes: &[u8]) {
    let doc = center
        .store()
        .receipt(&receipt.receipt_id)
        .unwrap_or_else(|| {
            panic!(
                "receipt {} was acknowledged but is lost; recovery said {:?}",
                receipt.receipt_id,
                recovery_notes(center)
            )
        });
    assert_eq!(&doc.receipt, receipt);
    assert_eq!(center.store().read(&doc.current_path).unwrap(), bytes);
}

#[tokio::test]
async fn a_torn_tail_of_the_transaction_log_is_cut_back_so_later_documents_survive_restarts() {
    // Issue 10 item 1. Arrange: one stored document, then the fragment of a record whose
    // append a crash interrupted (its 201 was never sent).
    let dir = tempfile::tempdir().unwrap();
    let center = MockCenter::start(config_in(dir.path())).await.unwrap();
    let first = stored(&center, "torn-1", SAMPLE_OMP01).await;
    let log = center.store().log_path().to_owned();
    center.shutdown().await;
    let mut text = std::fs::read(&log).unwrap();
    text.extend_from_slice(br#"{"op":"store","receipt":{"receipt_id":"rcp-nev"#);
    std::fs::write(&log, text).unwrap();

    // Act: restart, store two more documents across another restart.
    let second_bytes = sample_with_order(77);
    let third_bytes = sample_with_order(78);
    let center = MockCenter::start(config_in(dir.path())).await.unwrap();
    assert!(
        recovery_notes(&center).iter().any(|n| n.contains("torn")),
        "{:?}",
        recovery_notes(&center)
    );
    let second = stored(&center, "torn-2", &second_bytes).await;
    center.shutdown().await;
    let center = MockCenter::start(config_in(dir.path())).await.unwrap();
    let third = stored(&center, "torn-3", &third_bytes).await;
    center.shutdown().await;
    let center = MockCenter::start(config_in(dir.path()))
        .await
        .expect("the center restarts on its own log");

    // Assert: every acknowledged document is there and the log parses line by line.
    assert_kept(&center, &first, SAMPLE_OMP01);
    assert_kept(&center, &second, &second_bytes);
    assert_kept(&center, &third, &third_bytes);
    assert_eq!(parsed_lines::<serde_json::Value>(&log).len(), 3);
    assert!(files_under(&dir.path().join("unacknowledged")).is_empty());
    center.shutdown().await;
}

#[tokio::test]
async fn a_torn_append_on_a_full_disk_leaves_the_log_as_it_was_before() {
    // Issue 10 item 1: the disk fills up part-way through a record.
    let dir = tempfile::tempdir().unwrap();
    let center = MockCenter::start(config_in(dir.path())).await.unwrap();
    let log = center.store().log_path().to_owned();
    let first = stored(&center, "full-1", SAMPLE_OMP01).await;
    let before = std::fs::read(&log).unwrap();
    center
        .store()
        .failpoints()
        .fail(WritePoint::LogAppend, WriteFailure::Torn { written: 50 }, 1);

    // Act
    let (status, body) = upload(&center, "full-2", &sample_with_order(91)).await;
    let after_failure = std::fs::read(&log).unwrap();
    let next_bytes = sample_with_order(92);
    let next = stored(&center, "full-3", &next_bytes).await;
    center.shutdown().await;
    let center = MockCenter::start(config_in(dir.path())).await.unwrap();

    // Assert
    assert_eq!(status, 500, "{body}");
    assert!(body.contains("no space left on device"), "{body}");
    assert_eq!(after_failure, before, "the failed append left bytes behind");
    assert_kept(&center, &first, SAMPLE_OMP01);
    assert_kept(&center, &next, &next_bytes);
    assert_eq!(center.store().documents().len(), 2);
    assert_eq!(parsed_lines::<serde_json::Value>(&log).len(), 2);
    assert!(files_under(&dir.path().join("unacknowledged")).is_empty());
    center.shutdown().await;
}

/// One row per step of a commit that can fail: the commit must be undone whole.
const COMMIT_FAULTS: &[(WritePoint, WriteFailure)] = &[
    (WritePoint::SupersedeRename, WriteFailure::DiskFull),
    (WritePoint::PlaceRename, WriteFailure::DiskFull),
    (WritePoint::DirSync, WriteFailure::Io),
    (WritePoint::BodySync, WriteFailure::Io),
    (WritePoint::LogAppend, WriteFailure::DiskFull),
    (WritePoint::LogAppend, WriteFailure::Torn { written: 120 }),
    (WritePoint::LogSync, WriteFailure::Io),
];

#[tokio::test]
async fn a_failed_commit_is_rolled_back_on_disk_and_in_memory() {
    // Issue 10 item 2.
    for &(point, failure) in COMMIT_FAULTS {
        let case = format!("{point:?} {failure:?}");
        // Arrange: a current `_1` document, then five attempts at a new document and five at
        // an update of the first, every one failing at `point`.
        let dir = tempfile::tempdir().unwrap();
        let center = MockCenter::start(config_in(dir.path())).await.unwrap();
        let first = stored(&center, "first", SAMPLE_OMP01).await;
        let root = center.store().root().to_owned();
        let tree = files_under(&root);
        let log = std::fs::read(center.store().log_path()).unwrap();
        center.store().failpoints().fail(point, failure, 10);

        // Act
        for attempt in 0..5 {
            // Only an update renames a previous version; a new document would just be stored.
            if point != WritePoint::SupersedeRename {
                let new = sample_with_order(500 + attempt);
                let (status, body) = upload(&center, &format!("new-{attempt}"), &new).await;
                assert_eq!(status, 500, "{case}: {body}");
            }
            let update = sample_update(attempt as u32 + 10);
            let (status, body) = upload(&center, &format!("upd-{attempt}"), &update).await;
            assert_eq!(status, 500, "{case}: {body}");
        }

        // Assert: nothing of the failed attempts is left, and the next update just works.
        assert_eq!(files_under(&root), tree, "{case}: orphans in storage/");
        assert_eq!(
            std::fs::read(center.store().log_path()).unwrap(),
            log,
            "{case}"
        );
        assert_eq!(center.store().documents().len(), 1, "{case}");
        assert_eq!(
            center
                .store()
                .receipt(&first.receipt_id)
                .unwrap()
                .current_path,
            first.stored_path,
            "{case}: the index moved the current version"
        );
        assert_eq!(
            center.store().read(&first.stored_path).unwrap(),
            SAMPLE_OMP01
        );
        center.store().failpoints().clear();
        let update_bytes = sample_update(9);
        let update = stored(&center, "upd-ok", &update_bytes).await;
        let superseded = update.superseded_path.clone().expect("an update");
        assert_eq!(center.store().read(&superseded).unwrap(), SAMPLE_OMP01);
        center.shutdown().await;

        let center = MockCenter::start(config_in(dir.path())).await.unwrap();
        assert_eq!(recovery_notes(&center), Vec::<String>::new(), "{case}");
        assert_kept(&center, &update, &update_bytes);
        center.shutdown().await;
    }
}

#[tokio::test]
async fn a_commit_that_cannot_be_undone_stops_new_documents_until_a_restart_settles_it() {
    // Issue 10 item 2, the last resort: the undo fails too, so the store cannot know what the
    // disk holds. It refuses new documents rather than guess; a restart's recovery settles the
    // tree against the log, and nothing acknowledged is lost.
    let cases: &[(&str, &[(WritePoint, WriteFailure)])] = &[
        (
            "log cannot be cut back",
            &[
                (WritePoint::LogAppend, WriteFailure::Torn { written: 30 }),
                (WritePoint::LogCutBack, WriteFailure::Io),
            ],
        ),
        (
            "rename cannot be undone",
            &[
                (WritePoint::LogAppend, WriteFailure::DiskFull),
                (WritePoint::UndoRename, WriteFailure::Io),
            ],
        ),
    ];
    for (case, faults) in cases {
        // Arrange: a current `_1` document; an update fails and so does its undo.
        let dir = tempfile::tempdir().unwrap();
        let center = MockCenter::start(config_in(dir.path())).await.unwrap();
        let first = stored(&center, "first", SAMPLE_OMP01).await;
        for &(point, failure) in *faults {
            center.store().failpoints().fail(point, failure, 1);
        }

        // Act
        let (failed, _) = upload(&center, "update", &sample_update(10)).await;
        let (refused, body) = upload(&center, "other", &sample_with_order(600)).await;
        let unsettled = center.store().unsettled();
        center.shutdown().await;
        let center = MockCenter::start(config_in(dir.path())).await.unwrap();

        // Assert
        assert_eq!((failed, refused), (500, 500), "{case}: {body}");
        assert!(
            body.contains("until the mock is restarted"),
            "{case}: {body}"
        );
        assert!(unsettled.is_some(), "{case}");
        assert_eq!(center.store().unsettled(), None, "{case}");
        assert_kept(&center, &first, SAMPLE_OMP01);
        assert_eq!(center.store().documents().len(), 1, "{case}");
        assert_eq!(
            files_under(center.store().root()),
            std::slice::from_ref(&first.stored_path),
            "{case}: recovery restored the tree"
        );
        parsed_lines::<serde_json::Value>(center.store().log_path());
        let retried = stored(&center, "update", &sample_update(10)).await;
        assert_eq!(
            retried.superseded_path,
            Some(first.stored_path.replace("_1", "_2"))
        );
        center.shutdown().await;
    }
}

#[test]
fn a_journal_write_error_is_rolled_back_and_retried_on_the_next_entry() {
    // Issue 10 item 3: the disk fills up part-way through a journal line, then frees up.
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(dir.path(), 100).unwrap();
    let admin = |n: u32| JournalEvent::Admin {
        action: format!("action {n}"),
    };
    journal.record(None, None, admin(1));
    journal.flush();
    journal.failpoints().fail(
        WritePoint::JournalAppend,
        WriteFailure::Torn { written: 7 },
        1,
    );

    // Act
    journal.record(None, None, admin(2));
    journal.flush();
    let failed = journal.file_health();
    let torn = std::fs::read_to_string(journal.path()).unwrap();
    journal.record(None, None, admin(3));
    journal.flush();

    // Assert: the failed line was rolled back, then written with the next one.
    assert!(torn.ends_with('\n'), "a torn line was left: {torn:?}");
    assert_eq!(failed.write_failures, 1, "the failure is visible at once");
    let seqs: Vec<u64> = parsed_lines::<JournalEntry>(journal.path())
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(seqs, [1, 2, 3]);
    let health = journal.file_health();
    assert_eq!(health.write_failures, 1);
    assert_eq!(health.pending, 0);
    let last = health.last_error.expect("the failure is kept");
    assert!(last.contains("no space left on device"), "{last}");
    assert!(last.contains("journal.jsonl"), "{last}");
}

#[tokio::test]
async fn admin_status_shows_journal_write_failures_and_a_store_refusing_documents() {
    // Issue 10 item 3: a write failure is visible, not silent.
    let center = demo_center().await;
    center
        .journal()
        .failpoints()
        .fail(WritePoint::JournalAppend, WriteFailure::DiskFull, 1);
    center
        .store()
        .failpoints()
        .fail(WritePoint::LogAppend, WriteFailure::Io, 1);
    center
        .store()
        .failpoints()
        .fail(WritePoint::UndoRename, WriteFailure::Io, 1);

    let (status, body) = upload(&center, "status", SAMPLE_OMP01).await;
    // The journal's file is written by its own thread: wait for it (a write that began now,
    // so a line the failure left waiting is retried).
    center.journal().flush();
    let report: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/admin/status", center.admin_url()))
        .bearer_auth(center.admin_token())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    assert_eq!(status, 500, "{body}");
    let journal = &report["journal_file"];
    assert_eq!(journal["write_failures"], 1, "{report}");
    assert_eq!(
        journal["pending"], 0,
        "retried with the next entry: {report}"
    );
    let last = journal["last_error"].as_str().unwrap_or_default();
    assert!(last.contains("no space left on device"), "{report}");
    let refusing = report["storage"]["refusing_commits"]
        .as_str()
        .unwrap_or_default();
    assert!(refusing.contains("could not move"), "{report}");
    center.shutdown().await;
}

#[test]
fn a_failed_journal_append_after_an_outside_truncation_does_not_grow_the_file() {
    // An operator rotated the journal with copytruncate; then the disk filled up mid-line.
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(dir.path(), 100).unwrap();
    let admin = |n: u32| JournalEvent::Admin {
        action: format!("action {n}"),
    };
    journal.record(None, None, admin(1));
    journal.flush();
    std::fs::OpenOptions::new()
        .write(true)
        .open(journal.path())
        .unwrap()
        .set_len(0)
        .unwrap();
    journal.failpoints().fail(
        WritePoint::JournalAppend,
        WriteFailure::Torn { written: 5 },
        1,
    );

    journal.record(None, None, admin(2));
    journal.flush();
    let after_failure = std::fs::read(journal.path()).unwrap();
    journal.record(None, None, admin(3));
    journal.flush();

    assert_eq!(after_failure, b"", "cut back to the truncated length");
    let seqs: Vec<u64> = parsed_lines::<JournalEntry>(journal.path())
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(seqs, [2, 3]);
}

#[tokio::test]
async fn a_clean_shutdown_leaves_every_recorded_journal_entry_on_file() {
    // Issue 14: the journal's file is written by its own thread, a few milliseconds behind
    // memory; `shutdown` must not return before the last entries are on file.
    let dir = tempfile::tempdir().unwrap();
    let center = MockCenter::start(config_in(dir.path())).await.unwrap();
    let path = center.journal().path().to_owned();
    let last = center.journal().record(
        None,
        None,
        JournalEvent::Admin {
            action: "just before the shutdown".into(),
        },
    );

    center.shutdown().await;

    let seqs: Vec<u64> = parsed_lines::<JournalEntry>(&path)
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(seqs.last(), Some(&last), "{seqs:?}");
}

#[test]
fn a_torn_last_journal_line_is_cut_when_the_journal_opens() {
    // Issue 10 item 3: a previous process died (or hit a full disk) mid-line.
    let dir = tempfile::tempdir().unwrap();
    let first = Journal::open(dir.path(), 10).unwrap();
    first.record(
        None,
        None,
        JournalEvent::Admin {
            action: "before".into(),
        },
    );
    let path: PathBuf = first.path().to_owned();
    drop(first);
    let mut text = std::fs::read(&path).unwrap();
    text.extend_from_slice(br#"{"seq":2,"at":"2026-"#);
    std::fs::write(&path, text).unwrap();

    let journal = Journal::open(dir.path(), 10).unwrap();
    journal.record(
        None,
        None,
        JournalEvent::Admin {
            action: "after".into(),
        },
    );
    journal.flush();

    let actions: Vec<String> = parsed_lines::<JournalEntry>(&path)
        .into_iter()
        .filter_map(|e| match e.event {
            JournalEvent::Admin { action } => Some(action),
            _ => None,
        })
        .collect();
    assert_eq!(actions, ["before", "after"]);
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_directory_and_everything_in_it_are_private_to_the_owner() {
    // Issue 10 item 13: patient documents. An existing 0755 directory is tightened too.
    use std::os::unix::fs::PermissionsExt as _;
    let parent = tempfile::tempdir().unwrap();
    let data = parent.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let center = MockCenter::start(config_in(&data)).await.unwrap();
    let receipt = stored(&center, "private", SAMPLE_OMP01).await;
    let root = center.store().root().to_owned();

    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    let mut expected = vec![
        (data.clone(), 0o700),
        (data.join("storage"), 0o700),
        (data.join("incoming"), 0o700),
        (data.join("journal.jsonl"), 0o600),
        (data.join("transactions.jsonl"), 0o600),
        (root.join(&receipt.stored_path), 0o600),
    ];
    let mut dir = root.join(&receipt.stored_path);
    while dir.pop() && dir != root {
        expected.push((dir.clone(), 0o700));
    }
    let wrong: Vec<String> = expected
        .iter()
        .filter(|(path, want)| mode(path) != *want)
        .map(|(path, want)| format!("{} is {:o}, want {want:o}", path.display(), mode(path)))
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
    center.shutdown().await;
}

/// A small tmpfs mounted for one test and unmounted when dropped; `None` (the test is skipped
/// with a note) where mounting is not allowed (not root, not Linux, in a container without
/// CAP_SYS_ADMIN).
struct SmallDisk {
    mount: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(bytes: u64) -> Option<SmallDisk> {
        let mount = tempfile::tempdir().unwrap();
        let mounted = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={bytes},mode=0700"),
                "tmpfs",
            ])
            .arg(mount.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            eprintln!("skipped: cannot mount a tmpfs here (needs root on Linux)");
            return None;
        }
        Some(SmallDisk { mount })
    }

    fn path(&self) -> &Path {
        self.mount.path()
    }

    /// Fills the disk, then frees `pages` 4 KiB pages; returns the filler to delete later.
    fn fill_leaving(&self, pages: u64) -> PathBuf {
        use std::io::Write as _;
        let filler = self.path().join("filler");
        let mut file = std::fs::File::create(&filler).unwrap();
        let page = [0u8; 4096];
        while file.write_all(&page).is_ok() {}
        let len = file.metadata().unwrap().len() / 4096 * 4096;
        file.set_len(len.saturating_sub(pages * 4096)).unwrap();
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.mount.path())
            .status();
    }
}

#[tokio::test]
async fn a_real_full_disk_loses_nothing_acknowledged_and_leaves_nothing_half_stored() {
    // Issue 10 items 1 to 3 on a real full file system: wherever the space runs out (the
    // journal, the upload in `incoming/`, the log append), every 201 is kept, every failure
    // left nothing behind, and the next upload after space is freed works without a restart.
    for free_pages in 0..4u64 {
        let Some(disk) = SmallDisk::mount(1 << 20) else {
            return;
        };
        let case = format!("{free_pages} free pages");
        let data = disk.path().join("data");
        let center = MockCenter::start(config_in(&data)).await.unwrap();
        let mut acked: Vec<(Receipt, Vec<u8>)> = Vec::new();
        let bytes = sample_with_order(700);
        acked.push((stored(&center, "before", &bytes).await, bytes));
        let filler = disk.fill_leaving(free_pages);

        // Act: upload on the full disk, free the space, upload again.
        let mut statuses = Vec::new();
        for n in 0..6u64 {
            let bytes = sample_with_order(710 + n);
            let (status, body) = upload(&center, &format!("full-{n}"), &bytes).await;
            statuses.push(status);
            match status {
                201 => acked.push((serde_json::from_str(&body).unwrap(), bytes)),
                500 => {}
                _ => panic!("{case}: {status} {body}"),
            }
        }
        std::fs::remove_file(&filler).unwrap();
        let bytes = sample_update(11);
        let after = stored(&center, "after", &bytes).await;
        acked.push((after, bytes));
        let journal_failures = center.journal().file_health().write_failures;
        center.shutdown().await;
        let center = MockCenter::start(config_in(&data)).await.unwrap();

        // Assert
        assert!(
            statuses.contains(&500),
            "{case}: the disk never filled: {statuses:?}"
        );
        assert_eq!(recovery_notes(&center), Vec::<String>::new(), "{case}");
        for (receipt, bytes) in &acked {
            assert_kept(&center, receipt, bytes);
        }
        let mut expected: Vec<String> = center
            .store()
            .documents()
            .iter()
            .map(|d| d.current_path.clone())
            .collect();
        expected.sort();
        assert_eq!(expected.len(), acked.len(), "{case}");
        assert_eq!(files_under(center.store().root()), expected, "{case}");
        parsed_lines::<serde_json::Value>(center.store().log_path());
        parsed_lines::<JournalEntry>(center.journal().path());
        eprintln!("{case}: statuses {statuses:?}, journal write failures {journal_failures}");
        center.shutdown().await;
    }
}

/// The words of a text that look like absolute paths (`/tmp/...`), after `(`, `"` or `'`.
fn absolute_paths(text: &str) -> Vec<&str> {
    text.split(|c: char| c.is_whitespace() || "()\"'".contains(c))
        .filter(|word| word.starts_with('/') && word.len() > 1)
        .collect()
}

#[tokio::test]
async fn internal_error_details_name_what_failed_without_the_servers_paths() {
    // Issue 10 item 12. One row per kind of internal error an upload can meet: a failed
    // commit step, and a store that refuses documents after an undo failed too.
    let cases: &[(&str, &[(WritePoint, WriteFailure)])] = &[
        (
            "log append",
            &[(WritePoint::LogAppend, WriteFailure::DiskFull)],
        ),
        (
            "place rename",
            &[(WritePoint::PlaceRename, WriteFailure::Io)],
        ),
        ("directory sync", &[(WritePoint::DirSync, WriteFailure::Io)]),
        (
            "log cannot be cut back",
            &[
                (WritePoint::LogAppend, WriteFailure::Torn { written: 30 }),
                (WritePoint::LogCutBack, WriteFailure::Io),
            ],
        ),
    ];
    for (case, faults) in cases {
        // Arrange
        let dir = tempfile::tempdir().unwrap();
        let center = MockCenter::start(config_in(dir.path())).await.unwrap();
        for &(point, failure) in *faults {
            center.store().failpoints().fail(point, failure, 1);
        }

        // Act: the failing upload, and the one after it (refused if the store is unsettled).
        let mut details = Vec::new();
        for (key, bytes) in [("first", SAMPLE_OMP01.to_vec()), ("next", sample_update(3))] {
            let (status, body) = upload(&center, key, &bytes).await;
            if status == 500 {
                let problem: idlink_protocol::Problem = serde_json::from_str(&body).unwrap();
                details.push((key, problem.detail));
            }
        }
        center.shutdown().await;

        // Assert
        assert!(!details.is_empty(), "{case}: no internal error");
        for (key, detail) in &details {
            assert_eq!(
                absolute_paths(detail),
                Vec::<&str>::new(),
                "{case}: {detail}"
            );
            assert!(detail.contains(key), "{case}: names the document: {detail}");
        }
    }
}

#[tokio::test]
async fn a_stored_document_whose_answer_never_left_is_journaled_as_undelivered() {
    // Issue 10 item 4: the client is killed after sending the whole document, while the
    // server is still committing it. The document is stored; the journal must say that its
    // `201` was never written, and what it would have said.
    use base64::Engine as _;
    use tokio::io::AsyncWriteExt as _;

    // Arrange: the commit stops before its log fsync until the client is gone.
    let dir = tempfile::tempdir().unwrap();
    let center = MockCenter::start(config_in(dir.path())).await.unwrap();
    let hold = center.store().failpoints().hold(WritePoint::LogSync);
    let credentials = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", VPN_ACCOUNT.0, VPN_ACCOUNT.1));
    let head = format!(
        "POST /v1/documents HTTP/1.1\r\nhost: localhost\r\nauthorization: Basic {credentials}\r\n\
         content-type: application/hl7-v2\r\nidlink-document-kind: hl7\r\n\
         idlink-data-kind: OMP-01\r\nidlink-facility: 0112345678\r\n\
         idlink-patient-id: 9999013\r\nidlink-destination: storage\r\n\
         content-digest: {}\r\nidempotency-key: killed-client\r\ncontent-length: {}\r\n\r\n",
        idlink_protocol::ContentDigest::of(SAMPLE_OMP01),
        SAMPLE_OMP01.len()
    );
    let mut tls = tls_connection(&center).await;
    tls.write_all(head.as_bytes()).await.unwrap();
    tls.write_all(SAMPLE_OMP01).await.unwrap();
    tls.flush().await.unwrap();

    // Act: the client dies mid-commit; the server notices, then the commit goes on.
    tokio::time::timeout(WAIT, hold.reached())
        .await
        .expect("the commit reaches its log fsync");
    drop(tls);
    let journal = center.journal();
    journal
        .wait_for(
            |e| matches!(e.event, JournalEvent::ConnectionClosed { .. }),
            WAIT,
        )
        .await
        .expect("the server sees the connection go");
    hold.release();
    let undelivered = journal
        .wait_for(
            |e| matches!(e.event, JournalEvent::ResponseUndelivered { .. }),
            WAIT,
        )
        .await
        .expect("the lost answer is journaled");

    // Assert
    let JournalEvent::ResponseUndelivered {
        request_id,
        status,
        code,
        receipt_id,
        error,
    } = undelivered.event
    else {
        unreachable!()
    };
    assert_eq!((status, code), (201, None));
    let receipt_id = receipt_id.expect("the receipt it would have carried");
    let stored = center
        .store()
        .receipt(&receipt_id)
        .expect("the document is stored");
    assert_eq!(
        center.store().read(&stored.current_path).unwrap(),
        SAMPLE_OMP01
    );
    assert!(error.contains("connection was closed"), "{error}");
    let entries = journal.entries();
    let about_request = |e: &&JournalEntry| match &e.event {
        JournalEvent::Stored { request_id: r, .. }
        | JournalEvent::Response { request_id: r, .. } => *r == request_id,
        _ => false,
    };
    let events: Vec<&str> = entries
        .iter()
        .filter(about_request)
        .map(|e| match e.event {
            JournalEvent::Stored { .. } => "stored",
            _ => "response",
        })
        .collect();
    assert_eq!(
        events,
        ["stored"],
        "stored, and no response entry claims it was sent"
    );
    center.shutdown().await;
}
