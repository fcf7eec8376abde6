//! PO106: a loop that awaits one independent call per item, one after another.

use crate::codemod::{
    contains_word, Codemod, CodemodMeta, Context, FileContext, FixAvailability, Gate, Mention,
    Scope,
};
use crate::edits::builders::await_needs_parens;
use crate::edits::importer::{existing_definition, unique_name, ModuleAdditions};
use crate::fix::{Edit, Fix};
use crate::parse::walk_tree;
use crate::parse::NodeLookups;
use crate::semantic::asyncness::own_body_nodes;
use crate::semantic::concurrency::shared_resource;
use crate::syntax::{named_children, text};
use tree_sitter::Node;

pub struct SequentialAwaitInLoop;

static META: CodemodMeta = CodemodMeta {
    code: "PO106",
    name: "sequential-await-in-loop",
    summary: "loop that awaits one independent call per item, one after another",
    fix: FixAvailability::Sometimes,
    safety: "unsafe",
    priority: 4,
    impact: "The loop takes about as long as its slowest call (with at most `limit` running at once) instead of the sum of all calls.",
    requires: &["async", "await"],
    gates: &[Gate {
        imports: &[],
        literals: &[],
        shape: Some(awaits_into_a_list),
    }],
    mentions: &[Mention::shape(awaits_into_a_list_per_item)],
    scope: Scope::AsyncFunctions,
    docs: r#"## What it does
Finds, in an `async def`, the two shapes that await one call per item and collect the results
(a `for` loop appending to a list, a list comprehension), where the awaited call does not
depend on earlier iterations.

## Why is this slow?
Each call starts only when the previous one has finished, so the loop takes the sum of their
latencies: 20 upstream calls of 100 ms take two seconds, though the event loop is idle almost
all of that time.

## Example
```python
for item in items:
    results.append(await fetch(item))

results = [await fetch(item) for item in items]
```

## Use instead
```python
results.extend(await asyncio.gather(*(_limited(fetch(item)) for item in items)))
```
with, once per module:
```python
_gather_limit = asyncio.Semaphore(20)


async def _limited(awaitable):
    async with _gather_limit:
        return await awaitable
```
`asyncio.gather` returns the results in the order of the items, as the loop did. The semaphore
is one per module, shared by every request: a semaphore created inside the request bounds only
that request, so 64 concurrent requests × 20 items put 1,280 calls on a client whose pool holds
100 connections (httpx), and the excess fail with `PoolTimeout`. Keep `limit` below the pool
size of the client or database the calls use, leaving room for other requests.

## Options
`[tool.perfopt.sequential-await-in-loop] limit = 20`: the process-wide bound.

## When there is no fix
The finding is reported without a fix, saying why, when the loop has an `else`, comments (the
rewrite would drop them), or its variable is used after the loop; when the call uses an earlier
result (the list being built), awaits something else, or looks like it uses a shared database
session or connection (a name such as `session`, `db`, `conn`, `tx`, `cursor`): one
`AsyncSession` or connection must never run concurrent operations; when PO201
(n-plus-one-query) is enabled and batches the loop's query into one. Loops that `break`,
`continue`, `return` or `yield`, or that do anything besides collecting, are not this shape and
are not reported.

## Fix safety
Unsafe. All calls start together, so side effects interleave and happen even if an early call
fails (the loop stopped at the first failure); with `return_exceptions=False`, the first
exception propagates while the other calls keep running. A semaphore created at import time is
bound to the first event loop that waits on it: tests that start a loop per test may need a
fresh module.
"#,
};

impl Codemod for SequentialAwaitInLoop {
    fn meta(&self) -> &'static CodemodMeta {
        &META
    }

    fn node_kinds(&self) -> &'static [&'static str] {
        &["for_statement", "list_comprehension"]
    }

    fn check(&self, node: Node<'_>, cx: &mut Context<'_>) {
        let file = cx.file;
        let Some(function) = file.scopes.async_function_of(node) else {
            return;
        };
        let Some(shape) = (match node.kind_name() {
            "for_statement" => append_loop(node, file),
            _ => awaited_comprehension(node, file),
        }) else {
            return;
        };
        let callee = shape
            .call
            .field("function")
            .map_or(String::new(), |f| text(f, file.source).to_string());
        let fix = if file.enabled.contains("PO201")
            && super::n_plus_one_query::batches_query_in(node, file)
        {
            Err("the awaited call is a query that PO201 (n-plus-one-query) batches into one".into())
        } else {
            gather_fix(&shape, function, file)
        };
        cx.report(
            node,
            format!("`await {callee}(...)` runs once per item, one call after another"),
        )
        .with_fix(fix);
    }
}

