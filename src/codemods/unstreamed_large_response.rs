//! PO305: an export route that loads a whole collection into a list, then returns it.

use crate::codemod::{
    Codemod, CodemodMeta, Context, FileContext, FixAvailability, Gate, Mention, Scope,
};
use crate::edits::builders::append_argument;
use crate::edits::importer::{existing_definition, unique_name, ModuleAdditions};
use crate::fix::{Edit, Fix};
use crate::parse::walk_tree;
use crate::parse::NodeLookups;
use crate::semantic::asyncness::own_body_nodes;
use crate::semantic::fastapi::{full_path, is_export_style, string_value};
use crate::semantic::project::get_route_may_list;
use crate::semantic::queries::{is_document, is_select, method_call, method_chain, BEANIE_FINDS};
use crate::settings::StreamFormat;
use crate::syntax::{ancestors_below, is_async_def, named_children, text, CallArgs};
use tree_sitter::Node;

pub struct UnstreamedLargeResponse;

static META: CodemodMeta = CodemodMeta {
    code: "PO305",
    name: "unstreamed-large-response",
    summary: "export route that builds the whole collection in memory before sending it",
    fix: FixAvailability::Sometimes,
    safety: "unsafe",
    priority: 6,
    impact: "Measured in `bench/streaming_memory.md`: a 100,000-row export peaks at 2.6 MiB of Python allocations instead of 163 MiB, and its first bytes leave after 0.07 s instead of after the whole export (2.5–5.4 s); total time about the same or somewhat longer.",
    requires: &["async", "await"],
    gates: &[Gate::imports_and(&[], &["to_list(", ".all()"])],
    mentions: &[Mention::shape(get_route_may_list)],
    scope: Scope::AsyncFunctions,
    docs: r#"## What it does
Finds export-style `GET` routes (the path, its router's prefix or the handler's name has the
word `export`, `dump`, `download`, `csv`, `backup` or `all`) that load a whole collection with no
limit and return it, as it is or through a per-item comprehension:
- Beanie: `await Product.find_all().to_list()`, `await Product.find(...).sort(...).to_list()`
  (no `.limit(...)`, no `to_list(n)`), where `Product` is a Beanie `Document` of the project;
- SQLAlchemy async: `(await session.execute(select(M))).scalars().all()`,
  `(await session.scalars(select(M))).all()`, SQLModel's `(await session.exec(select(M))).all()`,
  directly or through names (`result = await session.execute(stmt)`), where the statement is a
  `select(...)` with no `.limit(...)`.

Ordinary list endpoints are not reported here: paginating them (PO205) is their fix.

## Why is this slow?
The whole collection is in memory at once, several times over: the rows or documents, their ORM
or Pydantic objects, the encoded JSON of every element and the response body. An export grows with
the data, so its peak memory does too, until a large tenant's export takes the worker down, and the
client receives nothing until the last row has been read and encoded. Measured in
`bench/streaming_memory.md` (100,000 SQLAlchemy rows, a 7.85 MB body): 163 MiB of peak Python
allocations and 2.5–5.4 s before the first byte; after the fix 2.6 MiB and 0.07 s, the same
body, in about the same total time or somewhat more (each element is encoded by its own call).

## Example
```python
@router.get("/products/export")
async def export_products():
    return await Product.find_all().to_list()
```

## Use instead
```python
@router.get("/products/export")
async def export_products():
    return StreamingResponse(_stream_json_array(Product.find_all(), _encode_jsonable), media_type="application/json")
```
with, once per module:
```python
async def _stream_json_array(items, encode):
    # The bytes FastAPI sends for the whole list, in chunks of about 64 KiB.
    chunk, separator = bytearray(b"["), b""
    async for item in items:
        chunk += separator
        chunk += encode(item)
        separator = b","
        if len(chunk) >= 65536:
            yield bytes(chunk)
            chunk.clear()
    chunk += b"]"
    yield bytes(chunk)


def _encode_jsonable(item):
    # As FastAPI's JSONResponse encodes each element of a list: jsonable_encoder, then compact JSON.
    return json.dumps(
        jsonable_encoder(item), ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")
```
The Beanie query is iterated with `async for` instead of `.to_list()`; SQLAlchemy's `execute`
becomes `stream` and `scalars` (or SQLModel's `exec`) becomes `stream_scalars`, with
`execution_options={"yield_per": 1000}`: they read rows from a server-side cursor while the
response is sent, and `yield_per` makes the ORM build 1,000 objects at a time (without it, the
ORM still builds every object before returning the first: 116 MiB against 2.6 MiB at the peak of
the 100,000-row export in `bench/streaming_memory.md`). The body is byte for byte the one FastAPI sent: `[`, the elements
separated by `,`, `]`, each element encoded as FastAPI encodes a list's elements. One
exception: ORM objects returned without a response model are encoded by `jsonable_encoder` from
their `__dict__`, whose key order depends on the order the ORM set their attributes, which
differs between a loaded list and a stream (it already varies between runs of the unchanged
app); the JSON values are the same, the order of keys inside an object may not be. Declare a
`response_model` for byte-for-byte output.
With a `response_model` (or a return annotation) of `list[Item]`, FastAPI validates and encodes
with Pydantic instead; the fix then encodes each element with `_response_model_encoder(Item,
by_alias=True)` (a `TypeAdapter(Item)`: `validate_python(item, from_attributes=True)`, then
`dump_json` with the route's `response_model_exclude_unset/defaults/none` options), moves a
return annotation into `response_model=` (so the OpenAPI schema stays) and annotates the
handler `-> StreamingResponse`. The route's `status_code` is passed on.

## Options
`[tool.perfopt.unstreamed-large-response] format = "json-array"` (default) keeps the body
byte for byte. `format = "ndjson"` streams one JSON document per line instead
(`application/x-ndjson`, each element encoded as above), which clients can parse as it arrives,
64 KiB at a time: a new wire format, so change the clients with it.

## When there is no fix
The finding is reported without a fix, saying why, when the list is not returned as it is or
through a comprehension over it (sorted, sliced, counted, wrapped in an object, written to a
CSV), or its name is used more than once; when the query or the `return` sits in a `try` or
`with` block (the stream would outlive it); when the route sets `response_class=`,
`response_model_include/exclude`, a response model that is not a list, or the project sets a
`default_response_class`; when the handler takes a `Response` parameter (its headers and status
are not applied to a returned response); and, for SQLAlchemy, when the session is not a
parameter of the route (opened in the handler, it closes before the response streams) or comes
from `Depends(..., scope="function")`, which closes it when the handler returns (perfopt reads
`scope=` in the parameter and in an `Annotated` alias of the same module; an alias imported from
another module is taken to be request-scoped, FastAPI's default).

## Fix safety
Unsafe. The status and body are the same, but the response changes on the wire: it has no
`Content-Length` (chunked instead), and an error while streaming (a database failure, an element
that fails validation or contains NaN) can no longer become a 500: the status line has gone out,
so the client sees a truncated body instead. The query runs while the response is sent, so the
database connection (SQLAlchemy) or cursor (Beanie) stays busy for the whole transfer, and
elements added meanwhile may or may not appear. A SQLAlchemy session from a `yield` dependency
must stay open until the response is sent: FastAPI closes request-scoped dependencies after the
response since 0.118.0, but 0.106.0 to 0.117.x closed them before, which breaks the stream;
`stream`/`stream_scalars` also need a driver with server-side cursors (asyncpg, psycopg,
aiosqlite, asyncmy and aiomysql have them). SQLAlchemy still runs the query in the handler, so
a failing query is still a 500; a Beanie query runs when the response starts. A per-item
comprehension now runs as each element is sent.
"#,
};

/// How many ORM rows SQLAlchemy builds at a time while streaming.
const YIELD_PER: u32 = 1000;
/// Query methods that bound the number of results.
const BOUNDS: &[&str] = &["limit", "fetch", "slice"];
const DEPENDS: &[&str] = &[
    "fastapi.Depends",
    "fastapi.params.Depends",
    "fastapi.Security",
];
const RESPONSES: &[&str] = &[
    "fastapi.Response",
    "fastapi.responses.Response",
    "starlette.responses.Response",
];

impl Codemod for UnstreamedLargeResponse {
    fn meta(&self) -> &'static CodemodMeta {
        &META
    }

    fn node_kinds(&self) -> &'static [&'static str] {
        &["function_definition"]
    }

    fn check(&self, function: Node<'_>, cx: &mut Context<'_>) {
        let file = cx.file;
        if !is_async_def(function) {
            return;
        }
        let Some(route) = file.fastapi().route(function).filter(|r| r.method == "get") else {
            return;
        };
        let Some(name) = function.field("name") else {
            return;
        };
        let handler = text(name, file.source);
        let path = full_path(file.tree.root_node(), route, file.source);
        if !is_export_style(&path, handler) {
            return;
        }
        for node in own_body_nodes(function) {
            let load = match node.kind_name() {
                "await" => beanie_load(node, file),
                "call" => sqlalchemy_load(node, function, file),
                _ => None,
            };
            let Some(load) = load else {
                continue;
            };
            let fix = stream_fix(&load, function, file);
            cx.report(
                load.list,
                format!(
                    "export route `{handler}` loads {} into a list before sending it",
                    load.what
                ),
            )
            .with_fix(fix);
        }
    }
}

/// A query whose every result is loaded into one list.
struct Load<'t> {
    /// The expression whose value is the list (`await Product.find_all().to_list()`).
    list: Node<'t>,
    /// What is loaded, for the message: "the whole `Product` collection".
    what: String,
    /// Edits that make the query lazy: the list expression becomes an async iterable.
    lazy: Vec<Edit>,
    /// The SQLAlchemy session the rows would stream from.
    session: Option<Node<'t>>,
    /// `result = await session.execute(...)`, when the query runs in a statement of its own.
    executed: Option<Node<'t>>,
    /// Why the query cannot stream as it is written, if it cannot.
    blocker: Option<String>,
}

