//! End-to-end tests of the binary: exit codes, output formats, fixes on disk, bad input.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

const BLOCKING: &str = "import time\n\n\nasync def handler():\n    time.sleep(1)\n    return 1\n";

fn perfopt(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_perfopt"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("perfopt runs")
}

/// Runs perfopt with `input` on its standard input (answers to `fix --interactive`).
fn perfopt_with_input(dir: &Path, args: &[&str], input: &[u8]) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_perfopt"))
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("perfopt runs");
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

#[test]
fn check_reports_findings_with_location_and_exit_1() {
    let dir = project(&[("app/svc.py", BLOCKING), ("app/clean.py", "x = 1\n")]);
    let out = perfopt(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("app/svc.py:5:5 PO102 [*] `time.sleep` blocks the event loop"),
        "{text}"
    );
    assert!(
        text.contains("Found 1 finding (1 fixable with `perfopt fix`)."),
        "{text}"
    );
    let clean = perfopt(dir.path(), &["check", "app/clean.py"]);
    assert_eq!(clean.status.code(), Some(0));
    assert!(stdout(&clean).contains("All checks passed!"));
}

#[test]
fn json_follows_ruffs_shape() {
    let dir = project(&[("svc.py", BLOCKING)]);
    let out = perfopt(dir.path(), &["check", "--format", "json"]);
    let items: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let item = &items[0];
    assert_eq!(item["code"], "PO102");
    assert_eq!(item["name"], "blocking-sleep-in-async");
    assert_eq!(item["location"], serde_json::json!({"row": 5, "column": 5}));
    assert_eq!(
        item["end_location"],
        serde_json::json!({"row": 5, "column": 18})
    );
    assert_eq!(item["fix"]["applicability"], "safe");
    assert!(item["filename"].as_str().unwrap().ends_with("svc.py"));
    let edits = item["fix"]["edits"].as_array().unwrap();
    assert!(edits.iter().any(|e| e["content"] == "await asyncio.sleep"));
}

#[test]
fn sarif_and_github_formats() {
    let dir = project(&[("svc.py", BLOCKING)]);
    let sarif: serde_json::Value =
        serde_json::from_slice(&perfopt(dir.path(), &["check", "--format", "sarif"]).stdout)
            .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "PO102");
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        5
    );
    let github = stdout(&perfopt(dir.path(), &["check", "--format", "github"]));
    assert!(
        github.starts_with("::warning title=perfopt (PO102),file=svc.py,line=5,col=5,"),
        "{github}"
    );
}

