//! Hoisting a client built inside a function (an HTTP, MongoDB or Redis client) to one
//! module-level client defined above that function, so that every call shares it: the `with`
//! block that opened it becomes a plain assignment, and the definition is found again on later
//! passes. Used by PO108 (`share = "client"`) and PO207.

use crate::codemod::FileContext;
use crate::edits::importer::unique_name;
use crate::fix::Edit;
use crate::parse::NodeLookups;
use crate::source::{indentation_at, line_start_at};
use crate::syntax::text;
use tree_sitter::Node;

/// A client constructor call inside a module-level function, with what a hoist needs to know.
pub struct ClientSite<'t> {
    pub call: Node<'t>,
    pub function: Node<'t>,
    /// The module-level statement holding `function`: the definition goes right above it.
    pub top: Node<'t>,
}

impl<'t> ClientSite<'t> {
    pub fn of(call: Node<'t>, file: &FileContext<'t>) -> Result<ClientSite<'t>, String> {
        let function = file.scopes.function_of(call).ok_or("not in a function")?;
        let top = crate::syntax::named_children(file.tree.root_node())
            .into_iter()
            .find(|s| crate::syntax::contains(*s, function))
            .ok_or("not in a module-level function")?;
        call.field("arguments").ok_or("no arguments")?;
        // The callee too: a client class imported inside the function is unknown up there.
        if let Some(name) = first_runtime_name(call, top, file) {
            return Err(format!("`{name}` is not known at import time"));
        }
        Ok(ClientSite {
            call,
            function,
            top,
        })
    }

    /// The shared client's name, `_<function>_<alias>`, or `_<Class>_<method>_<alias>` for a
    /// method (so that fixes applied in the same pass, which cannot see each other's names, never
    /// pick the same one: two classes may both define `__call__`), and the edit that defines it
    /// as `constructor`, unless an earlier fix did.
    pub fn define(
        &self,
        alias: &str,
        constructor: &str,
        file: &FileContext,
    ) -> (String, Option<Edit>) {
        // Underscores trimmed: a name starting with `__` would be mangled inside a class.
        let mut parts = vec![alias.trim_matches('_')];
        let mut definition = Some(self.function);
        while let Some(node) = definition {
            if matches!(node.kind_name(), "class_definition" | "function_definition") {
                parts.extend(node.field("name").map(|n| file.text(n).trim_matches('_')));
            }
            definition = node.parent();
        }
        parts.retain(|part| !part.is_empty());
        parts.reverse();
        let base = format!("_{}", parts.join("_"));
        if let Some(existing) = existing_client(file, &base, constructor) {
            return (existing, None);
        }
        let shared = unique_name(file, &base);
        let le = file.stylist.line_ending;
        let edit = Edit::insert(
            self.top.start_byte(),
            format!("{shared} = {constructor}{le}{le}{le}"),
        );
        (shared, Some(edit))
    }

    /// The call's text with `extra_argument` appended (`httpx.AsyncClient(timeout=5, cookies=…)`),
    /// as written (comments and line breaks kept), its continuation lines moved left by the
    /// indentation of the line it starts on, for the module level.
    pub fn constructor_with(&self, extra_argument: Option<&str>, source: &str) -> String {
        let call = self.call;
        let arguments = call.field("arguments");
        let last_argument = arguments.and_then(|a| {
            crate::syntax::named_children(a)
                .into_iter()
                .rfind(|c| c.kind_name() != "comment")
        });
        let (insert_at, extra) = match (extra_argument, last_argument, arguments) {
            (Some(extra), Some(last), _) => (last.end_byte(), format!(", {extra}")),
            (Some(extra), None, Some(args)) => (args.start_byte() + 1, extra.to_string()),
            _ => (call.end_byte(), String::new()),
        };
        let mut strings = Vec::new();
        crate::parse::walk_tree(call, |n| {
            if n.kind_name() == "string" && text(n, source).contains('\n') {
                strings.push((n.start_byte(), n.end_byte()));
            }
        });
        // Byte ranges of the call that are left out: each continuation line's outer indentation.
        let indent = indentation_at(source, call.start_byte());
        let mut skipped = Vec::new();
        let mut line = call.start_byte();
        while let Some(i) = source[line..call.end_byte()].find('\n') {
            line += i + 1;
            let in_string = strings
                .iter()
                .any(|&(start, end)| start < line && line < end);
            if !in_string && !indent.is_empty() && source[line..].starts_with(indent) {
                skipped.push(line..line + indent.len());
            }
        }
        let mut constructor = String::new();
        let mut at = call.start_byte();
        for range in skipped {
            push_with_insert(&mut constructor, source, at..range.start, insert_at, &extra);
            at = range.end;
        }
        push_with_insert(
            &mut constructor,
            source,
            at..call.end_byte(),
            insert_at,
            &extra,
        );
        constructor
    }
}

