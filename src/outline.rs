//! A line-level outline of Python source, read without parsing: its logical lines (one
//! statement, or a compound statement's header, each), their indentation, and the statements
//! and blocks they form. It follows tree-sitter-python's reading of strings, brackets, comments,
//! line continuations and indentation closely enough to cut a file at statement boundaries; where
//! it does not, parsing the parts it picks gives a syntax error, and the caller parses the file
//! whole (see `skeleton`).

use memchr::{memchr, memchr2, memchr3};
use std::ops::Range;

#[derive(Debug, Clone, Copy)]
pub struct Line {
    /// Start of its first physical line.
    pub start: usize,
    /// Its first byte of code, after the indentation.
    pub code: usize,
    /// Just after the newline that ends it (the end of the text for a last line without one).
    pub end: usize,
    /// Indentation as tree-sitter-python counts it: a space 1, a tab 8, a form feed resets.
    pub width: u32,
    /// Whether it ends with `:` outside brackets: a compound statement's header with a block below.
    pub opens_block: bool,
}

/// A statement at some level of the outline: lines `first..end`, where `header` is the line
/// after any decorators (the `def`, `class`, `if`, … line, or the statement itself).
#[derive(Debug, Clone, Copy)]
pub struct Statement {
    pub first: usize,
    pub header: usize,
    pub end: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Def,
    Class,
    Other,
}

pub struct Outline<'s> {
    pub source: &'s str,
    pub lines: Vec<Line>,
    /// Whether strings, brackets, line continuations and indentation are all well formed. Only
    /// then are its statements the parser's: around such a syntax error the parser's recovery
    /// may group the code differently.
    pub well_formed: bool,
}

impl<'s> Outline<'s> {
    pub fn scan(source: &'s str) -> Self {
        let mut lines: Vec<Line> = Vec::new();
        let mut well_formed = true;
        // The indentation of the enclosing blocks, as the tokenizer keeps it.
        let mut indents = vec![0];
        let mut at = 0;
        while let Some((line, line_well_formed)) = read_line(source, at) {
            let top = *indents.last().expect("the module level stays");
            if lines.last().is_some_and(|line| line.opens_block) {
                well_formed &= line.width > top;
                indents.push(line.width);
            } else {
                while line.width < *indents.last().expect("the module level stays")
                    && indents.len() > 1
                {
                    indents.pop();
                }
                well_formed &= line.width == *indents.last().expect("the module level stays");
            }
            well_formed &= line_well_formed;
            lines.push(line);
            at = line.end;
        }
        well_formed &= !lines.last().is_some_and(|line| line.opens_block);
        well_formed &= !has_invisible_blank(source.as_bytes()) && !has_lone_carriage_return(source);
        Outline {
            source,
            lines,
            well_formed,
        }
    }

    /// The statements of a block: `lines` are the lines of the block (or all of them, for the module).
    pub fn statements(&self, lines: Range<usize>) -> Vec<Statement> {
        let mut statements = Vec::new();
        let mut first = lines.start;
        while first < lines.end {
            let mut header = first;
            while header + 1 < lines.end && self.code(header).starts_with('@') {
                header += 1;
            }
            let mut end = header + 1;
            if self.lines[header].opens_block {
                let width = self.lines[header].width;
                while end < lines.end && self.lines[end].width > width {
                    end += 1;
                }
            }
            statements.push(Statement { first, header, end });
            first = end;
        }
        statements
    }

    /// The lines of a statement's block (none when its body is on the header line).
    pub fn body(&self, statement: Statement) -> Range<usize> {
        statement.header + 1..statement.end
    }

    /// The bytes of a statement, from its first line to the newline of its last.
    pub fn bytes(&self, statement: Statement) -> Range<usize> {
        self.lines[statement.first].start..self.lines[statement.end - 1].end
    }

    /// The bytes of a statement's decorators and header line.
    pub fn header_bytes(&self, statement: Statement) -> Range<usize> {
        self.lines[statement.first].start..self.lines[statement.header].end
    }

    /// Whether a statement has a block below its header.
    pub fn opens_block(&self, statement: Statement) -> bool {
        self.lines[statement.header].opens_block
    }

