//! PO206: `len(...)` of a query's whole result, loaded only to be counted, rewritten to a count
//! query (`await Model.find(...).count()`, `select(func.count()).select_from(Model)`).

use crate::codemod::{
    contains_word, Codemod, CodemodMeta, Context, FileContext, FixAvailability, Gate, Mention,
    Scope,
};
use crate::edits::importer::ModuleAdditions;
use crate::fix::{Edit, Fix};
use crate::parse::walk_tree;
use crate::parse::NodeLookups;
use crate::semantic::models::Orm;
use crate::semantic::queries::{
    chain, is_document, is_select, method_call, selected_entity, unparenthesize, BEANIE_FINDS,
};
use crate::syntax::{text, CallArgs};
use tree_sitter::Node;

pub struct UnboundedCount;

static META: CodemodMeta = CodemodMeta {
    code: "PO206",
    name: "unbounded-count",
    summary: "Query result loaded into a list only to count it",
    fix: FixAvailability::Sometimes,
    safety: "safe",
    priority: 6,
    impact: "One number crosses the wire instead of every matching row or document, each turned into a model object; the behaviour test checks the counts stay identical (SQLAlchemy on aiosqlite, 300 rows: 8 counts took 13 ms before the fix and 6 ms after, one run).",
    requires: &["len("],
    gates: &[
        Gate {
            imports: &[],
            literals: &[".to_list("],
            shape: None,
        },
        Gate {
            imports: &["sqlalchemy", "sqlmodel"],
            literals: &[".all("],
            shape: None,
        },
    ],
    mentions: &[Mention::shape(counts_a_listing)],
    scope: Scope::AsyncFunctions,
    docs: r#"## What it does
Finds `len(...)` of a query's whole result: a Beanie document's `find(...)`, `find_many(...)`,
`find_all()` or `all()` ending in `.to_list()`, or a SQLAlchemy/SQLModel `select(Model)` (with
`where`/`filter`/`filter_by` clauses) run by `session.execute(...)`, `session.scalars(...)` or
`session.exec(...)` and read with `.all()` or `.scalars().all()`. The list may be stored in a
variable first, when the variable is used for nothing but `len(...)`. A Beanie query counts only
when its model is a project class derived from `Document`; a SQL query only when it selects one
model class (not a column, not a class of another ORM).

## Why is this slow?
Every matching document or row travels from the database, is decoded and turned into a model
object (validated, for Beanie and SQLModel), and is kept in memory until the list is counted
and dropped. A count query returns one number: the database counts (from an index when the
filter has one) and nothing else crosses the wire.

## Example
```python
@router.get("/orders/pending/count")
async def pending_orders(session: AsyncSession = Depends(get_session)):
    open_orders = len(await Order.find(Order.status == "open").to_list())
    rows = len((await session.execute(select(Item).where(Item.stock == 0))).scalars().all())
    return {"open": open_orders, "out_of_stock": rows}
```

## Use instead
```python
@router.get("/orders/pending/count")
async def pending_orders(session: AsyncSession = Depends(get_session)):
    open_orders = await Order.find(Order.status == "open").count()
    rows = await session.scalar(select(func.count()).select_from(Item).where(Item.stock == 0))
    return {"open": open_orders, "out_of_stock": rows}
```
SQLModel's `session.exec(...)` becomes `(await session.exec(select(func.count()).select_from(Hero)...)).one()`.
`func` is imported from `sqlalchemy`. A list stored in a variable used only for `len(items)`
becomes the count itself: `items = await Order.find(...).count()`, and `len(items)` becomes `items`.

## When there is no fix
The finding is reported without a fix, saying why, when the count would not be the list's
length: the query is bounded (`.limit(...)`, `.skip(...)`, `.offset(...)`, `to_list(n)`,
`limit=`/`skip=` keywords), de-duplicated or multiplied (`.distinct()`, joins, `group_by`,
`.unique()` on the result), or uses another method perfopt does not know; or the execution
passes parameters or options of its own. A list stored in a variable that is also used for
anything else is not reported at all: it has to be loaded anyway, and counting it in Python
costs nothing more.

## Fix safety
Safe: the count query has the same filter, so it counts the same documents or rows the list
held. `order_by(...)`, `.options(...)` (loader options) and `.execution_options(...)` are
dropped from the SQL count, since they change neither which rows match nor how many; Beanie's
`.sort(...)` and `.project(...)` stay and do not change the count either. The value is an `int`
as `len` gave.
"#,
};

