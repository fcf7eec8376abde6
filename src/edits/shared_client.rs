//! Hoisting a client built inside a function (an HTTP, MongoDB or Redis client) to one
//! module-level client defined above that function, so that every call shares it: the `with`
//! block that opened it becomes a plain assignment, and the definition is found again on later
//! passes. Used by PO108 (`share = "client"`) and PO207.

use crate::codemod::FileContext;
use crate::edits::importer::{existing_definition, unique_name};
use crate::fix::Edit;
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
        let arguments = call
            .child_by_field_name("arguments")
            .ok_or("no arguments")?;
        if let Some(name) = first_runtime_name(arguments, top, file) {
            return Err(format!("`{name}` is not known at import time"));
        }
        Ok(ClientSite {
            call,
            function,
            top,
        })
    }

    /// The shared client's name, `_<function>_<alias>` (so that fixes applied in the same pass,
    /// which cannot see each other's names, never pick the same one), and the edit that defines
    /// it as `constructor`, unless an earlier fix did.
    pub fn define(
        &self,
        alias: &str,
        constructor: &str,
        file: &FileContext,
    ) -> (String, Option<Edit>) {
        let function_name = self
            .function
            .child_by_field_name("name")
            .map_or("", |n| file.text(n));
        let base = format!("_{function_name}_{alias}");
        if let Some(existing) = existing_definition(file, &base, constructor) {
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

    /// The call's text with `extra_argument` appended (`httpx.AsyncClient(timeout=5, cookies=…)`).
    pub fn constructor_with(&self, extra_argument: Option<&str>, source: &str) -> String {
        let callee = self
            .call
            .child_by_field_name("function")
            .map_or("", |f| text(f, source));
        let args = self
            .call
            .child_by_field_name("arguments")
            .map_or("()", |a| text(a, source));
        let inner = args[1..args.len() - 1].trim().trim_end_matches(',');
        match extra_argument {
            None => format!("{callee}({inner})"),
            Some(extra) if inner.is_empty() => format!("{callee}({extra})"),
            Some(extra) => format!("{callee}({inner}, {extra})"),
        }
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
    let as_pattern = call.parent().filter(|p| p.kind() == "as_pattern");
    let alias = as_pattern
        .and_then(|p| p.child_by_field_name("alias"))
        .and_then(|a| a.named_child(0).or(Some(a)))
        .filter(|a| a.kind() == "identifier")
        .ok_or("the client is not bound with `as name`")?;
    let with_clause = as_pattern
        .and_then(|p| p.parent())
        .and_then(|item| item.parent())
        .filter(|c| c.kind() == "with_clause" && c.named_child_count() == 1)
        .ok_or("the `with` opens more than the client")?;
    let statement = with_clause
        .parent()
        .filter(|s| s.kind() == "with_statement")
        .ok_or("not a `with` statement")?;
    let body = statement.child_by_field_name("body").ok_or("no body")?;
    let colon = crate::syntax::children(statement)
        .into_iter()
        .find(|c| c.kind() == ":")
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
        let function_name = site
            .function
            .child_by_field_name("name")
            .map_or("", |n| text(n, source));
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
        if found.is_some() || n.kind() != "identifier" {
            return;
        }
        let parent = n.parent();
        let is_label = parent.is_some_and(|p| {
            (p.kind() == "keyword_argument" && p.child_by_field_name("name") == Some(n))
                || (p.kind() == "attribute" && p.child_by_field_name("attribute") == Some(n))
        });
        let name = file.text(n);
        if !is_label
            && (file.is_local_name(n, name)
                || (file.imports.resolve(name).is_none() && !bound_before(file, top, name)))
        {
            found = Some(name);
        }
    });
    found
}

/// Whether a module-level statement before `top` assigns or defines `name`.
fn bound_before(file: &FileContext, top: Node, name: &str) -> bool {
    crate::syntax::named_children(file.tree.root_node())
        .into_iter()
        .take_while(|s| s.start_byte() < top.start_byte())
        .any(|statement| {
            let target = match statement.kind() {
                "expression_statement" => statement
                    .named_child(0)
                    .filter(|a| a.kind() == "assignment")
                    .and_then(|a| a.child_by_field_name("left")),
                "function_definition" | "class_definition" => statement.child_by_field_name("name"),
                _ => None,
            };
            target.is_some_and(|t| file.text(t) == name)
        })
}

/// How many `with ... as name` items in `function` bind `name`.
fn opened_clients(function: Node, name: &str, source: &str) -> usize {
    let mut count = 0;
    crate::parse::walk_tree(function, |n| {
        if n.kind() == "with_item" && text(n, source).ends_with(&format!(" as {name}")) {
            count += 1;
        }
    });
    count
}

/// Whether the block assigns `name` or closes it (`await name.aclose()`).
fn rebinds(body: Node, name: &str, source: &str) -> bool {
    let mut found = false;
    crate::parse::walk_tree(body, |n| {
        found |= match n.kind() {
            "assignment" | "augmented_assignment" | "for_statement" | "as_pattern" => n
                .child_by_field_name("left")
                .or_else(|| n.child_by_field_name("alias"))
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
        .child_by_field_name("object")
        .is_some_and(|o| text(o, source) == name)
        && attribute
            .child_by_field_name("attribute")
            .is_some_and(|a| matches!(text(a, source), "aclose" | "close"))
}

/// Edits that move each line of `body` one level left, to the indentation of `statement`; lines
/// inside a multi-line string keep theirs (they are the string's content).
pub fn dedent_block(statement: Node, body: Node, source: &str) -> Vec<Edit> {
    let outer = indentation_at(source, statement.start_byte());
    let inner = indentation_at(source, body.start_byte());
    let Some(extra) = inner.strip_prefix(outer).filter(|e| !e.is_empty()) else {
        return Vec::new();
    };
    let mut strings = Vec::new();
    crate::parse::walk_tree(body, |n| {
        if n.kind() == "string" && text(n, source).contains('\n') {
            strings.push((n.start_byte(), n.end_byte()));
        }
    });
    let first_line = line_start_at(source, body.start_byte());
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
