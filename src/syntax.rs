//! Small helpers over tree-sitter-python nodes: text, calls and their arguments, statements.

use crate::parse::NodeLookups;
use tree_sitter::Node;

pub fn text<'s>(node: Node, source: &'s str) -> &'s str {
    &source[node.start_byte()..node.end_byte()]
}

/// Named children of a node, collected (tree-sitter's iterator borrows a cursor).
pub fn named_children(node: Node) -> Vec<Node> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

/// All children of a node, anonymous tokens (`:`, `(`) included.
pub fn children(node: Node) -> Vec<Node> {
    let mut cursor = node.walk();
    node.children(&mut cursor).collect()
}

/// Whether a `function_definition` is `async def`.
pub fn is_async_def(function: Node) -> bool {
    function.child(0).is_some_and(|c| c.kind_name() == "async")
}

/// The positional and keyword arguments of a `call` node.
pub struct CallArgs<'t> {
    pub list: Option<Node<'t>>,
    pub positional: Vec<Node<'t>>,
    pub keywords: Vec<(String, Node<'t>, Node<'t>)>,
    /// `*args` or `**kwargs` present: the call's arguments are not all visible.
    pub has_splat: bool,
}

impl<'t> CallArgs<'t> {
    pub fn of(call: Node<'t>, source: &str) -> Self {
        let list = call
            .field("arguments")
            .filter(|a| a.kind_name() == "argument_list");
        let mut args = CallArgs {
            list,
            positional: Vec::new(),
            keywords: Vec::new(),
            has_splat: false,
        };
        let Some(list) = list else {
            // A generator-expression argument: `f(x for x in y)`.
            args.has_splat = true;
            return args;
        };
        for arg in named_children(list) {
            match arg.kind_name() {
                "keyword_argument" => {
                    if let (Some(name), Some(value)) = (arg.field("name"), arg.field("value")) {
                        args.keywords
                            .push((text(name, source).to_string(), value, arg));
                    }
                }
                "list_splat" | "dictionary_splat" => args.has_splat = true,
                "comment" => {}
                _ => args.positional.push(arg),
            }
        }
        args
    }

    pub fn keyword(&self, name: &str) -> Option<Node<'t>> {
        self.keywords
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, value, _)| *value)
    }

    /// The whole `name=value` node of a keyword argument.
    pub fn keyword_node(&self, name: &str) -> Option<Node<'t>> {
        self.keywords
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, _, node)| *node)
    }
}

/// The statement (child of a block or module) that contains `node`.
pub fn enclosing_statement(node: Node) -> Option<Node> {
    let mut current = node;
    while let Some(parent) = current.parent() {
        if matches!(parent.kind_name(), "block" | "module") {
            return Some(current);
        }
        current = parent;
    }
    None
}

/// The tree's root (the module) above `node`.
pub fn root(node: Node) -> Node {
    let mut current = node;
    while let Some(parent) = current.parent() {
        current = parent;
    }
    current
}

/// Whether `inner` lies within `outer` (inclusive).
pub fn contains(outer: Node, inner: Node) -> bool {
    outer.start_byte() <= inner.start_byte() && inner.end_byte() <= outer.end_byte()
}

pub fn is_string_literal(node: Node) -> bool {
    node.kind_name() == "string" || node.kind_name() == "concatenated_string"
}

/// The nodes strictly between `top` and `node`, innermost first: what repeated `parent()` calls
/// would give, computed downwards in one pass (tree-sitter finds each parent from the root, so
/// an upward walk costs depth² on deeply nested code).
pub fn ancestors_below<'t>(top: Node<'t>, node: Node<'t>) -> Vec<Node<'t>> {
    let mut chain = Vec::new();
    let mut current = top;
    while let Some(child) = current.child_with_descendant(node) {
        if child == node {
            break;
        }
        chain.push(child);
        current = child;
    }
    chain.reverse();
    chain
}

/// Parameter names of a function.
pub fn parameter_names(function: Node, source: &str) -> Vec<String> {
    let Some(parameters) = function.field("parameters") else {
        return Vec::new();
    };
    named_children(parameters)
        .into_iter()
        .filter_map(|p| match p.kind_name() {
            "identifier" => Some(p),
            "default_parameter" | "typed_default_parameter" => p.field("name"),
            "typed_parameter" => p.named_child(0).filter(|n| n.kind_name() == "identifier"),
            _ => None,
        })
        .map(|n| text(n, source).to_string())
        .collect()
}