/// SQL statement methods that narrow the rows; kept in the count.
const SQL_FILTERS: &[&str] = &["where", "filter", "filter_by"];
/// SQL statement methods that change neither which rows match nor how many; dropped.
const SQL_NEUTRAL: &[&str] = &["order_by", "options", "execution_options"];
/// Methods that bound the number of results.
const BOUNDS: &[&str] = &["limit", "skip", "offset", "slice", "fetch"];
/// SQL statement methods that de-duplicate or multiply the rows.
const RESHAPING: &[&str] = &[
    "distinct",
    "join",
    "outerjoin",
    "join_from",
    "outerjoin_from",
    "group_by",
    "having",
];

/// Whether a definition can take the `len` of a listing (`to_list()`, `.all()`).
fn counts_a_listing(text: &str) -> bool {
    contains_word(text, "len") && (contains_word(text, "to_list") || contains_word(text, "all"))
}

impl Codemod for UnboundedCount {
    fn meta(&self) -> &'static CodemodMeta {
        &META
    }

    fn node_kinds(&self) -> &'static [&'static str] {
        &["call"]
    }

    fn check(&self, call: Node<'_>, cx: &mut Context<'_>) {
        let file = cx.file;
        // An `await` outside an `async def` does not run (the parser takes it all the same).
        if file.scopes.async_function_of(call).is_none() {
            return;
        }
        let Some(argument) = len_argument(call, file) else {
            return;
        };
        let argument = unparenthesize(argument);
        let (counted, stored) = if argument.kind_name() == "identifier" {
            let Some(stored) = stored_list(argument, file) else {
                return;
            };
            // One finding per variable, at its first `len(...)`: the fix rewrites them all.
            if stored.lens.first() != Some(&call) {
                return;
            }
            let Some(counted) = counted_query(stored.value, file) else {
                return;
            };
            (counted, Some(stored))
        } else {
            let Some(counted) = counted_query(argument, file) else {
                return;
            };
            (counted, None)
        };
        let model = text(counted.model, file.source);
        let what = match counted.orm {
            Orm::Beanie => format!("every `{model}` document the query matches"),
            Orm::Sql => format!("every `{model}` row the query matches"),
        };
        let message = match &stored {
            Some(stored) => format!(
                "`{}` loads {what} only to count them with `len(...)`",
                text(stored.name, file.source)
            ),
            None => format!("`len(...)` loads {what} only to count them"),
        };
        let fix = count_fix(&counted, call, stored.as_ref(), file);
        cx.report(call, message).with_fix(fix);
    }
}

/// The argument of a call to the builtin `len` with one positional argument.
fn len_argument<'t>(call: Node<'t>, file: &FileContext) -> Option<Node<'t>> {
    let function = call.field("function")?;
    if function.kind_name() != "identifier"
        || text(function, file.source) != "len"
        || file.imports.is_bound("len")
        || file.is_local_name(function, "len")
    {
        return None;
    }
    let args = CallArgs::of(call, file.source);
    match args.positional.as_slice() {
        [argument] if args.keywords.is_empty() && !args.has_splat => Some(*argument),
        _ => None,
    }
}

/// A list bound to a name once and used only as `len(name)`.
struct StoredList<'t> {
    name: Node<'t>,
    /// The assigned list expression.
    value: Node<'t>,
    /// The `len(name)` calls, in source order.
    lens: Vec<Node<'t>>,
}