/// A loop or comprehension that awaits `call` once per item of `iterable`.
struct Gathered<'t> {
    node: Node<'t>,
    /// The awaited call (without `await`).
    call: Node<'t>,
    /// The loop target (`item`, `key, value`).
    target: Node<'t>,
    /// The `for … in …` clause text after the target, with any `if` filters.
    clauses: String,
    /// The list being extended, for the `for` shape.
    collector: Option<Node<'t>>,
}

/// `for x in xs: out.append(await f(x))`.
fn append_loop<'t>(node: Node<'t>, file: &FileContext<'t>) -> Option<Gathered<'t>> {
    if node.child(0).is_some_and(|c| c.kind_name() == "async")
        || node.field("alternative").is_some()
    {
        return None;
    }
    let body = node.field("body")?;
    let statements: Vec<Node> = named_children(body)
        .into_iter()
        .filter(|c| c.kind_name() != "comment")
        .collect();
    let [statement] = statements.as_slice() else {
        return None;
    };
    let call = statement
        .named_child(0)
        .filter(|c| statement.kind_name() == "expression_statement" && c.kind_name() == "call")?;
    let method = call
        .field("function")
        .filter(|f| f.kind_name() == "attribute")?;
    if text(method.field("attribute")?, file.source) != "append" {
        return None;
    }
    let collector = method
        .field("object")
        .filter(|o| o.kind_name() == "identifier")?;
    let arguments = named_children(call.field("arguments")?);
    let [awaited] = arguments.as_slice() else {
        return None;
    };
    let inner = awaited_call(*awaited)?;
    let target = node.field("left")?;
    let iterable = node.field("right")?;
    Some(Gathered {
        node,
        call: inner,
        target,
        clauses: format!("in {}", text(iterable, file.source)),
        collector: Some(collector),
    })
}

/// `[await f(x) for x in xs if cond]`.
fn awaited_comprehension<'t>(node: Node<'t>, file: &FileContext<'t>) -> Option<Gathered<'t>> {
    let body = node.field("body")?;
    let call = awaited_call(body)?;
    let clauses: Vec<Node> = named_children(node)
        .into_iter()
        .filter(|c| *c != body)
        .collect();
    let fors: Vec<&Node> = clauses
        .iter()
        .filter(|c| c.kind_name() == "for_in_clause")
        .collect();
    let [for_clause] = fors.as_slice() else {
        return None;
    };
    if for_clause
        .child(0)
        .is_some_and(|c| c.kind_name() == "async")
    {
        return None;
    }
    let target = for_clause.field("left")?;
    // Everything after the target, up to the closing bracket: `in xs if cond`.
    let rest = &file.source[target.end_byte()..node.end_byte() - 1];
    Some(Gathered {
        node,
        call,
        target,
        clauses: rest.trim().to_string(),
        collector: None,
    })
}

/// The call inside `await CALL`.
fn awaited_call(node: Node) -> Option<Node> {
    (node.kind_name() == "await")
        .then(|| node.named_child(0))
        .flatten()
        .filter(|c| c.kind_name() == "call")
}

fn gather_fix(shape: &Gathered, function: Node, file: &FileContext) -> Result<Fix, String> {
    let source = file.source;
    let mut awaits_inside = false;
    let mut names = Vec::new();
    walk_tree(shape.call, |n| {
        awaits_inside |= matches!(n.kind_name(), "await" | "yield" | "named_expression");
        if n.kind_name() == "identifier" {
            names.push(text(n, source));
        }
    });
    if awaits_inside {
        return Err("the call awaits or binds something itself".into());
    }
    if let Some(collector) = shape.collector {
        if names.contains(&text(collector, source)) {
            return Err("each call uses the results collected so far".into());
        }
    }
    if let Some(shared) = shared_resource(names.iter().copied()) {
        return Err(format!("the call uses `{shared}`, which looks like a shared database session or connection (not safe for concurrent use)"));
    }
    if asyncio_call(shape.call, file) {
        return Err("the awaited call is an asyncio primitive (a deliberate pause or wait)".into());
    }
    let mut has_comment = false;
    walk_tree(shape.node, |n| has_comment |= n.kind_name() == "comment");
    if has_comment {
        return Err("the loop has comments that the rewrite would drop".into());
    }
    // The loop variable stays bound after a `for`; the generator's does not.
    let mut targets = Vec::new();
    walk_tree(shape.target, |n| {
        if n.kind_name() == "identifier" {
            targets.push(text(n, source));
        }
    });
    if shape.collector.is_some() {
        let used_after = own_body_nodes(function).into_iter().any(|n| {
            n.kind_name() == "identifier"
                && n.start_byte() >= shape.node.end_byte()
                && targets.contains(&text(n, source))
        });
        if used_after {
            return Err("the loop variable is used after the loop".into());
        }
    }
    let mut additions = ModuleAdditions::new(file);
    let asyncio = additions.module("asyncio");
    let limited = limiter(file, &mut additions, &asyncio);
    let gather = format!(
        "await {asyncio}.gather(*({limited}({}) for {} {}))",
        text(shape.call, source),
        text(shape.target, source),
        shape.clauses
    );
    let replacement = match shape.collector {
        Some(collector) => format!("{}.extend({gather})", text(collector, source)),
        None if await_needs_parens(shape.node) => format!("({gather})"),
        None => gather,
    };
    let mut edits = vec![Edit::replace(
        shape.node.start_byte(),
        shape.node.end_byte(),
        replacement,
    )];
    edits.extend(additions.into_edit());
    Ok(Fix::unsafe_edits(
        "Run the calls concurrently with `asyncio.gather`, bounded by a module-wide semaphore",
        edits,
    ))
}