    pub fn text(&self, statement: Statement) -> &'s str {
        &self.source[self.bytes(statement)]
    }

    pub fn kind(&self, statement: Statement) -> Kind {
        let code = self.code(statement.header);
        let after_async = code
            .strip_prefix("async")
            .map(skip_blanks)
            .filter(|rest| rest.len() < code.len() - "async".len());
        if starts_with_word(after_async.unwrap_or(code), "def") {
            Kind::Def
        } else if starts_with_word(code, "class") {
            Kind::Class
        } else {
            Kind::Other
        }
    }

    /// The code of a line, from its first byte of code to its end.
    pub fn code(&self, line: usize) -> &'s str {
        let line = self.lines[line];
        &self.source[line.code..line.end]
    }

    /// The index of the line that contains byte `at`, if a line does.
    pub fn line_at(&self, at: usize) -> Option<usize> {
        let index = self
            .lines
            .partition_point(|line| line.start <= at)
            .checked_sub(1)?;
        (at < self.lines[index].end).then_some(index)
    }
}

/// The indentation unit: how far the body of the first top-level compound statement (`def`,
/// `class`, `if`, …) is indented. Lines inside strings, and comments, do not count.
pub fn indent_unit(source: &str) -> Option<&str> {
    let mut at = 0;
    while let Some(line) = Line::read(source, at) {
        if line.width == 0 && line.opens_block {
            let body = Line::read(source, line.end).filter(|body| body.width > 0)?;
            let lead = &source[body.start..body.code];
            if lead.bytes().all(|b| b == b' ' || b == b'\t') {
                return Some(lead);
            }
        }
        at = line.end;
    }
    None
}

/// The quote character of the first string literal in the code that is not triple-quoted.
pub fn first_quote(source: &str) -> Option<char> {
    let bytes = source.as_bytes();
    let mut at = 0;
    while let Some(offset) = memchr3(b'#', b'"', b'\'', &bytes[at..]) {
        at += offset;
        let quote = bytes[at];
        if quote == b'#' {
            at = memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
        } else if bytes[at + 1..].starts_with(&[quote, quote]) {
            at = string_end(bytes, at);
        } else {
            return Some(quote as char);
        }
    }
    None
}

/// The name a `def`, `async def` or `class` line defines.
pub fn defined_name(code: &str) -> Option<&str> {
    let code = code.strip_prefix("async").map_or(code, str::trim_start);
    let rest = ["def", "class"]
        .iter()
        .find_map(|keyword| code.strip_prefix(keyword))
        .filter(|rest| rest.starts_with([' ', '\t']))?
        .trim_start();
    let end = rest
        .find(|c: char| !is_identifier_char(c))
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

/// The names and punctuation of some code with their offsets, in order: strings, comments,
/// numbers and line continuations are skipped (an f-string's expressions too).
pub fn code_tokens(code: &str) -> Vec<(usize, &str)> {
    let bytes = code.as_bytes();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        if byte.is_ascii_whitespace() || byte == b'\\' {
            at += 1;
        } else if byte == b'#' {
            at = memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
        } else if byte == b'"' || byte == b'\'' {
            at = string_end(bytes, at);
        } else if is_identifier_char(byte as char) || !byte.is_ascii() {
            let start = at;
            while at < bytes.len()
                && (bytes[at].is_ascii_alphanumeric() || bytes[at] == b'_' || !bytes[at].is_ascii())
            {
                at += 1;
            }
            let word = &code[start..at];
            let prefixes_string = matches!(bytes.get(at), Some(b'"' | b'\''))
                && word.len() <= 2
                && word.bytes().all(|b| b"rRbBfFuUtT".contains(&b));
            if !bytes[start].is_ascii_digit() && !prefixes_string {
                tokens.push((start, word));
            }
        } else {
            tokens.push((at, &code[at..at + 1]));
            at += 1;
        }
    }
    tokens
}

