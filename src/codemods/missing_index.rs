//! PO202: a model field that queries filter or sort on, with no index: `Indexed(...)` on the
//! Beanie field, `index=True` on the SQLAlchemy/SQLModel column, fixed in the model's own file.

use crate::codemod::{
    Codemod, CodemodMeta, Context, FileContext, FixAvailability, Gate, Mention, Scope,
};
use crate::edits::importer::ModuleAdditions;
use crate::fix::{Edit, Fix};
use crate::parse::NodeLookups;
use crate::semantic::models::{may_declare_models, Orm};
use crate::semantic::project::ProjectIndex;
use crate::semantic::queries::{FieldUse, QueriedField};
use crate::syntax::{named_children, text, CallArgs};
use std::collections::BTreeMap;
use tree_sitter::Node;

pub struct MissingIndex;

static META: CodemodMeta = CodemodMeta {
    code: "PO202",
    name: "missing-index",
    summary: "Model field used in query filters or sorts has no index",
    fix: FixAvailability::Sometimes,
    safety: "unsafe",
    priority: 6,
    impact: "A filter or sort on an indexed field reads the matching entries of the index instead of scanning every document or row of the collection or table; the cost grows with the collection, not with the result. The behaviour test checks the results stay identical and SQLite's plan turns from `SCAN orders` into `SEARCH orders USING INDEX ix_orders_customer`, and that `init_beanie` builds the new indexes.",
    requires: &["class "],
    // The files the first pass reads model classes from.
    gates: &[Gate {
        imports: &[],
        literals: &[],
        shape: Some(may_declare_models),
    }],
    // The module's model classes that some query of the project filters or sorts on.
    mentions: &[Mention::project_names(ProjectIndex::queried_models_in)],
    scope: Scope::Module,
    docs: r#"## What it does
Finds the fields of a model class (a Beanie `Document`, a mapped SQLAlchemy class or a SQLModel
table) that queries anywhere in the project filter or sort on, when the model declares no index
that starts with them: `Model.find(Model.email == x)`, `Model.find_one({"email": x})`,
`.sort(-Model.created_at)`, `.sort("-created_at")`, `select(User).where(User.email == x)`,
`.filter(...)`, `.order_by(User.created_at.desc())`. The finding is on the field's declaration,
in the model's file, once per field however many queries use it; its message lists the queries
(`module:line`). A query counts only when the class it names is a model the project defines:
a dict's `.get`, a DataFrame's `.filter` or BeautifulSoup's `find` name no model.

A field counts as indexed when it is the primary key (`id`, `_id`, `primary_key=True`), is
annotated `Indexed(...)` (or `Annotated[..., Indexed()]`), leads an entry of the Beanie
`Settings.indexes`, is declared with `index=True` or `unique=True`, or is the first column of an
`Index(...)`/`UniqueConstraint(...)` in `__table_args__`. A query that also filters on an
indexed field needs no other index (the database narrows it through that one), so its other
filter fields are not reported for it; nor are boolean fields, which an index rarely narrows
enough to pay for itself, nor relations (`Link`, `relationship(...)`).

## Why is this slow?
Without an index, MongoDB scans every document of the collection (`COLLSCAN`) and a SQL database
every row of the table to find the matches, and sorts the matches in memory. The cost of each
query grows with the collection, so an endpoint that is fast in development slows down as the
data grows. With an index the database reads only the matching entries, already in order.

## Example
```python
class User(Document):
    email: str
    name: str

@router.get("/users/by-email")
async def by_email(email: str):
    return await User.find_one(User.email == email)
```

## Use instead
```python
class User(Document):
    email: Indexed(str)
    name: str
```
`Indexed(T)` subclasses `T`, so it is written only for `str`, `int`, `float`, `datetime` and
`date`; any other annotation (`Optional[str]`, `list[str]`, `UUID`, `EmailStr`) becomes
`Annotated[T, Indexed()]`. `Indexed` is imported from `beanie`, `Annotated` from `typing`.
For SQLAlchemy, `email: Mapped[str] = mapped_column(String(120), index=True)` (also `Column(...)`
and SQLModel's `Field(...)`); a `Mapped[...]` annotation with no value gains
`= mapped_column(index=True)`, a SQLModel field with no value `= Field(index=True)` (required as
before).

## When there is no fix
The finding is reported without a fix when the Beanie annotation is already `Annotated[...]` or
a string, when the column says `index=...` itself or a SQLModel `Field` passes `sa_column=`,
when the value is not a `Column(...)`/`mapped_column(...)`/`Field(...)` call, or when the field
is declared in a parent class (the finding is then on the queried class and names the parent to
change). A compound index for a filter and a sort used together
(`IndexModel([("department", 1), ("created_at", -1)])`) is left to you.

## Fix safety
Unsafe: queries return exactly the same results, but an index is a change to the database, not
only to the code. Every insert and update now also writes the index, and the index takes disk
and memory. Beanie builds the new index in `init_beanie` at the next start-up, which on a large
collection blocks that start-up until the build ends. SQLAlchemy's `create_all` does not add an
index to an existing table: an existing database needs a migration (an Alembic revision with
`op.create_index(...)`).
"#,
};

/// Types `Indexed(T)` can subclass.
const INDEXABLE_TYPES: &[&str] = &["str", "int", "float", "datetime", "date"];
/// Column constructors that take `index=True`.
const COLUMN_CONSTRUCTORS: &[&str] = &[
    "sqlalchemy.Column",
    "sqlalchemy.schema.Column",
    "sqlalchemy.orm.mapped_column",
    "sqlmodel.Field",
    "sqlmodel.Column",
];

impl Codemod for MissingIndex {
    fn meta(&self) -> &'static CodemodMeta {
        &META
    }

    fn node_kinds(&self) -> &'static [&'static str] {
        &["class_definition"]
    }

    fn check(&self, class: Node<'_>, cx: &mut Context<'_>) {
        let file = cx.file;
        let module_level = class.parent().is_some_and(|p| match p.kind_name() {
            "module" => true,
            "decorated_definition" => p.parent().is_some_and(|m| m.kind_name() == "module"),
            _ => false,
        });
        let (true, Some(name), Some(body)) =
            (module_level, class.field("name"), class.field("body"))
        else {
            return;
        };
        let qualified = format!("{}.{}", file.module.join("."), text(name, file.source));
        let Some(model) = file.project.orm_model(&qualified) else {
            return;
        };
        let mut by_field: BTreeMap<&str, Vec<&QueriedField>> = BTreeMap::new();
        for query in file.project.queried_fields_of(&qualified) {
            by_field.entry(&query.field).or_default().push(query);
        }
        if by_field.is_empty() {
            return;
        }
        let lineage = file.project.class_lineage(&qualified);
        let key = model.key.as_ref().map(|(key, _)| key.as_str());
        let indexed = |field: &str| {
            matches!(field, "id" | "_id")
                || key == Some(field)
                || lineage.iter().any(|c| c.indexed.iter().any(|i| i == field))
        };
        // Queries (by location) that already filter on an indexed field: the database narrows
        // them through that index, so their other filters need none.
        let narrowed: Vec<&str> = by_field
            .iter()
            .filter(|(field, _)| indexed(field))
            .flat_map(|(_, queries)| queries.iter())
            .filter(|q| q.used_as == FieldUse::Filter)
            .map(|q| q.at.as_str())
            .collect();
        let sqlmodel = lineage
            .iter()
            .any(|c| c.bases.iter().any(|b| b.starts_with("sqlmodel.")));
        let declarations = field_declarations(body, file.source);
        for (field, queries) in &by_field {
            let field = *field;
            if indexed(field) {
                continue;
            }
            let queries: Vec<&QueriedField> = queries
                .iter()
                .copied()
                .filter(|q| q.used_as == FieldUse::Sort || !narrowed.contains(&q.at.as_str()))
                .collect();
            if queries.is_empty() {
                continue;
            }
            let message = format!(
                "`{}.{field}` has no index but queries {} it: {}",
                text(name, file.source),
                uses(&queries),
                locations(&queries)
            );
            if let Some(&assignment) = declarations.get(field) {
                if is_relation(assignment, file)
                    || is_boolean(assignment, file.source)
                    || declares_index(assignment, file.source)
                {
                    continue;
                }
                let target = assignment.field("left").unwrap_or(assignment);
                let fix = match model.orm {
                    Orm::Beanie => beanie_fix(assignment, file),
                    Orm::Sql => sql_fix(assignment, sqlmodel, file),
                };
                cx.report(target, message).with_fix(fix);
            } else if let Some(parent) = lineage
                .iter()
                .skip(1)
                .find(|c| c.fields.iter().any(|f| f == field))
            {
                cx.report(name, message).with_note(format!(
                    "`{field}` is declared in `{}`: add the index there",
                    parent.qualified
                ));
            }
        }
    }
}

