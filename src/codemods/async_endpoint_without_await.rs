//! PO105: an `async def` route handler that never awaits but calls blocking code.

use crate::codemod::{Codemod, CodemodMeta, Context, FixAvailability, Scope};
use crate::fix::{Edit, Fix};
use crate::parse::NodeLookups;
use crate::semantic::asyncness::{drop_async_blocker, first_blocking_call, suspends};
use crate::semantic::blocking::{BLOCKING_GATES, BLOCKING_MENTIONS};
use crate::syntax::is_async_def;
use tree_sitter::Node;

pub struct AsyncEndpointWithoutAwait;

static META: CodemodMeta = CodemodMeta {
    code: "PO105",
    name: "async-endpoint-without-await",
    summary: "`async def` route handler that never awaits but calls blocking code",
    fix: FixAvailability::Sometimes,
    safety: "safe",
    priority: 3,
    impact: "The handler runs in FastAPI's threadpool instead of holding the event loop, so the worker's other requests keep moving while it blocks.",
    requires: &["async"],
    scope: Scope::AsyncFunctions,
    gates: BLOCKING_GATES,
    mentions: BLOCKING_MENTIONS,
    docs: r#"## What it does
Finds FastAPI route handlers (`@app.get`, `@router.post`, … on a `FastAPI()` or `APIRouter()`
object, also one imported from another module of the project, or registered with
`app.add_api_route(path, handler)`) declared `async def` whose body
never suspends (no `await`, `async for`, `async with` or `yield`) but calls blocking code: any
call PO101–PO104 recognise.

## Why is this slow?
FastAPI runs an `async def` handler on the event loop and a plain `def` handler in a worker
thread. A handler that only does blocking work gains nothing from `async` and blocks every other
request while it runs. As a plain `def`, it runs in the threadpool and the loop stays free.

## Example
```python
@router.get("/version")
async def version():
    out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True)
    return {"commit": out.stdout.strip()}
```

## Use instead
```python
@router.get("/version")
def version():
    out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True)
    return {"commit": out.stdout.strip()}
```

## Fix safety
Safe when nothing can notice the difference, and only then is a fix offered: the handler has no
decorator besides its route decorators (some decorators require a coroutine function), does not
rebind globals (state that was safe on the loop's one thread would race in the threadpool),
calls no `asyncio`/`anyio` function, its name is used nowhere else in the file except
`add_api_route` registrations, and no file of the project awaits a function of that name (a
direct caller would `await` it). While this fix is available, PO101–
PO104 leave the handler's calls alone. Threadpool handlers share AnyIO's 40 worker threads.
"#,
};

impl Codemod for AsyncEndpointWithoutAwait {
    fn meta(&self) -> &'static CodemodMeta {
        &META
    }

    fn node_kinds(&self) -> &'static [&'static str] {
        &["function_definition"]
    }

    fn check(&self, function: Node<'_>, cx: &mut Context<'_>) {
        let file = cx.file;
        if !is_async_def(function) || file.fastapi().route(function).is_none() || suspends(function)
        {
            return;
        }
        let Some(blocking) = first_blocking_call(function, file) else {
            return;
        };
        let Some(name) = function.field("name") else {
            return;
        };
        let callee = blocking
            .field("function")
            .map_or(String::new(), |f| file.text(f).to_string());
        let blocker = drop_async_blocker(function, file);
        let async_keyword = function.child(0).expect("an async def starts with `async`");
        let def_keyword = function.child(1).expect("`async` is followed by `def`");
        let diagnostic = cx.report(
            name,
            format!(
                "`async def {}` never awaits but calls blocking `{callee}`: it runs on the event loop",
                file.text(name)
            ),
        );
        match blocker {
            Some(reason) => {
                diagnostic.with_note(format!("not made a plain `def` because {reason}"));
            }
            None => {
                let edit = Edit::delete(async_keyword.start_byte(), def_keyword.start_byte());
                diagnostic.with_fix(Ok(Fix::safe(
                    "Remove `async` so FastAPI runs it in its threadpool",
                    vec![edit],
                )));
            }
        }
    }
}
