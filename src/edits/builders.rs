//! Edit builders shared by codemods: awaiting a call, moving a call to a thread, adding and
//! renaming keyword arguments, removing an import clause. Each keeps the surrounding text as is.

use crate::fix::Edit;
use crate::parse::NodeLookups;
use crate::syntax::{ancestors_below, named_children};
use tree_sitter::Node;

/// Whether an `await` placed before `expr` must be parenthesised: `(await f()).json()`.
pub fn await_needs_parens(expr: Node) -> bool {
    let Some(parent) = expr.parent() else {
        return false;
    };
    match parent.kind_name() {
        "attribute" => parent.field("object") == Some(expr),
        "subscript" => parent.field("value") == Some(expr),
        "call" => parent.field("function") == Some(expr),
        _ => false,
    }
}

/// Why an `await` cannot be placed at `node`, if it cannot: inside a generator expression it
/// would turn the generator into an async generator, which `any()`, `sum()` or `join()` reject.
pub fn await_blocker(node: Node, function: Node) -> Option<&'static str> {
    ancestors_below(function, node)
        .into_iter()
        .take_while(|a| !matches!(a.kind_name(), "function_definition" | "lambda"))
        .any(|a| a.kind_name() == "generator_expression")
        .then_some("it sits in a generator expression, which `await` would make an async generator: use a list comprehension first")
}

/// `f(x)` → `await NEW(x)`: replaces the callee (when `new_callee` is given) and awaits the call.
pub fn await_call(call: Node, new_callee: Option<&str>) -> Vec<Edit> {
    let function = call.field("function").expect("a call has a function");
    let parens = await_needs_parens(call);
    let mut edits = Vec::new();
    let prefix = if parens { "(await " } else { "await " };
    match new_callee {
        Some(callee) => edits.push(Edit::replace(
            function.start_byte(),
            function.end_byte(),
            format!("{prefix}{callee}"),
        )),
        None => edits.push(Edit::insert(function.start_byte(), prefix)),
    }
    if parens {
        edits.push(Edit::insert(call.end_byte(), ")"));
    }
    edits
}

/// `f(a, b)` → `await TO_THREAD(f, a, b)`: runs the call in a worker thread, arguments untouched.
pub fn call_in_thread(call: Node, source: &str, to_thread: &str) -> Option<Vec<Edit>> {
    let function = call.field("function")?;
    let arguments = call
        .field("arguments")
        .filter(|a| a.kind_name() == "argument_list")?;
    let parens = await_needs_parens(call);
    let prefix = if parens { "(await " } else { "await " };
    let mut edits = vec![Edit::insert(
        function.start_byte(),
        format!("{prefix}{to_thread}("),
    )];
    let open = arguments.start_byte();
    let empty = named_children(arguments).is_empty();
    if empty {
        // `f()` → `to_thread(f)`: drop the empty argument list, keep the closing paren.
        edits.push(Edit::delete(open, open + 1));
    } else {
        let next = source.as_bytes().get(open + 1).copied();
        let separator = if matches!(next, Some(b'\n' | b'\r')) {
            ","
        } else {
            ", "
        };
        edits.push(Edit::replace(open, open + 1, separator));
    }
    if parens {
        edits.push(Edit::insert(arguments.end_byte(), ")"));
    }
    Some(edits)
}

/// Appends `text` (`name=value`) as the last argument of a call.
pub fn append_argument(call: Node, text: &str) -> Option<Edit> {
    let arguments = call
        .field("arguments")
        .filter(|a| a.kind_name() == "argument_list")?;
    let last = named_children(arguments)
        .into_iter()
        .rfind(|c| c.kind_name() != "comment");
    Some(match last {
        Some(last) => Edit::insert(last.end_byte(), format!(", {text}")),
        None => Edit::insert(arguments.start_byte() + 1, text.to_string()),
    })
}

/// Inserts `text` (`"GET", `) before the first argument of a call.
pub fn prepend_argument(call: Node, text: &str) -> Option<Edit> {
    let arguments = call
        .field("arguments")
        .filter(|a| a.kind_name() == "argument_list")?;
    let first = named_children(arguments)
        .into_iter()
        .find(|c| c.kind_name() != "comment");
    Some(match first {
        Some(first) => Edit::insert(first.start_byte(), format!("{text}, ")),
        None => Edit::insert(arguments.start_byte() + 1, text.to_string()),
    })
}