/// Whether the declaration is a relation rather than a stored value: a Beanie `Link`/`BackLink`
/// or a SQLAlchemy `relationship(...)`, which a comparison turns into a key or a sub-query.
fn is_relation(assignment: Node, file: &FileContext) -> bool {
    let annotation = assignment
        .field("type")
        .map_or("", |a| text(a, file.source));
    annotation.contains("Link[")
        || assignment
            .field("right")
            .filter(|v| v.kind_name() == "call")
            .and_then(|v| file.callee(v))
            .is_some_and(|q| q.ends_with(".relationship") || q.ends_with(".Relationship"))
}

/// Whether the declaration as it stands now indexes the field (the project index was built
/// before any fix).
fn declares_index(assignment: Node, source: &str) -> bool {
    let annotated = assignment
        .field("type")
        .is_some_and(|a| text(a, source).contains("Indexed("));
    let flagged = assignment
        .field("right")
        .filter(|v| v.kind_name() == "call")
        .is_some_and(|v| {
            let args = CallArgs::of(v, source);
            ["index", "unique", "primary_key"]
                .iter()
                .any(|k| args.keyword(k).is_some_and(|v| text(v, source) == "True"))
        });
    annotated || flagged
}

/// Whether the field holds a boolean: two values select half the collection each, which an
/// index rarely narrows enough to be worth its cost.
fn is_boolean(assignment: Node, source: &str) -> bool {
    let annotation = assignment.field("type").map_or("", |a| text(a, source));
    let column_type = assignment
        .field("right")
        .filter(|v| v.kind_name() == "call")
        .and_then(|v| CallArgs::of(v, source).positional.first().copied())
        .map_or("", |t| text(t, source));
    annotation
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|word| word == "bool")
        || column_type.ends_with("Boolean")
}

