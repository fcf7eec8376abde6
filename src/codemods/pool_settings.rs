//! PO207: database and cache clients whose settings hurt under load: a MongoDB or Redis client
//! built per request, an async engine without a pool, a Redis pool that errors when it is full.

use crate::codemod::{
    Codemod, CodemodMeta, Context, FileContext, FixAvailability, Gate, Mention, Scope,
};
use crate::edits::builders::{delete_statement, remove_argument};
use crate::edits::importer::ModuleAdditions;
use crate::edits::shared_client::{dedent_block, hoist_with_block, is_close_of, ClientSite};
use crate::fix::{Edit, Fix};
use crate::parse::NodeLookups;
use crate::semantic::asyncness::own_body_nodes;
use crate::source::line_start_at;
use crate::syntax::{named_children, text, CallArgs};
use tree_sitter::Node;

pub struct PoolSettings;

/// Constructors of MongoDB and Redis clients that own a connection pool.
const CLIENTS: &[&str] = &[
    "motor.motor_asyncio.AsyncIOMotorClient",
    "pymongo.AsyncMongoClient",
    "pymongo.asynchronous.mongo_client.AsyncMongoClient",
    "redis.asyncio.Redis",
    "redis.asyncio.StrictRedis",
    "redis.asyncio.client.Redis",
    "redis.asyncio.from_url",
    "redis.asyncio.utils.from_url",
    "redis.asyncio.Redis.from_url",
    "redis.asyncio.StrictRedis.from_url",
    "redis.asyncio.client.Redis.from_url",
    "aioredis.Redis",
    "aioredis.from_url",
    "aioredis.Redis.from_url",
];

const ENGINES: &[&str] = &[
    "sqlalchemy.ext.asyncio.create_async_engine",
    "sqlalchemy.ext.asyncio.engine.create_async_engine",
];

const NULL_POOLS: &[&str] = &[
    "sqlalchemy.NullPool",
    "sqlalchemy.pool.NullPool",
    "sqlalchemy.pool.impl.NullPool",
];

/// redis-py asyncio's non-blocking pool, which raises `MaxConnectionsError` when it is full.
const REDIS_POOLS: &[&str] = &[
    "redis.asyncio.ConnectionPool",
    "redis.asyncio.connection.ConnectionPool",
];

/// `from_url` calls of redis-py asyncio that build a (non-blocking) pool of their own.
const REDIS_FROM_URL: &[&str] = &[
    "redis.asyncio.from_url",
    "redis.asyncio.utils.from_url",
    "redis.asyncio.Redis.from_url",
    "redis.asyncio.StrictRedis.from_url",
    "redis.asyncio.client.Redis.from_url",
];