/// Removes one argument of a call with the comma that separates it from its neighbour (its
/// whole line when it stands alone on one), or `None` when a comment sits in the text that
/// would go.
pub fn remove_argument(argument: Node, source: &str) -> Option<Edit> {
    // A comment after it on its line is about it: it would be left describing something else.
    let rest_of_line = crate::source::line_end_at(source, argument.end_byte());
    if source[argument.end_byte()..rest_of_line].contains('#') {
        return None;
    }
    let line_start = crate::source::line_start_at(source, argument.start_byte());
    let after = source[argument.end_byte()..].trim_start_matches([' ', '\t']);
    let after = after.strip_prefix(',').unwrap_or(after);
    let after = after.trim_start_matches([' ', '\t']);
    let alone_on_line = source[line_start..argument.start_byte()].trim().is_empty()
        && (after.starts_with('\n') || after.starts_with("\r\n"));
    if alone_on_line {
        let line_end = source.len() - after.len() + after.find('\n')? + 1;
        return Some(Edit::delete(line_start, line_end));
    }
    let arguments = argument.parent()?;
    let siblings: Vec<Node> = crate::syntax::children(arguments);
    let index = siblings.iter().position(|s| *s == argument)?;
    let previous = siblings[..index]
        .iter()
        .rev()
        .find(|s| (s.is_named() && s.kind_name() != "comment") || s.kind_name() == "(");
    let edit = match previous {
        // Not the first argument: from the end of the one before.
        Some(previous) if previous.is_named() => {
            Edit::delete(previous.end_byte(), argument.end_byte())
        }
        // The first: through the comma and blanks after it, up to the next argument or `)`.
        _ => {
            let next = siblings[index + 1..]
                .iter()
                .find(|s| s.kind_name() != ",")?;
            Edit::delete(argument.start_byte(), next.start_byte())
        }
    };
    let removed = &source[edit.start..edit.end];
    (!removed.contains('#')).then_some(edit)
}

/// Renames the keyword of a `keyword_argument` node (`allow_redirects=` → `follow_redirects=`).
pub fn rename_keyword(keyword_argument: Node, new_name: &str) -> Option<Edit> {
    let name = keyword_argument.field("name")?;
    Some(Edit::replace(name.start_byte(), name.end_byte(), new_name))
}

/// Removes one clause of an import statement (`b` in `import a, b` or `from m import a, b`),
/// or the whole statement with its line when it is the only clause. A statement that is the only
/// one in its block becomes `pass`.
pub fn remove_import_clause(source: &str, statement: Node, clause: (usize, usize)) -> Edit {
    let clauses: Vec<Node> = {
        let mut cursor = statement.walk();
        statement
            .children_by_field_name("name", &mut cursor)
            .collect()
    };
    if clauses.len() > 1 {
        let index = clauses
            .iter()
            .position(|c| c.start_byte() == clause.0)
            .unwrap_or(0);
        return if index + 1 < clauses.len() {
            Edit::delete(clauses[index].start_byte(), clauses[index + 1].start_byte())
        } else {
            Edit::delete(clauses[index - 1].end_byte(), clauses[index].end_byte())
        };
    }
    delete_statement(source, statement)
}

/// Deletes an import statement like [`delete_statement`]; when it was the only import of its
/// section (no import line right above, a blank line below, then more imports), the blank line
/// that closed the section goes too, so no empty section is left behind.
pub fn delete_import_statement(source: &str, statement: Node) -> Edit {
    let edit = delete_statement(source, statement);
    let whole_lines = edit.content.is_empty()
        && (edit.start == 0 || source.as_bytes()[edit.start - 1] == b'\n')
        && (edit.end == source.len() || source.as_bytes()[edit.end - 1] == b'\n');
    if !whole_lines {
        return edit;
    }
    let is_import = |line: &str| line.starts_with("import ") || line.starts_with("from ");
    let line_above = source[..edit.start]
        .strip_suffix('\n')
        .map(|above| above.strip_suffix('\r').unwrap_or(above))
        .unwrap_or("")
        .rsplit('\n')
        .next()
        .unwrap_or("");
    let mut end = edit.end;
    let mut blank_lines = 0;
    while let Some(line) = source[end..].split_inclusive('\n').next() {
        if !line.trim().is_empty() {
            break;
        }
        end += line.len();
        blank_lines += 1;
    }
    let imports_follow = is_import(source[end..].lines().next().unwrap_or(""));
    if edit.start > 0 && is_import(line_above) || blank_lines == 0 || !imports_follow {
        return edit;
    }
    Edit::delete(edit.start, end)
}