/// `filter on` / `sort by` / `filter on and sort by`.
fn uses(queries: &[&QueriedField]) -> &'static str {
    let filters = queries.iter().any(|q| q.used_as == FieldUse::Filter);
    let sorts = queries.iter().any(|q| q.used_as == FieldUse::Sort);
    match (filters, sorts) {
        (true, true) => "filter and sort on",
        (false, true) => "sort on",
        _ => "filter on",
    }
}

/// `app.routes:12, app.routes:30`, each location once.
fn locations(queries: &[&QueriedField]) -> String {
    let mut at: Vec<&str> = queries.iter().map(|q| q.at.as_str()).collect();
    at.dedup();
    at.join(", ")
}

/// The class body's attribute declarations (`name: T`, `name: T = ...`, `name = Column(...)`),
/// by name.
fn field_declarations<'t, 's>(body: Node<'t>, source: &'s str) -> BTreeMap<&'s str, Node<'t>> {
    let mut declarations = BTreeMap::new();
    for statement in named_children(body) {
        let Some(assignment) = statement.named_child(0).filter(|a| {
            statement.kind_name() == "expression_statement" && a.kind_name() == "assignment"
        }) else {
            continue;
        };
        if let Some(target) = assignment
            .field("left")
            .filter(|l| l.kind_name() == "identifier")
        {
            declarations.insert(text(target, source), assignment);
        }
    }
    declarations
}

