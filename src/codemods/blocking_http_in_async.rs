//! PO101: blocking HTTP (`requests`, `urllib`, sync `httpx`) inside `async def`.

use crate::codemod::{Codemod, CodemodMeta, Context, FileContext, FixAvailability, Scope};
use crate::edits::builders::{
    append_argument, await_blocker, await_call, prepend_argument, rename_keyword,
};
use crate::edits::importer::{existing_definition, unique_name, ModuleAdditions};
use crate::edits::shared_http::ssl_context;
use crate::fix::{Applicability, Edit, Fix};
use crate::parse::NodeLookups;
use crate::semantic::asyncness::{handled_by_drop_async, own_body_nodes};
use crate::semantic::blocking::{
    classify, session_constructor, with_items, BlockingCall, HttpLibrary, HTTP_GATES, HTTP_MENTIONS,
};
use crate::settings::ClientStrategy;
use crate::syntax::{ancestors_below, contains, is_string_literal, named_children, text, CallArgs};
use tree_sitter::Node;

pub struct BlockingHttpInAsync;

static META: CodemodMeta = CodemodMeta {
    code: "PO101",
    name: "blocking-http-in-async",
    summary: "blocking HTTP call (`requests`, `urllib`, sync `httpx`) inside `async def`",
    fix: FixAvailability::Sometimes,
    safety: "safe or unsafe, by shape",
    priority: 1,
    impact: "Upstream calls stop serialising the worker: in perfopt's behaviour test, 8 concurrent calls to a 200 ms upstream were in flight together after the fix, against 1 at a time before (`tests/behaviour`).",
    requires: &["async"],
    scope: Scope::AsyncFunctions,
    gates: HTTP_GATES,
    mentions: HTTP_MENTIONS,
    docs: r#"## What it does
Finds blocking HTTP calls in the body of an `async def` (comprehensions included; nested plain
`def`s, lambdas and class bodies excluded): `requests.get/post/put/patch/delete/head/options/request`,
methods of a `requests.Session()` or `httpx.Client()`, the sync `httpx.get(...)` family and
`urllib.request.urlopen`. Callees are resolved through imports (`import requests as rq`,
`from requests import get as http_get`) and bindings (`s = requests.Session()`,
`with httpx.Client() as c`), never by their text.

## Why is this slow?
A blocking call holds the event loop's thread until the upstream answers. Every other request
of that worker waits: with a 200 ms upstream, a worker serves at most five such requests a second,
one after the other, whatever the concurrency. The async client suspends only the calling task.

## Example
```python
@router.get("/orders/{order_id}/payment")
async def payment(order_id: str):
    try:
        r = requests.get(f"{PAYMENTS}/charges", params={"order": order_id}, timeout=5)
        r.raise_for_status()
    except requests.HTTPError as exc:
        raise HTTPException(502) from exc
    return {"paid": r.ok, "charge": r.json()}
```

## Use instead
```python
@router.get("/orders/{order_id}/payment")
async def payment(order_id: str):
    try:
        r = await _http_request("GET", f"{PAYMENTS}/charges", params={"order": order_id}, timeout=5, follow_redirects=True)
        r.raise_for_status()
    except httpx.HTTPStatusError as exc:
        raise HTTPException(502) from exc
    return {"paid": (not r.is_error), "charge": r.json()}
```
with, once per module:
```python
_http_ssl_context = httpx.create_ssl_context()


async def _http_request(method, url, **kwargs):
    async with httpx.AsyncClient(verify=_http_ssl_context) as client:
        return await client.request(method, url, **kwargs)
```

## The client, and the option that chooses it
Building an `httpx.AsyncClient()` costs about 15 ms of CPU, almost all of it the SSL context
(measured by `bench/client_strategies.py`: 17.2 ms per call against 1.06 ms for a client sharing
one SSL context and 0.49 ms for one shared client), so the fix never builds
a default client per call. `[tool.perfopt.blocking-http-in-async] client =`:
- `"per-call"` (default): a client per call that shares one SSL context built at import. Like
  `requests.get`, which builds a new `Session` per call, nothing is shared between calls: no
  cookies leak from one user's call to another's, cookies set during a redirect still reach the
  redirect target, and nothing is bound to an event loop (tests that start a loop per test work).
  It does not pool connections between calls, as `requests.get` did not.
- `"module"`: one module-level `AsyncClient` reused by every call, pooling connections (the
  fastest). It refuses cookies so that no user's cookies reach another user, which also means a
  cookie set by a redirect is not sent to its target; and it is bound to the first event loop
  that uses it (a second `asyncio.run` or a loop per test fails with "Event loop is closed").
  Its fixes are therefore always unsafe.
`library = "httpx2"` targets Pydantic's maintained fork (same API, `import httpx2`). The project
must depend on the chosen library; perfopt does not edit dependency files.

## Fix safety
The rewrite keeps `requests`' behaviour where httpx differs: it adds `follow_redirects=True`
(requests follows redirects; `requests.head` does not, and is left without it),
`allow_redirects=` becomes `follow_redirects=`, a missing timeout becomes `timeout=None` (requests
waits forever, httpx would give up after 5 s; PO306 flags missing timeouts separately), a bytes or
str `data=` becomes `content=`, `response.ok` becomes `(not response.is_error)`, `.reason`
becomes `.reason_phrase`, and `except` clauses around the call are mapped: `HTTPError` →
`HTTPStatusError`, `RequestException` → `(HTTPError, InvalidURL)`, `Timeout` →
`TimeoutException`, `ConnectTimeout`/`ReadTimeout`/`TooManyRedirects` → their httpx twins,
`JSONDecodeError` → `json.JSONDecodeError`. Every `requests` call guarded by the same `try` is
converted in the same fix, or none is.

The fix is **unsafe** when something may still differ: `params=` on a URL that is not a literal
(httpx replaces a query string already in the URL instead of merging), `None` or bool values in
`params=`/`data=` (httpx sends `k=` and `true`), a `data=` whose type is unknown, `files=`,
`cookies=`, a non-tuple `auth=`, a header value built around a variable (`f"Bearer {token}"`,
`"Bearer " + token`: with an empty part the value ends in a space, which requests sends and
httpx rejects with `LocalProtocolError`), `response.text` (httpx decodes charset-less text as UTF-8,
requests as Latin-1), `response.url` (an `httpx.URL`, not a `str`), `raise_for_status()` without
redirects followed (httpx raises on 3xx), or a response object that leaves the function.

**No fix** (reported, with the reason) for: `urlopen`, `proxies=`, `verify=`, `cert=`,
`stream=`, `hooks=`, `*args`/`**kwargs`, a list `data=`, a literal URL with a query string plus
`params=`, `if response:` (an httpx response is always true), streaming and raw-body attributes,
`except requests.ConnectionError` or `except OSError` around the call, sessions created outside
the function or used for more than requests, and a handler PO105 turns into a plain `def`.
The wire format changes in ways a server may notice: `User-Agent` is httpx's, and `json=` bodies
are compact (`{"a":1}`).
"#,
};

