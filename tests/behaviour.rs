//! The behaviour test: a program calling a local HTTP server with `requests` in many shapes is
//! run before and after `perfopt fix`; the results must be identical and the calls concurrent.
//! It needs a Python with httpx and requests (`scripts/test.sh` makes one and sets
//! PERFOPT_TEST_PYTHON); under CI it must run, elsewhere it is skipped with a message.

use std::path::Path;
use std::process::Command;

#[test]
fn rewritten_program_behaves_the_same_and_runs_concurrently() {
    let Some(python) = std::env::var_os("PERFOPT_TEST_PYTHON") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the behaviour test: set PERFOPT_TEST_PYTHON (scripts/test.sh does)"
        );
        eprintln!(
            "skipped: set PERFOPT_TEST_PYTHON to a Python with tests/behaviour/requirements.txt"
        );
        return;
    };
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/behaviour/run_behaviour.py");
    let output = Command::new(python)
        .arg(driver)
        .args(["--perfopt", env!("CARGO_BIN_EXE_perfopt")])
        .output()
        .expect("the test Python runs");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{report}");
    assert!(
        report.contains("results unchanged") && report.contains("max_in_flight > 1 after"),
        "{report}"
    );
}
