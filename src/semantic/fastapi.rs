//! FastAPI facts of one file: which functions are route handlers (and for which method), by
//! decorator or by `add_api_route`.

use crate::parse::NodeLookups;
use crate::semantic::imports::ImportMap;
use crate::semantic::project::{app_object_names, method_call_on_name, ProjectIndex};
use crate::syntax::{named_children, text};
use std::collections::{HashMap, HashSet};
use tree_sitter::{Node, Tree};

#[derive(Debug, Clone)]
pub struct Route {
    /// `get`, `post`, … or `api_route`/`websocket`.
    pub method: String,
    /// The app or router object's local name.
    pub owner: String,
    /// The path, when the decorator gives it as a plain string literal (`"/items/{id}"`).
    pub path: Option<String>,
}

#[derive(Debug, Default)]
pub struct FastApiFacts {
    /// Route handlers by the start byte of their `function_definition`.
    routes: HashMap<usize, Route>,
    /// Start bytes of the decorators that register routes.
    route_decorators: HashSet<usize>,
    /// Handler names registered with `app.add_api_route(path, handler)`, with the byte range
    /// of the registering argument.
    registrations: Vec<(String, (usize, usize), Route)>,
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
        // Route decorators and `add_api_route(...)` calls are statements: no need to visit expressions.
        crate::parse::walk_statements(tree.root_node(), |node| match node.kind_name() {
            "decorated_definition" => {
                let Some(function) = node.field("definition") else {
                    return;
                };
                if function.kind_name() != "function_definition" {
                    return;
                }
                for decorator in named_children(node)
                    .into_iter()
                    .filter(|d| d.kind_name() == "decorator")
                {
                    if let Some(route) = route_of_decorator(decorator, source, &is_app) {
                        facts.routes.insert(function.start_byte(), route);
                        facts.route_decorators.insert(decorator.start_byte());
                    }
                }
            }
            "expression_statement" => {
                let call = node.named_child(0).filter(|c| c.kind_name() == "call");
                if let Some(registration) =
                    call.and_then(|call| registration_of_call(call, source, &is_app))
                {
                    facts.registrations.push(registration);
                }
            }
            _ => {}
        });
        // Handlers registered by `add_api_route` are the module-level functions of that name.
        for statement in named_children(tree.root_node()) {
            let function = match statement.kind_name() {
                "decorated_definition" => statement.field("definition"),
                "function_definition" => Some(statement),
                _ => None,
            };
            let Some(function) = function.filter(|f| f.kind_name() == "function_definition") else {
                continue;
            };
            let Some(name) = function.field("name") else {
                continue;
            };
            for (registered, _, route) in &facts.registrations {
                if registered == text(name, source) {
                    facts
                        .routes
                        .entry(function.start_byte())
                        .or_insert_with(|| route.clone());
                }
            }
        }
        facts
    }

    /// The route a function handles, registered by a decorator or by `add_api_route`.
    pub fn route(&self, function: Node) -> Option<&Route> {
        self.routes.get(&function.start_byte())
    }

    /// Whether a decorator registers a route (`@router.get(...)`).
    pub fn is_route_decorator(&self, decorator: Node) -> bool {
        self.route_decorators.contains(&decorator.start_byte())
    }

    /// Whether `node` is the handler argument of an `add_api_route(...)` call.
    pub fn is_registration(&self, node: Node) -> bool {
        self.registrations
            .iter()
            .any(|(_, range, _)| *range == (node.start_byte(), node.end_byte()))
    }
}

fn route_of_decorator(
    decorator: Node,
    source: &str,
    is_app: &dyn Fn(&str) -> bool,
) -> Option<Route> {
    let call = decorator
        .named_child(0)
        .filter(|c| c.kind_name() == "call")?;
    let (owner, method) = method_call_on_name(call, source)?;
    if !(ROUTE_METHODS.contains(&method) && is_app(owner)) {
        return None;
    }
    let args = crate::syntax::CallArgs::of(call, source);
    Some(Route {
        method: method.to_string(),
        owner: owner.to_string(),
        path: args
            .keyword("path")
            .or_else(|| args.positional.first().copied())
            .and_then(|p| string_value(p, source)),
    })
}

