//! Interrupting `perfopt fix` at arbitrary moments never leaves a half-written file: every file
//! is either as it was or fully fixed. SIGTERM is handled between writes; SIGKILL cannot be, and
//! the atomic rename still keeps each file whole.

#![cfg(unix)]

use perfopt::api::fix_source;
use perfopt::codemods::ALL;
use perfopt::fix::Applicability;
use perfopt::settings::CodemodOptions;
use std::collections::BTreeSet;
use std::fs;
use std::process::{Command, Stdio};
use std::time::Duration;

const FILES: usize = 400;

fn source(i: usize) -> String {
    format!(
        "import time\nimport subprocess\n\n\nasync def handler_{i}(n):\n    time.sleep(n)\n    out = subprocess.run([\"echo\", \"{i}\"], capture_output=True)\n    return out.stdout\n"
    )
}

/// Runs `perfopt fix` on a fresh copy of the files; returns the folder and the child process.
fn start_fix() -> (tempfile::TempDir, std::process::Child) {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..FILES {
        fs::write(dir.path().join(format!("m{i}.py")), source(i)).unwrap();
    }
    let child = Command::new(env!("CARGO_BIN_EXE_perfopt"))
        .args(["fix", "--isolated", "."])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    (dir, child)
}

/// Interrupts runs at fractions of an uninterrupted run's duration, so that the signal lands
/// before, during and after the writes whatever the machine's speed.
fn interrupt_and_check(signal: &str) {
    let started = std::time::Instant::now();
    let (_dir, mut child) = start_fix();
    child.wait().unwrap();
    let full = started.elapsed();
    let delays: Vec<Duration> = [0.05, 0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98]
        .iter()
        .map(|f| full.mul_f64(*f))
        .collect();
    interrupt_at(signal, &delays);
}

fn interrupt_at(signal: &str, delays: &[Duration]) {
    let enabled: BTreeSet<&'static str> = ALL.iter().map(|c| c.meta().code).collect();
    let expected: Vec<String> = (0..FILES)
        .map(|i| {
            fix_source(
                &source(i),
                &enabled,
                &CodemodOptions::default(),
                Applicability::Safe,
            )
            .unwrap()
            .text
        })
        .collect();
    for &delay in delays {
        let (dir, mut child) = start_fix();
        std::thread::sleep(delay);
        Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        child.wait().unwrap();
        let mut fixed = 0;
        for (i, expected) in expected.iter().enumerate() {
            let text = fs::read_to_string(dir.path().join(format!("m{i}.py"))).unwrap();
            assert!(
                text == source(i) || text == *expected,
                "{signal} after {delay:?} left m{i}.py half-written:\n{text}"
            );
            fixed += usize::from(text == *expected);
        }
        if signal == "-TERM" {
            let leftovers: Vec<_> = fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|name| !name.ends_with(".py"))
                .collect();
            assert!(
                leftovers.is_empty(),
                "temporary files left behind: {leftovers:?}"
            );
        }
        eprintln!("{signal} after {delay:?}: {fixed} of {FILES} files fixed");
    }
}

#[test]
fn sigterm_stops_between_whole_files() {
    interrupt_and_check("-TERM");
}

#[test]
fn sigkill_leaves_every_file_old_or_new() {
    interrupt_and_check("-KILL");
}