static META: CodemodMeta = CodemodMeta {
    code: "PO207",
    name: "pool-settings",
    summary: "database or cache client with settings that hurt under load (client per request, `NullPool`, a Redis pool that errors when full)",
    fix: FixAvailability::Sometimes,
    safety: "unsafe",
    priority: 5,
    impact: "Measured in `bench/pool_settings.md`: a shared Redis client answers 16x faster than one per request; the default engine pool 25x faster than `NullPool` on PostgreSQL (12x at 16 tasks); a `BlockingConnectionPool` turned 1500 of 2000 `MaxConnectionsError`s into waits.",
    requires: &[],
    gates: &[
        Gate::imports_and(&["motor", "pymongo"], &["Client("]),
        Gate::imports_and(&["redis", "aioredis"], &["from_url(", "Redis(", "ConnectionPool("]),
        Gate::imports_and(&["sqlalchemy"], &["create_async_engine("]),
    ],
    mentions: &[Mention::imports(&[
        "motor.motor_asyncio.AsyncIOMotorClient",
        "pymongo.AsyncMongoClient",
        "pymongo.asynchronous.mongo_client.AsyncMongoClient",
        "redis.asyncio",
        "aioredis",
        "sqlalchemy.ext.asyncio.create_async_engine",
        "sqlalchemy.ext.asyncio.engine.create_async_engine",
    ])],
    scope: Scope::Module,
    docs: r#"## What it does
Finds database and cache clients set up in a way that costs under load:

1. a Motor `AsyncIOMotorClient(...)`, PyMongo `AsyncMongoClient(...)` or redis-py asyncio client
   (`redis.asyncio.Redis(...)`, `redis.asyncio.from_url(...)`, and the old `aioredis`) built
   inside a route handler or a dependency (a function passed to `Depends(...)` in the module,
   the `__call__` of a class whose instance is, or an undecorated generator function, the
   `get_db()` shape, unless it is a lifespan: named so, taking the app, or passed as
   `lifespan=` or to `asynccontextmanager(...)`): a new client per request;
2. `create_async_engine(url, poolclass=NullPool)` in server code, and `create_async_engine`
   called inside a route handler or a dependency (an engine per request);
3. redis-py asyncio `from_url(url, max_connections=N)` or `ConnectionPool(max_connections=N)`:
   a capped pool that raises `MaxConnectionsError` instead of waiting when all N are busy.

A Redis client given `connection_pool=` uses a pool built elsewhere and is not reported. Names
count only when they resolve through the imports to those libraries. Test modules
(`tests/`, `test_*.py`, `conftest.py`, or a module importing `pytest`) and migrations (Alembic's
`env.py`, `migrations/`, or a module importing `alembic`) are not reported: a fresh client or
`NullPool` is usually deliberate there. Neither are SQLite URLs with `NullPool`, nor engines
whose call (comments included) mentions PgBouncer.

## Why is this slow?
Each client owns a connection pool. A client per request opens a new TCP connection (and its
handshake, authentication and, for MongoDB, server monitoring) for every request and throws it
away: nothing is reused. `NullPool` does the same for every `engine.connect()`. A capped Redis
pool turns a burst above N concurrent commands into errors rather than short waits.

Measured here with `bench/pool_settings.py` (redis-server 7.0.15, PostgreSQL 15.18, redis-py
8.1.0, SQLAlchemy 2.1.9, asyncpg 0.32.0, all on 127.0.0.1; see `bench/pool_settings.md`):

| what | one task | 16 tasks |
|---|---|---|
| Redis `GET`, client per request vs shared | 1.18 ms vs 0.073 ms (16x) | 14.7 ms vs 0.83 ms (18x) |
| PostgreSQL `SELECT 1`, `NullPool` vs default pool | 5.34 ms vs 0.21 ms (25x) | 55.7 ms vs 4.46 ms (12x) |
| `max_connections=4`, 16 tasks, 2000 `GET`s | default pool: 1500 `MaxConnectionsError` | `BlockingConnectionPool`: 0 |

The defaults the fixes rely on:

| library | setting | default |
|---|---|---|
| PyMongo / Motor | `maxPoolSize` / `minPoolSize` | 100 / 0 |
| | `maxConnecting` | 2 |
| | `waitQueueTimeoutMS` | None (wait as long as server selection allows) |
| | `serverSelectionTimeoutMS` / `connectTimeoutMS` | 30 000 / 20 000 |
| SQLAlchemy `create_async_engine` | pool class | `AsyncAdaptedQueuePool` |
| | `pool_size` / `max_overflow` / `pool_timeout` | 5 / 10 / 30 s |
| | `pool_recycle` / `pool_pre_ping` | -1 (never) / False |
| redis-py 8.x asyncio | `ConnectionPool` `max_connections` | 100 (7.x: 2**31), raises when full |
| | `BlockingConnectionPool` `max_connections` / `timeout` | 50 / 20 s, waits when full |
| | `socket_timeout` / `socket_connect_timeout` | 5 s / 5 s (7.x: None) |

## Example
```python
async def get_db():
    client = AsyncIOMotorClient(settings.mongo_url)
    try:
        yield client[settings.mongo_db]
    finally:
        client.close()

engine = create_async_engine(settings.database_url, poolclass=NullPool)
cache = redis.asyncio.from_url(settings.redis_url, max_connections=10)
```

## Use instead
```python
_get_db_client = AsyncIOMotorClient(settings.mongo_url)


async def get_db():
    client = _get_db_client
    yield client[settings.mongo_db]

engine = create_async_engine(settings.database_url)
cache = redis.asyncio.Redis.from_pool(redis.asyncio.BlockingConnectionPool.from_url(settings.redis_url, max_connections=10))
```
A client built in `async with Client(...) as client:` becomes `client = <shared>` with the block
dedented; a `client = Client(...)` at the top of the function keeps its line, now reading the
shared client, and its `client.close()` / `await client.aclose()` statements go (with a
`finally:` left empty, and a `try:` left with no other clause, whose body is dedented).

## Fix safety
Unsafe, all three:

1. **Shared client.** The shared client is built at import time with the same arguments as the
   per-request one (so `decode_responses`, the database and the timeouts stay as they were), and
   is never closed. Building it at import is safe: Motor defaults to `connect=False` and binds
   its event loop at the first operation; `AsyncMongoClient` and redis-py asyncio also connect
   at the first command. But the client then belongs to the event loop that first used it
   (`AsyncMongoClient` raises `RuntimeError: Cannot use AsyncMongoClient in different event
   loop`): a test suite that runs a new loop per test must override the dependency. Requests
   now share one pool (MongoDB: 100 connections; redis-py 8: 100, raising when full, see 3),
   and state kept on a connection (a Redis `SELECT`, `CLIENT SETNAME`, a `WATCH`) is shared. A
   client whose arguments depend on the request (a parameter, a local) is reported without a
   fix, and so is one whose class is imported inside the function, or whose name is rebound,
   closed some other way, handed out (`return client`, `yield client`), or not bound at the
   top of the function. Each function gets its own shared client (`_get_db_client`, or
   `_Class_call_client` for a class-based dependency), even where two build the same one.
2. **Dropping `NullPool`.** The default pool keeps up to 5 idle connections per process and opens
   at most 15, waiting up to 30 s for one. `NullPool` is sometimes deliberate: behind PgBouncer in
   transaction mode (there pool sizing belongs to PgBouncer), in serverless functions, or where
   a process forks after creating the engine. An engine created per request is reported without
   a fix: create it once at module level or in the lifespan, and `await engine.dispose()` at
   shutdown.
3. **`BlockingConnectionPool`.** A command that finds all N connections busy now waits, up to
   20 s (`timeout=`), and then raises `ConnectionError("No connection available.")`, instead of
   raising `MaxConnectionsError` at once: latency under load replaces errors, and code that
   caught the error to fall back (serve without the cache) now waits first. `Redis.from_pool`
   owns the pool and closes it with the client, as `from_url` did; it needs redis-py 5.0.1 or
   later. Calls with `single_connection_client=`, `auto_close_connection_pool=`,
   `connection_pool=` or `**kwargs`, a `ConnectionPool(...)` given positional arguments, and
   `Redis(max_connections=N)`, are reported without a fix.
"#,
};

