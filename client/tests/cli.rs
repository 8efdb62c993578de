//! The binary: every exit-code class, the spool, and secrets never printed.

use idlink_mock::Fault;
use idlink_protocol::ProblemCode;

use crate::support::{
    self, CERT_PASSWORD, demo_center, files, kit, run, sample, storeclient, text, text_doc,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_code_0_when_every_document_is_delivered() {
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    let doc = sample(dir.path());
    let mut cmd = storeclient(&kit.config);
    cmd.arg("upload").arg(&doc);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 document: 1 delivered (exit 0)"));
    center.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_code_2_for_a_misspelt_configuration_key_with_its_line() {
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "\n[spool]\npoll_secnds = 1\n");
    let doc = sample(dir.path());
    let mut cmd = storeclient(&kit.config);
    cmd.arg("upload").arg(&doc);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("storeclient.toml:") && err.contains("poll_secnds"),
        "{err}"
    );
    assert!(center.store().documents().is_empty());
    center.shutdown().await;
}

// PROTO-CLI-005
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_code_3_when_a_document_fails_local_validation_and_nothing_is_sent() {
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    let doc = dir.path().join("note.txt");
    std::fs::write(&doc, "no patient given\n").unwrap();
    let mut cmd = storeclient(&kit.config);
    cmd.arg("upload").arg(&doc);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("--patient"),
        "{}",
        text(&out)
    );
    assert!(
        center
            .journal()
            .entries()
            .iter()
            .all(|e| !matches!(&e.event, idlink_mock::JournalEvent::Request { .. }))
    );
    center.shutdown().await;
}

// PROTO-AUTH-003
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_code_4_for_a_locked_account_and_later_documents_are_not_attempted() {
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "locked-0112345678", "");
    support::serial(&kit);
    let a = sample(dir.path());
    let b = text_doc(dir.path(), "b.txt", "second\n", "9999013");
    let mut cmd = storeclient(&kit.config);
    cmd.arg("upload").arg(&a).arg(&b);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("[account-locked]") && stdout.contains("not-attempted"),
        "{stdout}"
    );
    center.shutdown().await;
}

