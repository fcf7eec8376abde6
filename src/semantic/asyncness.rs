//! Whether an `async def` awaits anything, and whether dropping its `async` is safe: shared by
//! PO105 (which drops it) and the blocking-call codemods (which leave such handlers to PO105).

use crate::codemod::FileContext;
use crate::parse::NodeLookups;
use crate::semantic::blocking::classify;
use crate::syntax::{named_children, text};
use tree_sitter::Node;

/// Nodes of a function's own body (not nested functions, lambdas or classes), in order.
pub fn own_body_nodes(function: Node) -> Vec<Node> {
    let mut nodes = Vec::new();
    let Some(body) = function.field("body") else {
        return nodes;
    };
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        nodes.push(node);
        for child in named_children(node).into_iter().rev() {
            if !matches!(
                child.kind_name(),
                "function_definition" | "lambda" | "class_definition" | "decorated_definition"
            ) {
                stack.push(child);
            }
        }
    }
    nodes
}

/// Whether the function's own body suspends: `await`, `async for`, `async with`, `yield`.
pub fn suspends(function: Node) -> bool {
    own_body_nodes(function)
        .into_iter()
        .any(|node| match node.kind_name() {
            "await" | "yield" => true,
            "for_statement" | "with_statement" | "for_in_clause" => {
                node.child(0).is_some_and(|c| c.kind_name() == "async")
            }
            _ => false,
        })
}

/// The first blocking call in the function's own body.
pub fn first_blocking_call<'t>(function: Node<'t>, file: &FileContext) -> Option<Node<'t>> {
    own_body_nodes(function)
        .into_iter()
        .filter(|n| n.kind_name() == "call" && file.scopes.function_of(*n) == Some(function))
        .find(|call| classify(*call, file).is_some())
}

/// Why dropping `async` from a route handler that never suspends could change behaviour, if it could.
pub fn drop_async_blocker(function: Node, file: &FileContext) -> Option<String> {
    let name = function.field("name").map(|n| text(n, file.source))?;
    if let Some(decorated) = function
        .parent()
        .filter(|p| p.kind_name() == "decorated_definition")
    {
        let other = named_children(decorated)
            .into_iter()
            .filter(|d| d.kind_name() == "decorator" && !file.fastapi().is_route_decorator(*d))
            .count();
        if other > 0 {
            return Some(
                "it has a decorator besides the route's, which may require a coroutine function"
                    .into(),
            );
        }
    }
    for node in own_body_nodes(function) {
        match node.kind_name() {
            "global_statement" | "nonlocal_statement" => {
                return Some(
                    "it rebinds shared state, which is safe only on the event loop's single thread"
                        .into(),
                );
            }
            "call" => {
                if let Some(q) = file.callee(node) {
                    if q.starts_with("asyncio.") || q.starts_with("anyio.") {
                        return Some(format!("it calls `{q}`, which needs the event loop"));
                    }
                }
            }
            _ => {}
        }
    }
    if file.project.is_awaited_elsewhere(name) {
        return Some(format!(
            "a function named `{name}` is awaited in the project, and awaiting a plain `def` fails"
        ));
    }
    if references(file, name) > 1 {
        return Some(format!(
            "`{name}` is referenced elsewhere in this file, where a coroutine may be expected"
        ));
    }
    None
}

/// Whether PO105 will drop `async` from this function, so other codemods should leave its calls alone.
pub fn handled_by_drop_async(function: Node, file: &FileContext) -> bool {
    file.enabled.contains("PO105")
        && file.fastapi().route(function).is_some()
        && !suspends(function)
        && drop_async_blocker(function, file).is_none()
}

/// Identifiers named `name`, its definition included, `add_api_route` registrations excluded.
fn references(file: &FileContext, name: &str) -> usize {
    let mut count = file.unparsed.uses(name);
    crate::parse::walk_tree(file.tree.root_node(), |node| {
        if node.kind_name() == "identifier"
            && text(node, file.source) == name
            && !file.fastapi().is_registration(node)
        {
            count += 1;
        }
    });
    count
}
