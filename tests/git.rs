//! `perfopt fix --branch` on temporary git repositories: branch, commit, refusals, rollback.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

const BLOCKING: &str = "import time\n\n\nasync def handler():\n    time.sleep(1)\n    return 1\n";
const TWO_CODES: &str = "import time\nfrom pathlib import Path\n\n\nasync def handler(p):\n    time.sleep(1)\n    return Path(p).read_text()\n";

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn perfopt(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_perfopt"))
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// A repository with one commit of `files` on `main`; `user` configures the committer.
fn repo(files: &[(&str, &str)], user: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    for (name, text) in files {
        fs::write(dir.path().join(name), text).unwrap();
    }
    git(dir.path(), &["add", "."]);
    git(
        dir.path(),
        &[
            "-c",
            "user.name=Dev",
            "-c",
            "user.email=dev@example.com",
            "commit",
            "-qm",
            "start",
        ],
    );
    if user {
        git(dir.path(), &["config", "user.name", "Perf Bot"]);
        git(dir.path(), &["config", "user.email", "perf@example.com"]);
    }
    dir
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn fixes_are_committed_on_a_new_checked_out_branch() {
    let dir = repo(&[("svc.py", BLOCKING)], true);
    let out = perfopt(dir.path(), &["fix", "--branch", "perf/async"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        git(dir.path(), &["rev-parse", "--abbrev-ref", "HEAD"]),
        "perf/async"
    );
    assert_eq!(
        git(dir.path(), &["log", "-1", "--format=%s"]),
        "perfopt: fix 1 finding (PO102 ×1)"
    );
    assert_eq!(
        git(dir.path(), &["log", "-1", "--format=%an <%ae>"]),
        "Perf Bot <perf@example.com>"
    );
    assert!(git(dir.path(), &["show", "HEAD:svc.py"]).contains("await asyncio.sleep(1)"));
    assert_eq!(
        git(dir.path(), &["show", "main:svc.py"]),
        BLOCKING.trim_end(),
        "main is untouched"
    );
    assert_eq!(
        git(dir.path(), &["status", "--porcelain"]),
        "",
        "everything is committed"
    );
    let again = perfopt(dir.path(), &["fix", "--branch", "perf/async"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(
        stderr(&again).contains("branch `perf/async` already exists"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn one_commit_per_codemod() {
    let dir = repo(&[("svc.py", TWO_CODES)], true);
    let out = perfopt(
        dir.path(),
        &["fix", "--branch", "perf/split", "--commit-per-codemod"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let log = git(dir.path(), &["log", "--format=%s", "main..HEAD"]);
    assert_eq!(
        log,
        "perfopt: fix 1 finding (PO103 ×1)\nperfopt: fix 1 finding (PO102 ×1)"
    );
}

#[test]
fn uncommitted_changes_in_a_file_to_fix_are_refused_and_nothing_changes() {
    let dir = repo(&[("svc.py", BLOCKING)], true);
    let edited = format!("{BLOCKING}# work in progress\n");
    fs::write(dir.path().join("svc.py"), &edited).unwrap();
    let out = perfopt(dir.path(), &["fix", "--branch", "perf/async"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("uncommitted changes in files perfopt would fix: svc.py"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        git(dir.path(), &["rev-parse", "--abbrev-ref", "HEAD"]),
        "main"
    );
    assert_eq!(git(dir.path(), &["branch", "--list", "perf/async"]), "");
    assert_eq!(
        fs::read_to_string(dir.path().join("svc.py")).unwrap(),
        edited
    );
}

#[test]
fn a_failure_midway_rolls_everything_back() {
    // No committer identity: the commit fails after the files were written.
    let dir = repo(&[("svc.py", BLOCKING)], false);
    let out = perfopt(dir.path(), &["fix", "--branch", "perf/async"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("no user.name/user.email configured") && err.contains("nothing was changed"),
        "{err}"
    );
    assert_eq!(
        git(dir.path(), &["rev-parse", "--abbrev-ref", "HEAD"]),
        "main"
    );
    assert_eq!(git(dir.path(), &["branch", "--list", "perf/async"]), "");
    assert_eq!(
        fs::read_to_string(dir.path().join("svc.py")).unwrap(),
        BLOCKING
    );
    assert_eq!(git(dir.path(), &["status", "--porcelain"]), "");
}
