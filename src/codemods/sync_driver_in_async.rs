//! PO208: a synchronous database or cache driver (sqlite3, psycopg2, PyMongo's `MongoClient`,
//! redis-py's `Redis`, SQLAlchemy's sync `Session`/engine) used inside `async def`. Report only.

use crate::codemod::{
    Codemod, CodemodMeta, Context, FileContext, FixAvailability, Gate, Mention, Scope,
};
use crate::parse::NodeLookups;
use crate::semantic::asyncness::{drop_async_blocker, own_body_nodes, suspends};
use crate::syntax::{is_async_def, named_children, text, CallArgs};
use std::collections::HashMap;
use tree_sitter::Node;

pub struct SyncDriverInAsync;

static META: CodemodMeta = CodemodMeta {
    code: "PO208",
    name: "sync-driver-in-async",
    summary: "Synchronous database or cache driver used inside async def",
    fix: FixAvailability::Never,
    safety: "none (report only)",
    priority: 6,
    impact: "Every call holds the event loop for a full database round trip: no other request of the worker runs meanwhile.",
    requires: &["async def"],
    gates: &[Gate::imports(&[
        "sqlite3",
        "psycopg2",
        "psycopg",
        "pymongo",
        "redis",
        "sqlalchemy",
        "sqlmodel",
    ])],
    // The drivers, also through module-level variables (`client = MongoClient(...)`).
    mentions: &[Mention::imports_and_variables(&[
        "sqlite3",
        "psycopg2",
        "psycopg",
        "pymongo",
        "redis",
        "sqlalchemy.create_engine",
        "sqlalchemy.orm.Session",
        "sqlalchemy.orm.sessionmaker",
        "sqlmodel.create_engine",
        "sqlmodel.Session",
    ])],
    scope: Scope::AsyncFunctions,
    docs: r#"## What it does
Finds a synchronous database or cache driver used inside an `async def`: `sqlite3.connect`,
`psycopg2.connect` (and its pools), psycopg 3's sync `connect`, PyMongo's `MongoClient`, redis-py's
`Redis`/`StrictRedis`/`from_url` (not `redis.asyncio`), SQLAlchemy's or SQLModel's sync
`Session`, `sessionmaker` (without `class_=`, which `class_=AsyncSession` makes async) and
`create_engine`; the call itself, or a method called on what it
returned (a module-level `client = MongoClient(...)`, `db = client.shop`, then
`db.orders.find_one(...)` in the handler), or on a parameter annotated with the sync type
(`db: Session = Depends(get_db)`). One finding per function and driver, at its first use.

## Why is this slow?
A synchronous driver waits for the database on the calling thread. Inside `async def` that
thread is the event loop's: while one query runs, no other request of the worker makes
progress, so one slow query stalls them all and throughput falls to one query at a time.

## Example
```python
client = MongoClient("mongodb://localhost:27017")


@app.get("/users/{user_id}")
async def get_user(user_id: str):
    return client.shop.users.find_one({"_id": user_id})
```

## Use instead
```python
client = AsyncMongoClient("mongodb://localhost:27017")


@app.get("/users/{user_id}")
async def get_user(user_id: str):
    return await client.shop.users.find_one({"_id": user_id})
```
The async drivers: aiosqlite for sqlite3, asyncpg or psycopg 3's `AsyncConnection` for
psycopg2, PyMongo's `AsyncMongoClient` (or Beanie) for `MongoClient`, `redis.asyncio.Redis` for
`redis.Redis`, `AsyncSession` with `create_async_engine` for SQLAlchemy. Or drop `async`: a route
handler declared with plain `def` runs in FastAPI's thread pool, where blocking is harmless.
The finding says whether that is possible here: the handler is a route, awaits nothing, and
PO105's other conditions hold (no other decorator, no shared state rebound, not awaited
elsewhere).

## Fix safety
No fix: moving to an async driver changes the connection setup, every call site (each gains an
`await`) and often the query API, which perfopt cannot do reliably. Dropping `async` is left to
the author too, since the driver's objects may be shared with coroutines.
"#,
};

