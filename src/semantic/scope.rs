//! Where code runs: the function whose body executes a node (and whether it is `async def`), and
//! the names a function binds locally, which shadow imports.

use crate::parse::NodeLookups;
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

/// The bodies of every function, lambda and class in a file, from one walk: answers "which
/// scope executes this node" by byte ranges instead of walking parents (which tree-sitter
/// computes from the root each time). A function's parameters, defaults, decorators and
/// annotations lie outside its body, so they belong to the scope around it; a comprehension runs
/// in the function around it.
pub struct ScopeIndex<'t> {
    /// Bodies sorted by start byte; nested bodies follow the ones that contain them.
    bodies: Vec<(usize, usize, Node<'t>)>,
}

impl<'t> ScopeIndex<'t> {
    pub fn build(root: Node<'t>, source: &str) -> Self {
        let mut bodies = Vec::new();
        let mut collect = |node: Node<'t>| {
            if matches!(
                node.kind_name(),
                "function_definition" | "lambda" | "class_definition"
            ) {
                if let Some(body) = node.field("body") {
                    bodies.push((body.start_byte(), body.end_byte(), node));
                }
            }
        };
        // Definitions are statements; only lambdas hide in expressions, found from their keyword.
        crate::parse::walk_statements(root, &mut collect);
        for at in crate::source::find_all(source, "lambda") {
            let lambda = root
                .descendant_for_byte_range(at, at + "lambda".len())
                .filter(|token| !token.is_named() && token.kind_name() == "lambda")
                .and_then(|token| token.parent());
            if let Some(lambda) = lambda {
                collect(lambda);
            }
        }
        // In document order, a body before those nested in it.
        bodies.sort_by_key(|&(start, end, _)| (start, std::cmp::Reverse(end)));
        ScopeIndex { bodies }
    }

    /// The scope whose execution runs `node`.
    pub fn scope_of(&self, node: Node<'t>) -> ExecScope<'t> {
        let (start, end) = (node.start_byte(), node.end_byte());
        let candidates = self.bodies.partition_point(|(s, _, _)| *s <= start);
        let innermost = self.bodies[..candidates]
            .iter()
            .rev()
            .find(|(s, e, owner)| *s <= start && end <= *e && *owner != node);
        match innermost {
            Some((_, _, owner)) if owner.kind_name() == "function_definition" => {
                ExecScope::Function(*owner)
            }
            Some(_) => ExecScope::Deferred,
            None => ExecScope::Module,
        }
    }

    /// The `async def` functions not nested in another one: together they cover every node
    /// inside any `async def`.
    pub fn outermost_async_functions(&self) -> Vec<Node<'t>> {
        let mut found: Vec<Node<'t>> = Vec::new();
        for (_, _, owner) in &self.bodies {
            let nested = found
                .last()
                .is_some_and(|last| owner.start_byte() < last.end_byte());
            if owner.kind_name() == "function_definition" && is_async_def(*owner) && !nested {
                found.push(*owner);
            }
        }
        found
    }

    /// The `async def` whose own body runs `node` (not a nested sync `def`, lambda or class body).
    pub fn async_function_of(&self, node: Node<'t>) -> Option<Node<'t>> {
        self.function_of(node).filter(|f| is_async_def(*f))
    }

    /// The function (sync or async) whose own body runs `node`.
    pub fn function_of(&self, node: Node<'t>) -> Option<Node<'t>> {
        match self.scope_of(node) {
            ExecScope::Function(function) => Some(function),
            _ => None,
        }
    }
}

/// Names a function binds itself: parameters, assignment and loop targets, `with … as`,
/// `except … as`, nested definitions and function-level imports are left to the import table.
pub fn local_bindings(function: Node, source: &str) -> HashSet<String> {
    let mut names = HashSet::new();
    if let Some(params) = function.field("parameters") {
        for param in named_children(params) {
            let name = match param.kind_name() {
                "identifier" => Some(param),
                "typed_parameter" | "list_splat_pattern" | "dictionary_splat_pattern" => {
                    named_children(param)
                        .into_iter()
                        .find(|c| c.kind_name() == "identifier")
                }
                "default_parameter" | "typed_default_parameter" => param.field("name"),
                _ => None,
            };
            if let Some(name) = name {
                names.insert(text(name, source).to_string());
            }
        }
    }
    if let Some(body) = function.field("body") {
        collect_body_bindings(body, source, &mut names);
    }
    names
}

/// Iterative (a deeply nested body must not overflow the stack); names declared `global` or
/// `nonlocal` anywhere in the body refer to the outer binding and are not local.
fn collect_body_bindings(body: Node, source: &str, names: &mut HashSet<String>) {
    let mut declared_outer = HashSet::new();
    let mut stack = vec![body];
    while let Some(node) = stack.pop() {
        for child in named_children(node) {
            let target = match child.kind_name() {
                "function_definition" | "class_definition" => {
                    if let Some(name) = child.field("name") {
                        names.insert(text(name, source).to_string());
                    }
                    continue;
                }
                "lambda" => continue,
                "global_statement" | "nonlocal_statement" => {
                    for name in named_children(child) {
                        declared_outer.insert(text(name, source).to_string());
                    }
                    continue;
                }
                "assignment" | "augmented_assignment" | "for_statement" | "for_in_clause" => {
                    child.field("left")
                }
                "as_pattern" => child.field("alias"),
                "named_expression" => child.field("name"),
                _ => None,
            };
            if let Some(target) = target {
                collect_target_names(target, source, names);
            }
            stack.push(child);
        }
    }
    names.retain(|name| !declared_outer.contains(name));
}

/// A name for a new local variable of `function`: `base`, or `base_1`, … when any identifier in
/// it (nested scopes included) already has that name.
pub fn fresh_local(function: Node, source: &str, base: &str) -> String {
    let mut taken = HashSet::new();
    crate::parse::walk_tree(function, |n| {
        if n.kind_name() == "identifier" {
            taken.insert(text(n, source));
        }
    });
    std::iter::once(base.to_string())
        .chain((1..).map(|i| format!("{base}_{i}")))
        .find(|name| !taken.contains(name.as_str()))
        .expect("an unused name exists")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{parse, walk_tree};

    fn scope_of_call(source: &str, callee: &str) -> String {
        let tree = parse(source).unwrap();
        let mut found = String::new();
        walk_tree(tree.root_node(), |node| {
            if node.kind_name() == "call" && text(node.child(0).unwrap(), source) == callee {
                found = match ScopeIndex::build(tree.root_node(), source).scope_of(node) {
                    ExecScope::Module => "module".into(),
                    ExecScope::Deferred => "deferred".into(),
                    ExecScope::Function(f) => {
                        let name = text(f.field("name").unwrap(), source);
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
