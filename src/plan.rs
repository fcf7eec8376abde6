//! Reviewed migration plans: `perfopt fix --dry-run --save PLAN` writes the diffs with the hash of
//! each file they apply to; reviewers read the plan (and may delete hunks they reject);
//! `perfopt apply PLAN` applies exactly what is left, refusing any file that changed since, any
//! path that leaves the directory, and any diff that no longer applies. A file is written whole
//! or not at all.

use crate::workspace::{read_source, write_fixed, FileError};
use anyhow::{bail, Context as _, Result};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

const HEADER: &str = "# perfopt migration plan";

/// One file's part of a plan.
pub struct PlannedFile {
    /// Relative to the directory the plan is applied from.
    pub path: String,
    /// SHA-256 of the file's bytes when the plan was made.
    pub sha256: String,
    pub codes: Vec<String>,
    /// The unified diff (`--- a/…`, `+++ b/…`, hunks).
    pub diff: String,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// The plan's text.
pub fn render(files: &[PlannedFile]) -> String {
    let mut out = format!(
        "{HEADER}\n# perfopt {}\n# Review the diffs; delete whole hunks you reject. Apply with `perfopt apply PLAN`\n# from this directory: a file that changed since this plan was made is refused.\n",
        env!("CARGO_PKG_VERSION")
    );
    for file in files {
        let _ = write!(
            out,
            "\n=== file: {}\n=== sha256: {}\n=== codes: {}\n{}",
            file.path,
            file.sha256,
            file.codes.join(", "),
            file.diff
        );
        if !file.diff.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// Parses a plan; errors say which line is wrong.
pub fn parse(text: &str) -> Result<Vec<PlannedFile>> {
    if !text.starts_with(HEADER) {
        bail!("not a perfopt plan (it must start with `{HEADER}`)");
    }
    let mut files: Vec<PlannedFile> = Vec::new();
    let mut lines = text.split_inclusive('\n').enumerate().peekable();
    while let Some((number, line)) = lines.next() {
        let trimmed = line.trim_end_matches(['\n', '\r']);
        if let Some(path) = trimmed.strip_prefix("=== file: ") {
            let mut field = |name: &str| -> Result<String> {
                let (n, l) = lines.next().with_context(|| {
                    format!("line {}: the plan ends inside a file header", number + 1)
                })?;
                l.trim_end_matches(['\n', '\r'])
                    .strip_prefix(&format!("=== {name}: "))
                    .map(str::to_string)
                    .with_context(|| format!("line {}: expected `=== {name}: …`", n + 1))
            };
            let sha256 = field("sha256")?;
            let codes = field("codes")?.split(", ").map(str::to_string).collect();
            files.push(PlannedFile {
                path: path.to_string(),
                sha256,
                codes,
                diff: String::new(),
            });
        } else if let Some(file) = files.last_mut() {
            file.diff.push_str(line);
        } else if !(trimmed.starts_with('#') || trimmed.is_empty()) {
            bail!(
                "line {}: text before the first `=== file:` section",
                number + 1
            );
        }
    }
    Ok(files)
}

/// Applies a unified diff to `original`, strictly: every context and removed line must match.
pub fn apply_diff(original: &str, diff: &str) -> Result<String> {
    let old: Vec<&str> = original.split_inclusive('\n').collect();
    let mut out = String::with_capacity(original.len());
    let mut cursor = 0; // index into `old`
    let mut lines = diff.split_inclusive('\n').peekable();
    // Skip the `---`/`+++` headers.
    while lines
        .peek()
        .is_some_and(|l| l.starts_with("--- ") || l.starts_with("+++ "))
    {
        lines.next();
    }
    let mut hunk = 0;
    while let Some(header) = lines.next() {
        let header = header.trim_end_matches(['\n', '\r']);
        if header.is_empty() {
            continue;
        }
        hunk += 1;
        let start = parse_hunk_start(header)
            .with_context(|| format!("hunk {hunk}: bad header `{header}`"))?;
        let start = start.saturating_sub(1);
        if start < cursor || start > old.len() {
            bail!(
                "hunk {hunk}: starts at line {} but the previous hunk ended at {}",
                start + 1,
                cursor
            );
        }
        out.extend(old[cursor..start].iter().copied());
        cursor = start;
        let mut last_added: Option<usize> = None;
        while let Some(line) = lines.peek() {
            let (sign, body) = match line.chars().next() {
                Some(c @ (' ' | '-' | '+' | '\\')) => (c, &line[1..]),
                _ => break,
            };
            lines.next();
            match sign {
                ' ' | '-' => {
                    let expected = old.get(cursor).copied().unwrap_or_default();
                    let matches = expected == body
                        || (lines.peek().is_some_and(|n| n.starts_with('\\'))
                            && expected == body.trim_end_matches(['\n', '\r']));
                    if !matches {
                        bail!("hunk {hunk}: line {} does not match the file", cursor + 1);
                    }
                    if sign == ' ' {
                        out.push_str(expected);
                        last_added = None;
                    }
                    cursor += 1;
                }
                '+' => {
                    last_added = Some(out.len());
                    out.push_str(body);
                }
                _ => {
                    // `\ No newline at end of file`: the previous added line has none.
                    if let Some(at) = last_added {
                        let trimmed = out[at..].trim_end_matches(['\n', '\r']).len();
                        out.truncate(at + trimmed);
                    }
                }
            }
        }
    }
    out.extend(old[cursor..].iter().copied());
    Ok(out)
}

/// A unified diff split into its `---`/`+++` header and its hunks (each with its `@@` line).
pub fn split_hunks(diff: &str) -> (String, Vec<String>) {
    let mut header = String::new();
    let mut hunks: Vec<String> = Vec::new();
    for line in diff.split_inclusive('\n') {
        if line.starts_with("@@ ") {
            hunks.push(String::new());
        }
        match hunks.last_mut() {
            Some(hunk) => hunk.push_str(line),
            None => header.push_str(line),
        }
    }
    (header, hunks)
}

fn parse_hunk_start(header: &str) -> Option<usize> {
    let rest = header.strip_prefix("@@ -")?;
    let old = rest.split_whitespace().next()?;
    old.split(',').next()?.parse().ok()
}

/// A plan path, checked to stay inside `root` (no absolute paths, no `..`, no symlink out).
fn safe_path(root: &Path, path: &str) -> Result<PathBuf, String> {
    let relative = Path::new(path);
    if relative.is_absolute()
        || relative
            .components()
            .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err("the path is absolute or climbs out with `..`; refused".into());
    }
    let full = root.join(relative);
    let real = std::fs::canonicalize(&full).map_err(|e| format!("cannot resolve: {e}"))?;
    let root = std::fs::canonicalize(root).map_err(|e| format!("cannot resolve the root: {e}"))?;
    if !real.starts_with(&root) {
        return Err("a symbolic link leads outside the directory; refused".into());
    }
    Ok(full)
}

/// Applies every file of a plan from `root`; returns the files written and the refusals.
pub fn apply(root: &Path, files: &[PlannedFile]) -> (Vec<String>, Vec<FileError>) {
    let mut written = Vec::new();
    let mut refused = Vec::new();
    for file in files {
        let refuse = |reason: String| FileError {
            path: PathBuf::from(&file.path),
            reason,
        };
        let outcome = (|| -> Result<(), String> {
            let path = safe_path(root, &file.path)?;
            let bytes = std::fs::read(&path).map_err(|e| format!("cannot read: {e}"))?;
            if sha256_hex(&bytes) != file.sha256 {
                return Err(
                    "changed since the plan was made (its hash differs); not applied".into(),
                );
            }
            let source = read_source(&path, u64::MAX).map_err(|e| e.reason)?;
            let fixed = apply_diff(&source.text, &file.diff)
                .map_err(|e| format!("the plan's diff does not apply: {e:#}"))?;
            // A reviewer who deleted a hunk may have kept one that drops an import it needed.
            let lost = crate::fixer::lost_imports(&source.text, &fixed);
            if !lost.is_empty() {
                return Err(format!(
                    "the plan's hunks remove the import of `{}` that the file still uses; not applied",
                    lost.join("`, `")
                ));
            }
            write_fixed(&source, &fixed, root).map_err(|e| e.reason)
        })();
        match outcome {
            Ok(()) => written.push(file.path.clone()),
            Err(reason) => refused.push(refuse(reason)),
        }
    }
    (written, refused)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::unified_diff;

    #[test]
    fn diffs_round_trip_including_crlf_and_missing_final_newline() {
        for (old, new) in [
            ("a\nb\nc\n", "a\nB\nc\nd\n"),
            ("a\r\nb\r\n", "a\r\nx\r\nb\r\n"),
            ("one\ntwo", "one\nthree"),
            ("x\n", "x"),
        ] {
            let diff = unified_diff("m.py", old, new);
            assert_eq!(apply_diff(old, &diff).unwrap(), new, "{diff}");
        }
    }

    #[test]
    fn a_reviewer_can_delete_a_hunk() {
        let old: String = (1..=40).map(|i| format!("line {i}\n")).collect();
        let new = old
            .replace("line 2\n", "LINE 2\n")
            .replace("line 35\n", "LINE 35\n");
        let diff = unified_diff("m.py", &old, &new);
        let second = diff.rfind("@@ -").unwrap();
        let trimmed = &diff[..second];
        assert_eq!(
            apply_diff(&old, trimmed).unwrap(),
            old.replace("line 2\n", "LINE 2\n")
        );
    }

    #[test]
    fn a_diff_that_does_not_match_is_an_error() {
        let diff = unified_diff("m.py", "a\nb\n", "a\nc\n");
        assert!(apply_diff("a\nz\n", &diff).is_err());
    }

    #[test]
    fn plans_parse_back() {
        let plan = render(&[PlannedFile {
            path: "app/x.py".into(),
            sha256: "ab".into(),
            codes: vec!["PO101".into(), "PO102".into()],
            diff: unified_diff("app/x.py", "a\n", "b\n"),
        }]);
        let files = parse(&plan).unwrap();
        assert_eq!(files[0].path, "app/x.py");
        assert_eq!(files[0].codes, ["PO101", "PO102"]);
        assert!(files[0].diff.starts_with("--- a/app/x.py"));
        assert!(parse("hello").is_err());
    }
}
