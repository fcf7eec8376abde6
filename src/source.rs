//! The text of one Python file: byte-offset slicing, line/column lookup for reporting, and the
//! file's own style (line ending, indentation, quotes), so generated code matches its neighbours.

/// Byte offsets of line starts, built once per file and used only when reporting.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr_newlines(text).map(|i| i + 1));
        LineIndex { starts }
    }

    /// 0-based line number of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// 1-based (row, column); the column counts characters, as Ruff's JSON does.
    pub fn location(&self, text: &str, offset: usize) -> Location {
        let mut offset = offset.min(text.len());
        // Never panic on a malformed offset: report the character it falls in.
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_of(offset);
        let start = self.starts[line];
        let column = text[start..offset].chars().count() + 1;
        Location {
            row: line + 1,
            column,
        }
    }

    /// Byte range of 0-based `line`, without its line ending.
    pub fn line_range(&self, text: &str, line: usize) -> (usize, usize) {
        let start = self.starts[line];
        let mut end = self.starts.get(line + 1).copied().unwrap_or(text.len());
        let bytes = text.as_bytes();
        if end > start && bytes[end - 1] == b'\n' {
            end -= 1;
        }
        if end > start && bytes[end - 1] == b'\r' {
            end -= 1;
        }
        (start, end)
    }

    pub fn line_start(&self, line: usize) -> usize {
        self.starts[line]
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

fn memchr_newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(b'\n', text.as_bytes())
}

/// Whether `text` contains `literal`: the vectorised search, for the texts searched before
/// parsing (whole files, for several literals each).
pub fn contains(text: &str, literal: &str) -> bool {
    memchr::memmem::find(text.as_bytes(), literal.as_bytes()).is_some()
}

/// [`contains`], where a `literal` that ends with `(` (a call, `select(`) also matches with
/// blanks, newlines or line continuations before the parenthesis, as the parser allows.
pub fn contains_literal(text: &str, literal: &str) -> bool {
    let Some(callee) = literal.strip_suffix('(') else {
        return contains(text, literal);
    };
    find_all(text, callee).any(|at| {
        text[at + callee.len()..]
            .trim_start_matches([' ', '\t', '\x0c', '\\', '\r', '\n'])
            .starts_with('(')
    })
}

/// Where `literal` occurs in `text` (the vectorised search, see [`contains`]).
pub fn find_all<'t>(text: &'t str, literal: &'t str) -> impl Iterator<Item = usize> + 't {
    memchr::memmem::find_iter(text.as_bytes(), literal.as_bytes())
}

/// 1-based row and character column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Location {
    pub row: usize,
    pub column: usize,
}

/// The style generated code must follow: detected once per file from its first occurrences.
#[derive(Debug, Clone)]
pub struct Stylist {
    pub line_ending: &'static str,
    pub indent: String,
    pub quote: char,
}

impl Stylist {
    pub fn detect(text: &str) -> Self {
        let line_ending = match text.find('\n') {
            Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
            _ => "\n",
        };
        // The first indented line, when no block says better.
        let indent = crate::outline::indent_unit(text)
            .map(str::to_string)
            .unwrap_or_else(|| {
                text.lines()
                    .map(|line| {
                        let trimmed = line.trim_start_matches([' ', '\t']);
                        &line[..line.len() - trimmed.len()]
                    })
                    .find(|lead| !lead.is_empty())
                    .map(|lead| match lead.starts_with('\t') {
                        true => "\t".to_string(),
                        false => lead.to_string(),
                    })
                    .unwrap_or_else(|| "    ".to_string())
            });
        let quote = crate::outline::first_quote(text)
            .or_else(|| text.find(['"', '\'']).map(|i| text.as_bytes()[i] as char))
            .unwrap_or('"');
        Stylist {
            line_ending,
            indent,
            quote,
        }
    }
}

/// The offset where the line containing `offset` starts.
pub fn line_start_at(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// The offset of the line ending after `offset` (or the end of the text).
pub fn line_end_at(text: &str, offset: usize) -> usize {
    text[offset..]
        .find(['\r', '\n'])
        .map_or(text.len(), |i| offset + i)
}

/// The leading whitespace of the line that contains `offset`.
pub fn indentation_at(text: &str, offset: usize) -> &str {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let rest = &text[line_start..];
    let trimmed = rest.trim_start_matches([' ', '\t']);
    &rest[..rest.len() - trimmed.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_one_based_and_count_characters() {
        let text = "a = 1\r\nb = 'é'  # x\n";
        let index = LineIndex::new(text);
        assert_eq!(index.location(text, 0), Location { row: 1, column: 1 });
        let hash = text.find('#').unwrap();
        assert_eq!(index.location(text, hash), Location { row: 2, column: 10 });
        assert_eq!(index.line_range(text, 0), (0, 5));
    }

    #[test]
    fn stylist_detects_crlf_tabs_and_single_quotes() {
        let style = Stylist::detect("import x\r\ndef f():\r\n\treturn 'a'\r\n");
        assert_eq!(style.line_ending, "\r\n");
        assert_eq!(style.indent, "\t");
        assert_eq!(style.quote, '\'');
    }
}