/// A module-level `<base…> = <constructor>` that an earlier fix defined. Only an assignment of
/// exactly that call counts: a function `_get_db_client()` that returns one is not a client.
fn existing_client(file: &FileContext, base: &str, constructor: &str) -> Option<String> {
    crate::syntax::named_children(file.tree.root_node())
        .into_iter()
        .filter_map(|s| s.named_child(0).filter(|a| a.kind_name() == "assignment"))
        .find_map(|assignment| {
            let name = file.text(assignment.field("left")?);
            let value = file.text(assignment.field("right")?);
            (name.starts_with(base) && value == constructor).then(|| name.to_string())
        })
}

/// Appends `source[range]` to `out`, with `extra` inserted where `insert_at` falls in it.
fn push_with_insert(
    out: &mut String,
    source: &str,
    range: std::ops::Range<usize>,
    insert_at: usize,
    extra: &str,
) {
    if range.contains(&insert_at) || (range.end == insert_at && !extra.is_empty()) {
        out.push_str(&source[range.start..insert_at]);
        out.push_str(extra);
        out.push_str(&source[insert_at..range.end]);
    } else {
        out.push_str(&source[range]);
    }
}

/// `async with CTOR(ARGS) as client:` → `client = <shared>` with the body dedented, and
/// `<shared> = CTOR(ARGS, extra_argument)` defined once above the function. Returns the edits and
/// the shared name.
pub fn hoist_with_block(
    site: &ClientSite,
    extra_argument: Option<&str>,
    file: &FileContext,
) -> Result<(Vec<Edit>, String), String> {
    let source = file.source;
    let call = site.call;
    let as_pattern = call.parent().filter(|p| p.kind_name() == "as_pattern");
    let alias = as_pattern
        .and_then(|p| p.field("alias"))
        .and_then(|a| a.named_child(0).or(Some(a)))
        .filter(|a| a.kind_name() == "identifier")
        .ok_or("the client is not bound with `as name`")?;
    let with_clause = as_pattern
        .and_then(|p| p.parent())
        .and_then(|item| item.parent())
        .filter(|c| c.kind_name() == "with_clause" && c.named_child_count() == 1)
        .ok_or("the `with` opens more than the client")?;
    let statement = with_clause
        .parent()
        .filter(|s| s.kind_name() == "with_statement")
        .ok_or("not a `with` statement")?;
    let body = statement.field("body").ok_or("no body")?;
    let colon = crate::syntax::children(statement)
        .into_iter()
        .find(|c| c.kind_name() == ":")
        .ok_or("no colon")?;
    let name = text(alias, source);
    let line_end = source[colon.end_byte()..]
        .find('\n')
        .map(|i| colon.end_byte() + i);
    if line_end.is_none_or(|end| body.start_byte() < end) {
        return Err("the body is on the `with` line".into());
    }
    if rebinds(body, name, source) {
        return Err(format!("`{name}` is rebound or closed inside the block"));
    }
    if opened_clients(site.function, name, source) > 1 {
        let function_name = site.function.field("name").map_or("", |n| text(n, source));
        return Err(format!(
            "`{name}` names more than one client in `{function_name}`"
        ));
    }
    let constructor = site.constructor_with(extra_argument, source);
    let (shared, definition) = site.define(name, &constructor, file);
    let mut edits: Vec<Edit> = definition.into_iter().collect();
    edits.push(Edit::replace(
        statement.start_byte(),
        colon.end_byte(),
        format!("{name} = {shared}"),
    ));
    edits.extend(dedent_block(statement, body, source));
    Ok((edits, shared))
}

