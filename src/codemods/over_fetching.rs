//! PO203: whole documents or rows loaded when only some of their fields are read. Beanie queries
//! gain `.project(View)` with a projection model defined next to the document (by a second
//! finding, in the model's file); SQL `select(Model)` gains `.options(load_only(...))`.

use crate::codemod::{
    Codemod, CodemodMeta, Context, FileContext, FixAvailability, Gate, Mention, Scope,
};
use crate::edits::importer::ModuleAdditions;
use crate::fix::{Edit, Fix};
use crate::outline::{Kind, Outline};
use crate::parse::NodeLookups;
use crate::semantic::field_reads::{field_reads, model_name, LoadQuery};
use crate::semantic::imports::ImportBinding;
use crate::semantic::models::{may_declare_models, ClassFacts, Orm};
use crate::semantic::project::{same_object, ProjectIndex};
use crate::syntax::{named_children, parameter_names, text, CallArgs};
use std::collections::{BTreeMap, BTreeSet};
use tree_sitter::Node;

pub struct OverFetching;

static META: CodemodMeta = CodemodMeta {
    code: "PO203",
    name: "over-fetching",
    summary: "Whole documents or rows loaded when only some of their fields are read",
    fix: FixAvailability::Sometimes,
    safety: "unsafe",
    priority: 6,
    impact: "Only the fields the code reads leave the database and are decoded: loading 10,000 rows or documents of 20 fields to read 2 (bench/over_fetching.md, one run) moved 32x fewer bytes with `load_only` on aiosqlite (246 ms to 197 ms) and 18x fewer with a Beanie projection on mongomock-motor (496 ms to 249 ms). The behaviour test checks each report route answers the same JSON from narrower SELECTs and `find` projections.",
    requires: &[],
    gates: &[
        // Beanie queries, loaded with `to_list()` or iterated by `async for`.
        Gate {
            imports: &[],
            literals: &[".find(", ".find_all(", ".find_many(", ".all("],
            shape: Some(loads_or_iterates),
        },
        Gate::imports_and(&["sqlalchemy", "sqlmodel"], &["select("]),
        // The document classes the projection models are defined next to: those the project
        // index reads.
        Gate {
            imports: &[],
            literals: &[],
            shape: Some(may_declare_models),
        },
    ],
    // Queries in functions; the document classes that queries of the project project.
    mentions: &[
        // A query names its model (PO203 follows no variable that holds a model class).
        Mention::models().only_where(may_load),
        Mention::project_names(ProjectIndex::projected_models_in),
    ],
    scope: Scope::Module,
    docs: r#"## What it does
Finds queries whose documents or rows are only read field by field: every use of what the query
loads, in the function that runs it, is an attribute read of a model field (`u.name`) inside a
`for` loop or a comprehension over the results (in f-strings, dict literals, arithmetic, …).
The results may be stored in a variable first, used for nothing but those loops, `len(...)` and
truth tests. The queries are a Beanie document's `find(...)`, `find_many(...)`, `find_all()` or
`all()` (with `sort`/`skip`/`limit`) ending in `.to_list()` or `.to_list(n)` or iterated by
`async for`, and a SQLAlchemy/SQLModel `select(Model)` (with `where`/`filter`/`filter_by`/`order_by`/`limit`/
`offset`) read as objects: `session.scalars(...)`, `(await session.execute(...)).scalars()`,
SQLModel's `session.exec(...)`, with or without `.all()`. Only classes the project declares as
models count: a DataFrame's `to_list()` or BeautifulSoup's `find_all()` name no model.

No finding when the objects escape or are needed whole: passed to a function, returned, stored,
yielded, kept after the loop, unpacked (`for i, u in enumerate(users)`), written to
(`u.name = ...`), or when a method (`u.save()`, `u.model_dump()`) or an attribute that is not a
declared field (a property, `u.revision_id`) is read on them: the whole document is needed then.

In the model's file, a second finding on the document class defines the projection models the
queries of the project use (once per set of fields, however many queries share it).

## Why is this slow?
A query without a projection sends every field of every matching document or row over the
wire, and the driver decodes all of them; Beanie then validates each document with Pydantic,
SQLAlchemy builds each object with all its attributes. Wide documents (descriptions, addresses,
nested lists) cost that for every field the endpoint never reads. Measured here
(bench/over_fetching.md, one run): loading 10,000 rows or documents of 20 fields and reading 2,
`load_only` moved 32x fewer bytes from SQLite and took 197 ms instead of 246 ms (SQLAlchemy
still builds an object per row); a Beanie projection moved 18x fewer bytes from
mongomock-motor and took 249 ms instead of 496 ms (Pydantic validates 2 fields, not 20). Over a
network the bytes are transfer time too.

## Example
```python
@router.get("/users/names")
async def user_names():
    return [u.name for u in await User.find_all().to_list()]

@router.get("/orders/totals")
async def totals(session: AsyncSession = Depends(get_session)):
    orders = (await session.execute(select(Order).where(Order.paid))).scalars().all()
    return {"total": sum(o.amount for o in orders), "count": len(orders)}
```

## Use instead
```python
class UserName(BaseModel):  # next to `User`, in the model's file
    name: str

@router.get("/users/names")
async def user_names():
    return [u.name for u in await User.find_all().project(UserName).to_list()]

@router.get("/orders/totals")
async def totals(session: AsyncSession = Depends(get_session)):
    orders = (
        await session.execute(select(Order).options(load_only(Order.amount)).where(Order.paid))
    ).scalars().all()
    return {"total": sum(o.amount for o in orders), "count": len(orders)}
```
The projection model is named after the document and the fields in their declaration order
(`UserNameEmail`), and reused when the model's file already has it with the same fields. Its
fields copy the document's annotations and defaults (`Optional[...]`, `= None`,
`Field(default_factory=list)`), so documents missing a field validate as before; `Indexed(T)`
becomes `T`. Reading `id` projects it as `id: PydanticObjectId = Field(alias="_id")` (or the
document's own id type), since a projection is a plain Pydantic model, not a document.

SQL queries keep returning ORM objects: `load_only(...)` rather than `select(Model.a, Model.b)`,
whose `Row`s differ by shape (`session.scalars(select(Model.a))` and SQLModel's `exec` give plain
values for one column, tuples for several; rows cannot be written or refreshed). The primary
key is always loaded as well.

## When there is no fix
The Beanie finding is reported without a fix when a field read is a `Link`, is declared in a
parent class of another module (its type's imports are not in the model's file) or without an
annotation, when the document sets `model_config` or a `class Config` (an `alias_generator` or
other settings the projection model would need as well), when the class declaring a field read
binds other names in its body (a nested `Enum`, `DEFAULT_QUEUE = "support"`: the copied
declarations may name them, and outside the class they are undefined), or when the model's
module already has a class of the projection's name with other fields or field types (an API
schema) or binds that name otherwise (an import, a type alias). The projection model is
defined by the finding on the document class, in the model's file; the query's fix imports it
from there (inside the function when the function imports the document itself, as code
breaking an import cycle does), so both files must be fixed in the same run (`perfopt fix`
computes both from one project index; a route file checked alone finds no model, so no
query). When PO203 is suppressed on the document's class line (`# noqa`) or in
its file (`per-file-ignores`), that finding is dropped, so the queries get no fix either.
The SQL finding needs every attribute read to be a column (`load_only` refuses a
relationship, an `association_proxy`, a `ClassVar`; a `column_property` is fine), and has no fix
when the function uses the session after the query in a way that can get the same rows again:
passes it to a call (`save_settings(updates, db=db)`) or calls it with the model
(`db.get(Setting, key)`); those rows would come from the identity map with only some columns
loaded. Neither has an async query on a session the function does not own (a helper's
`session` parameter, `self.session`): its caller may get the same rows from it afterwards. A
route's session (`Depends(get_session)`, one per request) and one the function opens itself
are its own.

