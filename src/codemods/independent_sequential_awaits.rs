//! PO107: consecutive awaits that do not depend on each other.

use crate::codemod::{
    Codemod, CodemodMeta, Context, FileContext, FixAvailability, Gate, Mention, Scope,
};
use crate::edits::importer::ModuleAdditions;
use crate::fix::{Edit, Fix};
use crate::outline::{code_tokens, is_identifier_char, simple_statements, Line};
use crate::parse::walk_tree;
use crate::parse::NodeLookups;
use crate::semantic::concurrency::shared_resource;
use crate::source::find_all;
use crate::syntax::{named_children, text};
use tree_sitter::Node;

pub struct IndependentSequentialAwaits;

static META: CodemodMeta = CodemodMeta {
    code: "PO107",
    name: "independent-sequential-awaits",
    summary: "consecutive awaits with no data dependence run one after another",
    fix: FixAvailability::Sometimes,
    safety: "unsafe",
    priority: 4,
    impact: "The handler waits as long as its slowest call instead of the sum of all of them.",
    requires: &["async", "await"],
    gates: &[Gate {
        imports: &[],
        literals: &[],
        shape: Some(consecutive_awaited_assignments),
    }],
    mentions: &[Mention::shape(consecutive_awaited_assignments)],
    scope: Scope::AsyncFunctions,
    docs: r#"## What it does
Finds two or more consecutive statements in an `async def` that each assign the result of one
awaited call to a name (`user = await get_user(id)`), where no call uses a name assigned by the
statements before it in the run.

## Why is this slow?
The second call starts only after the first has finished, although it does not need its result:
the handler takes the sum of the latencies instead of the longest one.

## Example
```python
user = await users.get(user_id)
orders = await orders_api.recent(user_id)
```

## Use instead
```python
user, orders = await asyncio.gather(users.get(user_id), orders_api.recent(user_id))
```

## Fix safety
Unsafe: both calls now run at the same time, so their side effects can interleave, the second
runs even when the first fails, and with `return_exceptions=False` the first exception
propagates while the other call keeps running. No fix (reported, saying why) when the calls look
like they share a database session or connection (names such as `session`, `db`, `conn`, `tx`,
`cursor`: one `AsyncSession` must not run concurrent operations), when a call awaits something
itself, or when comments sit between the statements.
"#,
};

impl Codemod for IndependentSequentialAwaits {
    fn meta(&self) -> &'static CodemodMeta {
        &META
    }

    fn node_kinds(&self) -> &'static [&'static str] {
        &["block"]
    }

    fn check(&self, block: Node<'_>, cx: &mut Context<'_>) {
        let file = cx.file;
        if file.scopes.async_function_of(block).is_none() {
            return;
        }
        for run in independent_runs(block, file) {
            let first = run[0].statement;
            let fix = gather_fix(&run, file);
            let names: Vec<&str> = run.iter().map(|a| text(a.target, file.source)).collect();
            cx.report(
                first,
                format!(
                    "{} independent awaits (`{}`) run one after another",
                    run.len(),
                    names.join("`, `")
                ),
            )
            .with_fix(fix);
        }
    }
}

/// `name = await call(...)`.
struct AwaitedAssignment<'t> {
    statement: Node<'t>,
    target: Node<'t>,
    call: Node<'t>,
}

fn awaited_assignment<'t>(statement: Node<'t>) -> Option<AwaitedAssignment<'t>> {
    let assignment = statement.named_child(0).filter(|a| {
        statement.kind_name() == "expression_statement" && a.kind_name() == "assignment"
    })?;
    if assignment.field("type").is_some() {
        return None;
    }
    let target = assignment
        .field("left")
        .filter(|t| t.kind_name() == "identifier")?;
    let value = assignment
        .field("right")
        .filter(|v| v.kind_name() == "await")?;
    let call = value.named_child(0).filter(|c| c.kind_name() == "call")?;
    Some(AwaitedAssignment {
        statement,
        target,
        call,
    })
}

/// Maximal runs (two or more) of consecutive awaited assignments where no call reads a name an
/// earlier assignment of the run binds, and no name is bound twice.
fn independent_runs<'t>(
    block: Node<'t>,
    file: &FileContext<'t>,
) -> Vec<Vec<AwaitedAssignment<'t>>> {
    let mut runs = Vec::new();
    let mut current: Vec<AwaitedAssignment> = Vec::new();
    for statement in named_children(block) {
        let next = awaited_assignment(statement).filter(|next| {
            let reads = identifiers(next.call, file);
            current.iter().all(|earlier| {
                let name = text(earlier.target, file.source);
                !reads.contains(&name) && name != text(next.target, file.source)
            })
        });
        match next {
            Some(next) => current.push(next),
            None => {
                if current.len() >= 2 {
                    runs.push(std::mem::take(&mut current));
                }
                current.clear();
                // The statement that broke the run may start the next one.
                if let Some(start) = awaited_assignment(statement) {
                    current.push(start);
                }
            }
        }
    }
    if current.len() >= 2 {
        runs.push(current);
    }
    runs
}

fn identifiers<'s>(node: Node, file: &FileContext<'s>) -> Vec<&'s str> {
    let mut names = Vec::new();
    walk_tree(node, |n| {
        if n.kind_name() == "identifier" {
            names.push(text(n, file.source));
        }
    });
    names
}

