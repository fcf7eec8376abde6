//! PO204: a database write per loop iteration (Beanie `insert`/`insert_one`, SQLAlchemy
//! `session.add` + `commit`/`flush`), rewritten to one bulk write after building the list.

use crate::codemod::{
    contains_word, Codemod, CodemodMeta, Context, FileContext, FixAvailability, Gate, Mention,
    Scope,
};
use crate::fix::{Edit, Fix};
use crate::parse::walk_tree;
use crate::parse::NodeLookups;
use crate::semantic::queries::{is_document, method_call, unparenthesize};
use crate::semantic::scope::fresh_local;
use crate::source::indentation_at;
use crate::syntax::{is_async_def, named_children, text, CallArgs};
use tree_sitter::Node;

pub struct WriteInLoop;

static META: CodemodMeta = CodemodMeta {
    code: "PO204",
    name: "write-in-loop",
    summary: "Database write (insert, commit) once per loop iteration",
    fix: FixAvailability::Sometimes,
    safety: "unsafe",
    priority: 6,
    impact: "Measured by `tests/behaviour/run_db_writes_behaviour.py` (SQLAlchemy async on an aiosqlite file): importing 300 rows took 300 commits and 5.5 s before the fix, 1 commit and 36 ms after (one run on the development machine; SQLite still sends one INSERT per row).",
    requires: &["for ", "await"],
    gates: &[
        Gate {
            imports: &[],
            literals: &[".insert(", ".insert_one("],
            shape: None,
        },
        Gate {
            imports: &["sqlalchemy", "sqlmodel"],
            literals: &[".add("],
            shape: None,
        },
    ],
    mentions: &[Mention::shape(writes_in_a_loop)],
    scope: Scope::AsyncFunctions,
    docs: r#"## What it does
Finds a database write awaited once per iteration of a `for` loop: a Beanie document's
`await doc.insert()` or `await Model.insert_one(doc)` (the model a project class derived from
`Document`), and a SQLAlchemy/SQLModel `session.add(obj)` followed in the same loop by
`await session.commit()` or `await session.flush()`. A commit that runs only under a condition
(`if index % 100 == 0:`) already batches and is left alone.

## Why is this slow?
Each iteration waits for its own round trip to the database, and for SQL each commit is a
transaction of its own that the database writes durably to disk before answering. A list of
n items costs n round trips (n transactions). Measured by perfopt's behaviour test
(`tests/behaviour/run_db_writes_behaviour.py`, SQLAlchemy async on an aiosqlite file, one run):
importing 300 rows with a commit each took 5.5 s and 300 commits, after the fix 36 ms and one
commit. `insert_many` sends all the documents in one
command (PyMongo splits it into batches of at most 100,000 or 48 MB), and one commit writes all
the rows in one transaction.

## Example
```python
@router.post("/orders/import")
async def import_orders(lines: list[OrderIn], session: AsyncSession = Depends(get_session)):
    for line in lines:
        session.add(Order(customer=line.customer, total=line.total))
        await session.commit()
    for line in lines:
        await AuditEntry(action="import", ref=line.customer).insert()
```

## Use instead
```python
@router.post("/orders/import")
async def import_orders(lines: list[OrderIn], session: AsyncSession = Depends(get_session)):
    objects = [Order(customer=line.customer, total=line.total) for line in lines]
    if objects:
        session.add_all(objects)
        await session.commit()
    documents = [AuditEntry(action="import", ref=line.customer) for line in lines]
    if documents:
        await AuditEntry.insert_many(documents)
```
The `if` keeps an empty input from writing: PyMongo's `insert_many` refuses an empty list, and
a commit with nothing new would still commit whatever the session held.

## When there is no fix
The finding is reported without a fix, saying why, when a `try` inside the loop wraps the write
(each item's failure is isolated: one bad item does not stop the others); when the loop does
anything besides building one object and writing it (reads its result or its `id`, refreshes
it, appends it, writes twice, has an `else`); when the loop variable or the object is read
after the loop; when the write passes options (`session=`, `link_rule=`); when the loop is an
`async for`; or when a comment inside the loop would be lost.

## Fix safety
Unsafe. For Beanie, `insert_many` is not a loop of `insert()`: it runs no event hooks
(`@before_event(Insert)`), no `validate_on_save` validation and no revision handling, and it
does not set the documents' `id`; a failure stops at the first bad document (`ordered` writes)
after the ones before it were written, where the loop stopped at the same point. For
SQLAlchemy, the rows are written in one transaction instead of one each: a failing row now
rolls back all of them, where the loop kept those committed before it; the objects are
flushed together, so database defaults and ids appear on all of them only after the commit.
"#,
};

/// Whether a definition can write in a loop: a `for`, an `await`, and an `insert`/`insert_one`
/// or an `add` with a `commit`/`flush`.
fn writes_in_a_loop(text: &str) -> bool {
    let has = |word| contains_word(text, word);
    has("for")
        && has("await")
        && (has("insert") || has("insert_one") || (has("add") && (has("commit") || has("flush"))))
}

impl Codemod for WriteInLoop {
    fn meta(&self) -> &'static CodemodMeta {
        &META
    }

    fn node_kinds(&self) -> &'static [&'static str] {
        &["for_statement"]
    }

    fn check(&self, loop_node: Node<'_>, cx: &mut Context<'_>) {
        let file = cx.file;
        // Only an `async def` can await (elsewhere the file does not parse as Python).
        let in_async = file.scopes.function_of(loop_node).is_some_and(is_async_def);
        let Some(body) = loop_node.field("body").filter(|_| in_async) else {
            return;
        };
        let Some(write) = first_write(loop_node, body, file) else {
            return;
        };
        let shown = text(write.awaited, file.source);
        let message = match write.kind {
            WriteKind::Beanie { .. } => format!(
                "`{shown}` writes one document per loop iteration: a round trip to the database each"
            ),
            WriteKind::Sql { add, .. } => {
                let added = add
                    .field("function")
                    .map_or("session.add", |f| text(f, file.source));
                let cost = if shown.ends_with(".commit()") {
                    "one transaction per item"
                } else {
                    "a round trip per item"
                };
                format!("`{shown}` after `{added}(...)` in a loop: {cost}")
            }
        };
        let fix = bulk_fix(&write, loop_node, body, file);
        cx.report(write.awaited, message).with_fix(fix);
    }
}

