//! Properties of the edit machinery and the fix loop on awkward files: overlapping, adjacent and
//! same-point edits, edits at the file's ends, missing final newlines, CRLF and mixed endings,
//! BOMs, tabs, very long lines and very deep nesting.

use perfopt::api::{check_source, fix_source};
use perfopt::codemods::ALL;
use perfopt::fix::{Applicability, Edit, Fix};
use perfopt::fixer::apply_pass;
use perfopt::parse::{parse, syntax_error_count};
use perfopt::settings::CodemodOptions;
use std::collections::BTreeSet;

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

fn all_codes() -> BTreeSet<&'static str> {
    ALL.iter().map(|c| c.meta().code).collect()
}

/// Applies non-conflicting edits back to front: the reference `apply_pass` must agree with.
fn reference(text: &str, edits: &[&Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.to_vec();
    sorted.sort();
    let mut out = text.to_string();
    for edit in sorted.iter().rev() {
        out.replace_range(edit.start..edit.end, &edit.content);
    }
    out
}

#[test]
fn apply_pass_takes_a_maximal_conflict_free_set_and_splices_it_exactly() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let alphabet = ["a", "b", "\n", "\r\n", "\t", " ", "é", "(", ")", "日"];
    for _ in 0..3000 {
        let text: String = (0..rng.below(40))
            .map(|_| alphabet[rng.below(alphabet.len())])
            .collect();
        let boundaries: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        let fixes: Vec<Fix> = (0..rng.below(6))
            .map(|_| {
                let edits = (0..1 + rng.below(2))
                    .map(|_| {
                        let a = boundaries[rng.below(boundaries.len())];
                        let b = boundaries[rng.below(boundaries.len())];
                        let content = ["", "x", "yy", "\n"][rng.below(4)];
                        Edit::replace(a.min(b), a.max(b), content)
                    })
                    .collect();
                Fix::safe("random", edits)
            })
            .collect();
        let refs: Vec<&Fix> = fixes.iter().collect();
        let (out, taken) = apply_pass(&text, &refs);
        let mut accepted: Vec<&Edit> = Vec::new();
        for fix in &taken {
            for edit in &fix.edits {
                if !accepted.contains(&edit) {
                    accepted.push(edit);
                }
            }
        }
        for (i, a) in accepted.iter().enumerate() {
            for b in &accepted[i + 1..] {
                assert!(
                    !a.conflicts_with(b),
                    "taken edits conflict: {a:?} {b:?} in {text:?}"
                );
            }
        }
        assert_eq!(
            out,
            reference(&text, &accepted),
            "splice differs for {text:?} {fixes:?}"
        );
        for fix in &fixes {
            let self_consistent = fix.edits.windows(2).all(|p| !p[0].conflicts_with(&p[1]));
            let was_taken = taken.iter().any(|t| std::ptr::eq(*t, fix));
            let blocked = fix
                .edits
                .iter()
                .any(|e| accepted.iter().any(|a| a.conflicts_with(e) || a.abuts(e)));
            assert!(
                was_taken || blocked || !self_consistent,
                "a free fix was left out: {fix:?}"
            );
        }
    }
}

const BLOCKING: &str = "import time\n\n\nasync def handler():\n    time.sleep(1)\n    return 1\n";

#[test]
fn files_without_a_final_newline_and_with_mixed_endings() {
    let enabled = all_codes();
    let options = CodemodOptions::default();
    let no_newline = BLOCKING.trim_end();
    let fixed = fix_source(no_newline, &enabled, &options, Applicability::Safe).unwrap();
    assert!(
        fixed.text.ends_with("    return 1"),
        "no newline is added: {:?}",
        fixed.text
    );
    assert!(fixed.text.contains("await asyncio.sleep(1)"));

    // Mixed endings: the file's first line ending is used for new lines, the rest are kept
    // (`import time`, unused after the fix, goes with its own line ending).
    let mixed = "import time\r\n\nasync def handler():\n    time.sleep(1)\r\n    return 1\n";
    let fixed = fix_source(mixed, &enabled, &options, Applicability::Safe).unwrap();
    assert_eq!(
        fixed.text,
        "import asyncio\r\n\nasync def handler():\n    await asyncio.sleep(1)\r\n    return 1\n"
    );
}

#[test]
fn edits_at_the_very_start_and_end_of_a_file() {
    let enabled = all_codes();
    let options = CodemodOptions::default();
    // The call is the first and last thing in its function, which is the last thing in the file.
    let source =
        "async def f():\n    __import__('time').sleep(1)\nasync def g():\n    time.sleep(1)";
    let fixed = fix_source(source, &enabled, &options, Applicability::Safe).unwrap();
    assert_eq!(fixed.text, source, "unresolved names are not touched");
    let source = "from time import sleep\nasync def g():\n    sleep(1)";
    let fixed = fix_source(source, &enabled, &options, Applicability::Safe).unwrap();
    assert_eq!(
        fixed.text,
        "import asyncio\nasync def g():\n    await asyncio.sleep(1)"
    );
}

#[test]
fn a_bom_survives_reading_fixing_and_writing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("svc.py");
    std::fs::write(&path, format!("\u{feff}{BLOCKING}")).unwrap();
    let file = perfopt::workspace::read_source(&path, 1 << 20).unwrap();
    assert!(
        !file.text.starts_with('\u{feff}'),
        "the parser never sees the BOM"
    );
    let fixed = fix_source(
        &file.text,
        &all_codes(),
        &CodemodOptions::default(),
        Applicability::Safe,
    )
    .unwrap();
    perfopt::workspace::write_fixed(&file, &fixed.text, dir.path()).unwrap();
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(
        written.starts_with("\u{feff}import asyncio\n"),
        "{written:?}"
    );
}

#[test]
fn very_long_lines_and_deep_nesting() {
    let enabled = all_codes();
    let options = CodemodOptions::default();
    let long = format!(
        "import time\n\n\nasync def f():\n    x = [{}]\n    time.sleep(1)\n",
        "1, ".repeat(50_000)
    );
    let fixed = fix_source(&long, &enabled, &options, Applicability::Safe).unwrap();
    assert!(fixed.text.contains("await asyncio.sleep(1)"));

    let deep = format!(
        "import time\n\n\nasync def f():\n    x = {}time.sleep(1){}\n",
        "(".repeat(10_000),
        ")".repeat(10_000)
    );
    let diagnostics = check_source(&deep, &enabled, &options);
    assert!(diagnostics.iter().any(|d| d.code == "PO102"));
    let fixed = fix_source(&deep, &enabled, &options, Applicability::Safe).unwrap();
    assert_eq!(syntax_error_count(&parse(&fixed.text).unwrap()), 0);
}
