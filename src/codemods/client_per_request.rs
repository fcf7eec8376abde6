//! PO108: an HTTP client built inside a function, once per call.

use crate::codemod::{Codemod, CodemodMeta, Context, FixAvailability, Gate, Mention, Scope};
use crate::edits::builders::append_argument;
use crate::edits::importer::ModuleAdditions;
use crate::edits::shared_http::ssl_context;
use crate::fix::Fix;
use crate::semantic::blocking::{client_constructor, ClientKind};
use crate::syntax::{text, CallArgs};
use tree_sitter::Node;

pub struct ClientPerRequest;

static META: CodemodMeta = CodemodMeta {
    code: "PO108",
    name: "client-per-request",
    summary: "HTTP client (`httpx.AsyncClient()`, `aiohttp.ClientSession()`) built on every call",
    fix: FixAvailability::Sometimes,
    safety: "safe",
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
Going further (not automated yet): one client created in the app's lifespan and shared, which
also pools connections (0.49 ms per call in the same benchmark) but shares cookies and binds the
client to one event loop.

## Fix safety
Safe: each call still gets its own client, so nothing is shared between requests (cookies,
connections, event loop); only the SSL context, which is read-only once built, is shared. It is
built with httpx's defaults at import time, so `SSL_CERT_FILE`/`SSL_CERT_DIR` are read once
rather than on every call. Clients given `verify=` a name (a context already shared) or `False` are not
reported. Clients that configure TLS otherwise (`verify="ca.pem"`, `cert=`, `trust_env=`,
`*args`/`**kwargs`) are reported without a fix, and so is `aiohttp.ClientSession`,
which caches its default SSL context already: share one session per application instead.
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
