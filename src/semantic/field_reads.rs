//! Queries whose loaded objects are only read field by field: every use of the documents or
//! rows a query loads, in the function that runs it, is an attribute read (`u.name`) in a loop
//! or a comprehension over them. Found by syntax alone, so the first pass (which records what
//! Beanie projections each model needs) and PO203 (which rewrites the queries) see the same
//! queries; whether the class is a model and the attributes its fields is for the caller.

use crate::parse::NodeLookups;
use crate::semantic::imports::ImportMap;
use crate::semantic::project::qualified_static;
use crate::semantic::queries::{method_chain, unparenthesize, BEANIE_FINDS, SELECT_FUNCTIONS};
use crate::syntax::{named_children, text, CallArgs};
use std::collections::{BTreeSet, HashMap};
use tree_sitter::{Node, Tree};

/// A query and the attributes read on what it loads.
#[derive(Debug, Clone)]
pub struct FieldReads<'t> {
    pub query: LoadQuery<'t>,
    /// The class the query names, as written (`User`).
    pub model: Node<'t>,
    /// The attribute names read on the loaded objects.
    pub fields: BTreeSet<String>,
}

/// How the objects are loaded.
#[derive(Debug, Clone, Copy)]
pub enum LoadQuery<'t> {
    /// A Beanie chain `Model.find(...).sort(...)`: `chain` ends where `.project(View)` goes
    /// (before `.to_list()`, or at the end of a chain iterated by `async for`).
    Beanie { chain: Node<'t> },
    /// A SQL `select(Model)` read as objects (`session.scalars(...)`, `.scalars().all()`,
    /// SQLModel's `session.exec(...)`) by `session`, the object the method is called on.
    Sql { select: Node<'t>, session: Node<'t> },
}

/// Methods a Beanie chain may call between its `find` and `to_list()`: none changes the type of
/// what it loads.
const BEANIE_STEPS: &[&str] = &["sort", "skip", "limit"];
/// `find(...)` keywords that change what it loads (linked documents, a projection already).
const BEANIE_LOAD_KEYWORDS: &[&str] = &["fetch_links", "projection_model", "nesting_depth"];
/// Clauses a `select(Model)` may have: they filter and order, and leave the loaded columns alone.
const SELECT_STEPS: &[&str] = &[
    "where",
    "filter",
    "filter_by",
    "order_by",
    "limit",
    "offset",
];

/// Every query in `function` (not in the functions nested in it) whose objects are only read
/// attribute by attribute, with at least one attribute read.
pub fn field_reads<'t>(
    function: Node<'t>,
    source: &str,
    imports: &ImportMap,
) -> Vec<FieldReads<'t>> {
    let Some(body) = function.field("body") else {
        return Vec::new();
    };
    // The loads first: most functions have none, and need no table of names.
    let loads: Vec<(Node<'t>, LoadQuery<'t>, Node<'t>)> = own_nodes(body)
        .into_iter()
        .filter_map(|node| {
            let (query, model) = match node.kind_name() {
                "assignment" => node
                    .field("right")
                    .filter(|_| node.field("type").is_none())
                    .and_then(|value| load_query(value, false, source, imports))?,
                "for_statement" | "for_in_clause" => node.field("right").and_then(|iterable| {
                    load_query(iterable, is_async_for(node), source, imports)
                })?,
                _ => return None,
            };
            Some((node, query, model))
        })
        .collect();
    if loads.is_empty() {
        return Vec::new();
    }
    let mut occurrences: HashMap<&str, Vec<Node<'t>>> = HashMap::new();
    crate::parse::walk_tree(function, |node| {
        if node.kind_name() == "identifier" && !names_a_member(node) {
            occurrences
                .entry(text(node, source))
                .or_default()
                .push(node);
        }
    });
    let mut found = Vec::new();
    for (node, query, model) in loads {
        let iterations = match node.kind_name() {
            "assignment" => {
                let Some(name) = node.field("left").filter(|l| l.kind_name() == "identifier")
                else {
                    continue;
                };
                let Some(iterations) = stored_list_iterations(name, &occurrences, source) else {
                    continue;
                };
                iterations
            }
            _ => vec![node],
        };
        if let Some(fields) = attributes_read(&iterations, &occurrences, source) {
            found.push(FieldReads {
                query,
                model,
                fields,
            });
        }
    }
    found
}

