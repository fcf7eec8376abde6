use super::{display_path, span};
use crate::codemods::ALL;
use crate::source::LineIndex;
use crate::workspace::FileOutcome;
use serde_json::{json, Value};

/// SARIF 2.1.0, for code-scanning upload.
pub fn sarif(outcomes: &[FileOutcome]) -> String {
    let rules: Vec<Value> = ALL
        .iter()
        .map(|c| {
            let meta = c.meta();
            json!({
                "id": meta.code,
                "name": meta.name,
                "shortDescription": {"text": meta.summary},
                "fullDescription": {"text": meta.docs},
                "help": {"text": meta.docs, "markdown": meta.docs},
                "properties": {"fixSafety": meta.safety},
            })
        })
        .collect();
    let mut results = Vec::new();
    for outcome in outcomes {
        let index = LineIndex::new(outcome.reported_text());
        let uri = display_path(&outcome.path).replace('\\', "/");
        for d in &outcome.diagnostics {
            let (start, end) = span(outcome, &index, d.start, d.end);
            results.push(json!({
                "ruleId": d.code,
                "level": "warning",
                "message": {"text": d.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri},
                        "region": {
                            "startLine": start.row, "startColumn": start.column,
                            "endLine": end.row, "endColumn": end.column,
                        }
                    }
                }],
            }));
        }
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "perfopt",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/perfopt/perfopt",
                "rules": rules,
            }},
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&log).expect("JSON values serialise")
}
