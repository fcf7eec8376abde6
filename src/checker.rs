//! Runs the enabled codemods over one parsed file in a single tree walk (each codemod is called
//! only for the node kinds it declares), then applies suppression comments and per-file ignores.

use crate::codemod::{is_whole_word, Codemod, Context, FileContext, Prescan, Scope};
use crate::codemods::ALL;
use crate::diagnostic::Diagnostic;
use crate::edits::lifespan::may_be_startup_code;
use crate::outline::{defined_name, starts_with_word, Kind, Outline, Statement};
use crate::parse::NodeLookups;
use crate::parse::{parse_ranges, walk_within};
use crate::semantic::mentions::Relevance;
use crate::semantic::project::ProjectIndex;
use crate::settings::CodemodOptions;
use crate::skeleton::Keep;
use crate::source::{find_all, LineIndex};
use crate::syntax::{enclosing_statement, text};
use std::collections::{BTreeSet, HashMap, HashSet};
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
pub fn gated() -> bool {
    std::env::var_os("PERFOPT_PARSE_ALL").is_none()
}

/// The enabled codemods that could match `source`, judged by their literals (no parse needed).
pub fn candidate_codemods(
    source: &str,
    enabled: &BTreeSet<&'static str>,
) -> Vec<&'static dyn Codemod> {
    candidates_in(&Prescan::new(source), enabled)
}

/// [`candidate_codemods`], for a file whose text tests are shared with the project index.
pub fn candidates_in(
    scan: &Prescan,
    enabled: &BTreeSet<&'static str>,
) -> Vec<&'static dyn Codemod> {
    let gated = gated();
    ALL.iter()
        .copied()
        .filter(|c| enabled.contains(c.meta().code))
        .filter(|c| {
            let meta = c.meta();
            !gated
                || meta.requires.iter().all(|literal| scan.contains(literal))
                    && meta.gates.iter().any(|gate| gate.passes(scan))
        })
        .collect()
}