/// `await Model.find(...)…to_list()` on a Beanie document, with no limit.
fn beanie_load<'t>(node: Node<'t>, file: &FileContext<'t>) -> Option<Load<'t>> {
    let call = node.named_child(0).filter(|c| c.kind_name() == "call")?;
    let (query, method, arguments) = method_call(call, file.source)?;
    if method != "to_list" || !named_children(arguments).is_empty() {
        return None;
    }
    let (methods, model) = method_chain(query, file.source);
    let first = methods.last()?;
    if !BEANIE_FINDS.contains(first)
        || methods.iter().any(|m| BOUNDS.contains(m))
        || text(query, file.source).contains("$limit")
        || !is_document(model, file)
    {
        return None;
    }
    let model_name = text(model, file.source);
    let filtered = methods.iter().any(|m| matches!(*m, "find" | "find_many"));
    let what = if !filtered {
        format!("the whole `{model_name}` collection")
    } else {
        format!("every `{model_name}` document the query matches")
    };
    Some(Load {
        list: node,
        what,
        lazy: vec![Edit::replace(
            node.start_byte(),
            node.end_byte(),
            text(query, file.source),
        )],
        session: None,
        executed: None,
        blocker: None,
    })
}

/// `(await s.execute(select(M))).scalars().all()`, `(await s.scalars(select(M))).all()` or
/// SQLModel's `(await s.exec(select(M))).all()`, the awaited part possibly bound to a name first,
/// with no limit on the statement.
fn sqlalchemy_load<'t>(
    node: Node<'t>,
    function: Node<'t>,
    file: &FileContext<'t>,
) -> Option<Load<'t>> {
    let source = file.source;
    let (object, method, arguments) = method_call(node, source)?;
    if method != "all" || !named_children(arguments).is_empty() {
        return None;
    }
    // `.unique()` (joined eager loading needs it) may come before `.all()`.
    let (scalars, uniqued) = match method_call(object, source) {
        Some((inner, "unique", args)) if named_children(args).is_empty() => (inner, true),
        _ => (object, false),
    };
    let (holder, executors): (Node, &[&str]) = match method_call(scalars, source) {
        Some((inner, "scalars", args)) if named_children(args).is_empty() => (inner, &["execute"]),
        _ => (scalars, &["scalars", "exec"]),
    };
    let (awaited, executed) = match holder.kind_name() {
        "parenthesized_expression" => (holder.named_child(0)?, None),
        "identifier" => {
            let (assignment, uses) = single_binding(holder, function, file)?;
            if uses != [holder] {
                return None;
            }
            (assignment.field("right")?, assignment.parent())
        }
        _ => return None,
    };
    let call = awaited
        .named_child(0)
        .filter(|c| awaited.kind_name() == "await" && c.kind_name() == "call")?;
    let (session, executor, _) = method_call(call, source)?;
    if !executors.contains(&executor) {
        return None;
    }
    let call_args = CallArgs::of(call, source);
    let statement = call_args.positional.first().copied()?;
    let select = unbounded_select(statement, function, file)?;
    let entities = CallArgs::of(select, source).positional.len();
    if executor == "exec" && entities != 1 {
        // SQLModel's `exec` unwraps only single-entity selects; rows of tuples are not scalars.
        return None;
    }
    let method_name = call.field("function")?.field("attribute")?;
    let streaming = if executor == "execute" {
        "stream"
    } else {
        "stream_scalars"
    };
    let select_text = text(select, source);
    let what = if select_text.len() <= 40 && !select_text.contains('\n') {
        format!("every row of `{select_text}`")
    } else {
        "every row of the query".to_string()
    };
    // Without `yield_per` the ORM still builds every object before returning the first
    // (bench/streaming_memory.md: 116 MiB against 2.6 MiB for 100,000 rows).
    let q = file.stylist.quote;
    let mut lazy = vec![
        Edit::replace(method_name.start_byte(), method_name.end_byte(), streaming),
        Edit::delete(object.end_byte(), node.end_byte()),
    ];
    lazy.extend(append_argument(
        call,
        &format!("execution_options={{{q}yield_per{q}: {YIELD_PER}}}"),
    ));
    // The statement may be built over several lines of the handler: look at all of it.
    let handler = text(function, source);
    let eager_loads = handler.contains("joinedload") || handler.contains("subqueryload");
    let blocker = if call_args.keyword("execution_options").is_some() || call_args.has_splat {
        Some(
            "the call sets its own `execution_options`; add `yield_per` to them to stream"
                .to_string(),
        )
    } else if eager_loads || uniqued {
        Some("`yield_per`, which streaming ORM rows needs, does not work with joined or subquery eager loading of collections".to_string())
    } else {
        None
    };
    if object == holder && holder.kind_name() == "parenthesized_expression" {
        // `(await s.scalars(q)).all()` → `await s.stream_scalars(q)`: the parentheses only
        // served `.all()`.
        lazy.push(Edit::delete(holder.start_byte(), holder.start_byte() + 1));
        lazy.push(Edit::delete(holder.end_byte() - 1, holder.end_byte()));
    }
    Some(Load {
        list: node,
        what,
        lazy,
        session: Some(session),
        executed,
        blocker,
    })
}