/// `text` with its comments and its string literals but f-strings and t-strings (whose
/// expressions are code) blanked out, byte for byte: newlines stay, and so do offsets and lines.
/// Text tests on it see only code, not the examples of a docstring.
pub fn code_only(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut code = bytes.to_vec();
    let blank = |code: &mut Vec<u8>, range: std::ops::Range<usize>| {
        for byte in &mut code[range] {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
    };
    let is_name = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || !b.is_ascii();
    let mut at = 0;
    while let Some(found) = memchr3(b'#', b'"', b'\'', &bytes[at..]) {
        at += found;
        if bytes[at] == b'#' {
            let end = memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
            blank(&mut code, at..end);
            at = end;
            continue;
        }
        // The string's prefix: one or two letters right before the quote, after no other
        // name character.
        let letters = bytes[..at]
            .iter()
            .rev()
            .take_while(|b| is_name(**b))
            .take(3)
            .count();
        let prefix = &bytes[at - letters..at];
        let end = string_end(bytes, at);
        let prefixed = letters <= 2 && prefix.iter().all(|b| b"rRbBuUfFtT".contains(b));
        if !(prefixed && prefix.iter().any(|b| b"fFtT".contains(b))) {
            blank(&mut code, if prefixed { at - letters } else { at }..end);
        }
        at = end;
    }
    String::from_utf8(code).expect("only whole characters are blanked")
}

/// Keywords that open a compound statement (`match` and `case` only when a `:` follows).
const COMPOUND_KEYWORDS: &[&str] = &[
    "if", "elif", "else", "for", "while", "with", "try", "except", "finally", "def", "class",
    "async", "match", "case",
];

/// The simple statements of a logical line, split at `;` outside brackets and strings, and
/// whether the line is a one-line compound statement (then they are its body: `if x: a = 1; b = 2`
/// gives `a = 1` and `b = 2`).
pub fn simple_statements(code: &str) -> (Vec<&str>, bool) {
    let first_word = code.split(|c: char| !is_identifier_char(c)).next();
    if first_word.is_some_and(|w| COMPOUND_KEYWORDS.contains(&w)) {
        if let Some(statements) = split_statements(code, true) {
            return (statements, true);
        }
    }
    let statements = split_statements(code, false).expect("no header to find");
    (statements, false)
}

/// Splits at `;` (after the first `:` when `after_header`; `None` if there is none).
fn split_statements(code: &str, after_header: bool) -> Option<Vec<&str>> {
    let bytes = code.as_bytes();
    let mut start = (!after_header).then_some(0);
    let mut statements = Vec::new();
    let (mut depth, mut at) = (0usize, 0);
    while at < bytes.len() && bytes[at] != b'#' {
        match bytes[at] {
            b'\\' => at += 1,
            b'"' | b'\'' => {
                at = string_end(bytes, at);
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b':' if depth == 0 && start.is_none() => start = Some(at + 1),
            b';' if depth == 0 => {
                if let Some(from) = start {
                    statements.push(code[from..at].trim());
                    start = Some(at + 1);
                }
            }
            _ => {}
        }
        at += 1;
    }
    statements.push(code[start?..at.min(bytes.len())].trim());
    statements.retain(|s| !s.is_empty());
    Some(statements)
}

impl Line {
    /// The first logical line at or after byte `at`, the start of a physical line (blank and
    /// comment lines skipped): to read a few lines of a text without outlining all of it.
    pub fn read(source: &str, at: usize) -> Option<Line> {
        read_line(source, at).map(|(line, _)| line)
    }

    /// Its code, from its first byte of code to its end.
    pub fn code<'s>(&self, source: &'s str) -> &'s str {
        &source[self.code..self.end]
    }
}

/// The first logical line at or after `at` (a line start), and whether it is well formed (its
/// strings, brackets and continuations, and whether it reads as complete statements).
fn read_line(source: &str, mut at: usize) -> Option<(Line, bool)> {
    let bytes = source.as_bytes();
    loop {
        let start = at;
        let mut width = 0u32;
        while at < bytes.len() {
            match bytes[at] {
                b' ' => width += 1,
                b'\t' => width += 8,
                b'\x0c' => width = 0,
                _ => break,
            }
            at += 1;
        }
        // A line continued at once (a lone `\`): where its code starts is the parser's call.
        let continued_at_once =
            bytes.get(at) == Some(&b'\\') && matches!(bytes.get(at + 1), Some(b'\n' | b'\r'));
        match bytes.get(at)? {
            // Blank and comment-only lines belong to no statement.
            b'\n' | b'\r' | b'#' => {
                at = memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i + 1);
            }
            _ => {
                let scan = logical_line_end(bytes, at);
                let last_code = scan.last.map_or("", |last| &source[at..=last]);
                let line = Line {
                    start,
                    code: at,
                    end: scan.end,
                    width,
                    opens_block: last_code.ends_with(':'),
                };
                return Some((
                    line,
                    scan.well_formed && reads_complete(last_code, scan.colon) && !continued_at_once,
                ));
            }
        }
    }
}