## Fix safety
Unsafe. The projection model is not the document: it runs none of the document's validators,
computed fields, `model_config` (an `alias_generator` there changes the stored names) or
`Settings`, so the values read can differ where those changed them. `load_only` leaves the other
columns unloaded on objects the session keeps in its identity map: code that later gets the same
object from the same session and reads another column triggers a lazy load, which raises
`MissingGreenlet` under asyncio. The function's own later uses of the session and where an async
session comes from are checked (see above); a relationship of another object leading to the
same row, the caller of a sync helper using its session again (the lazy loads then cost a
query per row, and raise nothing), `@reconstructor` and `load` event hooks that read other
columns are not. A query whose results escape the function is never
reported: the code receiving them may need any field. `perfopt fix --interactive` lets you
take a query's fix and refuse its document's: then the import of the projection model fails;
take both or neither.
"#,
};

/// Whether a file loads a query with `to_list()` or iterates one with `async for`.
fn loads_or_iterates(source: &str) -> bool {
    source.contains(".to_list(") || source.contains("async for")
}

/// The functions worth parsing for queries: those that load with `to_list()`, `async for` or a
/// `select(`.
fn may_load(statement: &str) -> bool {
    ["to_list", "async for", "select("]
        .iter()
        .any(|needle| crate::source::contains_literal(statement, needle))
}

