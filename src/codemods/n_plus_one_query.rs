//! PO201: a query per item inside a loop over another query's results (Beanie `get`/`find_one`/
//! `find`, SQLAlchemy `session.get`/`select(...).where(...)`, lazy relationships, `Link.fetch()`),
//! rewritten to one batched query grouped in memory, or a loader option on the parent query.

use crate::codemod::{
    contains_word, Codemod, CodemodMeta, Context, FileContext, FixAvailability, Gate, Mention,
    Scope,
};
use crate::edits::builders::append_argument;
use crate::edits::importer::ModuleAdditions;
use crate::fix::{Edit, Fix};
use crate::parse::NodeLookups;
use crate::semantic::concurrency::shared_resource;
use crate::semantic::models::{KeyType, Orm};
use crate::semantic::project::called_on_a_class;
use crate::semantic::queries::{
    chain, class_name, is_document, is_select, method_call, method_chain, resolve_model,
    selected_entity, unparenthesize, BEANIE_FINDS, SELECT_FUNCTIONS,
};
use crate::semantic::scope::fresh_local;
use crate::source::{find_all, indentation_at};
use crate::syntax::{contains, enclosing_statement, named_children, text, CallArgs};
use tree_sitter::Node;

pub struct NPlusOneQuery;

static META: CodemodMeta = CodemodMeta {
    code: "PO201",
    name: "n-plus-one-query",
    summary: "One query per item in a loop over another query's results (N+1 queries)",
    fix: FixAvailability::Sometimes,
    safety: "unsafe",
    priority: 6,
    impact: "Measured by `tests/behaviour/run_n_plus_one_behaviour.py` (40 orders, identical JSON): 81 queries → 3 for a route with two per-item queries (SQLAlchemy and Beanie alike), 41 → 2 for a lazy relationship, 13 → 1 for 12 `Link` fetches. `bench/impact/n_plus_one.md`: with 1 ms per MongoDB command, shop-api's 50 shipped orders went from 12.4 to 59.8 req/s at 1 client (one run).",
    requires: &["await", "for "],
    gates: &[Gate {
        imports: &[],
        literals: &[],
        shape: Some(may_query_per_item),
    }],
    // Every shape names a model of the project: the per-item query's, or the parent query's.
    // Per item: in a `for` loop or a comprehension.
    mentions: &[Mention::models().only_where(|t| contains_word(t, "for"))],
    scope: Scope::AsyncFunctions,
    docs: r#"## What it does
Finds, in an `async def`, a query run once per item of a loop (a `for` statement or a
comprehension) whose key comes from the loop variable, on a model the project declares:
- Beanie: `await Customer.get(o.customer_id)`, `await Customer.find_one(Customer.id == o.customer_id)`,
  `await Item.find(Item.order_id == o.id).sort(...).to_list()`, and `await o.customer.fetch()` on a
  `Link` field;
- SQLAlchemy / SQLModel (async): `await session.get(Customer, o.customer_id)`,
  `(await session.execute(select(Item).where(Item.order_id == o.id))).scalars().all()`, the same
  through `session.scalars(...)` or SQLModel's `session.exec(...)`, and a lazy relationship read
  per item, `await o.awaitable_attrs.items` or plain `o.items` (which raises `MissingGreenlet`
  under `AsyncSession` unless the relationship was loaded eagerly).

Look-alikes are not queries: only classes the project index resolves to a Beanie `Document` or a
mapped SQLAlchemy/SQLModel class count (a dict's `.get()`, `requests.get`, BeautifulSoup's
`find_all()` and polars' `.to_list()` do not). A loop over a literal tuple or list of keys runs a
fixed number of queries and is not reported.

## Why is this slow?
A list of N items costs 1 + N round trips to the database, one after another: at 1 ms a round
trip, 200 orders take 200 ms of waiting in every request, and the database parses and plans the
same statement N times. One batched query (`$in` / `IN (...)`) costs one round trip. Measured by
perfopt's behaviour test (`tests/behaviour/run_n_plus_one_behaviour.py`, 40 orders, one run): a
route with a customer and an item query per order sent 81 queries before the fix and 3 after, on
SQLAlchemy (aiosqlite) as on Beanie (mongomock-motor); a lazy relationship read per order 41 and
2; 12 `Link` fetches 13 commands and 1. In `bench/impact/n_plus_one.md`, with each MongoDB command
made to wait 1 ms, shop-api's list of 50 shipped orders went from 12.4 to 59.8 requests per
second at one client.

## Example
```python
@router.get("/orders")
async def list_orders(session: AsyncSession = Depends(get_session)):
    orders = (await session.execute(select(Order).order_by(Order.id))).scalars().all()
    out = []
    for order in orders:
        customer = await session.get(Customer, order.customer_id)
        lines = (
            await session.execute(
                select(LineItem).where(LineItem.order_id == order.id).order_by(LineItem.id)
            )
        ).scalars().all()
        out.append({"order": order.id, "customer": customer and customer.name, "lines": len(lines)})
    return out
```

## Use instead
```python
    customer_keys = [order.customer_id for order in orders]
    customer_by_id = {row.id: row for row in (await session.scalars(select(Customer).where(Customer.id.in_(customer_keys)))).all()}
    line_item_keys = [order.id for order in orders]
    line_items_by_order_id = {}
    for line_item_row in (await session.execute(select(LineItem).where(LineItem.order_id.in_(line_item_keys)).order_by(LineItem.id))).scalars().all():
        line_items_by_order_id.setdefault(line_item_row.order_id, []).append(line_item_row)
    for order in orders:
        customer = customer_by_id.get(order.customer_id)
        lines = list(line_items_by_order_id.get(order.id, []))
        ...
```
Each item still gets what its own query returned: `dict.get` gives `None` for a missing key
(as `get` did) and an empty list for a key without rows; duplicate keys look up the same entry;
a list keeps the order of the batched query, which has the per-item query's `sort`/`order_by`.
For Beanie the keys of an `ObjectId` id are converted with `PydanticObjectId(...)`, since
`In(Model.id, ...)` does not convert strings as `get` does; the keys of `find_one(Model.id ==
key)`, which compares them as they are, stay as they are. A lazy relationship becomes
`.options(selectinload(Order.items))` on the query that loaded the orders, and a `Link` fetched
per item becomes `fetch_links=True` on the `find` that loaded the documents.

## When there is no fix
The finding is reported without a fix, saying why, when the loop body writes (`commit`, `add`,
`insert`, `save`, …: the reads may depend on the writes), the queries run at once in
`asyncio.gather(*(session.get(...) for ...))` (one `AsyncSession` must not run them
concurrently, and they are still one per item), a `try` or a `with` block (a transaction, a
session opened per item) inside the loop wraps the query, the query runs only under a condition
or for a filtered comprehension, or the comprehension sits in an `elif` or `while` condition,
the key uses a name the loop body assigns (it may come from earlier iterations) or the item
after the body bound the loop variable again, the rest of the query reads the item or a name the
body binds (`Item.price > o.total` next to the key), the query passes options
(`fetch_links=True`, `options=[...]`: the batch would drop them), the `await` sits in a
generator expression (removing it would turn an asynchronous generator into a plain one), the
loop assigns to a field of a Beanie document fetched by key (the batch shares one document per
key), the filter compares a relationship rather than a column, the loop is an `async for`, the
loop is not over a local query result (or a list of ids taken from one: anything else may be an
iterator that cannot be read twice), `find_one` filters on a field other than the id (a batch
cannot tell which of several matches `find_one` would have returned), the per-item query limits,
skips, joins or passes options, or the model's key is composite or of a type perfopt does not
convert.

## Fix safety
Unsafe. The batch reads all the keys before the loop instead of one at a time, so a concurrent
write between the per-item reads is seen differently. Keys are matched in Python after the
query: a key whose Python type differs from the column's (a `str` for an `int` column, which
SQLite's comparison still matched) finds nothing in the dictionary. Duplicate keys now share one
object where Beanie built one per query (a loop that assigns to the document's fields gets no
fix; one that changes it through a method call is not recognised). Without a `sort`/`order_by`
in the per-item query neither order is guaranteed by the database; in practice both follow the
table's natural or index order. `PydanticObjectId(...)` raises `InvalidId` on a malformed id,
where `get` raised a validation error, and the batch converts and loads the keys of every item,
also of those a `continue`, `break` or `return` in the loop would have skipped (the results of
the items reached stay the same, but a malformed key there now raises). The batch is not split:
MongoDB caps the command, `$in` list included, at 16 MB (about a million ObjectIds), and SQL
drivers cap bound parameters (SQLite 32,766 since 3.32, PostgreSQL 65,535): loops over more keys
than that need chunks. `selectinload` itself batches 500 keys per `IN`. `fetch_links=True` turns
the `find` into an aggregation with `$lookup` and also fetches the document's other links (a
direct link to a missing document stays a `Link`, as `fetch()` returned it).
"#,
};