/// The one plain assignment of `name` in its function and the `len(name)` calls that are its
/// only uses; `None` when the name is a parameter, bound otherwise, or used in any other way.
fn stored_list<'t>(name: Node<'t>, file: &FileContext<'t>) -> Option<StoredList<'t>> {
    let source = file.source;
    let wanted = text(name, source);
    let function = file.scopes.function_of(name)?;
    if !file.is_local_name(name, wanted) {
        return None;
    }
    let mut assignments = Vec::new();
    let mut lens = Vec::new();
    let mut other_use = false;
    walk_tree(function, |node| {
        if node.kind_name() != "identifier" || text(node, source) != wanted {
            return;
        }
        let Some(parent) = node.parent() else { return };
        let field_of = |kind: &str, field: &str| {
            parent.kind_name() == kind && parent.field(field) == Some(node)
        };
        if field_of("attribute", "attribute") || field_of("keyword_argument", "name") {
            return;
        }
        if field_of("assignment", "left")
            && parent
                .parent()
                .is_some_and(|s| s.kind_name() == "expression_statement")
            && file.scopes.function_of(node) == Some(function)
        {
            assignments.push(parent);
            return;
        }
        let len_call = parent
            .parent()
            .filter(|call| parent.kind_name() == "argument_list" && call.kind_name() == "call");
        match len_call {
            Some(call) if len_argument(call, file) == Some(node) => lens.push(call),
            _ => other_use = true,
        }
    });
    let [assignment] = assignments.as_slice() else {
        return None;
    };
    if other_use || lens.iter().any(|l| l.start_byte() < assignment.end_byte()) {
        return None;
    }
    Some(StoredList {
        name: assignment.field("left")?,
        value: unparenthesize(assignment.field("right")?),
        lens,
    })
}

/// A query whose whole result is loaded into a list.
struct Counted<'t> {
    /// The model as written (`Order`, `models.Item`).
    model: Node<'t>,
    orm: Orm,
    /// The count query, or why there is none that gives the list's length.
    count: Result<CountQuery<'t>, String>,
}

enum CountQuery<'t> {
    /// `await <query>.count()`.
    Beanie { query: Node<'t> },
    /// `select(func.count()).select_from(Model)` with these filter steps, run on the session.
    Sql {
        session: Node<'t>,
        select: Node<'t>,
        filters: Vec<Node<'t>>,
        /// SQLModel's `exec`, which reads the count with `.one()`.
        exec: bool,
    },
}

/// The query `list` loads whole, if it is one: `await Model.find(...)...to_list()` on a project
/// document, or `.all()` on an awaited execution of `select(Model)`.
fn counted_query<'t>(list: Node<'t>, file: &FileContext) -> Option<Counted<'t>> {
    match list.kind_name() {
        "await" => beanie_count(list, file),
        "call" => sql_count(list, file),
        _ => None,
    }
}

fn beanie_count<'t>(awaited: Node<'t>, file: &FileContext) -> Option<Counted<'t>> {
    let source = file.source;
    let call = awaited.named_child(0).filter(|c| c.kind_name() == "call")?;
    let (query, method, _) = method_call(call, source)?;
    if method != "to_list" {
        return None;
    }
    let (model, steps) = chain(query, file);
    if !steps
        .last()
        .is_some_and(|(first, _)| BEANIE_FINDS.contains(first))
        || !is_document(model, file)
    {
        return None;
    }
    let mut blocker = None;
    let to_list = CallArgs::of(call, source);
    if !to_list.keywords.is_empty()
        || to_list.has_splat
        || to_list
            .positional
            .iter()
            .any(|a| text(*a, source) != "None")
    {
        blocker = Some(format!(
            "`.to_list{}` stops at a length, and a count would not",
            text(call.field("arguments")?, source)
        ));
    }
    for (method, step) in &steps {
        if BEANIE_FINDS.contains(method) {
            let args = CallArgs::of(*step, source);
            if let Some(keyword) = ["limit", "skip"].iter().find(|k| args.keyword(k).is_some()) {
                blocker.get_or_insert(format!(
                    "the query passes `{keyword}=`, which the list's length depends on"
                ));
            }
        } else if BOUNDS.contains(method) {
            blocker.get_or_insert(bounded(method));
        } else if !["sort", "project"].contains(method) {
            return None;
        }
    }
    Some(Counted {
        model,
        orm: Orm::Beanie,
        count: blocker.map_or(Ok(CountQuery::Beanie { query }), Err),
    })
}