/// The value of a plain string literal (no f-string, no implicit concatenation, no escapes).
pub fn string_value(node: Node, source: &str) -> Option<String> {
    if node.kind_name() != "string" {
        return None;
    }
    let parts = named_children(node);
    let [start, content, end] = parts.as_slice() else {
        return (parts.len() == 2).then(String::new);
    };
    let prefix = text(*start, source).trim_end_matches(['"', '\'']);
    let plain = content.kind_name() == "string_content"
        && named_children(*content).is_empty()
        && !prefix.to_ascii_lowercase().contains('f')
        && end.kind_name() == "string_end";
    plain.then(|| text(*content, source).to_string())
}

/// Words in a route's path or handler name that say it exports a whole collection (`/export`,
/// `download_orders`, `/products/all`), rather than listing a page of it.
const EXPORT_WORDS: &[&str] = &[
    "all",
    "backup",
    "backups",
    "csv",
    "download",
    "downloads",
    "dump",
    "dumps",
    "export",
    "exports",
];

/// The call a module-level `name = <call>(...)` binds `name` to (`APIRouter(prefix="/x")`).
pub fn module_level_call<'t>(root: Node<'t>, name: &str, source: &str) -> Option<Node<'t>> {
    named_children(root).into_iter().find_map(|statement| {
        let assignment = statement.named_child(0).filter(|a| {
            statement.kind_name() == "expression_statement" && a.kind_name() == "assignment"
        })?;
        let target = assignment.field("left")?;
        let value = assignment
            .field("right")
            .filter(|v| v.kind_name() == "call")?;
        (text(target, source) == name).then_some(value)
    })
}

/// The route's full path as far as this module tells: its router's literal `prefix=` (when the
/// module builds the router) followed by the decorator's literal path.
pub fn full_path(root: Node, route: &Route, source: &str) -> String {
    let prefix = module_level_call(root, &route.owner, source)
        .and_then(|call| crate::syntax::CallArgs::of(call, source).keyword("prefix"))
        .and_then(|prefix| string_value(prefix, source))
        .unwrap_or_default();
    format!("{prefix}{}", route.path.as_deref().unwrap_or_default())
}

/// Whether a route looks like an export: its path (with its router's prefix) or its handler's
/// name contains one of `EXPORT_WORDS` as a whole word.
pub fn is_export_style(path: &str, handler: &str) -> bool {
    path.split(|c: char| !c.is_ascii_alphanumeric())
        .chain(handler.split(|c: char| !c.is_ascii_alphanumeric()))
        .any(|word| EXPORT_WORDS.contains(&word.to_ascii_lowercase().as_str()))
}

/// `app.add_api_route("/path", handler, methods=[...])` (or `endpoint=handler`) on an app or router.
fn registration_of_call(
    call: Node,
    source: &str,
    is_app: &dyn Fn(&str) -> bool,
) -> Option<(String, (usize, usize), Route)> {
    let (object, method) = method_call_on_name(call, source)?;
    if method != "add_api_route" || !is_app(object) {
        return None;
    }
    let args = crate::syntax::CallArgs::of(call, source);
    let handler = args
        .keyword("endpoint")
        .or_else(|| args.positional.get(1).copied())
        .filter(|h| h.kind_name() == "identifier")?;
    Some((
        text(handler, source).to_string(),
        (handler.start_byte(), handler.end_byte()),
        Route {
            method: "api_route".into(),
            owner: object.to_string(),
            path: args
                .keyword("path")
                .or_else(|| args.positional.first().copied())
                .and_then(|p| string_value(p, source)),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_words_are_whole_words_of_the_path_or_the_handler() {
        assert!(is_export_style("/admin/products/export", "products"));
        assert!(is_export_style("/orders.CSV", "orders"));
        assert!(is_export_style("/users", "list_all_users"));
        assert!(!is_export_style("/install-guide", "install_guide"));
        assert!(!is_export_style("/exporters/{id}", "get_exporter"));
    }

    #[test]
    fn string_values_are_plain_literals_only() {
        let source = "a('/x/{id}', f'/y/{z}', '/a' '/b', r'/raw', '')\n";
        let tree = crate::parse::parse(source).unwrap();
        let call = crate::parse::find_node(tree.root_node(), |n| n.kind_name() == "call").unwrap();
        let args = crate::syntax::CallArgs::of(call, source);
        let values: Vec<Option<String>> = args
            .positional
            .iter()
            .map(|a| string_value(*a, source))
            .collect();
        assert_eq!(
            values,
            [
                Some("/x/{id}".to_string()),
                None,
                None,
                Some("/raw".to_string()),
                Some(String::new())
            ]
        );
    }
}
