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

/// One request the fake forge received.
#[derive(Debug, Clone)]
struct Received {
    method: String,
    path: String,
    authorization: String,
    body: String,
}

/// A fake forge API on 127.0.0.1: answers the scripted `(status, json)` replies in order, one
/// request per connection, and records what it received.
fn fake_forge(
    replies: Vec<(u16, &'static str)>,
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<Received>>>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = received.clone();
    std::thread::spawn(move || {
        for (status, reply) in replies {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut parts = request_line.split_whitespace();
            let (method, path) = (
                parts.next().unwrap_or("").to_string(),
                parts.next().unwrap_or("").to_string(),
            );
            let (mut length, mut authorization) = (0, String::new());
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).unwrap();
                if header.trim().is_empty() {
                    break;
                }
                let (name, value) = header.split_once(':').unwrap();
                match name.to_ascii_lowercase().as_str() {
                    "content-length" => length = value.trim().parse().unwrap(),
                    "authorization" | "private-token" => authorization = value.trim().to_string(),
                    _ => {}
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            log.lock().unwrap().push(Received {
                method,
                path,
                authorization,
                body: String::from_utf8_lossy(&body).into(),
            });
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                reply.len()
            );
        }
    });
    (address, received)
}

/// A repository whose `origin` looks like `url` but pushes to a local bare repository.
fn repo_with_remote(url: &str) -> (tempfile::TempDir, tempfile::TempDir) {
    let dir = repo(&[("svc.py", BLOCKING)], true);
    let bare = tempfile::tempdir().unwrap();
    git(bare.path(), &["init", "-q", "--bare"]);
    git(dir.path(), &["remote", "add", "origin", url]);
    git(
        dir.path(),
        &[
            "config",
            "remote.origin.pushurl",
            bare.path().to_str().unwrap(),
        ],
    );
    (dir, bare)
}

/// `fix --branch perf/async --push --pr` against the fake forge at `api`, with a token.
fn open_pr(dir: &Path, api: &str, token_var: &str) -> Output {
    perfopt_with_token(
        dir,
        &[
            "fix",
            "--branch",
            "perf/async",
            "--push",
            "--pr",
            "--api-url",
            api,
        ],
        token_var,
    )
}

fn perfopt_with_token(dir: &Path, args: &[&str], token_var: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_perfopt"))
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env(token_var, "secret-token-123")
        .output()
        .unwrap()
}

#[test]
fn push_and_open_a_github_pull_request() {
    let (api, received) = fake_forge(vec![(
        201,
        r#"{"html_url": "https://github.com/acme/shop/pull/7", "number": 7}"#,
    )]);
    let (dir, bare) = repo_with_remote("https://github.com/acme/shop.git");
    let out = open_pr(dir.path(), &api, "GITHUB_TOKEN");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("pull request: https://github.com/acme/shop/pull/7"),
        "{stdout}"
    );
    assert!(!stdout.contains("secret-token-123") && !stderr.contains("secret-token-123"));
    assert!(
        git(bare.path(), &["branch", "--list", "perf/async"]).contains("perf/async"),
        "pushed"
    );
    let requests = received.lock().unwrap().clone();
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].path, "/repos/acme/shop/pulls");
    assert_eq!(requests[0].authorization, "Bearer secret-token-123");
    let body: serde_json::Value = serde_json::from_str(&requests[0].body).unwrap();
    assert_eq!(body["head"], "perf/async");
    assert_eq!(body["base"], "main");
    assert!(body["body"]
        .as_str()
        .unwrap()
        .contains("## Recommendations, in priority order"));
}