fn asyncio_call(call: Node, file: &FileContext) -> bool {
    file.callee(call)
        .is_some_and(|q| q.starts_with("asyncio.") || q.starts_with("anyio."))
}

/// The module's `_limited(awaitable)` helper and its semaphore: reused, else defined.
fn limiter(file: &FileContext, additions: &mut ModuleAdditions, asyncio: &str) -> String {
    if let Some(name) = existing_definition(file, "_limited", "async with _gather_limit") {
        return name;
    }
    let semaphore =
        existing_definition(file, "_gather_limit", ".Semaphore(").unwrap_or_else(|| {
            let name = unique_name(file, "_gather_limit");
            additions.define(&[format!(
                "{name} = {asyncio}.Semaphore({})",
                file.options.concurrency.limit
            )]);
            name
        });
    let name = unique_name(file, "_limited");
    let indent = &file.stylist.indent;
    additions.define(&[
        String::new(),
        format!("async def {name}(awaitable):"),
        format!("{indent}async with {semaphore}:"),
        format!("{indent}{indent}return await awaitable"),
    ]);
    name
}

/// Whether some `await` is the first thing in a list display (`[await …`) or an `append(` call
/// (`.append(await …`), whitespace, line breaks and comments aside: the text of both shapes.
fn awaits_into_a_list(source: &str) -> bool {
    list_awaits(source).next().is_some()
}

/// [`awaits_into_a_list`] in a comprehension (its `for` after the `await`) or in a `for` loop (its
/// `for` before).
fn awaits_into_a_list_per_item(text: &str) -> bool {
    list_awaits(text).any(|(at, opening)| match opening {
        ListOpening::Display => contains_word(&text[at..], "for"),
        ListOpening::Append => contains_word(&text[..at], "for"),
    })
}

/// Where a list display or an `append(` call opens.
enum ListOpening {
    Display,
    Append,
}

/// The `await`s that are the first thing in a list display or an `append(` call, with what
/// they go into.
fn list_awaits(source: &str) -> impl Iterator<Item = (usize, ListOpening)> + '_ {
    // `append(`, with blanks or line continuations before the parenthesis too.
    let opens = |text: &str| {
        if text.ends_with('[') {
            return Some(ListOpening::Display);
        }
        text.strip_suffix('(')
            .filter(|callee| {
                callee
                    .trim_end_matches(|c: char| c.is_whitespace() || c == '\\')
                    .ends_with("append")
            })
            .map(|_| ListOpening::Append)
    };
    crate::source::find_all(source, "await").filter_map(move |at| {
        let mut before = source[..at].trim_end();
        if let Some(opening) = opens(before) {
            return Some((at, opening));
        }
        // Drop trailing comments (`[  # note` on the line before).
        loop {
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            match before[line_start..].find('#') {
                Some(hash) => before = before[..line_start + hash].trim_end(),
                None => return opens(before).map(|opening| (at, opening)),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::{awaits_into_a_list, awaits_into_a_list_per_item};

    #[test]
    fn the_gate_sees_both_shapes_across_lines_and_comments() {
        assert!(awaits_into_a_list("out.append(await f(x))"));
        assert!(awaits_into_a_list(
            "return [  # note\n    await f(x) for x in xs\n]"
        ));
        assert!(!awaits_into_a_list("y = await f(x)\nz = [1]"));
        assert!(awaits_into_a_list("out.append    (await f(x))"));
        assert!(awaits_into_a_list("out.append \\\n (await f(x))"));
    }

    #[test]
    fn a_statement_is_held_only_where_the_await_can_be_per_item() {
        assert!(awaits_into_a_list_per_item(
            "for x in xs:\n    out.append(await f(x))"
        ));
        assert!(awaits_into_a_list_per_item("[await f(x) for x in xs]"));
        // The loop after the `append`, the comprehension's `for` before the display.
        assert!(!awaits_into_a_list_per_item(
            "out.append(await f(x))\nfor x in xs:\n    pass"
        ));
        assert!(!awaits_into_a_list_per_item(
            "for x in xs:\n    pass\nys = [await f(x)]"
        ));
    }
}
