//! PO205: a GET route that returns a whole collection in one response (`Model.find_all().to_list()`,
//! `select(Model)` … `.all()`), rewritten to cursor pagination by primary key.

use crate::codemod::{
    Codemod, CodemodMeta, Context, FileContext, FixAvailability, Gate, Mention, Scope,
};
use crate::edits::importer::{unique_name, ModuleAdditions};
use crate::fix::{Edit, Fix};
use crate::parse::NodeLookups;
use crate::semantic::asyncness::own_body_nodes;
use crate::semantic::fastapi::{full_path, is_export_style};
use crate::semantic::models::{KeyType, Orm, OrmModel};
use crate::semantic::project::{get_route_may_list, has_get_route_decorator};
use crate::semantic::queries::{
    chain, is_select, resolve_model, selected_entity, unparenthesize, BEANIE_FINDS,
};
use crate::semantic::scope::fresh_local;
use crate::source::indentation_at;
use crate::syntax::{
    ancestors_below, enclosing_statement, named_children, parameter_names, text, CallArgs,
};
use std::collections::HashSet;
use tree_sitter::Node;

pub struct UnboundedListEndpoint;

static META: CodemodMeta = CodemodMeta {
    code: "PO205",
    name: "unbounded-list-endpoint",
    summary: "GET route that returns a whole collection in one response",
    fix: FixAvailability::Sometimes,
    safety: "unsafe",
    priority: 6,
    impact: "Measured in `bench/pagination.md`: on 10,000 SQLite rows a call took 292 ms and sent 509 KiB before the fix, and 0.9 ms and 1.0 KiB for a page of 20 after; a response no longer grows with the collection.",
    requires: &[".get("],
    gates: &[
        Gate {
            imports: &[],
            literals: &[".to_list("],
            shape: Some(has_get_route_decorator),
        },
        Gate {
            imports: &["sqlalchemy", "sqlmodel"],
            literals: &["select("],
            shape: Some(has_get_route_decorator),
        },
    ],
    mentions: &[Mention::shape(get_route_may_list)],
    scope: Scope::Module,
    docs: r#"## What it does
Finds FastAPI GET routes whose response is a whole collection, loaded by a query with no
limit: a Beanie `Document`'s `Model.find_all()`, `find(...)` or `find_many(...)` ending in
`.to_list()`, or a SQLAlchemy/SQLModel `select(Model)` (with `where`/`filter` clauses) run by
`session.execute(...)`, `session.scalars(...)` or `session.exec(...)` and read with `.all()`;
the query may be built in a variable first. The list must reach the `return` (a list only
counted or aggregated is not reported). A Beanie query counts only when its model is a class of
the project derived from `Document`; a SQL `select(Model)` always counts. Routes that already
take `limit`, `offset`, `skip`, `cursor`, `page`, `page_size` or `per_page`, and export-style
routes (their path, router prefix or name says export, dump, download, csv, backup or all:
PO305 streams those),
are left alone.

## Why is this slow?
The response grows with the collection: every call reads all of it, builds an object per row,
validates and serialises each one, and holds the worker and the memory for all of that, though
clients rarely show more than the first screen. Measured by `bench/pagination.py` on 10,000
rows of SQLite (aiosqlite, SQLAlchemy, called in process through httpx's ASGI transport; medians
of 30 calls): the whole list took 292 ms and 509 KiB per call, the first page of 20 after the
fix 0.9 ms and 1.0 KiB (`bench/pagination.md`).

## Example
```python
@router.get("/products", response_model=list[ProductOut])
async def list_products():
    return await Product.find_all().to_list()
```

## Use instead
```python
class ProductOutPage(BaseModel):
    items: list[ProductOut]
    next_cursor: str | None
    has_more: bool


@router.get("/products", response_model=ProductOutPage)
async def list_products(cursor: PydanticObjectId | None = None, limit: int = Query(default=20, ge=1, le=100)):
    query = Product.find_all()
    if cursor is not None:
        query = query.find(Product.id > cursor)
    items = await query.sort(+Product.id).limit(limit + 1).to_list()
    has_more = len(items) > limit
    items = items[:limit]
    next_cursor = str(items[-1].id) if has_more else None
    return {"items": items, "next_cursor": next_cursor, "has_more": has_more}
```
For SQLAlchemy the query becomes `statement.where(Item.id > cursor)` and
`statement.order_by(Item.id).limit(limit + 1)`, with the model's own primary-key column. One
more row than the page is fetched to know whether another page follows. The client passes the
`next_cursor` it received as `cursor` until `has_more` is false. The `cursor` parameter has the
key's type (`int`, `str`, `UUID` or `PydanticObjectId`), so FastAPI answers 422 to a malformed
cursor; `limit` must be between 1 and 100. A `response_model=list[X]` (or a `-> list[X]`
annotation) becomes the page model `XPage`, defined once per module.

## When there is no fix
The finding is reported without a fix, saying why, when the query is sorted (paging by key
would change that order), joins or groups; when the model is not a class the project declares
with a single primary key (`primary_key=True` on a `mapped_column`, `Column` or SQLModel
`Field`) of type `int`, `str` or `UUID` (Beanie documents use their `id`); when the list is
sorted, sliced, filtered or otherwise reshaped in Python before it is returned (`sorted(...)`,
`[x for x in items if ...]`, `{"items": items, "count": len(items)}`), used besides being
returned, or returned from several places; when the handler already uses the names `cursor` or
`limit`; and when the response model is not a list of one model class.

## Fix safety
Unsafe: the API contract changes. Clients that expected a JSON array get an object and only
the first 20 items unless they follow `next_cursor`. The order changes too: the old query had
no `ORDER BY` or sort, and the new one orders by primary key. MongoDB returns unsorted queries
in natural order, usually but not always insertion order; SQL without `ORDER BY` has no defined
order at all (SQLite and PostgreSQL often return table or index order). Following the cursors
returns every row exactly once (perfopt's behaviour test checks that the pages, walked with
`limit` 20 and 7, concatenate to the old list on SQLite and on a mongomock Beanie database),
but in key order. Rows inserted or deleted between two page requests appear or disappear as
they would in any cursor pagination. The generated code uses `X | None`, so it needs Python
3.10 or later.
"#,
};

