//! PO102: `time.sleep` inside `async def`.

use crate::codemod::{Codemod, CodemodMeta, Context, FixAvailability, Scope};
use crate::edits::builders::{await_blocker, await_call};
use crate::edits::importer::ModuleAdditions;
use crate::fix::Fix;
use crate::semantic::asyncness::handled_by_drop_async;
use crate::semantic::blocking::{classify, BlockingCall, SLEEP_GATES, SLEEP_MENTIONS};
use tree_sitter::Node;

pub struct BlockingSleepInAsync;

static META: CodemodMeta = CodemodMeta {
    code: "PO102",
    name: "blocking-sleep-in-async",
    summary: "`time.sleep` inside `async def` stops the whole event loop",
    fix: FixAvailability::Always,
    safety: "safe",
    priority: 1,
    impact: "The worker keeps serving other requests during the pause, and a cancelled request stops at the sleep.",
    requires: &["async"],
    scope: Scope::AsyncFunctions,
    gates: SLEEP_GATES,
    mentions: SLEEP_MENTIONS,
    docs: r#"## What it does
Finds `time.sleep(...)` (also `from time import sleep`, aliases included) called directly in
the body of an `async def`, including its comprehensions.

## Why is this slow?
An `async def` runs on the event loop. `time.sleep` blocks the loop's only thread, so every other
request handled by that worker process waits too: a 1-second back-off in one request adds a
second to every request in flight. `asyncio.sleep` suspends only the current task.

## Example
```python
async def charge(order):
    for attempt in range(3):
        if try_charge(order):
            return
        time.sleep(2 ** attempt)
```

## Use instead
```python
async def charge(order):
    for attempt in range(3):
        if try_charge(order):
            return
        await asyncio.sleep(2 ** attempt)
```

## Fix safety
Safe: the coroutine waits as long as before and returns the same value (`None`). The one
difference is an improvement: a cancelled request now stops at the sleep instead of blocking.
Calls in a nested plain `def`, a lambda or a class body are not touched: making them awaitable
would change every caller. `import time` is removed when the fix leaves it unused.
"#,
};

impl Codemod for BlockingSleepInAsync {
    fn meta(&self) -> &'static CodemodMeta {
        &META
    }

    fn node_kinds(&self) -> &'static [&'static str] {
        &["call"]
    }

    fn check(&self, call: Node<'_>, cx: &mut Context<'_>) {
        let Some(function) = cx.file.scopes.async_function_of(call) else {
            return;
        };
        if !matches!(classify(call, cx.file), Some(BlockingCall::Sleep)) {
            return;
        }
        let file = cx.file;
        let defer = handled_by_drop_async(function, file);
        let diagnostic = cx.report(
            call,
            "`time.sleep` blocks the event loop inside `async def`",
        );
        if defer {
            diagnostic.with_note("PO105 makes this handler a plain `def` instead");
            return;
        }
        if let Some(reason) = await_blocker(call, function) {
            diagnostic.with_note(reason);
            return;
        }
        let mut additions = ModuleAdditions::new(file);
        let asyncio = additions.module("asyncio");
        let mut edits = await_call(call, Some(&format!("{asyncio}.sleep")));
        edits.extend(additions.into_edit());
        diagnostic.with_fix(Ok(Fix::safe(
            "Replace with `await asyncio.sleep(...)`",
            edits,
        )
        .releasing("time")));
    }
}