impl Codemod for BlockingHttpInAsync {
    fn meta(&self) -> &'static CodemodMeta {
        &META
    }

    fn node_kinds(&self) -> &'static [&'static str] {
        &["call"]
    }

    fn check(&self, call: Node<'_>, cx: &mut Context<'_>) {
        let file = cx.file;
        if let Some(library) = session_constructor(call, file) {
            check_session_block(call, library, cx);
            return;
        }
        let Some(function) = file.scopes.async_function_of(call) else {
            return;
        };
        let Some(kind) = classify(call, file) else {
            return;
        };
        let callee = call
            .field("function")
            .map_or(String::new(), |f| file.text(f).to_string());
        let message = format!("`{callee}` blocks the event loop inside `async def`");
        match kind {
            BlockingCall::HttpFunction { library, verb } => {
                let defer = handled_by_drop_async(function, file);
                let diagnostic = cx.report(call, message);
                if defer {
                    diagnostic.with_note("PO105 makes this handler a plain `def` instead");
                    return;
                }
                diagnostic.with_fix(function_call_fix(call, function, library, verb, file));
            }
            BlockingCall::Urlopen => {
                cx.report(call, message).with_note(
                    "`urlopen` returns a file-like response and raises `URLError`: rewrite it to an httpx call by hand",
                );
            }
            BlockingCall::SessionMethod { session, .. } => {
                let converted_with_block = session
                    .with_statement
                    .is_some_and(|w| file.scopes.async_function_of(w) == Some(function));
                if !converted_with_block {
                    cx.report(call, message).with_note(
                        "the session is created outside this `with` block of the function: create an `httpx.AsyncClient` where it is created",
                    );
                }
            }
            _ => {}
        }
    }
}

