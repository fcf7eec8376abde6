use super::span;
use crate::source::LineIndex;
use crate::workspace::FileOutcome;
use serde_json::{json as value, Value};

/// Ruff's JSON shape: one object per diagnostic, with the fix's edits.
pub fn json(outcomes: &[FileOutcome]) -> String {
    let mut items = Vec::new();
    for outcome in outcomes {
        if outcome.diagnostics.is_empty() {
            continue;
        }
        let index = LineIndex::new(outcome.reported_text());
        let filename = std::path::absolute(&outcome.path).unwrap_or_else(|_| outcome.path.clone());
        for d in &outcome.diagnostics {
            let (location, end_location) = span(outcome, &index, d.start, d.end);
            let fix = d.fix.as_ref().map(|fix| {
                let edits: Vec<Value> = fix
                    .edits
                    .iter()
                    .map(|e| {
                        let (start, end) = span(outcome, &index, e.start, e.end);
                        value!({"content": e.content, "location": start, "end_location": end})
                    })
                    .collect();
                value!({"applicability": fix.applicability.as_str(), "message": fix.message, "edits": edits})
            });
            items.push(value!({
                "code": d.code,
                "name": d.name,
                "message": d.message,
                "filename": filename.display().to_string(),
                "location": location,
                "end_location": end_location,
                "fix": fix,
                "note": d.note,
                "url": Value::Null,
            }));
        }
    }
    serde_json::to_string_pretty(&Value::Array(items)).expect("JSON values serialise")
}