/// Parameters that show a handler already pages its result.
const PAGING_PARAMETERS: &[&str] = &[
    "limit",
    "offset",
    "skip",
    "cursor",
    "page",
    "page_size",
    "per_page",
];

impl Codemod for UnboundedListEndpoint {
    fn meta(&self) -> &'static CodemodMeta {
        &META
    }

    fn node_kinds(&self) -> &'static [&'static str] {
        &["function_definition"]
    }

    fn check(&self, function: Node<'_>, cx: &mut Context<'_>) {
        let file = cx.file;
        let Some(route) = file.fastapi().route(function).filter(|r| r.method == "get") else {
            return;
        };
        let Some(name) = function.field("name") else {
            return;
        };
        let decorators = route_decorators(function, file);
        let path = decorators
            .first()
            .and_then(|call| route_path(*call, file.source))
            .unwrap_or_default();
        // Export-style routes stream their whole result instead (PO305).
        if is_export_style(
            &full_path(file.tree.root_node(), route, file.source),
            text(name, file.source),
        ) {
            return;
        }
        let parameters = parameter_names(function, file.source);
        if parameters
            .iter()
            .any(|p| PAGING_PARAMETERS.contains(&p.as_str()))
        {
            return;
        }
        let body_nodes = own_body_nodes(function);
        for call in body_nodes.iter().filter(|n| n.kind_name() == "call") {
            let Some(listing) = listing(*call, function, file) else {
                continue;
            };
            let Some(flow) = flow_to_return(&listing, function, file) else {
                continue;
            };
            let model = text(listing.model, file.source);
            let handler = text(name, file.source);
            let route = if path.is_empty() {
                format!("route `{handler}`")
            } else {
                format!("{path} (`{handler}`)")
            };
            let message = format!(
                "GET {route} returns every `{model}` in one response: no limit, no pagination"
            );
            let fix = build_fix(&listing, &flow, function, &decorators, file);
            cx.report(listing.list, message).with_fix(fix);
        }
    }
}

/// A query that loads a whole collection into a list.
struct Listing<'t> {
    /// The expression whose value is the list (`await Product.find_all().to_list()`).
    list: Node<'t>,
    /// The query where it runs (`Product.find_all()`, `select(Item).where(...)`, `stmt`).
    query: Node<'t>,
    /// The model as written (`Product`, `models.Item`).
    model: Node<'t>,
    orm: Orm,
    /// What the project knows of the model; `None` for a SQL model it does not define.
    resolved: Option<OrmModel>,
    /// The local name the query is built in, when `query` is rooted at one.
    builder: Option<Node<'t>>,
    /// Why paging it by key would not give the same rows in the same order, if so.
    blocker: Option<String>,
    /// A variable holding the SQL result (`result = await session.execute(...)`), read once.
    result_name: Option<Node<'t>>,
}

/// The whole-collection query that `call` completes, if it is one: `X.to_list()` on a Beanie
/// query, or `.all()` on the result of a SQL `select(Model)`.
fn listing<'t>(call: Node<'t>, function: Node<'t>, file: &FileContext) -> Option<Listing<'t>> {
    let callee = call
        .field("function")
        .filter(|f| f.kind_name() == "attribute")?;
    let method = text(callee.field("attribute")?, file.source);
    let object = callee.field("object")?;
    let args = CallArgs::of(call, file.source);
    match method {
        "to_list" => {
            // `to_list(n)` is bounded; `to_list()` and `to_list(None)` are not.
            let unbounded = args.keywords.is_empty()
                && !args.has_splat
                && args
                    .positional
                    .iter()
                    .all(|a| text(*a, file.source) == "None");
            let awaited = call.parent().filter(|p| p.kind_name() == "await")?;
            if !unbounded {
                return None;
            }
            beanie_listing(awaited, object, function, file)
        }
        "all" if args.positional.is_empty() && args.keywords.is_empty() => {
            sql_listing(call, object, function, file)
        }
        _ => None,
    }
}

/// The methods of a query chain, by what they do to the rows it returns.
struct Clauses {
    /// Narrow the rows (`where`, `find`); their `limit=`/`skip=`/`sort=` keywords count too.
    filters: &'static [&'static str],
    orders: &'static [&'static str],
    bounds: &'static [&'static str],
    /// Whether another method (a join, a grouping) still leaves a listing, just not one to page
    /// by key; otherwise it makes the chain something else.
    others_list: bool,
}