/// Deletes a statement: its whole line(s) when it stands alone on them, else just its text (and
/// a following `;`). The only statement of a block becomes `pass`.
pub fn delete_statement(source: &str, statement: Node) -> Edit {
    let parent = statement.parent();
    let only_child = parent.is_some_and(|p| {
        p.kind_name() == "block"
            && named_children(p)
                .iter()
                .filter(|c| c.kind_name() != "comment")
                .count()
                == 1
    });
    if only_child {
        return Edit::replace(statement.start_byte(), statement.end_byte(), "pass");
    }
    let bytes = source.as_bytes();
    let line_start = source[..statement.start_byte()]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let before_blank = source[line_start..statement.start_byte()].trim().is_empty();
    let mut end = statement.end_byte();
    while end < bytes.len() && matches!(bytes[end], b' ' | b'\t') {
        end += 1;
    }
    let rest_of_line_empty = end >= bytes.len() || matches!(bytes[end], b'\n' | b'\r' | b'#');
    if before_blank && rest_of_line_empty && bytes.get(end) != Some(&b'#') {
        if bytes.get(end) == Some(&b'\r') {
            end += 1;
        }
        if bytes.get(end) == Some(&b'\n') {
            end += 1;
        }
        return Edit::delete(line_start, end);
    }
    if bytes.get(end) == Some(&b';') {
        end += 1;
        while end < bytes.len() && bytes[end] == b' ' {
            end += 1;
        }
        return Edit::delete(statement.start_byte(), end);
    }
    Edit::delete(statement.start_byte(), statement.end_byte())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{parse, walk_tree};

    fn apply(source: &str, edits: &[Edit]) -> String {
        let mut out = source.to_string();
        let mut edits = edits.to_vec();
        edits.sort();
        for edit in edits.iter().rev() {
            out.replace_range(edit.start..edit.end, &edit.content);
        }
        out
    }

    fn first<'t>(tree: &'t tree_sitter::Tree, kind: &str) -> Node<'t> {
        let mut found = None;
        walk_tree(tree.root_node(), |n| {
            if found.is_none() && n.kind_name() == kind {
                found = Some(n);
            }
        });
        found.unwrap()
    }

    #[test]
    fn remove_argument_takes_its_comma_or_its_line_and_spares_comments() {
        let removed = |source: &str| {
            let tree = parse(source).unwrap();
            remove_argument(first(&tree, "keyword_argument"), source)
                .map(|edit| apply(source, &[edit]))
        };
        assert_eq!(removed("f(p=N, u=X)\n").as_deref(), Some("f(u=X)\n"));
        assert_eq!(removed("f(u, p=N)\n").as_deref(), Some("f(u)\n"));
        assert_eq!(removed("f(p=N)\n").as_deref(), Some("f()\n"));
        assert_eq!(
            removed("f(\r\n    u,  # dsn\r\n    p=N,\r\n)\r\n").as_deref(),
            Some("f(\r\n    u,  # dsn\r\n)\r\n")
        );
        assert_eq!(removed("f(\n    u,\n    p=N,  # why\n)\n"), None);
    }

    #[test]
    fn await_parenthesises_when_the_result_is_used_as_an_object() {
        let source = "x = requests.get(u).json()\n";
        let tree = parse(source).unwrap();
        let edits = await_call(
            first(&tree, "call")
                .named_child(0)
                .unwrap()
                .named_child(0)
                .unwrap(),
            Some("c.get"),
        );
        assert_eq!(apply(source, &edits), "x = (await c.get(u)).json()\n");
    }

    #[test]
    fn call_in_thread_keeps_arguments_and_handles_empty_lists() {
        let source = "r = subprocess.run(\n    [\"ls\"], check=True,\n)\nos.getcwd()\n";
        let tree = parse(source).unwrap();
        let mut calls = Vec::new();
        walk_tree(tree.root_node(), |n| {
            if n.kind_name() == "call" {
                calls.push(n)
            }
        });
        let mut edits = call_in_thread(calls[0], source, "asyncio.to_thread").unwrap();
        edits.extend(call_in_thread(calls[1], source, "asyncio.to_thread").unwrap());
        assert_eq!(
            apply(source, &edits),
            "r = await asyncio.to_thread(subprocess.run,\n    [\"ls\"], check=True,\n)\nawait asyncio.to_thread(os.getcwd)\n"
        );
    }

    #[test]
    fn removing_import_clauses() {
        let source = "import os, requests\nfrom requests import get, post  # http\nimport requests\r\nx = 1\n";
        let tree = parse(source).unwrap();
        let statements: Vec<Node> = named_children(tree.root_node())
            .into_iter()
            .filter(|s| s.kind_name() != "comment")
            .collect();
        let clause = |s: Node, i: usize| {
            let mut c = s.walk();
            let n = s.children_by_field_name("name", &mut c).nth(i).unwrap();
            (n.start_byte(), n.end_byte())
        };
        let edits = [
            remove_import_clause(source, statements[0], clause(statements[0], 1)),
            remove_import_clause(source, statements[1], clause(statements[1], 0)),
            remove_import_clause(source, statements[2], clause(statements[2], 0)),
        ];
        assert_eq!(
            apply(source, &edits),
            "import os\nfrom requests import post  # http\nx = 1\n"
        );
    }

    #[test]
    fn the_only_statement_of_a_block_becomes_pass() {
        let source = "try:\n    import requests\nexcept ImportError:\n    pass\n";
        let tree = parse(source).unwrap();
        let edit = delete_statement(source, first(&tree, "import_statement"));
        assert_eq!(
            apply(source, &[edit]),
            "try:\n    pass\nexcept ImportError:\n    pass\n"
        );
    }
}
