//! Which calls block the event loop: the shared classification behind PO101–PO105. Callees are
//! resolved through imports and local bindings, never by their text alone.

use crate::codemod::{FileContext, Gate, Mention};
use crate::parse::NodeLookups;
use crate::source::contains_literal;
use crate::syntax::{named_children, text};
use std::collections::{HashMap, HashSet};
use tree_sitter::Node;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpLibrary {
    Requests,
    Httpx,
}

#[derive(Debug, Clone, Copy)]
pub enum BlockingCall<'t> {
    /// `requests.get(...)`, `httpx.post(...)`, `requests.request(...)`.
    HttpFunction {
        library: HttpLibrary,
        verb: &'static str,
    },
    /// `urllib.request.urlopen(...)`.
    Urlopen,
    /// A method call on a `requests.Session()` / `httpx.Client()` bound to a name.
    SessionMethod {
        library: HttpLibrary,
        verb: &'static str,
        session: SessionBinding<'t>,
    },
    /// `time.sleep(...)`.
    Sleep,
    /// `open(...)`, `io.open(...)`.
    Open,
    /// `Path(...).read_text()` and the other whole-file `pathlib` methods.
    PathMethod,
    /// `subprocess.run(...)` and friends, `os.system(...)`.
    Subprocess { waits_for_exit: bool },
}

/// Where a session object came from.
#[derive(Debug, Clone, Copy)]
pub struct SessionBinding<'t> {
    /// The `requests.Session()` / `httpx.Client()` call.
    pub constructor: Node<'t>,
    /// The `with` statement that binds it, if it is bound by `with … as name`.
    pub with_statement: Option<Node<'t>>,
}

// What a file must contain for each kind of blocking call to be possible (checked before
// parsing): the module it comes from on an import line, and a literal its use must contain.
const REQUESTS_GATE: Gate = Gate::imports(&["requests"]);
const URLOPEN_GATE: Gate = Gate::imports_and(&["urllib"], &["urlopen"]);
/// Only httpx's sync API blocks: its module functions, `Client`, or names imported from it.
const SYNC_HTTPX_GATE: Gate = Gate::imports_and(
    &["httpx"],
    &[
        "httpx.get(",
        "httpx.post(",
        "httpx.put(",
        "httpx.patch(",
        "httpx.delete(",
        "httpx.head(",
        "httpx.options(",
        "httpx.request(",
        "httpx.stream(",
        "Client(",
        "from httpx import",
        "httpx as",
    ],
);
const SLEEP_GATE: Gate = Gate::imports_and(&["time"], &["sleep"]);
const OPEN_GATE: Gate = Gate::imports_and(&[], &["open("]);
const PATHLIB_GATE: Gate = Gate::imports_and(
    &["pathlib"],
    &[
        ".read_text(",
        ".read_bytes(",
        ".write_text(",
        ".write_bytes(",
    ],
);
const SUBPROCESS_GATE: Gate = Gate::imports(&["subprocess"]);
const OS_GATE: Gate = Gate::imports_and(&["os"], &["system(", "popen("]);

pub const HTTP_GATES: &[Gate] = &[REQUESTS_GATE, URLOPEN_GATE, SYNC_HTTPX_GATE];
pub const SLEEP_GATES: &[Gate] = &[SLEEP_GATE];
pub const FILE_IO_GATES: &[Gate] = &[OPEN_GATE, PATHLIB_GATE];
pub const SUBPROCESS_GATES: &[Gate] = &[SUBPROCESS_GATE, OS_GATE];
/// Any blocking call: what PO105 needs.
pub const BLOCKING_GATES: &[Gate] = &[
    REQUESTS_GATE,
    URLOPEN_GATE,
    SYNC_HTTPX_GATE,
    SLEEP_GATE,
    OPEN_GATE,
    PATHLIB_GATE,
    SUBPROCESS_GATE,
    OS_GATE,
];