impl Codemod for PoolSettings {
    fn meta(&self) -> &'static CodemodMeta {
        &META
    }

    fn node_kinds(&self) -> &'static [&'static str] {
        &["call"]
    }

    fn check(&self, call: Node<'_>, cx: &mut Context<'_>) {
        let file = cx.file;
        let Some(callee) = file.callee(call) else {
            return;
        };
        // `Redis(connection_pool=pool)` borrows a pool built elsewhere: a cheap client.
        let is_client = CLIENTS.contains(&callee.as_str())
            && CallArgs::of(call, file.source)
                .keyword("connection_pool")
                .is_none();
        let is_engine = ENGINES.contains(&callee.as_str());
        let is_capped_redis = is_capped_redis_pool(call, &callee, file);
        if !(is_client || is_engine || is_capped_redis) || is_test_or_migration(file) {
            return;
        }
        let per_request = file
            .scopes
            .function_of(call)
            .filter(|function| runs_per_request(*function, file));
        let written = call.field("function").map_or("", |f| file.text(f));
        if let Some(function) = per_request {
            if is_client {
                cx.report(
                    call,
                    format!(
                        "`{written}(...)` builds a new client and connection pool on every request"
                    ),
                )
                .with_fix(shared_client_fix(call, function, file));
                return;
            }
            if is_engine {
                cx.report(call, format!("`{written}(...)` builds a new engine and pool on every request"))
                    .with_note("create the engine once (module level or the lifespan) and `await engine.dispose()` at shutdown");
                return;
            }
        }
        if is_engine {
            null_pool(call, written, cx);
        } else if is_capped_redis {
            capped_redis_pool(call, &callee, written, cx);
        }
    }
}