/// The first name in `node` that is not bound at module level before `top` (or imported).
fn first_runtime_name<'s>(node: Node, top: Node, file: &'s FileContext) -> Option<&'s str> {
    let mut found = None;
    crate::parse::walk_tree(node, |n| {
        if found.is_some() || n.kind_name() != "identifier" {
            return;
        }
        let parent = n.parent();
        let is_label = parent.is_some_and(|p| {
            (p.kind_name() == "keyword_argument" && p.field("name") == Some(n))
                || (p.kind_name() == "attribute" && p.field("attribute") == Some(n))
        });
        let name = file.text(n);
        if !is_label
            && (file.is_local_name(n, name)
                || (!file.imports.binds_at_top_level(name) && !bound_before(file, top, name)))
        {
            found = Some(name);
        }
    });
    found
}

/// Whether a module-level statement before `top` assigns or defines `name`.
fn bound_before(file: &FileContext, top: Node, name: &str) -> bool {
    let assigned = crate::syntax::named_children(file.tree.root_node())
        .into_iter()
        .take_while(|s| s.start_byte() < top.start_byte())
        .filter_map(|s| s.named_child(0).filter(|a| a.kind_name() == "assignment"))
        .filter_map(|a| a.field("left"))
        .any(|target| file.text(target) == name);
    assigned
        || file
            .module_definitions()
            .iter()
            .any(|(defined, bytes)| *defined == name && bytes.start < top.start_byte())
}

/// How many `with ... as name` items in `function` bind `name`.
fn opened_clients(function: Node, name: &str, source: &str) -> usize {
    let mut count = 0;
    crate::parse::walk_tree(function, |n| {
        if n.kind_name() == "with_item" && text(n, source).ends_with(&format!(" as {name}")) {
            count += 1;
        }
    });
    count
}

/// Whether the block assigns `name` or closes it (`await name.aclose()`).
fn rebinds(body: Node, name: &str, source: &str) -> bool {
    let mut found = false;
    crate::parse::walk_tree(body, |n| {
        found |= match n.kind_name() {
            "assignment" | "augmented_assignment" | "for_statement" | "as_pattern" => n
                .field("left")
                .or_else(|| n.field("alias"))
                .is_some_and(|t| text(t, source) == name),
            "attribute" => is_close_of(n, name, source),
            _ => false,
        };
    });
    found
}

/// Whether `attribute` is `name.close` or `name.aclose`.
pub fn is_close_of(attribute: Node, name: &str, source: &str) -> bool {
    attribute
        .field("object")
        .is_some_and(|o| text(o, source) == name)
        && attribute
            .field("attribute")
            .is_some_and(|a| matches!(text(a, source), "aclose" | "close"))
}

/// Edits that move each line of `body` one level left, to the indentation of `statement`, from
/// the line after the header's colon (comment lines above the first statement move too); lines
/// inside a multi-line string keep theirs (they are the string's content).
pub fn dedent_block(statement: Node, body: Node, source: &str) -> Vec<Edit> {
    let outer = indentation_at(source, statement.start_byte());
    let inner = indentation_at(source, body.start_byte());
    let Some(extra) = inner.strip_prefix(outer).filter(|e| !e.is_empty()) else {
        return Vec::new();
    };
    let mut strings = Vec::new();
    crate::parse::walk_tree(body, |n| {
        if n.kind_name() == "string" && text(n, source).contains('\n') {
            strings.push((n.start_byte(), n.end_byte()));
        }
    });
    let after_header = crate::syntax::children(statement)
        .into_iter()
        .rfind(|c| c.kind_name() == ":" && c.end_byte() <= body.start_byte())
        .and_then(|colon| {
            source[colon.end_byte()..]
                .find('\n')
                .map(|i| colon.end_byte() + i + 1)
        });
    let first_line = after_header
        .filter(|&line| line <= body.start_byte())
        .unwrap_or_else(|| line_start_at(source, body.start_byte()));
    let mut edits = Vec::new();
    let mut line = first_line;
    while line < body.end_byte() {
        let in_string = strings
            .iter()
            .any(|&(start, end)| start < line && line < end);
        let indented =
            source[line..].starts_with(outer) && source[line + outer.len()..].starts_with(extra);
        if !in_string && indented {
            let at = line + outer.len();
            edits.push(Edit::delete(at, at + extra.len()));
        }
        match source[line..].find('\n') {
            Some(i) => line += i + 1,
            None => break,
        }
    }
    edits
}