fn gather_fix(run: &[AwaitedAssignment], file: &FileContext) -> Result<Fix, String> {
    let source = file.source;
    for assignment in run {
        let mut awaits = false;
        walk_tree(assignment.call, |n| {
            awaits |= matches!(n.kind_name(), "await" | "named_expression")
        });
        if awaits {
            return Err("a call awaits or binds something itself".into());
        }
        if file
            .callee(assignment.call)
            .is_some_and(|q| q.starts_with("asyncio.") || q.starts_with("anyio."))
        {
            return Err("a call is an asyncio primitive (a deliberate pause or wait)".into());
        }
        if let Some(shared) = shared_resource(identifiers(assignment.call, file)) {
            return Err(format!("`{shared}` looks like a shared database session or connection (not safe for concurrent use)"));
        }
    }
    let (first, last) = (run[0].statement, run[run.len() - 1].statement);
    let mut has_comment = false;
    walk_tree(first.parent().unwrap_or(first), |n| {
        has_comment |= n.kind_name() == "comment"
            && n.start_byte() > first.start_byte()
            && n.end_byte() <= last.end_byte();
    });
    if has_comment {
        return Err("comments sit between the awaits; the rewrite would drop them".into());
    }
    let mut additions = ModuleAdditions::new(file);
    let asyncio = additions.module("asyncio");
    let targets: Vec<&str> = run.iter().map(|a| text(a.target, source)).collect();
    let calls: Vec<&str> = run.iter().map(|a| text(a.call, source)).collect();
    let replacement = format!(
        "{} = await {asyncio}.gather({})",
        targets.join(", "),
        calls.join(", ")
    );
    let mut edits = vec![Edit::replace(
        first.start_byte(),
        last.end_byte(),
        replacement,
    )];
    edits.extend(additions.into_edit());
    Ok(Fix::unsafe_edits(
        "Await them together with `asyncio.gather`",
        edits,
    ))
}

/// Whether the text has two consecutive statements `a = await f(...)` and `b = await g(...)`,
/// `b` not `a`, where the second call does not mention `a` outside strings and comments: what a
/// run needs. Read around each `= await` (from the start of its line to the end of the next
/// logical line), so it misses no run; it may see one that is not (in a string, or across a
/// dedent).
fn consecutive_awaited_assignments(source: &str) -> bool {
    let assigned_awaits = find_all(source, "await").filter(|&at| {
        source[..at]
            .trim_end_matches(|c: char| c.is_whitespace() || c == '\\')
            .ends_with('=')
    });
    let mut checked_up_to = 0;
    for at in assigned_awaits {
        if at < checked_up_to {
            continue;
        }
        let line_start = source[..at].rfind('\n').map_or(0, |i| i + 1);
        let Some(first) = Line::read(source, line_start) else {
            continue;
        };
        let (statements, compound) = simple_statements(first.code(source));
        let pairs_in_line = statements
            .windows(2)
            .any(|pair| independent_awaits(pair[0], pair[1]));
        if pairs_in_line {
            return true;
        }
        let next = Line::read(source, first.end);
        let last = statements
            .last()
            .filter(|_| !compound && !first.opens_block);
        if let (Some(last), Some(next)) = (last, next) {
            let (following, next_compound) = simple_statements(next.code(source));
            if !next_compound
                && following
                    .first()
                    .is_some_and(|s| independent_awaits(last, s))
            {
                return true;
            }
        }
        checked_up_to = first.end;
    }
    false
}

/// Whether `second` is `b = await …` that could join a run after `first`, `a = await …`.
fn independent_awaits(first: &str, second: &str) -> bool {
    let (Some((a, _)), Some((b, call))) = (awaited_target(first), awaited_target(second)) else {
        return false;
    };
    a != b && code_tokens(call).iter().all(|(_, token)| *token != a)
}

/// `name = await rest`: the name and the rest.
fn awaited_target(statement: &str) -> Option<(&str, &str)> {
    let name_end = statement
        .find(|c: char| !is_identifier_char(c))
        .unwrap_or(statement.len());
    let (name, rest) = statement.split_at(name_end);
    let rest = rest.trim_start().strip_prefix('=')?;
    let call = rest.trim_start().strip_prefix("await")?;
    let is_name = !name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit());
    (is_name && !call.starts_with(is_identifier_char)).then_some((name, call))
}

#[cfg(test)]
mod tests {
    use super::consecutive_awaited_assignments;

    #[test]
    fn the_gate_wants_two_consecutive_independent_awaits() {
        let runs = [
            "a = await f()\nb = await g()\n",
            "    a = await f(\n        x,\n    )  # c\n    b = await g('a')\n",
            "if x: a = await f(); b = await g()\n",
            "x = 1; a = await f()\nb = await g(f\"{a}\")\n",
        ];
        for text in runs {
            assert!(consecutive_awaited_assignments(text), "{text:?}");
        }
        let no_runs = [
            "a = await f()\nb = await g(a)\n",
            "a = await f()\na = await g()\n",
            "a = await f()\nif x:\n    b = await g()\n",
            "if x: a = await f()\nb = await g()\n",
            "a: int = await f()\nb = await g()\n",
            "a = await f()\nprint(a)\nb = await g()\n",
        ];
        for text in no_runs {
            assert!(!consecutive_awaited_assignments(text), "{text:?}");
        }
    }
}
