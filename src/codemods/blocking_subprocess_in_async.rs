//! PO104: `subprocess` calls and `os.system` inside `async def`.

use crate::codemod::{Codemod, CodemodMeta, Context, FixAvailability, Scope};
use crate::edits::importer::to_thread_fix;
use crate::semantic::blocking::{classify, BlockingCall, SUBPROCESS_GATES, SUBPROCESS_MENTIONS};
use tree_sitter::Node;

pub struct BlockingSubprocessInAsync;

static META: CodemodMeta = CodemodMeta {
    code: "PO104",
    name: "blocking-subprocess-in-async",
    summary: "`subprocess.run`/`os.system` inside `async def` blocks the event loop until the child exits",
    fix: FixAvailability::Sometimes,
    safety: "safe",
    priority: 2,
    impact: "Waiting for the child process no longer blocks the worker's other requests.",
    requires: &["async"],
    scope: Scope::AsyncFunctions,
    gates: SUBPROCESS_GATES,
    mentions: SUBPROCESS_MENTIONS,
    docs: r#"## What it does
Finds `subprocess.run`, `call`, `check_call`, `check_output`, `getoutput`, `getstatusoutput` and
`os.system` called in the body of an `async def`, and reports `subprocess.Popen` / `os.popen`
there too.

## Why is this slow?
These functions wait for the child process to exit. In an `async def` they wait on the event
loop's thread, so no other request of that worker makes progress until the child is done.

## Example
```python
@router.get("/version")
async def version(db=Depends(get_db)):
    out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
    return {"commit": out.stdout.strip(), "db": await db.version()}
```

## Use instead
```python
@router.get("/version")
async def version(db=Depends(get_db)):
    out = await asyncio.to_thread(subprocess.run, ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
    return {"commit": out.stdout.strip(), "db": await db.version()}
```

## Fix safety
Safe. The call runs unchanged in a worker thread (`asyncio.to_thread`), so every argument keeps
its meaning: `check`, `capture_output`, `text`, `timeout` (which still kills the child), `cwd`,
`env`, and the exceptions (`CalledProcessError`, `TimeoutExpired`) are exactly those of the
original. This is why perfopt does not rewrite to `asyncio.create_subprocess_exec`: it has no
`text=`, `check=` or `timeout=`, and its timeout leaves the child running. `to_thread` uses the
loop's default executor, not AnyIO's 40-thread limiter that sync endpoints share.
`Popen` and `os.popen` are reported without a fix: the process outlives the call, so the
blocking happens later, where the pipes are read.
"#,
};

impl Codemod for BlockingSubprocessInAsync {
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
        let Some(BlockingCall::Subprocess { waits_for_exit }) = classify(call, cx.file) else {
            return;
        };
        let file = cx.file;
        let callee = file.callee(call).unwrap_or_default();
        let diagnostic = cx.report(
            call,
            format!("`{callee}` blocks the event loop inside `async def`"),
        );
        if !waits_for_exit {
            diagnostic.with_note("the process outlives this call: read its pipes with `asyncio.create_subprocess_exec` instead");
            return;
        }
        diagnostic.with_fix(to_thread_fix(call, function, file));
    }
}