const BEANIE_CLAUSES: Clauses = Clauses {
    filters: &["find", "find_all", "find_many", "all"],
    orders: &["sort"],
    bounds: &["limit", "skip"],
    others_list: false,
};

const SQL_CLAUSES: Clauses = Clauses {
    filters: &[
        "where",
        "filter",
        "filter_by",
        "options",
        "execution_options",
    ],
    orders: &["order_by"],
    bounds: &["limit", "offset", "slice", "fetch"],
    others_list: true,
};

/// What a query chain's steps say: `Some(blocker)` if it is an unbounded listing (with the
/// reason it cannot be paged by key, if any), `None` if it is bounded or not a listing.
fn read_steps(
    steps: &[(&str, Node)],
    clauses: &Clauses,
    file: &FileContext,
) -> Option<Option<String>> {
    let mut blocker = None;
    for (method, call) in steps {
        if clauses.filters.contains(method) {
            let args = CallArgs::of(*call, file.source);
            if ["limit", "skip"].iter().any(|k| args.keyword(k).is_some()) {
                return None;
            }
            if let Some(sort) = args.keyword_node("sort") {
                blocker.get_or_insert(sorted_query(text(sort, file.source)));
            }
        } else if clauses.orders.contains(method) {
            let arguments = call.field("arguments").map_or("", |a| text(a, file.source));
            blocker.get_or_insert(sorted_query(&format!(".{method}{arguments}")));
        } else if clauses.bounds.contains(method) || !clauses.others_list {
            return None;
        } else {
            blocker.get_or_insert(format!(
                "the query uses `.{method}(...)`, so paging it by primary key may not return the same rows"
            ));
        }
    }
    Some(blocker)
}

fn sorted_query(sort: &str) -> String {
    format!("the query is sorted (`{sort}`): paging it by primary key would change that order; page by the sort key by hand")
}

/// `await Model.find(...)....to_list()`, the query possibly built in a local variable first.
fn beanie_listing<'t>(
    awaited: Node<'t>,
    query: Node<'t>,
    function: Node<'t>,
    file: &FileContext,
) -> Option<Listing<'t>> {
    // A chain `Model.find(...)...`, the first step a multi-document find.
    let rooted_at_model = |steps: &[(&str, Node)]| {
        steps
            .last()
            .is_some_and(|(first, _)| BEANIE_FINDS.contains(first))
    };
    let (root, steps) = chain(query, file);
    let mut blocker = read_steps(&steps, &BEANIE_CLAUSES, file)?;
    let (model, builder) = if root.kind_name() == "identifier" && is_local(root, function, file) {
        // `query = Product.find(...)`, maybe refined (`query = query.find(...)`), then `query.to_list()`.
        let mut model = None;
        for value in assigned_values(root, function, file)? {
            let (value_root, value_steps) = chain(value, file);
            blocker = blocker.or(read_steps(&value_steps, &BEANIE_CLAUSES, file)?);
            if is_same_name(value_root, root, file) {
                continue;
            }
            if !rooted_at_model(&value_steps) {
                return None;
            }
            model.get_or_insert(value_root);
        }
        (model?, Some(root))
    } else {
        if !rooted_at_model(&steps) {
            return None;
        }
        (root, None)
    };
    let resolved = resolve_model(model, file).filter(|m| m.orm == Orm::Beanie)?;
    Some(Listing {
        list: awaited,
        query,
        model,
        orm: Orm::Beanie,
        resolved: Some(resolved),
        builder,
        blocker,
        result_name: None,
    })
}

fn is_same_name(node: Node, name: Node, file: &FileContext) -> bool {
    node.kind_name() == "identifier" && text(node, file.source) == text(name, file.source)
}

/// `(await session.execute(select(M)...)).scalars().all()`, `(await session.scalars(...)).all()`,
/// `(await session.exec(...)).all()`, the result or the statement possibly in a variable first.
fn sql_listing<'t>(
    all_call: Node<'t>,
    object: Node<'t>,
    function: Node<'t>,
    file: &FileContext,
) -> Option<Listing<'t>> {
    let object = unparenthesize(object);
    // `.scalars().all()` reads an `execute` result; `.all()` alone a `scalars` or `exec` one.
    let (result, wanted): (Node, &[&str]) = match object.kind_name() {
        "call"
            if chain(object, file)
                .1
                .first()
                .is_some_and(|(m, _)| *m == "scalars")
                && CallArgs::of(object, file.source).positional.is_empty() =>
        {
            let callee = object.field("function")?;
            (callee.field("object")?, &["execute"])
        }
        _ => (object, &["scalars", "exec"]),
    };
    let result = unparenthesize(result);
    let (execution, result_name) = if result.kind_name() == "identifier" {
        let values = assigned_values(result, function, file)?;
        let [value] = values.as_slice() else {
            return None;
        };
        (*value, Some(result))
    } else {
        (result, None)
    };
    let execution = match execution.kind_name() {
        "await" => execution.named_child(0)?,
        _ => execution,
    };
    let (_, steps) = chain(execution, file);
    let [(method, execute)] = steps.as_slice() else {
        return None;
    };
    if !wanted.contains(method) {
        return None;
    }
    let statement = *CallArgs::of(*execute, file.source).positional.first()?;
    let (root, steps) = chain(statement, file);
    let mut blocker = read_steps(&steps, &SQL_CLAUSES, file)?;
    let (select, builder) = if root.kind_name() == "identifier" && is_local(root, function, file) {
        // `stmt = select(Item)`, maybe refined (`stmt = stmt.where(...)`), then `execute(stmt)`.
        let mut select = None;
        for value in assigned_values(root, function, file)? {
            let (value_root, value_steps) = chain(value, file);
            blocker = blocker.or(read_steps(&value_steps, &SQL_CLAUSES, file)?);
            if is_same_name(value_root, root, file) {
                continue;
            }
            if !is_select(value_root, file) {
                return None;
            }
            select.get_or_insert(value_root);
        }
        (select?, Some(root))
    } else {
        if !is_select(root, file) {
            return None;
        }
        (root, None)
    };
    let (model, resolved) = selected_entity(select, file)?;
    Some(Listing {
        list: all_call,
        query: statement,
        model,
        orm: Orm::Sql,
        resolved,
        builder,
        blocker,
        result_name,
    })
}

