//! PO302: an argument-less lookup (settings, configuration, feature flags) that reads a
//! database, a file or an upstream on every request.

use crate::codemod::{
    Codemod, CodemodMeta, Context, FileContext, FixAvailability, Gate, Mention, Scope,
};
use crate::edits::importer::ModuleAdditions;
use crate::fix::{Edit, Fix};
use crate::outline::{is_identifier_char, skip_blanks};
use crate::parse::NodeLookups;
use crate::semantic::asyncness::own_body_nodes;
use crate::semantic::blocking::classify;
use crate::source::find_all;
use crate::syntax::{is_async_def, named_children, text};
use std::collections::HashSet;
use tree_sitter::Node;

pub struct UncachedHotLookup;

static META: CodemodMeta = CodemodMeta {
    code: "PO302",
    name: "uncached-hot-lookup",
    summary: "argument-less lookup (`get_settings()`, …) that does I/O on every request",
    fix: FixAvailability::Sometimes,
    safety: "unsafe",
    priority: 5,
    impact: "The lookup's I/O runs once per cache period instead of once per request that depends on it.",
    requires: &["Depends("],
    gates: &[Gate::imports(&["fastapi"])],
    mentions: &[Mention::names(dependencies_without_parameters)],
    scope: Scope::Module,
    docs: r#"## What it does
Finds functions that take no arguments, return a value, do I/O (an `await`, or a blocking file
or HTTP call), carry no cache decorator, and are FastAPI dependencies (`Depends(get_settings)`)
in the same module: the shape of `get_settings()`, `get_config()`, `load_feature_flags()`.

## Why is this slow?
A dependency runs on every request that uses it. A lookup with no arguments returns the same
thing each time until the data changes, so every request pays for a database query, a file read
or an upstream call whose answer it could have reused.

## Example
```python
async def get_settings() -> Settings:
    return Settings(**await db.settings.find_one({"_id": "global"}))
```

## Use instead
```python
@alru_cache(ttl=60)
async def get_settings() -> Settings:
    return Settings(**await db.settings.find_one({"_id": "global"}))
```
(`async_lru.alru_cache`; a plain `def` gets `@functools.lru_cache(maxsize=1)`.)

## Fix safety
Unsafe: a change to the data is seen only when the cache expires: after `ttl` seconds (60) for
`async def`, and never, until the process restarts, for a plain `def` (`lru_cache` has no expiry;
call `get_settings.cache_clear()` where the data changes). The cached object is shared: callers
must not mutate it. A lookup whose result depends on the request (it reads a context variable)
must not be cached; perfopt cannot see that, which is another reason the fix is unsafe. The
project must depend on `async-lru` for `async def` lookups.
"#,
};

impl Codemod for UncachedHotLookup {
    fn meta(&self) -> &'static CodemodMeta {
        &META
    }

    fn node_kinds(&self) -> &'static [&'static str] {
        &["function_definition"]
    }

    fn check(&self, function: Node<'_>, cx: &mut Context<'_>) {
        let file = cx.file;
        let Some(name_node) = function.field("name") else {
            return;
        };
        let name = text(name_node, file.source);
        let takes_nothing = function
            .field("parameters")
            .is_some_and(|p| named_children(p).is_empty());
        if !takes_nothing
            || !is_dependency(name, file)
            || is_decorated(function)
            || !returns_a_value(function)
        {
            return;
        }
        let does_io = own_body_nodes(function).into_iter().any(|node| {
            node.kind_name() == "await"
                || (node.kind_name() == "call" && classify(node, file).is_some())
        });
        if !does_io {
            return;
        }
        let mut additions = ModuleAdditions::new(file);
        let decorator = if is_async_def(function) {
            format!("@{}(ttl=60)", additions.member("async_lru", "alru_cache"))
        } else {
            format!("@{}.lru_cache(maxsize=1)", additions.module("functools"))
        };
        let indent = crate::source::indentation_at(file.source, function.start_byte());
        let mut edits = vec![Edit::insert(
            function.start_byte(),
            format!("{decorator}{}{indent}", file.stylist.line_ending),
        )];
        edits.extend(additions.into_edit());
        cx.report(
            name_node,
            format!(
                "`{name}()` takes no arguments but does I/O on every request that depends on it"
            ),
        )
        .with_fix(Ok(Fix::unsafe_edits(
            format!("Cache it with `{decorator}`"),
            edits,
        )));
    }
}

/// Whether `name` is passed to `Depends(...)` in this module.
fn is_dependency(name: &str, file: &FileContext) -> bool {
    let mut found = false;
    let needle = format!("Depends({name})");
    if !crate::source::contains(file.source, &needle) {
        return false;
    }
    crate::parse::walk_tree(file.tree.root_node(), |node| {
        if found || node.kind_name() != "call" {
            return;
        }
        let is_depends = file
            .callee(node)
            .is_some_and(|q| q == "fastapi.Depends" || q == "fastapi.params.Depends");
        let argument = node.field("arguments").and_then(|a| a.named_child(0));
        found = is_depends
            && argument
                .is_some_and(|a| a.kind_name() == "identifier" && text(a, file.source) == name);
    });
    found
}

/// The names passed as `Depends(name)` that a `def name(` takes no parameters in (only blanks
/// and comments before its `)`): the dependencies this codemod can report, and where they are used.
fn dependencies_without_parameters(source: &str) -> Vec<&str> {
    let depends: HashSet<&str> = find_all(source, "Depends(")
        .filter_map(|at| {
            let rest = &source[at + "Depends(".len()..];
            let (name, after) = rest.split_at(rest.find(|c: char| !is_identifier_char(c))?);
            (!name.is_empty() && after.starts_with(')')).then_some(name)
        })
        .collect();
    if depends.is_empty() {
        return Vec::new();
    }
    let mut names: Vec<&str> = find_all(source, "def")
        .filter(|&at| !source[..at].ends_with(is_identifier_char))
        .filter_map(|at| {
            let after_def = &source[at + "def".len()..];
            let rest = skip_blanks(after_def);
            let name_end = rest.find(|c: char| !is_identifier_char(c))?;
            let (name, after_name) = rest.split_at(name_end);
            let blank_after_def = rest.len() < after_def.len();
            (blank_after_def && depends.contains(name) && takes_nothing(after_name)).then_some(name)
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// Whether the text after a `def`'s name opens a parameter list with nothing but blanks and
/// comments in it.
fn takes_nothing(after_name: &str) -> bool {
    let Some(mut parameters) = skip_blanks(after_name).strip_prefix('(') else {
        return false;
    };
    loop {
        parameters = skip_blanks(parameters);
        match parameters.strip_prefix('#') {
            Some(comment) => parameters = comment.split_once('\n').map_or("", |(_, r)| r),
            None => return parameters.starts_with(')'),
        }
    }
}

fn is_decorated(function: Node) -> bool {
    function
        .parent()
        .is_some_and(|p| p.kind_name() == "decorated_definition")
}

fn returns_a_value(function: Node) -> bool {
    own_body_nodes(function)
        .into_iter()
        .any(|n| n.kind_name() == "return_statement" && n.named_child(0).is_some())
}

#[cfg(test)]
mod tests {
    use super::dependencies_without_parameters;

    #[test]
    fn dependencies_are_names_passed_to_depends_that_take_nothing() {
        let source = "def settings():\n    ...\ndef   db(  # c\n):\n    ...\ndef user(token):\n    ...\nasync def route(s=Depends(settings), d=Depends(db), u=Depends(user), x=Depends(other)):\n    ...\n";
        assert_eq!(dependencies_without_parameters(source), ["db", "settings"]);
    }
}