/// A route handler, a function passed to `Depends(...)` in this module, the `__call__` of a
/// class whose instance is (`Depends(Limiter())`, or `limiter = Limiter()` and
/// `Depends(limiter)`), or an undecorated generator that is not the app's lifespan (the
/// `get_db()` dependency shape, or a streamed response's generator).
fn runs_per_request(function: Node, file: &FileContext) -> bool {
    if file.fastapi().route(function).is_some() || is_dependency_class_call(function, file) {
        return true;
    }
    let Some(name) = function.field("name") else {
        return false;
    };
    let is_decorated = function
        .parent()
        .is_some_and(|p| p.kind_name() == "decorated_definition");
    let name = file.text(name);
    // A lifespan runs once: passed as `lifespan=`, wrapped as `asynccontextmanager(name)`, or
    // taking the app (a dependency cannot take a parameter `app`).
    let takes_app = function
        .field("parameters")
        .and_then(|p| p.named_child(0))
        .is_some_and(|first| {
            let text = file.text(first);
            text == "app" || text.starts_with("app:") || text.ends_with(": FastAPI")
        });
    let is_lifespan = name.contains("lifespan")
        || takes_app
        || crate::source::contains(file.source, &format!("lifespan={name}"))
        || crate::source::contains(file.source, &format!("asynccontextmanager({name})"));
    crate::source::contains(file.source, &format!("Depends({name})"))
        || (!is_decorated
            && !is_lifespan
            && own_body_nodes(function)
                .iter()
                .any(|n| n.kind_name() == "yield"))
}

/// `__call__` of a module-level class whose instance is given to `Depends(...)` in this module.
fn is_dependency_class_call(function: Node, file: &FileContext) -> bool {
    let is_call = function
        .field("name")
        .is_some_and(|n| file.text(n) == "__call__");
    let class = function
        .parent()
        .and_then(|block| block.parent())
        .filter(|c| {
            c.kind_name() == "class_definition" && c.parent() == Some(file.tree.root_node())
        })
        .and_then(|c| c.field("name"));
    let (true, Some(class)) = (is_call, class) else {
        return false;
    };
    let class = file.text(class);
    if crate::source::contains(file.source, &format!("Depends({class}(")) {
        return true;
    }
    // `limiter = Limiter(...)` at module level, then `Depends(limiter)`.
    crate::syntax::named_children(file.tree.root_node())
        .into_iter()
        .filter_map(|s| s.named_child(0).filter(|a| a.kind_name() == "assignment"))
        .filter(|a| {
            a.field("right")
                .filter(|r| r.kind_name() == "call")
                .and_then(|r| r.field("function"))
                .is_some_and(|f| file.text(f) == class)
        })
        .filter_map(|a| a.field("left"))
        .any(|instance| {
            crate::source::contains(file.source, &format!("Depends({})", file.text(instance)))
        })
}

/// Test suites and migrations, where a fresh client or `NullPool` is usually deliberate.
fn is_test_or_migration(file: &FileContext) -> bool {
    let by_path = file.module.iter().any(|part| {
        matches!(
            part.as_str(),
            "tests" | "test" | "conftest" | "alembic" | "migrations"
        ) || part.starts_with("test_")
            || part.ends_with("_test")
    });
    by_path || file.imports.imports_from("pytest") || file.imports.imports_from("alembic")
}

/// `client = Client(ARGS)` at the top level of the function, or `async with Client(ARGS) as
/// client:` → the client defined once above the function.
fn shared_client_fix(call: Node, function: Node, file: &FileContext) -> Result<Fix, String> {
    let site = ClientSite::of(call, file).map_err(|reason| {
        format!("{reason}: create one client per configuration in the app's lifespan instead")
    })?;
    let in_with = call
        .parent()
        .is_some_and(|p| p.kind_name() == "as_pattern" || p.kind_name() == "with_item");
    let (edits, name, shared) = if in_with {
        let (edits, shared) = hoist_with_block(&site, None, file)?;
        let alias = call
            .parent()
            .and_then(|p| p.field("alias"))
            .map_or("client", |a| file.text(a));
        (edits, alias, shared)
    } else {
        hoist_assignment(&site, function, file)?
    };
    Ok(Fix::unsafe_edits(
        format!("Share one module-level client: `{name} = {shared}`"),
        edits,
    ))
}