impl Codemod for OverFetching {
    fn meta(&self) -> &'static CodemodMeta {
        &META
    }

    fn node_kinds(&self) -> &'static [&'static str] {
        &["function_definition", "class_definition"]
    }

    fn check(&self, node: Node<'_>, cx: &mut Context<'_>) {
        match node.kind_name() {
            "function_definition" => check_queries(node, cx),
            _ => define_projections(node, cx),
        }
    }
}

/// Reports the queries of `function` whose objects are read only in part.
fn check_queries(function: Node, cx: &mut Context) {
    let file = cx.file;
    for reads in field_reads(function, file.source, &file.imports) {
        let model_text = text(reads.model, file.source);
        if file.is_local_name(reads.model, model_text) {
            continue;
        }
        let qualified = model_name(reads.model, file.source, &file.imports, file.module);
        let Some(model) = file.project.orm_model(&qualified) else {
            continue;
        };
        let read: Vec<&str> = reads.fields.iter().map(String::as_str).collect();
        match (reads.query, model.orm) {
            (LoadQuery::Beanie { chain }, Orm::Beanie) => {
                let Some(view) = projection(file.project, &qualified, &read) else {
                    continue;
                };
                let message = format!(
                    "Whole `{model_text}` documents are loaded but only {} read",
                    listed(&read)
                );
                let fix = view.and_then(|view| beanie_fix(chain, &view, &qualified, file));
                cx.report(chain, message).with_fix(fix);
            }
            (LoadQuery::Sql { select, session }, Orm::Sql) => {
                let Some(columns) = sql_columns(file.project, &qualified, &read) else {
                    continue;
                };
                let message = format!(
                    "Whole `{model_text}` rows are loaded but only {} read",
                    listed(&read)
                );
                let lazy_load = "it may give the same rows again, from its identity map with only those columns loaded, and code reading another column then loads it lazily";
                let fix = if let Some(reuse) =
                    session_reused(function, session, select, model_text, file)
                {
                    Err(format!(
                        "the session is used after the query ({reuse}): {lazy_load} (`MissingGreenlet` under asyncio)"
                    ))
                } else if is_awaited(select) && !owns_session(function, session, file) {
                    Err(format!(
                        "the async session `{}` comes from the caller, which may use it afterwards: {lazy_load}, which raises `MissingGreenlet`",
                        text(session, file.source)
                    ))
                } else {
                    Ok(sql_fix(select, model_text, &columns, file))
                };
                cx.report(select, message).with_fix(fix);
            }
            _ => {}
        }
    }
}