// What a `def` must mention for each kind of blocking call to be possible in it: a name bound
// to the callee (or to a client built from one), or the method's name.
const HTTP_MENTION: Mention = Mention::imports_and_variables(&[
    "requests",
    "httpx.get",
    "httpx.post",
    "httpx.put",
    "httpx.patch",
    "httpx.delete",
    "httpx.head",
    "httpx.options",
    "httpx.request",
    "httpx.Client",
    "urllib.request.urlopen",
]);
const SLEEP_MENTION: Mention = Mention::imports(&["time.sleep"]);
// The builtin blocks only where it is called.
const OPEN_MENTION: Mention = Mention::shape(|text| contains_literal(text, "open("));
const IO_OPEN_MENTION: Mention = Mention::imports(&["io.open"]);
const PATH_METHOD_MENTION: Mention = Mention::words(PATH_METHODS);
const SUBPROCESS_MENTION: Mention = Mention::imports(&["subprocess", "os.system", "os.popen"]);

pub const HTTP_MENTIONS: &[Mention] = &[HTTP_MENTION];
pub const SLEEP_MENTIONS: &[Mention] = &[SLEEP_MENTION];
pub const FILE_IO_MENTIONS: &[Mention] = &[OPEN_MENTION, IO_OPEN_MENTION, PATH_METHOD_MENTION];
pub const SUBPROCESS_MENTIONS: &[Mention] = &[SUBPROCESS_MENTION];
/// Any blocking call, or a route registered by `add_api_route`: what PO105 needs.
pub const BLOCKING_MENTIONS: &[Mention] = &[
    HTTP_MENTION,
    SLEEP_MENTION,
    OPEN_MENTION,
    IO_OPEN_MENTION,
    PATH_METHOD_MENTION,
    SUBPROCESS_MENTION,
    Mention::words(&["add_api_route"]),
];

pub const HTTP_VERBS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "request",
];

const PATH_METHODS: &[&str] = &["read_text", "read_bytes", "write_text", "write_bytes"];

/// Classifies a `call` node; `None` if it does not block (or is not known to).
pub fn classify<'t>(call: Node<'t>, file: &FileContext<'t>) -> Option<BlockingCall<'t>> {
    let function = call.field("function")?;
    if let Some(qualified) = file.qualified_name(function) {
        if let Some(found) = classify_qualified(&qualified) {
            return Some(found);
        }
    }
    match function.kind_name() {
        "identifier" if text(function, file.source) == "open" => {
            let shadowed = file.imports.is_bound("open") || file.is_local_name(call, "open");
            (!shadowed).then_some(BlockingCall::Open)
        }
        "attribute" => {
            let object = function.field("object")?;
            let method = text(function.field("attribute")?, file.source);
            if PATH_METHODS.contains(&method) && is_path(object, file, 0) {
                return Some(BlockingCall::PathMethod);
            }
            let verb = HTTP_VERBS.iter().find(|v| **v == method)?;
            if object.kind_name() != "identifier" {
                return None;
            }
            let (library, session) = session_binding(object, file)?;
            Some(BlockingCall::SessionMethod {
                library,
                verb,
                session,
            })
        }
        _ => None,
    }
}

fn classify_qualified(qualified: &str) -> Option<BlockingCall<'static>> {
    let (module, name) = qualified.rsplit_once('.')?;
    let library = match module {
        "requests" | "requests.api" => Some(HttpLibrary::Requests),
        "httpx" => Some(HttpLibrary::Httpx),
        _ => None,
    };
    if let Some(library) = library {
        let verb = HTTP_VERBS.iter().find(|v| **v == name)?;
        return Some(BlockingCall::HttpFunction { library, verb });
    }
    match qualified {
        "urllib.request.urlopen" => Some(BlockingCall::Urlopen),
        "time.sleep" => Some(BlockingCall::Sleep),
        "io.open" => Some(BlockingCall::Open),
        "subprocess.run"
        | "subprocess.call"
        | "subprocess.check_call"
        | "subprocess.check_output"
        | "subprocess.getoutput"
        | "subprocess.getstatusoutput"
        | "os.system" => Some(BlockingCall::Subprocess {
            waits_for_exit: true,
        }),
        "subprocess.Popen" | "os.popen" => Some(BlockingCall::Subprocess {
            waits_for_exit: false,
        }),
        _ => None,
    }
}