/// Whether an identifier names an attribute (`x.u`) or a keyword (`f(u=1)`), not a variable.
fn names_a_member(identifier: Node) -> bool {
    identifier
        .parent()
        .is_some_and(|parent| match parent.kind_name() {
            "attribute" => parent.field("attribute") == Some(identifier),
            "keyword_argument" => parent.field("name") == Some(identifier),
            _ => false,
        })
}

/// The nodes of a function body, without descending into nested functions, lambdas or classes
/// (their queries belong to them).
fn own_nodes(body: Node) -> Vec<Node> {
    let mut nodes = Vec::new();
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        nodes.push(node);
        if matches!(
            node.kind_name(),
            "function_definition" | "lambda" | "class_definition"
        ) {
            continue;
        }
        let start = stack.len();
        stack.extend(named_children(node));
        stack[start..].reverse();
    }
    nodes
}

fn is_async_for(iteration: Node) -> bool {
    let mut cursor = iteration.walk();
    let is_async = iteration
        .children(&mut cursor)
        .any(|c| c.kind_name() == "async");
    is_async
}

/// The query an expression loads objects with, and its model: `await Model.find(...).to_list()`,
/// (under `async for`) `Model.find(...)`, `await session.scalars(select(Model))` with or without
/// `.all()`, `(await session.execute(select(Model))).scalars().all()` and SQLModel's
/// `await session.exec(select(Model))`, awaited or (sync sessions) not.
fn load_query<'t>(
    expr: Node<'t>,
    iterated_async: bool,
    source: &str,
    imports: &ImportMap,
) -> Option<(LoadQuery<'t>, Node<'t>)> {
    let expr = unparenthesize(expr);
    let awaited = (expr.kind_name() == "await")
        .then(|| expr.named_child(0).map(unparenthesize))
        .flatten();
    let beanie_chain = match (awaited, iterated_async) {
        // `to_list(n)` only caps how many documents it loads.
        (Some(call), _) => crate::semantic::queries::method_call(call, source)
            .filter(|(_, method, _)| *method == "to_list")
            .map(|(chain, _, _)| unparenthesize(chain)),
        (None, true) => Some(expr),
        (None, false) => None,
    };
    if let Some(chain) = beanie_chain {
        if let Some(model) = beanie_model(chain, source) {
            return Some((LoadQuery::Beanie { chain }, model));
        }
    }
    sql_load(expr, source, imports)
}

/// The object of `object.method()` called with no arguments.
fn no_argument_method<'t>(call: Node<'t>, method: &str, source: &str) -> Option<Node<'t>> {
    let (object, called, arguments) = crate::semantic::queries::method_call(call, source)?;
    (called == method && arguments.named_child_count() == 0).then(|| unparenthesize(object))
}

/// The model at the root of `Model.find(...).sort(...).limit(n)`.
fn beanie_model<'t>(chain: Node<'t>, source: &str) -> Option<Node<'t>> {
    let (methods, root) = method_chain(chain, source);
    let (first, steps) = methods.split_last()?;
    if root.kind_name() != "identifier"
        || !BEANIE_FINDS.contains(first)
        || !steps.iter().all(|s| BEANIE_STEPS.contains(s))
    {
        return None;
    }
    let mut call = chain;
    for _ in 0..methods.len() {
        let args = CallArgs::of(call, source);
        if args.has_splat
            || BEANIE_LOAD_KEYWORDS
                .iter()
                .any(|k| args.keyword(k).is_some())
        {
            return None;
        }
        call = call
            .field("function")
            .and_then(|f| f.field("object"))
            .map(unparenthesize)?;
    }
    Some(root)
}

