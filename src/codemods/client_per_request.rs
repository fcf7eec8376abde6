//! PO108: an HTTP client built inside a function, once per call.

use crate::codemod::{
    Codemod, CodemodMeta, Context, FileContext, FixAvailability, Gate, Mention, Scope,
};
use crate::edits::builders::append_argument;
use crate::edits::importer::{existing_definition, unique_name, ModuleAdditions};
use crate::edits::shared_http::ssl_context;
use crate::fix::{Edit, Fix};
use crate::semantic::blocking::{client_constructor, ClientKind};
use crate::settings::ClientShare;
use crate::source::{indentation_at, line_start_at};
use crate::syntax::{text, CallArgs};
use tree_sitter::Node;

pub struct ClientPerRequest;

static META: CodemodMeta = CodemodMeta {
    code: "PO108",
    name: "client-per-request",
    summary: "HTTP client (`httpx.AsyncClient()`, `aiohttp.ClientSession()`) built on every call",
    fix: FixAvailability::Sometimes,
    safety: "safe; unsafe with `share = \"client\"`",
    priority: 5,
    impact: "Measured in `bench/client_strategies.md`: 17.2 ms of CPU per call with a default client per call, 1.06 ms with the shared SSL context.",
    requires: &[],
    gates: &[
        Gate::imports_and(&["httpx"], &["Client("]),
        Gate::imports_and(&["aiohttp"], &["ClientSession("]),
    ],
    mentions: &[Mention::imports(&[
        "httpx.Client",
        "httpx.AsyncClient",
        "aiohttp.ClientSession",
    ])],
    scope: Scope::Module,
    docs: r#"## What it does
Finds `httpx.AsyncClient(...)`, `httpx.Client(...)` and `aiohttp.ClientSession(...)` opened for
one call inside a function (a route handler, a dependency, or anything they call): in a
`with`/`async with` block, or used inline once. Clients stored in attributes or globals, or
returned, live longer and are not reported; nor are clients with their own `transport=`.

## Why is this slow?
A default httpx client builds its own SSL context, loading the CA bundle: measured here with
`bench/client_strategies.py`, 15.3 ms of CPU per `AsyncClient()` (46 ms with proxy variables set),
against 0.053 ms for `AsyncClient(verify=ctx)` with a shared context. Per request with a
trivial upstream that is 17.2 ms against 1.06 ms of CPU: 16 times more, often more than the
upstream call itself, and it holds the event loop while it runs. A client per call also never
reuses a connection.

## Example
```python
@router.get("/rates")
async def rates(base: str):
    async with httpx.AsyncClient(timeout=5) as client:
        return (await client.get(f"{RATES}/{base}")).json()
```

## Use instead
```python
_http_ssl_context = httpx.create_ssl_context()

@router.get("/rates")
async def rates(base: str):
    async with httpx.AsyncClient(timeout=5, verify=_http_ssl_context) as client:
        return (await client.get(f"{RATES}/{base}")).json()
```
With `share = "client"`, a client whose arguments are known at import time (literals, module
constants, imported settings) becomes one module-level client, which also pools connections
(0.49 ms of CPU per call in the same benchmark, against 1.06 ms):
```python
_rates_client = httpx.AsyncClient(timeout=5, cookies=http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[])))

@router.get("/rates")
async def rates(base: str):
    client = _rates_client
    return (await client.get(f"{RATES}/{base}")).json()
```
Clients built from a request's values (a `Depends` parameter) keep the shared SSL context.

## Options
`[tool.perfopt.client-per-request] share = "ssl-context"` (default) or `"client"`.

## Fix safety
Safe: each call still gets its own client, so nothing is shared between requests (cookies,
connections, event loop); only the SSL context, which is read-only once built, is shared. It is
built with httpx's defaults at import time, so `SSL_CERT_FILE`/`SSL_CERT_DIR` are read once
rather than on every call. Clients given `verify=` a name (a context already shared) or `False` are not
reported. Clients that configure TLS otherwise (`verify="ca.pem"`, `cert=`, `trust_env=`,
`*args`/`**kwargs`) are reported without a fix, and so is `aiohttp.ClientSession`,
which caches its default SSL context already: share one session per application instead.

With `share = "client"` the fix is unsafe: one client serves every request, so its connection
pool (httpx: 100 connections, 5 s pool timeout) caps the upstream calls in flight across the
process and turns a larger burst into `PoolTimeout` errors; cookies an upstream sets are refused
(the shared jar accepts none, so no user's cookie reaches another); the client is bound to the
event loop that first uses it (test suites that run a loop per test fail) and is never closed.
"#,
};

impl Codemod for ClientPerRequest {
    fn meta(&self) -> &'static CodemodMeta {
        &META
    }

    fn node_kinds(&self) -> &'static [&'static str] {
        &["call"]
    }

    fn check(&self, call: Node<'_>, cx: &mut Context<'_>) {
        let file = cx.file;
        if file.scopes.function_of(call).is_none() {
            return;
        }
        let callee = call
            .child_by_field_name("function")
            .map_or("", |f| text(f, file.source));
        let is_aiohttp = file
            .callee(call)
            .is_some_and(|q| q == "aiohttp.ClientSession");
        if is_aiohttp && is_per_call_client(call) {
            cx.report(call, format!("`{callee}` is created on every call"))
                .with_note("create one session in the app's lifespan and share it: a session per call never reuses a connection");
            return;
        }
        if is_aiohttp {
            return;
        }
        let Some(kind) = client_constructor(call, file) else {
            return;
        };
        if kind == ClientKind::RequestsSession || !is_per_call_client(call) {
            return;
        }
        let args = CallArgs::of(call, file.source);
        // A transport of its own does its own TLS (or none: `ASGITransport` in tests).
        if args.keyword("transport").is_some() || args.keyword("mounts").is_some() {
            return;
        }
        // `verify=` a shared context (a name) or `False` builds no CA bundle per call.
        let verify = args.keyword("verify");
        if verify.is_some_and(|v| matches!(v.kind(), "identifier" | "attribute" | "false")) {
            return;
        }
        let diagnostic = cx.report(
            call,
            format!("`{callee}` builds a new SSL context on every call (~15 ms of CPU)"),
        );
        if args.has_splat
            || verify.is_some()
            || args.keyword("cert").is_some()
            || args.keyword("trust_env").is_some()
        {
            diagnostic.with_note("the client configures TLS itself: create it once (module level or lifespan) and share it");
            return;
        }
        // The shared context is built at import time: httpx must be imported at module level (a
        // function-level import may be deliberate, for an optional dependency).
        if !file.imports.imports_at_top_level("httpx") {
            diagnostic.with_note(
                "httpx is imported inside a function only: share an SSL context where it is imported",
            );
            return;
        }
        if file.options.client_share.share == ClientShare::Client {
            // Where the client cannot be hoisted, the safe shared SSL context still applies.
            if let Ok(fix) = shared_client_fix(call, file) {
                diagnostic.with_fix(Ok(fix));
                return;
            }
        }
        let mut additions = ModuleAdditions::new(file);
        let httpx = additions.module("httpx");
        let context = ssl_context(file, &mut additions, &httpx);
        let Some(edit) = append_argument(call, &format!("verify={context}")) else {
            return;
        };
        let mut edits = vec![edit];
        edits.extend(additions.into_edit());
        diagnostic.with_fix(Ok(Fix::safe(
            "Share one SSL context: pass `verify=` a module-level context",
            edits,
        )));
    }
}