/// `client = Client(ARGS)` as a statement of the function's own block → `client = <shared>`,
/// with the statements that close `client` removed.
fn hoist_assignment<'s>(
    site: &ClientSite,
    function: Node,
    file: &'s FileContext,
) -> Result<(Vec<Edit>, &'s str, String), String> {
    let source = file.source;
    let assignment = site
        .call
        .parent()
        .filter(|a| a.kind_name() == "assignment" && a.field("right") == Some(site.call))
        .ok_or("the client is not assigned to a name")?;
    let target = assignment
        .field("left")
        .filter(|t| t.kind_name() == "identifier")
        .ok_or("the client is not assigned to a plain name")?;
    let body = function.field("body").ok_or("no body")?;
    let at_top = assignment
        .parent()
        .and_then(|s| s.parent())
        .is_some_and(|block| block == body);
    if !at_top {
        return Err("the client is built conditionally (not at the top of the function)".into());
    }
    let name = file.text(target);
    let mut closes = Vec::new();
    for node in own_body_nodes(function) {
        match node.kind_name() {
            "assignment" | "augmented_assignment" | "for_statement" | "as_pattern"
                if node != assignment =>
            {
                let bound = node.field("left").or_else(|| node.field("alias"));
                if bound.is_some_and(|t| text(t, source) == name) {
                    return Err(format!("`{name}` is rebound in the function"));
                }
            }
            "attribute" if is_close_of(node, name, source) => {
                let statement = close_statement(node)
                    .ok_or_else(|| format!("`{name}` is closed inside an expression"))?;
                closes.push(statement);
            }
            "with_item" if text(node, source).trim() == name => {
                return Err(format!("`{name}` is closed by an `async with`"));
            }
            // Whoever receives the client may close it, and a closed MongoClient stays closed.
            "return_statement" | "yield"
                if node.named_child(0).is_some_and(|v| text(v, source) == name) =>
            {
                return Err(format!(
                    "`{name}` is handed to the caller, who may close it"
                ));
            }
            _ => {}
        }
    }
    let constructor = site.constructor_with(None, source);
    let (shared, definition) = site.define(name, &constructor, file);
    let mut edits: Vec<Edit> = definition.into_iter().collect();
    edits.push(Edit::replace(
        site.call.start_byte(),
        site.call.end_byte(),
        shared.clone(),
    ));
    for close in closes {
        edits.extend(remove_close(close, source));
    }
    Ok((edits, name, shared))
}

/// Removes a statement that closed the per-request client. A `finally:` left with nothing to do
/// goes too, and a `try:` left with no clause is unwrapped (its body dedented).
fn remove_close(close: Node, source: &str) -> Vec<Edit> {
    let block = close.parent();
    let finally = block
        .and_then(|b| b.parent())
        .filter(|f| f.kind_name() == "finally_clause");
    let try_statement = finally.and_then(|f| f.parent());
    let alone = block.is_some_and(|b| {
        named_children(b)
            .iter()
            .all(|s| *s == close || s.kind_name() == "comment")
    });
    let (Some(finally), Some(try_statement), true) = (finally, try_statement, alone) else {
        return vec![delete_statement(source, close)];
    };
    let whole_lines = |node: Node| {
        let end = source[node.end_byte()..]
            .find('\n')
            .map_or(source.len(), |i| node.end_byte() + i + 1);
        Edit::delete(line_start_at(source, node.start_byte()), end)
    };
    let clauses = named_children(try_statement)
        .into_iter()
        .filter(|c| c.kind_name() != "comment")
        .count();
    let body = try_statement.field("body");
    // The `try:` line, when it holds nothing else (comments below it stay, dedented).
    let header_line = body.and_then(|body| {
        let start = line_start_at(source, try_statement.start_byte());
        let end = source[start..].find('\n').map(|i| start + i + 1)?;
        (source[start..end].trim() == "try:" && end <= body.start_byte()).then_some((start, end))
    });
    match (body, header_line) {
        // `try:` + body + `finally:` only: the body stays, one level left.
        (Some(body), Some((start, end))) if clauses == 2 => {
            let mut edits = vec![Edit::delete(start, end)];
            edits.extend(dedent_block(try_statement, body, source));
            edits.push(whole_lines(finally));
            edits
        }
        _ if clauses > 2 => vec![whole_lines(finally)],
        _ => vec![delete_statement(source, close)],
    }
}

