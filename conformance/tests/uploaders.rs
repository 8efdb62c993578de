//! The suite fails deliberately broken uploaders for the right reasons.
//!
//! `uploaders/vendor_uploader.py` is an uploader written from `docs/protocol.md` and
//! `docs/conformance.md` alone (Python standard library only); `--defect NAME` breaks exactly one
//! behaviour. Each row says which scenario must fail and which expectation must say why; the
//! correct uploader must pass the same scenarios. The runner is driven as a vendor drives it:
//! the `idlink-conformance` binary with `--client-cmd`, verdicts read from the JSON report.

use std::path::{Path, PathBuf};
use std::process::Command;

use idlink_conformance::report::{Report, Verdict};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `python3`, or `None` with a note; under `CI=true` it must be there.
fn python() -> Option<&'static str> {
    let found = Command::new("python3").arg("--version").output().is_ok();
    if !found {
        let ci = std::env::var("CI").is_ok_and(|v| v != "false" && v != "0");
        assert!(!ci, "CI=true but python3 is missing");
        eprintln!("note: python3 not installed; skipping the vendor-uploader tests");
        return None;
    }
    Some("python3")
}

fn run_suite(python: &str, defect: Option<&str>, filter: &str, out: &Path) -> (i32, Report) {
    let uploader = repo().join("conformance/tests/uploaders/vendor_uploader.py");
    let client = format!(
        "{python} '{}'{}",
        uploader.display(),
        defect.map(|d| format!(" --defect {d}")).unwrap_or_default()
    );
    let json = out.join(format!("{}.json", defect.unwrap_or("good")));
    let status = Command::new(env!("CARGO_BIN_EXE_idlink-conformance"))
        .args(["run", "--quiet", "--jobs", "4", "--time-scale", "0.05"])
        .arg("--suite")
        .arg(repo().join("scenarios"))
        .args(["--client-cmd", &client, "--filter", filter])
        .arg("--json")
        .arg(&json)
        .output()
        .expect("idlink-conformance runs");
    let text = std::fs::read_to_string(&json).unwrap_or_else(|e| {
        panic!(
            "no report ({e}); stdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&status.stdout),
            String::from_utf8_lossy(&status.stderr)
        )
    });
    let report = idlink_conformance::report::json::from_json(&text).expect("a valid report");
    (status.status.code().unwrap_or(-1), report)
}

/// (defect, scenario that must fail, expectation check that must say why)
const CASES: &[(&str, &str, &str)] = &[
    ("no-retry", "RETRY-503-RETRY-AFTER", "stored"),
    ("fresh-key", "IDEM-STORE-THEN-RESET", "same Idempotency-Key"),
    ("ignore-retry-after", "RETRY-503-RETRY-AFTER", "Retry-After"),
    ("reencode", "HAPPY-HL7-OMP01-ISO2022JP", "byte-identical"),
    (
        "insecure",
        "TLS-SERVER-CERT-EXPIRED",
        "refuses a server certificate",
    ),
    (
        "ignore-cert-dates",
        "TLS-CLOCK-CENTER-AHEAD",
        "refuses a server certificate",
    ),
    ("leak-secrets", "HAPPY-PDF", "no password or private key"),
    ("exit-zero", "ACCT-CONSENT-MISSING", "exit status"),
    (
        "retry-forever-on-4xx",
        "VAL-HL7-PATIENT-MISMATCH",
        "upload attempts",
    ),
    ("no-client-cert", "HAPPY-PDF", ""),
];

#[test]
fn each_broken_uploader_fails_the_scenario_that_catches_its_defect_and_the_correct_one_passes() {
    let Some(python) = python() else { return };
    let out = tempfile::tempdir().unwrap();
    let filter: Vec<&str> = CASES.iter().map(|(_, s, _)| *s).collect();
    let filter = filter.join(",");

    let (code, good) = run_suite(python, None, &filter, out.path());
    let not_passed: Vec<String> = good
        .scenarios
        .iter()
        .filter(|s| s.verdict != Verdict::Pass)
        .map(|s| {
            format!(
                "{} {:?}: {:?}",
                s.id,
                s.verdict,
                s.failing_expectations()
                    .map(|e| &e.message)
                    .collect::<Vec<_>>()
            )
        })
        .collect();
    assert!(
        not_passed.is_empty(),
        "the correct uploader: {not_passed:#?}"
    );
    assert_eq!(code, 0);

    for (defect, scenario, why) in CASES {
        let (code, report) = run_suite(python, Some(defect), scenario, out.path());
        let result = report
            .scenarios
            .iter()
            .find(|s| s.id == *scenario)
            .unwrap_or_else(|| panic!("{defect}: {scenario} ran"));
        assert_eq!(result.verdict, Verdict::Fail, "{defect} fails {scenario}");
        assert_eq!(code, 1, "{defect}: exit 1 (the uploader failed)");
        let failing: Vec<String> = result
            .failing_expectations()
            .map(|e| format!("{} | {} | {}", e.description, e.message, e.actual))
            .collect();
        assert!(
            failing.iter().any(|f| f.contains(why)),
            "{defect}: the report says why ({why:?}); it says {failing:#?}"
        );
    }
}
