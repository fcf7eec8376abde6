//! The analysis a performance engineer would write for a pull request: the findings, the
//! recommendations in priority order, what the fixes change per codemod, their expected impact,
//! the unsafe fixes to review, and the full diff. `perfopt report` prints it.

use super::{display_path, unified_diff};
use crate::codemods::find;
use crate::fix::Applicability;
use crate::source::LineIndex;
use crate::workspace::FileOutcome;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

#[derive(Debug, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub file: String,
    pub line: usize,
    pub message: String,
    /// `safe`, `unsafe` or `none`.
    pub fix: &'static str,
    pub note: Option<String>,
}

/// What one codemod's fixes change, applied alone.
#[derive(Debug, Default, Serialize)]
pub struct Change {
    pub files: usize,
    pub added: usize,
    pub removed: usize,
}

#[derive(Debug, Serialize)]
pub struct Analysis {
    pub findings: Vec<Finding>,
    pub changes: BTreeMap<&'static str, Change>,
    /// The unified diff of every fix (`--unsafe` included).
    pub diff: String,
}

impl Analysis {
    /// `checked`: outcomes of a check; `fixed`: of a fix with unsafe fixes; `per_code`: of a fix
    /// with only that code enabled.
    pub fn new(
        checked: &[FileOutcome],
        fixed: &[FileOutcome],
        per_code: Vec<(&'static str, Vec<FileOutcome>)>,
    ) -> Self {
        let mut findings = Vec::new();
        for outcome in checked {
            let index = LineIndex::new(outcome.reported_text());
            for d in &outcome.diagnostics {
                findings.push(Finding {
                    code: d.code,
                    file: display_path(&outcome.path),
                    line: index.location(outcome.reported_text(), d.start).row,
                    message: d.message.clone(),
                    fix: match &d.fix {
                        Some(f) if f.applicability == Applicability::Safe => "safe",
                        Some(_) => "unsafe",
                        None => "none",
                    },
                    note: d.note.clone(),
                });
            }
        }
        let diff = diff_of(fixed);
        let changes = per_code
            .into_iter()
            .map(|(code, outcomes)| {
                let mut change = Change::default();
                for outcome in outcomes.iter().filter(|o| o.fixed.is_some()) {
                    change.files += 1;
                    for line in diff_of(std::slice::from_ref(outcome)).lines() {
                        if line.starts_with('+') && !line.starts_with("+++") {
                            change.added += 1;
                        } else if line.starts_with('-') && !line.starts_with("---") {
                            change.removed += 1;
                        }
                    }
                }
                (code, change)
            })
            .collect();
        Analysis {
            findings,
            changes,
            diff,
        }
    }

    fn codes_by_priority(&self) -> Vec<&'static str> {
        let mut codes: Vec<&'static str> = self.findings.iter().map(|f| f.code).collect();
        codes.sort_by_key(|code| (find(code).map_or(u8::MAX, |c| c.meta().priority), *code));
        codes.dedup();
        codes
    }