/// `` `name` is`` / `` `name`, `email` are``.
fn listed(fields: &[&str]) -> String {
    let names: Vec<String> = fields.iter().map(|f| format!("`{f}`")).collect();
    match names.len() {
        1 => format!("{} is", names[0]),
        _ => format!("{} are", names.join(", ")),
    }
}

/// A projection model of a document: its name, the module that defines the document and the
/// fields, in declaration order.
struct View {
    name: String,
    module: String,
    fields: Vec<String>,
    /// The model's module has it already (as the project index saw it before any fix).
    exists: bool,
}

/// The fields of a model's lineage, base classes first (Pydantic's order), with their class.
fn declared_fields<'p>(
    project: &'p ProjectIndex,
    qualified: &str,
) -> Vec<(&'p str, &'p ClassFacts)> {
    let mut fields: Vec<(&str, &ClassFacts)> = Vec::new();
    for class in project.class_lineage(qualified).into_iter().rev() {
        for field in &class.fields {
            fields.retain(|(f, _)| f != field);
            fields.push((field, class));
        }
    }
    fields
}

/// The projection model of document `qualified` for the fields `read`: `None` when one of them
/// is not a declared field (a property, a method: the document is needed whole), an error when
/// it cannot be written from the document's declarations.
fn projection(
    project: &ProjectIndex,
    qualified: &str,
    read: &[&str],
) -> Option<Result<View, String>> {
    let declared = declared_fields(project, qualified);
    let known = |f: &&str| *f == "id" || declared.iter().any(|(d, _)| d == f);
    if !read.iter().all(known) {
        return None;
    }
    let (module, class_name) = qualified.rsplit_once('.')?;
    if declared.iter().any(|(f, _)| *f == "model_config") {
        return Some(Err(
            "the document sets `model_config` (or `class Config`), which the projection model would need too: write it by hand".into(),
        ));
    }
    let mut fields: Vec<String> = read
        .iter()
        .filter(|f| **f == "id")
        .map(|f| f.to_string())
        .collect();
    for (field, class) in &declared {
        if !read.contains(field) {
            continue;
        }
        let Some(class_module) = class.qualified.rsplit_once('.').map(|(m, _)| m) else {
            continue;
        };
        if class.is_relation(field) {
            return Some(Err(format!("`{field}` is a link: project it by hand")));
        }
        if !same_object(class_module, module) {
            return Some(Err(format!(
                "`{field}` is declared in `{}`, in another module: write the projection model by hand",
                class.qualified
            )));
        }
        if let Some(local) = class.body_names.first() {
            return Some(Err(format!(
                "`{}` binds `{local}` in its body, which the copied declarations may name: write the projection model by hand",
                class.qualified.rsplit('.').next().unwrap_or_default()
            )));
        }
        if !class.annotations.iter().any(|(f, _)| f == field) {
            return Some(Err(format!(
                "`{field}` has no annotation to give the projection model"
            )));
        }
        if *field != "id" {
            fields.push(field.to_string());
        }
    }
    let name = format!(
        "{class_name}{}",
        fields.iter().map(|f| camel_case(f)).collect::<String>()
    );
    let lineage = project.class_lineage(qualified);
    let existing = project
        .class_lineage(&format!("{module}.{name}"))
        .first()
        .copied()
        .filter(|c| c.qualified.ends_with(&format!(".{name}")));
    if existing.is_none() && project.binds(module, &name) {
        return Some(Err(format!(
            "`{name}` is already bound in `{module}` (an import, a variable, a function): name the projection model by hand"
        )));
    }
    if let Some(existing) = existing {
        // Reused only when it declares the fields with the types the projection model would
        // have: another class of that name (a response schema) may convert them differently.
        let written: BTreeSet<(&str, String)> = existing
            .fields
            .iter()
            .map(|f| {
                let annotation = annotation_of(&[existing], f).unwrap_or_default();
                let id_type = annotation.strip_prefix("beanie.").filter(|_| f == "id");
                (
                    f.as_str(),
                    id_type.map_or(annotation.clone(), str::to_string),
                )
            })
            .collect();
        let wanted: BTreeSet<(&str, String)> = fields
            .iter()
            .map(|f| (f.as_str(), projected_annotation(&lineage, f)))
            .collect();
        if written != wanted {
            return Some(Err(format!(
                "`{name}` already exists in `{module}` with other fields or types"
            )));
        }
    }
    // The query's fix imports the view the finding on the document defines: without that
    // finding, the import would fail.
    if existing.is_none() && lineage.first().is_some_and(|c| c.suppresses(META.code)) {
        return Some(Err(format!(
            "`{name}` is not defined: PO203 is suppressed on `{class_name}` (`# noqa` or `per-file-ignores`), whose finding would define it"
        )));
    }
    Some(Ok(View {
        name,
        module: module.to_string(),
        fields,
        exists: existing.is_some(),
    }))
}