/// The kinds of HTTP client object a name can be bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientKind {
    /// `requests.Session()`: blocking, no default timeout.
    RequestsSession,
    /// `httpx.Client()`: blocking.
    HttpxClient,
    /// `httpx.AsyncClient()`.
    HttpxAsyncClient,
}

/// Whether a call constructs an HTTP client object, and which.
pub fn client_constructor(call: Node, file: &FileContext) -> Option<ClientKind> {
    if call.kind_name() != "call" {
        return None;
    }
    // Cheap look at the callee's last name before resolving it.
    let function = call.field("function")?;
    let last = text(function, file.source).rsplit('.').next()?;
    if !matches!(last, "Session" | "session" | "Client" | "AsyncClient") {
        return None;
    }
    match file.callee(call)?.as_str() {
        "requests.Session" | "requests.session" | "requests.sessions.Session" => {
            Some(ClientKind::RequestsSession)
        }
        "httpx.Client" => Some(ClientKind::HttpxClient),
        "httpx.AsyncClient" => Some(ClientKind::HttpxAsyncClient),
        _ => None,
    }
}

/// Whether a call constructs a blocking HTTP session (`requests.Session()`, `httpx.Client()`).
pub fn session_constructor(call: Node, file: &FileContext) -> Option<HttpLibrary> {
    match client_constructor(call, file)? {
        ClientKind::RequestsSession => Some(HttpLibrary::Requests),
        ClientKind::HttpxClient => Some(HttpLibrary::Httpx),
        ClientKind::HttpxAsyncClient => None,
    }
}

/// The blocking session a name refers to.
fn session_binding<'t>(
    name: Node<'t>,
    file: &FileContext<'t>,
) -> Option<(HttpLibrary, SessionBinding<'t>)> {
    let binding = client_binding(name, file)?;
    Some((session_constructor(binding.constructor, file)?, binding))
}

/// The HTTP client a name refers to: bound by `name = requests.Session()` (or `httpx.Client()`,
/// `httpx.AsyncClient()`) or `with … as name` in the enclosing function, or at module level.
/// The last binding before the end of the scope wins.
pub fn client_binding<'t>(name: Node<'t>, file: &FileContext<'t>) -> Option<SessionBinding<'t>> {
    if !file.imports.imports_from("requests") && !file.imports.imports_from("httpx") {
        return None;
    }
    let wanted = text(name, file.source);
    let root = file.tree.root_node();
    let scope = file
        .scopes
        .function_of(name)
        .and_then(|f| f.field("body"))
        .unwrap_or(root);
    let found = binding_in(scope, wanted, file);
    if found.is_none() && scope != root && !file.is_local_name(name, wanted) {
        // A module-level client used inside a function.
        return binding_in(root, wanted, file);
    }
    found
}

/// The client `wanted` is last bound to in `scope`, if it is one.
fn binding_in<'t>(
    scope: Node<'t>,
    wanted: &str,
    file: &FileContext<'t>,
) -> Option<SessionBinding<'t>> {
    if !file.binds_client(scope, wanted) {
        return None;
    }
    let mut found = None;
    each_binding(scope, file, |name, binding| {
        if name == wanted {
            found = binding;
        }
    });
    found
}

/// The names a scope (a function body, or the module's statements) binds last to an HTTP client.
pub fn client_names(scope: Node, file: &FileContext) -> HashSet<String> {
    let mut last = HashMap::new();
    each_binding(scope, file, |name, binding| {
        last.insert(name, binding.is_some());
    });
    last.into_iter()
        .filter(|(_, client)| *client)
        .map(|(name, _)| name.to_string())
        .collect()
}