/// `text` after its leading blanks and line continuations (newlines too: the parser reads on
/// where a statement is incomplete).
pub fn skip_blanks(text: &str) -> &str {
    text.trim_start_matches(|c: char| c.is_whitespace() || c == '\\')
}

pub fn starts_with_word(text: &str, word: &str) -> bool {
    text.strip_prefix(word)
        .is_some_and(|rest| !rest.starts_with(is_identifier_char))
}

/// Letters, digits, `_` and anything non-ASCII (which tree-sitter-python may take for a letter).
pub fn is_identifier_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii()
}

/// Where the logical line starting at `at` ends (after its newline), its last byte of code
/// (outside strings and comments), and whether its strings, brackets and line continuations
/// are well formed.
fn logical_line_end(bytes: &[u8], mut at: usize) -> LineScan {
    let mut depth = 0usize;
    let mut last = None;
    let (mut colon, mut well_formed) = (false, true);
    loop {
        // Most bytes matter only as the line's last byte of code: a run of them is skipped at
        // once, then its last one found.
        let run = at;
        while at < bytes.len() && !SPECIAL[usize::from(bytes[at])] {
            at += 1;
        }
        if let Some(i) = bytes[run..at]
            .iter()
            .rposition(|b| !b.is_ascii_whitespace())
        {
            last = Some(run + i);
        }
        let Some(&byte) = bytes.get(at) else {
            break;
        };
        match byte {
            b'\n' if depth == 0 => break,
            b':' if depth == 0 => colon = true,
            b'#' => {
                at = memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
                continue;
            }
            b'\\' => {
                let rest = &bytes[at + 1..];
                let newline = [&b"\n"[..], b"\r\n"]
                    .into_iter()
                    .find(|n| rest.starts_with(n));
                well_formed &= newline.is_some();
                at += 1 + newline.map_or(1, <[u8]>::len);
                continue;
            }
            b'"' | b'\'' => {
                let (end, closed) = string_close(bytes, at);
                well_formed &= closed;
                last = Some(end - 1);
                at = end;
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                well_formed &= depth > 0;
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
        if !byte.is_ascii_whitespace() {
            last = Some(at);
        }
        at += 1;
    }
    LineScan {
        end: (at + 1).min(bytes.len()),
        last,
        colon,
        well_formed: well_formed && depth == 0,
    }
}

/// The bytes [`logical_line_end`] stops at: the others only end a run of code.
static SPECIAL: [bool; 256] = {
    let mut special = [false; 256];
    let bytes = b"\n:#\\\"'([{)]}";
    let mut i = 0;
    while i < bytes.len() {
        special[bytes[i] as usize] = true;
        i += 1;
    }
    special
};

/// What [`logical_line_end`] finds.
struct LineScan {
    end: usize,
    /// Where its last byte of code (outside strings and comments) is.
    last: Option<usize>,
    /// Whether it has a `:` outside brackets.
    colon: bool,
    /// Whether its strings, brackets and line continuations are well formed.
    well_formed: bool,
}

/// Whether the text has a character tree-sitter-python skips like a blank (a byte-order mark, a
/// word joiner or a zero-width space), which the outline would read as part of a name.
fn has_invisible_blank(bytes: &[u8]) -> bool {
    ["\u{feff}", "\u{2060}", "\u{200b}"]
        .iter()
        .any(|blank| memchr::memmem::find(bytes, blank.as_bytes()).is_some())
}

/// Whether a carriage return ends a line on its own (an old Mac line break), which the outline
/// would not see as one.
fn has_lone_carriage_return(source: &str) -> bool {
    let bytes = source.as_bytes();
    memchr::memchr_iter(b'\r', bytes).any(|at| bytes.get(at + 1) != Some(&b'\n'))
}

/// Keywords a statement cannot end with.
const CONTINUING_KEYWORDS: &[&str] = &[
    "and", "as", "assert", "async", "await", "class", "def", "del", "elif", "else", "except",
    "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or",
    "while", "with",
];

/// Whether a logical line (its code, without a trailing comment) reads as complete statements:
/// the parser ends a statement at a newline only where it can, and otherwise reads on into the
/// next line (`from a` then `import b` is one statement to it), where the outline would cut.
fn reads_complete(code: &str, colon: bool) -> bool {
    let first_word = code
        .split(|c: char| !is_identifier_char(c))
        .next()
        .unwrap_or("");
    let last_word = code
        .rsplit(|c: char| !is_identifier_char(c))
        .next()
        .unwrap_or("");
    let last = code.chars().next_back().unwrap_or(' ');
    let ends_well = match last {
        ')' | ']' | '}' | '"' | '\'' | ';' | ':' => true,
        '.' => code.ends_with("..."),
        '*' => code.trim_end_matches('*').trim_end().ends_with("import"),
        c if is_identifier_char(c) => !CONTINUING_KEYWORDS.contains(&last_word),
        _ => false,
    };
    let header_has_colon =
        colon || !COMPOUND_KEYWORDS.contains(&first_word) || matches!(first_word, "match" | "case");
    let import_has_import =
        first_word != "from" || code_tokens(code).iter().any(|(_, t)| *t == "import");
    ends_well && header_has_colon && import_has_import
}

/// Just after the string literal whose opening quote is at `at`.
fn string_end(bytes: &[u8], at: usize) -> usize {
    string_close(bytes, at).0
}

/// Just after the string literal whose opening quote is at `at`, and whether it is closed. A
/// backslash escapes the next byte (in raw strings too, as far as finding the end goes); a
/// one-quoted string left open ends at the newline.
fn string_close(bytes: &[u8], at: usize) -> (usize, bool) {
    let quote = bytes[at];
    if bytes[at + 1..].starts_with(&[quote, quote]) {
        let mut i = at + 3;
        while let Some(offset) = memchr2(quote, b'\\', &bytes[i.min(bytes.len())..]) {
            i += offset;
            if bytes[i] == b'\\' {
                i += 2;
            } else if bytes[i..].starts_with(&[quote, quote, quote]) {
                return (i + 3, true);
            } else {
                i += 1;
            }
        }
        return (bytes.len(), false);
    }
    let mut i = at + 1;
    while let Some(offset) = memchr3(quote, b'\\', b'\n', &bytes[i.min(bytes.len())..]) {
        i += offset;
        match bytes[i] {
            b'\\' if bytes[i + 1..].starts_with(b"\r\n") => i += 3,
            b'\\' => i += 2,
            b'\n' => return (i, false),
            _ => return (i + 1, true),
        }
    }
    (bytes.len(), false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_only_blanks_comments_and_strings_but_f_strings() {
        let text =
            "\"\"\"Doc: app = FastAPI()\n\"\"\"\nx = r'é#' + f\"{FastAPI()}\"  # FastAPI()\n";
        let code = code_only(text);
        assert_eq!(code.len(), text.len());
        assert_eq!(
            code,
            "                       \n   \nx =        + f\"{FastAPI()}\"             \n"
        );
    }

    #[test]
    fn the_indent_unit_comes_from_code_not_from_docstrings_or_comments() {
        let source = "\"\"\"Usage:\n  run it\n\"\"\"\nimport x\n\n\nclass K:\n  # two\n    def f(self):\n        pass\n";
        assert_eq!(indent_unit(source), Some("    "));
        assert_eq!(indent_unit("if True:\n\tx = 1\n"), Some("\t"));
        assert_eq!(indent_unit("def f(): pass\nx = 1\n"), None);
    }

    #[test]
    fn the_first_quote_skips_comments_and_triple_quoted_strings() {
        let source = "\"\"\"Say \"hi\".\"\"\"\n# don't\nx = f'{y[\"k\"]}'\n";
        assert_eq!(first_quote(source), Some('\''));
        assert_eq!(first_quote("x = 1  # 'a'\n"), None);
    }

    fn kinds(source: &str) -> Vec<(Kind, String)> {
        let outline = Outline::scan(source);
        outline
            .statements(0..outline.lines.len())
            .into_iter()
            .map(|s| (outline.kind(s), outline.text(s).to_string()))
            .collect()
    }

    #[test]
    fn statements_span_their_blocks_decorators_and_continuations() {
        let source = "import a\n@dec\n# note\nasync def f(x,\n      y):\n    '''doc\nnot code: \n'''\n\n  # odd comment\n    return [\n1]\nclass K: pass\nx = 'a#b' \\\n  + \"c\" # c\n";
        let found = kinds(source);
        assert_eq!(found.len(), 4);
        assert_eq!(found[0], (Kind::Other, "import a\n".into()));
        assert_eq!(found[1].0, Kind::Def);
        assert!(found[1].1.starts_with("@dec\n# note\nasync def"));
        assert!(found[1].1.ends_with("1]\n"));
        assert_eq!(found[2], (Kind::Class, "class K: pass\n".into()));
        assert_eq!(found[3].1, "x = 'a#b' \\\n  + \"c\" # c\n");
    }

    #[test]
    fn tokens_skip_strings_comments_and_numbers() {
        let code = "from .a import (b as c,  # x\n  d)\ny = f\"{z}\" + rb'q' + 1e5 + é\n";
        let tokens: Vec<&str> = code_tokens(code).into_iter().map(|(_, t)| t).collect();
        assert_eq!(
            tokens,
            [
                "from", ".", "a", "import", "(", "b", "as", "c", ",", "d", ")", "y", "=", "+", "+",
                "+", "é"
            ]
        );
    }

    #[test]
    fn simple_statements_split_at_semicolons_and_headers() {
        assert_eq!(
            simple_statements("a = f(x; y); b = ';'  # c; d\n"),
            (vec!["a = f(x; y)", "b = ';'"], false)
        );
        assert_eq!(
            simple_statements("if x[1:2]: a = 1; b = 2\n"),
            (vec!["a = 1", "b = 2"], true)
        );
        assert_eq!(simple_statements("match = 1\n"), (vec!["match = 1"], false));
    }

    #[test]
    fn only_well_formed_text_is_trusted() {
        let well_formed = |source: &str| Outline::scan(source).well_formed;
        assert!(well_formed(
            "from a import *\nclass K(B):\n    def f(self) -> int: ...\nx = [\n  1,\n]  # c\n"
        ));
        for broken in [
            "x = 'open\n",
            "x = (1\n",
            "x = 1)\n",
            "def f():\nreturn 1\n",
            "x = 1\n    y = 2\n",
            "if x:\n        a = 1\n    b = 2\n",
            "from fastapi\nimport FastAPI\n",
            // A lone line continuation: the parser may join it to a blank line or a decorator.
            "import x\n\\\n\nimport y\n",
            "\\\n@app.get(\"/\")\nasync def f(): ...\n",
            "async def\nf(): pass\n",
            "def f() -> int\n: pass\n",
            "x = a +\n",
            "x = \u{feff}requests.get(u)\n",
            "x = 1\ry = 2\n",
            "def f():\n",
        ] {
            assert!(!well_formed(broken), "{broken:?}");
        }
    }

    #[test]
    fn blocks_nest_by_indentation() {
        let source =
            "class K:\n\tdef f(self):\n\t\tpass\n\n        async \\\n def g(self): ...\n\tx = 1\ny = 2";
        let outline = Outline::scan(source);
        let top = outline.statements(0..outline.lines.len());
        assert_eq!(top.len(), 2);
        let members = outline.statements(outline.body(top[0]));
        let kinds: Vec<Kind> = members.iter().map(|m| outline.kind(*m)).collect();
        assert_eq!(kinds, [Kind::Def, Kind::Def, Kind::Other]);
        assert_eq!(outline.text(top[1]), "y = 2");
    }
}