/// A write awaited in a loop.
struct Write<'t> {
    /// The `await ...` expression that writes.
    awaited: Node<'t>,
    kind: WriteKind<'t>,
}

enum WriteKind<'t> {
    /// `await doc.insert()` / `await Model.insert_one(doc)`.
    Beanie {
        /// The document class as written.
        model: Node<'t>,
        /// The inserted document expression (`doc`, `Model(...)`).
        document: Node<'t>,
    },
    /// `session.add(obj)` then `await session.commit()` (or `flush()`).
    Sql {
        add: Node<'t>,
        /// The added object expression.
        object: Node<'t>,
    },
}

/// The first write of this loop's own body (not of a nested loop or function).
fn first_write<'t>(loop_node: Node<'t>, body: Node<'t>, file: &FileContext) -> Option<Write<'t>> {
    let mut awaits = Vec::new();
    walk_tree(body, |node| {
        if node.kind_name() == "await" && nearest_loop(node) == Some(loop_node) {
            awaits.push(node);
        }
    });
    awaits
        .into_iter()
        .find_map(|awaited| write_of(awaited, body, file))
}

/// The innermost `for` statement around `node` within its function.
fn nearest_loop(node: Node) -> Option<Node> {
    let mut current = node.parent();
    while let Some(n) = current {
        match n.kind_name() {
            "for_statement" => return Some(n),
            "function_definition" | "lambda" | "class_definition" => return None,
            _ => current = n.parent(),
        }
    }
    None
}

fn write_of<'t>(awaited: Node<'t>, body: Node<'t>, file: &FileContext) -> Option<Write<'t>> {
    let source = file.source;
    let call = awaited.named_child(0).filter(|c| c.kind_name() == "call")?;
    let (receiver, method, _) = method_call(call, source)?;
    let receiver = unparenthesize(receiver);
    match method {
        "insert" => {
            let model = constructed_document(receiver, body, file)?;
            Some(Write {
                awaited,
                kind: WriteKind::Beanie {
                    model,
                    document: receiver,
                },
            })
        }
        "insert_one" if is_document(receiver, file) => {
            let document = *CallArgs::of(call, source).positional.first()?;
            Some(Write {
                awaited,
                kind: WriteKind::Beanie {
                    model: receiver,
                    document,
                },
            })
        }
        // A commit under a condition (`if len(batch) == 100`) already batches.
        "commit" | "flush" if !conditional_in(awaited, body) => {
            let session = text(receiver, source);
            // The `session.add(obj)` of the same session, before the commit in this loop.
            let mut add = None;
            walk_tree(body, |node| {
                let Some((object, "add", _)) = method_call(node, source) else {
                    return;
                };
                if add.is_none()
                    && text(unparenthesize(object), source) == session
                    && node.start_byte() < awaited.start_byte()
                {
                    add = Some(node);
                }
            });
            let add = add?;
            let args = CallArgs::of(add, source);
            let [object] = args.positional.as_slice() else {
                return None;
            };
            Some(Write {
                awaited,
                kind: WriteKind::Sql {
                    add,
                    object: *object,
                },
            })
        }
        _ => None,
    }
}

