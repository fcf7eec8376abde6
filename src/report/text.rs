use super::{display_path, span};
use crate::fix::Applicability;
use crate::source::LineIndex;
use crate::workspace::FileOutcome;
use std::fmt::Write;

/// `path:row:col CODE [*] message`, a code frame, the fix or the reason there is none.
pub fn text(outcomes: &[FileOutcome], color: bool, required: Applicability) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    for outcome in outcomes {
        if outcome.diagnostics.is_empty() {
            continue;
        }
        let index = LineIndex::new(outcome.reported_text());
        let path = display_path(&outcome.path);
        for d in &outcome.diagnostics {
            let (start, end) = span(outcome, &index, d.start, d.end);
            let marker = match &d.fix {
                Some(fix) if fix.applies(required) => " [*]",
                Some(_) => " [unsafe fix]",
                None => "",
            };
            let _ = writeln!(
                out,
                "{}:{}:{} {}{} {}",
                paint("1", &path),
                start.row,
                start.column,
                paint("1;31", d.code),
                paint("36", marker),
                d.message
            );
            let line = start.row - 1;
            let (line_start, line_end) = index.line_range(outcome.reported_text(), line);
            let code_line = &outcome.reported_text()[line_start..line_end];
            let gutter = format!("{}", start.row).len();
            let pad = " ".repeat(gutter);
            let caret_end = if end.row == start.row {
                end.column
            } else {
                code_line.chars().count() + 1
            };
            let carets = "^".repeat(caret_end.saturating_sub(start.column).max(1));
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{} | {}", start.row, code_line.replace('\t', "    "));
            let lead: String = code_line
                .chars()
                .take(start.column - 1)
                .map(|c| if c == '\t' { "    " } else { " " })
                .collect();
            let _ = writeln!(out, "{pad} | {lead}{}", paint("1;31", &carets));
            if let Some(fix) = &d.fix {
                let safety = if fix.applicability == Applicability::Safe {
                    ""
                } else {
                    " (unsafe: applied with --unsafe)"
                };
                let _ = writeln!(out, "{pad} = help: {}{safety}", fix.message);
            }
            if let Some(note) = &d.note {
                let _ = writeln!(out, "{pad} = note: {note}");
            }
            out.push('\n');
        }
    }
    out
}

/// GitHub Actions workflow annotations.
pub fn github(outcomes: &[FileOutcome]) -> String {
    let mut out = String::new();
    for outcome in outcomes {
        let index = LineIndex::new(outcome.reported_text());
        let path = display_path(&outcome.path);
        for d in &outcome.diagnostics {
            let (start, end) = span(outcome, &index, d.start, d.end);
            let _ = writeln!(
                out,
                "::warning title=perfopt ({code}),file={path},line={},col={},endLine={},endColumn={}::{code} {}",
                start.row,
                start.column,
                end.row,
                end.column,
                d.message.replace('%', "%25").replace('\n', "%0A"),
                code = d.code,
            );
        }
    }
    out
}