/// A SQL load of whole objects: see [`load_query`].
fn sql_load<'t>(
    expr: Node<'t>,
    source: &str,
    imports: &ImportMap,
) -> Option<(LoadQuery<'t>, Node<'t>)> {
    let peel_await = |node: Node<'t>| {
        let node = unparenthesize(node);
        match node.kind_name() {
            "await" => node.named_child(0).map(unparenthesize),
            _ => Some(node),
        }
    };
    let mut current = no_argument_method(expr, "all", source).unwrap_or(expr);
    let run = match no_argument_method(current, "scalars", source) {
        Some(result) => {
            current = peel_await(result)?;
            "execute"
        }
        None => {
            current = peel_await(current)?;
            ""
        }
    };
    let (session, method, arguments) = crate::semantic::queries::method_call(current, source)?;
    let runs_objects = match run {
        "execute" => method == "execute",
        _ => method == "scalars" || method == "exec",
    };
    if !runs_objects || session.kind_name() == "call" {
        return None;
    }
    let [statement] = named_children(arguments)[..] else {
        return None;
    };
    let (steps, select) = method_chain(statement, source);
    if !steps.iter().all(|s| SELECT_STEPS.contains(s)) || select.kind_name() != "call" {
        return None;
    }
    let is_select = select
        .field("function")
        .and_then(|f| qualified_static(f, source, imports))
        .is_some_and(|q| SELECT_FUNCTIONS.contains(&q.as_str()));
    let args = CallArgs::of(select, source);
    match args.positional[..] {
        [model] if is_select && args.keywords.is_empty() && model.kind_name() == "identifier" => {
            Some((LoadQuery::Sql { select, session }, model))
        }
        _ => None,
    }
}

/// The loops and comprehensions over a variable holding a loaded list, when every other use of
/// it is `len(name)` or a truth test; `None` when it is assigned again or used otherwise.
fn stored_list_iterations<'t>(
    name: Node<'t>,
    occurrences: &HashMap<&str, Vec<Node<'t>>>,
    source: &str,
) -> Option<Vec<Node<'t>>> {
    let mut iterations = Vec::new();
    for &use_ in occurrences.get(text(name, source))? {
        if use_ == name {
            continue;
        }
        let parent = use_.parent()?;
        match parent.kind_name() {
            "for_statement" | "for_in_clause" if parent.field("right") == Some(use_) => {
                iterations.push(parent)
            }
            "not_operator" => {}
            "if_statement" | "elif_clause" | "while_statement"
                if parent.field("condition") == Some(use_) => {}
            "argument_list" if is_len_argument(parent, source) => {}
            _ => return None,
        }
    }
    (!iterations.is_empty()).then_some(iterations)
}

/// Whether `arguments` is the argument list of `len(x)`, with one argument.
fn is_len_argument(arguments: Node, source: &str) -> bool {
    arguments.named_child_count() == 1
        && arguments.parent().is_some_and(|call| {
            call.field("function")
                .is_some_and(|f| f.kind_name() == "identifier" && text(f, source) == "len")
        })
}

/// The attribute names read on the loop variables of `iterations`, when each loop variable is
/// a plain name used for nothing but attribute reads inside its loop or comprehension (not
/// called, assigned, deleted, passed on or kept after the loop).
fn attributes_read(
    iterations: &[Node],
    occurrences: &HashMap<&str, Vec<Node>>,
    source: &str,
) -> Option<BTreeSet<String>> {
    // Each loop variable with where it is bound: a loop's body, a comprehension's whole node.
    let mut bound = Vec::new();
    for iteration in iterations {
        let target = iteration
            .field("left")
            .filter(|t| t.kind_name() == "identifier")?;
        let scope = match iteration.kind_name() {
            "for_statement" => iteration.field("body")?,
            _ => iteration.parent()?,
        };
        bound.push((target, scope));
    }
    let mut fields = BTreeSet::new();
    for (target, _) in &bound {
        let name = text(*target, source);
        for &use_ in occurrences.get(name)? {
            if bound.iter().any(|(t, _)| *t == use_) {
                continue;
            }
            let in_scope = bound.iter().any(|(t, scope)| {
                text(*t, source) == name && crate::syntax::contains(*scope, use_)
            });
            if !in_scope {
                return None;
            }
            fields.insert(read_attribute(use_, source)?.to_string());
        }
    }
    (!fields.is_empty()).then_some(fields)
}

/// `name` in `u.name` when `use_` is the `u` of an attribute read: not called, not assigned or
/// deleted.
fn read_attribute<'s>(use_: Node, source: &'s str) -> Option<&'s str> {
    let attribute = use_
        .parent()
        .filter(|a| a.kind_name() == "attribute" && a.field("object") == Some(use_))?;
    let outer = attribute.parent()?;
    let written = match outer.kind_name() {
        "call" => outer.field("function") == Some(attribute),
        "assignment" | "augmented_assignment" => outer.field("left") == Some(attribute),
        "delete_statement" | "pattern_list" | "tuple_pattern" | "list_pattern" => true,
        _ => false,
    };
    let field = attribute.field("attribute")?;
    (!written).then(|| text(field, source))
}