fn bounded(method: &str) -> String {
    format!("the query is bounded by `.{method}(...)`, so the list's length is not the count of matches")
}

/// `(await s.execute(select(M)...)).scalars().all()`, `(await s.execute(...)).all()`,
/// `(await s.scalars(...)).all()` or SQLModel's `(await s.exec(...)).all()`.
fn sql_count<'t>(all_call: Node<'t>, file: &FileContext) -> Option<Counted<'t>> {
    let source = file.source;
    let (object, method, arguments) = method_call(all_call, source)?;
    if method != "all" || arguments.named_child_count() != 0 {
        return None;
    }
    let mut blocker = None;
    let object = match method_call(object, source) {
        Some((inner, "unique", args)) if args.named_child_count() == 0 => {
            blocker = Some(
                "`.unique()` drops duplicate rows, which a count of the statement would count"
                    .to_string(),
            );
            inner
        }
        _ => object,
    };
    let (holder, executors): (Node, &[&str]) = match method_call(object, source) {
        Some((inner, "scalars", args)) if args.named_child_count() == 0 => (inner, &["execute"]),
        _ => (object, &["execute", "scalars", "exec"]),
    };
    let awaited = unparenthesize(holder);
    let execution = awaited
        .named_child(0)
        .filter(|c| awaited.kind_name() == "await" && c.kind_name() == "call")?;
    let (session, executor, _) = method_call(execution, source)?;
    if !executors.contains(&executor) {
        return None;
    }
    let execution_args = CallArgs::of(execution, source);
    let statement = *execution_args.positional.first()?;
    if execution_args.positional.len() > 1
        || !execution_args.keywords.is_empty()
        || execution_args.has_splat
    {
        blocker.get_or_insert(
            "the execution passes parameters or options of its own; count by hand".to_string(),
        );
    }
    let (select, steps) = chain(statement, file);
    if select.kind_name() != "call" || !is_select(select, file) {
        return None;
    }
    let (model, _) = selected_entity(select, file)?;
    let mut filters = Vec::new();
    for (method, step) in steps.iter().rev() {
        if SQL_FILTERS.contains(method) {
            filters.push(*step);
        } else if BOUNDS.contains(method) {
            blocker.get_or_insert(bounded(method));
        } else if RESHAPING.contains(method) {
            blocker.get_or_insert(format!(
                "the query uses `.{method}(...)`, so its rows are not the rows of `{}` it filters; count by hand",
                text(model, source)
            ));
        } else if !SQL_NEUTRAL.contains(method) {
            blocker.get_or_insert(format!(
                "the query uses `.{method}(...)`, which perfopt does not know to keep the count"
            ));
        }
    }
    Some(Counted {
        model,
        orm: Orm::Sql,
        count: blocker.map_or(
            Ok(CountQuery::Sql {
                session,
                select,
                filters,
                exec: executor == "exec",
            }),
            Err,
        ),
    })
}

/// Where a method step's own text begins: right after the expression it is called on.
fn step_start(step: Node) -> usize {
    step.field("function")
        .and_then(|f| f.field("object"))
        .map_or(step.start_byte(), |object| object.end_byte())
}