/// The statement `client.close()` or `await client.aclose()` that the attribute `client.close`
/// is the callee of, if the call is the whole statement.
fn close_statement(attribute: Node) -> Option<Node> {
    let call = attribute
        .parent()
        .filter(|c| c.kind_name() == "call" && c.field("function") == Some(attribute))?;
    let call_args = call.field("arguments")?;
    if call_args.named_child_count() > 0 {
        return None;
    }
    let expression = call
        .parent()
        .filter(|a| a.kind_name() == "await")
        .unwrap_or(call);
    expression
        .parent()
        .filter(|s| s.kind_name() == "expression_statement" && s.named_child_count() == 1)
}

/// `create_async_engine(url, poolclass=NullPool)` → the default pool.
fn null_pool(call: Node, written: &str, cx: &mut Context) {
    let file = cx.file;
    let args = CallArgs::of(call, file.source);
    let Some(poolclass) = args.keyword_node("poolclass") else {
        return;
    };
    let is_null_pool = args
        .keyword("poolclass")
        .and_then(|value| file.qualified_name(value))
        .is_some_and(|q| NULL_POOLS.contains(&q.as_str()));
    let is_sqlite = args
        .positional
        .first()
        .or(args.keyword("url").as_ref())
        .is_some_and(|url| file.text(*url).contains("sqlite"));
    // Behind PgBouncer in transaction mode, NullPool is the documented set-up.
    let mentions_pgbouncer = {
        let line_end = crate::source::line_end_at(file.source, call.end_byte());
        file.source[call.start_byte()..line_end]
            .to_ascii_lowercase()
            .contains("bouncer")
    };
    if !is_null_pool || is_sqlite || mentions_pgbouncer {
        return;
    }
    let fix = remove_argument(poolclass, file.source)
        .map(|edit| {
            Fix::unsafe_edits(
                "Drop `poolclass=NullPool`: the default pool keeps up to 5 connections open (10 more under load)",
                vec![edit],
            )
            .releasing("sqlalchemy")
        })
        .ok_or_else(|| "a comment sits next to `poolclass=`: read it, then remove the argument by hand".to_string());
    cx.report(
        poolclass,
        format!("`{written}(..., poolclass=NullPool)` opens a new database connection for every checkout"),
    )
    .with_fix(fix);
}

/// A redis-py asyncio `from_url(...)`, `ConnectionPool(...)` or `Redis(...)` given
/// `max_connections=`: a capped pool that raises when full.
fn is_capped_redis_pool(call: Node, callee: &str, file: &FileContext) -> bool {
    let pool_class = callee.strip_suffix(".from_url").unwrap_or(callee);
    let builds_pool = REDIS_FROM_URL.contains(&callee)
        || REDIS_POOLS.contains(&pool_class)
        || matches!(
            callee,
            "redis.asyncio.Redis" | "redis.asyncio.StrictRedis" | "redis.asyncio.client.Redis"
        );
    builds_pool
        && CallArgs::of(call, file.source)
            .keyword("max_connections")
            .is_some()
}