// PROTO-UP-008
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_code_5_when_the_server_rejects_a_document_without_consent() {
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    let doc = text_doc(
        dir.path(),
        "note.txt",
        "no consent for this one\n",
        "9999099",
    );
    let mut cmd = storeclient(&kit.config);
    cmd.arg("upload").arg(&doc);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("[consent-missing]"));
    center.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_code_6_when_retries_run_out_and_the_spool_keeps_the_file() {
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    center
        .faults()
        .inject(Fault::problem(ProblemCode::InternalError, None, 100));
    let spool = dir.path().join("spool");
    std::fs::create_dir_all(spool.join("outbox")).unwrap();
    std::fs::write(
        spool.join("outbox").join(support::SAMPLE_NAME),
        support::SAMPLE,
    )
    .unwrap();
    let mut cmd = storeclient(&kit.config);
    cmd.arg("send").arg("--spool").arg(&spool);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(6), "{}", text(&out));
    assert_eq!(files(&spool.join("work")), [support::SAMPLE_NAME]);
    assert_eq!(
        files(&spool.join("state")).len(),
        1,
        "the key stays for the next run"
    );
    // The next run, with the server healthy again, delivers it with the same key.
    center.faults().clear();
    let mut cmd = storeclient(&kit.config);
    cmd.arg("send").arg("--spool").arg(&spool);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(files(&spool.join("work")).is_empty() && files(&spool.join("state")).is_empty());
    center.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_outcomes_report_the_most_urgent_exit_code() {
    // rejected (5) beats local validation (3): documented precedence 4 > 5 > 6 > 3 > 0.
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    let invalid = dir.path().join("invalid.txt");
    std::fs::write(&invalid, "no sidecar\n").unwrap();
    let rejected = text_doc(dir.path(), "rejected.txt", "no consent\n", "9999099");
    let good = sample(dir.path());
    let mut cmd = storeclient(&kit.config);
    cmd.arg("--json")
        .arg("upload")
        .arg(&invalid)
        .arg(&rejected)
        .arg(&good);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let results: Vec<&str> = report["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["result"].as_str().unwrap())
        .collect();
    assert_eq!(results, ["invalid", "rejected", "delivered"]);
    center.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_moves_documents_to_sent_with_receipts_and_to_failed_with_the_problem() {
    // Arrange
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    let spool = dir.path().join("spool");
    let outbox = spool.join("outbox");
    std::fs::create_dir_all(&outbox).unwrap();
    std::fs::write(outbox.join(support::SAMPLE_NAME), support::SAMPLE).unwrap();
    text_doc(&outbox, "refused.txt", "no consent\n", "9999099");
    // Act
    let mut cmd = storeclient(&kit.config);
    cmd.arg("send").arg("--spool").arg(&spool);
    let out = run(cmd).await;
    // Assert
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let sent = files(&spool.join("sent"));
    assert_eq!(
        sent,
        [
            support::SAMPLE_NAME.to_owned(),
            format!("{}.receipt.json", support::SAMPLE_NAME)
        ]
    );
    let failed = files(&spool.join("failed"));
    assert_eq!(
        failed,
        [
            "refused.txt",
            "refused.txt.meta.toml",
            "refused.txt.problem.json",
            "refused.txt.reason.txt"
        ]
    );
    let problem: serde_json::Value = serde_json::from_slice(
        &std::fs::read(spool.join("failed/refused.txt.problem.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(problem["code"], "consent-missing");
    assert!(files(&outbox).is_empty() && files(&spool.join("work")).is_empty());
    center.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_picks_up_documents_and_exits_when_idle() {
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    let spool = dir.path().join("spool");
    std::fs::create_dir_all(spool.join("outbox")).unwrap();
    for i in 0..3 {
        text_doc(
            &spool.join("outbox"),
            &format!("n{i}.txt"),
            &format!("note {i}\n"),
            "9999013",
        );
    }
    let mut cmd = storeclient(&kit.config);
    cmd.args([
        "watch",
        "--exit-when-idle",
        "--poll-seconds",
        "1",
        "--max-runtime",
        "60",
        "--spool",
    ])
    .arg(&spool);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(center.store().documents().len(), 3);
    assert_eq!(
        files(&spool.join("sent"))
            .iter()
            .filter(|f| f.ends_with(".receipt.json"))
            .count(),
        3
    );
    center.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_password_never_appears_in_stdout_stderr_trace_or_logs() {
    // Arrange: verbose logs, a log folder, a trace, a retry, and a rejection.
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "\n[log]\ndir = \"logs\"\n");
    center.faults().inject(Fault::reset_before_body(1));
    let good = sample(dir.path());
    let bad = text_doc(dir.path(), "bad.txt", "x\n", "9999099");
    let trace = dir.path().join("trace.jsonl");
    // Act
    let mut cmd = storeclient(&kit.config);
    cmd.arg("-vv")
        .arg("--trace")
        .arg(&trace)
        .arg("upload")
        .arg(&good)
        .arg(&bad);
    let out = run(cmd).await;
    // Assert
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let mut everything = text(&out);
    let trace_text = std::fs::read_to_string(&trace).unwrap();
    assert!(trace_text.lines().count() >= 3, "every attempt is traced");
    assert!(trace_text.contains("\"[redacted]\""));
    everything.push_str(&trace_text);
    let logs = kit.dir.join("logs");
    for f in files(&logs) {
        everything.push_str(&std::fs::read_to_string(logs.join(&f)).unwrap());
    }
    assert!(files(&logs).iter().any(|f| f == "access.log"));
    let access = std::fs::read_to_string(logs.join("access.log")).unwrap();
    assert!(
        access.contains("facility=0112345678\taccount=fac-0112345678\tpatient=9999013"),
        "{access}"
    );
    let basic = base64_of(&format!("fac-0112345678:{CERT_PASSWORD}"));
    assert!(!everything.contains(CERT_PASSWORD), "the password leaked");
    assert!(!everything.contains(&basic), "the Basic credentials leaked");
    assert!(!everything.contains("PRIVATE KEY"), "a key leaked");
    center.shutdown().await;
}

fn base64_of(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// `upload.nsips_profile` reaches pre-flight, and the center stores the file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_nsips_file_uploads_with_the_configured_profile() {
    // Arrange
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    std::fs::copy(
        support::nsips_profile_path(),
        kit.dir.join("nsips-profile.toml"),
    )
    .unwrap();
    support::upload_setting(&kit, "nsips_profile = \"nsips-profile.toml\"");
    let doc = dir.path().join("dispensing.csv");
    std::fs::copy(support::nsips_fixture("valid.csv"), &doc).unwrap();
    let mut cmd = storeclient(&kit.config);
    cmd.args(["upload", "--patient", "9999013", "--care-date", "20240401"])
        .arg(&doc);
    // Act
    let out = run(cmd).await;
    // Assert
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("1 document: 1 delivered (exit 0)"),
        "{}",
        text(&out)
    );
    assert!(
        !stdout.contains("NSIPS-PROFILE-MISSING"),
        "the configured profile was not used:\n{}",
        text(&out)
    );
    center.shutdown().await;
}

/// Without a profile an NSIPS file gets the envelope checks and a warning, and still goes out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_nsips_file_without_a_profile_uploads_with_a_warning() {
    // Arrange
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    let doc = dir.path().join("dispensing.csv");
    std::fs::copy(support::nsips_fixture("valid.csv"), &doc).unwrap();
    let mut check = storeclient(&kit.config);
    check.arg("check").arg(&doc);
    let mut upload = storeclient(&kit.config);
    upload.args(["upload", "--patient", "9999013"]).arg(&doc);
    // Act
    let checked = run(check).await;
    let uploaded = run(upload).await;
    // Assert
    assert_eq!(checked.status.code(), Some(0), "{}", text(&checked));
    assert!(
        String::from_utf8_lossy(&checked.stdout).contains("warning NSIPS-PROFILE-MISSING"),
        "{}",
        text(&checked)
    );
    assert_eq!(uploaded.status.code(), Some(0), "{}", text(&uploaded));
    center.shutdown().await;
}

/// A profile that cannot be loaded stops the run before any document is touched (exit 2).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_code_2_when_the_configured_nsips_profile_is_missing() {
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    support::upload_setting(&kit, "nsips_profile = \"no-such-profile.toml\"");
    let doc = dir.path().join("dispensing.csv");
    std::fs::copy(support::nsips_fixture("valid.csv"), &doc).unwrap();
    let mut cmd = storeclient(&kit.config);
    cmd.args(["upload", "--patient", "9999013"]).arg(&doc);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`upload.nsips_profile`") && stderr.contains("no-such-profile.toml"),
        "{}",
        text(&out)
    );
    assert!(
        center.journal().entries().is_empty()
            || center
                .journal()
                .entries()
                .iter()
                .all(|e| !matches!(&e.event, idlink_mock::JournalEvent::Request { .. }))
    );
    center.shutdown().await;
}

/// `PROTO-UP-015`: a facility's Japanese file name travels RFC 8187-encoded and the center
/// stores the document under it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pdf_named_in_japanese_is_stored_under_its_own_name() {
    // Arrange
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    let doc = dir.path().join("紹介状.pdf");
    std::fs::write(
        &doc,
        include_bytes!("../../formats/tests/data/pdf/valid.pdf"),
    )
    .unwrap();
    let mut cmd = storeclient(&kit.config);
    cmd.args(["upload", "--patient", "9999013"]).arg(&doc);

    // Act
    let out = run(cmd).await;

    // Assert
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stored: Vec<String> = center
        .store()
        .documents()
        .into_iter()
        .map(|d| d.receipt.stored_path)
        .collect();
    assert_eq!(stored.len(), 1);
    assert!(stored[0].ends_with("/紹介状.pdf"), "{stored:?}");
    center.shutdown().await;
}

/// `PROTO-UP-014`: a care date given by hand that contradicts the SS-MIX2 file name is refused
/// before anything is sent, naming both dates.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_care_date_flag_that_contradicts_the_ss_mix2_file_name_is_refused_locally() {
    // Arrange
    let center = demo_center().await;
    let (dir, kit) = kit(&center, "fac-0112345678", "");
    let doc = sample(dir.path());
    let mut cmd = storeclient(&kit.config);
    cmd.args(["upload", "--care-date", "20261124"]).arg(&doc);

    // Act
    let out = run(cmd).await;

    // Assert
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(
        text(&out).contains(
            "the care date given (20261124) differs from the document's (20110701, from the SS-MIX2 file name)"
        ),
        "{}",
        text(&out)
    );
    assert!(center.store().documents().is_empty());
    center.shutdown().await;
}
