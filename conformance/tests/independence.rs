//! The grader must not share the graded uploader's code: `idlink-conformance` never depends on
//! `storeclient`, directly or through another crate, or a bug in both would hide itself.

use std::process::Command;

#[test]
fn the_runner_does_not_depend_on_the_client() {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "-p",
            "idlink-conformance",
            "-e",
            "normal,build",
            "--prefix",
            "none",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8_lossy(&output.stdout);
    assert!(tree.contains("idlink-mock"), "the tree was read: {tree}");
    assert!(
        !tree.lines().any(|l| l.starts_with("storeclient ")),
        "idlink-conformance depends on storeclient:\n{tree}"
    );
}