/// The annotation of `field` in the first class of `lineage` that annotates it, without
/// whitespace.
fn annotation_of(lineage: &[&ClassFacts], field: &str) -> Option<String> {
    lineage.iter().find_map(|class| {
        class
            .annotations
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, a)| a.split_whitespace().collect())
    })
}

/// The annotation the projection model gives `field` of the document of `lineage`, without
/// whitespace: the document's, `Indexed(T, ...)` as `T`; for `id`, Beanie's `PydanticObjectId`
/// unless the document declares its own.
fn projected_annotation(lineage: &[&ClassFacts], field: &str) -> String {
    let declared = annotation_of(lineage, field);
    if field == "id" {
        return declared.unwrap_or_else(|| "PydanticObjectId".to_string());
    }
    let declared = declared.unwrap_or_default();
    let indexed = declared
        .strip_suffix(')')
        .and_then(|a| a.split_once("Indexed("))
        .filter(|(module, _)| module.is_empty() || module.ends_with('.'))
        .map(|(_, arguments)| first_argument(arguments).to_string());
    indexed.unwrap_or(declared)
}

/// `str` of `str,unique=True`: the text before the first comma outside brackets.
fn first_argument(arguments: &str) -> &str {
    let mut depth = 0;
    for (at, c) in arguments.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            ',' if depth == 0 => return &arguments[..at],
            _ => {}
        }
    }
    arguments
}

