//! PO301: a GET route that only reads, recomputed on every request.

use crate::codemod::{
    Codemod, CodemodMeta, Context, FileContext, FixAvailability, Gate, Mention, Scope,
};
use crate::edits::importer::{existing_definition, unique_name, ModuleAdditions};
use crate::edits::lifespan::{add_startup_statement, startup_site};
use crate::fix::{Edit, Fix};
use crate::parse::NodeLookups;
use crate::semantic::project::{app_assignment, has_get_route_decorator, CACHE_INIT};
use crate::semantic::read_routes::{may_hold_read_route, read_route};
use crate::settings::CacheBackend;
use crate::source::{indentation_at, line_end_at};
use crate::syntax::enclosing_statement;
use tree_sitter::Node;

pub struct UncachedReadEndpoint;

static META: CodemodMeta = CodemodMeta {
    code: "PO301",
    name: "uncached-read-endpoint",
    summary: "GET route that only reads recomputes the same response on every request",
    fix: FixAvailability::Sometimes,
    safety: "unsafe",
    priority: 6,
    impact: "Repeated requests for the same path and query are answered from the cache for `expire` seconds instead of querying the database or upstream again; the behaviour test measures the hits.",
    requires: &[],
    gates: &[
        Gate {
            imports: &[],
            literals: &[],
            shape: Some(has_get_route_decorator),
        },
        Gate::imports_and(&["fastapi"], &["FastAPI("]),
    ],
    // Routes are definitions with a `.get(` decorator; apps are assigned at module level (always
    // parsed) or in a factory function.
    mentions: &[
        Mention::shape(may_hold_read_route),
        Mention::imports(&["fastapi.FastAPI", "fastapi.applications.FastAPI"]),
    ],
    scope: Scope::Module,
    docs: r#"## What it does
Finds GET routes (`@app.get`, `@router.get`; `async def` or `def`) that only read: they call
something (a Beanie or SQLAlchemy query, an upstream GET, a service) but nothing whose name
writes, has an effect or varies (`insert`, `save`, `update`, `delete`, `add`, `commit`, `post`,
`send`, `publish`, `reserve`, `random`, `now`, `sleep`, `subprocess` …, or a `"POST"`/`"PUT"`/
`"PATCH"`/`"DELETE"` method string), build no `Response` object, change no state outside
themselves, and take no per-user or request-bound parameter (`Request`, `Response`, `Cookie`,
`Header`, `Security`, a `Depends` whose name mentions the user, token, auth, account, tenant …).
Routes with another decorator, a `response_class=`, auth `dependencies=` (on the route or on
its router), a path or name about health, readiness, liveness, status, ping or metrics (they
must answer live) or about exports and downloads (PO305 streams those) are left alone.

It also reports the FastAPI app that serves such routes but never calls `FastAPICache.init`:
a `@cache` endpoint called before `init` fails with a 500.

## Why is this slow?
Every request repeats the same queries and upstream calls for an answer that changes far less
often than it is asked for. A cache answers repeated requests for the same path and query
without touching the database.

## Example
```python
@router.get("/categories/{slug}")
async def get_category(slug: str, session: AsyncSession = Depends(get_session)):
    return (await session.execute(select(Category).where(Category.slug == slug))).scalar_one()
```

## Use instead
```python
@router.get("/categories/{slug}")
@cache(expire=60, key_builder=_request_cache_key)
async def get_category(slug: str, session: AsyncSession = Depends(get_session)):
    ...
```
with `FastAPICache.init(InMemoryBackend(), prefix="fastapi-cache")` at the app's start-up:
before the `yield` of its lifespan, at the end of its `on_event("startup")` handler, or in a
new module-level lifespan passed to `FastAPI(lifespan=...)`. The route decorator stays on top (the other
order registers the uncached function). `_request_cache_key`, defined once per module, keys
entries by method, path and sorted query parameters: fastapi-cache2's default key includes the
`repr` of every resolved parameter, so a per-request `Depends(get_session)` puts a new key on
every request and the cache never hits.

A route is fixed only when an app of the checked files serves it (directly or through
`include_router`) and that app has start-up code perfopt can extend; otherwise it is reported
without a fix.

## Options
`[tool.perfopt.uncached-read-endpoint] expire = 60, backend = "memory" | "redis",
redis-url = "redis://localhost:6379"`. `memory` keeps one cache per worker process
(fastapi-cache2's `InMemoryBackend`: entries are dropped only when an expired key is read, so
memory grows with the number of distinct paths and queries); `redis` shares it between workers.

## Fix safety
Unsafe. For `expire` seconds clients can see data that has changed since. A hit returns what
the handler returned, re-encoded: status and headers set on a `Response` parameter are lost (such
routes are not fixed), and responses gain `Cache-Control: max-age`, `ETag` and
`X-FastAPI-Cache` headers, so browsers and proxies may cache them too. Anything the response
depends on beyond the path and query (a header such as `Accept-Language`, the user behind a
dependency perfopt did not recognise) is not in the key: one client's answer is served to
others. The cache is initialised when the lifespan runs: tests that call the app without running
it (`TestClient(app)` outside a `with` block, httpx's `ASGITransport`) get a 500 ("You must call
init first!") from cached routes until they enter it (`with TestClient(app) as client:`). The
project must depend on `fastapi-cache2` (0.2.2: its import of
`starlette.templating` needs `jinja2` on Starlette 1.x; `redis` for the Redis backend).
"#,
};

impl Codemod for UncachedReadEndpoint {
    fn meta(&self) -> &'static CodemodMeta {
        &META
    }

    fn node_kinds(&self) -> &'static [&'static str] {
        &["decorated_definition", "expression_statement"]
    }

    fn check(&self, node: Node<'_>, cx: &mut Context<'_>) {
        match node.kind_name() {
            "decorated_definition" => check_route(node, cx),
            _ => check_app(node, cx),
        }
    }
}