/// A `with requests.Session() as s:` (or `httpx.Client()`) block in an `async def`: reported once,
/// fixed as a whole (`async with httpx.AsyncClient(...) as s:` and every `s.verb(...)` awaited).
fn check_session_block(constructor: Node, library: HttpLibrary, cx: &mut Context) {
    let file = cx.file;
    let Some(item) = constructor
        .parent()
        .and_then(|p| p.parent())
        .filter(|i| i.kind_name() == "with_item")
    else {
        return;
    };
    let Some(with_statement) = item
        .parent()
        .and_then(|c| c.parent())
        .filter(|w| w.kind_name() == "with_statement")
    else {
        return;
    };
    let Some(function) = file.scopes.async_function_of(with_statement) else {
        return;
    };
    let diagnostic_node = constructor;
    let callee = constructor
        .field("function")
        .map_or(String::new(), |f| file.text(f).to_string());
    let defer = handled_by_drop_async(function, file);
    let fix = if defer {
        Err("PO105 makes this handler a plain `def` instead".to_string())
    } else {
        session_block_fix(constructor, with_statement, library, file)
    };
    cx.report(
        diagnostic_node,
        format!("`{callee}` session makes blocking calls inside `async def`"),
    )
    .with_fix(fix);
}

fn session_block_fix<'t>(
    constructor: Node<'t>,
    with_statement: Node<'t>,
    library: HttpLibrary,
    file: &FileContext<'t>,
) -> Result<Fix, String> {
    if with_items(with_statement).len() != 1 {
        return Err("the `with` statement opens other context managers too".into());
    }
    if with_statement
        .child(0)
        .is_some_and(|c| c.kind_name() == "async")
    {
        return Err("already an `async with`".into());
    }
    let as_pattern = constructor.parent().expect("checked by the caller");
    let alias = as_pattern
        .field("alias")
        .and_then(|a| a.named_child(0))
        .filter(|a| a.kind_name() == "identifier")
        .ok_or("the session is not bound to a plain name")?;
    let alias_name = file.text(alias);
    let args = CallArgs::of(constructor, file.source);
    if !args.positional.is_empty() || !args.keywords.is_empty() || args.has_splat {
        return Err("the session is configured with arguments: map them to `httpx.AsyncClient(...)` by hand".into());
    }
    let function = file
        .scopes
        .function_of(with_statement)
        .expect("inside an async def");
    let body = with_statement.field("body").ok_or("no body")?;
    let mut additions = ModuleAdditions::new(file);
    let httpx = additions.module(&file.options.http.library);
    let client_args = match library {
        HttpLibrary::Requests => "follow_redirects=True, timeout=None",
        HttpLibrary::Httpx => "",
    };
    let mut edits = vec![
        Edit::insert(with_statement.start_byte(), "async "),
        Edit::replace(
            constructor.start_byte(),
            constructor.end_byte(),
            format!("{httpx}.AsyncClient({client_args})"),
        ),
    ];
    let mut applicability = Applicability::Safe;
    let mut converted = Vec::new();
    for node in own_body_nodes(function) {
        if node.kind_name() != "identifier"
            || file.text(node) != alias_name
            || !contains(body, node)
        {
            continue;
        }
        let attribute = node
            .parent()
            .filter(|p| p.kind_name() == "attribute" && p.field("object") == Some(node));
        let method = attribute
            .and_then(|a| a.field("attribute"))
            .map(|m| file.text(m));
        let call = attribute
            .and_then(|a| a.parent())
            .filter(|c| c.kind_name() == "call");
        match (method, call) {
            (Some(verb), Some(call)) if crate::semantic::blocking::HTTP_VERBS.contains(&verb) => {
                if file.scopes.function_of(call) != Some(function) {
                    return Err("the session is used inside a nested function".into());
                }
                let conversion =
                    convert_request(call, library, verb, Target::Session(alias_name), file)?;
                applicability = applicability.min(conversion.applicability);
                edits.extend(conversion.edits);
                converted.extend(conversion.raise_sites);
            }
            (Some("headers"), None) => {}
            _ => return Err(format!("`{alias_name}` is used for more than requests")),
        }
    }
    if library == HttpLibrary::Requests {
        let (except_edits, others) =
            except_clause_edits(&converted, function, file, &mut additions, &httpx)?;
        if !others.is_empty() {
            return Err("the same `try` also guards requests calls outside this session".into());
        }
        edits.extend(except_edits);
    }
    edits.extend(additions.into_edit());
    let fix = Fix::new(
        format!("Use `async with {httpx}.AsyncClient()` and await its calls"),
        edits,
        applicability,
    );
    Ok(match library {
        HttpLibrary::Requests => fix.releasing("requests"),
        HttpLibrary::Httpx => fix,
    })
}