/// `created_at` → `CreatedAt`.
fn camel_case(field: &str) -> String {
    field
        .split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// `...find(...).to_list()` → `...find(...).project(View).to_list()`, importing the view from the
/// model's module (where the companion finding defines it).
fn beanie_fix(
    chain: Node,
    view: &View,
    qualified: &str,
    file: &FileContext,
) -> Result<Fix, String> {
    let mut additions = ModuleAdditions::new(file);
    let imported = qualified.rsplit_once('.').map_or(qualified, |(m, _)| m);
    let mut edits = Vec::new();
    let local = if same_object(&view.module, &file.module.join(".")) {
        view.name.clone()
    } else if let Some(end) = function_import_end(chain, imported, file) {
        // The function imports the document itself (often to break an import cycle): the
        // projection model joins that import, not the module's.
        edits.push(Edit::insert(end, format!(", {}", view.name)));
        view.name.clone()
    } else {
        additions.member(imported, &view.name)
    };
    edits.push(Edit::insert(chain.end_byte(), format!(".project({local})")));
    edits.extend(additions.into_edit());
    let defined = if view.exists {
        "already defined"
    } else {
        "defined next to the document"
    };
    Ok(Fix::unsafe_edits(
        format!(
            "Load only those fields: `.project({})` ({defined}); the results are no longer documents",
            view.name
        ),
        edits,
    ))
}

/// When `module` is imported only inside functions, the end of the last name of the
/// `from module import ...` in the function around `chain`, before it.
fn function_import_end(chain: Node, module: &str, file: &FileContext) -> Option<usize> {
    if file.imports.imports_at_top_level(module) {
        return None;
    }
    let function = std::iter::successors(chain.parent(), |n| n.parent())
        .find(|n| n.kind_name() == "function_definition")?;
    let within = |b: &&ImportBinding| {
        !b.top_level
            && b.dotted.is_none()
            && b.qualified.rsplit_once('.').map(|(m, _)| m) == Some(module)
            && function.start_byte() <= b.statement.0
            && b.statement.1 <= chain.start_byte()
    };
    let statement = file.imports.bindings.iter().find(within)?.statement;
    file.imports
        .bindings
        .iter()
        .filter(|b| b.statement == statement)
        .map(|b| b.clause.1)
        .max()
}

/// The columns to load for the attributes `read` of the mapped class `qualified`, in
/// declaration order; `None` when one is not a column (a relationship, an association proxy, a
/// `ClassVar`, a property, a method): `load_only` refuses what is not mapped to columns.
fn sql_columns(project: &ProjectIndex, qualified: &str, read: &[&str]) -> Option<Vec<String>> {
    let declared = declared_fields(project, qualified);
    let is_class_var = |class: &ClassFacts, field: &str| {
        class
            .annotations
            .iter()
            .any(|(f, annotation)| f == field && annotation.contains("ClassVar"))
    };
    let is_column = |f: &&str| {
        declared
            .iter()
            .any(|(d, class)| d == f && !class.is_relation(f) && !is_class_var(class, f))
    };
    if !read.iter().all(is_column) {
        return None;
    }
    Some(
        declared
            .iter()
            .filter(|(d, _)| read.contains(d))
            .map(|(d, _)| d.to_string())
            .collect(),
    )
}

/// How `function` uses the session of a query after it, when that can fetch the query's rows
/// again: the session passed to a call (`Config.upsert(updates, db=db)`), or a call on it that
/// names the model (`db.get(Config, key)`). `None` for a session that is no plain name too:
/// `load_only` is then judged on the query alone.
fn session_reused(
    function: Node,
    session: Node,
    select: Node,
    model: &str,
    file: &FileContext,
) -> Option<String> {
    if session.kind_name() != "identifier" {
        return None;
    }
    let name = text(session, file.source);
    let mut reuse = None;
    crate::parse::walk_tree(function, |node| {
        if reuse.is_some()
            || node.kind_name() != "identifier"
            || node.start_byte() < select.end_byte()
            || text(node, file.source) != name
        {
            return;
        }
        let Some(parent) = node.parent() else {
            return;
        };
        let passed = match parent.kind_name() {
            "argument_list" => true,
            "keyword_argument" => parent.field("value") == Some(node),
            _ => false,
        };
        let call_naming_model = (parent.kind_name() == "attribute"
            && parent.field("object") == Some(node))
        .then(|| parent.parent())
        .flatten()
        .filter(|call| call.kind_name() == "call")
        .and_then(|call| call.field("arguments"))
        .is_some_and(|arguments| names_model(arguments, model, file.source));
        if passed || call_naming_model {
            let call = std::iter::successors(Some(parent), |n| n.parent())
                .find(|n| n.kind_name() == "call")
                .unwrap_or(parent);
            let shown = text(call, file.source).lines().next().unwrap_or_default();
            reuse = Some(format!("`{shown}`, line {}", node.start_position().row + 1));
        }
    });
    reuse
}

/// Whether the query around `select` runs on an async session (`await session.scalars(...)`).
fn is_awaited(select: Node) -> bool {
    std::iter::successors(select.parent(), |n| n.parent())
        .take_while(|n| {
            !matches!(
                n.kind_name(),
                "assignment" | "for_statement" | "for_in_clause"
            )
        })
        .any(|n| n.kind_name() == "await")
}

/// Whether nothing but `function` uses `session` after it: a session the function opens itself
/// (`async with SessionLocal() as session`), or a route's (`Depends(get_session)`, one per
/// request). A helper's session parameter or `self.session` stays with its caller.
fn owns_session(function: Node, session: Node, file: &FileContext) -> bool {
    session.kind_name() == "identifier"
        && (file.fastapi().route(function).is_some()
            || !parameter_names(function, file.source)
                .iter()
                .any(|p| p == text(session, file.source)))
}

/// Whether `node` holds the identifier `model`.
fn names_model(node: Node, model: &str, source: &str) -> bool {
    let mut found = false;
    crate::parse::walk_tree(node, |n| {
        found |= n.kind_name() == "identifier" && text(n, source) == model;
    });
    found
}

/// `select(User)` → `select(User).options(load_only(User.name, User.email))`.
fn sql_fix(select: Node, model: &str, columns: &[String], file: &FileContext) -> Fix {
    let mut additions = ModuleAdditions::new(file);
    let load_only = additions.member("sqlalchemy.orm", "load_only");
    let attributes: Vec<String> = columns.iter().map(|c| format!("{model}.{c}")).collect();
    let option = format!(".options({load_only}({}))", attributes.join(", "));
    let mut edits = vec![Edit::insert(select.end_byte(), option.clone())];
    edits.extend(additions.into_edit());
    Fix::unsafe_edits(
        format!("Load only those columns: `{option}`; other columns are not loaded"),
        edits,
    )
}

/// In the model's file: defines, after the document class, the projection models the project's
/// queries need and the file does not have yet.
fn define_projections(class: Node, cx: &mut Context) {
    let file = cx.file;
    let at_module_level = class.parent().is_some_and(|p| match p.kind_name() {
        "module" => true,
        "decorated_definition" => p.parent().is_some_and(|m| m.kind_name() == "module"),
        _ => false,
    });
    let Some(name) = class.field("name").filter(|_| at_module_level) else {
        return;
    };
    let qualified = format!("{}.{}", file.module.join("."), text(name, file.source));
    if !file.project.is_document(&qualified) {
        return;
    }
    let defined = module_classes(file);
    let mut views: BTreeMap<String, (View, Vec<String>)> = BTreeMap::new();
    for read in file.project.projected_reads_of(&qualified) {
        let fields: Vec<&str> = read.fields.iter().map(String::as_str).collect();
        let Some(Ok(view)) = projection(file.project, &qualified, &fields) else {
            continue;
        };
        if view.exists || defines_class(file, &defined, &view.name) {
            continue;
        }
        views
            .entry(view.name.clone())
            .or_insert_with(|| (view, Vec::new()))
            .1
            .push(read.at.clone());
    }
    if views.is_empty() {
        return;
    }
    let names: Vec<String> = views.keys().map(|n| format!("`{n}`")).collect();
    let at: BTreeSet<&str> = views
        .values()
        .flat_map(|(_, at)| at.iter().map(String::as_str))
        .collect();
    let message = format!(
        "Queries read only some fields of `{}` documents ({}): they project onto {}",
        text(name, file.source),
        at.into_iter().collect::<Vec<_>>().join(", "),
        names.join(", ")
    );
    let fix = projection_definitions(
        class,
        &qualified,
        views.values().map(|(v, _)| v),
        &defined,
        file,
    );
    cx.report(name, message).with_fix(fix);
}

/// The module-level classes of the file, by name.
fn module_classes<'t>(file: &FileContext<'t>) -> BTreeMap<&'t str, Node<'t>> {
    let mut classes = BTreeMap::new();
    for statement in named_children(file.tree.root_node()) {
        let class = match statement.kind_name() {
            "decorated_definition" => statement.field("definition"),
            _ => Some(statement),
        };
        if let Some(class) = class.filter(|c| c.kind_name() == "class_definition") {
            if let Some(name) = class.field("name") {
                classes.insert(text(name, file.source), class);
            }
        }
    }
    classes
}