fn check_route(decorated: Node, cx: &mut Context) {
    let file = cx.file;
    let Some(route) = read_route(decorated, file.source, &file.imports, file.module) else {
        return;
    };
    if route.cached {
        return;
    }
    let Some(function) = decorated.field("definition") else {
        return;
    };
    let name = function.field("name").map_or("", |n| file.text(n));
    let fix = if file.project.cache_ready(&route.owner) {
        Ok(cache_decorator_fix(route.route_decorator, file))
    } else {
        Err(format!(
            "perfopt found no app serving `{}` whose start-up it can add `FastAPICache.init(...)` to (none among the checked files, or its lifespan is defined elsewhere): check the whole project, or init the cache yourself",
            route.owner.rsplit('.').next().unwrap_or(&route.owner)
        ))
    };
    let expire = file.options.read_cache.expire;
    cx.report(
        function.field("name").unwrap_or(function),
        format!("GET route `{name}` only reads but recomputes its response on every request"),
    )
    .with_fix(fix.map(|edits| {
        Fix::unsafe_edits(
            format!("Cache it for {expire} s with fastapi-cache2's `@cache`"),
            edits,
        )
    }));
}

fn cache_decorator_fix(route_decorator: Node, file: &FileContext) -> Vec<Edit> {
    let mut additions = ModuleAdditions::new(file);
    let cache = additions.member("fastapi_cache.decorator", "cache");
    let key_builder = request_key_builder(file, &mut additions);
    let indent = indentation_at(file.source, route_decorator.start_byte());
    let line = format!(
        "{}{indent}@{cache}(expire={}, key_builder={key_builder})",
        file.stylist.line_ending, file.options.read_cache.expire
    );
    let mut edits = vec![Edit::insert(
        line_end_at(file.source, route_decorator.end_byte()),
        line,
    )];
    edits.extend(additions.into_edit());
    edits
}

/// The module's cache key builder, defined by an earlier fix or now.
fn request_key_builder(file: &FileContext, additions: &mut ModuleAdditions) -> String {
    if let Some(name) = existing_definition(file, "_request_cache_key", "request.url.path") {
        return name;
    }
    let name = unique_name(file, "_request_cache_key");
    let i = &file.stylist.indent;
    let q = file.stylist.quote;
    additions.define(&[
        String::new(),
        format!("def {name}(func, namespace={q}{q}, *, request=None, response=None, args=(), kwargs=None):"),
        format!("{i}# The request's method, path and query, not the resolved dependencies: their repr"),
        format!("{i}# (a database session) changes on every request, so fastapi-cache2's default key never hits."),
        format!("{i}if request is None:"),
        format!("{i}{i}return f{q}{{namespace}}:{{func.__module__}}.{{func.__qualname__}}:{{args!r}}:{{kwargs!r}}{q}"),
        format!("{i}query = sorted(request.query_params.multi_items())"),
        format!("{i}return f{q}{{namespace}}:{{func.__module__}}.{{func.__qualname__}}:{{request.method}}:{{request.url.path}}:{{query}}{q}"),
    ]);
    name
}

/// The app `name = FastAPI(...)` that serves routes PO301 caches needs `FastAPICache.init`.
fn check_app(statement: Node, cx: &mut Context) {
    let file = cx.file;
    let Some((name, call)) = app_assignment(statement, file.source, &file.imports) else {
        return;
    };
    let qualified = format!("{}.{name}", file.module.join("."));
    // The index knows the other files; this file is looked at as it is now (fixes change it).
    if file.source.contains(CACHE_INIT) || !file.project.serves_cached_routes(&qualified) {
        return;
    }
    let fix = startup_site(name, call, file.source)
        .map_err(|reason| format!("{reason}: call `FastAPICache.init(...)` at start-up yourself"))
        .map(|site| {
            let mut additions = ModuleAdditions::new(file);
            let line = cache_init(file, &mut additions);
            let mut edits = add_startup_statement(site, &line, file, &mut additions);
            edits.extend(additions.into_edit());
            Fix::unsafe_edits("Initialise fastapi-cache2 at the app's start-up", edits)
        });
    let target = enclosing_statement(call).unwrap_or(statement);
    cx.report(
        target,
        format!("`{name}` serves endpoints PO301 caches but never calls `FastAPICache.init(...)`"),
    )
    .with_fix(fix);
}

/// `FastAPICache.init(<backend>, prefix="fastapi-cache")` for the configured backend.
fn cache_init(file: &FileContext, additions: &mut ModuleAdditions) -> String {
    let options = &file.options.read_cache;
    let q = file.stylist.quote;
    let cache = additions.member("fastapi_cache", "FastAPICache");
    let backend = match options.backend {
        CacheBackend::Memory => {
            let backend = additions.member("fastapi_cache.backends.inmemory", "InMemoryBackend");
            format!("{backend}()")
        }
        CacheBackend::Redis => {
            let backend = additions.member("fastapi_cache.backends.redis", "RedisBackend");
            let redis = additions.module("redis.asyncio");
            format!("{backend}({redis}.from_url({q}{}{q}))", options.redis_url)
        }
    };
    format!("{cache}.init({backend}, prefix={q}fastapi-cache{q})")
}
