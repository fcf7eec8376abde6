//! PO306: outbound HTTP that can wait forever: no timeout where the library has none by default,
//! or an explicit `timeout=None`.

use crate::codemod::{
    Codemod, CodemodMeta, Context, FileContext, FixAvailability, Gate, Mention, Scope,
};
use crate::edits::builders::append_argument;
use crate::fix::{Edit, Fix};
use crate::parse::NodeLookups;
use crate::semantic::blocking::{client_binding, client_constructor, ClientKind, HTTP_VERBS};
use crate::syntax::{text, CallArgs};
use tree_sitter::Node;

pub struct MissingTimeout;

static META: CodemodMeta = CodemodMeta {
    code: "PO306",
    name: "missing-timeout",
    summary: "outbound HTTP call or client that can wait forever (no timeout, or `timeout=None`)",
    fix: FixAvailability::Always,
    safety: "unsafe",
    priority: 6,
    impact: "A hung upstream fails after the timeout instead of holding a worker slot, a pooled connection and the request for ever.",
    requires: &[],
    // requests and urlopen never time out by default; httpx only with an explicit `None`.
    gates: &[
        Gate::imports(&["requests"]),
        Gate::imports_and(&["urllib"], &["urlopen"]),
        Gate::imports_and(&[], &["timeout=None", "timeout = None"]),
    ],
    mentions: &[
        Mention::imports_and_variables(&[
            "requests",
            "httpx.get",
            "httpx.post",
            "httpx.put",
            "httpx.patch",
            "httpx.delete",
            "httpx.head",
            "httpx.options",
            "httpx.request",
            "httpx.stream",
            "httpx.Client",
            "httpx.AsyncClient",
            "urllib.request.urlopen",
        ]),
        Mention::shape(mentions_the_http_helper),
    ],
    scope: Scope::Module,
    docs: r#"## What it does
Finds outbound HTTP that has no upper bound on how long it waits:
- `requests` calls (module functions and `Session` methods) without `timeout=`: requests never
  times out by default;
- `urllib.request.urlopen` without a timeout (it uses the socket default, none);
- `timeout=None` on `requests`, on `httpx` calls and clients (`httpx.AsyncClient(timeout=None)`),
  and on the `_http_request` helper PO101 writes (which keeps requests' "wait forever").
`httpx` calls and clients without `timeout=` are not reported: httpx defaults to 5 seconds.

## Why is this slow?
An upstream that accepts the connection and never answers holds the request, its worker slot,
its pooled connection and its database session for ever. Under load, stuck requests pile up
until the service stops answering at all; a timeout turns that into fast, visible errors that
retries and circuit breakers can handle.

## Example
```python
resp = requests.get(f"{INVENTORY}/stock/{sku}")
client = httpx.AsyncClient(timeout=None)
```

## Use instead
```python
resp = requests.get(f"{INVENTORY}/stock/{sku}", timeout=10)
client = httpx.AsyncClient(timeout=10)
```

## Options
`[tool.perfopt.missing-timeout] seconds = 10`: the timeout the fix writes (default 10 s, the
value the issue tracker asked for; pick one above your upstreams' slowest legitimate answer).

## Fix safety
Unsafe: a call that used to wait as long as it took now raises after the timeout (requests:
`requests.Timeout`/`ConnectionError`; httpx: `httpx.TimeoutException`). For requests the
timeout bounds the connect and each read, not the whole transfer; for httpx it bounds connect,
read, write and the wait for a pooled connection.
"#,
};

impl Codemod for MissingTimeout {
    fn meta(&self) -> &'static CodemodMeta {
        &META
    }

    fn node_kinds(&self) -> &'static [&'static str] {
        &["call"]
    }

    fn check(&self, call: Node<'_>, cx: &mut Context<'_>) {
        let file = cx.file;
        let Some(kind) = outbound_kind(call, file) else {
            return;
        };
        let args = CallArgs::of(call, file.source);
        if args.has_splat {
            return;
        }
        let seconds = format_seconds(file.options.timeout.seconds);
        let callee = call.field("function").map_or("", |f| text(f, file.source));
        let explicit = args.keyword("timeout").or_else(|| {
            (kind == Outbound::Urlopen)
                .then(|| args.positional.get(2).copied())
                .flatten()
        });
        let (message, edit) = match explicit {
            Some(value) if text(value, file.source) == "None" => (
                format!("`timeout=None` lets `{callee}` wait forever"),
                Edit::replace(value.start_byte(), value.end_byte(), seconds.clone()),
            ),
            Some(_) => return,
            None if kind.waits_forever_by_default() => {
                let Some(edit) = append_argument(call, &format!("timeout={seconds}")) else {
                    return;
                };
                (
                    format!("`{callee}` has no timeout and can wait forever"),
                    edit,
                )
            }
            None => return,
        };
        cx.report(call, message).with_fix(Ok(Fix::unsafe_edits(
            format!("Set `timeout={seconds}`"),
            vec![edit],
        )));
    }
}

