//! Crash safety: a spool run killed with SIGKILL at random points, then resumed, delivers every
//! document exactly once on the server and in `sent/` (`PROTO-CLI-001`, `PROTO-IDEM-002`).

use std::collections::HashSet;

use idlink_mock::Fault;
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};

use crate::support::{WAIT, demo_center, files, kit, text, text_doc};

const DOCUMENTS: usize = 12;
const KILLS: usize = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spool_run_killed_at_random_points_delivers_every_document_exactly_once() {
    // Arrange: slow answers so kills land while uploads are in flight; many attempts so a
    // resumed run outlasts `upload-in-progress` answers for the killed run's requests.
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    let cfg = std::fs::read_to_string(&kit.config)
        .unwrap()
        .replace("max_attempts = 4", "max_attempts = 50");
    std::fs::write(&kit.config, cfg).unwrap();
    center.faults().inject(Fault::delay_ms(15, 10_000));
    let spool = dir.path().join("spool");
    let outbox = spool.join("outbox");
    std::fs::create_dir_all(&outbox).unwrap();
    for i in 0..DOCUMENTS {
        text_doc(
            &outbox,
            &format!("doc{i:02}.txt"),
            &format!("document number {i}\n"),
            "9999013",
        );
    }
    let mut rng = StdRng::seed_from_u64(0x1d_11_4c);
    let binary = assert_cmd::cargo::cargo_bin!("storeclient");
    let send = || {
        let mut cmd = tokio::process::Command::new(binary);
        cmd.arg("--config")
            .arg(&kit.config)
            .arg("send")
            .arg("--spool")
            .arg(&spool);
        cmd.stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        cmd
    };

    // Act: up to KILLS runs, each killed after a random number of journal events.
    for _ in 0..KILLS {
        let baseline = center.journal().entries().last().map_or(0, |e| e.seq);
        let kill_after = baseline + rng.random_range(2..25u64);
        let mut child = send().spawn().expect("storeclient starts");
        tokio::select! {
            status = child.wait() => {
                status.expect("wait");
                break; // finished everything before the kill point
            }
            found = center.journal().wait_for(|e| e.seq >= kill_after, WAIT) => {
                found.expect("the run makes progress");
                child.start_kill().expect("SIGKILL");
                child.wait().await.expect("reaped");
            }
        }
    }
    let out = send()
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .output()
        .await
        .unwrap();

    // Assert
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stored = center.store().documents();
    let digests: HashSet<_> = stored.iter().map(|d| d.receipt.sha256.clone()).collect();
    assert_eq!(stored.len(), DOCUMENTS, "each document stored exactly once");
    assert_eq!(digests.len(), DOCUMENTS);
    let sent = files(&spool.join("sent"));
    let docs: Vec<_> = sent.iter().filter(|f| f.ends_with(".txt")).collect();
    let receipts = sent.iter().filter(|f| f.ends_with(".receipt.json")).count();
    assert_eq!((docs.len(), receipts), (DOCUMENTS, DOCUMENTS), "{sent:?}");
    for d in &docs {
        let receipt: serde_json::Value = serde_json::from_slice(
            &std::fs::read(spool.join("sent").join(format!("{d}.receipt.json"))).unwrap(),
        )
        .unwrap();
        assert!(
            stored
                .iter()
                .any(|s| s.receipt.receipt_id == receipt["receipt_id"]),
            "{d}: receipt not on the server"
        );
    }
    for folder in ["outbox", "work", "state", "failed"] {
        assert!(
            files(&spool.join(folder)).is_empty(),
            "{folder} is not empty: {:?}",
            files(&spool.join(folder))
        );
    }
    center.shutdown().await;
}