/// Whether a file can run a per-item query or the parent query of a lazy load: a SQL
/// `select(`, a Beanie query on a document class (`Customer.get(`, `Order.find(`), or
/// `session.get(` with a model class (`session.get(Customer, key)`, `models.Customer`).
fn may_query_per_item(source: &str) -> bool {
    crate::source::contains_literal(source, "select(")
        || called_on_a_class(
            source,
            &[".get(", ".find(", ".find_one(", ".find_all(", ".all("],
        )
        || find_all(source, ".get(").any(|at| {
            let argument = source[at + ".get(".len()..].trim_start();
            let name_end = argument
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
                .unwrap_or(argument.len());
            argument[..name_end]
                .rsplit('.')
                .next()
                .is_some_and(|last| last.starts_with(|c: char| c.is_ascii_uppercase()))
        })
}

impl Codemod for NPlusOneQuery {
    fn meta(&self) -> &'static CodemodMeta {
        &META
    }

    fn node_kinds(&self) -> &'static [&'static str] {
        &[
            "for_statement",
            "list_comprehension",
            "dictionary_comprehension",
            "set_comprehension",
            "generator_expression",
        ]
    }

    fn check(&self, node: Node<'_>, cx: &mut Context<'_>) {
        let file = cx.file;
        let Some(function) = file.scopes.async_function_of(node) else {
            return;
        };
        let Some(lp) = Loop::of(node, file) else {
            return;
        };
        let parent = lp
            .anchor()
            .and_then(|anchor| local_parent(lp.iterable, anchor, function, file));
        for query in per_item_queries(&lp, parent.as_ref(), file) {
            let message = query.message(&lp, file);
            let fix = fix(&query, &lp, parent.as_ref(), function, file);
            cx.report(query.node, message).with_fix(fix);
        }
    }
}

/// Whether PO201 fixes a query that `loop_node` (a `for` statement or comprehension) runs per
/// item: PO106 then leaves the loop to it rather than running the queries concurrently.
pub fn batches_query_in(loop_node: Node, file: &FileContext) -> bool {
    let (Some(function), Some(lp)) = (
        file.scopes.async_function_of(loop_node),
        Loop::of(loop_node, file),
    ) else {
        return false;
    };
    let parent = lp
        .anchor()
        .and_then(|anchor| local_parent(lp.iterable, anchor, function, file));
    per_item_queries(&lp, parent.as_ref(), file)
        .iter()
        .any(|query| fix(query, &lp, parent.as_ref(), function, file).is_ok())
}

/// A loop: a `for` statement, or a comprehension with one `for` clause.
struct Loop<'t> {
    node: Node<'t>,
    target: Node<'t>,
    iterable: Node<'t>,
    /// What runs per item: the `for` body, or the comprehension's element and `if` clauses.
    per_item: Vec<Node<'t>>,
    /// Names the loop target binds.
    target_names: Vec<&'t str>,
    /// Names the loop body assigns: a key that reads one may come from earlier iterations.
    assigned_in_body: Vec<&'t str>,
    /// Where the body first binds a name of the loop target again (`order = normalize(order)`).
    target_rebound_at: Option<usize>,
    /// Names that enclosing comprehensions of the same statement bind: unbound before it.
    bound_around: Vec<&'t str>,
    filtered: bool,
    is_async: bool,
}

impl<'t> Loop<'t> {
    fn of(node: Node<'t>, file: &FileContext<'t>) -> Option<Self> {
        let source = file.source;
        let (target, iterable, per_item, filtered, is_async) =
            if node.kind_name() == "for_statement" {
                (
                    node.field("left")?,
                    node.field("right")?,
                    vec![node.field("body")?],
                    false,
                    node.child(0).is_some_and(|c| c.kind_name() == "async"),
                )
            } else {
                let clauses = named_children(node);
                let fors: Vec<Node> = clauses
                    .iter()
                    .copied()
                    .filter(|c| c.kind_name() == "for_in_clause")
                    .collect();
                let [clause] = fors.as_slice() else {
                    return None;
                };
                let per_item: Vec<Node> = clauses
                    .iter()
                    .copied()
                    .filter(|c| c.kind_name() != "for_in_clause" && c.kind_name() != "comment")
                    .collect();
                (
                    clause.field("left")?,
                    clause.field("right")?,
                    per_item.clone(),
                    per_item.iter().any(|c| c.kind_name() == "if_clause"),
                    clause.child(0).is_some_and(|c| c.kind_name() == "async"),
                )
            };
        let mut target_names = Vec::new();
        crate::parse::walk_tree(target, |n| {
            if n.kind_name() == "identifier" {
                target_names.push(text(n, source));
            }
        });
        let mut assigned_in_body = Vec::new();
        let mut target_rebound_at = None;
        for part in &per_item {
            crate::parse::walk_tree(*part, |n| {
                let assigned = match n.kind_name() {
                    "assignment" | "augmented_assignment" => n.field("left"),
                    "named_expression" => n.field("name"),
                    "for_statement" | "for_in_clause" => n.field("left"),
                    // `async with factory() as session:` binds a new session per item.
                    "as_pattern" => n.field("alias"),
                    _ => None,
                };
                for name in assigned.map(|a| bound_names(a, source)).unwrap_or_default() {
                    assigned_in_body.push(name);
                    if target_names.contains(&name) {
                        target_rebound_at.get_or_insert(n.start_byte());
                    }
                }
            });
        }
        let mut bound_around = Vec::new();
        let mut current = node;
        while let Some(parent) = current
            .parent()
            .filter(|_| node.kind_name() != "for_statement")
        {
            if matches!(parent.kind_name(), "block" | "module") {
                break;
            }
            if current.kind_name() != "for_in_clause" {
                for clause in named_children(parent) {
                    if clause.kind_name() == "for_in_clause" && clause != current {
                        crate::parse::walk_tree(clause.field("left")?, |i| {
                            if i.kind_name() == "identifier" {
                                bound_around.push(text(i, source));
                            }
                        });
                    }
                }
            }
            current = parent;
        }
        Some(Loop {
            node,
            target,
            iterable,
            per_item,
            target_names,
            assigned_in_body,
            target_rebound_at,
            bound_around,
            filtered,
            is_async,
        })
    }

    /// The statement the batch goes before: the `for` statement, or the statement holding the
    /// comprehension.
    fn anchor(&self) -> Option<Node<'t>> {
        if self.node.kind_name() == "for_statement" {
            Some(self.node)
        } else {
            enclosing_statement(self.node)
        }
    }

    /// Whether `node` reads a name bound by the loop target.
    fn uses_target(&self, node: Node, source: &str) -> bool {
        read_names(node, source)
            .iter()
            .any(|n| self.target_names.contains(n))
    }
}

/// The query that produced the loop's items, when the iterable is a name the function assigns
/// once, before the loop, from a query's `.to_list()`/`.all()` (or from a list comprehension
/// over such a name: ids taken from the results).
#[derive(Clone, Copy)]
struct Parent<'t> {
    query: ParentQuery<'t>,
    /// The items themselves, not values taken from them.
    direct: bool,
}

#[derive(Clone, Copy)]
enum ParentQuery<'t> {
    /// `await Model.find(...)....to_list()`: the `find` call and the model.
    Beanie { find: Node<'t>, model: Node<'t> },
    /// `(await session.execute(select(Model)...)).scalars().all()`: the statement and the model.
    Sql {
        statement: Node<'t>,
        model: Node<'t>,
    },
}

