//! Runs the enabled codemods over one parsed file in a single tree walk (each codemod is called
//! only for the node kinds it declares), then applies suppression comments and per-file ignores.

use crate::codemod::{Codemod, Context, FileContext, Scope};
use crate::codemods::ALL;
use crate::diagnostic::Diagnostic;
use crate::outline::{Kind, Outline};
use crate::parse::{parse_ranges, walk_within};
use crate::semantic::mentions::Relevance;
use crate::semantic::project::ProjectIndex;
use crate::settings::CodemodOptions;
use crate::skeleton::Keep;
use crate::source::{contains, find_all, LineIndex};
use crate::syntax::{enclosing_statement, text};
use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use tree_sitter::Tree;

/// What the checker needs besides the file itself.
pub struct CheckOptions<'a> {
    pub enabled: &'a BTreeSet<&'static str>,
    pub options: &'a CodemodOptions,
    pub project: &'a ProjectIndex,
    pub module: &'a [String],
}

/// PERFOPT_PARSE_ALL=1 turns the text gates off (every file is parsed whole): the benchmark uses
/// it to show that the gates lose no finding.
fn gated() -> bool {
    std::env::var_os("PERFOPT_PARSE_ALL").is_none()
}

/// The enabled codemods that could match `source`, judged by their literals (no parse needed).
pub fn candidate_codemods(
    source: &str,
    enabled: &BTreeSet<&'static str>,
) -> Vec<&'static dyn Codemod> {
    let gated = gated();
    let mut import_lines = None;
    ALL.iter()
        .copied()
        .filter(|c| enabled.contains(c.meta().code))
        .filter(|c| {
            let meta = c.meta();
            !gated
                || meta
                    .requires
                    .iter()
                    .all(|literal| contains(source, literal))
                    && {
                        let imports = import_lines
                            .get_or_insert_with(|| crate::codemod::import_lines(source));
                        meta.gates.iter().any(|gate| gate.passes(source, imports))
                    }
        })
        .collect()
}

