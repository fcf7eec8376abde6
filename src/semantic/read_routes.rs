//! GET routes that only read: what PO301 caches. The project index finds them with the same
//! function as the codemod, so it knows which apps must call `FastAPICache.init` before a run
//! adds the first `@cache`.

use crate::parse::NodeLookups;
use crate::semantic::imports::ImportMap;
use crate::semantic::project::has_get_route_decorator;
use crate::semantic::scope::local_bindings;
use crate::syntax::{named_children, text, CallArgs};
use tree_sitter::Node;

pub struct ReadRoute<'t> {
    /// The route's `@owner.get(...)` decorator: `@cache` goes right below it.
    pub route_decorator: Node<'t>,
    /// The app or router object, qualified (`app.routers.products.router`).
    pub owner: String,
    /// Whether fastapi-cache2's `@cache` decorates it already.
    pub cached: bool,
}

/// Words of a called name (object path included) that mean the call writes, has an effect or
/// answers differently each time (`update_one`, `session.add`, `client.post`,
/// `await reserve_stock(...)`, `random.choice`, `time.time`): a route that makes such a call is
/// not cached. The list also keeps the verdict the same before and after the other codemods'
/// fixes (`subprocess.run` → `asyncio.create_subprocess_exec`, `time.sleep` → `asyncio.sleep`),
/// which the project index relies on.
const NOT_CACHEABLE_WORDS: &[&str] = &[
    "add",
    "audit",
    "cancel",
    "charge",
    "choice",
    "commit",
    "create",
    "decr",
    "decrement",
    "delete",
    "emit",
    "enqueue",
    "flush",
    "hset",
    "incr",
    "incrby",
    "increment",
    "insert",
    "lpush",
    "mark",
    "monotonic",
    "notify",
    "now",
    "patch",
    "pay",
    "popen",
    "post",
    "publish",
    "push",
    "put",
    "randint",
    "random",
    "record",
    "refund",
    "remove",
    "replace",
    "reserve",
    "rollback",
    "rpush",
    "sample",
    "save",
    "secrets",
    "send",
    "set",
    "setex",
    "shuffle",
    "sleep",
    "subprocess",
    "system",
    "time",
    "today",
    "track",
    "update",
    "upsert",
    "utcnow",
    "uuid1",
    "uuid4",
    "write",
];

/// Functions that run their first argument in a worker thread.
const THREAD_RUNNERS: &[&str] = &["to_thread", "run_in_threadpool", "run_sync"];

/// HTTP methods that write, as a string argument (`client.request("POST", ...)`).
const WRITE_METHODS: &[&str] = &["POST", "PUT", "PATCH", "DELETE"];

/// Route paths and handler names that must answer live (a cached health check hides outages).
const LIVE_WORDS: &[&str] = &[
    "health",
    "healthz",
    "live",
    "livez",
    "liveness",
    "metrics",
    "ping",
    "ready",
    "readyz",
    "readiness",
    "status",
];

/// Words in a parameter (name, annotation, default) that make the response per user.
const PER_USER_WORDS: &[&str] = &[
    "account",
    "admin",
    "apikey",
    "auth",
    "authorization",
    "cookie",
    "credential",
    "credentials",
    "current",
    "customer",
    "identity",
    "jwt",
    "login",
    "me",
    "oauth",
    "oauth2",
    "permission",
    "permissions",
    "principal",
    "require",
    "role",
    "roles",
    "scopes",
    "tenant",
    "token",
    "user",
];

/// Parameter types and markers whose value comes from the request beyond its path and query.
const REQUEST_BOUND: &[&str] = &[
    "Request",
    "Response",
    "WebSocket",
    "HTTPConnection",
    "BackgroundTasks",
    "Cookie(",
    "Header(",
    "Security(",
    "Body(",
    "Form(",
    "File(",
    "UploadFile",
];

