//! Recognising ORM queries in code: Beanie query chains (`Model.find(...).to_list()`) and
//! SQLAlchemy/SQLModel `select(...)` statements, with their models resolved through the project's
//! model index. Shared by the database codemods (PO204, PO205, PO206, PO305).

use crate::codemod::FileContext;
use crate::parse::NodeLookups;
use crate::semantic::models::{Orm, OrmModel};
use crate::syntax::{text, CallArgs};
use tree_sitter::Node;

/// The `select` functions of SQLAlchemy and SQLModel.
pub const SELECT_FUNCTIONS: &[&str] = &[
    "sqlalchemy.select",
    "sqlalchemy.future.select",
    "sqlalchemy.sql.select",
    "sqlalchemy.sql.expression.select",
    "sqlmodel.select",
    "sqlmodel.sql.expression.select",
];

/// Beanie class methods that start a multi-document query.
pub const BEANIE_FINDS: &[&str] = &["find", "find_all", "find_many", "all"];

/// Whether `call` is a SQL `select(...)`.
pub fn is_select(call: Node, file: &FileContext) -> bool {
    file.callee(call)
        .is_some_and(|q| SELECT_FUNCTIONS.contains(&q.as_str()))
}

pub fn unparenthesize(mut node: Node) -> Node {
    while node.kind_name() == "parenthesized_expression" {
        match node.named_child(0) {
            Some(inner) if node.named_child_count() == 1 => node = inner,
            _ => break,
        }
    }
    node
}

/// The call chain `root.m1(...).m2(...)`: its root and the steps, outermost first. A SQL
/// `select(...)` call is a root.
pub fn chain<'t, 's>(
    expr: Node<'t>,
    file: &FileContext<'s>,
) -> (Node<'t>, Vec<(&'s str, Node<'t>)>) {
    let mut steps = Vec::new();
    let mut current = unparenthesize(expr);
    while current.kind_name() == "call" {
        if is_select(current, file) {
            break;
        }
        let Some(function) = current
            .field("function")
            .filter(|f| f.kind_name() == "attribute")
        else {
            break;
        };
        let (Some(object), Some(method)) = (function.field("object"), function.field("attribute"))
        else {
            break;
        };
        steps.push((text(method, file.source), current));
        current = unparenthesize(object);
    }
    (current, steps)
}

/// `(object, method, arguments)` of a call `object.method(arguments)`.
pub fn method_call<'t, 's>(
    call: Node<'t>,
    source: &'s str,
) -> Option<(Node<'t>, &'s str, Node<'t>)> {
    if call.kind_name() != "call" {
        return None;
    }
    let function = call
        .field("function")
        .filter(|f| f.kind_name() == "attribute")?;
    Some((
        function.field("object")?,
        text(function.field("attribute")?, source),
        call.field("arguments")?,
    ))
}

/// The methods called along `root.a(...).b(...)`, outermost first, and the root expression.
pub fn method_chain<'t, 's>(expr: Node<'t>, source: &'s str) -> (Vec<&'s str>, Node<'t>) {
    let mut methods = Vec::new();
    let mut current = expr;
    while let Some((object, method, _)) = method_call(current, source) {
        methods.push(method);
        current = object;
    }
    (methods, current)
}

/// The one entity of `select(Model)`, and the mapped class it resolves to (`None` when the
/// project does not declare it). `None` for anything else: several entities, keywords, a column
/// (`select(User.email)`) or a Beanie document.
pub fn selected_entity<'t>(
    select: Node<'t>,
    file: &FileContext,
) -> Option<(Node<'t>, Option<OrmModel>)> {
    let args = CallArgs::of(select, file.source);
    let [model] = args.positional.as_slice() else {
        return None;
    };
    if !args.keywords.is_empty() || !matches!(model.kind_name(), "identifier" | "attribute") {
        return None;
    }
    let resolved = resolve_model(*model, file);
    let is_column = || {
        model
            .field("object")
            .is_some_and(|o| resolve_model(o, file).is_some())
    };
    if resolved.as_ref().is_some_and(|m| m.orm != Orm::Sql) || resolved.is_none() && is_column() {
        return None;
    }
    Some((*model, resolved))
}

/// The model class a name refers to: imported, or defined at the top of this module.
pub fn resolve_model(model: Node, file: &FileContext) -> Option<OrmModel> {
    file.project.orm_model(&class_name(model, file)?)
}

/// The qualified name of the class a name refers to (imported, or defined at the top of this
/// module), whether or not it is a model.
pub fn class_name(model: Node, file: &FileContext) -> Option<String> {
    file.qualified_name(model).or_else(|| {
        (model.kind_name() == "identifier" && !file.is_local_name(model, text(model, file.source)))
            .then(|| format!("{}.{}", file.module.join("."), text(model, file.source)))
    })
}

/// Whether `model` names a Beanie document class of the project (imported, or defined here).
pub fn is_document(model: Node, file: &FileContext) -> bool {
    let qualified = match model.kind_name() {
        "identifier" if file.is_local_name(model, text(model, file.source)) => return false,
        "identifier" => file.imports.resolve(text(model, file.source)).map_or_else(
            || format!("{}.{}", file.module.join("."), text(model, file.source)),
            str::to_string,
        ),
        "attribute" => match file.qualified_name(model) {
            Some(qualified) => qualified,
            None => return false,
        },
        _ => return false,
    };
    file.project.is_document(&qualified)
}

/// How a query uses a model field.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum FieldUse {
    Filter,
    Sort,
}