/// How the route returns the list.
enum Returned<'t> {
    /// `return LIST`: `value` is the list expression or the name bound to it.
    Whole(Node<'t>),
    /// `return [EXPR for X in LIST …]`, the list being the first iterable.
    Each {
        comprehension: Node<'t>,
        for_clause: Node<'t>,
    },
}

fn returned(node: Node) -> Option<Returned> {
    let parent = node.parent()?;
    if parent.kind_name() == "return_statement" {
        return Some(Returned::Whole(node));
    }
    let comprehension = parent.parent()?;
    let first_for = named_children(comprehension)
        .into_iter()
        .find(|c| c.kind_name() == "for_in_clause");
    let returned = parent.kind_name() == "for_in_clause"
        && parent.field("right") == Some(node)
        && parent.child(0).is_some_and(|c| c.kind_name() == "for")
        && comprehension.kind_name() == "list_comprehension"
        && first_for == Some(parent)
        && comprehension
            .parent()
            .is_some_and(|p| p.kind_name() == "return_statement");
    returned.then_some(Returned::Each {
        comprehension,
        for_clause: parent,
    })
}

/// The fix that streams the list, or why there is none.
fn stream_fix(load: &Load, function: Node, file: &FileContext) -> Result<Fix, String> {
    let source = file.source;
    if let Some(blocker) = &load.blocker {
        return Err(blocker.clone());
    }
    let (consumer, binding) = match load.list.parent() {
        Some(assignment)
            if assignment.kind_name() == "assignment"
                && assignment.field("right") == Some(load.list) =>
        {
            let target = assignment
                .field("left")
                .filter(|l| l.kind_name() == "identifier")
                .ok_or("the list is unpacked into several names")?;
            let name = text(target, source);
            if assignment.field("type").is_some() {
                return Err(format!("`{name}` is annotated as a list"));
            }
            let (_, uses) = single_binding(target, function, file)
                .ok_or(format!("`{name}` is bound more than once"))?;
            match uses.as_slice() {
                [one] if one.start_byte() > assignment.end_byte() => (*one, assignment.parent()),
                [] => return Err(format!("`{name}` is never returned")),
                [_] => return Err(format!("`{name}` is used before it is bound")),
                _ => {
                    return Err(format!(
                        "`{name}` is used more than once, and a stream can be read only once"
                    ))
                }
            }
        }
        _ => (load.list, None),
    };
    let returned = returned(consumer).ok_or_else(|| {
        let statement = crate::syntax::enclosing_statement(consumer).unwrap_or(consumer);
        format!(
            "the list is used in `{}`, which needs it whole: only the list itself or a comprehension over it can stream",
            snippet(text(statement, source))
        )
    })?;
    let return_statement = match returned {
        Returned::Whole(value) => value.parent(),
        Returned::Each { comprehension, .. } => comprehension.parent(),
    }
    .ok_or("no return statement")?;
    for node in [
        Some(load.list),
        load.executed,
        binding,
        Some(return_statement),
    ]
    .into_iter()
    .flatten()
    {
        if let Some(block) = ancestors_below(function, node)
            .into_iter()
            .find(|a| matches!(a.kind_name(), "try_statement" | "with_statement"))
        {
            let kind = if block.kind_name() == "try_statement" {
                "try"
            } else {
                "with"
            };
            return Err(format!(
                "the query or the `return` sits in a `{kind}` block, which the stream would outlive"
            ));
        }
    }
    if let Some(parameter) = response_parameter(function, file) {
        return Err(format!(
            "the handler takes `{parameter}: Response`, whose headers and status FastAPI does not apply to a returned response"
        ));
    }
    if let Some(session) = load.session {
        session_stays_open(session, function, file)?;
    }
    let decorators = route_decorators(function, file);
    let [decorator] = decorators.as_slice() else {
        return Err("several route decorators register the handler".into());
    };
    let route_call = decorator
        .named_child(0)
        .filter(|c| c.kind_name() == "call")
        .ok_or("the route decorator is not a call")?;
    let route_args = CallArgs::of(route_call, source);
    let encoding = encoding(&route_args, function, file)?;

    let mut additions = ModuleAdditions::new(file);
    let streaming_response = streaming_response(file, &mut additions);
    let format = file.options.streaming.format;
    let stream = stream_helper(format, file, &mut additions);
    let encoder = match &encoding {
        Encoding::Jsonable => jsonable_encoder_helper(file, &mut additions),
        Encoding::Model { item, options } => format!(
            "{}({item}, {})",
            model_encoder_helper(file, &mut additions),
            options.join(", ")
        ),
    };
    let q = file.stylist.quote;
    let media_type = match format {
        StreamFormat::JsonArray => "application/json",
        StreamFormat::Ndjson => "application/x-ndjson",
    };
    let status = route_args
        .keyword("status_code")
        .map(|s| format!(", status_code={}", text(s, source)))
        .unwrap_or_default();

    let mut edits = load.lazy.clone();
    let value = match returned {
        Returned::Whole(value) => value,
        Returned::Each {
            comprehension,
            for_clause,
        } => {
            edits.push(Edit::replace(
                comprehension.start_byte(),
                comprehension.start_byte() + 1,
                "(",
            ));
            edits.push(Edit::insert(for_clause.start_byte(), "async "));
            edits.push(Edit::replace(
                comprehension.end_byte() - 1,
                comprehension.end_byte(),
                ")",
            ));
            comprehension
        }
    };
    let (inside, mut edits): (Vec<Edit>, Vec<Edit>) = edits
        .into_iter()
        .partition(|e| value.start_byte() <= e.start && e.end <= value.end_byte());
    let items = render(value, source, inside);
    edits.push(Edit::replace(
        value.start_byte(),
        value.end_byte(),
        format!(
            "{streaming_response}({stream}({items}, {encoder}), media_type={q}{media_type}{q}{status})"
        ),
    ));
    if let Some(annotation) = function.field("return_type") {
        edits.push(Edit::replace(
            annotation.start_byte(),
            annotation.end_byte(),
            streaming_response.clone(),
        ));
        if route_args.keyword("response_model").is_none() {
            edits.extend(append_argument(
                route_call,
                &format!("response_model={}", text(annotation, source)),
            ));
        }
    }
    edits.extend(additions.into_edit());
    let title = match format {
        StreamFormat::JsonArray => "Stream the same JSON array with `StreamingResponse`",
        StreamFormat::Ndjson => {
            "Stream it as NDJSON (one JSON document per line) with `StreamingResponse`"
        }
    };
    Ok(Fix::unsafe_edits(title, edits))
}