fn local_parent<'t>(
    iterable: Node<'t>,
    loop_node: Node<'t>,
    function: Node<'t>,
    file: &FileContext<'t>,
) -> Option<Parent<'t>> {
    let iterable = unparenthesize(iterable);
    if iterable.kind_name() != "identifier" {
        return None;
    }
    let name = text(iterable, file.source);
    let value = only_assignment(name, loop_node, function, file.source)?;
    if let Some(query) = parent_query(value, file) {
        return Some(Parent {
            query,
            direct: true,
        });
    }
    // `ids = [o.customer_id for o in orders]`.
    if value.kind_name() != "list_comprehension" {
        return None;
    }
    let inner = Loop::of(value, file)?;
    if inner.filtered || inner.is_async || value.named_child_count() != 2 {
        return None;
    }
    let element = *inner.per_item.first()?;
    let mut awaits = false;
    crate::parse::walk_tree(element, |n| awaits |= n.kind_name() == "await");
    if awaits {
        return None;
    }
    let parent = local_parent(inner.iterable, value, function, file)?;
    parent.direct.then_some(Parent {
        query: parent.query,
        direct: false,
    })
}

/// The value of the one plain assignment `name = value` of `function` (nested scopes aside),
/// when it precedes `before` and nothing else binds `name`.
fn only_assignment<'t>(
    name: &str,
    before: Node<'t>,
    function: Node<'t>,
    source: &str,
) -> Option<Node<'t>> {
    // Most loops are over something no plain `name = ...` (or `name: T = ...`) of the function
    // assigns: read the text before walking the function's nodes.
    if !assigns_by_text(text(function, source), name) {
        return None;
    }
    // The statements and clauses of the function's own body (nested scopes aside) that bind
    // `name`, found from where the name is written rather than by walking every node.
    let body = function.field("body")?;
    let mut binders: Vec<(Node, Node)> = Vec::new();
    for at in crate::source::find_all(&source[body.byte_range()], name) {
        let start = body.start_byte() + at;
        let Some(identifier) = body
            .descendant_for_byte_range(start, start + name.len())
            .filter(|n| {
                n.kind_name() == "identifier" && n.byte_range() == (start..start + name.len())
            })
        else {
            continue;
        };
        // From the body down (one descent: each `parent()` would walk down from the root).
        let mut ancestors = Vec::new();
        let mut current = body;
        while let Some(child) = current
            .child_with_descendant(identifier)
            .filter(|child| *child != identifier)
        {
            ancestors.push(child);
            current = child;
        }
        // Until a nested scope.
        for node in ancestors.into_iter().take_while(|n| {
            !matches!(
                n.kind_name(),
                "function_definition" | "lambda" | "class_definition" | "decorated_definition"
            )
        }) {
            let bound = match node.kind_name() {
                "assignment" | "augmented_assignment" => node.field("left"),
                "named_expression" => node.field("name"),
                "for_statement" | "for_in_clause" | "with_item" | "as_pattern" => {
                    node.field("left").or_else(|| node.field("alias"))
                }
                _ => None,
            };
            let binds = bound.filter(|b| {
                b.start_byte() <= identifier.start_byte() && identifier.end_byte() <= b.end_byte()
            });
            if let Some(bound) = binds {
                if !binders.iter().any(|(n, _)| n.id() == node.id()) {
                    binders.push((node, bound));
                }
            }
        }
    }
    let bindings = binders.len();
    // The last plain assignment, in the order of the text (an outer one before an inner one).
    binders.sort_by_key(|(n, _)| (n.start_byte(), std::cmp::Reverse(n.end_byte())));
    let value = binders
        .iter()
        .rev()
        .filter(|(n, bound)| n.kind_name() == "assignment" && bound.kind_name() == "identifier")
        .find_map(|(n, _)| n.field("right"));
    let params = function.field("parameters")?;
    let mut is_param = false;
    crate::parse::walk_tree(params, |i| {
        is_param |= i.kind_name() == "identifier" && text(i, source) == name;
    });
    (bindings == 1 && !is_param)
        .then_some(value)?
        .filter(|v| v.end_byte() <= before.start_byte())
}

/// Whether `text` has `name =` (not `==`) or `name:` (an annotated assignment) with `name` a
/// whole word.
fn assigns_by_text(text: &str, name: &str) -> bool {
    crate::source::find_all(text, name).any(|at| {
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].trim_start_matches([' ', '\t']);
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
            && match after.strip_prefix(':') {
                // `name: T = ...`, not the `for o in name:` of the loop itself.
                Some(annotation) => annotation.lines().next().is_some_and(|l| l.contains('=')),
                None => after.starts_with('=') && !after.starts_with("=="),
            }
    })
}

/// A query whose value is the list of its results: Beanie `await Model.find(...)...to_list()`,
/// SQL `(await session.execute(select(Model)...)).scalars().all()`, `(await
/// session.scalars(...)).all()`, `(await session.exec(...)).all()`.
fn parent_query<'t>(value: Node<'t>, file: &FileContext<'t>) -> Option<ParentQuery<'t>> {
    if let Some((find, model)) = beanie_find_chain(value, file) {
        return Some(ParentQuery::Beanie { find, model });
    }
    let (_, statement, model) = sql_rows(value, file)?;
    Some(ParentQuery::Sql { statement, model })
}

/// `await Model.find(...)(.sort(...))*.to_list()` (any `find` of [`BEANIE_FINDS`]): the `find`
/// call and the model.
fn beanie_find_chain<'t>(value: Node<'t>, file: &FileContext<'t>) -> Option<(Node<'t>, Node<'t>)> {
    let value = unparenthesize(value);
    let call = value
        .named_child(0)
        .filter(|_| value.kind_name() == "await")
        .filter(|c| c.kind_name() == "call")?;
    let (root, steps) = chain(call, file);
    let (&(last, _), &(first, find)) = (steps.first()?, steps.last()?);
    (last == "to_list" && BEANIE_FINDS.contains(&first) && is_document(root, file))
        .then_some((find, root))
}

/// `(await S.execute(stmt)).scalars().all()`, `(await S.scalars(stmt)).all()` or
/// `(await S.exec(stmt)).all()` over `select(Model)...`: the awaited call, the statement and the
/// model.
fn sql_rows<'t>(value: Node<'t>, file: &FileContext<'t>) -> Option<(Node<'t>, Node<'t>, Node<'t>)> {
    let (methods, root) = method_chain(unparenthesize(value), file.source);
    let (&"all", rest) = methods.split_first()? else {
        return None;
    };
    if !rest.iter().all(|m| matches!(*m, "scalars" | "unique")) {
        return None;
    }
    let root = unparenthesize(root);
    let awaited = root
        .named_child(0)
        .filter(|_| root.kind_name() == "await")
        .filter(|c| c.kind_name() == "call")?;
    let (_, method, _) = method_call(awaited, file.source)?;
    match method {
        "execute" if rest.contains(&"scalars") => {}
        "scalars" | "exec" => {}
        _ => return None,
    }
    let statement = *CallArgs::of(awaited, file.source).positional.first()?;
    let (select, _) = chain(statement, file);
    if !is_select(select, file) {
        return None;
    }
    let (model, resolved) = selected_entity(select, file)?;
    resolved.filter(|m| m.orm == Orm::Sql)?;
    Some((awaited, statement, model))
}

/// One query per item found in a loop.
struct PerItem<'t> {
    /// The expression that runs the query, replaced by a lookup.
    node: Node<'t>,
    shape: Shape<'t>,
    /// Why the query cannot be batched, found with the query itself.
    unbatchable: Option<String>,
}

enum Shape<'t> {
    /// One document or row by its key, `None` when missing: Beanie `get`/`find_one` on the id,
    /// SQL `session.get`.
    ByKey {
        orm: Orm,
        model: Node<'t>,
        key: Node<'t>,
        field: String,
        /// The key's type as the query reads it: Beanie `get` converts the key to the id's type,
        /// `find_one(M.id == key)` compares it as it is (`None` then).
        key_type: Option<KeyType>,
        /// `session` for SQL.
        session: Option<Node<'t>>,
    },
    /// The rows of one key: Beanie `find(M.f == key)...to_list()`, SQL `select(M).where(M.f ==
    /// key)` read with `.all()`. `comparison` is replaced by the `IN` in the batched query.
    Rows {
        orm: Orm,
        model: Node<'t>,
        comparison: Node<'t>,
        field: String,
        key: Node<'t>,
    },
    /// `find_one` on a field that is not the id.
    FirstMatch { model: Node<'t> },
    /// `await o.awaitable_attrs.rel` or `o.rel`, `rel` a relationship loaded lazily.
    Relationship {
        object: Node<'t>,
        relationship: &'t str,
        awaited: bool,
    },
    /// `await o.link.fetch()` on a Beanie `Link` field.
    LinkFetch { object: Node<'t>, link: &'t str },
}