/// A model field a query filters or sorts on, as the first pass finds it in a file.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct QueriedField {
    /// The class the query names, qualified through the imports (`app.models.User`); whether it
    /// is a model is decided against the project index.
    pub model: String,
    pub field: String,
    pub used_as: FieldUse,
    /// `app.routes:12`: the module and line of the query.
    pub at: String,
}

/// Query methods whose arguments filter.
const FILTER_METHODS: &[&str] = &["find", "find_one", "find_many", "where", "filter"];
/// Query methods whose arguments sort.
const SORT_METHODS: &[&str] = &["sort", "order_by"];
/// Column methods a filter or sort calls on a field (`User.id.in_(ids)`, `Order.created.desc()`).
const COLUMN_METHODS: &[&str] = &[
    "in_",
    "not_in",
    "is_",
    "is_not",
    "isnot",
    "like",
    "ilike",
    "between",
    "startswith",
    "desc",
    "asc",
];

/// The fields `Model.find(Model.email == x)`, `Model.find({"email": x})`, `.sort(-Model.created)`,
/// `.sort("-created")`, `select(M).where(M.email == x)` and `.order_by(M.created.desc())` use,
/// with the class named as written: `Name.field` operands name their class, dictionary keys and
/// sort strings the class at the root of the `find` chain.
pub fn queried_fields(
    tree: &tree_sitter::Tree,
    source: &str,
    imports: &crate::semantic::imports::ImportMap,
    module: &[String],
) -> Vec<QueriedField> {
    let qualify = |name: Node| {
        imports.resolve(text(name, source)).map_or_else(
            || format!("{}.{}", module.join("."), text(name, source)),
            str::to_string,
        )
    };
    let mut found = Vec::new();
    crate::parse::walk_tree(tree.root_node(), |call| {
        let Some((_, method, arguments)) = method_call(call, source) else {
            return;
        };
        let used_as = if FILTER_METHODS.contains(&method) {
            FieldUse::Filter
        } else if SORT_METHODS.contains(&method) {
            FieldUse::Sort
        } else {
            return;
        };
        let at = format!("{}:{}", module.join("."), call.start_position().row + 1);
        let mut record = |model: String, field: String| {
            found.push(QueriedField {
                model,
                field,
                used_as,
                at: at.clone(),
            })
        };
        crate::parse::walk_tree(arguments, |node| {
            if let Some((class, field)) = field_operand(node, source) {
                record(qualify(class), text(field, source).to_string());
            }
        });
        // Dictionary filters and sort strings name fields of the class the chain starts from.
        let (methods, root) = method_chain(call, source);
        if root.kind_name() != "identifier"
            || !methods
                .iter()
                .any(|m| BEANIE_FINDS.contains(m) || *m == "find_one")
        {
            return;
        }
        let positional = crate::syntax::CallArgs::of(call, source).positional;
        let names: Vec<String> = match used_as {
            FieldUse::Filter => positional
                .first()
                .filter(|d| d.kind_name() == "dictionary" && methods.len() == 1)
                .map(|d| dictionary_keys(*d, source))
                .unwrap_or_default(),
            FieldUse::Sort => positional
                .iter()
                .flat_map(|s| sort_keys(*s, source))
                .collect(),
        };
        for name in names {
            record(qualify(root), name);
        }
    });
    found.sort();
    found.dedup();
    found
}

/// `(Class, field)` of an attribute `Class.field` used as a filter or sort operand: compared,
/// negated, passed to a function (`In(...)`, `desc(...)`) or given a column method.
fn field_operand<'t>(node: Node<'t>, source: &str) -> Option<(Node<'t>, Node<'t>)> {
    if node.kind_name() != "attribute" {
        return None;
    }
    let class = node
        .field("object")
        .filter(|o| o.kind_name() == "identifier")?;
    let field = node.field("attribute")?;
    let parent = node.parent()?;
    let operand = match parent.kind_name() {
        "comparison_operator" | "unary_operator" | "argument_list" | "list" | "tuple" => true,
        "attribute" => {
            parent.field("object") == Some(node)
                && parent
                    .field("attribute")
                    .is_some_and(|m| COLUMN_METHODS.contains(&text(m, source)))
                && parent.parent().is_some_and(|c| c.kind_name() == "call")
        }
        _ => false,
    };
    operand.then_some((class, field))
}

/// Top-level field names of a MongoDB filter document (`{"email": x}`); operators (`$or`) and
/// dotted paths into sub-documents are left out.
fn dictionary_keys(dictionary: Node, source: &str) -> Vec<String> {
    crate::syntax::named_children(dictionary)
        .into_iter()
        .filter(|pair| pair.kind_name() == "pair")
        .filter_map(|pair| pair.field("key"))
        .filter_map(|key| crate::semantic::models::string_value(key, source))
        .filter(|key| !key.starts_with('$') && !key.contains('.') && !key.is_empty())
        .collect()
}

/// Field names of a Beanie sort argument: `"-created_at"`, `"+name"`, `("created_at", -1)` or a
/// list of those.
fn sort_keys(argument: Node, source: &str) -> Vec<String> {
    match argument.kind_name() {
        "string" => crate::semantic::models::string_value(argument, source)
            .map(|key| key.trim_start_matches(['-', '+']).to_string())
            .filter(|key| !key.is_empty() && !key.contains('.'))
            .into_iter()
            .collect(),
        "tuple" => argument
            .named_child(0)
            .map(|key| sort_keys(key, source))
            .unwrap_or_default(),
        "list" => crate::syntax::named_children(argument)
            .into_iter()
            .flat_map(|entry| sort_keys(entry, source))
            .collect(),
        _ => Vec::new(),
    }
}