/// How FastAPI encodes the route's list.
enum Encoding {
    /// No response model: `jsonable_encoder`, then `JSONResponse`'s compact `json.dumps`.
    Jsonable,
    /// A `list[item]` response model: Pydantic validates and dumps with these options.
    Model { item: String, options: Vec<String> },
}

fn encoding(route: &CallArgs, function: Node, file: &FileContext) -> Result<Encoding, String> {
    let source = file.source;
    if route.has_splat {
        return Err("the route decorator takes `*args` or `**kwargs`".into());
    }
    if route.keyword("response_class").is_some() {
        return Err("the route sets `response_class=`; the fix reproduces FastAPI's default JSON encoding only".into());
    }
    if file.project.sets_default_response_class() {
        return Err("the project sets a `default_response_class`; the fix reproduces FastAPI's default JSON encoding only".into());
    }
    for keyword in ["response_model_include", "response_model_exclude"] {
        if route.keyword(keyword).is_some() {
            return Err(format!(
                "`{keyword}` applies to the whole list, which the stream never builds"
            ));
        }
    }
    let model = match route.keyword("response_model") {
        Some(model) if text(model, source) == "None" => return Ok(Encoding::Jsonable),
        Some(model) => model,
        None => match function.field("return_type") {
            Some(annotation) => annotation,
            None => return Ok(Encoding::Jsonable),
        },
    };
    let item = list_item_type(model, function, file).ok_or_else(|| {
        format!(
            "the response model `{}` is not a `list[...]` the fix can encode element by element",
            snippet(text(model, source))
        )
    })?;
    let mut options = vec![format!(
        "by_alias={}",
        route
            .keyword("response_model_by_alias")
            .map_or("True", |v| text(v, source))
    )];
    for option in ["exclude_unset", "exclude_defaults", "exclude_none"] {
        if let Some(value) = route.keyword(&format!("response_model_{option}")) {
            options.push(format!("{option}={}", text(value, source)));
        }
    }
    Ok(Encoding::Model {
        item: text(item, source).to_string(),
        options,
    })
}