impl PerItem<'_> {
    fn message(&self, lp: &Loop, file: &FileContext) -> String {
        let source = file.source;
        let items = text(lp.iterable, source);
        let shown = text(self.node, source);
        let shown = if shown.len() > 60 || shown.contains('\n') {
            match &self.shape {
                Shape::ByKey { model, .. }
                | Shape::Rows { model, .. }
                | Shape::FirstMatch { model } => {
                    format!("a query on `{}`", text(*model, source))
                }
                _ => "a query".to_string(),
            }
        } else {
            format!("`{shown}`")
        };
        match &self.shape {
            Shape::Relationship {
                relationship,
                awaited: false,
                ..
            } => format!(
                "{shown} lazy-loads `{relationship}` once per item of `{items}` (N+1 queries; under `AsyncSession` it raises `MissingGreenlet`)"
            ),
            Shape::Relationship { relationship, .. } => format!(
                "{shown} loads `{relationship}` with one query per item of `{items}` (N+1 queries)"
            ),
            Shape::LinkFetch { link, .. } => format!(
                "{shown} fetches the linked `{link}` with one query per item of `{items}` (N+1 queries)"
            ),
            _ => format!("{shown} runs once per item of `{items}` (N+1 queries)"),
        }
    }
}

/// The per-item queries of this loop's own body (not of nested loops or functions).
fn per_item_queries<'t>(
    lp: &Loop<'t>,
    parent: Option<&Parent<'t>>,
    file: &FileContext<'t>,
) -> Vec<PerItem<'t>> {
    let mut found = Vec::new();
    // `for key in ("a", "b"):` runs a fixed number of queries, however large the tables grow.
    if matches!(
        unparenthesize(lp.iterable).kind_name(),
        "tuple" | "list" | "set" | "string"
    ) {
        return found;
    }
    let gathered = gathered(lp.node, file);
    for part in &lp.per_item {
        crate::parse::walk_tree(*part, |n| {
            // The kinds first: finding the nearest loop walks up the tree.
            let candidate = match n.kind_name() {
                "await" => true,
                "call" => gathered && n.parent().is_some_and(|p| p.kind_name() != "await"),
                "attribute" => parent.is_some(),
                _ => false,
            };
            if !candidate || !n.is_named() || nearest_loop(n) != Some(lp.node) {
                return;
            }
            let query = match n.kind_name() {
                "await" => awaited_query(n, lp, parent, file),
                "call" => gathered_query(n, lp, file),
                _ => lazy_relationship(n, lp, parent, file),
            };
            found.extend(query);
        });
    }
    found
}

/// Whether the comprehension is an argument of `asyncio.gather(*(...))`.
fn gathered(comprehension: Node, file: &FileContext) -> bool {
    let mut current = comprehension.parent();
    while let Some(n) = current {
        match n.kind_name() {
            "list_splat" | "parenthesized_expression" | "argument_list" => current = n.parent(),
            "call" => return file.callee(n).is_some_and(|q| q == "asyncio.gather"),
            _ => return false,
        }
    }
    false
}

/// A query call (not awaited) per item of a comprehension that `asyncio.gather` runs.
fn gathered_query<'t>(
    call: Node<'t>,
    lp: &Loop<'t>,
    file: &FileContext<'t>,
) -> Option<PerItem<'t>> {
    let (receiver, method, _) = method_call(call, file.source)?;
    if !lp.uses_target(call, file.source) {
        return None;
    }
    let args = CallArgs::of(call, file.source);
    let mut query = by_key(call, unparenthesize(receiver), method, &args, lp, file)?;
    let reason = match query.shape {
        Shape::ByKey { orm: Orm::Sql, .. } => "the queries run at once in `asyncio.gather` on one session, which an `AsyncSession` does not allow; load them with one `IN` query by hand",
        _ => "`asyncio.gather` runs the queries at once, but still one per item; load them with one `In(...)` query by hand",
    };
    query.unbatchable = Some(reason.to_string());
    Some(query)
}

/// The innermost loop around `node` within its function that runs it once per item: not the
/// loop whose iterable holds it (`for x in <node>` evaluates it once).
fn nearest_loop(node: Node) -> Option<Node> {
    let evaluated_once = |part: Option<Node>| part.is_some_and(|p| contains(p, node));
    let mut current = node.parent();
    while let Some(n) = current {
        match n.kind_name() {
            "for_statement" if !evaluated_once(n.field("right")) => return Some(n),
            "while_statement" => return Some(n),
            "list_comprehension"
            | "dictionary_comprehension"
            | "set_comprehension"
            | "generator_expression" => {
                let first_clause = named_children(n)
                    .into_iter()
                    .find(|c| c.kind_name() == "for_in_clause");
                if !evaluated_once(first_clause.and_then(|c| c.field("right"))) {
                    return Some(n);
                }
            }
            "function_definition" | "lambda" | "class_definition" => return None,
            _ => {}
        }
        current = n.parent();
    }
    None
}

fn awaited_query<'t>(
    awaited: Node<'t>,
    lp: &Loop<'t>,
    parent: Option<&Parent<'t>>,
    file: &FileContext<'t>,
) -> Option<PerItem<'t>> {
    let source = file.source;
    let Some(call) = awaited.named_child(0).filter(|c| c.kind_name() == "call") else {
        return awaitable_attr(awaited, lp, parent, file);
    };
    // The SQL rows shape wraps the await: `(await session.execute(...)).scalars().all()`.
    if let Some(rows) = sql_rows_query(awaited, lp, file) {
        return Some(rows);
    }
    if let Some(rows) = beanie_rows_query(awaited, lp, file) {
        return Some(rows);
    }
    let (receiver, method, _) = method_call(call, source)?;
    let receiver = unparenthesize(receiver);
    let args = CallArgs::of(call, source);
    match method {
        // `await o.customer.fetch()`.
        "fetch" if args.positional.is_empty() && args.keywords.is_empty() => {
            let object = receiver.field("object")?;
            let link = text(receiver.field("attribute")?, source);
            let model = match parent?.query {
                ParentQuery::Beanie { find, model }
                    if parent?.direct
                        && CallArgs::of(find, source).keyword("fetch_links").is_none() =>
                {
                    model
                }
                _ => return None,
            };
            (receiver.kind_name() == "attribute"
                && is_loop_item(object, lp, source)
                && model_classes(model, file).any(|c| c.links.iter().any(|l| l == link)))
            .then_some(PerItem {
                node: awaited,
                shape: Shape::LinkFetch { object, link },
                unbatchable: None,
            })
        }
        // `await o.awaitable_attrs.items`: the await is on an attribute, not a call.
        _ => {
            if !lp.uses_target(call, source) {
                return None;
            }
            by_key(awaited, receiver, method, &args, lp, file)
        }
    }
}