/// `async with httpx.AsyncClient(ARGS) as client:` → `client = _rates_client` with the body
/// dedented, and `_rates_client = httpx.AsyncClient(ARGS, cookies=<refusing jar>)` defined once,
/// above the function (`rates`). ARGS must be computable at import time: literals and names bound
/// at module level before the function.
fn shared_client_fix(call: Node, file: &FileContext) -> Result<Fix, String> {
    let source = file.source;
    let as_pattern = call.parent().filter(|p| p.kind() == "as_pattern");
    let alias = as_pattern
        .and_then(|p| p.child_by_field_name("alias"))
        .and_then(|a| a.named_child(0).or(Some(a)))
        .filter(|a| a.kind() == "identifier")
        .ok_or("the client is not bound with `as name`")?;
    let with_clause = as_pattern
        .and_then(|p| p.parent())
        .and_then(|item| item.parent())
        .filter(|c| c.kind() == "with_clause" && c.named_child_count() == 1)
        .ok_or("the `with` opens more than the client")?;
    let statement = with_clause
        .parent()
        .filter(|s| s.kind() == "with_statement")
        .ok_or("not a `with` statement")?;
    let body = statement.child_by_field_name("body").ok_or("no body")?;
    let colon = crate::syntax::children(statement)
        .into_iter()
        .find(|c| c.kind() == ":")
        .ok_or("no colon")?;
    let function = file.scopes.function_of(call).ok_or("not in a function")?;
    let top = crate::syntax::named_children(file.tree.root_node())
        .into_iter()
        .find(|s| crate::syntax::contains(*s, function))
        .ok_or("not in a module-level function")?;
    let arguments = call
        .child_by_field_name("arguments")
        .ok_or("no arguments")?;
    if CallArgs::of(call, source).keyword("cookies").is_some() {
        return Err("the client has cookies of its own".into());
    }
    if let Some(name) = first_runtime_name(arguments, top, file) {
        return Err(format!("`{name}` is not known at import time"));
    }
    let name = text(alias, source);
    let line_end = source[colon.end_byte()..]
        .find('\n')
        .map(|i| colon.end_byte() + i);
    if line_end.is_none_or(|end| body.start_byte() < end) {
        return Err("the body is on the `with` line".into());
    }
    if rebinds(body, name, source) {
        return Err(format!("`{name}` is rebound or closed inside the block"));
    }
    let mut additions = ModuleAdditions::new(file);
    let cookiejar = additions.module("http.cookiejar");
    let callee = call
        .child_by_field_name("function")
        .map_or("", |f| text(f, source));
    let args = text(arguments, source);
    let inner = args[1..args.len() - 1].trim().trim_end_matches(',');
    let separator = if inner.is_empty() { "" } else { ", " };
    let constructor = format!(
        "{callee}({inner}{separator}cookies={cookiejar}.CookieJar(policy={cookiejar}.DefaultCookiePolicy(allowed_domains=[])))"
    );
    // Named after the function and the alias, so that fixes applied in the same pass (which
    // cannot see each other's names) never pick the same one.
    let function_name = function
        .child_by_field_name("name")
        .map_or("", |n| text(n, source));
    let base = format!("_{function_name}_{name}");
    if opened_clients(function, name, source) > 1 {
        return Err(format!(
            "`{name}` names more than one client in `{function_name}`"
        ));
    }
    let le = file.stylist.line_ending;
    let mut edits = Vec::new();
    let shared = match existing_definition(file, &base, &constructor) {
        Some(existing) => existing,
        None => {
            let shared = unique_name(file, &base);
            edits.push(Edit::insert(
                top.start_byte(),
                format!("{shared} = {constructor}{le}{le}{le}"),
            ));
            shared
        }
    };
    edits.push(Edit::replace(
        statement.start_byte(),
        colon.end_byte(),
        format!("{name} = {shared}"),
    ));
    edits.extend(dedent_block(statement, body, source));
    edits.extend(additions.into_edit());
    Ok(Fix::unsafe_edits(
        format!("Share one module-level client: `{name} = {shared}`"),
        edits,
    ))
}