/// The document class of `receiver`: `Model(...)` itself, or a name the loop body assigns
/// `Model(...)` to, `Model` a project document.
fn constructed_document<'t>(
    receiver: Node<'t>,
    body: Node<'t>,
    file: &FileContext,
) -> Option<Node<'t>> {
    let constructor = |expr: Node<'t>| {
        let expr = unparenthesize(expr);
        let class = expr
            .field("function")
            .filter(|_| expr.kind_name() == "call")?;
        is_document(class, file).then_some(class)
    };
    match receiver.kind_name() {
        "call" => constructor(receiver),
        "identifier" => {
            let name = text(receiver, file.source);
            named_children(body).into_iter().find_map(|statement| {
                let assignment = statement.named_child(0).filter(|a| {
                    statement.kind_name() == "expression_statement" && a.kind_name() == "assignment"
                })?;
                let left = assignment.field("left")?;
                (left.kind_name() == "identifier" && text(left, file.source) == name)
                    .then(|| constructor(assignment.field("right")?))
                    .flatten()
            })
        }
        _ => None,
    }
}

/// The loop body's statements when they are exactly: an optional `name = value`, then the
/// write's own statements. Returns the object expression the list is built from.
fn single_object_body<'t>(
    write: &Write<'t>,
    statements: &[Node<'t>],
    file: &FileContext,
) -> Result<Node<'t>, String> {
    let source = file.source;
    let more =
        || "the loop does more than build one object and write it; batch it by hand".to_string();
    let is_statement_of = |statement: Node, expr: Node| {
        statement.kind_name() == "expression_statement"
            && statement.named_child_count() == 1
            && statement.named_child(0) == Some(expr)
    };
    let (written, writes): (Node, Vec<Node>) = match &write.kind {
        WriteKind::Beanie { document, .. } => (*document, vec![write.awaited]),
        WriteKind::Sql { add, object } => (*object, vec![*add, write.awaited]),
    };
    let (assigned, rest) = match statements.len() - writes.len() {
        0 => (None, statements),
        1 => (Some(statements[0]), &statements[1..]),
        _ => return Err(more()),
    };
    if rest.len() != writes.len()
        || rest
            .iter()
            .zip(&writes)
            .any(|(s, w)| !is_statement_of(*s, *w))
    {
        return Err(more());
    }
    let Some(assigned) = assigned else {
        return Ok(written);
    };
    // `name = value` and the write takes `name`: the list is built from `value`.
    let assignment = assigned
        .named_child(0)
        .filter(|a| assigned.kind_name() == "expression_statement" && a.kind_name() == "assignment")
        .ok_or_else(more)?;
    let name = assignment
        .field("left")
        .filter(|l| l.kind_name() == "identifier")
        .ok_or_else(more)?;
    let uses_of_name_in_writes = writes
        .iter()
        .map(|w| identifiers_named(*w, text(name, source), source).len())
        .sum::<usize>();
    if uses_of_name_in_writes != 1 || text(written, source) != text(name, source) {
        return Err(more());
    }
    assignment.field("right").ok_or_else(more)
}

/// Identifiers read as the name `name` inside `node` (not attribute or keyword names).
fn identifiers_named<'t>(node: Node<'t>, name: &str, source: &str) -> Vec<Node<'t>> {
    let mut found = Vec::new();
    walk_tree(node, |n| {
        let is_field = n.parent().is_some_and(|p| {
            (p.kind_name() == "attribute" && p.field("attribute") == Some(n))
                || (p.kind_name() == "keyword_argument" && p.field("name") == Some(n))
        });
        if n.kind_name() == "identifier" && !is_field && text(n, source) == name {
            found.push(n);
        }
    });
    found
}