/// Calls that create a synchronous driver object, by qualified name: the driver, for the
/// message, and its async replacement.
const CONSTRUCTORS: &[(&str, &str, &str)] = &[
    ("sqlite3.connect", "sqlite3", "aiosqlite"),
    (
        "psycopg2.connect",
        "psycopg2",
        "asyncpg or psycopg 3's `AsyncConnection`",
    ),
    (
        "psycopg2.pool.SimpleConnectionPool",
        "psycopg2",
        "asyncpg or psycopg 3's `AsyncConnectionPool`",
    ),
    (
        "psycopg2.pool.ThreadedConnectionPool",
        "psycopg2",
        "asyncpg or psycopg 3's `AsyncConnectionPool`",
    ),
    (
        "psycopg.connect",
        "psycopg's sync `Connection`",
        "`psycopg.AsyncConnection.connect`",
    ),
    (
        "psycopg.Connection.connect",
        "psycopg's sync `Connection`",
        "`psycopg.AsyncConnection.connect`",
    ),
    (
        "pymongo.MongoClient",
        "PyMongo's `MongoClient`",
        "`pymongo.AsyncMongoClient` (or Beanie)",
    ),
    (
        "pymongo.mongo_client.MongoClient",
        "PyMongo's `MongoClient`",
        "`pymongo.AsyncMongoClient` (or Beanie)",
    ),
    (
        "redis.Redis",
        "redis-py's sync `Redis`",
        "`redis.asyncio.Redis`",
    ),
    (
        "redis.StrictRedis",
        "redis-py's sync `Redis`",
        "`redis.asyncio.Redis`",
    ),
    (
        "redis.client.Redis",
        "redis-py's sync `Redis`",
        "`redis.asyncio.Redis`",
    ),
    (
        "redis.from_url",
        "redis-py's sync `Redis`",
        "`redis.asyncio.from_url`",
    ),
    (
        "redis.Redis.from_url",
        "redis-py's sync `Redis`",
        "`redis.asyncio.Redis.from_url`",
    ),
    (
        "sqlalchemy.create_engine",
        "SQLAlchemy's sync engine",
        "`create_async_engine`",
    ),
    (
        "sqlalchemy.orm.Session",
        "SQLAlchemy's sync `Session`",
        "`AsyncSession`",
    ),
    (
        "sqlalchemy.orm.sessionmaker",
        "SQLAlchemy's sync `Session`",
        "`async_sessionmaker` and `AsyncSession`",
    ),
    (
        "sqlmodel.create_engine",
        "SQLAlchemy's sync engine",
        "`create_async_engine`",
    ),
    (
        "sqlmodel.Session",
        "SQLModel's sync `Session`",
        "`sqlmodel.ext.asyncio.session.AsyncSession`",
    ),
];

/// Parameter annotations that declare a synchronous driver object.
const ANNOTATIONS: &[(&str, &str, &str)] = &[
    ("sqlite3.Connection", "sqlite3", "aiosqlite"),
    (
        "pymongo.MongoClient",
        "PyMongo's `MongoClient`",
        "`pymongo.AsyncMongoClient` (or Beanie)",
    ),
    (
        "pymongo.database.Database",
        "PyMongo's sync `Database`",
        "`pymongo.AsyncMongoClient` (or Beanie)",
    ),
    (
        "pymongo.collection.Collection",
        "PyMongo's sync `Collection`",
        "`pymongo.AsyncMongoClient` (or Beanie)",
    ),
    (
        "redis.Redis",
        "redis-py's sync `Redis`",
        "`redis.asyncio.Redis`",
    ),
    (
        "sqlalchemy.orm.Session",
        "SQLAlchemy's sync `Session`",
        "`AsyncSession`",
    ),
    (
        "sqlmodel.Session",
        "SQLModel's sync `Session`",
        "`sqlmodel.ext.asyncio.session.AsyncSession`",
    ),
];

/// A synchronous driver: what it is and what to use instead.
type Driver = (&'static str, &'static str);

impl Codemod for SyncDriverInAsync {
    fn meta(&self) -> &'static CodemodMeta {
        &META
    }

    fn node_kinds(&self) -> &'static [&'static str] {
        &["function_definition"]
    }

    fn check(&self, function: Node<'_>, cx: &mut Context<'_>) {
        let file = cx.file;
        if !is_async_def(function) {
            return;
        }
        let module_drivers =
            driver_names(named_children(file.tree.root_node()), &HashMap::new(), file);
        let mut local_drivers = parameter_drivers(function, file);
        let body = own_body_nodes(function);
        let statements: Vec<Node> = body
            .iter()
            .copied()
            .filter(|n| n.kind_name() == "expression_statement")
            .collect();
        local_drivers.extend(driver_names(statements, &module_drivers, file));
        let mut reported: Vec<&str> = Vec::new();
        for call in body.iter().filter(|n| n.kind_name() == "call") {
            let Some((driver, instead)) = driver_of(*call, &module_drivers, &local_drivers, file)
            else {
                continue;
            };
            if reported.contains(&driver) {
                continue;
            }
            reported.push(driver);
            let name = function.field("name").map_or("", |n| text(n, file.source));
            let message = format!(
                "{driver} in `async def {name}`: each call blocks the event loop until the server answers"
            );
            let note = format!("use {instead}, {}", drop_async_advice(function, file));
            cx.report(*call, message).with_note(note);
        }
    }
}