/// Whether a `headers={...}` literal has a value that starts or ends with an interpolated part
/// (`f"Bearer {token}"`, `"Bearer " + token`): an empty part leaves a space at the edge, which
/// requests sends and httpx rejects (`LocalProtocolError: Illegal header value`).
fn has_header_built_around_a_value(headers: Node, source: &str) -> bool {
    headers.kind_name() == "dictionary"
        && named_children(headers).into_iter().any(|pair| {
            let Some(value) = pair.field("value") else {
                return false;
            };
            match value.kind_name() {
                "binary_operator" => true,
                "string" => {
                    let parts = named_children(value);
                    let at_edge = |i: usize| {
                        parts
                            .get(i)
                            .is_some_and(|p| p.kind_name() == "interpolation")
                    };
                    parts.len() > 3
                        && (at_edge(1) || at_edge(parts.len() - 2))
                        && text(value, source).contains(' ')
                }
                _ => false,
            }
        })
}

/// `requests.get(...)` / `httpx.get(...)` → an awaited call on the configured client.
fn function_call_fix<'t>(
    call: Node<'t>,
    function: Node<'t>,
    library: HttpLibrary,
    verb: &str,
    file: &FileContext<'t>,
) -> Result<Fix, String> {
    let mut additions = ModuleAdditions::new(file);
    let httpx = additions.module(&file.options.http.library);
    let target_name = client_definition(file, &mut additions, &httpx);
    let target = match file.options.http.client {
        ClientStrategy::PerCall => Target::Helper(&target_name),
        ClientStrategy::Module => Target::Client(&target_name),
    };
    let conversion = convert_request(call, library, verb, target, file)?;
    let mut applicability = conversion.applicability;
    let mut edits = conversion.edits;
    let raise_sites = conversion.raise_sites;
    if file.options.http.client == ClientStrategy::Module {
        applicability = Applicability::Unsafe;
    }
    if library == HttpLibrary::Requests {
        let (except_edits, others) =
            except_clause_edits(&raise_sites, function, file, &mut additions, &httpx)?;
        edits.extend(except_edits);
        // Calls guarded by the same `try` convert together: each carries the others' edits.
        for other in others {
            let Some(BlockingCall::HttpFunction { library, verb }) = classify(other, file) else {
                return Err(
                    "the same `try` guards a requests call that cannot be converted with this one"
                        .into(),
                );
            };
            let conversion =
                convert_request(other, library, verb, target, file).map_err(|why| {
                    format!("the same `try` guards another requests call that has no fix ({why})")
                })?;
            applicability = applicability.min(conversion.applicability);
            edits.extend(conversion.edits);
        }
    }
    edits.extend(additions.into_edit());
    let title = match target {
        Target::Helper(name) => format!("Replace with `await {name}(...)` ({httpx}.AsyncClient)"),
        Target::Client(name) | Target::Session(name) => {
            format!("Replace with `await {name}.{verb}(...)` ({httpx}.AsyncClient)")
        }
    };
    let fix = Fix::new(title, edits, applicability);
    Ok(match library {
        HttpLibrary::Requests => fix.releasing("requests"),
        HttpLibrary::Httpx => fix,
    })
}