#[test]
fn dry_run_prints_a_diff_that_git_applies_and_writes_nothing() {
    let dir = project(&[("svc.py", BLOCKING)]);
    let out = perfopt(dir.path(), &["fix", "--dry-run"]);
    assert_eq!(out.status.code(), Some(1));
    let diff = stdout(&out);
    assert!(diff.starts_with("--- a/svc.py\n+++ b/svc.py\n"), "{diff}");
    assert!(diff.contains("+    await asyncio.sleep(1)"));
    assert_eq!(
        fs::read_to_string(dir.path().join("svc.py")).unwrap(),
        BLOCKING
    );
    fs::write(dir.path().join("fix.diff"), &diff).unwrap();
    let apply = Command::new("git")
        .args(["apply", "--check", "fix.diff"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        apply.status.success(),
        "{}",
        String::from_utf8_lossy(&apply.stderr)
    );
}

#[test]
fn fix_writes_in_place_keeping_crlf_and_is_idempotent() {
    let crlf = BLOCKING.replace('\n', "\r\n");
    let dir = project(&[("svc.py", &crlf)]);
    let out = perfopt(dir.path(), &["fix"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let fixed = fs::read_to_string(dir.path().join("svc.py")).unwrap();
    assert_eq!(fixed, "import asyncio\r\n\r\n\r\nasync def handler():\r\n    await asyncio.sleep(1)\r\n    return 1\r\n");
    let again = perfopt(dir.path(), &["fix", "--dry-run"]);
    assert_eq!(again.status.code(), Some(0));
    assert!(stdout(&again).is_empty());
}

#[test]
fn unsafe_fixes_need_the_flag() {
    let source = "import requests\n\n\nasync def fetch(url, params):\n    return requests.get(url, params=params).json()\n";
    let dir = project(&[("svc.py", source)]);
    let out = perfopt(dir.path(), &["fix", "--dry-run"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "an unsafe fix is not applied without --unsafe"
    );
    let out = perfopt(
        dir.path(),
        &["fix", "--dry-run", "--unsafe", "--select", "PO101"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("(await _http_request(\"GET\", url, params=params, follow_redirects=True, timeout=None)).json()"));
    // With PO306 too, the kept "wait forever" becomes the configured timeout.
    let out = perfopt(dir.path(), &["fix", "--dry-run", "--unsafe"]);
    let diff = stdout(&out);
    assert!(diff.contains("(await _http_request(\"GET\", url, params=params, timeout=10, follow_redirects=True)).json()")
        || diff.contains("(await _http_request(\"GET\", url, params=params, follow_redirects=True, timeout=10)).json()"), "{diff}");
}

#[test]
fn bad_files_are_reported_and_the_rest_still_processed() {
    let dir = project(&[
        ("good.py", BLOCKING),
        (
            "broken.py",
            "import time\n\nasync def f(:\n    time.sleep(1)\n",
        ),
    ]);
    fs::write(dir.path().join("latin1.py"), b"x = '\xe9'\n").unwrap();
    fs::write(dir.path().join("binary.py"), b"\x00\x01\x02").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        dir.path().join("missing.py"),
        dir.path().join("dangling.py"),
    )
    .unwrap();
    let out = perfopt(dir.path(), &["check", ".", "nowhere"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("latin1.py: not valid UTF-8"), "{err}");
    assert!(
        err.contains("binary.py: skipped: contains NUL bytes"),
        "{err}"
    );
    assert!(err.contains("broken.py: syntax error at 3:"), "{err}");
    assert!(err.contains("nowhere: no such file or directory"), "{err}");
    #[cfg(unix)]
    assert!(err.contains("dangling.py: broken symbolic link"), "{err}");
    assert!(
        stdout(&out).contains("good.py:5:5 PO102"),
        "the good file is still checked"
    );
}

#[test]
fn files_with_syntax_errors_are_never_fixed() {
    let source = "import time\n\nasync def ok():\n    time.sleep(1)\n\ndef broken(:\n    pass\n";
    let dir = project(&[("svc.py", source)]);
    let out = perfopt(dir.path(), &["fix"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        fs::read_to_string(dir.path().join("svc.py")).unwrap(),
        source
    );
    assert!(
        stdout(&out).contains("svc.py:4:5 PO102"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn huge_files_and_empty_directories_are_reported() {
    let dir = project(&[
        ("big.py", &"x = 1\n".repeat(100)),
        ("perfopt.toml", "max-file-size = 100\n"),
    ]);
    fs::create_dir(dir.path().join("empty")).unwrap();
    let out = perfopt(dir.path(), &["check", "big.py", "empty"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("big.py: skipped: 600 bytes is over the 100-byte limit"),
        "{err}"
    );
    assert!(err.contains("empty: no Python files found"), "{err}");
}

#[test]
fn gitignored_and_excluded_files_are_skipped() {
    let dir = project(&[
        ("vendor/lib.py", BLOCKING),
        ("build/gen.py", BLOCKING),
        ("app.py", BLOCKING),
        (".gitignore", "build/\n"),
        ("pyproject.toml", "[tool.perfopt]\nexclude = [\"vendor\"]\n"),
    ]);
    fs::create_dir(dir.path().join(".git")).unwrap();
    let text = stdout(&perfopt(dir.path(), &["check"]));
    assert!(text.contains("app.py:5:5"), "{text}");
    assert!(
        !text.contains("vendor") && !text.contains("build"),
        "{text}"
    );
}

#[test]
fn configuration_selects_ignores_and_rejects_unknown_codes() {
    let dir = project(&[
        ("svc.py", BLOCKING),
        ("pyproject.toml", "[tool.perfopt]\nignore = [\"PO102\"]\n"),
    ]);
    assert_eq!(perfopt(dir.path(), &["check"]).status.code(), Some(0));
    assert_eq!(
        perfopt(dir.path(), &["check", "--isolated", "--select", "PO1"])
            .status
            .code(),
        Some(1)
    );
    let unknown = perfopt(dir.path(), &["check", "--select", "PO999"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("unknown rule selector `PO999`"),
        "{}",
        stderr(&unknown)
    );
    fs::write(
        dir.path().join("pyproject.toml"),
        "[tool.perfopt]\nselct = [\"PO1\"]\n",
    )
    .unwrap();
    let typo = perfopt(dir.path(), &["check"]);
    assert_eq!(typo.status.code(), Some(2));
    assert!(
        stderr(&typo).contains("pyproject.toml: invalid perfopt configuration"),
        "{}",
        stderr(&typo)
    );
}

#[test]
fn per_file_ignores_and_suppression_comments() {
    let suppressed = "import time\n\n\nasync def a():\n    time.sleep(1)  # noqa: PO102\n\n\nasync def b():\n    time.sleep(1)  # perfopt: ignore[PO101]\n";
    let dir = project(&[
        ("svc.py", suppressed),
        ("tests/test_x.py", BLOCKING),
        (
            "perfopt.toml",
            "[per-file-ignores]\n\"tests/*\" = [\"PO1\"]\n",
        ),
    ]);
    let text = stdout(&perfopt(dir.path(), &["check"]));
    assert!(!text.contains("svc.py:5:"), "noqa suppresses: {text}");
    assert!(
        text.contains("svc.py:9:5 PO102"),
        "another code's suppression does not: {text}"
    );
    assert!(!text.contains("test_x.py"), "{text}");
}

#[test]
fn rules_and_explain() {
    let dir = tempfile::tempdir().unwrap();
    let rules = stdout(&perfopt(dir.path(), &["rules"]));
    for code in ["PO101", "PO102", "PO103", "PO104", "PO105"] {
        assert!(rules.contains(code), "{rules}");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&perfopt(dir.path(), &["rules", "--format", "json"]).stdout)
            .unwrap();
    assert_eq!(json[0]["code"], "PO101");
    let explain = perfopt(dir.path(), &["explain", "PO102"]);
    assert!(stdout(&explain).contains("## Fix safety"));
    assert_eq!(
        perfopt(dir.path(), &["explain", "PO999"]).status.code(),
        Some(2)
    );
}

#[test]
fn a_symlink_to_a_file_outside_the_project_is_not_written() {
    let outside = project(&[("svc.py", BLOCKING)]);
    let dir = project(&[("perfopt.toml", "")]);
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outside.path().join("svc.py"), dir.path().join("link.py"))
            .unwrap();
        let out = perfopt(dir.path(), &["fix", "link.py"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr(&out).contains("symbolic link to a file outside the project"),
            "{}",
            stderr(&out)
        );
        assert_eq!(
            fs::read_to_string(outside.path().join("svc.py")).unwrap(),
            BLOCKING
        );
    }
}

#[test]
fn a_file_changed_after_reading_is_not_overwritten() {
    let dir = project(&[("svc.py", BLOCKING)]);
    let path = dir.path().join("svc.py");
    let file = perfopt::workspace::read_source(&path, 1 << 20).unwrap();
    fs::write(&path, "# edited by the user meanwhile\n").unwrap();
    let err = perfopt::workspace::write_fixed(&file, "fixed\n", dir.path()).unwrap_err();
    assert!(
        err.to_string()
            .contains("changed on disk since perfopt read it"),
        "{err}"
    );
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        "# edited by the user meanwhile\n"
    );
}

#[test]
fn writes_keep_permissions() {
    let dir = project(&[("svc.py", BLOCKING)]);
    let path = dir.path().join("svc.py");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o750)).unwrap();
        assert_eq!(perfopt(dir.path(), &["fix"]).status.code(), Some(0));
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o750
        );
        assert!(fs::read_to_string(&path)
            .unwrap()
            .contains("await asyncio.sleep(1)"));
    }
}

#[test]
fn read_only_files_are_reported_not_written() {
    let dir = project(&[("svc.py", BLOCKING), ("other.py", BLOCKING)]);
    let path = dir.path().join("svc.py");
    let mut permissions = fs::metadata(&path).unwrap().permissions();
    permissions.set_readonly(true);
    fs::set_permissions(&path, permissions).unwrap();
    let out = perfopt(dir.path(), &["fix"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("svc.py: read-only file; not written"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), BLOCKING);
    let other = fs::read_to_string(dir.path().join("other.py")).unwrap();
    assert!(
        other.contains("await asyncio.sleep(1)"),
        "the other file is still fixed"
    );
}

#[test]
fn a_file_deleted_before_writing_is_reported() {
    let dir = project(&[("svc.py", BLOCKING)]);
    let path = dir.path().join("svc.py");
    let file = perfopt::workspace::read_source(&path, 1 << 20).unwrap();
    fs::remove_file(&path).unwrap();
    let err = perfopt::workspace::write_fixed(&file, "fixed\n", dir.path()).unwrap_err();
    assert!(
        err.to_string().contains("cannot re-read before writing"),
        "{err}"
    );
    assert!(!path.exists(), "nothing is recreated");
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_reported() {
    let dir = project(&[("ok.py", "x = 1\n")]);
    std::os::unix::fs::symlink(dir.path().join("b.py"), dir.path().join("a.py")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("a.py"), dir.path().join("b.py")).unwrap();
    let out = perfopt(dir.path(), &["check", ".", "a.py"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("a.py: symbolic link cannot be followed"),
        "{err}"
    );
    assert!(
        err.contains("b.py: symbolic link cannot be followed"),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn the_owner_of_a_fixed_file_is_kept() {
    use std::os::unix::fs::MetadataExt;
    let dir = project(&[("svc.py", BLOCKING)]);
    let path = dir.path().join("svc.py");
    // Only root can give a file away; elsewhere the owner is already the writer.
    if std::os::unix::fs::chown(&path, Some(4321), Some(4321)).is_err() {
        return;
    }
    assert_eq!(perfopt(dir.path(), &["fix"]).status.code(), Some(0));
    let metadata = fs::metadata(&path).unwrap();
    assert_eq!((metadata.uid(), metadata.gid()), (4321, 4321));
    assert!(fs::read_to_string(&path)
        .unwrap()
        .contains("await asyncio.sleep(1)"));
}

#[cfg(unix)]
#[test]
fn a_symlink_inside_the_project_is_written_through_and_stays_a_link() {
    let dir = project(&[("real/svc.py", BLOCKING), ("perfopt.toml", "")]);
    std::os::unix::fs::symlink(dir.path().join("real/svc.py"), dir.path().join("link.py")).unwrap();
    let out = perfopt(dir.path(), &["fix", "link.py"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let link = dir.path().join("link.py");
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    let target = fs::read_to_string(dir.path().join("real/svc.py")).unwrap();
    assert!(target.contains("await asyncio.sleep(1)"), "{target}");
}

#[test]
fn warm_runs_reuse_the_cache_and_cross_file_changes_invalidate_it() {
    let handler = "import time\n\nfrom app.routes import router\n\n\n@router.get(\"/slow\")\nasync def slow():\n    time.sleep(1)\n    return {}\n";
    let dir = project(&[
        (
            "app/routes.py",
            "from fastapi import APIRouter\n\nrouter = APIRouter()\n",
        ),
        ("app/handlers.py", handler),
        ("pyproject.toml", "[tool.perfopt]\nselect = [\"PO105\"]\n"),
    ]);
    let cold = stdout(&perfopt(dir.path(), &["check"]));
    assert!(cold.contains("app/handlers.py:7:11 PO105"), "{cold}");
    assert!(
        dir.path().join(".perfopt_cache/.gitignore").is_file(),
        "the cache keeps out of git"
    );
    let warm = stdout(&perfopt(dir.path(), &["check"]));
    assert_eq!(warm, cold, "a warm run reports the same");
    // `router` stops being an APIRouter: the handler is no route any more, though its own file
    // did not change.
    fs::write(dir.path().join("app/routes.py"), "router = object()\n").unwrap();
    let after = stdout(&perfopt(dir.path(), &["check"]));
    assert!(!after.contains("PO105"), "{after}");
    assert_eq!(perfopt(dir.path(), &["clean"]).status.code(), Some(0));
    assert!(!dir.path().join(".perfopt_cache").exists());
    let uncached = perfopt(dir.path(), &["check", "--no-cache"]);
    assert_eq!(uncached.status.code(), Some(0));
    assert!(
        !dir.path().join(".perfopt_cache").exists(),
        "--no-cache writes nothing"
    );
}

#[test]
fn a_warm_check_trusts_the_stamps_of_settled_files_and_reads_changed_ones() {
    let dir = project(&[("svc.py", BLOCKING), ("quiet.py", "x = 1\n")]);
    // Stamps are trusted only for files last changed a while before the cache read them.
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for name in ["svc.py", "quiet.py"] {
        let file = fs::File::options()
            .write(true)
            .open(dir.path().join(name))
            .unwrap();
        file.set_modified(an_hour_ago).unwrap();
    }
    let cold = stdout(&perfopt(dir.path(), &["check"]));
    assert!(cold.contains("svc.py:") && cold.contains("PO102"), "{cold}");
    // The file with a finding is read again to show it.
    let warm = stdout(&perfopt(dir.path(), &["check"]));
    assert_eq!(warm, cold);
    // A change stamps the file anew: it is read and checked again.
    fs::write(dir.path().join("quiet.py"), BLOCKING).unwrap();
    fs::write(dir.path().join("svc.py"), "x = 2\n").unwrap();
    let after = stdout(&perfopt(dir.path(), &["check"]));
    assert!(
        after.contains("quiet.py:") && !after.contains("svc.py:"),
        "{after}"
    );
}

#[test]
fn a_fix_run_after_a_cached_check_still_fixes() {
    let dir = project(&[("svc.py", BLOCKING)]);
    assert_eq!(perfopt(dir.path(), &["check"]).status.code(), Some(1));
    assert_eq!(perfopt(dir.path(), &["fix"]).status.code(), Some(0));
    assert!(fs::read_to_string(dir.path().join("svc.py"))
        .unwrap()
        .contains("await asyncio.sleep(1)"));
    assert_eq!(
        perfopt(dir.path(), &["check"]).status.code(),
        Some(0),
        "the rewritten file is checked anew"
    );
}

#[test]
fn a_saved_plan_applies_exactly_and_refuses_stale_files_and_escaping_paths() {
    let dir = project(&[("a.py", BLOCKING), ("b.py", BLOCKING)]);
    let out = perfopt(dir.path(), &["fix", "--dry-run", "--save", "plan.txt"]);
    assert_eq!(out.status.code(), Some(1));
    let plan = fs::read_to_string(dir.path().join("plan.txt")).unwrap();
    assert!(plan.starts_with("# perfopt migration plan"));
    assert!(
        plan.contains("=== file: a.py\n=== sha256: ")
            && plan.contains("=== codes: PO102\n--- a/a.py")
    );
    // Nothing was written by the dry run; b.py changes after the review.
    assert_eq!(
        fs::read_to_string(dir.path().join("a.py")).unwrap(),
        BLOCKING
    );
    fs::write(dir.path().join("b.py"), format!("{BLOCKING}# edited\n")).unwrap();
    let out = perfopt(dir.path(), &["apply", "plan.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("b.py: changed since the plan was made"),
        "{}",
        stderr(&out)
    );
    assert!(fs::read_to_string(dir.path().join("a.py"))
        .unwrap()
        .contains("await asyncio.sleep(1)"));
    assert!(
        fs::read_to_string(dir.path().join("b.py"))
            .unwrap()
            .ends_with("# edited\n"),
        "b.py untouched"
    );

    // A plan edited to point outside the directory is refused.
    let escaping = plan.replace("=== file: b.py", "=== file: ../b.py");
    fs::write(dir.path().join("evil.txt"), escaping).unwrap();
    let out = perfopt(dir.path(), &["apply", "evil.txt"]);
    assert!(
        stderr(&out).contains("../b.py: the path is absolute or climbs out"),
        "{}",
        stderr(&out)
    );
    // And one that is no plan at all is a clear error.
    fs::write(dir.path().join("junk.txt"), "hello\n").unwrap();
    let out = perfopt(dir.path(), &["apply", "junk.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("junk.txt: invalid plan"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_plan_whose_diff_was_damaged_is_refused_whole() {
    let dir = project(&[("a.py", BLOCKING)]);
    perfopt(dir.path(), &["fix", "--dry-run", "--save", "plan.txt"]);
    let plan = fs::read_to_string(dir.path().join("plan.txt")).unwrap();
    fs::write(
        dir.path().join("plan.txt"),
        plan.replace(" async def handler():", " async def other():"),
    )
    .unwrap();
    let out = perfopt(dir.path(), &["apply", "plan.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("a.py: the plan's diff does not apply"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("a.py")).unwrap(),
        BLOCKING
    );
}

#[test]
fn report_is_the_pull_request_analysis_in_three_formats() {
    let dir = project(&[("svc.py", BLOCKING)]);
    let markdown = stdout(&perfopt(dir.path(), &["report"]));
    for section in [
        "## Recommendations, in priority order",
        "## Identified issues",
        "## Implementation",
        "<details><summary>Full diff</summary>",
    ] {
        assert!(markdown.contains(section), "{markdown}");
    }
    assert!(markdown.contains("| PO102 | `svc.py:5` |"), "{markdown}");
    assert!(
        markdown.contains("| PO102 blocking-sleep-in-async | 1 | 2 | 2 |"),
        "{markdown}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&perfopt(dir.path(), &["report", "--format", "json"]).stdout)
            .unwrap();
    assert_eq!(json["findings"][0]["code"], "PO102");
    assert_eq!(json["changes"]["PO102"]["files"], 1);
    let html = stdout(&perfopt(dir.path(), &["report", "--format", "html"]));
    assert!(
        html.starts_with("<!doctype html>") && html.contains("<h2>Identified issues</h2>"),
        "{html}"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("svc.py")).unwrap(),
        BLOCKING,
        "report writes nothing"
    );
}

#[test]
fn interactive_review_applies_only_accepted_hunks_and_saves_them_as_a_plan() {
    // Two findings far apart: two hunks (the import insertion joins the first; `time` stays
    // used by `time.time()`, so either hunk works alone).
    let filler: String = (0..12).map(|i| format!("X{i} = {i}\n")).collect();
    let source = format!(
        "import time\n\nSTARTED = time.time()\n\n\nasync def first():\n    time.sleep(1)\n\n\n{filler}\n\nasync def second():\n    time.sleep(2)\n"
    );
    let dir = project(&[("svc.py", &source)]);
    let out = perfopt_with_input(
        dir.path(),
        &["fix", "--interactive", "--save", "reviewed.plan", "svc.py"],
        b"y\nn\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("Apply this hunk to svc.py [y,n,a,q]?"));
    let fixed = fs::read_to_string(dir.path().join("svc.py")).unwrap();
    assert!(fixed.contains("await asyncio.sleep(1)"), "{fixed}");
    assert!(
        fixed.contains("    time.sleep(2)"),
        "the rejected hunk is not applied: {fixed}"
    );
    // The saved plan reproduces the reviewed result on the original.
    fs::write(dir.path().join("svc.py"), &source).unwrap();
    assert_eq!(
        perfopt(dir.path(), &["apply", "reviewed.plan"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("svc.py")).unwrap(),
        fixed
    );
}

#[test]
fn interactive_review_refuses_a_selection_that_drops_a_needed_import() {
    let filler: String = (0..12).map(|i| format!("X{i} = {i}\n")).collect();
    let source = format!(
        "import time\n\n\nasync def first():\n    time.sleep(1)\n\n\n{filler}\n\nasync def second():\n    time.sleep(2)\n"
    );
    let dir = project(&[("svc.py", &source)]);
    let out = perfopt_with_input(dir.path(), &["fix", "--interactive", "svc.py"], b"y\nn\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("remove the import of `time` that a rejected hunk still uses"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("svc.py")).unwrap(),
        source
    );
}

#[test]
fn a_trimmed_plan_that_drops_a_needed_import_is_refused() {
    let filler: String = (0..12).map(|i| format!("X{i} = {i}\n")).collect();
    let source = format!(
        "import time\n\n\nasync def first():\n    time.sleep(1)\n\n\n{filler}\n\nasync def second():\n    time.sleep(2)\n"
    );
    let dir = project(&[("svc.py", &source)]);
    perfopt(dir.path(), &["fix", "--dry-run", "--save", "plan.txt"]);
    let plan = fs::read_to_string(dir.path().join("plan.txt")).unwrap();
    // The reviewer deletes the second hunk, keeping the one that swaps `import time` out.
    let second = plan.rfind("@@ -").unwrap();
    fs::write(dir.path().join("plan.txt"), &plan[..second]).unwrap();
    let out = perfopt(dir.path(), &["apply", "plan.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("remove the import of `time` that the file still uses"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("svc.py")).unwrap(),
        source
    );
}

#[cfg(unix)]
#[test]
fn a_plan_cannot_write_through_a_symlink_out_of_the_directory() {
    let outside = project(&[("target.py", BLOCKING)]);
    let dir = project(&[("a.py", BLOCKING)]);
    perfopt(dir.path(), &["fix", "--dry-run", "--save", "plan.txt"]);
    // After the review, a.py is replaced by a link to a file outside with the same content.
    fs::remove_file(dir.path().join("a.py")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("target.py"), dir.path().join("a.py")).unwrap();
    let out = perfopt(dir.path(), &["apply", "plan.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("a.py: a symbolic link leads outside the directory"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        fs::read_to_string(outside.path().join("target.py")).unwrap(),
        BLOCKING
    );
}

#[test]
fn cached_routes_of_a_router_get_the_cache_initialised_in_the_app_that_includes_it() {
    let router = "from fastapi import APIRouter, Depends\n\nfrom app.db import get_session\nfrom app.models import Product\n\nrouter = APIRouter(prefix=\"/products\")\n\n\n@router.get(\"/{sku}\")\nasync def get_product(sku: str, session=Depends(get_session)):\n    return await session.get(Product, sku)\n";
    let main = "from fastapi import FastAPI\n\nfrom app.routers import products\n\napp = FastAPI(title=\"shop\")\napp.include_router(products.router)\n";
    let config = "[tool.perfopt]\nselect = [\"PO301\"]\n";
    let dir = project(&[
        ("app/routers/products.py", router),
        ("app/main.py", main),
        ("pyproject.toml", config),
    ]);
    // Checked alone, the router's app is out of sight: no fix, so no `@cache` without `init`.
    let alone = perfopt(dir.path(), &["fix", "--unsafe", "app/routers/products.py"]);
    assert_eq!(alone.status.code(), Some(1), "{}", stderr(&alone));
    assert_eq!(
        fs::read_to_string(dir.path().join("app/routers/products.py")).unwrap(),
        router
    );
    let whole = perfopt(dir.path(), &["fix", "--unsafe"]);
    assert_eq!(whole.status.code(), Some(0), "{}", stderr(&whole));
    let fixed_router = fs::read_to_string(dir.path().join("app/routers/products.py")).unwrap();
    assert!(
        fixed_router.contains(
            "@router.get(\"/{sku}\")\n@cache(expire=60, key_builder=_request_cache_key)\nasync def get_product"
        ),
        "{fixed_router}"
    );
    let fixed_main = fs::read_to_string(dir.path().join("app/main.py")).unwrap();
    assert!(
        fixed_main.contains(
            "    FastAPICache.init(InMemoryBackend(), prefix=\"fastapi-cache\")\n    yield\n"
        ) && fixed_main.contains("app = FastAPI(title=\"shop\", lifespan=lifespan)"),
        "{fixed_main}"
    );
    let again = perfopt(dir.path(), &["fix", "--unsafe", "--dry-run"]);
    assert_eq!(
        again.status.code(),
        Some(0),
        "idempotent: {}",
        stdout(&again)
    );
}

#[test]
fn a_missing_index_is_fixed_in_the_models_file_for_queries_in_other_files() {
    let base = "from datetime import datetime\n\nfrom beanie import Document\n\n\nclass AuditedDocument(Document):\n    created_at: datetime\n";
    let models = "from app.base import AuditedDocument\n\n\nclass User(AuditedDocument):\n    email: str\n    name: str\n";
    let routes = "from fastapi import APIRouter\n\nfrom app.models import User\n\nrouter = APIRouter()\n\n\n@router.get(\"/users\")\nasync def by_email(email: str):\n    return await User.find(User.email == email).sort(-User.created_at).to_list()\n\n\n@router.get(\"/login\")\nasync def login(email: str):\n    return await User.find_one({\"email\": email})\n";
    let dir = project(&[
        ("app/base.py", base),
        ("app/models.py", models),
        ("app/routes.py", routes),
        ("pyproject.toml", "[tool.perfopt]\nselect = [\"PO202\"]\n"),
    ]);
    let check = stdout(&perfopt(dir.path(), &["check"]));
    assert!(
        check.contains("app/models.py:5:5 PO202 [unsafe fix] `User.email` has no index but queries filter on it: app.routes:10, app.routes:15"),
        "{check}"
    );
    assert!(
        check.contains("app/models.py:4:7 PO202 `User.created_at` has no index but queries sort on it: app.routes:10"),
        "{check}"
    );
    assert!(
        check.contains("`created_at` is declared in `app.base.AuditedDocument`"),
        "{check}"
    );
    assert!(!check.contains("app/routes.py"), "{check}");
    assert_eq!(
        perfopt(dir.path(), &["fix", "--unsafe"]).status.code(),
        Some(1),
        "the finding without a fix remains"
    );
    let fixed = fs::read_to_string(dir.path().join("app/models.py")).unwrap();
    assert_eq!(
        fixed,
        "from beanie import Indexed\n\nfrom app.base import AuditedDocument\n\n\nclass User(AuditedDocument):\n    email: Indexed(str)\n    name: str\n"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("app/routes.py")).unwrap(),
        routes
    );
    // Once the query that sorts is gone, the parent's field is no longer reported.
    fs::write(
        dir.path().join("app/routes.py"),
        routes.replace(".sort(-User.created_at)", ""),
    )
    .unwrap();
    let after = perfopt(dir.path(), &["check"]);
    assert_eq!(after.status.code(), Some(0), "{}", stdout(&after));
}

#[test]
fn a_projection_model_is_defined_in_the_models_file_for_queries_in_other_files() {
    let base =
        "from beanie import Document\n\n\nclass AuditedDocument(Document):\n    created_by: str\n";
    let models = "from app.base import AuditedDocument\n\n\nclass User(AuditedDocument):\n    name: str\n    email: str\n    bio: str = \"\"\n";
    let routes = "from fastapi import APIRouter\n\nfrom app.models import User\n\nrouter = APIRouter()\n\n\n@router.get(\"/users/emails\")\nasync def emails():\n    return [f\"{u.name} <{u.email}>\" for u in await User.find_all().to_list()]\n\n\n@router.get(\"/users/creators\")\nasync def creators():\n    return sorted({u.created_by for u in await User.find_all().to_list()})\n";
    let dir = project(&[
        ("app/base.py", base),
        ("app/models.py", models),
        ("app/routes.py", routes),
        ("pyproject.toml", "[tool.perfopt]\nselect = [\"PO203\"]\n"),
    ]);
    let check = stdout(&perfopt(dir.path(), &["check"]));
    assert!(
        check.contains("app/models.py:4:7 PO203 [unsafe fix] Queries read only some fields of `User` documents (app.routes:10): they project onto `UserNameEmail`"),
        "{check}"
    );
    assert!(
        check.contains("`created_by` is declared in `app.base.AuditedDocument`, in another module"),
        "{check}"
    );
    assert_eq!(
        perfopt(dir.path(), &["fix", "--unsafe"]).status.code(),
        Some(1),
        "the finding without a fix remains"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("app/models.py")).unwrap(),
        format!("from pydantic import BaseModel\n\n{models}\n\nclass UserNameEmail(BaseModel):\n    name: str\n    email: str\n")
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("app/routes.py")).unwrap(),
        routes
            .replace("import User\n", "import User, UserNameEmail\n")
            .replace(
                "User.find_all().to_list()]",
                "User.find_all().project(UserNameEmail).to_list()]"
            )
    );
    let fixed: Vec<String> = ["app/base.py", "app/models.py", "app/routes.py"]
        .iter()
        .map(|f| fs::read_to_string(dir.path().join(f)).unwrap())
        .collect();
    assert_eq!(fixed[0], base);
    let after = stdout(&perfopt(dir.path(), &["check"]));
    assert_eq!(
        after.matches(" PO203 ").count(),
        1,
        "only the note remains: {after}"
    );
    perfopt(dir.path(), &["fix", "--unsafe"]);
    for (file, before) in ["app/base.py", "app/models.py", "app/routes.py"]
        .iter()
        .zip(&fixed)
    {
        assert_eq!(
            &fs::read_to_string(dir.path().join(file)).unwrap(),
            before,
            "{file}"
        );
    }
}

/// The query's fix imports the projection model the finding on the document defines: when
/// `per-file-ignores` turns PO203 off in the model's file, no fix may import it.
#[test]
fn no_projection_is_imported_when_the_models_file_ignores_po203() {
    let models =
        "from beanie import Document\n\n\nclass User(Document):\n    name: str\n    email: str\n";
    let routes = "from fastapi import APIRouter\n\nfrom app.models import User\n\nrouter = APIRouter()\n\n\n@router.get(\"/users/names\")\nasync def names():\n    return [u.name for u in await User.find_all().to_list()]\n";
    let dir = project(&[
        ("app/models.py", models),
        ("app/routes.py", routes),
        (
            "pyproject.toml",
            "[tool.perfopt]\nselect = [\"PO203\"]\n\n[tool.perfopt.per-file-ignores]\n\"app/models.py\" = [\"PO203\"]\n",
        ),
    ]);
    let check = stdout(&perfopt(dir.path(), &["check"]));
    assert!(
        check.contains("`UserName` is not defined: PO203 is suppressed on `User`"),
        "{check}"
    );
    perfopt(dir.path(), &["fix", "--unsafe"]);
    for (file, before) in [("app/models.py", models), ("app/routes.py", routes)] {
        assert_eq!(
            fs::read_to_string(dir.path().join(file)).unwrap(),
            before,
            "{file}"
        );
    }
}

/// A route that imports the document inside the function (an import cycle broken by hand)
/// imports the projection model there too, not at the top of the module.
#[test]
fn a_projection_model_joins_the_function_import_of_its_document() {
    let models =
        "from beanie import Document\n\n\nclass User(Document):\n    name: str\n    email: str\n";
    let routes = "async def names():\n    from app.models import User\n\n    return [u.name for u in await User.find_all().to_list()]\n";
    let dir = project(&[
        ("app/models.py", models),
        ("app/routes.py", routes),
        ("pyproject.toml", "[tool.perfopt]\nselect = [\"PO203\"]\n"),
    ]);
    perfopt(dir.path(), &["fix", "--unsafe"]);
    assert_eq!(
        fs::read_to_string(dir.path().join("app/routes.py")).unwrap(),
        "async def names():\n    from app.models import User, UserName\n\n    return [u.name for u in await User.find_all().project(UserName).to_list()]\n"
    );
}

/// Models imported under another name (an alias, a module alias) are still seen when perfopt
/// parses only the definitions that name a model: the findings are those of a whole parse.
#[test]
fn model_mentions_follow_aliases_in_partial_parsing() {
    let models = "from beanie import Document, PydanticObjectId\n\n\nclass Customer(Document):\n    name: str\n\n\nclass Order(Document):\n    customer_id: PydanticObjectId\n";
    let mut routes = String::from(
        "from fastapi import APIRouter\n\nfrom app import models as m\nfrom app.models import Customer as Buyer\n\nrouter = APIRouter()\n\n\n@router.get(\"/a\")\nasync def names_by_alias():\n    orders = await m.Order.find_all().to_list()\n    return [(await Buyer.get(o.customer_id)).name for o in orders]\n\n\n@router.get(\"/b\")\nasync def names_by_module():\n    orders = await m.Order.find_all().to_list()\n    out = []\n    for o in orders:\n        out.append(await m.Customer.get(o.customer_id))\n    return out\n",
    );
    for n in 0..60 {
        routes.push_str(&format!(
            "\n\ndef unrelated_{n}(value):\n    return value * {n}\n"
        ));
    }
    let dir = project(&[
        ("app/__init__.py", ""),
        ("app/models.py", models),
        ("app/routes.py", &routes),
    ]);
    let partial = perfopt(
        dir.path(),
        &[
            "check",
            "--no-cache",
            "--select",
            "PO201",
            "--format",
            "json",
            ".",
        ],
    );
    let whole = Command::new(env!("CARGO_BIN_EXE_perfopt"))
        .args([
            "check",
            "--no-cache",
            "--select",
            "PO201",
            "--format",
            "json",
            ".",
        ])
        .current_dir(dir.path())
        .env("PERFOPT_PARSE_ALL", "1")
        .output()
        .unwrap();
    assert_eq!(
        stdout(&partial).matches("\"PO201\"").count(),
        2,
        "{}",
        stdout(&partial)
    );
    assert_eq!(stdout(&partial), stdout(&whole));
}