/// What parsing only the parts of a file the codemods can find something in or read (see
/// [`relevant_parts`]) tells: nothing to find there; or the findings, fixes included, which are
/// those of the whole file (the parts parse as they would in the whole file and hold all that
/// the codemods and their fixes read; the fixture tests and the benchmark's parse-everything run
/// check it), with the ranges where they lie; or that the whole file must be parsed (its outline
/// cannot be trusted, or the parts do not parse on their own).
pub fn check_in_parts(
    source: &str,
    codemods: &[&'static dyn Codemod],
    options: &CheckOptions,
) -> Parts {
    if !gated() {
        return Parts::Whole;
    }
    let (ranges, elided, holding) = match relevant_parts(source, codemods, options) {
        Relevant::Some {
            ranges,
            elided,
            holding,
        } => (ranges, elided, holding),
        Relevant::Nothing => return Parts::Nothing,
        Relevant::Whole => return Parts::Whole,
    };
    match parse_ranges(source, &ranges) {
        Some(tree) if tree.root_node().has_error() => Parts::Whole,
        Some(tree) => match check_parsed(source, &tree, codemods, options, Some(&holding), &elided)
        {
            findings if findings.is_empty() => Parts::Nothing,
            findings => Parts::Found(findings),
        },
        None => Parts::Whole,
    }
}

/// The parts of a file where findings can be.
pub enum Parts {
    Nothing,
    /// All of it: its outline cannot be trusted (see `Outline::well_formed`), or its parts do
    /// not parse alone.
    Whole,
    /// What the parts hold: what the whole file holds.
    Found(Vec<Diagnostic>),
}

/// What [`relevant_parts`] keeps of a file.
pub enum Relevant<'s> {
    Nothing,
    Whole,
    /// `elided`: the module-level definitions left out (name and bytes).
    Some {
        ranges: Vec<Range<usize>>,
        elided: Vec<(&'s str, Range<usize>)>,
        holding: Holding,
    },
}

/// The parts of `source` that can hold a finding of `codemods` or that they read: the
/// statements whose text can hold one, with the import statements their names resolve through,
/// the module's other top-level statements, its leading comments (where imports are added
/// below), and the fields and last member of the module-level classes those statements name and
/// of their bases (a fix reads a model's fields or adds a class after it), and the app's start-up
/// code (where a fix adds to it). The definitions left out are named in `elided`, and what they
/// bind and use is read from the text (see [`Unparsed`](crate::semantic::unparsed::Unparsed)).
pub fn relevant_parts<'s>(
    source: &'s str,
    codemods: &[&dyn Codemod],
    options: &CheckOptions,
) -> Relevant<'s> {
    let outline = Outline::scan(source);
    if !outline.well_formed {
        return Relevant::Whole;
    }
    let code = crate::outline::code_only(source);
    let relevance = Relevance::new(&outline, &code, codemods, options.module, options.project);
    // Whether each statement (by its first line) can hold a finding, and the texts that can,
    // by codemod.
    let mut holds_at = vec![false; outline.lines.len()];
    let mut holding_by: Vec<Vec<Range<usize>>> = vec![Vec::new(); codemods.len()];
    crate::skeleton::included(&outline, |statement, kind, _| {
        // A compound statement's block is judged statement by statement, its header alone.
        let compound = kind == Kind::Other && outline.opens_block(statement);
        let judged = match compound {
            true => outline.header_bytes(statement),
            false => outline.bytes(statement),
        };
        let holders = relevance.holders(judged.clone());
        let holds = holders != 0;
        holds_at[statement.first] = holds;
        if holds {
            for (i, ranges) in holding_by.iter_mut().enumerate() {
                if holders & (1 << i) != 0 {
                    ranges.push(judged.clone());
                }
            }
        }
        match kind {
            Kind::Other if compound => Keep::Members,
            Kind::Class if holds || relevance.imports_resolved_names(statement) => Keep::Members,
            _ => Keep::Drop,
        }
    });
    let mut holding = Holding::of(holding_by);
    if holding.any.is_empty() {
        return Relevant::Nothing;
    }
    let named = named_classes(&outline, &code, &holding.any);
    let kept_class = |statement: Statement| {
        named.contains(&statement.first)
            || holds_at[statement.first]
            || relevance.imports_resolved_names(statement)
    };
    // A module-level class keeps its last member, so that it ends where it does in the file: a
    // method that holds nothing, only as its header and last line (then no codemod sees it).
    let last_members: HashSet<usize> = outline
        .statements(0..outline.lines.len())
        .into_iter()
        .filter(|s| outline.kind(*s) == Kind::Class && kept_class(*s))
        .filter_map(|s| Some(outline.statements(outline.body(s)).last()?.first))
        .collect();
    let mut elided = Vec::new();
    let mut tails = Vec::new();
    let ranges = crate::skeleton::included(&outline, |statement, kind, module_level| {
        let holds = holds_at[statement.first];
        let keep = match kind {
            Kind::Def
                if last_members.contains(&statement.first)
                    && !holds
                    && !relevance.imports_resolved_names(statement)
                    && last_line_stands_alone(&outline, statement) =>
            {
                tails.push(outline.bytes(statement));
                Keep::Tail
            }
            _ if last_members.contains(&statement.first) => Keep::Whole,
            Kind::Other if outline.opens_block(statement) => Keep::Members,
            Kind::Other => Keep::Whole,
            Kind::Class if module_level && kept_class(statement) => Keep::Members,
            Kind::Class if holds || relevance.imports_resolved_names(statement) => Keep::Members,
            Kind::Def if holds || relevance.imports_resolved_names(statement) => Keep::Whole,
            Kind::Def if may_be_startup_code(&source[outline.header_bytes(statement)]) => {
                Keep::Whole
            }
            _ => Keep::Drop,
        };
        if keep == Keep::Drop && module_level {
            if let Some(name) = defined_name(outline.code(statement.header)) {
                elided.push((name, outline.bytes(statement)));
            }
        }
        keep
    });
    holding.leave_out(&tails);
    Relevant::Some {
        ranges: with_leading_comments(&outline, ranges),
        elided,
        holding,
    }
}

/// Whether the last line of a `def`'s body is another line than its header, and parses as a
/// statement on its own: not a clause of a compound statement (`else: pass`).
fn last_line_stands_alone(outline: &Outline, statement: Statement) -> bool {
    let last = statement.end - 1;
    last > statement.header
        && !["else", "elif", "except", "finally", "case"]
            .iter()
            .any(|clause| starts_with_word(outline.code(last), clause))
}

/// Where each candidate codemod can find something (see [`Relevance::holders`]): a node is shown
/// to a codemod only if it overlaps one of its statements.
pub struct Holding {
    /// By codemod, sorted and merged.
    by_codemod: Vec<Vec<Range<usize>>>,
    /// All of them.
    any: Vec<Range<usize>>,
}