/// How the converted call reaches its client.
#[derive(Clone, Copy)]
enum Target<'a> {
    /// `await helper("GET", url, ...)`: the per-call helper.
    Helper(&'a str),
    /// `await client.get(url, ...)`: the module-level client.
    Client(&'a str),
    /// `await session.get(url, ...)`: the `AsyncClient` that replaced a session.
    Session(&'a str),
}

/// The module-level client (or per-call helper) this file uses: reused when an earlier fix
/// defined it, else defined by `additions`. Returns its name.
fn client_definition(file: &FileContext, additions: &mut ModuleAdditions, httpx: &str) -> String {
    let indent = &file.stylist.indent;
    let (base, marker) = match file.options.http.client {
        ClientStrategy::PerCall => ("_http_request", "AsyncClient(verify="),
        ClientStrategy::Module => ("_http_client", "AsyncClient(cookies="),
    };
    if let Some(name) = existing_definition(file, base, marker) {
        return name;
    }
    let name = unique_name(file, base);
    match file.options.http.client {
        ClientStrategy::PerCall => {
            let context = ssl_context(file, additions, httpx);
            additions.define(&[
                String::new(),
                format!("async def {name}(method, url, **kwargs):"),
                format!("{indent}async with {httpx}.AsyncClient(verify={context}) as client:"),
                format!("{indent}{indent}return await client.request(method, url, **kwargs)"),
            ]);
        }
        ClientStrategy::Module => {
            let cookiejar = additions.module("http.cookiejar");
            additions.define(&[format!(
                "{name} = {httpx}.AsyncClient(cookies={cookiejar}.CookieJar(policy={cookiejar}.DefaultCookiePolicy(allowed_domains=[])))"
            )]);
        }
    }
    name
}

struct Conversion<'t> {
    edits: Vec<Edit>,
    applicability: Applicability,
    /// The call and the uses of its response (`r.raise_for_status()`, `r.json()`): where
    /// requests' exceptions can be raised, so `except` clauses around them are mapped.
    raise_sites: Vec<Node<'t>>,
}

const BODY_VERBS: &[&str] = &["post", "put", "patch"];

/// The edits that turn one blocking call into an awaited httpx call on `target`, with the
/// keyword arguments mapped and the response's uses adjusted.
fn convert_request<'t>(
    call: Node<'t>,
    library: HttpLibrary,
    verb: &str,
    target: Target,
    file: &FileContext<'t>,
) -> Result<Conversion<'t>, String> {
    let function = file.scopes.function_of(call).ok_or("not in a function")?;
    if let Some(reason) = await_blocker(call, function) {
        return Err(reason.into());
    }
    let source = file.source;
    let args = CallArgs::of(call, source);
    if args.has_splat {
        return Err(
            "the call passes `*args`/`**kwargs`, so its arguments cannot be checked".into(),
        );
    }
    let url_index = usize::from(verb == "request");
    if args.positional.len() > url_index + 1 {
        return Err("pass the arguments after the URL by keyword first".into());
    }
    let url = args
        .positional
        .get(url_index)
        .copied()
        .or_else(|| args.keyword("url"))
        .ok_or("no URL argument")?;
    let mut applicability = Applicability::Safe;
    let mut edits = Vec::new();
    let allow_redirects = args
        .keyword("allow_redirects")
        .map(|v| text(v, source) != "False");
    let follows_redirects = match library {
        HttpLibrary::Requests => allow_redirects.unwrap_or(verb != "head"),
        HttpLibrary::Httpx => args
            .keyword("follow_redirects")
            .is_some_and(|v| text(v, source) == "True"),
    };
    let mut has_timeout = false;
    for (name, value, node) in &args.keywords {
        match (library, name.as_str()) {
            (HttpLibrary::Requests, "headers") => {
                if has_header_built_around_a_value(*value, source) {
                    applicability = Applicability::Unsafe;
                }
            }
            (_, "url" | "method" | "headers" | "json") => {}
            (_, "timeout") => has_timeout = true,
            (HttpLibrary::Requests, "allow_redirects") => {
                edits.extend(rename_keyword(*node, "follow_redirects"))
            }
            (
                HttpLibrary::Httpx,
                "follow_redirects" | "params" | "content" | "data" | "files" | "cookies" | "auth"
                | "extensions",
            ) => {}
            (HttpLibrary::Requests, "params") => {
                if has_bool_or_none_value(*value, source) {
                    applicability = Applicability::Unsafe;
                }
                if is_string_literal(url) {
                    if text(url, source).contains('?') {
                        return Err("the URL has a query string and `params=` too: httpx would drop the URL's query".into());
                    }
                } else {
                    applicability = Applicability::Unsafe;
                }
            }
            (HttpLibrary::Requests, "data") => match value.kind_name() {
                _ if is_bytes_or_str(*value, file) => {
                    edits.extend(rename_keyword(*node, "content"))
                }
                "dictionary" => {
                    if has_bool_or_none_value(*value, source) {
                        applicability = Applicability::Unsafe;
                    }
                }
                "list" | "tuple" => {
                    return Err(
                        "`data=` is a list of pairs, which httpx does not form-encode".into(),
                    )
                }
                _ => applicability = Applicability::Unsafe,
            },
            (HttpLibrary::Requests, "files" | "cookies") => applicability = Applicability::Unsafe,
            (HttpLibrary::Requests, "auth") => {
                if value.kind_name() != "tuple" {
                    applicability = Applicability::Unsafe;
                }
            }
            (_, other) => {
                return Err(format!(
                    "`{other}=` has no per-request equivalent on an httpx client"
                ))
            }
        }
    }
    let (response_edits, uses) =
        response_use_edits(call, library, follows_redirects, file, &mut applicability)?;
    edits.extend(response_edits);
    let mut raise_sites = vec![call];
    raise_sites.extend(uses);

    // The call itself.
    let quote = file.stylist.quote;
    match target {
        Target::Helper(helper) => {
            edits.extend(await_call(call, Some(helper)));
            if verb != "request" {
                edits.extend(prepend_argument(
                    call,
                    &format!("{quote}{}{quote}", verb.to_uppercase()),
                ));
            }
        }
        Target::Client(client) | Target::Session(client) => {
            let body_on_bodyless_verb = !BODY_VERBS.contains(&verb)
                && verb != "request"
                && ["json", "data", "files", "content"]
                    .iter()
                    .any(|k| args.keyword(k).is_some());
            if body_on_bodyless_verb {
                edits.extend(await_call(call, Some(&format!("{client}.request"))));
                edits.extend(prepend_argument(
                    call,
                    &format!("{quote}{}{quote}", verb.to_uppercase()),
                ));
            } else {
                edits.extend(await_call(call, Some(&format!("{client}.{verb}"))));
            }
        }
    }
    // requests follows redirects (but for `head`) and never times out; httpx does neither.
    // A session's AsyncClient is built with both settings already.
    if library == HttpLibrary::Requests && !matches!(target, Target::Session(_)) {
        let mut added = Vec::new();
        if allow_redirects.is_none() && verb != "head" {
            added.push("follow_redirects=True");
        }
        if !has_timeout {
            added.push("timeout=None");
        }
        if !added.is_empty() {
            edits.extend(append_argument(call, &added.join(", ")));
        }
    }
    Ok(Conversion {
        edits,
        applicability,
        raise_sites,
    })
}