/// `Item` in `list[Item]`, `List[Item]` or `Sequence[Item]`, when the handler can name it at
/// run time as the module did (no string forward reference, no local shadowing it).
fn list_item_type<'t>(
    model: Node<'t>,
    function: Node<'t>,
    file: &FileContext<'t>,
) -> Option<Node<'t>> {
    // A return annotation is a `type` node around the expression; `list[X]` there is a `generic_type`.
    let model = match model.kind_name() {
        "type" => model.named_child(0)?,
        _ => model,
    };
    let (base, items) = match model.kind_name() {
        "subscript" => {
            let mut cursor = model.walk();
            let items: Vec<Node> = model
                .children_by_field_name("subscript", &mut cursor)
                .collect();
            (model.field("value")?, items)
        }
        "generic_type" => {
            let parameters = model
                .named_child(1)
                .filter(|p| p.kind_name() == "type_parameter")?;
            (model.named_child(0)?, named_children(parameters))
        }
        _ => return None,
    };
    let [item] = items.as_slice() else {
        return None;
    };
    let base_name = text(base, file.source);
    let is_list = match file.qualified_name(base) {
        Some(qualified) => matches!(
            qualified.as_str(),
            "typing.List" | "typing.Sequence" | "collections.abc.Sequence"
        ),
        None => base_name == "list" && !file.imports.is_bound("list"),
    };
    let body = function.field("body")?;
    let mut plain = true;
    walk_tree(*item, |n| {
        plain &= n.kind_name() != "string"
            && !(n.kind_name() == "identifier" && file.is_local_name(body, text(n, file.source)));
    });
    (is_list && plain).then_some(*item)
}