/// A model and the fields read on its documents, as the first pass records it for the
/// projection models PO203 defines next to the document.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct ProjectedRead {
    /// The class the query names, qualified through the imports (`app.models.User`).
    pub model: String,
    pub fields: Vec<String>,
    /// `app.routes:12`: the module and line of the query.
    pub at: String,
}

/// The Beanie queries of a file whose documents are only read field by field.
pub fn projected_reads(
    tree: &Tree,
    source: &str,
    imports: &ImportMap,
    module: &[String],
) -> Vec<ProjectedRead> {
    let mut found = Vec::new();
    // Functions are statements: no need to walk the expressions.
    crate::parse::walk_statements(tree.root_node(), |function| {
        if function.kind_name() != "function_definition" {
            return;
        }
        for reads in field_reads(function, source, imports) {
            let LoadQuery::Beanie { chain } = reads.query else {
                continue;
            };
            found.push(ProjectedRead {
                model: model_name(reads.model, source, imports, module),
                fields: reads.fields.into_iter().collect(),
                at: format!("{}:{}", module.join("."), chain.start_position().row + 1),
            });
        }
    });
    found
}

/// The qualified name of a model named by an identifier: imported, or defined in `module`.
pub fn model_name(model: Node, source: &str, imports: &ImportMap, module: &[String]) -> String {
    imports.resolve(text(model, source)).map_or_else(
        || format!("{}.{}", module.join("."), text(model, source)),
        str::to_string,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(model, fields)` of each query of the file's functions read field by field.
    fn reads(source: &str) -> Vec<(String, Vec<String>)> {
        let tree = crate::parse::parse(source).unwrap();
        let module = vec!["app".to_string()];
        let imports = ImportMap::build(&tree, source, &module);
        let mut found = Vec::new();
        crate::parse::walk_tree(tree.root_node(), |function| {
            if function.kind_name() == "function_definition" {
                for r in field_reads(function, source, &imports) {
                    found.push((
                        text(r.model, source).to_string(),
                        r.fields.into_iter().collect(),
                    ));
                }
            }
        });
        found
    }

    #[test]
    fn loops_and_comprehensions_that_only_read_attributes() {
        let source = "from sqlalchemy import select\nasync def f(s):\n    users = await User.find_all().to_list()\n    if not users:\n        return len(users)\n    x = {u.name: u.email for u in users}\n    for u in users:\n        print(f'{u.city}', cache.u, dict(u=1))\n    rows = (await s.execute(select(Order).where(Order.paid))).scalars().all()\n    return [o.amount for o in rows]\n";
        assert_eq!(
            reads(source),
            [
                (
                    "User".into(),
                    vec!["city".into(), "email".into(), "name".into()]
                ),
                ("Order".into(), vec!["amount".into()]),
            ]
        );
    }

    #[test]
    fn async_iteration_reads_the_query_itself() {
        let source = "async def f():\n    return [u.name async for u in User.find(User.age > 3).sort('-age')]\n";
        let capped =
            "async def f():\n    return [u.name for u in await User.find_all().to_list(100)]\n";
        assert_eq!(reads(capped), [("User".into(), vec!["name".into()])]);
        assert_eq!(reads(source), [("User".into(), vec!["name".into()])]);
        let not_async = "async def f():\n    return [u.name for u in User.find(User.age > 3)]\n";
        assert!(reads(not_async).is_empty());
    }

    #[test]
    fn objects_that_escape_or_are_written_are_not_read_in_part() {
        for body in [
            "users = await User.find_all().to_list()\n    return users",
            "for u in await User.find_all().to_list():\n        audit(u)",
            "for u in await User.find_all().to_list():\n        u.name = 'x'",
            "for u in await User.find_all().to_list():\n        await u.save()",
            "for u in await User.find_all().to_list():\n        pass\n    return u.name",
            "for i, u in enumerate(await User.find_all().to_list()):\n        print(u.name)",
            "users = await User.find_all().to_list()\n    users = []\n    return [u.name for u in users]",
            "return [u.name for u in await User.find(fetch_links=True).to_list()]",
            "return [r.name for r in (await s.execute(select(A))).all()]",
        ] {
            let source = format!("from sqlalchemy import select\nasync def f(s):\n    {body}\n");
            assert!(reads(&source).is_empty(), "{body}");
        }
    }
}