/// Whether an expression is certainly `bytes` or `str`: a literal, `….encode(…)`,
/// `json.dumps(…)`, `bytes(…)`/`str(…)`, or a `+`/`%` with such an operand.
fn is_bytes_or_str(value: Node, file: &FileContext) -> bool {
    match value.kind_name() {
        "string" | "concatenated_string" => true,
        "parenthesized_expression" => value
            .named_child(0)
            .is_some_and(|v| is_bytes_or_str(v, file)),
        "binary_operator" => {
            let operator = value.field("operator").map(|o| file.text(o));
            matches!(operator, Some("+" | "%"))
                && [value.field("left"), value.field("right")]
                    .into_iter()
                    .flatten()
                    .any(|operand| is_bytes_or_str(operand, file))
        }
        "call" => {
            let Some(function) = value.field("function") else {
                return false;
            };
            let method = function
                .field("attribute")
                .filter(|_| function.kind_name() == "attribute")
                .map(|a| file.text(a));
            let builtin = (function.kind_name() == "identifier")
                .then(|| file.text(function))
                .filter(|name| !file.imports.is_bound(name) && !file.is_local_name(function, name));
            matches!(method, Some("encode" | "decode" | "format" | "join"))
                || matches!(builtin, Some("bytes" | "str"))
                || file.callee(value).is_some_and(|q| q == "json.dumps")
        }
        _ => false,
    }
}