fn count_fix(
    counted: &Counted,
    call: Node,
    stored: Option<&StoredList>,
    file: &FileContext,
) -> Result<Fix, String> {
    let source = file.source;
    let query = counted.count.as_ref().map_err(Clone::clone)?;
    let replaced = stored.map_or(call, |s| s.value);
    // The parts of the replaced expression that the count keeps as written.
    let kept: Vec<(usize, usize)> = match query {
        CountQuery::Beanie { query } => vec![(query.start_byte(), query.end_byte())],
        CountQuery::Sql { filters, .. } => filters
            .iter()
            .map(|step| (step_start(*step), step.end_byte()))
            .collect(),
    };
    let mut dropped_comment = false;
    walk_tree(replaced, |node| {
        dropped_comment |= node.kind_name() == "comment"
            && !kept
                .iter()
                .any(|(start, end)| *start <= node.start_byte() && node.end_byte() <= *end);
    });
    if dropped_comment {
        return Err(
            "a comment inside the expression would be lost with the parts the count drops".into(),
        );
    }
    let mut additions = ModuleAdditions::new(file);
    let count = match query {
        CountQuery::Beanie { query } => {
            let count = format!("await {}.count()", text(*query, source));
            // A chain broken over lines outside brackets needs the brackets `len(...)` gave it.
            if count.contains('\n') {
                format!("({count})")
            } else {
                count
            }
        }
        CountQuery::Sql {
            session,
            select,
            exec,
            ..
        } => {
            if file.is_local_name(call, "func") {
                return Err("the function has a local `func`, the name of SQLAlchemy's `func` the count needs".into());
            }
            let func = additions.member("sqlalchemy", "func");
            let select_function = select
                .field("function")
                .map_or("select", |f| text(f, source));
            // Each kept step as written: `.where(...)`, from the end of what it refines.
            let kept: String = kept
                .iter()
                .map(|(start, end)| &source[*start..*end])
                .collect();
            let statement = format!(
                "{select_function}({func}.count()).select_from({}){kept}",
                text(counted.model, source)
            );
            let session = text(*session, source);
            if *exec {
                format!("(await {session}.exec({statement})).one()")
            } else {
                format!("await {session}.scalar({statement})")
            }
        }
    };
    let mut edits = Vec::new();
    match stored {
        Some(stored) => {
            edits.push(Edit::replace(
                stored.value.start_byte(),
                stored.value.end_byte(),
                count,
            ));
            let name = text(stored.name, source);
            for len in &stored.lens {
                edits.push(Edit::replace(len.start_byte(), len.end_byte(), name));
            }
        }
        None => edits.push(Edit::replace(call.start_byte(), call.end_byte(), count)),
    }
    edits.extend(additions.into_edit());
    let shown = match counted.orm {
        Orm::Beanie => "`.count()`",
        Orm::Sql => "`select(func.count())`",
    };
    Ok(Fix::safe(
        format!("Count in the database with {shown} instead of loading the list"),
        edits,
    ))
}

#[cfg(test)]
mod tests {
    use crate::api::{check_source, check_whole_source};
    use crate::settings::CodemodOptions;

    #[test]
    fn an_await_in_a_plain_def_is_no_count_to_report() {
        // A syntax error to Python, which tree-sitter parses: neither check reports it.
        let source = "from beanie import Document\n\n\nclass Order(Document):\n    status: str\n\n\nasync def open_count():\n    return len(await Order.find(Order.status == \"open\").to_list())\n\n\ndef total():\n    return len(await Order.find_all().to_list())\n";
        let enabled = ["PO206"].into_iter().collect();
        let options = CodemodOptions::default();
        let rows = |found: Vec<crate::diagnostic::Diagnostic>| -> Vec<usize> {
            found.iter().map(|d| d.start).collect()
        };
        let whole = rows(check_whole_source(source, &enabled, &options));
        assert_eq!(whole.len(), 1);
        assert_eq!(rows(check_source(source, &enabled, &options)), whole);
    }
}