/// The first name in `node` that is not bound at module level before `top` (or imported).
fn first_runtime_name<'s>(node: Node, top: Node, file: &'s FileContext) -> Option<&'s str> {
    let mut found = None;
    crate::parse::walk_tree(node, |n| {
        if found.is_some() || n.kind() != "identifier" {
            return;
        }
        let parent = n.parent();
        let is_label = parent.is_some_and(|p| {
            (p.kind() == "keyword_argument" && p.child_by_field_name("name") == Some(n))
                || (p.kind() == "attribute" && p.child_by_field_name("attribute") == Some(n))
        });
        let name = file.text(n);
        if !is_label
            && (file.is_local_name(n, name)
                || (file.imports.resolve(name).is_none() && !bound_before(file, top, name)))
        {
            found = Some(name);
        }
    });
    found
}

/// Whether a module-level statement before `top` assigns or defines `name`.
fn bound_before(file: &FileContext, top: Node, name: &str) -> bool {
    crate::syntax::named_children(file.tree.root_node())
        .into_iter()
        .take_while(|s| s.start_byte() < top.start_byte())
        .any(|statement| {
            let target = match statement.kind() {
                "expression_statement" => statement
                    .named_child(0)
                    .filter(|a| a.kind() == "assignment")
                    .and_then(|a| a.child_by_field_name("left")),
                "function_definition" | "class_definition" => statement.child_by_field_name("name"),
                _ => None,
            };
            target.is_some_and(|t| file.text(t) == name)
        })
}