/// Whether `name` is bound inside `function` (its parameters excluded: those come from outside).
fn is_local(name: Node, function: Node, file: &FileContext) -> bool {
    file.is_local_name(name, text(name, file.source))
        && !parameter_names(function, file.source).contains(&text(name, file.source).to_string())
}

/// The values assigned to `name` by plain `name = value` statements in the function's own body;
/// `None` if it is bound in any other way (a loop, a `with`, an augmented assignment).
fn assigned_values<'t>(
    name: Node<'t>,
    function: Node<'t>,
    file: &FileContext,
) -> Option<Vec<Node<'t>>> {
    let wanted = text(name, file.source);
    let mut values = Vec::new();
    for node in own_body_nodes(function) {
        let target = match node.kind_name() {
            "assignment" => node.field("left"),
            "augmented_assignment" | "for_statement" | "for_in_clause" => node.field("left"),
            "as_pattern" => node.field("alias"),
            "named_expression" => node.field("name"),
            _ => None,
        };
        let Some(target) = target else { continue };
        let mut bound = HashSet::new();
        crate::semantic::imports::collect_target_names(target, file.source, &mut bound);
        if !bound.contains(wanted) {
            continue;
        }
        if node.kind_name() != "assignment" || target.kind_name() != "identifier" {
            return None;
        }
        values.push(node.field("right")?);
    }
    (!values.is_empty()).then_some(values)
}

/// How the list reaches the response.
struct Flow<'t> {
    /// The `return` statement.
    ret: Node<'t>,
    /// `name = <list>` when the list is stored in a variable first.
    stored: Option<(Node<'t>, Node<'t>)>,
}

/// The return statement the list flows into, directly or through one variable; `None` if it
/// is not returned (aggregated, counted, written elsewhere: not this codemod's shape).
fn flow_to_return<'t>(
    listing: &Listing<'t>,
    function: Node<'t>,
    file: &FileContext,
) -> Option<Flow<'t>> {
    if file.scopes.function_of(listing.list) != Some(function) {
        return None;
    }
    let statement = enclosing_statement(listing.list)?;
    if statement.kind_name() == "return_statement" {
        return returned_as_list(listing.list, statement, file.source).then_some(Flow {
            ret: statement,
            stored: None,
        });
    }
    let assignment = statement.named_child(0).filter(|a| {
        statement.kind_name() == "expression_statement" && a.kind_name() == "assignment"
    })?;
    let target = assignment
        .field("left")
        .filter(|l| l.kind_name() == "identifier")?;
    if assignment.field("right").map(unparenthesize) != Some(listing.list) {
        return None;
    }
    let name = text(target, file.source);
    let ret = returns(function).into_iter().find(|r| {
        identifiers(*r)
            .into_iter()
            .any(|i| text(i, file.source) == name && returned_as_list(i, *r, file.source))
    })?;
    Some(Flow {
        ret,
        stored: Some((target, statement)),
    })
}

/// Whether the return statement `ret` answers with the list `node` evaluates to, whole or
/// reshaped (sorted, sliced, mapped, filtered, wrapped in a dict): not merely counted or
/// aggregated (`len(items)`).
fn returned_as_list(node: Node, ret: Node, source: &str) -> bool {
    let Some(value) = ret.named_child(0) else {
        return false;
    };
    let mut current = node;
    while current != value {
        let Some(parent) = current.parent() else {
            return false;
        };
        let keeps_list = match parent.kind_name() {
            "parenthesized_expression"
            | "list"
            | "tuple"
            | "pair"
            | "dictionary"
            | "conditional_expression"
            | "list_comprehension" => true,
            "for_in_clause" => parent.field("right") == Some(current),
            "subscript" => parent.field("value") == Some(current),
            // `sorted(items)`, `list(items)`: still the list's items.
            "argument_list" => parent
                .parent()
                .and_then(|call| call.field("function"))
                .is_some_and(|f| ["sorted", "list", "reversed"].contains(&text(f, source))),
            "call" => parent.field("arguments") == Some(current),
            _ => false,
        };
        if !keeps_list {
            return false;
        }
        current = parent;
    }
    true
}

