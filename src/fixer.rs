//! The fix loop. Applies non-overlapping fixes, re-parses, re-checks and repeats to a fixpoint,
//! never keeping a pass that introduces a syntax error, then drops imports the fixes left unused.

use crate::diagnostic::Diagnostic;
use crate::edits::builders::remove_import_clause;
use crate::fix::{Applicability, Edit, Fix};
use crate::parse::NodeLookups;
use crate::parse::{parse, syntax_error_count, walk_tree};
use crate::semantic::imports::{is_within, ImportMap};
use crate::syntax::text;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use tree_sitter::Tree;

/// Passes before the loop gives up; real files converge in two or three.
pub const MAX_PASSES: usize = 12;

#[derive(Debug, Default)]
pub struct FixOutcome {
    pub text: String,
    /// Fixes applied, by code.
    pub applied: BTreeMap<&'static str, usize>,
    /// Diagnostics left in the fixed text (no fix, or a fix below the required applicability).
    pub remaining: Vec<Diagnostic>,
    /// Fixes refused because they would have broken the syntax: `CODE: message`.
    pub refused: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum FixError {
    #[error("fixes did not converge after {MAX_PASSES} passes (codes: {0})")]
    DidNotConverge(String),
}

/// Fixes `original` to a fixpoint.
///
/// 1. A file with syntax errors is not fixed: its diagnostics are returned as they are.
/// 2. Each pass checks the current text, keeps the fixes that meet `required`, and applies
///    those whose edits do not overlap an edit already taken, nor insert right where one ends
///    (the rest wait for the next pass; identical edits from several fixes count once).
/// 3. If the pass's result has a syntax error, each of its fixes is tried alone; those that
///    break the syntax are refused for good and reported, the others are applied.
/// 4. Imports of modules that applied fixes released (`requests` after its calls are gone) are
///    removed when nothing uses them any more and something did before.
/// 5. The loop ends when no applicable fix is left; a second run therefore changes nothing.
pub fn fix_until_stable(
    original: &str,
    required: Applicability,
    check: &dyn Fn(&str, &Tree) -> Vec<Diagnostic>,
) -> Result<FixOutcome, FixError> {
    match parse(original) {
        Some(tree) => fix_parsed(original, tree, required, check),
        None => Ok(FixOutcome {
            text: original.to_string(),
            ..FixOutcome::default()
        }),
    }
}

/// [`fix_until_stable`] for a caller that has parsed `original` already.
pub fn fix_parsed(
    original: &str,
    tree: Tree,
    required: Applicability,
    check: &dyn Fn(&str, &Tree) -> Vec<Diagnostic>,
) -> Result<FixOutcome, FixError> {
    let mut outcome = FixOutcome {
        text: original.to_string(),
        ..FixOutcome::default()
    };
    if syntax_error_count(&tree) > 0 {
        outcome.remaining = check(original, &tree);
        return Ok(outcome);
    }
    // Which imports the original used: computed once a fix is about to change the text.
    let mut used_before: Option<HashSet<String>> = None;
    let mut refused: HashSet<(String, String)> = HashSet::new();
    let mut released: BTreeSet<&'static str> = BTreeSet::new();
    let mut tree = tree;
    for _ in 0..MAX_PASSES {
        let diagnostics = check(&outcome.text, &tree);
        let text = outcome.text.clone();
        let key = |d: &Diagnostic| (d.code.to_string(), text[d.start..d.end].to_string());
        let (fixable, remaining): (Vec<Diagnostic>, Vec<Diagnostic>) =
            diagnostics.into_iter().partition(|d| {
                d.fix.as_ref().is_some_and(|f| f.applies(required)) && !refused.contains(&key(d))
            });
        if fixable.is_empty() {
            outcome.remaining = remaining;
            return Ok(outcome);
        }
        // On the first pass `tree` is still the original's.
        let used_before = used_before.get_or_insert_with(|| used_import_names(original, &tree));
        let fixes: Vec<&Fix> = fixable.iter().filter_map(|d| d.fix.as_ref()).collect();
        let (mut new_text, mut taken) = apply_pass(&outcome.text, &fixes);
        if taken.is_empty() {
            // Every fix was malformed (edits out of bounds or overlapping each other): a codemod
            // bug, reported rather than looped on.
            for (diagnostic, fix) in fixable.iter().zip(&fixes) {
                outcome.refused.push(format!(
                    "{}: {} (its edits could not be applied)",
                    diagnostic.code, fix.message
                ));
            }
            outcome.remaining = fixable.into_iter().chain(remaining).collect();
            outcome.remaining.sort_by_key(|d| d.start);
            return Ok(outcome);
        }
        let mut new_tree = parse(&new_text);
        if new_tree.as_ref().is_none_or(|t| syntax_error_count(t) > 0) {
            let mut good = Vec::new();
            for (diagnostic, fix) in fixable.iter().zip(&fixes) {
                let (alone, _) = apply_pass(&outcome.text, &[*fix]);
                if parse(&alone).is_some_and(|t| syntax_error_count(&t) == 0) {
                    good.push(*fix);
                } else {
                    refused.insert(key(diagnostic));
                    outcome.refused.push(format!(
                        "{}: {} (the result would not parse)",
                        diagnostic.code, fix.message
                    ));
                }
            }
            (new_text, taken) = apply_pass(&outcome.text, &good);
            new_tree = parse(&new_text);
            if new_tree.as_ref().is_none_or(|t| syntax_error_count(t) > 0) {
                // Fixes that parse alone but not together: keep the text, refuse them all.
                for diagnostic in &fixable {
                    refused.insert(key(diagnostic));
                }
                continue;
            }
        }
        for fix in taken {
            let diagnostic = fixable
                .iter()
                .find(|d| d.fix.as_ref().is_some_and(|f| std::ptr::eq(f, fix)))
                .expect("taken fixes come from diagnostics");
            *outcome.applied.entry(diagnostic.code).or_default() += 1;
            released.extend(fix.releases.iter().copied());
        }
        let mut tree_now = new_tree.expect("checked above");
        // Each cleanup removes at most one clause per statement; a few rounds finish the job.
        for _ in 0..MAX_PASSES {
            let Some(cleaned) =
                remove_released_imports(&new_text, &tree_now, &released, used_before)
            else {
                break;
            };
            let Some(cleaned_tree) = parse(&cleaned).filter(|t| syntax_error_count(t) == 0) else {
                break;
            };
            new_text = cleaned;
            tree_now = cleaned_tree;
        }
        outcome.text = new_text;
        tree = tree_now;
    }
    let codes: BTreeSet<_> = check(&outcome.text, &tree)
        .into_iter()
        .filter(|d| d.fix.as_ref().is_some_and(|f| f.applies(required)))
        .map(|d| d.code)
        .collect();
    Err(FixError::DidNotConverge(
        codes.into_iter().collect::<Vec<_>>().join(", "),
    ))
}

/// One pass: takes fixes in order of their first edit and applies every fix none of whose edits
/// conflicts with an edit already taken. Returns the new text and the fixes taken.
pub fn apply_pass<'f>(text: &str, fixes: &[&'f Fix]) -> (String, Vec<&'f Fix>) {
    let mut ordered: Vec<&Fix> = fixes.to_vec();
    ordered.sort_by_key(|f| f.edits.first().map_or(usize::MAX, |e| e.start));
    let mut accepted: Vec<&Edit> = Vec::new();
    let mut taken = Vec::new();
    for fix in ordered {
        let in_bounds = fix.edits.iter().all(|e| {
            e.start <= e.end
                && e.end <= text.len()
                && text.is_char_boundary(e.start)
                && text.is_char_boundary(e.end)
        });
        // A fix whose own edits overlap cannot be applied: a codemod bug, never a panic.
        let self_consistent = fix
            .edits
            .windows(2)
            .all(|pair| !pair[0].conflicts_with(&pair[1]));
        let fresh: Vec<&Edit> = fix.edits.iter().filter(|e| !accepted.contains(e)).collect();
        let conflict = fresh
            .iter()
            .any(|e| accepted.iter().any(|a| a.conflicts_with(e) || a.abuts(e)));
        if in_bounds && self_consistent && !conflict {
            accepted.extend(fresh);
            taken.push(fix);
        }
    }
    accepted.sort();
    let mut out = String::with_capacity(text.len() + 64);
    let mut last = 0;
    for edit in accepted {
        out.push_str(&text[last..edit.start]);
        out.push_str(&edit.content);
        last = edit.end;
    }
    out.push_str(&text[last..]);
    (out, taken)
}