impl Holding {
    fn of(by_codemod: Vec<Vec<Range<usize>>>) -> Self {
        let any = merged(by_codemod.iter().flatten().cloned().collect());
        let by_codemod = by_codemod.into_iter().map(merged).collect();
        Holding { by_codemod, any }
    }

    /// Leaves the bytes `out` (sorted, apart) out of every codemod's statements.
    fn leave_out(&mut self, out: &[Range<usize>]) {
        if out.is_empty() {
            return;
        }
        for ranges in self.by_codemod.iter_mut().chain([&mut self.any]) {
            *ranges = without(ranges, out);
        }
    }
}

/// `ranges` (sorted, apart) without the bytes of `out` (sorted, apart).
fn without(ranges: &[Range<usize>], out: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut kept = Vec::with_capacity(ranges.len());
    for range in ranges {
        let mut start = range.start;
        for cut in out
            .iter()
            .filter(|cut| cut.start < range.end && range.start < cut.end)
        {
            if start < cut.start {
                kept.push(start..cut.start);
            }
            start = start.max(cut.end);
        }
        if start < range.end {
            kept.push(start..range.end);
        }
    }
    kept
}

/// `ranges` sorted, the overlapping ones merged.
fn merged(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.sort_by_key(|range| range.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match merged.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => merged.push(range),
        }
    }
    merged
}

/// The module-level classes (by first line) named in the `holding` texts, and the classes the
/// named ones derive from. Names are looked for in `code` (see
/// [`code_only`](crate::outline::code_only)), each once.
fn named_classes(outline: &Outline, code: &str, holding: &[Range<usize>]) -> HashSet<usize> {
    let classes: Vec<(&str, Statement)> = outline
        .statements(0..outline.lines.len())
        .into_iter()
        .filter(|s| outline.kind(*s) == Kind::Class)
        .filter_map(|s| Some((defined_name(outline.code(s.header))?, s)))
        .collect();
    let mut named = HashSet::new();
    if classes.is_empty() {
        return named;
    }
    // Where each class is named, as a whole word.
    let mentions: Vec<Vec<usize>> = classes
        .iter()
        .map(|(name, _)| {
            find_all(code, name)
                .filter(|&at| is_whole_word(code, at..at + name.len()))
                .collect()
        })
        .collect();
    let mut naming = holding.to_vec();
    loop {
        let mut headers = Vec::new();
        for ((_, class), at) in classes.iter().zip(&mentions) {
            if !named.contains(&class.first)
                && at
                    .iter()
                    .any(|&at| crate::parse::overlaps_bytes(&naming, at..at + 1))
            {
                named.insert(class.first);
                headers.push(outline.header_bytes(*class));
            }
        }
        if headers.is_empty() {
            return named;
        }
        naming.extend(headers);
        naming = merged(naming);
    }
}

/// `ranges` with the comments and blank lines before the first statement.
fn with_leading_comments(outline: &Outline, mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    let first_code = outline.lines.first().map_or(0, |line| line.start);
    match ranges.first_mut() {
        Some(first) if first.start == first_code && first_code > 0 => first.start = 0,
        _ if first_code > 0 => ranges.insert(0, 0..first_code),
        _ => {}
    }
    ranges
}

/// All diagnostics for one file, sorted by position, suppressions applied.
pub fn check_tree(source: &str, tree: &Tree, options: &CheckOptions) -> Vec<Diagnostic> {
    let codemods = candidate_codemods(source, options.enabled);
    check_with(source, tree, &codemods, options)
}

/// The findings of `source`, whose whole `tree` is given: from its parts when it parses (they
/// find what the whole file holds), else from the tree. What the fixer checks each text it
/// makes with.
pub fn check_parsed_text(source: &str, tree: &Tree, options: &CheckOptions) -> Vec<Diagnostic> {
    let codemods = candidate_codemods(source, options.enabled);
    if crate::parse::syntax_error_count(tree) == 0 {
        match check_in_parts(source, &codemods, options) {
            Parts::Nothing => return Vec::new(),
            Parts::Found(findings) => return findings,
            Parts::Whole => {}
        }
    }
    check_with(source, tree, &codemods, options)
}