/// Whether dropping `async` would do, in the words of the finding's note.
fn drop_async_advice(function: Node, file: &FileContext) -> String {
    let why_not = if file.fastapi().route(function).is_none() {
        Some("it is not a route handler FastAPI would run in its thread pool".to_string())
    } else if suspends(function) {
        Some("it awaits other work".to_string())
    } else {
        drop_async_blocker(function, file)
    };
    match why_not {
        None => "or drop `async` (PO105's conditions hold: FastAPI then runs the handler in its thread pool)".into(),
        Some(reason) => format!("since dropping `async` is not an option here: {reason}"),
    }
}

/// The driver a call uses: a driver constructor along its chain, or a chain rooted at a name
/// bound to a driver object (`conn.execute(...)`, `SessionLocal()`).
fn driver_of(
    call: Node,
    module_drivers: &HashMap<String, Driver>,
    local_drivers: &HashMap<String, Driver>,
    file: &FileContext,
) -> Option<Driver> {
    driver_in_chain(call, file, |root, name| {
        if file.is_local_name(root, name) {
            local_drivers.get(name).copied()
        } else {
            module_drivers.get(name).copied()
        }
    })
}

fn constructed(call: Node, file: &FileContext) -> Option<Driver> {
    let qualified = file.callee(call)?;
    // `sessionmaker(engine, class_=AsyncSession)` makes async sessions (the pre-2.0 spelling).
    if qualified.ends_with("sessionmaker")
        && CallArgs::of(call, file.source).keyword("class_").is_some()
    {
        return None;
    }
    CONSTRUCTORS
        .iter()
        .find(|(q, _, _)| *q == qualified)
        .map(|(_, driver, instead)| (*driver, *instead))
}

/// The driver along `a.b(...)[k].c(...)`: the first driver constructor called in it, else what
/// `named` says of the name at its root.
fn driver_in_chain(
    mut node: Node,
    file: &FileContext,
    named: impl Fn(Node, &str) -> Option<Driver>,
) -> Option<Driver> {
    loop {
        if node.kind_name() == "call" {
            if let Some(driver) = constructed(node, file) {
                return Some(driver);
            }
        }
        let next = match node.kind_name() {
            "call" => node.field("function"),
            "attribute" => node.field("object"),
            "subscript" => node.field("value"),
            "parenthesized_expression" => node.named_child(0),
            _ => None,
        };
        match next {
            Some(next) => node = next,
            None if node.kind_name() == "identifier" => {
                return named(node, text(node, file.source))
            }
            None => return None,
        }
    }
}

/// Names that plain assignments among `statements` bind to driver objects: a value whose chain
/// calls a driver constructor, or is rooted at a name already known as one.
fn driver_names(
    statements: Vec<Node>,
    known: &HashMap<String, Driver>,
    file: &FileContext,
) -> HashMap<String, Driver> {
    let mut found: HashMap<String, Driver> = HashMap::new();
    for statement in statements {
        let Some(assignment) = statement.named_child(0).filter(|a| {
            statement.kind_name() == "expression_statement" && a.kind_name() == "assignment"
        }) else {
            continue;
        };
        let (Some(left), Some(value)) = (assignment.field("left"), assignment.field("right"))
        else {
            continue;
        };
        if left.kind_name() != "identifier" {
            continue;
        }
        let driver = driver_in_chain(value, file, |_, name| {
            found.get(name).or(known.get(name)).copied()
        });
        if let Some(driver) = driver {
            found.insert(text(left, file.source).to_string(), driver);
        }
    }
    found
}

/// Parameters annotated with a synchronous driver type (`db: Session = Depends(get_db)`).
fn parameter_drivers(function: Node, file: &FileContext) -> HashMap<String, Driver> {
    let mut found = HashMap::new();
    let Some(parameters) = function.field("parameters") else {
        return found;
    };
    for parameter in named_children(parameters) {
        if !matches!(
            parameter.kind_name(),
            "typed_parameter" | "typed_default_parameter"
        ) {
            continue;
        }
        let name = match parameter.kind_name() {
            "typed_parameter" => parameter.named_child(0),
            _ => parameter.field("name"),
        };
        let annotation = parameter
            .field("type")
            .and_then(|t| t.named_child(0).or(Some(t)));
        let (Some(name), Some(annotation)) = (name, annotation) else {
            continue;
        };
        let Some(qualified) = file.qualified_name(annotation) else {
            continue;
        };
        if let Some((_, driver, instead)) = ANNOTATIONS.iter().find(|(q, _, _)| *q == qualified) {
            found.insert(text(name, file.source).to_string(), (*driver, *instead));
        }
    }
    found
}