/// Why the session might be closed before the response streams, if it might.
fn session_stays_open(session: Node, function: Node, file: &FileContext) -> Result<(), String> {
    let source = file.source;
    let name = text(session, source);
    let parameter = (session.kind_name() == "identifier")
        .then(|| parameter_named(function, name, source))
        .flatten()
        .ok_or_else(|| {
            format!("`{name}` is not a parameter of the route: opened in the handler, it closes when the handler returns, before the response streams")
        })?;
    let mut declarations = vec![parameter];
    // `session: SessionDep` with `SessionDep = Annotated[AsyncSession, Depends(...)]` here.
    if let Some(alias) = annotation(parameter).filter(|a| a.kind_name() == "identifier") {
        declarations.extend(module_assignment(text(alias, source), file));
    }
    let mut function_scoped = false;
    for declaration in declarations {
        walk_tree(declaration, |node| {
            if node.kind_name() != "call"
                || !file
                    .callee(node)
                    .is_some_and(|q| DEPENDS.contains(&q.as_str()))
            {
                return;
            }
            function_scoped |= CallArgs::of(node, source)
                .keyword("scope")
                .and_then(|s| string_value(s, source))
                .is_some_and(|s| s == "function");
        });
    }
    if function_scoped {
        return Err(format!("`{name}` comes from `Depends(..., scope=\"function\")`, which closes it when the handler returns, before the response streams"));
    }
    Ok(())
}

/// The parameter node that binds `name`.
fn parameter_named<'t>(function: Node<'t>, name: &str, source: &str) -> Option<Node<'t>> {
    let parameters = function.field("parameters")?;
    named_children(parameters)
        .into_iter()
        .find(|p| parameter_name(*p).is_some_and(|b| text(b, source) == name))
}

/// The name a parameter binds.
fn parameter_name(parameter: Node) -> Option<Node> {
    match parameter.kind_name() {
        "identifier" => Some(parameter),
        "typed_parameter" => parameter
            .named_child(0)
            .filter(|n| n.kind_name() == "identifier"),
        "default_parameter" | "typed_default_parameter" => parameter.field("name"),
        _ => None,
    }
}

/// A parameter's annotation expression (inside its `type` node).
fn annotation(parameter: Node) -> Option<Node> {
    parameter.field("type")?.named_child(0)
}

/// The module-level assignment statement `name = …`.
fn module_assignment<'t>(name: &str, file: &FileContext<'t>) -> Option<Node<'t>> {
    named_children(file.tree.root_node())
        .into_iter()
        .find(|statement| {
            statement.kind_name() == "expression_statement"
                && statement
                    .named_child(0)
                    .filter(|a| a.kind_name() == "assignment")
                    .and_then(|a| a.field("left"))
                    .is_some_and(|l| text(l, file.source) == name)
        })
}

/// The name of a parameter annotated `Response`: headers or a status set on it are lost when
/// the handler returns a response of its own.
fn response_parameter<'t>(function: Node<'t>, file: &FileContext<'t>) -> Option<&'t str> {
    let parameters = function.field("parameters")?;
    named_children(parameters).into_iter().find_map(|p| {
        let qualified = file.qualified_name(annotation(p)?)?;
        RESPONSES
            .contains(&qualified.as_str())
            .then(|| text(parameter_name(p).unwrap_or(p), file.source))
    })
}