/// Whether a dict literal has a `None`/`True`/`False` value (httpx encodes them differently).
fn has_bool_or_none_value(value: Node, source: &str) -> bool {
    value.kind_name() == "dictionary"
        && named_children(value)
            .iter()
            .filter_map(|pair| pair.field("value"))
            .any(|v| matches!(text(v, source), "None" | "True" | "False"))
}

/// Edits for the uses of the call's response: `.ok`, `.reason`; unsafe or refused uses.
fn response_use_edits<'t>(
    call: Node<'t>,
    library: HttpLibrary,
    follows_redirects: bool,
    file: &FileContext<'t>,
    applicability: &mut Applicability,
) -> Result<(Vec<Edit>, Vec<Node<'t>>), String> {
    if library == HttpLibrary::Httpx {
        return Ok((Vec::new(), Vec::new()));
    }
    let mut uses = Vec::new();
    let parent = call.parent().ok_or("no parent")?;
    match parent.kind_name() {
        "attribute" => uses.push(call),
        "expression_statement" => {}
        "named_expression" => {
            return Err("the response is bound with `:=`: bind it with `=` first so its uses can be checked".into());
        }
        "assignment" if parent.field("right") == Some(call) => {
            let target = parent.field("left").ok_or("no target")?;
            if target.kind_name() != "identifier" {
                *applicability = Applicability::Unsafe;
            } else {
                let function = file.scopes.function_of(call).ok_or("not in a function")?;
                let name = file.text(target);
                // The response's uses run from the call to the next assignment of the same name.
                let mut body = own_body_nodes(function);
                body.sort_by_key(|n| n.start_byte());
                let rebound = body.iter().find(|n| {
                    n.kind_name() == "assignment"
                        && n.start_byte() > call.end_byte()
                        && n.field("left").is_some_and(|l| file.text(l) == name)
                });
                let end = rebound.map_or(usize::MAX, |n| n.start_byte());
                uses.extend(body.iter().copied().filter(|n| {
                    n.kind_name() == "identifier"
                        && file.text(*n) == name
                        && n.start_byte() > call.end_byte()
                        && n.start_byte() < end
                }));
            }
        }
        _ => *applicability = Applicability::Unsafe,
    }
    let mut edits = Vec::new();
    for &value in &uses {
        let parent = value.parent().ok_or("no parent")?;
        let attribute = (parent.kind_name() == "attribute"
            && parent.field("object") == Some(value))
        .then(|| parent.field("attribute"))
        .flatten();
        match attribute.map(|a| (a, file.text(a))) {
            Some((
                _,
                "status_code" | "headers" | "content" | "json" | "cookies" | "history" | "links"
                | "is_redirect" | "encoding" | "request" | "elapsed",
            )) => {}
            Some((_, "raise_for_status")) => {
                if !follows_redirects {
                    *applicability = Applicability::Unsafe;
                }
            }
            Some((_, "ok")) if value == call => {
                return Err(
                    "`.ok` is read straight off the call: assign the response to a name first"
                        .into(),
                );
            }
            Some((_, "ok")) => {
                let object = file.text(value);
                let grandparent = parent.parent();
                let bare_condition = grandparent.is_some_and(|g| {
                    matches!(
                        g.kind_name(),
                        "if_statement" | "elif_clause" | "while_statement"
                    ) && g.field("condition") == Some(parent)
                });
                match grandparent.filter(|g| g.kind_name() == "not_operator") {
                    Some(not) => edits.push(Edit::replace(
                        not.start_byte(),
                        not.end_byte(),
                        format!("{object}.is_error"),
                    )),
                    None if bare_condition => edits.push(Edit::replace(
                        parent.start_byte(),
                        parent.end_byte(),
                        format!("not {object}.is_error"),
                    )),
                    None => edits.push(Edit::replace(
                        parent.start_byte(),
                        parent.end_byte(),
                        format!("(not {object}.is_error)"),
                    )),
                }
            }
            Some((name, "reason")) => edits.push(Edit::replace(
                name.start_byte(),
                name.end_byte(),
                "reason_phrase",
            )),
            Some((_, "text" | "url")) => *applicability = Applicability::Unsafe,
            Some((_, other)) => {
                return Err(format!("`response.{other}` has no direct httpx equivalent"))
            }
            None => {
                if matches!(
                    parent.kind_name(),
                    "if_statement"
                        | "while_statement"
                        | "not_operator"
                        | "boolean_operator"
                        | "conditional_expression"
                ) {
                    return Err("`if response:` is always true for an httpx response".into());
                }
                *applicability = Applicability::Unsafe;
            }
        }
    }
    Ok((edits, uses))
}