/// `await Model.get(key)`, `await Model.find_one(Model.id == key)`, `await session.get(Model, key)`.
fn by_key<'t>(
    awaited: Node<'t>,
    receiver: Node<'t>,
    method: &str,
    args: &CallArgs<'t>,
    lp: &Loop<'t>,
    file: &FileContext<'t>,
) -> Option<PerItem<'t>> {
    let source = file.source;
    let beanie_key = |model: Node| {
        resolve_model(model, file)
            .and_then(|m| m.key)
            .map_or(KeyType::ObjectId, |(_, t)| t)
    };
    let shape = match (method, args.positional.as_slice()) {
        ("get", [key]) if is_document(receiver, file) => Shape::ByKey {
            orm: Orm::Beanie,
            model: receiver,
            key: *key,
            field: "id".into(),
            key_type: Some(beanie_key(receiver)),
            session: None,
        },
        ("find_one", [filter]) if is_document(receiver, file) => {
            let (field, key) = field_comparison(*filter, receiver, source)?;
            if !lp.uses_target(key, source) {
                return None;
            }
            if field == "id" {
                Shape::ByKey {
                    orm: Orm::Beanie,
                    model: receiver,
                    key,
                    field,
                    key_type: None,
                    session: None,
                }
            } else {
                Shape::FirstMatch { model: receiver }
            }
        }
        ("get", [model, key]) => {
            let resolved = resolve_model(*model, file).filter(|m| m.orm == Orm::Sql)?;
            let (field, key_type) = resolved.key.unwrap_or((String::new(), KeyType::Unknown));
            Shape::ByKey {
                orm: Orm::Sql,
                model: *model,
                key: *key,
                field,
                key_type: Some(key_type),
                session: Some(receiver),
            }
        }
        _ => return None,
    };
    // `fetch_links=True`, `options=[...]`, `with_for_update=...` apply to each row; the batch
    // would drop them.
    let unbatchable = (!args.keywords.is_empty() || args.has_splat).then(|| {
        "the per-item query passes options, which the batched query would drop; batch it by hand"
            .to_string()
    });
    Some(PerItem {
        node: awaited,
        shape,
        unbatchable,
    })
}

/// `Model.field == key` (or `key == Model.field`): the field and the key.
fn field_comparison<'t>(
    filter: Node<'t>,
    model: Node<'t>,
    source: &str,
) -> Option<(String, Node<'t>)> {
    if filter.kind_name() != "comparison_operator" || filter.named_child_count() != 2 {
        return None;
    }
    let operator = filter.child(1)?;
    if text(operator, source) != "==" {
        return None;
    }
    let (left, right) = (filter.named_child(0)?, filter.named_child(1)?);
    let field_of = |side: Node| {
        (side.kind_name() == "attribute"
            && side
                .field("object")
                .is_some_and(|o| text(o, source) == text(model, source)))
        .then(|| side.field("attribute"))
        .flatten()
        .map(|a| text(a, source).to_string())
    };
    field_of(left)
        .map(|f| (f, right))
        .or_else(|| field_of(right).map(|f| (f, left)))
}

/// `await Model.find(Model.f == key, ...)(.sort(...))*.to_list()`.
fn beanie_rows_query<'t>(
    awaited: Node<'t>,
    lp: &Loop<'t>,
    file: &FileContext<'t>,
) -> Option<PerItem<'t>> {
    let (find, model) = beanie_find_chain(awaited, file)?;
    let (_, steps) = chain(awaited.named_child(0)?, file);
    if !matches!(steps.last(), Some(("find" | "find_many", _))) {
        return None;
    }
    let (comparison, field, key) = keyed_filter(find, model, lp, file)?;
    let source = file.source;
    let (_, to_list) = steps[0];
    let extra_steps = steps[1..steps.len() - 1].iter().any(|(m, _)| *m != "sort");
    let options = !CallArgs::of(find, source).keywords.is_empty()
        || !CallArgs::of(to_list, source).positional.is_empty();
    Some(PerItem {
        node: awaited,
        shape: Shape::Rows {
            orm: Orm::Beanie,
            model,
            comparison,
            field,
            key,
        },
        unbatchable: (extra_steps || options).then(|| {
            "the per-item query limits, skips, projects or passes options, which apply per key; batch it by hand".to_string()
        }),
    })
}

/// The one `Model.f == key` among a filter call's positional arguments whose key reads the loop
/// target.
fn keyed_filter<'t>(
    filter_call: Node<'t>,
    model: Node<'t>,
    lp: &Loop<'t>,
    file: &FileContext<'t>,
) -> Option<(Node<'t>, String, Node<'t>)> {
    let source = file.source;
    let keyed: Vec<(Node, String, Node)> = CallArgs::of(filter_call, source)
        .positional
        .into_iter()
        .filter(|a| lp.uses_target(*a, source))
        .filter_map(|a| field_comparison(a, model, source).map(|(f, k)| (a, f, k)))
        .collect();
    match keyed.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// `(await session.execute(select(M).where(M.f == key)...)).scalars().all()` and the
/// `scalars`/`exec` forms: the await is the root of the expression read.
fn sql_rows_query<'t>(
    awaited: Node<'t>,
    lp: &Loop<'t>,
    file: &FileContext<'t>,
) -> Option<PerItem<'t>> {
    // Climb from the await through the parentheses and `.scalars()`/`.unique()`/`.all()` calls.
    let mut outer = awaited;
    while let Some(parent) = outer.parent() {
        let climbs = match parent.kind_name() {
            "parenthesized_expression" => true,
            "attribute" => parent.field("object") == Some(outer),
            "call" => parent.field("function") == Some(outer),
            _ => false,
        };
        if !climbs {
            break;
        }
        outer = parent;
    }
    let (_, statement, model) = sql_rows(outer, file)?;
    let (_, steps) = chain(statement, file);
    let extra_steps = !steps
        .iter()
        .all(|(m, _)| matches!(*m, "where" | "filter" | "order_by"));
    let keyed: Vec<(Node, String, Node)> = steps
        .iter()
        .filter(|(m, _)| matches!(*m, "where" | "filter"))
        .filter_map(|(_, call)| keyed_filter(*call, model, lp, file))
        .collect();
    let [(comparison, field, key)] = keyed.as_slice() else {
        return None;
    };
    Some(PerItem {
        node: outer,
        shape: Shape::Rows {
            orm: Orm::Sql,
            model,
            comparison: *comparison,
            field: field.clone(),
            key: *key,
        },
        unbatchable: extra_steps.then(|| {
            "the per-item statement limits, joins, groups or adds options, which apply per key; batch it by hand".to_string()
        }),
    })
}

/// `await o.awaitable_attrs.rel`.
fn awaitable_attr<'t>(
    awaited: Node<'t>,
    lp: &Loop<'t>,
    parent: Option<&Parent<'t>>,
    file: &FileContext<'t>,
) -> Option<PerItem<'t>> {
    let source = file.source;
    let attribute = awaited
        .named_child(0)
        .filter(|a| a.kind_name() == "attribute")?;
    let attrs = attribute.field("object")?;
    let relationship = text(attribute.field("attribute")?, source);
    if attrs.kind_name() != "attribute"
        || text(attrs.field("attribute")?, source) != "awaitable_attrs"
    {
        return None;
    }
    let object = attrs.field("object")?;
    (is_loop_item(object, lp, source) && lazy_relationship_of(parent?, relationship, file))
        .then_some(PerItem {
            node: awaited,
            shape: Shape::Relationship {
                object,
                relationship,
                awaited: true,
            },
            unbatchable: None,
        })
}

/// A plain read `o.rel` of a relationship the parent query leaves lazy.
fn lazy_relationship<'t>(
    attribute: Node<'t>,
    lp: &Loop<'t>,
    parent: Option<&Parent<'t>>,
    file: &FileContext<'t>,
) -> Option<PerItem<'t>> {
    let source = file.source;
    let object = attribute.field("object")?;
    let relationship = text(attribute.field("attribute")?, source);
    let context = attribute.parent()?;
    // Assigned, or reached through `awaitable_attrs`, it is no lazy read.
    let written = matches!(context.kind_name(), "assignment" | "augmented_assignment")
        && context.field("left") == Some(attribute);
    if written || context.kind_name() == "await" {
        return None;
    }
    (is_loop_item(object, lp, source) && lazy_relationship_of(parent?, relationship, file))
        .then_some(PerItem {
            node: attribute,
            shape: Shape::Relationship {
                object,
                relationship,
                awaited: false,
            },
            unbatchable: None,
        })
}

/// Whether `object` is the loop target itself (a plain name).
fn is_loop_item(object: Node, lp: &Loop, source: &str) -> bool {
    object.kind_name() == "identifier"
        && lp.target.kind_name() == "identifier"
        && text(object, source) == text(lp.target, source)
}