/// Import bindings whose name is used somewhere outside import statements.
fn used_import_names(source_text: &str, tree: &Tree) -> HashSet<String> {
    let imports = ImportMap::build(tree, source_text, &[]);
    let wanted: HashSet<&str> = imports.bindings.iter().map(|b| b.local.as_str()).collect();
    let mut used = HashSet::new();
    walk_tree(tree.root_node(), |node| {
        if node.kind_name() == "identifier" && is_reference(node) {
            let name = text(node, source_text);
            if wanted.contains(name) {
                used.insert(name.to_string());
            }
        }
    });
    used
}

/// Names `edited` still reads that `original` imported and `edited` no longer imports: what a
/// partial review (some hunks accepted, others not) can break.
pub fn lost_imports(original: &str, edited: &str) -> Vec<String> {
    let (Some(before), Some(after)) = (parse(original), parse(edited)) else {
        return Vec::new();
    };
    let imported_before: HashSet<String> = ImportMap::build(&before, original, &[])
        .bindings
        .into_iter()
        .map(|b| b.local)
        .collect();
    let imports_after = ImportMap::build(&after, edited, &[]);
    let mut lost: Vec<String> = Vec::new();
    walk_tree(after.root_node(), |node| {
        if node.kind_name() == "identifier" && is_reference(node) {
            let name = text(node, edited);
            if imported_before.contains(name)
                && !imports_after.is_bound(name)
                && !lost.iter().any(|l| l == name)
            {
                lost.push(name.to_string());
            }
        }
    });
    lost
}