/// Calls `bind` with every name bound in `scope` by an assignment or a `with … as`, in the
/// order where the last call for a name is its binding at the end of the scope, with the client
/// it is bound to, if it is one. At module level only the statements' own assignments count.
fn each_binding<'t>(
    scope: Node<'t>,
    file: &FileContext<'t>,
    mut bind: impl FnMut(&'t str, Option<SessionBinding<'t>>),
) {
    let bound = |constructor: Node<'t>, with_statement: Option<Node<'t>>| {
        client_constructor(constructor, file).map(|_| SessionBinding {
            constructor,
            with_statement,
        })
    };
    let assigned = |assignment: Node<'t>,
                    bind: &mut dyn FnMut(&'t str, Option<SessionBinding<'t>>)| {
        let left = assignment.field("left");
        let right = assignment.field("right");
        if let (Some(left), Some(right)) = (left, right) {
            bind(text(left, file.source), bound(right, None));
        }
    };
    if scope == file.tree.root_node() {
        for statement in named_children(scope) {
            for assignment in named_children(statement)
                .into_iter()
                .filter(|c| c.kind_name() == "assignment")
            {
                assigned(assignment, &mut bind);
            }
        }
        return;
    }
    let mut stack = vec![scope];
    while let Some(node) = stack.pop() {
        for child in named_children(node) {
            match child.kind_name() {
                "function_definition" | "class_definition" | "lambda" => continue,
                "assignment" => assigned(child, &mut bind),
                "with_statement" => {
                    for item in with_items(child) {
                        let Some(value) = item.field("value") else {
                            continue;
                        };
                        if value.kind_name() != "as_pattern" {
                            continue;
                        }
                        let constructor = value.named_child(0);
                        let alias = value.field("alias");
                        if let (Some(constructor), Some(alias)) = (constructor, alias) {
                            bind(text(alias, file.source), bound(constructor, Some(child)));
                        }
                    }
                }
                _ => {}
            }
            stack.push(child);
        }
    }
}

/// The `with_item`s of a `with` statement.
pub fn with_items(with_statement: Node) -> Vec<Node> {
    named_children(with_statement)
        .into_iter()
        .filter(|c| c.kind_name() == "with_clause")
        .flat_map(named_children)
        .filter(|c| c.kind_name() == "with_item")
        .collect()
}

/// Whether an expression is a `pathlib.Path`: `Path(...)`, `Path(...) / "x"`, or a name bound
/// to one in the enclosing function or at module level.
fn is_path<'t>(expr: Node<'t>, file: &FileContext<'t>, depth: usize) -> bool {
    if depth > 8 {
        return false;
    }
    match expr.kind_name() {
        "call" => {
            file.callee(expr).is_some_and(|q| {
                matches!(
                    q.as_str(),
                    "pathlib.Path"
                        | "pathlib.PurePath"
                        | "pathlib.PosixPath"
                        | "pathlib.WindowsPath"
                )
            }) || expr
                .field("function")
                .filter(|f| f.kind_name() == "attribute")
                .and_then(|f| Some((f.field("object")?, f.field("attribute")?)))
                .is_some_and(|(object, method)| {
                    matches!(
                        text(method, file.source),
                        "joinpath" | "with_name" | "with_suffix" | "resolve" | "absolute"
                    ) && is_path(object, file, depth + 1)
                })
        }
        "binary_operator" => expr
            .field("left")
            .is_some_and(|left| is_path(left, file, depth + 1)),
        "parenthesized_expression" => expr
            .named_child(0)
            .is_some_and(|e| is_path(e, file, depth + 1)),
        "identifier" => {
            let name = text(expr, file.source);
            // The last assignment to the name before its use, in the function, else at module level.
            let assigned_in = |statements: Vec<Node<'t>>| -> Option<Node<'t>> {
                let mut assigned = None;
                for statement in statements {
                    for assignment in named_children(statement)
                        .into_iter()
                        .filter(|a| a.kind_name() == "assignment")
                    {
                        if assignment.start_byte() < expr.start_byte()
                            && assignment
                                .field("left")
                                .is_some_and(|l| text(l, file.source) == name)
                        {
                            assigned = assignment.field("right");
                        }
                    }
                }
                assigned
            };
            let function_statements = file
                .scopes
                .function_of(expr)
                .map(crate::semantic::asyncness::own_body_nodes)
                .unwrap_or_default()
                .into_iter()
                .filter(|n| n.kind_name() == "expression_statement")
                .collect();
            let assigned = assigned_in(function_statements)
                .or_else(|| assigned_in(named_children(file.tree.root_node())));
            assigned.is_some_and(|value| is_path(value, file, depth + 1))
        }
        _ => false,
    }
}
