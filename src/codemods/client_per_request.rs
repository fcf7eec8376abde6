//! PO108: an HTTP client built inside a function, once per call.

use crate::codemod::{
    Codemod, CodemodMeta, Context, FileContext, FixAvailability, Gate, Mention, Scope,
};
use crate::edits::builders::append_argument;
use crate::edits::importer::ModuleAdditions;
use crate::edits::shared_client::{hoist_with_block, ClientSite};
use crate::edits::shared_http::ssl_context;
use crate::fix::Fix;
use crate::parse::NodeLookups;
use crate::semantic::blocking::{client_constructor, ClientKind};
use crate::settings::ClientShare;
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
        let callee = call.field("function").map_or("", |f| text(f, file.source));
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
        if verify.is_some_and(|v| matches!(v.kind_name(), "identifier" | "attribute" | "false")) {
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
    if CallArgs::of(call, file.source).keyword("cookies").is_some() {
        return Err("the client has cookies of its own".into());
    }
    let site = ClientSite::of(call, file)?;
    let mut additions = ModuleAdditions::new(file);
    let cookiejar = additions.module("http.cookiejar");
    let refusing_jar = format!(
        "cookies={cookiejar}.CookieJar(policy={cookiejar}.DefaultCookiePolicy(allowed_domains=[]))"
    );
    let (mut edits, shared) = hoist_with_block(&site, Some(&refusing_jar), file)?;
    let name = file.text(
        call.parent()
            .and_then(|p| p.field("alias"))
            .ok_or("no alias")?,
    );
    edits.extend(additions.into_edit());
    Ok(Fix::unsafe_edits(
        format!("Share one module-level client: `{name} = {shared}`"),
        edits,
    ))
}

/// A client that lives for one call: opened by a `with`/`async with` inside the function, or
/// used once inline (`httpx.AsyncClient().get(...)`). Clients stored in attributes, globals or
/// returned live longer and are left alone.
fn is_per_call_client(call: Node) -> bool {
    let Some(parent) = call.parent() else {
        return false;
    };
    match parent.kind_name() {
        "as_pattern" => parent
            .parent()
            .is_some_and(|p| p.kind_name() == "with_item"),
        "with_item" => true,
        "attribute" => parent.field("object") == Some(call),
        _ => false,
    }
}