/// Whether the module defines the class `name`: in the tree (`defined`), or among the
/// definitions a partial parse left out.
fn defines_class(file: &FileContext, defined: &BTreeMap<&str, Node>, name: &str) -> bool {
    defined.contains_key(name)
        || file.module_definitions().iter().any(|(defined, bytes)| {
            *defined == name && {
                let outline = Outline::scan(&file.source[bytes.clone()]);
                outline
                    .statements(0..outline.lines.len())
                    .first()
                    .is_some_and(|s| outline.kind(*s) == Kind::Class)
            }
        })
}

/// The projection model classes, inserted after the document class.
fn projection_definitions<'v>(
    class: Node,
    qualified: &str,
    views: impl Iterator<Item = &'v View>,
    defined: &BTreeMap<&str, Node>,
    file: &FileContext,
) -> Result<Fix, String> {
    let le = file.stylist.line_ending;
    let indent = &file.stylist.indent;
    let mut additions = ModuleAdditions::new(file);
    let lineage = file.project.class_lineage(qualified);
    let mut content = String::new();
    let mut names = Vec::new();
    for view in views {
        let base = additions.member("pydantic", "BaseModel");
        content.push_str(&format!("{le}{le}{le}class {}({base}):", view.name));
        for field in &view.fields {
            let line = if field == "id" {
                // The document's own id type (declared in this module, as `projection`
                // checked), else Beanie's default.
                let declared_id = lineage.iter().find_map(|c| {
                    c.annotations
                        .iter()
                        .find(|(f, _)| f == "id")
                        .map(|(_, a)| a.clone())
                });
                let id_type =
                    declared_id.unwrap_or_else(|| additions.member("beanie", "PydanticObjectId"));
                let field_function = additions.member("pydantic", "Field");
                format!("id: {id_type} = {field_function}(alias=\"_id\")")
            } else {
                field_declaration(field, &lineage, defined, file)?
            };
            content.push_str(&format!("{le}{indent}{line}"));
        }
        names.push(format!("`{}`", view.name));
    }
    let mut edits = vec![Edit::insert(class.end_byte(), content)];
    edits.extend(additions.into_edit());
    Ok(Fix::unsafe_edits(
        format!(
            "Define the projection model {} next to the document",
            names.join(", ")
        ),
        edits,
    ))
}

