//! Where code runs: the function whose body executes a node (and whether it is `async def`), and
//! the names a function binds locally, which shadow imports.

use crate::semantic::imports::collect_target_names;
use crate::syntax::{is_async_def, named_children, text};
use std::collections::HashSet;
use tree_sitter::Node;

/// The scope whose execution runs a node.
#[derive(Debug, Clone, Copy)]
pub enum ExecScope<'t> {
    Module,
    Function(Node<'t>),
    /// A lambda body or a class body: not run when the enclosing function runs.
    Deferred,
}

/// Finds the scope that executes `node`. Default arguments, decorators and annotations run in
/// the scope around the function; a comprehension runs in the function around it.
pub fn execution_scope(node: Node) -> ExecScope {
    let mut child = node;
    while let Some(parent) = child.parent() {
        let is_body = parent.child_by_field_name("body") == Some(child);
        match parent.kind() {
            "lambda" | "class_definition" if is_body => return ExecScope::Deferred,
            "function_definition" if is_body => return ExecScope::Function(parent),
            _ => {}
        }
        child = parent;
    }
    ExecScope::Module
}

/// The `async def` whose own body runs `node` (not a nested sync `def`, lambda or class body).
pub fn enclosing_async_function(node: Node) -> Option<Node> {
    match execution_scope(node) {
        ExecScope::Function(function) if is_async_def(function) => Some(function),
        _ => None,
    }
}

/// The function (sync or async) whose body runs `node`.
pub fn enclosing_function(node: Node) -> Option<Node> {
    match execution_scope(node) {
        ExecScope::Function(function) => Some(function),
        _ => None,
    }
}

/// Names a function binds itself: parameters, assignment and loop targets, `with … as`,
/// `except … as`, nested definitions and function-level imports are left to the import table.
pub fn local_bindings(function: Node, source: &str) -> HashSet<String> {
    let mut names = HashSet::new();
    if let Some(params) = function.child_by_field_name("parameters") {
        for param in named_children(params) {
            let name = match param.kind() {
                "identifier" => Some(param),
                "typed_parameter" | "list_splat_pattern" | "dictionary_splat_pattern" => {
                    named_children(param)
                        .into_iter()
                        .find(|c| c.kind() == "identifier")
                }
                "default_parameter" | "typed_default_parameter" => {
                    param.child_by_field_name("name")
                }
                _ => None,
            };
            if let Some(name) = name {
                names.insert(text(name, source).to_string());
            }
        }
    }
    if let Some(body) = function.child_by_field_name("body") {
        collect_body_bindings(body, source, &mut names);
    }
    names
}

fn collect_body_bindings(node: Node, source: &str, names: &mut HashSet<String>) {
    for child in named_children(node) {
        match child.kind() {
            "function_definition" | "class_definition" => {
                if let Some(name) = child.child_by_field_name("name") {
                    names.insert(text(name, source).to_string());
                }
                continue;
            }
            "lambda" => continue,
            "assignment" | "augmented_assignment" => {
                if let Some(left) = child.child_by_field_name("left") {
                    collect_target_names(left, source, names);
                }
            }
            "for_statement" | "for_in_clause" => {
                if let Some(left) = child.child_by_field_name("left") {
                    collect_target_names(left, source, names);
                }
            }
            "as_pattern" => {
                if let Some(alias) = child.child_by_field_name("alias") {
                    collect_target_names(alias, source, names);
                }
            }
            "named_expression" => {
                if let Some(name) = child.child_by_field_name("name") {
                    names.insert(text(name, source).to_string());
                }
            }
            "global_statement" | "nonlocal_statement" => {
                // Declared names refer to the outer binding: not local.
                for name in named_children(child) {
                    names.remove(text(name, source));
                }
                continue;
            }
            _ => {}
        }
        collect_body_bindings(child, source, names);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{parse, walk_tree};

    fn scope_of_call(source: &str, callee: &str) -> String {
        let tree = parse(source).unwrap();
        let mut found = String::new();
        walk_tree(tree.root_node(), |node| {
            if node.kind() == "call" && text(node.child(0).unwrap(), source) == callee {
                found = match execution_scope(node) {
                    ExecScope::Module => "module".into(),
                    ExecScope::Deferred => "deferred".into(),
                    ExecScope::Function(f) => {
                        let name = text(f.child_by_field_name("name").unwrap(), source);
                        format!("{}{name}", if is_async_def(f) { "async " } else { "" })
                    }
                };
            }
        });
        found
    }

    #[test]
    fn scopes_follow_execution() {
        let source = "async def outer(x=default()):\n    [a() for _ in y]\n    def inner():\n        b()\n    f = lambda: c()\n    class K:\n        d()\n";
        assert_eq!(scope_of_call(source, "default"), "module");
        assert_eq!(scope_of_call(source, "a"), "async outer");
        assert_eq!(scope_of_call(source, "b"), "inner");
        assert_eq!(scope_of_call(source, "c"), "deferred");
        assert_eq!(scope_of_call(source, "d"), "deferred");
    }

    #[test]
    fn local_bindings_cover_params_targets_and_withs() {
        let source = "async def f(a, b: int = 1, *args, **kw):\n    c = 1\n    for d, e in x: pass\n    with g() as h: pass\n    def i(): j = 1\n";
        let tree = parse(source).unwrap();
        let function = tree.root_node().named_child(0).unwrap();
        let mut names: Vec<_> = local_bindings(function, source).into_iter().collect();
        names.sort();
        assert_eq!(names, ["a", "args", "b", "c", "d", "e", "h", "i", "kw"]);
    }
}