/// The read-only GET route a `decorated_definition` defines, if it is one: a function registered
/// with one `@<object>.get(...)` (and no decorator but fastapi-cache2's), not a health or
/// metrics route, that calls something and nothing that writes or varies, takes no per-user or
/// request-bound parameter, builds no `Response` object and changes no state outside itself.
pub fn read_route<'t>(
    decorated: Node<'t>,
    source: &str,
    imports: &ImportMap,
    module: &[String],
) -> Option<ReadRoute<'t>> {
    let function = decorated
        .field("definition")
        .filter(|f| f.kind_name() == "function_definition")?;
    let mut route = None;
    let mut cached = false;
    for decorator in named_children(decorated)
        .into_iter()
        .filter(|d| d.kind_name() == "decorator")
    {
        let expression = decorator.named_child(0)?;
        let callee = if expression.kind_name() == "call" {
            expression.field("function")?
        } else {
            expression
        };
        if let Some((object, method)) = method_on_name(callee, source) {
            if ROUTE_METHODS.contains(&method) {
                // `@app.get` without a call registers no route a cache could wrap.
                if method != "get" || route.is_some() || expression.kind_name() != "call" {
                    return None;
                }
                route = Some((decorator, expression, object));
                continue;
            }
        }
        // Any other decorator either is fastapi-cache2's or may wrap the handler in ways a
        // cache must not skip (another cache, rate limiting, auth).
        if qualified(callee, source, imports).as_deref() == Some("fastapi_cache.decorator.cache") {
            cached = true;
        } else {
            return None;
        }
    }
    let (route_decorator, route_call, object) = route?;
    let arguments = CallArgs::of(route_call, source);
    let owner_call =
        crate::semantic::fastapi::module_level_call(crate::syntax::root(decorated), object, source);
    // The router's prefix counts too (`APIRouter(prefix="/exports")`).
    let prefix = owner_call
        .and_then(|c| CallArgs::of(c, source).keyword("prefix"))
        .map_or("", |p| text(p, source));
    let path = format!(
        "{prefix}{}",
        arguments
            .positional
            .first()
            .map_or("", |p| text(*p, source))
    );
    let path = path.as_str();
    let name = function.field("name").map_or("", |n| text(n, source));
    if arguments.keyword("response_class").is_some()
        || has_word(path, LIVE_WORDS)
        || has_word(name, LIVE_WORDS)
        // Exports are PO305's: large, rarely repeated, better streamed than cached.
        || crate::semantic::fastapi::is_export_style(path, name)
        || has_auth_dependencies(route_call, source)
        || owner_call.is_some_and(|c| has_auth_dependencies(c, source))
    {
        return None;
    }
    let owner = imports
        .resolve(object)
        .map(str::to_string)
        .unwrap_or_else(|| format!("{}.{object}", module.join(".")));
    let parameters = function.field("parameters")?;
    if named_children(parameters)
        .iter()
        .any(|parameter| is_per_request(text(*parameter, source)))
    {
        return None;
    }
    let body = function.field("body")?;
    (cached || only_reads(body, source, &local_bindings(function, source))).then_some(ReadRoute {
        route_decorator,
        owner,
        cached,
    })
}

/// Whether a statement (a definition with its decorators) can be a read route or hold one,
/// judged from its text: not without a GET route decorator, nor when the only one is its own
/// and its header shows what [`read_route`] turns down (a name about health or exports, a
/// per-user or request-bound parameter).
pub fn may_hold_read_route(text: &str) -> bool {
    if !has_get_route_decorator(text) {
        return false;
    }
    let Some(header) = Header::read(text) else {
        return true;
    };
    if has_get_route_decorator(&text[header.end..]) || !has_get_route_decorator(&text[..header.end])
    {
        return true;
    }
    // Each parameter is judged alone, but no marker spans the commas between them, and the
    // comments and strings blanked out can only make the test keep more.
    !(has_word(header.name, LIVE_WORDS)
        || crate::semantic::fastapi::is_export_style("", header.name)
        || is_per_request(&crate::outline::code_only(header.parameters)))
}