/// How many `with ... as name` items in `function` bind `name`.
fn opened_clients(function: Node, name: &str, source: &str) -> usize {
    let mut count = 0;
    crate::parse::walk_tree(function, |n| {
        if n.kind() == "with_item" && text(n, source).ends_with(&format!(" as {name}")) {
            count += 1;
        }
    });
    count
}

/// Whether the block assigns `name` or closes it (`await name.aclose()`).
fn rebinds(body: Node, name: &str, source: &str) -> bool {
    let mut found = false;
    crate::parse::walk_tree(body, |n| {
        found |= match n.kind() {
            "assignment" | "augmented_assignment" | "for_statement" | "as_pattern" => n
                .child_by_field_name("left")
                .or_else(|| n.child_by_field_name("alias"))
                .is_some_and(|t| text(t, source) == name),
            "attribute" => {
                n.child_by_field_name("object")
                    .is_some_and(|o| text(o, source) == name)
                    && n.child_by_field_name("attribute")
                        .is_some_and(|a| matches!(text(a, source), "aclose" | "close"))
            }
            _ => false,
        };
    });
    found
}

/// Edits that move each line of `body` one level left, to the indentation of `statement`; lines
/// inside a multi-line string keep theirs (they are the string's content).
fn dedent_block(statement: Node, body: Node, source: &str) -> Vec<Edit> {
    let outer = indentation_at(source, statement.start_byte());
    let inner = indentation_at(source, body.start_byte());
    let Some(extra) = inner.strip_prefix(outer).filter(|e| !e.is_empty()) else {
        return Vec::new();
    };
    let mut strings = Vec::new();
    crate::parse::walk_tree(body, |n| {
        if n.kind() == "string" && text(n, source).contains('\n') {
            strings.push((n.start_byte(), n.end_byte()));
        }
    });
    let first_line = line_start_at(source, body.start_byte());
    let mut edits = Vec::new();
    let mut line = first_line;
    while line < body.end_byte() {
        let in_string = strings
            .iter()
            .any(|&(start, end)| start < line && line < end);
        let indented =
            source[line..].starts_with(outer) && source[line + outer.len()..].starts_with(extra);
        if !in_string && indented {
            let at = line + outer.len();
            edits.push(Edit::delete(at, at + extra.len()));
        }
        match source[line..].find('\n') {
            Some(i) => line += i + 1,
            None => break,
        }
    }
    edits
}

/// A client that lives for one call: opened by a `with`/`async with` inside the function, or
/// used once inline (`httpx.AsyncClient().get(...)`). Clients stored in attributes, globals or
/// returned live longer and are left alone.
fn is_per_call_client(call: Node) -> bool {
    let Some(parent) = call.parent() else {
        return false;
    };
    match parent.kind() {
        "as_pattern" => parent.parent().is_some_and(|p| p.kind() == "with_item"),
        "with_item" => true,
        "attribute" => parent.child_by_field_name("object") == Some(call),
        _ => false,
    }
}