/// Return statements of the function's own body.
fn returns(function: Node) -> Vec<Node> {
    own_body_nodes(function)
        .into_iter()
        .filter(|n| n.kind_name() == "return_statement")
        .collect()
}

/// Identifier nodes inside `node`, nested scopes included.
fn identifiers(node: Node) -> Vec<Node> {
    let mut found = Vec::new();
    crate::parse::walk_tree(node, |n| {
        if n.kind_name() == "identifier" {
            found.push(n);
        }
    });
    found
}

/// The calls of the route decorators on `function`.
fn route_decorators<'t>(function: Node<'t>, file: &FileContext) -> Vec<Node<'t>> {
    function
        .parent()
        .filter(|p| p.kind_name() == "decorated_definition")
        .map(named_children)
        .unwrap_or_default()
        .into_iter()
        .filter(|d| d.kind_name() == "decorator" && file.fastapi().is_route_decorator(*d))
        .filter_map(|d| d.named_child(0).filter(|c| c.kind_name() == "call"))
        .collect()
}

/// The path a route decorator registers (its first argument, or `path=`): a literal's content,
/// else the expression as written.
fn route_path(call: Node, source: &str) -> Option<String> {
    let args = CallArgs::of(call, source);
    let path = args.keyword("path").or(args.positional.first().copied())?;
    Some(match path.kind_name() {
        "string" => named_children(path)
            .into_iter()
            .filter(|c| c.kind_name() == "string_content")
            .map(|c| text(c, source))
            .collect(),
        _ => text(path, source).to_string(),
    })
}

/// `list[X]` or `List[X]` (through `typing`) → `X`.
fn list_item_type<'t>(annotation: Node<'t>, file: &FileContext) -> Option<Node<'t>> {
    let annotation = match annotation.kind_name() {
        "type" => annotation.named_child(0)?,
        _ => annotation,
    };
    let (container, item) = match annotation.kind_name() {
        "subscript" => (annotation.field("value")?, annotation.field("subscript")?),
        "generic_type" => {
            let container = annotation.named_child(0)?;
            let parameters = annotation.named_child(1)?;
            let items = named_children(parameters);
            let [item] = items.as_slice() else {
                return None;
            };
            (container, *item)
        }
        _ => return None,
    };
    let item = match item.kind_name() {
        "type" => item.named_child(0)?,
        _ => item,
    };
    let is_list = text(container, file.source) == "list" && !file.imports.is_bound("list")
        || file
            .qualified_name(container)
            .is_some_and(|q| q == "typing.List");
    // A model class, not a builtin (`dict`) or a `typing` form (`Any`).
    let is_model = matches!(item.kind_name(), "identifier" | "attribute")
        && text(item, file.source)
            .rsplit('.')
            .next()
            .is_some_and(|name| name.starts_with(|c: char| c.is_ascii_uppercase()))
        && !file
            .qualified_name(item)
            .is_some_and(|q| q.starts_with("typing."));
    (is_list && is_model).then_some(item)
}

/// The page model a `list[X]` response becomes.
struct PageModel<'t> {
    item: Node<'t>,
    /// `response_model=` value and `->` annotation to replace with the page model's name.
    replaced: Vec<Node<'t>>,
}

/// The page model the declared response (`response_model=list[X]`, `-> list[X]`) becomes, or
/// why it cannot become one.
fn page_model<'t>(
    route: &[Node<'t>],
    function: Node<'t>,
    file: &FileContext,
) -> Result<Option<PageModel<'t>>, String> {
    let [decorator] = route else {
        return Err("the handler is registered by more than one route decorator".into());
    };
    let not_a_list = |node: Node| {
        format!(
            "the response model `{}` is not a list of one model",
            text(node, file.source)
        )
    };
    let annotation = function.field("return_type");
    match CallArgs::of(*decorator, file.source).keyword("response_model") {
        // `response_model=None` turns validation off, the annotation included.
        Some(declared) if text(declared, file.source) == "None" => Ok(None),
        Some(declared) => {
            let item = list_item_type(declared, file).ok_or_else(|| not_a_list(declared))?;
            let mut replaced = vec![declared];
            // FastAPI validates with the declared model; an annotation that is the same list
            // changes with it, another list would name a second page model.
            if let Some(annotation) = annotation {
                match list_item_type(annotation, file) {
                    Some(other) if text(other, file.source) == text(item, file.source) => {
                        replaced.push(annotation)
                    }
                    Some(_) => {
                        return Err(format!(
                            "the return annotation `{}` differs from the response model",
                            text(annotation, file.source)
                        ))
                    }
                    None => {}
                }
            }
            Ok(Some(PageModel { item, replaced }))
        }
        None => match annotation {
            Some(annotation) => {
                let item =
                    list_item_type(annotation, file).ok_or_else(|| not_a_list(annotation))?;
                Ok(Some(PageModel {
                    item,
                    replaced: vec![annotation],
                }))
            }
            None => Ok(None),
        },
    }
}