/// A `def` header read from the text of its statement.
struct Header<'s> {
    name: &'s str,
    /// The text between its parameter list's parentheses.
    parameters: &'s str,
    /// Where the line of its `:` ends.
    end: usize,
}

impl<'s> Header<'s> {
    fn read(text: &'s str) -> Option<Self> {
        let tokens = crate::outline::code_tokens(text);
        let def = tokens.windows(3).position(|window| {
            window[0].1 == "def"
                && window[1].1.starts_with(crate::outline::is_identifier_char)
                && window[2].1 == "("
        })?;
        let (name, open) = (tokens[def + 1].1, tokens[def + 2].0);
        let mut depth = 0usize;
        let mut parameters = None;
        for &(at, token) in &tokens[def + 2..] {
            match token {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 && parameters.is_none() {
                        parameters = Some(&text[open + 1..at]);
                    }
                }
                ":" if depth == 0 => {
                    let end = memchr::memchr(b'\n', &text.as_bytes()[at..])
                        .map_or(text.len(), |i| at + i + 1);
                    return Some(Header {
                        name,
                        parameters: parameters?,
                        end,
                    });
                }
                _ => {}
            }
        }
        None
    }
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

/// Whether a route decorator or an app/router constructor has `dependencies=[...]` about the user.
fn has_auth_dependencies(call: Node, source: &str) -> bool {
    CallArgs::of(call, source)
        .keyword("dependencies")
        .is_some_and(|d| has_word(text(d, source), PER_USER_WORDS))
}

fn is_per_request(parameter: &str) -> bool {
    REQUEST_BOUND
        .iter()
        .any(|marker| parameter.contains(marker))
        || has_word(parameter, PER_USER_WORDS)
        || parameter.to_ascii_lowercase().contains("api_key")
}

/// Starlette's and FastAPI's response classes: a cached hit keeps only their body.
const RESPONSE_CLASSES: &[&str] = &[
    "Response",
    "JSONResponse",
    "ORJSONResponse",
    "UJSONResponse",
    "HTMLResponse",
    "PlainTextResponse",
    "RedirectResponse",
    "StreamingResponse",
    "FileResponse",
    "EventSourceResponse",
];

/// Whether the body calls something, and nothing that writes or varies: no such call, no
/// `Response` built, no `yield`, no `global`/`nonlocal`, no assignment to an attribute or item of
/// something it did not create.
fn only_reads(body: Node, source: &str, locals: &std::collections::HashSet<String>) -> bool {
    let mut calls = false;
    let mut writes = false;
    crate::parse::walk_tree(body, |node| match node.kind_name() {
        "call" => {
            calls = true;
            let mut callee = node.field("function").map_or("", |f| text(f, source));
            // `asyncio.to_thread(subprocess.run, ...)` calls its first argument: judge that,
            // so the verdict is the same before and after PO103/PO104 move a call to a thread.
            if THREAD_RUNNERS.iter().any(|r| callee.ends_with(r)) {
                if let Some(first) = CallArgs::of(node, source).positional.first() {
                    callee = text(*first, source);
                }
            }
            let last = callee.rsplit('.').next().unwrap_or(callee);
            writes |= has_word(callee, NOT_CACHEABLE_WORDS) || RESPONSE_CLASSES.contains(&last);
        }
        "string" => {
            let literal = text(node, source).trim_matches(|c| c == '"' || c == '\'');
            writes |= WRITE_METHODS.contains(&literal);
        }
        "yield" | "global_statement" | "nonlocal_statement" => writes = true,
        "assignment" | "augmented_assignment" => {
            let target = node.field("left");
            writes |= target.is_some_and(|t| {
                matches!(t.kind_name(), "attribute" | "subscript")
                    && !root_name(t, source).is_some_and(|name| locals.contains(name))
            });
        }
        _ => {}
    });
    calls && !writes
}

/// The identifier an attribute or subscript chain starts from (`cache` in `cache[k].x`).
fn root_name<'s>(node: Node, source: &'s str) -> Option<&'s str> {
    let mut current = node;
    loop {
        match current.kind_name() {
            "identifier" => return Some(text(current, source)),
            "attribute" | "subscript" => {
                current = current.field("object").or_else(|| current.field("value"))?;
            }
            _ => return None,
        }
    }
}

