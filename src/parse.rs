//! Parsing with tree-sitter-python: one parser per thread, reused across files, and the count of
//! syntax errors that the fixer compares before and after every pass.

use std::cell::RefCell;
use std::ops::Range;
use tree_sitter::{Node, Parser, Point, Tree};

thread_local! {
    static PARSER: RefCell<Parser> = RefCell::new(new_parser());
}

fn new_parser() -> Parser {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_python::LANGUAGE.into())
        .expect("the bundled tree-sitter-python grammar matches the tree-sitter version");
    parser
}

/// Tree-sitter-python, for the lifetime of the process: the names below borrow it.
static LANGUAGE: std::sync::LazyLock<&'static tree_sitter::Language> =
    std::sync::LazyLock::new(|| Box::leak(Box::new(tree_sitter_python::LANGUAGE.into())));

/// The names of tree-sitter-python's node kinds, by kind id.
static KIND_NAMES: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    (0..LANGUAGE.node_kind_count())
        .map(|id| LANGUAGE.node_kind_for_id(id as u16).unwrap_or(""))
        .collect()
});

/// Tree-sitter-python's field names with their ids, sorted by name.
static FIELDS: std::sync::LazyLock<Vec<(&'static str, u16)>> = std::sync::LazyLock::new(|| {
    let mut fields: Vec<(&'static str, u16)> = (1..=LANGUAGE.field_count() as u16)
        .filter_map(|id| Some((LANGUAGE.field_name_for_id(id)?, id)))
        .collect();
    fields.sort_unstable();
    fields
});

/// The kind ids of each node kind name: a name can have several (an alias shares its name).
static KIND_IDS: std::sync::LazyLock<std::collections::HashMap<&'static str, Vec<u16>>> =
    std::sync::LazyLock::new(|| {
        let mut ids: std::collections::HashMap<&'static str, Vec<u16>> = Default::default();
        for (id, name) in KIND_NAMES.iter().enumerate() {
            ids.entry(name).or_default().push(id as u16);
        }
        ids
    });

/// How many node kinds the grammar has: every kind id is below it, but an ERROR node's.
pub fn kind_count() -> usize {
    KIND_NAMES.len()
}

/// The ids of the node kind `name`.
pub fn kind_ids(name: &str) -> &'static [u16] {
    KIND_IDS.get(name).map_or(&[], Vec::as_slice)
}

/// A node's kind and fields, looked up in tables built once: `Node::kind` measures and
/// validates the grammar's C string at each call, and `Node::child_by_field_name` compares the
/// name with each of the grammar's, which the codemods' many tests made 2% and 1% of a cold
/// `check`.
pub trait NodeLookups<'t> {
    fn kind_name(&self) -> &'static str;
    /// The child in the field `name` (see `Node::child_by_field_name`).
    fn field(&self, name: &str) -> Option<Node<'t>>;
}

impl<'t> NodeLookups<'t> for Node<'t> {
    fn field(&self, name: &str) -> Option<Node<'t>> {
        let at = FIELDS
            .binary_search_by(|(field, _)| (*field).cmp(name))
            .ok()?;
        self.child_by_field_id(FIELDS[at].1)
    }

    fn kind_name(&self) -> &'static str {
        KIND_NAMES
            .get(usize::from(self.kind_id()))
            .copied()
            // An ERROR node's id (65535) is no index of the table.
            .unwrap_or("ERROR")
    }
}

/// Parses Python source; `None` only if tree-sitter gave up (it never does without a timeout).
pub fn parse(text: &str) -> Option<Tree> {
    PARSER.with(|parser| {
        let mut parser = parser.borrow_mut();
        parser.reset();
        parser.parse(text, None)
    })
}

/// Parses only the byte `ranges` of `text` (sorted, not overlapping, cut at line starts or
/// before a newline) as if they were the whole file; nodes keep their positions in `text`.
/// `None` if tree-sitter rejects the ranges.
pub fn parse_ranges(text: &str, ranges: &[Range<usize>]) -> Option<Tree> {
    if ranges.is_empty() {
        // No ranges would mean the whole text to tree-sitter.
        return parse("");
    }
    let bytes = text.as_bytes();
    let (mut row, mut counted) = (0, 0);
    let mut point = |at: usize| {
        row += memchr::memchr_iter(b'\n', &bytes[counted..at]).count();
        counted = at;
        let line_start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
        Point::new(row, at - line_start)
    };
    let ranges: Vec<tree_sitter::Range> = ranges
        .iter()
        .map(|range| tree_sitter::Range {
            start_byte: range.start,
            end_byte: range.end,
            start_point: point(range.start),
            end_point: point(range.end),
        })
        .collect();
    PARSER.with(|parser| {
        let mut parser = parser.borrow_mut();
        parser.reset();
        let tree = match parser.set_included_ranges(&ranges) {
            Ok(()) => parser.parse(text, None),
            Err(_) => None,
        };
        parser
            .set_included_ranges(&[])
            .expect("no ranges is the whole text");
        tree
    })
}

/// ERROR and MISSING nodes in the tree: zero for a file that parses cleanly.
pub fn syntax_error_count(tree: &Tree) -> usize {
    if !tree.root_node().has_error() {
        return 0;
    }
    let mut count = 0;
    let mut cursor = tree.walk();
    loop {
        let node = cursor.node();
        if node.is_error() || node.is_missing() {
            count += 1;
        }
        // Only descend into subtrees that contain an error.
        if node.has_error() && !node.is_error() && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return count;
            }
        }
    }
}

