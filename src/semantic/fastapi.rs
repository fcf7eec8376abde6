//! FastAPI facts of one file: which functions are route handlers (and for which method) and
//! which are dependencies (`Depends(fn)`).

use crate::semantic::imports::ImportMap;
use crate::semantic::project::{app_object_names, qualified_static, ProjectIndex};
use crate::syntax::{named_children, text};
use std::collections::HashMap;
use tree_sitter::{Node, Tree};

#[derive(Debug, Clone)]
pub struct Route {
    /// `get`, `post`, … or `api_route`/`websocket`.
    pub method: String,
    /// The app or router object's local name.
    pub owner: String,
}

#[derive(Debug, Default)]
pub struct FastApiFacts {
    /// Route handlers by the start byte of their `function_definition`.
    routes: HashMap<usize, Route>,
    /// Names passed to `Depends(...)`.
    dependencies: Vec<String>,
}

const ROUTE_METHODS: &[&str] = &[
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "options",
    "head",
    "trace",
    "api_route",
    "websocket",
];

impl FastApiFacts {
    pub fn build(tree: &Tree, source: &str, imports: &ImportMap, project: &ProjectIndex) -> Self {
        let mut facts = FastApiFacts::default();
        let local_apps = app_object_names(tree, source, imports);
        let is_app = |name: &str| {
            local_apps.iter().any(|a| a == name)
                || imports
                    .resolve(name)
                    .is_some_and(|q| project.is_app_object(q))
        };
        crate::parse::walk_tree(tree.root_node(), |node| match node.kind() {
            "decorated_definition" => {
                let Some(function) = node.child_by_field_name("definition") else {
                    return;
                };
                if function.kind() != "function_definition" {
                    return;
                }
                for decorator in named_children(node)
                    .into_iter()
                    .filter(|d| d.kind() == "decorator")
                {
                    if let Some(route) = route_of_decorator(decorator, source, &is_app) {
                        facts.routes.insert(function.start_byte(), route);
                    }
                }
            }
            "call" => {
                let callee = node.child_by_field_name("function");
                let is_depends = callee
                    .and_then(|c| qualified_static(c, source, imports))
                    .is_some_and(|q| q == "fastapi.Depends" || q == "fastapi.Security");
                if !is_depends {
                    return;
                }
                if let Some(first) = node
                    .child_by_field_name("arguments")
                    .and_then(|a| a.named_child(0))
                    .filter(|a| a.kind() == "identifier")
                {
                    facts.dependencies.push(text(first, source).to_string());
                }
            }
            _ => {}
        });
        facts
    }

    pub fn route(&self, function: Node) -> Option<&Route> {
        self.routes.get(&function.start_byte())
    }

    pub fn is_dependency(&self, function: Node, source: &str) -> bool {
        function
            .child_by_field_name("name")
            .is_some_and(|name| self.dependencies.iter().any(|d| d == text(name, source)))
    }
}

fn route_of_decorator(
    decorator: Node,
    source: &str,
    is_app: &dyn Fn(&str) -> bool,
) -> Option<Route> {
    let call = decorator.named_child(0).filter(|c| c.kind() == "call")?;
    let callee = call
        .child_by_field_name("function")
        .filter(|f| f.kind() == "attribute")?;
    let object = callee
        .child_by_field_name("object")
        .filter(|o| o.kind() == "identifier")?;
    let method = text(callee.child_by_field_name("attribute")?, source);
    let owner = text(object, source);
    (ROUTE_METHODS.contains(&method) && is_app(owner)).then(|| Route {
        method: method.to_string(),
        owner: owner.to_string(),
    })
}