/// Whether an identifier-ish text has one of `words` as a `_`-separated word, any case
/// (`get_current_user` has `current` and `user`).
fn has_word(text: &str, words: &[&str]) -> bool {
    text.split(|c: char| !c.is_alphanumeric())
        .flat_map(|part| part.split('_'))
        .flat_map(split_camel_case)
        .any(|word| words.contains(&word.to_ascii_lowercase().as_str()))
}

/// `CurrentUser` → `Current`, `User`; `HTTPBearer` → `HTTPBearer` (runs of capitals stay whole).
fn split_camel_case(word: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let bytes = word.as_bytes();
    for i in 1..bytes.len() {
        if bytes[i].is_ascii_uppercase() && bytes[i - 1].is_ascii_lowercase() {
            parts.push(&word[start..i]);
            start = i;
        }
    }
    parts.push(&word[start..]);
    parts
}

/// `(object, method)` of `object.method` on a plain name.
fn method_on_name<'s>(callee: Node, source: &'s str) -> Option<(&'s str, &'s str)> {
    if callee.kind_name() != "attribute" {
        return None;
    }
    let object = callee
        .field("object")
        .filter(|o| o.kind_name() == "identifier")?;
    Some((
        text(object, source),
        text(callee.field("attribute")?, source),
    ))
}

fn qualified(expression: Node, source: &str, imports: &ImportMap) -> Option<String> {
    crate::semantic::project::qualified_static(expression, source, imports)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_can_show_a_definition_is_no_read_route() {
        let route =
            |header: &str| format!("@router.get(\"/items\")\n{header}\n    return await items()\n");
        assert!(may_hold_read_route(&route(
            "async def list_items(limit: int = 10):"
        )));
        // What `read_route` turns down from the header: parameters, and names.
        assert!(!may_hold_read_route(&route(
            "async def list_items(request: Request):"
        )));
        assert!(!may_hold_read_route(&route(
            "async def list_items(\n    limit: int,\n    user=Depends(get_current_user),\n) -> list:"
        )));
        assert!(!may_hold_read_route(&route("def health():")));
        assert!(!may_hold_read_route(&route(
            "def download_items(limit: int):"
        )));
        assert!(!may_hold_read_route(
            "async def list_items(request: Request):\n    pass\n"
        ));
        // Markers in comments, or in strings and brackets that look like the header's end, are
        // no reason to leave a route out.
        assert!(may_hold_read_route(&route(
            "async def list_items(\n    limit: int = 10,  # not per user: cached\n):"
        )));
        assert!(may_hold_read_route(&route(
            "async def list_items(sep: str = \"):\", limit: dict[str, int] = {}) -> dict[str, int]:"
        )));
        // A route defined in the body is judged as a statement of its own.
        let factory =
            "def build(request: Request):\n    @app.get(\"/\")\n    async def index(): ...\n";
        assert!(may_hold_read_route(factory));
        assert!(!may_hold_read_route(
            "def build(request: Request):\n    return app.get(\"/\")\n"
        ));
        // A header the text test cannot read is kept.
        assert!(may_hold_read_route(
            "@router.get(\"/\")\nasync def f(request: Request\n"
        ));
    }

    #[test]
    fn words_split_on_underscores_and_case() {
        assert!(has_word("get_current_user", PER_USER_WORDS));
        assert!(has_word("CurrentUser", PER_USER_WORDS));
        assert!(has_word("update_one", NOT_CACHEABLE_WORDS));
        assert!(has_word(
            "asyncio.create_subprocess_exec",
            NOT_CACHEABLE_WORDS
        ));
        assert!(!has_word("get_session", PER_USER_WORDS));
        assert!(!has_word("Product.find_all", NOT_CACHEABLE_WORDS));
        assert!(!has_word("settings", NOT_CACHEABLE_WORDS));
    }
}