/// `email: str` → `email: Indexed(str)`, keeping any default.
fn beanie_fix(assignment: Node, file: &FileContext) -> Result<Fix, String> {
    let annotation = assignment
        .field("type")
        .ok_or("the field has no annotation to index")?;
    let written = text(annotation, file.source);
    if written.contains("Annotated")
        || annotation
            .named_child(0)
            .is_some_and(|t| t.kind_name() == "string")
    {
        return Err(format!(
            "the annotation `{written}` is not a plain type; add `Indexed()` to it by hand"
        ));
    }
    let mut additions = ModuleAdditions::new(file);
    let indexed = additions.member("beanie", "Indexed");
    // `Indexed(T)` subclasses `T`, which only works for plain classes; `Annotated` works for all.
    let replacement = if INDEXABLE_TYPES.contains(&written) {
        format!("{indexed}({written})")
    } else {
        let annotated = additions.member("typing", "Annotated");
        format!("{annotated}[{written}, {indexed}()]")
    };
    let mut edits = vec![Edit::replace(
        annotation.start_byte(),
        annotation.end_byte(),
        replacement.clone(),
    )];
    edits.extend(additions.into_edit());
    Ok(Fix::unsafe_edits(
        format!("Index the field: `{replacement}` (built by `init_beanie` at the next start-up)"),
        edits,
    ))
}

/// `mapped_column(String(120))` → `mapped_column(String(120), index=True)`; a bare
/// `Mapped[T]` annotation gains `= mapped_column(index=True)`, a bare SQLModel field
/// `= Field(index=True)` (still required, as before).
fn sql_fix(assignment: Node, sqlmodel: bool, file: &FileContext) -> Result<Fix, String> {
    const MIGRATION: &str = "an existing database needs a migration to create the index";
    let Some(value) = assignment.field("right") else {
        let annotation = assignment
            .field("type")
            .ok_or("the field has no annotation to add a column to")?;
        let mut additions = ModuleAdditions::new(file);
        let column = if text(annotation, file.source).starts_with("Mapped[") {
            additions.member("sqlalchemy.orm", "mapped_column")
        } else if sqlmodel {
            additions.member("sqlmodel", "Field")
        } else {
            return Err(
                "the field has no `Field(...)` or `mapped_column(...)` to add `index=True` to"
                    .into(),
            );
        };
        let mut edits = vec![Edit::insert(
            annotation.end_byte(),
            format!(" = {column}(index=True)"),
        )];
        edits.extend(additions.into_edit());
        return Ok(Fix::unsafe_edits(
            format!("Index the column: `= {column}(index=True)`; {MIGRATION}"),
            edits,
        ));
    };
    let is_column = value.kind_name() == "call"
        && file
            .callee(value)
            .is_some_and(|q| COLUMN_CONSTRUCTORS.contains(&q.as_str()));
    if !is_column {
        return Err(
            "the column is not declared with `Column(...)`, `mapped_column(...)` or `Field(...)`"
                .into(),
        );
    }
    let args = CallArgs::of(value, file.source);
    if args.keyword("index").is_some() {
        return Err("the column sets `index=` explicitly".into());
    }
    if args.keyword("sa_column").is_some() {
        return Err("the field passes `sa_column=`; add `index=True` to that column".into());
    }
    let arguments = value
        .field("arguments")
        .ok_or("the column call has no arguments")?;
    // Comments are no arguments (and a comma in one is no trailing comma).
    let last = named_children(arguments)
        .into_iter()
        .rfind(|a| a.kind_name() != "comment");
    let edit = match last {
        Some(last) => {
            let after = &file.source[last.end_byte()..arguments.end_byte() - 1];
            match after.strip_prefix(',') {
                // One argument per line with a trailing comma: the flag gets its own line,
                // after the comment the last argument's line may end with.
                Some(rest) if rest.contains('\n') => {
                    let line_start = file.source[..last.start_byte()]
                        .rfind('\n')
                        .map_or(0, |at| at + 1);
                    let indent = &file.source[line_start..last.start_byte()];
                    Edit::insert(
                        crate::source::line_end_at(file.source, last.end_byte() + 1),
                        format!("{}{indent}index=True,", file.stylist.line_ending),
                    )
                }
                _ => Edit::insert(last.end_byte(), ", index=True"),
            }
        }
        None => Edit::insert(arguments.start_byte() + 1, "index=True"),
    };
    Ok(Fix::unsafe_edits(
        format!("Index the column: `index=True`; {MIGRATION}"),
        vec![edit],
    ))
}