/// Calls `visit` on every node in document order, iteratively (deep nesting cannot overflow).
pub fn walk_tree<'t>(root: Node<'t>, mut visit: impl FnMut(Node<'t>)) {
    find_node(root, |node| {
        visit(node);
        false
    });
}

/// Whether `node` overlaps one of `ranges` (sorted, not overlapping).
pub fn overlaps(ranges: &[Range<usize>], node: Node) -> bool {
    overlaps_bytes(ranges, node.byte_range())
}

/// Whether the non-empty `bytes` overlap one of `ranges` (sorted, not overlapping).
pub fn overlaps_bytes(ranges: &[Range<usize>], bytes: Range<usize>) -> bool {
    let first = ranges.partition_point(|range| range.end <= bytes.start);
    ranges
        .get(first)
        .is_some_and(|range| range.start < bytes.end)
}

/// [`walk_tree`] over the nodes that overlap one of `ranges` (sorted, not overlapping), or all.
pub fn walk_within<'t>(
    root: Node<'t>,
    ranges: Option<&[Range<usize>]>,
    mut visit: impl FnMut(Node<'t>),
) {
    let Some(ranges) = ranges else {
        return walk_tree(root, visit);
    };
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        let inside = overlaps(ranges, node);
        if inside {
            visit(node);
        }
        if inside && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return;
            }
        }
    }
}

/// Node kinds that contain statements: a statement-level walk descends only into these.
const STATEMENT_CONTAINERS: &[&str] = &[
    "module",
    "block",
    "if_statement",
    "elif_clause",
    "else_clause",
    "for_statement",
    "while_statement",
    "try_statement",
    "except_clause",
    "except_group_clause",
    "finally_clause",
    "with_statement",
    "function_definition",
    "class_definition",
    "decorated_definition",
    "match_statement",
    "case_clause",
];

/// Calls `visit` on every node that is a statement or a direct child of one (imports, function
/// and class definitions, decorators), without descending into expressions: a fraction of the
/// nodes of `walk_tree`.
pub fn walk_statements<'t>(root: Node<'t>, mut visit: impl FnMut(Node<'t>)) {
    let mut stack = vec![root];
    let mut cursor = root.walk();
    while let Some(node) = stack.pop() {
        visit(node);
        if STATEMENT_CONTAINERS.contains(&node.kind_name()) {
            let start = stack.len();
            stack.extend(node.children(&mut cursor));
            stack[start..].reverse();
        }
    }
}

/// The first node in document order that satisfies `wanted`; stops walking when found.
pub fn find_node<'t>(root: Node<'t>, mut wanted: impl FnMut(Node<'t>) -> bool) -> Option<Node<'t>> {
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        if wanted(node) {
            return Some(node);
        }
        if cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_errors_and_accepts_modern_syntax() {
        let clean = "type Point = tuple[float, float]\ndef f[T](x: T) -> T:\n    match x:\n        case _: pass\ntry:\n    pass\nexcept* ValueError:\n    pass\n";
        assert_eq!(syntax_error_count(&parse(clean).unwrap()), 0);
        assert!(syntax_error_count(&parse("def f(:\n").unwrap()) > 0);
    }

    #[test]
    fn kind_names_are_the_grammars_error_nodes_included() {
        let tree = parse("x = [y async for y in z]\n) = (\n").unwrap();
        let mut names = Vec::new();
        walk_tree(tree.root_node(), |node| {
            names.push((node.kind_name(), node.kind()))
        });
        assert!(names.iter().all(|(name, kind)| name == kind), "{names:?}");
        assert!(names.iter().any(|(name, _)| *name == "ERROR"), "{names:?}");
        assert!(names.iter().any(|(name, _)| *name == "list_comprehension"));
    }

    #[test]
    fn fields_are_the_grammars() {
        let tree =
            parse("async def f(a: int = 1) -> None:\n    return [g(x) for x in a]\n").unwrap();
        let mut checked = 0;
        walk_tree(tree.root_node(), |node| {
            for (name, _) in FIELDS.iter() {
                assert_eq!(node.field(name), node.child_by_field_name(name), "{name}");
                checked += usize::from(node.field(name).is_some());
            }
            assert_eq!(node.field("no_such_field"), None);
        });
        assert!(checked > 10);
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let text = format!("x = {}1{}\n", "(".repeat(10_000), ")".repeat(10_000));
        let tree = parse(&text).unwrap();
        let mut nodes = 0;
        walk_tree(tree.root_node(), |_| nodes += 1);
        assert!(nodes > 10_000);
        syntax_error_count(&tree);
    }
}

#[cfg(test)]
mod walk_tests {
    use super::*;

    #[test]
    fn statement_walk_reaches_nested_statements_but_not_expressions() {
        let source =
            "import a\ntry:\n    import b\nexcept E:\n    if x:\n        import c\nf(lambda: 1)\n";
        let tree = parse(source).unwrap();
        let mut kinds = Vec::new();
        walk_statements(tree.root_node(), |n| kinds.push(n.kind_name()));
        assert_eq!(
            kinds.iter().filter(|k| **k == "import_statement").count(),
            3
        );
        assert!(!kinds.contains(&"lambda"));
        assert_eq!(
            find_node(tree.root_node(), |n| n.kind_name() == "lambda").map(|n| n.start_byte()),
            source.find("lambda")
        );
    }
}
