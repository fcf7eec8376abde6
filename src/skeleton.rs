//! The parts of a file the parser must see: the statements a caller's test keeps, whole, as a
//! class with some of its members, or as a stub (the header and one token of the body, so a
//! `def` or `class` name stays defined). The ranges cut at line boundaries of the [`Outline`],
//! so the parts parse as they would in the whole file; nodes keep their positions in the text.

use crate::outline::{Kind, Outline, Statement};
use std::ops::Range;

/// What to keep of a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    Whole,
    /// A compound statement's header and the statements of its block the test keeps (with a
    /// one-token body when it keeps none).
    Members,
    /// A `def` or `class` line and a one-token body, without decorators: the name stays defined.
    Stub,
    /// A `def` line and the last line of its body, without decorators: the statement ends where
    /// it does in the file (the caller sees that the last line can stand alone).
    Tail,
    Drop,
}

/// The byte ranges to parse, sorted and merged. `keep` is asked about every statement of the
/// module and of the blocks it keeps members of, with its kind and whether it is at module level.
pub fn included(
    outline: &Outline,
    mut keep: impl FnMut(Statement, Kind, bool) -> Keep,
) -> Vec<Range<usize>> {
    let mut ranges = Vec::new();
    add_block(
        outline,
        0..outline.lines.len(),
        true,
        &mut keep,
        &mut ranges,
    );
    // Blank and comment lines between two parts join them: one range lexes faster than two.
    let source = outline.source;
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match merged.last_mut() {
            Some(last) if only_blanks_and_comments(&source[last.end..range.start]) => {
                last.end = range.end
            }
            _ => merged.push(range),
        }
    }
    merged
}

/// Whether `text` (whole lines) is only blank lines and comment lines.
fn only_blanks_and_comments(text: &str) -> bool {
    text.lines().all(|line| {
        let code = line.trim_start_matches([' ', '\t', '\x0c', '\r']);
        code.is_empty() || code.starts_with('#')
    })
}

/// Adds the kept statements of a block; whether it kept any.
fn add_block(
    outline: &Outline,
    lines: Range<usize>,
    module_level: bool,
    keep: &mut impl FnMut(Statement, Kind, bool) -> Keep,
    out: &mut Vec<Range<usize>>,
) -> bool {
    let mut kept = false;
    for statement in outline.statements(lines) {
        let kind = outline.kind(statement);
        match keep(statement, kind, module_level) {
            Keep::Drop => continue,
            Keep::Members if outline.opens_block(statement) => {
                let mark = out.len();
                out.push(outline.header_bytes(statement));
                if !add_block(outline, outline.body(statement), false, keep, out) {
                    out.truncate(mark);
                    add_stub(outline, statement, outline.header_bytes(statement), out);
                }
            }
            Keep::Stub => {
                let header = outline.lines[statement.header];
                add_stub(outline, statement, header.start..header.end, out)
            }
            Keep::Tail => {
                let (header, last) = (
                    outline.lines[statement.header],
                    outline.lines[statement.end - 1],
                );
                out.push(header.start..header.end);
                out.push(last.start..last.end);
            }
            Keep::Whole | Keep::Members => out.push(outline.bytes(statement)),
        }
        kept = true;
    }
    kept
}

/// `header`, then the first token of the first body line that is a statement on its own (`x`,
/// `return`, a word of a docstring: any such token parses as the body), then a newline. The whole
/// statement when no line has one.
fn add_stub(
    outline: &Outline,
    statement: Statement,
    header: Range<usize>,
    out: &mut Vec<Range<usize>>,
) {
    let bytes = outline.source.as_bytes();
    for line in outline.body(statement) {
        let line = outline.lines[line];
        let Some(token) = standalone_token(&outline.source[line.code..line.end]) else {
            continue;
        };
        let token_end = line.code + token;
        let Some(newline) = memchr::memchr(b'\n', &bytes[token_end..line.end]) else {
            continue;
        };
        out.push(header);
        out.push(line.start..token_end);
        out.push(token_end + newline..token_end + newline + 1);
        return;
    }
    out.push(outline.bytes(statement));
}

/// Keywords that cannot stand alone as a statement.
const NOT_A_STATEMENT: &[&str] = &[
    "and", "as", "assert", "async", "await", "class", "def", "del", "elif", "else", "except",
    "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not",
    "or", "try", "while", "with",
];

/// The length of the ASCII name or keyword `code` starts with, if it is a statement on its own.
fn standalone_token(code: &str) -> Option<usize> {
    let bytes = code.as_bytes();
    let len = bytes
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
        .count();
    let complete = bytes.get(len).is_none_or(|b| b.is_ascii());
    let word = &code[..len];
    (len > 0 && !bytes[0].is_ascii_digit() && complete && !NOT_A_STATEMENT.contains(&word))
        .then_some(len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_ranges;

    fn kept(source: &str, keep: impl FnMut(Statement, Kind, bool) -> Keep) -> String {
        let outline = Outline::scan(source);
        let ranges = included(&outline, keep);
        let tree = parse_ranges(source, &ranges).unwrap();
        assert!(
            !tree.root_node().has_error(),
            "{}",
            tree.root_node().to_sexp()
        );
        ranges.iter().map(|r| &source[r.clone()]).collect()
    }

    #[test]
    fn stubs_keep_names_and_parse() {
        let source = "import x\n\n@dec(1)\ndef f(a,\n      b):\n    \"\"\"Doc.\n\n    More.\"\"\"\n    try:\n        pass\n    except E:\n        pass\n\nclass K(B):\n    if x:\n        y = 1\n\nz = 2\n";
        let text = kept(source, |_, kind, _| match kind {
            Kind::Other => Keep::Whole,
            _ => Keep::Stub,
        });
        assert_eq!(
            text,
            "import x\ndef f(a,\n      b):\n        pass\nclass K(B):\n        y\n\nz = 2\n"
        );
    }

    #[test]
    fn a_tail_keeps_the_header_and_the_last_line() {
        let source = "class K:\n    @property\n    def f(self):\n        if x:\n            return g(\n                1)\n        # note\n\nz = 2\n";
        let text = kept(source, |_, kind, _| match kind {
            Kind::Class => Keep::Members,
            Kind::Def => Keep::Tail,
            Kind::Other => Keep::Whole,
        });
        assert_eq!(
            text,
            "class K:\n    def f(self):\n            return g(\n                1)\n        # note\n\nz = 2\n"
        );
    }

    #[test]
    fn classes_keep_the_members_asked_for() {
        let source = "class K:\n    a = 1\n    def f(self):\n        return 1\n\n    async def g(self):\n        await h()\n\nclass L:\n    def f(self): return 2\n    def g(self): return 3\n";
        let outline = Outline::scan(source);
        let keep = |s: Statement, kind: Kind, _: bool| match kind {
            Kind::Other => Keep::Whole,
            Kind::Class => Keep::Members,
            _ if outline.text(s).contains("async") => Keep::Whole,
            _ => Keep::Drop,
        };
        let text = kept(source, keep);
        assert_eq!(
            text,
            "class K:\n    a = 1\n    async def g(self):\n        await h()\n\nclass L:\n    def f(self): return 2\n    def g(self): return 3\n"
        );
    }
}