/// The decorators that register the handler as a route.
fn route_decorators<'t>(function: Node<'t>, file: &FileContext<'t>) -> Vec<Node<'t>> {
    function
        .parent()
        .filter(|p| p.kind_name() == "decorated_definition")
        .map(named_children)
        .unwrap_or_default()
        .into_iter()
        .filter(|d| d.kind_name() == "decorator" && file.fastapi().is_route_decorator(*d))
        .collect()
}

/// The one plain assignment `name = …` (a statement of its own) that binds `name` in the
/// function, and the other places the name appears there, in order; `None` when the name is a
/// parameter or bound by that statement more than once.
fn single_binding<'t>(
    name_node: Node<'t>,
    function: Node<'t>,
    file: &FileContext<'t>,
) -> Option<(Node<'t>, Vec<Node<'t>>)> {
    let source = file.source;
    let name = text(name_node, source);
    if parameter_named(function, name, source).is_some() {
        return None;
    }
    let mut bindings = Vec::new();
    let mut uses = Vec::new();
    walk_tree(function.field("body")?, |node| {
        if node.kind_name() != "identifier" || text(node, source) != name {
            return;
        }
        let parent = node.parent();
        let field_of = |kind: &str, field: &str| {
            parent.is_some_and(|p| p.kind_name() == kind && p.field(field) == Some(node))
        };
        if field_of("attribute", "attribute") || field_of("keyword_argument", "name") {
            return;
        }
        if field_of("assignment", "left") {
            bindings.push(parent.expect("checked"));
        } else {
            uses.push(node);
        }
    });
    let [assignment] = bindings.as_slice() else {
        return None;
    };
    assignment
        .parent()
        .is_some_and(|p| p.kind_name() == "expression_statement")
        .then_some((*assignment, uses))
}

/// The `select(...)` at the root of a statement with no bound on its rows, following a local
/// name whose every assignment refines it (`stmt = stmt.where(...)`).
fn unbounded_select<'t>(
    statement: Node<'t>,
    function: Node<'t>,
    file: &FileContext<'t>,
) -> Option<Node<'t>> {
    let is_select = |call: Node| is_select(call, file);
    let unbounded_root = |expr: Node<'t>| {
        let (methods, root) = method_chain(expr, file.source);
        (!methods.iter().any(|m| BOUNDS.contains(m))).then_some(root)
    };
    if statement.kind_name() != "identifier" {
        return unbounded_root(statement)
            .filter(|root| root.kind_name() == "call" && is_select(*root));
    }
    let name = text(statement, file.source);
    let mut select = None;
    let mut refinable = true;
    for node in own_body_nodes(function) {
        let assigns_name = node.kind_name() == "assignment"
            && node
                .field("left")
                .is_some_and(|l| l.kind_name() == "identifier" && text(l, file.source) == name);
        if !assigns_name {
            continue;
        }
        let root = node.field("right").and_then(&unbounded_root);
        match root {
            Some(root) if root.kind_name() == "call" && is_select(root) => {
                select.get_or_insert(root);
            }
            Some(root) if root.kind_name() == "identifier" && text(root, file.source) == name => {}
            _ => refinable = false,
        }
    }
    select.filter(|_| refinable)
}

/// `node`'s text with the edits that lie inside it applied.
fn render(node: Node, source: &str, mut edits: Vec<Edit>) -> String {
    edits.sort();
    let mut out = String::new();
    let mut at = node.start_byte();
    for edit in edits {
        out.push_str(&source[at..edit.start]);
        out.push_str(&edit.content);
        at = edit.end;
    }
    out.push_str(&source[at..node.end_byte()]);
    out
}

/// The first line of some code, shortened for a message.
fn snippet(code: &str) -> String {
    let line = code.lines().next().unwrap_or_default().trim();
    if line.chars().count() > 60 || code.contains('\n') {
        format!("{}…", line.chars().take(57).collect::<String>())
    } else {
        line.to_string()
    }
}

/// How the file names `StreamingResponse`: an existing import from FastAPI or Starlette, else a new one.
fn streaming_response(file: &FileContext, additions: &mut ModuleAdditions) -> String {
    file.imports
        .access_path("starlette.responses.StreamingResponse")
        .unwrap_or_else(|| additions.member("fastapi.responses", "StreamingResponse"))
}