fn bulk_fix(write: &Write, loop_node: Node, body: Node, file: &FileContext) -> Result<Fix, String> {
    let source = file.source;
    if enclosing_try(write.awaited, loop_node) {
        return Err("a `try` inside the loop wraps the write, so one item's failure does not stop the others; a bulk write would fail or succeed as one".into());
    }
    if text(loop_node, source).starts_with("async") {
        return Err("the loop is an `async for`; batch it by hand".into());
    }
    if loop_node.field("alternative").is_some() {
        return Err("the loop has an `else` clause; batch it by hand".into());
    }
    let mut has_comment = false;
    walk_tree(body, |n| has_comment |= n.kind_name() == "comment");
    if has_comment {
        return Err("a comment inside the loop would be lost; batch it by hand".into());
    }
    let statements = named_children(body);
    let object = single_object_body(write, &statements, file)?;
    let function = file
        .scopes
        .function_of(loop_node)
        .ok_or("the loop is not in a function")?;
    // Names the loop binds stay bound after it in Python: nothing after may read them.
    let target = loop_node.field("left").ok_or("no loop target")?;
    let mut bound = std::collections::HashSet::new();
    crate::semantic::imports::collect_target_names(target, source, &mut bound);
    if let Some(first) = statements.first().and_then(|s| s.named_child(0)) {
        if first.kind_name() == "assignment" && statements.len() > 1 {
            if let Some(left) = first.field("left") {
                bound.insert(text(left, source).to_string());
            }
        }
    }
    let mut read_after = None;
    walk_tree(function, |n| {
        if n.kind_name() == "identifier"
            && n.start_byte() >= loop_node.end_byte()
            && bound.contains(text(n, source))
        {
            read_after.get_or_insert(text(n, source));
        }
    });
    if let Some(name) = read_after {
        return Err(format!(
            "`{name}` is read after the loop, where it holds the last item"
        ));
    }
    let iterable = loop_node.field("right").ok_or("no iterable")?;
    let le = file.stylist.line_ending;
    let unit = &file.stylist.indent;
    let indent = indentation_at(source, loop_node.start_byte());
    let (list_base, write_lines, summary) = match &write.kind {
        WriteKind::Beanie { model, .. } => {
            if !CallArgs::of(write.awaited.named_child(0).ok_or("no call")?, source)
                .keywords
                .is_empty()
            {
                return Err(
                    "the write passes options (`session=`, `link_rule=`); batch it by hand".into(),
                );
            }
            let model = text(*model, source);
            (
                "documents",
                vec![format!("await {model}.insert_many({{list}})")],
                format!("one `{model}.insert_many(...)`"),
            )
        }
        WriteKind::Sql { add, .. } => {
            let (session, _, _) = method_call(*add, source).ok_or("no session")?;
            let session = text(session, source);
            let commit = text(write.awaited, source);
            (
                "objects",
                vec![format!("{session}.add_all({{list}})"), commit.to_string()],
                format!("`{session}.add_all(...)` and one `{commit}`"),
            )
        }
    };
    let list = fresh_local(function, source, list_base);
    let mut replacement = format!(
        "{list} = [{} for {} in {}]{le}{indent}if {list}:",
        dedented(object, unit, source),
        text(target, source),
        text(iterable, source)
    );
    for line in write_lines {
        replacement.push_str(&format!(
            "{le}{indent}{unit}{}",
            line.replace("{list}", &list)
        ));
    }
    Ok(Fix::unsafe_edits(
        format!("Build the list first, then write it with {summary}"),
        vec![Edit::replace(
            loop_node.start_byte(),
            loop_node.end_byte(),
            replacement,
        )],
    ))
}

/// `node`'s text with its continuation lines one indentation unit less deep, as it moves out of
/// the loop body; as written when a string spans lines (its content must not change).
fn dedented(node: Node, unit: &str, source: &str) -> String {
    let written = text(node, source);
    let mut multiline_string = false;
    walk_tree(node, |n| {
        multiline_string |= n.kind_name() == "string" && text(n, source).contains('\n');
    });
    if multiline_string {
        return written.to_string();
    }
    let mut lines = written.split('\n');
    let first = lines.next().unwrap_or_default().to_string();
    lines.fold(first, |out, line| {
        format!("{out}\n{}", line.strip_prefix(unit).unwrap_or(line))
    })
}

/// Whether `node` runs only under a condition inside the loop body.
fn conditional_in(node: Node, body: Node) -> bool {
    let mut current = node.parent();
    while let Some(n) = current {
        if n == body {
            return false;
        }
        if matches!(
            n.kind_name(),
            "if_statement" | "while_statement" | "match_statement" | "conditional_expression"
        ) {
            return true;
        }
        current = n.parent();
    }
    false
}

/// Whether a `try` statement inside the loop holds `node`.
fn enclosing_try(node: Node, loop_node: Node) -> bool {
    let mut current = node.parent();
    while let Some(n) = current {
        if n == loop_node {
            return false;
        }
        if n.kind_name() == "try_statement" {
            return true;
        }
        current = n.parent();
    }
    false
}