    pub fn markdown(&self) -> String {
        let mut out = String::from("# perfopt: performance review\n\n");
        let fixable = self.findings.iter().filter(|f| f.fix != "none").count();
        let unsafe_count = self.findings.iter().filter(|f| f.fix == "unsafe").count();
        let files: std::collections::BTreeSet<&str> =
            self.findings.iter().map(|f| f.file.as_str()).collect();
        let _ = writeln!(
            out,
            "{} finding{} in {} file{}; {fixable} with a fix ({unsafe_count} of them unsafe: they change behaviour and need review).\n",
            self.findings.len(),
            plural(self.findings.len()),
            files.len(),
            plural(files.len()),
        );
        if self.findings.is_empty() {
            out.push_str("Nothing to change.\n");
            return out;
        }
        out.push_str("## Recommendations, in priority order\n\n");
        for (rank, code) in self.codes_by_priority().into_iter().enumerate() {
            let Some(codemod) = find(code) else { continue };
            let meta = codemod.meta();
            let count = self.findings.iter().filter(|f| f.code == code).count();
            let _ = writeln!(
                out,
                "{}. **{code} {}** ({count}): {}. *Expected impact:* {}",
                rank + 1,
                meta.name,
                meta.summary,
                meta.impact
            );
        }
        out.push_str(
            "\n## Identified issues\n\n| code | location | finding | fix |\n|---|---|---|---|\n",
        );
        for f in &self.findings {
            let fix = match (&f.note, f.fix) {
                (Some(note), "none") => format!("none: {note}"),
                (_, fix) => fix.to_string(),
            };
            let _ = writeln!(
                out,
                "| {} | `{}:{}` | {} | {} |",
                f.code,
                f.file,
                f.line,
                escape(&f.message),
                escape(&fix)
            );
        }
        out.push_str("\n## Implementation\n\nWhat each codemod's fixes change when applied alone (`perfopt fix --unsafe`):\n\n| codemod | files | lines added | lines removed |\n|---|---:|---:|---:|\n");
        for (code, change) in &self.changes {
            let name = find(code).map_or("", |c| c.meta().name);
            let _ = writeln!(
                out,
                "| {code} {name} | {} | {} | {} |",
                change.files, change.added, change.removed
            );
        }
        let unsafe_findings: Vec<&Finding> =
            self.findings.iter().filter(|f| f.fix == "unsafe").collect();
        if !unsafe_findings.is_empty() {
            out.push_str("\n## Unsafe fixes: review these carefully\n\n");
            for f in unsafe_findings {
                let safety = find(f.code).map_or("", |c| c.meta().safety);
                let _ = writeln!(
                    out,
                    "- `{}:{}` {} {} (fix safety: {safety}; `perfopt explain {}`)",
                    f.file, f.line, f.code, f.message, f.code
                );
            }
        }
        if !self.diff.is_empty() {
            let _ = write!(
                out,
                "\n<details><summary>Full diff</summary>\n\n```diff\n{}```\n\n</details>\n",
                self.diff
            );
        }
        out
    }

    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).expect("the analysis serialises")
    }

    /// A standalone page: the Markdown's content with headings, lists, tables and the diff.
    pub fn html(&self) -> String {
        let mut body = String::new();
        let mut in_table = false;
        let mut in_code = false;
        for line in self.markdown().lines() {
            if line.starts_with("```") {
                body.push_str(if in_code { "</pre>\n" } else { "<pre>" });
                in_code = !in_code;
                continue;
            }
            if in_code {
                let _ = writeln!(body, "{}", html_escape(line));
                continue;
            }
            if line.starts_with('|') {
                if line.starts_with("|---") {
                    continue;
                }
                if !in_table {
                    body.push_str("<table>\n");
                    in_table = true;
                }
                let cells: Vec<String> = line
                    .trim_matches('|')
                    .split(" | ")
                    .map(|c| format!("<td>{}</td>", html_escape(c.trim())))
                    .collect();
                let _ = writeln!(body, "<tr>{}</tr>", cells.concat());
                continue;
            } else if in_table {
                body.push_str("</table>\n");
                in_table = false;
            }
            if let Some(heading) = line.strip_prefix("## ") {
                let _ = writeln!(body, "<h2>{}</h2>", html_escape(heading));
            } else if let Some(heading) = line.strip_prefix("# ") {
                let _ = writeln!(body, "<h1>{}</h1>", html_escape(heading));
            } else if line.starts_with("<details>") || line.starts_with("</details>") {
                let _ = writeln!(body, "{line}");
            } else if !line.is_empty() {
                let _ = writeln!(body, "<p>{}</p>", html_escape(line));
            }
        }
        if in_table {
            body.push_str("</table>\n");
        }
        format!("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>perfopt report</title></head><body>\n{body}</body></html>\n")
    }
}

fn diff_of(outcomes: &[FileOutcome]) -> String {
    let mut diff = String::new();
    for outcome in outcomes {
        if let Some(fixed) = &outcome.fixed {
            diff.push_str(&unified_diff(
                &display_path(&outcome.path),
                &outcome.source,
                fixed,
            ));
        }
    }
    diff
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