/// Whether `relationship` is a relationship of the SQL parent query's model, loaded lazily
/// (`lazy="select"`), and the parent query asks for no loader of it.
fn lazy_relationship_of(parent: &Parent, relationship: &str, file: &FileContext) -> bool {
    let ParentQuery::Sql { statement, model } = parent.query else {
        return false;
    };
    let lazy = model_classes(model, file).any(|c| {
        c.relationships
            .iter()
            .any(|(name, loading)| name == relationship && loading == "select")
    });
    let statement_text = text(statement, file.source);
    let loaded = statement_text.contains(".options(")
        && statement_text.contains(&format!(".{relationship}"));
    parent.direct && lazy && !loaded
}

/// The class facts of the model `model` names and of its ancestors.
fn model_classes<'a>(
    model: Node,
    file: &'a FileContext,
) -> impl Iterator<Item = &'a crate::semantic::models::ClassFacts> {
    class_name(model, file)
        .map(|qualified| file.project.class_lineage(&qualified))
        .unwrap_or_default()
        .into_iter()
}

/// The names an assignment target binds: `a`, `a, (b, *c)`; none for `out[key]` or `o.field`,
/// which only read their names.
fn bound_names<'t>(target: Node<'t>, source: &'t str) -> Vec<&'t str> {
    match target.kind_name() {
        "identifier" => vec![text(target, source)],
        "pattern_list"
        | "tuple_pattern"
        | "list_pattern"
        | "tuple"
        | "list"
        | "parenthesized_expression"
        | "list_splat_pattern"
        | "list_splat"
        | "as_pattern_target" => named_children(target)
            .into_iter()
            .flat_map(|child| bound_names(child, source))
            .collect(),
        _ => Vec::new(),
    }
}

/// Identifiers read in `node` (not attribute or keyword names).
fn read_names<'t>(node: Node<'t>, source: &'t str) -> Vec<&'t str> {
    read_names_outside(node, None, source)
}

/// Identifiers read in `node` but not within `skipped`.
fn read_names_outside<'t>(node: Node<'t>, skipped: Option<Node>, source: &'t str) -> Vec<&'t str> {
    let mut names = Vec::new();
    crate::parse::walk_tree(node, |n| {
        let is_field = n.parent().is_some_and(|p| {
            (p.kind_name() == "attribute" && p.field("attribute") == Some(n))
                || (p.kind_name() == "keyword_argument" && p.field("name") == Some(n))
        });
        if n.kind_name() == "identifier" && !is_field && !skipped.is_some_and(|s| contains(s, n)) {
            names.push(text(n, source));
        }
    });
    names
}

/// A name that the batch before the loop's statement would read unbound or stale: outside the
/// key, one the loop binds per item (the item in a second filter, `Item.price > o.total`; the
/// session of an `async with factory() as session:` in the body); anywhere, one an enclosing
/// comprehension binds.
fn bound_per_item<'t>(query: &PerItem<'t>, lp: &Loop<'t>, source: &'t str) -> Option<&'t str> {
    let (key, outside_key) = match &query.shape {
        Shape::ByKey {
            model,
            session,
            key,
            ..
        } => (
            *key,
            std::iter::once(*model)
                .chain(*session)
                .flat_map(|part| read_names(part, source))
                .collect::<Vec<_>>(),
        ),
        Shape::Rows {
            comparison, key, ..
        } => (
            *key,
            read_names_outside(query.node, Some(*comparison), source),
        ),
        _ => return None,
    };
    let per_item = |n: &&str| lp.target_names.contains(n) || lp.assigned_in_body.contains(n);
    let key_names = read_names(key, source);
    outside_key
        .iter()
        .find(|n| per_item(n))
        .or_else(|| {
            outside_key
                .iter()
                .chain(&key_names)
                .find(|n| lp.bound_around.contains(n) && !lp.target_names.contains(n))
        })
        .copied()
}

/// Methods whose awaited call writes to the database.
const WRITES: &[&str] = &[
    "commit",
    "flush",
    "insert",
    "insert_one",
    "insert_many",
    "save",
    "save_changes",
    "replace",
    "update",
    "update_many",
    "upsert",
    "set",
    "inc",
    "delete",
    "delete_many",
    "execute_many",
    "refresh",
    "rollback",
];
/// Session methods that stage a write without awaiting.
const STAGED_WRITES: &[&str] = &["add", "add_all", "merge", "delete", "expunge"];

/// Why the loop cannot be batched as it stands, if it cannot.
fn loop_blocker(query: &PerItem, lp: &Loop, file: &FileContext) -> Option<String> {
    let source = file.source;
    if lp.is_async {
        return Some("the loop is an `async for`; batch it by hand".into());
    }
    let mut write = None;
    for part in &lp.per_item {
        crate::parse::walk_tree(*part, |n| {
            let Some((receiver, method, _)) = method_call(n, source) else {
                return;
            };
            let awaited = n.parent().is_some_and(|p| p.kind_name() == "await");
            let receiver_text = text(unparenthesize(receiver), source);
            let writes = (awaited && WRITES.contains(&method))
                || (STAGED_WRITES.contains(&method)
                    && shared_resource(receiver_text.split('.')).is_some());
            if writes && write.is_none() {
                write = Some(format!("{receiver_text}.{method}()"));
            }
        });
    }
    if let Some(write) = write {
        return Some(format!(
            "the loop body writes (`{write}`), and each read may depend on the writes before it"
        ));
    }
    let mut awaits = false;
    crate::parse::walk_tree(query.node, |n| awaits |= n.kind_name() == "await");
    if awaits && lp.node.kind_name() == "generator_expression" {
        return Some("the `await` makes the generator expression asynchronous; without it the generator would be a plain one, which `async for` cannot read".into());
    }
    // A loader option or `fetch_links` loads every item's relation whether or not it is read.
    if matches!(
        query.shape,
        Shape::Relationship { .. } | Shape::LinkFetch { .. }
    ) {
        return None;
    }
    let mut current = query.node.parent();
    while let Some(n) = current {
        if n == lp.node {
            break;
        }
        match n.kind_name() {
            "with_statement" => return Some("the query runs inside a `with` block entered per item (a transaction, session or lock), which a batch before the loop would run outside of".into()),
            "try_statement" => return Some("a `try` inside the loop handles each item's query failure on its own; a batch would fail or succeed as one".into()),
            "if_statement" | "while_statement" | "match_statement" | "conditional_expression"
            | "boolean_operator" => {
                return Some("the query runs only under a condition, and a batch would look up the keys of every item".into())
            }
            _ => {}
        }
        current = n.parent();
    }
    if lp.filtered {
        return Some(
            "the comprehension filters its items, and a batch would look up the keys of every item"
                .into(),
        );
    }
    None
}

fn fix(
    query: &PerItem,
    lp: &Loop,
    parent: Option<&Parent>,
    function: Node,
    file: &FileContext,
) -> Result<Fix, String> {
    if let Some(reason) = &query.unbatchable {
        return Err(reason.clone());
    }
    if let Some(blocker) = loop_blocker(query, lp, file) {
        return Err(blocker);
    }
    match &query.shape {
        Shape::FirstMatch { .. } => Err("`find_one` on a field other than the id returns the first of possibly several matches; a batch cannot tell which one it would have picked".into()),
        Shape::Relationship { object, relationship, awaited } => {
            relationship_fix(query, *object, relationship, *awaited, parent, file)
        }
        Shape::LinkFetch { object, link } => link_fix(query, *object, link, parent, file),
        Shape::ByKey { key, .. } | Shape::Rows { key, .. } => {
            if parent.is_none() {
                return Err(format!(
                    "the loop is over `{}`, which is not a local query result (nor ids taken from one): it may be an iterator a batch would use up",
                    text(lp.iterable, file.source)
                ));
            }
            if let Some(name) = read_names(*key, file.source)
                .into_iter()
                .find(|n| lp.assigned_in_body.contains(n) && !lp.target_names.contains(n))
            {
                return Err(format!(
                    "the key uses `{name}`, which the loop body assigns (it may come from earlier iterations)"
                ));
            }
            if lp
                .target_rebound_at
                .is_some_and(|at| at < query.node.start_byte())
                && lp.uses_target(*key, file.source)
            {
                return Err(format!(
                    "the loop body binds `{}` again before the query, so the key is not the item's; batch it by hand",
                    text(lp.target, file.source)
                ));
            }
            // `Line.order == o`: a relationship has no `.in_()`, and reading it per row to
            // group the rows would load it lazily.
            if let Shape::Rows { model, field, .. } = &query.shape {
                if model_classes(*model, file).any(|c| c.is_relation(field)) {
                    return Err(format!(
                        "the filter compares the relation `{field}`; batch it on its key column by hand"
                    ));
                }
            }
            if let Some(name) = bound_per_item(query, lp, file.source) {
                return Err(format!(
                    "the per-item query reads `{name}` beyond its key, which the loop (or a comprehension around it) binds per item; batch it by hand"
                ));
            }
            let mut awaits_or_calls = false;
            crate::parse::walk_tree(*key, |n| {
                awaits_or_calls |= matches!(n.kind_name(), "await" | "call" | "named_expression" | "lambda");
            });
            if awaits_or_calls {
                return Err("the key is computed by a call; batch it by hand".into());
            }
            if let Some(name) = changed_document(query, lp, file.source) {
                return Err(format!(
                    "the loop changes `{name}`, and the batch shares one document between items with the same key where `get` fetched a fresh one each; batch it by hand"
                ));
            }
            batch_fix(query, lp, function, file)
        }
    }
}