/// A capped redis-py asyncio pool → `BlockingConnectionPool`, which waits for a connection.
fn capped_redis_pool(call: Node, callee: &str, written: &str, cx: &mut Context) {
    let file = cx.file;
    let diagnostic = cx.report(
        call,
        format!("`{written}(..., max_connections=...)` raises `MaxConnectionsError` when all its connections are busy, instead of waiting"),
    );
    let args = CallArgs::of(call, file.source);
    let owned_elsewhere = [
        "single_connection_client",
        "auto_close_connection_pool",
        "connection_pool",
    ]
    .iter()
    .any(|k| args.keyword(k).is_some());
    // `BlockingConnectionPool`'s first parameter is `max_connections`, not `connection_class`.
    let positional_pool_arguments = REDIS_POOLS.contains(&callee) && !args.positional.is_empty();
    if args.has_splat || owned_elsewhere || positional_pool_arguments {
        diagnostic.with_note("build a `BlockingConnectionPool.from_url(url, max_connections=N)` and pass it as `Redis(connection_pool=pool)`");
        return;
    }
    let Some(function) = call.field("function") else {
        return;
    };
    let pool_class = callee.strip_suffix(".from_url").unwrap_or(callee);
    let mut additions = ModuleAdditions::new(file);
    let mut edits = Vec::new();
    if REDIS_POOLS.contains(&pool_class) {
        // `ConnectionPool(...)` / `ConnectionPool.from_url(...)`: the same arguments fit.
        let pool_node = if callee.ends_with(".from_url") {
            function.field("object")
        } else {
            Some(function)
        };
        let Some(pool_node) = pool_node else {
            return;
        };
        let name_node = match pool_node.kind_name() {
            "attribute" => pool_node.field("attribute"),
            _ => Some(pool_node),
        };
        let Some(name_node) = name_node else {
            return;
        };
        let module = pool_class
            .rsplit_once('.')
            .map_or("redis.asyncio", |(m, _)| m);
        let blocking = if pool_node.kind_name() == "attribute" {
            "BlockingConnectionPool".to_string()
        } else {
            additions.member(module, "BlockingConnectionPool")
        };
        edits.push(Edit::replace(
            name_node.start_byte(),
            name_node.end_byte(),
            blocking,
        ));
    } else if REDIS_FROM_URL.contains(&callee) {
        let Some(arguments) = call.field("arguments") else {
            return;
        };
        let (client, pool) = redis_names(function, callee, file, &mut additions);
        edits.push(Edit::replace(
            function.start_byte(),
            function.end_byte(),
            format!("{client}.from_pool({pool}.from_url"),
        ));
        edits.push(Edit::insert(arguments.end_byte(), ")"));
    } else {
        diagnostic.with_note("`Redis(max_connections=N)` builds a pool that raises when full: pass `connection_pool=BlockingConnectionPool(max_connections=N, ...)` instead");
        return;
    }
    edits.extend(additions.into_edit());
    diagnostic.with_fix(Ok(Fix::unsafe_edits(
        "Use a `BlockingConnectionPool`, which waits up to 20 s for a free connection",
        edits,
    )
    .releasing("redis")));
}

/// How this file names redis-py asyncio's client class and `BlockingConnectionPool`, for a
/// `from_url` callee: through the module it was reached by (`aioredis.from_url` →
/// `aioredis.Redis`), the class it was called on (`Redis.from_url` → `Redis`), or new imports.
fn redis_names(
    function: Node,
    callee: &str,
    file: &FileContext,
    additions: &mut ModuleAdditions,
) -> (String, String) {
    let object = function
        .field("object")
        .filter(|_| function.kind_name() == "attribute");
    let object_text = object.map(|o| file.text(o).to_string());
    let object_is_module = object
        .and_then(|o| file.qualified_name(o))
        .is_some_and(|q| q == "redis.asyncio");
    if object_is_module {
        let module = object_text.unwrap_or_default();
        return (
            format!("{module}.Redis"),
            format!("{module}.BlockingConnectionPool"),
        );
    }
    let client = match object_text {
        Some(class) if callee.ends_with("Redis.from_url") => class,
        _ => additions.member("redis.asyncio", "Redis"),
    };
    // A class reached through the module (`aioredis.Redis`) reaches the pool the same way.
    let pool = match client.rsplit_once('.') {
        Some((module, _)) if module_is_redis_asyncio(object, file) => {
            format!("{module}.BlockingConnectionPool")
        }
        _ => additions.member("redis.asyncio", "BlockingConnectionPool"),
    };
    (client, pool)
}

/// Whether `Redis` in `X.Redis.from_url` is reached through `X` = `redis.asyncio`.
fn module_is_redis_asyncio(class: Option<Node>, file: &FileContext) -> bool {
    class
        .filter(|c| c.kind_name() == "attribute")
        .and_then(|c| c.field("object"))
        .and_then(|m| file.qualified_name(m))
        .is_some_and(|q| q == "redis.asyncio")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gates_need_an_import_of_the_library() {
        let passes = |source| {
            let scan = crate::codemod::Prescan::new(source);
            META.gates.iter().any(|g| g.passes(&scan))
        };
        assert!(!passes("import httpx\nclient = Redis(host='x')\n"));
        assert!(passes(
            "from redis import asyncio as aioredis\ncache = aioredis.from_url(URL)\n"
        ));
    }
}