/// `name: str = "x"` copied from the class of the lineage (defined in this file) that declares
/// `field`; an `Indexed(T, ...)` annotation becomes `T`.
fn field_declaration(
    field: &str,
    lineage: &[&ClassFacts],
    defined: &BTreeMap<&str, Node>,
    file: &FileContext,
) -> Result<String, String> {
    let declaring = lineage
        .iter()
        .find(|c| c.fields.iter().any(|f| f == field))
        .and_then(|c| c.qualified.rsplit('.').next())
        .and_then(|name| defined.get(name))
        .ok_or_else(|| format!("`{field}` is not declared in this file"))?;
    let body = declaring.field("body").ok_or("no class body")?;
    let assignment = named_children(body)
        .into_iter()
        .filter(|s| s.kind_name() == "expression_statement")
        .filter_map(|s| s.named_child(0))
        .filter(|a| a.kind_name() == "assignment")
        .rev()
        .find(|a| {
            a.field("left")
                .is_some_and(|l| text(l, file.source) == field)
        })
        .ok_or_else(|| format!("`{field}` is not declared in this file"))?;
    let annotation = assignment
        .field("type")
        .ok_or_else(|| format!("`{field}` has no annotation"))?;
    let written = annotation
        .named_child(0)
        .filter(|call| call.kind_name() == "call")
        .filter(|call| {
            call.field("function")
                .is_some_and(|f| text(f, file.source).rsplit('.').next() == Some("Indexed"))
        })
        .and_then(|call| CallArgs::of(call, file.source).positional.first().copied())
        .unwrap_or(annotation);
    let value = assignment
        .field("right")
        .map(|v| format!(" = {}", text(v, file.source)))
        .unwrap_or_default();
    Ok(format!("{field}: {}{value}", text(written, file.source)))
}