/// Whether `node` starts its line (only indentation before it).
fn starts_line(node: Node, source: &str) -> bool {
    let line_start = source[..node.start_byte()].rfind('\n').map_or(0, |i| i + 1);
    source[line_start..node.start_byte()].trim().is_empty()
}

fn line_start(node: Node, source: &str) -> usize {
    source[..node.start_byte()].rfind('\n').map_or(0, |i| i + 1)
}

/// `source[start..end]` with `edits` (inside that range) applied.
fn splice(source: &str, start: usize, end: usize, edits: &[Edit]) -> String {
    let mut edits: Vec<&Edit> = edits
        .iter()
        .filter(|e| start <= e.start && e.end <= end)
        .collect();
    edits.sort();
    let mut out = String::new();
    let mut at = start;
    for edit in edits {
        out.push_str(&source[at..edit.start]);
        out.push_str(&edit.content);
        at = edit.end;
    }
    out.push_str(&source[at..end]);
    out
}

fn within(outer: Node, inner: Node) -> bool {
    crate::syntax::contains(outer, inner)
}

fn build_fix(
    listing: &Listing,
    flow: &Flow,
    function: Node,
    route: &[Node],
    file: &FileContext,
) -> Result<Fix, String> {
    let source = file.source;
    let model = text(listing.model, source);
    let resolved = listing.resolved.as_ref().ok_or_else(|| {
        format!("`{model}` is not a model class perfopt found in the project, so its primary key is unknown")
    })?;
    let (key, key_type) = resolved.key.clone().ok_or_else(|| {
        format!(
            "`{model}` has a composite primary key, or one declared where perfopt cannot see it"
        )
    })?;
    if key_type == KeyType::Unknown {
        return Err(format!(
            "the type of `{model}.{key}` is not `int`, `str`, `UUID` or an ObjectId"
        ));
    }
    if let Some(blocker) = &listing.blocker {
        return Err(blocker.clone());
    }
    let all_returns = returns(function);
    if all_returns.len() != 1 {
        return Err("the handler returns from more than one place, and every return would need to give a page".into());
    }
    let ret = flow.ret;
    let value = ret.named_child(0).ok_or("the handler returns nothing")?;
    let stored_name = flow.stored.map(|(name, _)| text(name, source));
    // What the response is made of: the list itself, or a list comprehension mapping each item.
    let returned_list = |node: Node| {
        let node = unparenthesize(node);
        node == listing.list
            || stored_name
                .is_some_and(|n| node.kind_name() == "identifier" && text(node, source) == n)
    };
    let value_inner = unparenthesize(value);
    let maps_items = value_inner.kind_name() == "list_comprehension" && {
        let clauses: Vec<Node> = named_children(value_inner).into_iter().skip(1).collect();
        matches!(clauses.as_slice(), [clause] if clause.kind_name() == "for_in_clause"
            && clause.field("right").is_some_and(returned_list))
    };
    if !returned_list(value_inner) && !maps_items {
        return Err(reshaped_reason(value_inner, source));
    }
    // Names the rewrite reads or writes must not be in use already.
    for name in ["cursor", "limit"] {
        if identifiers(function)
            .iter()
            .any(|i| text(*i, source) == name)
        {
            return Err(format!("the handler already uses the name `{name}`"));
        }
    }
    let uses = |name: Node| {
        identifiers(function)
            .into_iter()
            .filter(|i| text(*i, source) == text(name, source))
            .collect::<Vec<_>>()
    };
    if let Some((name, statement)) = flow.stored {
        if uses(name)
            .iter()
            .any(|u| !within(statement, *u) && !within(ret, *u))
        {
            return Err(format!(
                "`{}` is used besides being returned, and would see one page",
                text(name, source)
            ));
        }
    }
    let list_statement = flow.stored.map_or(ret, |(_, s)| s);
    if let Some(result) = listing.result_name {
        let assigned = enclosing_statement(listing.query).ok_or("no statement")?;
        if uses(result)
            .iter()
            .any(|u| !within(assigned, *u) && !within(list_statement, *u))
        {
            return Err(format!(
                "`{}` is used besides being read once",
                text(result, source)
            ));
        }
    }
    let query_statement = enclosing_statement(listing.query).ok_or("no statement")?;
    if let Some(builder) = listing.builder {
        // The builder gets the cursor filter just before the query runs: nothing after may read it.
        if uses(builder)
            .iter()
            .any(|u| u.start_byte() >= query_statement.start_byte() && !within(query_statement, *u))
        {
            return Err(format!(
                "`{}` is used after the query runs, and would carry the cursor filter",
                text(builder, source)
            ));
        }
    }
    let statements = [query_statement, list_statement, ret];
    let block = query_statement.parent();
    if statements
        .iter()
        .any(|s| s.parent() != block || !starts_line(*s, source))
        || query_statement.start_byte() > list_statement.start_byte()
        || list_statement.start_byte() > ret.start_byte()
    {
        return Err(
            "the query, the list and the return are not statements of one block, each on a line of its own".into(),
        );
    }
    // Moved before its statement, the query must not read a comprehension's or lambda's
    // variables: only a comprehension's first iterable runs outside it.
    let runs_outside = |scope: &Node| {
        scope.kind_name() != "lambda"
            && named_children(*scope)
                .into_iter()
                .find(|c| c.kind_name() == "for_in_clause")
                .and_then(|clause| clause.field("right"))
                .is_some_and(|iterable| within(iterable, listing.query))
    };
    if ancestors_below(query_statement, listing.query)
        .iter()
        .filter(|a| {
            matches!(
                a.kind_name(),
                "list_comprehension"
                    | "generator_expression"
                    | "set_comprehension"
                    | "dictionary_comprehension"
                    | "lambda"
            )
        })
        .any(|scope| !runs_outside(scope))
    {
        return Err("the query runs inside a comprehension or lambda".into());
    }
    let parameters = function
        .field("parameters")
        .ok_or("the handler has no parameter list")?;
    if named_children(parameters).iter().any(|p| {
        matches!(
            p.kind_name(),
            "list_splat_pattern" | "dictionary_splat_pattern"
        )
    }) {
        return Err("the handler takes `*args` or `**kwargs`".into());
    }
    let page = page_model(route, function, file)?;

    let le = file.stylist.line_ending;
    let unit = &file.stylist.indent;
    let quote = file.stylist.quote;
    let indent = indentation_at(source, ret.start_byte());
    let mut additions = ModuleAdditions::new(file);
    let mut edits = Vec::new();

    // The query: filtered after the cursor, ordered by key, one row more than the page.
    let (filter, ordered) = match listing.orm {
        Orm::Beanie => ("find", format!(".sort(+{model}.{key}).limit(limit + 1)")),
        Orm::Sql => (
            "where",
            format!(".order_by({model}.{key}).limit(limit + 1)"),
        ),
    };
    let guard = |variable: &str| {
        format!(
            "{indent}if cursor is not None:{le}{indent}{unit}{variable} = {variable}.{filter}({model}.{key} > cursor){le}"
        )
    };
    let query_text = text(listing.query, source);
    let (before_query, query_edit) = match listing.builder {
        Some(builder) => (
            guard(text(builder, source)),
            Edit::replace(
                listing.query.start_byte(),
                listing.query.end_byte(),
                format!("{query_text}{ordered}"),
            ),
        ),
        None => {
            let base = match listing.orm {
                Orm::Beanie => "query",
                Orm::Sql => "statement",
            };
            let variable = fresh_local(function, source, base);
            // A query written over several lines keeps its lines inside parentheses.
            let value = if query_text.contains('\n') {
                let first_indent = if starts_line(listing.query, source) {
                    indentation_at(source, listing.query.start_byte()).to_string()
                } else {
                    format!("{indent}{unit}")
                };
                format!("({le}{first_indent}{query_text}{le}{indent})")
            } else {
                query_text.to_string()
            };
            (
                format!("{indent}{variable} = {value}{le}{}", guard(&variable)),
                Edit::replace(
                    listing.query.start_byte(),
                    listing.query.end_byte(),
                    format!("{variable}{ordered}"),
                ),
            )
        }
    };

    // The list, the page and the response.
    let mut before_return = String::new();
    if query_statement == ret {
        before_return.push_str(&before_query);
    } else {
        edits.push(Edit::insert(
            line_start(query_statement, source),
            before_query,
        ));
    }
    let (items, value_text) = match stored_name {
        Some(name) => {
            edits.push(query_edit);
            (name.to_string(), text(value, source).to_string())
        }
        None => {
            let items = fresh_local(function, source, "items");
            let query_inside = within(listing.list, listing.query);
            if !query_inside {
                edits.push(query_edit.clone());
            }
            let inner = if query_inside {
                vec![query_edit]
            } else {
                vec![]
            };
            let list_text = splice(
                source,
                listing.list.start_byte(),
                listing.list.end_byte(),
                &inner,
            );
            before_return.push_str(&format!("{indent}{items} = {list_text}{le}"));
            let replaced = Edit::replace(
                listing.list.start_byte(),
                listing.list.end_byte(),
                items.clone(),
            );
            (
                items,
                splice(source, value.start_byte(), value.end_byte(), &[replaced]),
            )
        }
    };
    let has_more = fresh_local(function, source, "has_more");
    let next_cursor = fresh_local(function, source, "next_cursor");
    before_return.push_str(&format!(
        "{indent}{has_more} = len({items}) > limit{le}{indent}{items} = {items}[:limit]{le}{indent}{next_cursor} = str({items}[-1].{key}) if {has_more} else None{le}"
    ));
    edits.push(Edit::insert(line_start(ret, source), before_return));
    edits.push(Edit::replace(
        value.start_byte(),
        value.end_byte(),
        format!(
            "{{{quote}items{quote}: {value_text}, {quote}next_cursor{quote}: {next_cursor}, {quote}has_more{quote}: {has_more}}}"
        ),
    ));

    // The parameters.
    let cursor_type = match key_type {
        KeyType::Int => "int".to_string(),
        KeyType::Str => "str".to_string(),
        KeyType::Uuid => additions.member("uuid", "UUID"),
        KeyType::ObjectId => additions.member("beanie", "PydanticObjectId"),
        KeyType::Unknown => unreachable!("refused above"),
    };
    let query_param = additions.member("fastapi", "Query");
    edits.push(append_parameters(
        parameters,
        &[
            format!("cursor: {cursor_type} | None = None"),
            format!("limit: int = {query_param}(default=20, ge=1, le=100)"),
        ],
        file,
    ));

    // The response model.
    let mut fix_releases_typing = false;
    if let Some(page) = page {
        fix_releases_typing = page
            .replaced
            .iter()
            .any(|n| !text(*n, source).starts_with("list["));
        let page_name = define_page_model(&page, &mut additions, &mut edits, file);
        for node in &page.replaced {
            edits.push(Edit::replace(
                node.start_byte(),
                node.end_byte(),
                page_name.clone(),
            ));
        }
    }
    edits.extend(additions.into_edit());
    let fix = Fix::unsafe_edits(
        format!("Page it by `{model}.{key}`: `cursor` and `limit` parameters, a `{{items, next_cursor, has_more}}` response"),
        edits,
    );
    // `List[X]` may have been the last use of `typing.List`.
    Ok(if fix_releases_typing {
        fix.releasing("typing")
    } else {
        fix
    })
}