/// [`check_tree`] for `codemods`, the candidates among the enabled codemods.
pub fn check_with(
    source: &str,
    tree: &Tree,
    codemods: &[&'static dyn Codemod],
    options: &CheckOptions,
) -> Vec<Diagnostic> {
    check_parsed(source, tree, codemods, options, None, &[])
}

/// [`check_with`], for a tree of some parts of `source` too: `holding` says which nodes each
/// codemod is shown (see [`Holding`]), `elided` names the module-level definitions the parts
/// leave out.
fn check_parsed(
    source: &str,
    tree: &Tree,
    codemods: &[&'static dyn Codemod],
    options: &CheckOptions,
    holding: Option<&Holding>,
    elided: &[(&str, Range<usize>)],
) -> Vec<Diagnostic> {
    if codemods.is_empty() {
        return Vec::new();
    }
    let file = FileContext::new(
        source,
        tree,
        elided,
        options.module,
        options.project,
        options.options,
        options.enabled,
    );
    // The codemods that want each node kind, by kind id (cheaper than the kind's name).
    let mut by_kind: Vec<Vec<(usize, &dyn Codemod)>> = vec![Vec::new(); crate::parse::kind_count()];
    for (i, &codemod) in codemods.iter().enumerate() {
        for &id in codemod
            .node_kinds()
            .iter()
            .flat_map(|kind| crate::parse::kind_ids(kind))
        {
            let wanting = &mut by_kind[usize::from(id)];
            if wanting.last().is_none_or(|&(last, _)| last != i) {
                wanting.push((i, codemod));
            }
        }
    }
    let within = holding.map(|holding| holding.any.as_slice());
    let mut cx = Context::new(&file, codemods[0].meta());
    let mut visit = |node: tree_sitter::Node| {
        // ERROR nodes have an id past the grammar's kinds.
        let wanting = by_kind.get(usize::from(node.kind_id()));
        for &(i, codemod) in wanting.into_iter().flatten() {
            if holding.is_some_and(|h| !crate::parse::overlaps(&h.by_codemod[i], node)) {
                continue;
            }
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
                    .filter(|n| n.kind_name() == "comment" && n.start_byte() <= hash);
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
    use super::*;

    #[test]
    fn parts_keep_what_fixes_read_and_name_what_they_leave_out() {
        let source = "# header\nimport requests\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\nclass Item(Base):\n    name: str\n\n    def helper(self):\n        return 1\n\n    async def fetch(self):\n        return requests.get(\"http://x\")\n\n    def last(self):\n        two = 2\n        return two\n\n\nclass Base:\n    id: int\n\n\ndef unrelated():\n    return 3\n\n\n@app.on_event(\"startup\")\ndef started():\n    pass\n\n\n@app.get(\"/items\")\nasync def items() -> list[Item]:\n    return requests.get(\"http://x\").json()\n";
        let enabled: BTreeSet<&'static str> = ALL.iter().map(|c| c.meta().code).collect();
        let options = CheckOptions {
            enabled: &enabled,
            options: &CodemodOptions::default(),
            project: &ProjectIndex::default(),
            module: &["app".to_string()],
        };
        let codemods = candidate_codemods(source, &enabled);
        let Relevant::Some {
            ranges,
            elided,
            holding,
        } = relevant_parts(source, &codemods, &options)
        else {
            panic!("the route can hold a finding");
        };
        let kept: String = ranges.iter().map(|r| &source[r.clone()]).collect();
        for part in [
            "# header",
            "class Item(Base):\n    name: str",
            // The class's last member, as its header and last line: no codemod sees it.
            "    def last(self):\n        return two\n",
            "class Base:\n    id: int",
            "def started",
            "async def items",
            "async def fetch",
        ] {
            assert!(kept.contains(part), "{part} is kept:\n{kept}");
        }
        for part in ["def helper", "def unrelated", "two = 2"] {
            assert!(!kept.contains(part), "{part} is left out:\n{kept}");
        }
        let last = source.find("    def last").unwrap()..source.find("\n\n\nclass Base").unwrap();
        assert!(holding
            .by_codemod
            .iter()
            .chain([&holding.any])
            .flatten()
            .all(|range| range.end <= last.start || last.end <= range.start));
        let elided: Vec<&str> = elided
            .iter()
            .map(|(name, bytes)| &source[bytes.clone()][..name.len() + 4])
            .collect();
        assert_eq!(elided, ["def unrelated"]);
    }

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
