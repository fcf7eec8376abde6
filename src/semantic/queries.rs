//! Recognising ORM queries in code: Beanie query chains (`Model.find(...).to_list()`) and
//! SQLAlchemy/SQLModel `select(...)` statements, with their models resolved through the project's
//! model index. Shared by the database codemods (PO204, PO205, PO206, PO305).

use crate::codemod::FileContext;
use crate::semantic::models::OrmModel;
use crate::syntax::text;
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
    while node.kind() == "parenthesized_expression" {
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
    while current.kind() == "call" {
        if is_select(current, file) {
            break;
        }
        let Some(function) = current
            .child_by_field_name("function")
            .filter(|f| f.kind() == "attribute")
        else {
            break;
        };
        let (Some(object), Some(method)) = (
            function.child_by_field_name("object"),
            function.child_by_field_name("attribute"),
        ) else {
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
    if call.kind() != "call" {
        return None;
    }
    let function = call
        .child_by_field_name("function")
        .filter(|f| f.kind() == "attribute")?;
    Some((
        function.child_by_field_name("object")?,
        text(function.child_by_field_name("attribute")?, source),
        call.child_by_field_name("arguments")?,
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

/// The model class a name refers to: imported, or defined at the top of this module.
pub fn resolve_model(model: Node, file: &FileContext) -> Option<OrmModel> {
    let qualified = file.qualified_name(model).or_else(|| {
        (model.kind() == "identifier" && !file.is_local_name(model, text(model, file.source)))
            .then(|| format!("{}.{}", file.module.join("."), text(model, file.source)))
    })?;
    file.project.orm_model(&qualified)
}

/// Whether `model` names a Beanie document class of the project (imported, or defined here).
pub fn is_document(model: Node, file: &FileContext) -> bool {
    let qualified = match model.kind() {
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