/// Why a response built from the list in another way cannot be paged.
fn reshaped_reason(value: Node, source: &str) -> String {
    let shown = text(value, source);
    let callee = value.field("function").map(|f| text(f, source));
    if value.kind_name() == "call" && callee == Some("sorted") {
        format!("the list is sorted in Python (`{shown}`), so pages of the query would not concatenate to it")
    } else if value.kind_name() == "subscript" {
        format!("the list is sliced in Python (`{shown}`)")
    } else if value.kind_name() == "list_comprehension"
        && named_children(value)
            .iter()
            .any(|c| c.kind_name() == "if_clause")
    {
        "the list is filtered in Python after loading, so pages would come out short".into()
    } else {
        format!("the response is built from the whole list (`{shown}`); page it by hand")
    }
}

/// Appends parameters after the last one, on the same line or one per line as the list is written.
fn append_parameters(parameters: Node, added: &[String], file: &FileContext) -> Edit {
    let source = file.source;
    let existing: Vec<Node> = named_children(parameters)
        .into_iter()
        .filter(|p| p.kind_name() != "comment")
        .collect();
    let Some(last) = existing.last() else {
        return Edit::insert(parameters.start_byte() + 1, added.join(", "));
    };
    let trailing_comma = source[last.end_byte()..parameters.end_byte()]
        .trim_start()
        .starts_with(',');
    let one_per_line = source[parameters.start_byte()..existing[0].start_byte()].contains('\n');
    if one_per_line {
        let indent = indentation_at(source, last.start_byte());
        let le = file.stylist.line_ending;
        let lines: Vec<String> = added.iter().map(|p| format!("{le}{indent}{p}")).collect();
        if trailing_comma {
            let comma = last.end_byte()
                + source[last.end_byte()..]
                    .find(',')
                    .expect("a trailing comma");
            Edit::insert(comma + 1, format!("{},", lines.join(",")))
        } else {
            Edit::insert(last.end_byte(), format!(",{}", lines.join(",")))
        }
    } else {
        Edit::insert(last.end_byte(), format!(", {}", added.join(", ")))
    }
}