#[test]
fn an_existing_pull_request_gets_its_body_updated() {
    let (api, received) = fake_forge(vec![
        (
            422,
            r#"{"message": "Validation Failed", "errors": [{"message": "A pull request already exists for acme:perf/async."}]}"#,
        ),
        (200, r#"[{"number": 7}]"#),
        (
            200,
            r#"{"html_url": "https://github.com/acme/shop/pull/7"}"#,
        ),
    ]);
    let (dir, _bare) = repo_with_remote("git@github.com:acme/shop.git");
    let out = open_pr(dir.path(), &api, "GITHUB_TOKEN");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let requests = received.lock().unwrap().clone();
    let calls: Vec<(String, String)> = requests
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    assert_eq!(
        calls,
        [
            ("POST".to_string(), "/repos/acme/shop/pulls".to_string()),
            (
                "GET".to_string(),
                "/repos/acme/shop/pulls?head=acme:perf/async&state=open".to_string()
            ),
            ("PATCH".to_string(), "/repos/acme/shop/pulls/7".to_string()),
        ]
    );
}

#[test]
fn forge_errors_are_clear_and_never_show_the_token() {
    let (api, _) = fake_forge(vec![(401, r#"{"message": "Bad credentials"}"#)]);
    let (dir, _bare) = repo_with_remote("https://github.com/acme/shop.git");
    let out = open_pr(dir.path(), &api, "GITHUB_TOKEN");
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("GitHub refused the token (HTTP 401: Bad credentials)"),
        "{err}"
    );
    assert!(
        !err.contains("secret-token-123")
            && !String::from_utf8_lossy(&out.stdout).contains("secret-token-123")
    );
}

#[test]
fn gitlab_merge_requests() {
    let (api, received) = fake_forge(vec![(
        201,
        r#"{"web_url": "https://gitlab.example.com/g/shop/-/merge_requests/3"}"#,
    )]);
    let (dir, _bare) = repo_with_remote("git@gitlab.example.com:g/shop.git");
    let out = open_pr(dir.path(), &api, "GITLAB_TOKEN");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("merge_requests/3"));
    let requests = received.lock().unwrap().clone();
    assert_eq!(requests[0].path, "/projects/g%2Fshop/merge_requests");
    assert_eq!(requests[0].authorization, "secret-token-123");
    let body: serde_json::Value = serde_json::from_str(&requests[0].body).unwrap();
    assert_eq!(body["source_branch"], "perf/async");
    assert_eq!(body["target_branch"], "main");
}

#[test]
fn batch_runs_over_many_clones_and_goes_on_past_failures() {
    let fixable = repo(&[("svc.py", BLOCKING)], true);
    let clean = repo(&[("ok.py", "x = 1\n")], true);
    let list = tempfile::tempdir().unwrap();
    let repos = list.path().join("repos.txt");
    fs::write(
        &repos,
        format!(
            "# fleet\n{}\n{}\nmissing-clone\n",
            fixable.path().display(),
            clean.path().display()
        ),
    )
    .unwrap();
    let out = perfopt(
        list.path(),
        &[
            "batch",
            "--repos",
            repos.to_str().unwrap(),
            "--branch",
            "perf/fleet",
            "--format",
            "json",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "a failing repository makes the exit 2"
    );
    assert!(
        stderr(&out).contains("3/3"),
        "progress is shown: {}",
        stderr(&out)
    );
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["findings"], 1);
    assert_eq!(rows[0]["files_changed"], 1);
    assert_eq!(rows[0]["branch"], "perf/fleet");
    assert_eq!(rows[1]["findings"], 0);
    assert_eq!(rows[1]["branch"], serde_json::Value::Null);
    assert_eq!(rows[2]["error"], "not a directory");
    assert_eq!(
        git(fixable.path(), &["rev-parse", "--abbrev-ref", "HEAD"]),
        "perf/fleet"
    );
    assert_eq!(
        git(clean.path(), &["rev-parse", "--abbrev-ref", "HEAD"]),
        "main"
    );
}

#[test]
fn a_missing_repository_and_an_existing_merge_request_are_handled() {
    let (api, _) = fake_forge(vec![(404, r#"{"message": "Not Found"}"#)]);
    let (dir, _bare) = repo_with_remote("https://github.com/acme/gone.git");
    let out = open_pr(dir.path(), &api, "GITHUB_TOKEN");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("GitHub cannot find acme/gone with this token (HTTP 404)"),
        "{}",
        stderr(&out)
    );

    let (api, received) = fake_forge(vec![
        (
            409,
            r#"{"message": ["Another open merge request already exists for this source branch: !3"]}"#,
        ),
        (200, r#"[{"iid": 3}]"#),
        (
            200,
            r#"{"web_url": "https://gitlab.example.com/g/shop/-/merge_requests/3"}"#,
        ),
    ]);
    let (dir, _bare) = repo_with_remote("https://gitlab.example.com/g/shop.git");
    let out = open_pr(dir.path(), &api, "GITLAB_TOKEN");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let calls: Vec<(String, String)> = received
        .lock()
        .unwrap()
        .iter()
        .map(|r| (r.method.clone(), r.path.clone()))
        .collect();
    assert_eq!(
        calls[2],
        (
            "PUT".to_string(),
            "/projects/g%2Fshop/merge_requests/3".to_string()
        )
    );
}

#[test]
fn a_branch_can_start_from_another_base() {
    let dir = repo(&[("svc.py", BLOCKING)], true);
    // A later commit on main fixes nothing perfopt would; the branch starts from the first one.
    fs::write(dir.path().join("notes.py"), "NOTE = 1\n").unwrap();
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "notes"]);
    let out = perfopt(
        dir.path(),
        &["fix", "--branch", "perf/old", "--base", "main~1"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        git(dir.path(), &["log", "--format=%s", "-2"]),
        "perfopt: fix 1 finding (PO102 ×1)\nstart"
    );
    assert!(
        !dir.path().join("notes.py").exists(),
        "the base's tree is checked out"
    );
}