/// Where in `source` the codemods can find something, judged from a parse of only the parts
/// of the file they can find something in or read (see [`relevant_parts`]): nowhere when checking
/// those parts finds nothing; else the whole file must be checked, visiting only those parts
/// (`Parts::Some`) or all of it. The parts parse as they would in the whole file, and what they
/// lack (other definitions, comments) can only add findings, never hide one.
pub fn parts_to_check(
    source: &str,
    codemods: &[&'static dyn Codemod],
    options: &CheckOptions,
) -> Parts {
    if !gated() {
        return Parts::Whole;
    }
    let ranges = match relevant_parts(source, codemods, options) {
        Parts::Some(ranges) => ranges,
        other => return other,
    };
    match parse_ranges(source, &ranges) {
        Some(tree) if tree.root_node().has_error() => Parts::Whole,
        Some(tree) if check_with(source, &tree, codemods, options, None).is_empty() => {
            Parts::Nothing
        }
        Some(_) => Parts::Some(ranges),
        None => Parts::Whole,
    }
}

/// The parts of a file where findings can be.
pub enum Parts {
    Nothing,
    /// All of it: its outline cannot be trusted (see `Outline::well_formed`), or the parts that
    /// matter are most of it.
    Whole,
    Some(Vec<Range<usize>>),
}

/// The parts of `source` that can hold a finding of `codemods` or that they read.
pub fn relevant_parts(source: &str, codemods: &[&dyn Codemod], options: &CheckOptions) -> Parts {
    let outline = Outline::scan(source);
    if !outline.well_formed {
        return Parts::Whole;
    }
    let relevance = Relevance::new(&outline, codemods, options.module, options.project);
    let mut can_hold = false;
    let ranges = crate::skeleton::included(&outline, |statement, kind, _| {
        // A compound statement's block is judged statement by statement, its header alone.
        let compound = kind == Kind::Other && outline.opens_block(statement);
        let judged = match compound {
            true => outline.header_bytes(statement),
            false => outline.bytes(statement),
        };
        let holds = relevance.can_hold(judged);
        can_hold |= holds;
        let resolves = || relevance.imports_resolved_names(statement);
        match kind {
            Kind::Other if compound => Keep::Members,
            Kind::Other => Keep::Whole,
            Kind::Class if holds || resolves() => Keep::Members,
            Kind::Def if holds || resolves() => Keep::Whole,
            _ => Keep::Drop,
        }
    });
    let kept: usize = ranges.iter().map(|range| range.len()).sum();
    match can_hold {
        false => Parts::Nothing,
        // Parsing most of the file twice (once in part, then whole) costs more than once whole.
        true if kept > source.len() / 2 => Parts::Whole,
        true => Parts::Some(ranges),
    }
}

/// All diagnostics for one file, sorted by position, suppressions applied.
pub fn check_tree(source: &str, tree: &Tree, options: &CheckOptions) -> Vec<Diagnostic> {
    let codemods = candidate_codemods(source, options.enabled);
    check_with(source, tree, &codemods, options, None)
}

/// [`check_tree`] for `codemods`, the candidates among the enabled codemods, visiting only the
/// nodes `within` the byte ranges given (where all findings lie, see [`parts_to_check`]).
pub fn check_with(
    source: &str,
    tree: &Tree,
    codemods: &[&'static dyn Codemod],
    options: &CheckOptions,
    within: Option<&[Range<usize>]>,
) -> Vec<Diagnostic> {
    if codemods.is_empty() {
        return Vec::new();
    }
    let file = FileContext::new(
        source,
        tree,
        options.module,
        options.project,
        options.options,
        options.enabled,
    );
    // The codemods that want each node kind, by kind id (cheaper than the kind's name).
    let language = tree.language();
    let by_kind: Vec<Vec<&dyn Codemod>> = (0..language.node_kind_count())
        .map(|id| {
            let kind = language.node_kind_for_id(id as u16);
            codemods
                .iter()
                .copied()
                .filter(|c| kind.is_some_and(|kind| c.node_kinds().contains(&kind)))
                .collect()
        })
        .collect();
    let mut cx = Context::new(&file, codemods[0].meta());
    let mut visit = |node: tree_sitter::Node| {
        // ERROR nodes have an id past the grammar's kinds.
        let wanting = by_kind.get(usize::from(node.kind_id()));
        for codemod in wanting.into_iter().flatten() {
            cx.switch_to(codemod.meta());
            codemod.check(node, &mut cx);
        }
    };
    if codemods
        .iter()
        .all(|c| c.meta().scope == Scope::AsyncFunctions)
    {
        // Only `async def` bodies can hold a finding: skip the rest of the module.
        for function in file.scopes.outermost_async_functions() {
            walk_within(function, within, &mut visit);
        }
    } else {
        walk_within(tree.root_node(), within, &mut visit);
    }
    let mut diagnostics = cx.diagnostics;
    if tree.root_node().has_error() {
        // Report only where the tree is sound; never fix a file that does not parse.
        diagnostics.retain(|d| {
            let node = tree.root_node().descendant_for_byte_range(d.start, d.end);
            node.and_then(enclosing_statement)
                .is_some_and(|s| !s.has_error())
        });
        for diagnostic in &mut diagnostics {
            if diagnostic.fix.take().is_some() {
                diagnostic.note =
                    Some("the file has syntax errors, so perfopt does not fix it".into());
            }
        }
    }
    if !diagnostics.is_empty() {
        let suppressions = Suppressions::collect(source, tree);
        diagnostics.retain(|d| !suppressions.suppresses(d));
    }
    diagnostics.sort_by(|a, b| (a.start, a.code).cmp(&(b.start, b.code)));
    diagnostics
}

/// `# noqa`, `# noqa: PO101`, `# perfopt: ignore` and `# perfopt: ignore[PO101, PO102]` comments.
struct Suppressions {
    index: LineIndex,
    /// Line → codes suppressed there (`None`: all codes).
    lines: HashMap<usize, Option<Vec<String>>>,
}

impl Suppressions {
    /// Finds the markers by text, then asks the tree whether each `#` starts a comment.
    fn collect(source: &str, tree: &Tree) -> Self {
        let index = LineIndex::new(source);
        let mut lines = HashMap::new();
        let root = tree.root_node();
        for marker in ["noqa", "perfopt:"] {
            for at in find_all(source, marker) {
                let Some(hash) = source[..at].rfind('#') else {
                    continue;
                };
                let comment = root
                    .descendant_for_byte_range(hash, hash + 1)
                    .filter(|n| n.kind() == "comment" && n.start_byte() <= hash);
                if let Some(comment) = comment {
                    if let Some(codes) = parse_suppression(text(comment, source)) {
                        lines.insert(index.line_of(comment.start_byte()), codes);
                    }
                }
            }
        }
        Suppressions { index, lines }
    }

    fn suppresses(&self, diagnostic: &Diagnostic) -> bool {
        let first = self.index.line_of(diagnostic.start);
        let last = self.index.line_of(diagnostic.end);
        [first, last].iter().any(|line| match self.lines.get(line) {
            Some(None) => true,
            Some(Some(codes)) => codes
                .iter()
                .any(|c| diagnostic.code.starts_with(c.as_str())),
            None => false,
        })
    }
}

/// The codes a comment suppresses: `Some(None)` for all, `None` if it is no suppression.
pub(crate) fn parse_suppression(comment: &str) -> Option<Option<Vec<String>>> {
    let body = comment.trim_start_matches('#').trim();
    let codes = |list: &str| -> Vec<String> {
        list.split([',', ' '])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect()
    };
    for part in body.split('#').map(str::trim) {
        let lower = part.to_ascii_lowercase();
        if let Some(rest) = lower.strip_prefix("noqa") {
            let rest = &part[part.len() - rest.len()..];
            return Some(rest.trim_start().strip_prefix(':').map(codes));
        }
        if let Some(rest) = part.strip_prefix("perfopt:") {
            let rest = rest.trim();
            if let Some(list) = rest.strip_prefix("ignore") {
                let list = list.trim();
                return Some(
                    list.strip_prefix('[')
                        .and_then(|l| l.strip_suffix(']'))
                        .map(codes),
                );
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::parse_suppression;

    #[test]
    fn suppression_comments() {
        assert_eq!(parse_suppression("# noqa"), Some(None));
        assert_eq!(
            parse_suppression("# noqa: PO101, PO102"),
            Some(Some(vec!["PO101".into(), "PO102".into()]))
        );
        assert_eq!(
            parse_suppression("# perfopt: ignore[PO101]"),
            Some(Some(vec!["PO101".into()]))
        );
        assert_eq!(
            parse_suppression("# type: ignore  # perfopt: ignore"),
            Some(None)
        );
        assert_eq!(parse_suppression("# just a comment"), None);
    }
}