/// The page model's name; adds its definition (once per module) after the item model's class,
/// or after the imports when the item model is imported.
fn define_page_model(
    page: &PageModel,
    additions: &mut ModuleAdditions,
    edits: &mut Vec<Edit>,
    file: &FileContext,
) -> String {
    let source = file.source;
    let item = text(page.item, source);
    let short = item.rsplit('.').next().unwrap_or(item);
    let mut name = format!("{}{}Page", short[..1].to_uppercase(), &short[1..]);
    let top_level_class = |wanted: &str| {
        named_children(file.tree.root_node()).into_iter().find(|s| {
            let class = match s.kind_name() {
                "decorated_definition" => s.field("definition"),
                _ => Some(*s),
            };
            class.is_some_and(|c| {
                c.kind_name() == "class_definition"
                    && c.field("name").map(|n| text(n, source)) == Some(wanted)
            })
        })
    };
    // A page model an earlier fix wrote (perhaps in a part of the file the tree leaves out).
    let existing = file
        .module_definitions()
        .into_iter()
        .find(|(defined, _)| *defined == name);
    if let Some((_, bytes)) = existing {
        let body = &source[bytes];
        if ["items:", "next_cursor:", "has_more:"]
            .iter()
            .all(|f| body.contains(f))
        {
            return name;
        }
    }
    if file.imports.is_bound(&name) {
        name = unique_name(file, &name);
    }
    let base = additions.member("pydantic", "BaseModel");
    let unit = &file.stylist.indent;
    let lines = [
        format!("class {name}({base}):"),
        format!("{unit}items: list[{item}]"),
        format!("{unit}next_cursor: str | None"),
        format!("{unit}has_more: bool"),
    ];
    match top_level_class(item) {
        Some(class) => {
            let le = file.stylist.line_ending;
            let end = source[class.end_byte()..]
                .find(['\r', '\n'])
                .map_or(source.len(), |i| class.end_byte() + i);
            edits.push(Edit::insert(end, format!("{le}{le}{le}{}", lines.join(le))));
        }
        // After the imports: a blank line more, two in all before a class.
        None => additions.define(&[&[String::new()][..], &lines].concat()),
    }
    name
}