/// The requests exceptions in `except` clauses of `try` statements around `calls`, mapped to
/// httpx. Also returns the other requests calls those `try` bodies guard.
fn except_clause_edits<'t>(
    calls: &[Node<'t>],
    function: Node<'t>,
    file: &FileContext<'t>,
    additions: &mut ModuleAdditions,
    httpx: &str,
) -> Result<(Vec<Edit>, Vec<Node<'t>>), String> {
    let mut edits = Vec::new();
    let mut others = Vec::new();
    let mut tries: Vec<Node> = Vec::new();
    for call in calls {
        let mut node = *call;
        for parent in ancestors_below(function, *call) {
            if parent.kind_name() == "try_statement"
                && parent.field("body") == Some(node)
                && !tries.contains(&parent)
            {
                tries.push(parent);
            }
            node = parent;
        }
    }
    for try_statement in tries {
        let mut mapped_any = false;
        for clause in named_children(try_statement)
            .into_iter()
            .filter(|c| c.kind_name() == "except_clause")
        {
            let Some(caught) = named_children(clause)
                .into_iter()
                .find(|c| c.kind_name() != "block" && c.kind_name() != "comment")
            else {
                continue;
            };
            let caught = if caught.kind_name() == "as_pattern" {
                caught.named_child(0).unwrap_or(caught)
            } else {
                caught
            };
            let elements = match caught.kind_name() {
                "tuple" => named_children(caught),
                "parenthesized_expression" => named_children(caught)
                    .into_iter()
                    .flat_map(|c| {
                        if c.kind_name() == "tuple" {
                            named_children(c)
                        } else {
                            vec![c]
                        }
                    })
                    .collect(),
                _ => vec![caught],
            };
            for element in elements {
                let name = file.text(element);
                if matches!(name, "OSError" | "IOError" | "EnvironmentError")
                    && !file.imports.is_bound(name)
                {
                    return Err(format!(
                        "`except {name}` catches requests' errors but not httpx's"
                    ));
                }
                let Some(qualified) = file.qualified_name(element) else {
                    continue;
                };
                let Some(short) = qualified
                    .strip_prefix("requests.exceptions.")
                    .or_else(|| qualified.strip_prefix("requests."))
                else {
                    continue;
                };
                let replacement = match short {
                    "HTTPError" => format!("{httpx}.HTTPStatusError"),
                    "RequestException" => {
                        if caught.kind_name() == "tuple"
                            || caught.kind_name() == "parenthesized_expression"
                        {
                            format!("{httpx}.HTTPError, {httpx}.InvalidURL")
                        } else {
                            format!("({httpx}.HTTPError, {httpx}.InvalidURL)")
                        }
                    }
                    "Timeout" => format!("{httpx}.TimeoutException"),
                    "ConnectTimeout" | "ReadTimeout" | "TooManyRedirects" => {
                        format!("{httpx}.{short}")
                    }
                    "JSONDecodeError" => format!("{}.JSONDecodeError", additions.module("json")),
                    other => {
                        return Err(format!(
                        "`requests.{other}` in an `except` clause has no single httpx equivalent"
                    ))
                    }
                };
                edits.push(Edit::replace(
                    element.start_byte(),
                    element.end_byte(),
                    replacement,
                ));
                mapped_any = true;
            }
        }
        if mapped_any {
            let body = try_statement.field("body").expect("try has a body");
            for node in own_body_nodes(function) {
                if node.kind_name() == "call"
                    && contains(body, node)
                    && !calls.iter().any(|c| contains(*c, node))
                {
                    if let Some(
                        BlockingCall::HttpFunction {
                            library: HttpLibrary::Requests,
                            ..
                        }
                        | BlockingCall::SessionMethod {
                            library: HttpLibrary::Requests,
                            ..
                        },
                    ) = classify(node, file)
                    {
                        others.push(node);
                    }
                }
            }
        }
    }
    Ok((edits, others))
}