/// The name a Beanie document fetched by key is assigned to, when the loop body assigns to one of
/// its fields (`customer.balance -= order.total`): each `get` returned a new object, the batch
/// one per key.
fn changed_document<'t>(query: &PerItem, lp: &Loop<'t>, source: &'t str) -> Option<&'t str> {
    let Shape::ByKey {
        orm: Orm::Beanie, ..
    } = query.shape
    else {
        return None;
    };
    let assignment = parenthesized_alone(query.node)
        .parent()
        .filter(|p| p.kind_name() == "assignment")?;
    let name = assignment
        .field("left")
        .filter(|l| l.kind_name() == "identifier")
        .map(|l| text(l, source))?;
    let mut changed = false;
    for part in &lp.per_item {
        crate::parse::walk_tree(*part, |n| {
            let Some(mut target) = matches!(n.kind_name(), "assignment" | "augmented_assignment")
                .then(|| n.field("left"))
                .flatten()
                .filter(|l| matches!(l.kind_name(), "attribute" | "subscript"))
            else {
                return;
            };
            while let Some(object) = target.field("object").or_else(|| target.field("value")) {
                target = object;
            }
            changed |= text(target, source) == name;
        });
    }
    changed.then_some(name)
}

/// `customer`, `line_item` from `Customer`, `LineItem`.
fn snake(model: &str) -> String {
    let name = model.rsplit('.').next().unwrap_or(model);
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

fn plural(name: &str) -> String {
    let consonant_y = name.strip_suffix('y').filter(|stem| {
        stem.chars()
            .next_back()
            .is_some_and(|c| !"aeiou".contains(c))
    });
    match consonant_y {
        Some(stem) => format!("{stem}ies"),
        None if name.ends_with('s') => name.to_string(),
        None if name.ends_with('o') || name.ends_with("ch") || name.ends_with('x') => {
            format!("{name}es")
        }
        None => format!("{name}s"),
    }
}

/// The local name of SQL's `select` in this file, added from `sqlalchemy` when absent.
fn select_name(additions: &mut ModuleAdditions, file: &FileContext) -> String {
    SELECT_FUNCTIONS
        .iter()
        .find_map(|q| file.imports.access_path(q))
        .unwrap_or_else(|| additions.member("sqlalchemy", "select"))
}

fn batch_fix(
    query: &PerItem,
    lp: &Loop,
    function: Node,
    file: &FileContext,
) -> Result<Fix, String> {
    let source = file.source;
    let le = file.stylist.line_ending;
    let unit = &file.stylist.indent;
    let anchor = lp
        .anchor()
        .ok_or("the comprehension is not in a statement")?;
    let indent = indentation_at(source, anchor.start_byte());
    let line_start = source[..anchor.start_byte()]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    if line_start + indent.len() != anchor.start_byte() {
        return Err("the loop does not start its line".into());
    }
    // Before its statement, the batch runs once and always: not for a comprehension that a
    // `while` condition evaluates per pass or that an `elif` evaluates only when reached.
    let mut current = lp.node.parent();
    while let Some(n) = current.filter(|n| *n != anchor) {
        if n.kind_name() == "elif_clause" {
            return Err("the comprehension is in an `elif` condition, evaluated only when reached; batch it by hand".into());
        }
        current = n.parent();
    }
    if anchor.kind_name() == "while_statement" && lp.node.kind_name() != "for_statement" {
        return Err("the comprehension is in a `while` condition, evaluated on every pass; batch it by hand".into());
    }
    let target = text(lp.target, source);
    let iterable = text(lp.iterable, source);
    let mut additions = ModuleAdditions::new(file);
    let mut lines = Vec::new();
    let (lookup, title) = match &query.shape {
        Shape::ByKey {
            orm,
            model,
            key,
            field,
            key_type,
            session,
        } => {
            let model_text = text(*model, source);
            let base = snake(model_text);
            let keys = fresh_local(function, source, &format!("{base}_keys"));
            let by = fresh_local(function, source, &format!("{base}_by_{field}"));
            let key_text = text(*key, source);
            match orm {
                Orm::Beanie => {
                    let convert = match key_type {
                        Some(KeyType::ObjectId) => {
                            Some(additions.member("beanie", "PydanticObjectId"))
                        }
                        Some(KeyType::Str | KeyType::Int) | None => None,
                        _ => return Err("the document's id type is neither an ObjectId, a string nor an integer; convert the keys by hand".into()),
                    };
                    let converted = |k: &str| match &convert {
                        Some(c) => format!("{c}({k})"),
                        None => k.to_string(),
                    };
                    let in_ = additions.member("beanie.operators", "In");
                    let keys = key_list(&keys, &converted(key_text), target, iterable, &mut lines);
                    lines.push(format!(
                        "{by} = {{doc.id: doc for doc in await {model_text}.find({in_}({model_text}.id, {keys})).to_list()}}"
                    ));
                    (
                        format!("{by}.get({})", converted(key_text)),
                        format!("Fetch the `{model_text}` documents in one `In(...)` query before the loop and look each up by id"),
                    )
                }
                Orm::Sql => {
                    if field.is_empty() {
                        return Err(format!("`{model_text}` has a composite (or unseen) primary key; batch it by hand"));
                    }
                    let session = text(session.ok_or("no session")?, source);
                    let select = select_name(&mut additions, file);
                    let keys = key_list(&keys, key_text, target, iterable, &mut lines);
                    lines.push(format!(
                        "{by} = {{row.{field}: row for row in (await {session}.scalars({select}({model_text}).where({model_text}.{field}.in_({keys})))).all()}}"
                    ));
                    (
                        format!("{by}.get({key_text})"),
                        format!("Load the `{model_text}` rows in one `IN` query before the loop and look each up by `{field}`"),
                    )
                }
            }
        }
        Shape::Rows {
            orm,
            model,
            comparison,
            field,
            key,
        } => {
            let model_text = text(*model, source);
            let base = snake(model_text);
            let keys = fresh_local(function, source, &format!("{base}_keys"));
            let by = fresh_local(function, source, &format!("{}_by_{field}", plural(&base)));
            let row = fresh_local(
                function,
                source,
                &format!("{base}_{}", if *orm == Orm::Beanie { "doc" } else { "row" }),
            );
            let key_text = text(*key, source);
            let mut key_lines = Vec::new();
            let keys = key_list(&keys, key_text, target, iterable, &mut key_lines);
            let batched_filter = match orm {
                Orm::Beanie => {
                    let in_ = additions.member("beanie.operators", "In");
                    format!("{in_}({model_text}.{field}, {keys})")
                }
                Orm::Sql => format!("{model_text}.{field}.in_({keys})"),
            };
            let query_text = text(query.node, source);
            let offset = query.node.start_byte();
            let batched = format!(
                "{}{batched_filter}{}",
                &query_text[..comparison.start_byte() - offset],
                &query_text[comparison.end_byte() - offset..]
            );
            let batched = dedented(&batched, unit, lp, query.node, source);
            lines.extend(key_lines);
            lines.push(format!("{by} = {{}}"));
            lines.push(format!("for {row} in {batched}:"));
            lines.push(format!(
                "{unit}{by}.setdefault({row}.{field}, []).append({row})"
            ));
            (
                format!("list({by}.get({key_text}, []))"),
                format!("Load the `{model_text}` rows of all items in one query before the loop and group them by `{field}`"),
            )
        }
        _ => unreachable!("only keyed shapes are batched"),
    };
    let mut block = String::new();
    for line in lines {
        block.push_str(&line.replace("\r\n", "\n").replace('\n', le));
        block.push_str(le);
        block.push_str(indent);
    }
    let replaced = parenthesized_alone(query.node);
    let mut edits = vec![
        Edit::insert(anchor.start_byte(), block),
        Edit::replace(replaced.start_byte(), replaced.end_byte(), lookup),
    ];
    edits.extend(additions.into_edit());
    Ok(Fix::unsafe_edits(title, edits))
}

/// The keys to batch: the iterable itself when each key is the loop target, else a list
/// `name = [key for target in iterable]` added to `lines`.
fn key_list(
    name: &str,
    key: &str,
    target: &str,
    iterable: &str,
    lines: &mut Vec<String>,
) -> String {
    if key == target {
        return iterable.to_string();
    }
    lines.push(format!("{name} = [{key} for {target} in {iterable}]"));
    name.to_string()
}

/// `node`, or the parentheses that hold nothing but it: what a replacement should cover.
fn parenthesized_alone(node: Node) -> Node {
    let mut outer = node;
    while let Some(parent) = outer
        .parent()
        .filter(|p| p.kind_name() == "parenthesized_expression" && p.named_child_count() == 1)
    {
        outer = parent;
    }
    outer
}

/// The batched query's text with its continuation lines moved out of the loop: one indentation
/// unit less for each block from the loop down to the query; as written when a string spans
/// lines.
fn dedented(batched: &str, unit: &str, lp: &Loop, node: Node, source: &str) -> String {
    if !batched.contains('\n') {
        return batched.to_string();
    }
    let mut multiline_string = false;
    crate::parse::walk_tree(node, |n| {
        multiline_string |= n.kind_name() == "string" && text(n, source).contains('\n');
    });
    if multiline_string {
        return batched.to_string();
    }
    let mut depth = 0;
    let mut current = node.parent();
    while let Some(n) = current {
        if n == lp.node {
            break;
        }
        depth += usize::from(n.kind_name() == "block");
        current = n.parent();
    }
    let extra = unit.repeat(depth);
    let mut lines = batched.split('\n');
    let first = lines.next().unwrap_or_default().to_string();
    lines.fold(first, |out, line| {
        let line = line.strip_suffix('\r').unwrap_or(line);
        format!(
            "{out}\n{}",
            line.strip_prefix(extra.as_str()).unwrap_or(line)
        )
    })
}

fn relationship_fix(
    query: &PerItem,
    object: Node,
    relationship: &str,
    awaited: bool,
    parent: Option<&Parent>,
    file: &FileContext,
) -> Result<Fix, String> {
    let Some(ParentQuery::Sql { statement, model }) = parent.map(|p| p.query) else {
        return Err("the parent query is not local".into());
    };
    let source = file.source;
    let mut additions = ModuleAdditions::new(file);
    let selectinload = additions.member("sqlalchemy.orm", "selectinload");
    let model_text = text(model, source);
    let mut edits = vec![Edit::insert(
        statement.end_byte(),
        format!(".options({selectinload}({model_text}.{relationship}))"),
    )];
    if awaited {
        let replaced = parenthesized_alone(query.node);
        edits.push(Edit::replace(
            replaced.start_byte(),
            replaced.end_byte(),
            format!("{}.{relationship}", text(object, source)),
        ));
    }
    edits.extend(additions.into_edit());
    Ok(Fix::unsafe_edits(
        format!("Load `{model_text}.{relationship}` with `selectinload` on the query that loads the items"),
        edits,
    ))
}

fn link_fix(
    query: &PerItem,
    object: Node,
    link: &str,
    parent: Option<&Parent>,
    file: &FileContext,
) -> Result<Fix, String> {
    let Some(ParentQuery::Beanie { find, .. }) = parent.map(|p| p.query) else {
        return Err("the parent query is not local".into());
    };
    let source = file.source;
    let args = CallArgs::of(find, source);
    if args.keyword("fetch_links").is_some() || args.has_splat {
        return Err(
            "the parent `find` already sets `fetch_links` (or passes `**` options); set it by hand"
                .into(),
        );
    }
    let mut edits = vec![
        append_argument(find, "fetch_links=True")
            .ok_or("the parent `find` has no argument list")?,
        Edit::replace(
            parenthesized_alone(query.node).start_byte(),
            parenthesized_alone(query.node).end_byte(),
            format!("{}.{link}", text(object, source)),
        ),
    ];
    edits.sort_by_key(|e| e.start);
    Ok(Fix::unsafe_edits(
        "Fetch the links with `fetch_links=True` on the `find` that loads the documents",
        edits,
    ))
}

#[cfg(test)]
mod tests {
    use super::{assigns_by_text, only_assignment, plural, snake};
    use crate::parse::NodeLookups;

    /// The value `only_assignment` finds for `name` before the function's last statement.
    fn only_value(source: &str, name: &str) -> Option<String> {
        let tree = crate::parse::parse(source).unwrap();
        let function = tree.root_node().named_child(0).unwrap();
        let body = function.field("body").unwrap();
        let last = body
            .named_child(body.named_child_count() as u32 - 1)
            .unwrap();
        only_assignment(name, last, function, source)
            .map(|value| source[value.byte_range()].to_string())
    }

    #[test]
    fn the_only_assignment_of_a_name_in_the_functions_own_scope() {
        let f = |body: &str| format!("async def f(p):\n{body}    for x in items: pass\n");
        assert_eq!(
            only_value(&f("    items = load()\n"), "items").as_deref(),
            Some("load()")
        );
        assert_eq!(
            only_value(&f("    a = items = load()\n"), "items").as_deref(),
            Some("load()")
        );
        assert_eq!(
            only_value(&f("    items = load()\n    items += more()\n"), "items"),
            None
        );
        assert_eq!(
            only_value(
                &f("    items = load()\n    for items in x: pass\n"),
                "items"
            ),
            None
        );
        assert_eq!(
            only_value(
                &f("    items = load()\n    y = [1 for items in x]\n"),
                "items"
            ),
            None
        );
        assert_eq!(
            only_value(
                &f("    items = load()\n    if (items := g()): pass\n"),
                "items"
            ),
            None
        );
        assert_eq!(
            only_value(
                &f("    items = load()\n    with g() as items: pass\n"),
                "items"
            ),
            None
        );
        // A target that only reads the name binds it too, as far as this test goes.
        assert_eq!(
            only_value(&f("    items = load()\n    x[items] = 1\n"), "items"),
            None
        );
        // Nested scopes bind their own names; a name in a string or a longer name is no binding.
        assert_eq!(
            only_value(&f("    items = load()\n    def g():\n        items = 2\n    h = lambda items: 1\n    s = 'items = 3'\n    all_items = 4\n"), "items").as_deref(),
            Some("load()")
        );
        assert_eq!(only_value(&f("    x = 1\n"), "items"), None);
        assert_eq!(
            only_value(
                "async def f(items):\n    items = load()\n    for x in items: pass\n",
                "items"
            ),
            None
        );
    }

    #[test]
    fn assignments_read_from_the_text() {
        assert!(assigns_by_text("orders = await q", "orders"));
        assert!(assigns_by_text("orders: list[Order] = await q", "orders"));
        assert!(assigns_by_text("x=1\norders\t= q", "orders"));
        assert!(!assigns_by_text(
            "if orders == q: self.orders = 1",
            "orders"
        ));
        assert!(!assigns_by_text(
            "open_orders = q; for o in orders: pass",
            "orders"
        ));
    }

    #[test]
    fn batch_names_follow_the_model() {
        assert_eq!(snake("LineItem"), "line_item");
        assert_eq!(snake("models.Customer"), "customer");
        assert_eq!(plural("line_item"), "line_items");
        assert_eq!(plural("address"), "address");
        assert_eq!(plural("hero"), "heroes");
        assert_eq!(plural("category"), "categories");
        assert_eq!(plural("survey"), "surveys");
    }
}