/// An identifier that reads a name: not inside an import, not an attribute or keyword name.
fn is_reference(node: tree_sitter::Node) -> bool {
    let Some(parent) = node.parent() else {
        return true;
    };
    match parent.kind_name() {
        "attribute" => parent.field("object") == Some(node),
        "keyword_argument" => parent.field("name") != Some(node),
        "dotted_name" | "aliased_import" | "import_statement" | "import_from_statement" => false,
        _ => true,
    }
}

/// Removes import clauses of released modules that are unused now but were used before.
fn remove_released_imports(
    text: &str,
    tree: &Tree,
    released: &BTreeSet<&'static str>,
    used_before: &HashSet<String>,
) -> Option<String> {
    if released.is_empty() {
        return None;
    }
    let imports = ImportMap::build(tree, text, &[]);
    let used_now = used_import_names(text, tree);
    let candidates: Vec<_> = imports
        .bindings
        .iter()
        .filter(|b| released.iter().any(|m| is_within(&b.qualified, m)))
        .filter(|b| used_before.contains(&b.local) && !used_now.contains(&b.local))
        .collect();
    if candidates.is_empty() {
        return None;
    }
    let root = tree.root_node();
    let mut edits: Vec<Edit> = Vec::new();
    let mut statements: BTreeMap<usize, Vec<(usize, usize)>> = BTreeMap::new();
    for binding in &candidates {
        statements
            .entry(binding.statement.0)
            .or_default()
            .push(binding.clause);
    }
    for (start, clauses) in statements {
        let Some(statement) = root.descendant_for_byte_range(start, start).and_then(|n| {
            let mut node = Some(n);
            while let Some(current) = node {
                if current.start_byte() == start
                    && matches!(
                        current.kind_name(),
                        "import_statement" | "import_from_statement"
                    )
                {
                    return Some(current);
                }
                node = current.parent();
            }
            None
        }) else {
            continue;
        };
        let mut cursor = statement.walk();
        let all = statement
            .children_by_field_name("name", &mut cursor)
            .count();
        if clauses.len() == all {
            edits.push(crate::edits::builders::delete_import_statement(
                text, statement,
            ));
        } else {
            // One clause per pass keeps comma handling simple; the loop removes the rest.
            edits.push(remove_import_clause(text, statement, clauses[0]));
        }
    }
    let fix = Fix::safe("remove unused imports", edits);
    let (out, _) = apply_pass(text, &[&fix]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_fixes_wait_and_identical_edits_count_once() {
        let first = Fix::safe("a", vec![Edit::replace(0, 3, "xyz"), Edit::insert(10, "!")]);
        let overlapping = Fix::safe("b", vec![Edit::replace(2, 5, "q")]);
        let sharing = Fix::safe("c", vec![Edit::insert(10, "!"), Edit::replace(6, 7, "Z")]);
        let (text, taken) = apply_pass("abcdefghijkl", &[&first, &overlapping, &sharing]);
        assert_eq!(text, "xyzdefZhij!kl");
        assert_eq!(taken.len(), 2);
    }

    #[test]
    fn a_fix_inserting_where_another_replaced_text_ends_waits() {
        // PO205 rebuilds `find_all()` while PO203 appends `.project(...)` right after it.
        let rebuild = Fix::safe("a", vec![Edit::replace(0, 3, "query")]);
        let append = Fix::safe("b", vec![Edit::insert(3, ".p()")]);
        let (text, taken) = apply_pass("abc.to_list()", &[&rebuild, &append]);
        assert_eq!(text, "query.to_list()");
        assert_eq!(taken.len(), 1);
    }

    #[test]
    fn a_fix_with_overlapping_edits_or_out_of_bounds_is_skipped_not_panicking() {
        let broken = Fix::safe(
            "a",
            vec![Edit::replace(0, 5, "x"), Edit::replace(3, 4, "y")],
        );
        let outside = Fix::safe("b", vec![Edit::replace(3, 99, "x")]);
        let (text, taken) = apply_pass("abcdef", &[&broken, &outside]);
        assert_eq!(text, "abcdef");
        assert!(taken.is_empty());
    }

    #[test]
    fn a_fix_that_breaks_the_syntax_is_refused() {
        let check = |text: &str, _: &Tree| {
            let start = text.find("x = 1").map(|i| i + 4);
            start
                .map(|at| Diagnostic {
                    code: "PO999",
                    name: "test",
                    message: "m".into(),
                    start: at,
                    end: at + 1,
                    fix: Some(Fix::safe("break it", vec![Edit::replace(at, at + 1, "(")])),
                    note: None,
                })
                .into_iter()
                .collect()
        };
        let outcome = fix_until_stable("x = 1\n", Applicability::Safe, &check).unwrap();
        assert_eq!(outcome.text, "x = 1\n");
        assert_eq!(outcome.refused.len(), 1);
    }

    #[test]
    fn a_fix_that_never_settles_is_an_error() {
        let check = |text: &str, _: &Tree| {
            vec![Diagnostic {
                code: "PO999",
                name: "test",
                message: "m".into(),
                start: 0,
                end: 0,
                fix: Some(Fix::safe("grow", vec![Edit::insert(text.len(), "#\n")])),
                note: None,
            }]
        };
        assert!(matches!(
            fix_until_stable("x = 1\n", Applicability::Safe, &check),
            Err(FixError::DidNotConverge(_))
        ));
    }
}