/// The module's helper that frames encoded elements as the configured body: reused, else defined.
fn stream_helper(
    format: StreamFormat,
    file: &FileContext,
    additions: &mut ModuleAdditions,
) -> String {
    let q = file.stylist.quote;
    let i = &file.stylist.indent;
    let (base, marker) = match format {
        StreamFormat::JsonArray => ("_stream_json_array", "chunk += separator"),
        StreamFormat::Ndjson => ("_stream_ndjson", "chunk += encode(item)"),
    };
    if let Some(name) = existing_definition(file, base, marker) {
        return name;
    }
    let name = unique_name(file, base);
    // Elements are gathered into chunks of about 64 KiB: one write (and one chunk header of the
    // chunked transfer encoding) per chunk rather than per element.
    let flush = [
        format!("{i}{i}if len(chunk) >= 65536:"),
        format!("{i}{i}{i}yield bytes(chunk)"),
        format!("{i}{i}{i}chunk.clear()"),
    ];
    let body = match format {
        StreamFormat::JsonArray => [
            vec![
                format!(
                    "{i}# The bytes FastAPI sends for the whole list, in chunks of about 64 KiB."
                ),
                format!("{i}chunk, separator = bytearray(b{q}[{q}), b{q}{q}"),
                format!("{i}async for item in items:"),
                format!("{i}{i}chunk += separator"),
                format!("{i}{i}chunk += encode(item)"),
                format!("{i}{i}separator = b{q},{q}"),
            ],
            flush.to_vec(),
            vec![
                format!("{i}chunk += b{q}]{q}"),
                format!("{i}yield bytes(chunk)"),
            ],
        ]
        .concat(),
        StreamFormat::Ndjson => [
            vec![
                format!("{i}# One JSON document per line, in chunks of about 64 KiB."),
                format!("{i}chunk = bytearray()"),
                format!("{i}async for item in items:"),
                format!("{i}{i}chunk += encode(item)"),
                format!("{i}{i}chunk += b{q}\\n{q}"),
            ],
            flush.to_vec(),
            vec![format!("{i}if chunk:"), format!("{i}{i}yield bytes(chunk)")],
        ]
        .concat(),
    };
    let mut lines = vec![String::new(), format!("async def {name}(items, encode):")];
    lines.extend(body);
    additions.define(&lines);
    name
}

/// The module's encoder of one element as FastAPI's `JSONResponse` encodes a list's elements.
fn jsonable_encoder_helper(file: &FileContext, additions: &mut ModuleAdditions) -> String {
    if let Some(name) = existing_definition(file, "_encode_jsonable", "jsonable_encoder(item)") {
        return name;
    }
    let name = unique_name(file, "_encode_jsonable");
    let json = additions.module("json");
    let jsonable_encoder = additions.member("fastapi.encoders", "jsonable_encoder");
    let q = file.stylist.quote;
    let i = &file.stylist.indent;
    additions.define(&[
        String::new(),
        format!("def {name}(item):"),
        format!("{i}# As FastAPI's JSONResponse encodes each element of a list: jsonable_encoder, then compact JSON."),
        format!("{i}return {json}.dumps("),
        format!("{i}{i}{jsonable_encoder}(item), ensure_ascii=False, allow_nan=False, indent=None, separators=({q},{q}, {q}:{q})"),
        format!("{i}).encode({q}utf-8{q})"),
    ]);
    name
}

/// The module's factory of encoders for a `list[item_type]` response model.
fn model_encoder_helper(file: &FileContext, additions: &mut ModuleAdditions) -> String {
    if let Some(name) = existing_definition(
        file,
        "_response_model_encoder",
        "validate_python(item, from_attributes=True)",
    ) {
        return name;
    }
    let name = unique_name(file, "_response_model_encoder");
    let type_adapter = additions.member("pydantic", "TypeAdapter");
    let i = &file.stylist.indent;
    additions.define(&[
        String::new(),
        format!("def {name}(item_type, **dump_options):"),
        format!("{i}# As FastAPI validates and encodes each element of a `list[item_type]` response model."),
        format!("{i}adapter = {type_adapter}(item_type)"),
        format!("{i}return lambda item: adapter.dump_json(adapter.validate_python(item, from_attributes=True), **dump_options)"),
    ]);
    name
}

#[cfg(test)]
mod tests {
    use crate::api::{check_source, fix_source};
    use crate::fix::Applicability;
    use crate::settings::{CodemodOptions, StreamFormat};
    use std::collections::BTreeSet;

    #[test]
    fn ndjson_streams_one_document_per_line() {
        let source = "from beanie import Document\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\nclass Product(Document):\n    name: str\n\n\n@app.get(\"/products/export\")\nasync def export_products():\n    return await Product.find_all().to_list()\n";
        let enabled: BTreeSet<&'static str> = ["PO305"].into();
        let mut options = CodemodOptions::default();
        options.streaming.format = StreamFormat::Ndjson;
        assert_eq!(check_source(source, &enabled, &options).len(), 1);
        let fixed = fix_source(source, &enabled, &options, Applicability::Unsafe).unwrap();
        assert!(
            fixed.text.contains("return StreamingResponse(_stream_ndjson(Product.find_all(), _encode_jsonable), media_type=\"application/x-ndjson\")"),
            "{}",
            fixed.text
        );
        assert!(
            fixed.text.contains("        chunk += b\"\\n\"\n"),
            "{}",
            fixed.text
        );
        let again = fix_source(&fixed.text, &enabled, &options, Applicability::Unsafe).unwrap();
        assert_eq!(again.text, fixed.text);
    }
}