/// Which kind of outbound HTTP a call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outbound {
    /// `requests.get(...)` and friends, `Session` methods: no default timeout.
    Requests,
    /// `urlopen(...)`: the socket default, none.
    Urlopen,
    /// httpx calls, clients and their methods: 5 s unless `timeout=None`.
    Httpx,
    /// PO101's `_http_request(...)` helper: forwards `timeout=`, httpx's default otherwise.
    Helper,
}

impl Outbound {
    fn waits_forever_by_default(self) -> bool {
        matches!(self, Outbound::Requests | Outbound::Urlopen)
    }
}

fn outbound_kind(call: Node, file: &FileContext) -> Option<Outbound> {
    let function = call.field("function")?;
    if let Some(kind) = client_constructor(call, file) {
        // A requests Session takes no timeout; its calls are checked one by one.
        return (kind != ClientKind::RequestsSession).then_some(Outbound::Httpx);
    }
    if let Some(qualified) = file.qualified_name(function) {
        let (module, name) = qualified.rsplit_once('.')?;
        return match (module, name) {
            ("requests" | "requests.api", verb) if HTTP_VERBS.contains(&verb) => {
                Some(Outbound::Requests)
            }
            ("httpx", verb) if HTTP_VERBS.contains(&verb) || verb == "stream" => {
                Some(Outbound::Httpx)
            }
            ("urllib.request", "urlopen") => Some(Outbound::Urlopen),
            _ => None,
        };
    }
    match function.kind_name() {
        "attribute" => {
            let method = text(function.field("attribute")?, file.source);
            let object = function
                .field("object")
                .filter(|o| o.kind_name() == "identifier")?;
            if !(HTTP_VERBS.contains(&method) || method == "stream") {
                return None;
            }
            match client_constructor(client_binding(object, file)?.constructor, file)? {
                ClientKind::RequestsSession => Some(Outbound::Requests),
                ClientKind::HttpxClient | ClientKind::HttpxAsyncClient => Some(Outbound::Httpx),
            }
        }
        "identifier" if is_perfopt_http_helper(text(function, file.source), file) => {
            Some(Outbound::Helper)
        }
        _ => None,
    }
}

/// The name PO101 gives its per-call helper (with a `_1`, `_2`, … suffix when taken).
const HTTP_HELPER: &str = "_http_request";

fn mentions_the_http_helper(text: &str) -> bool {
    text.contains(HTTP_HELPER)
}

/// Whether `name` is the module-level per-call helper PO101 defines (recognised by its shape).
fn is_perfopt_http_helper(name: &str, file: &FileContext) -> bool {
    name.starts_with(HTTP_HELPER)
        && file.module_definitions().iter().any(|(defined, bytes)| {
            *defined == name && file.source[bytes.clone()].contains(".AsyncClient(verify=")
        })
}

/// `10.0` → `10`, `2.5` → `2.5`.
fn format_seconds(seconds: f64) -> String {
    if seconds.fract() == 0.0 && seconds < 1e15 {
        format!("{}", seconds as i64)
    } else {
        format!("{seconds}")
    }
}
