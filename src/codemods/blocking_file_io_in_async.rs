//! PO103: file I/O (`open`, `Path.read_text` …) inside `async def`.

use crate::codemod::{Codemod, CodemodMeta, Context, FixAvailability, Scope};
use crate::edits::builders::{await_blocker, call_in_thread};
use crate::edits::importer::ModuleAdditions;
use crate::fix::Fix;
use crate::semantic::asyncness::handled_by_drop_async;
use crate::semantic::blocking::{classify, BlockingCall, FILE_IO_GATE};
use tree_sitter::Node;

pub struct BlockingFileIoInAsync;

static META: CodemodMeta = CodemodMeta {
    code: "PO103",
    name: "blocking-file-io-in-async",
    summary: "file I/O (`open`, `Path.read_text`, …) inside `async def` blocks the event loop",
    fix: FixAvailability::Sometimes,
    safety: "safe",
    requires: &["async"],
    scope: Scope::AsyncFunctions,
    gates: &[FILE_IO_GATE],
    docs: r#"## What it does
Finds the builtin `open(...)` (and `io.open`) and the whole-file `pathlib` methods
`read_text`, `read_bytes`, `write_text`, `write_bytes` called in the body of an `async def`.
A name only counts as `open` when nothing in the file rebinds it, and a receiver only counts as
a `Path` when it is built from `pathlib.Path(...)` (directly, through `/`, or via a variable).

## Why is this slow?
Disk reads and writes block the calling thread; on the event loop that thread serves every
request of the worker. A slow or network-mounted disk stalls them all.

## Example
```python
@router.get("/prices")
async def prices(db=Depends(get_db)):
    table = json.loads(Path(settings.price_file).read_text(encoding="utf-8"))
    return {"prices": table, "currency": await db.currency()}
```

## Use instead
```python
@router.get("/prices")
async def prices(db=Depends(get_db)):
    table = json.loads(await asyncio.to_thread(Path(settings.price_file).read_text, encoding="utf-8"))
    return {"prices": table, "currency": await db.currency()}
```

## Fix safety
Safe for the `pathlib` methods: the same bound method runs with the same arguments in a worker
thread, so the result and the exceptions are unchanged (`asyncio.to_thread` also carries the
context variables over). `open(...)` is reported without a fix: the file object it returns is
used by later statements (`json.load(f)`, `for line in f`), which would still block; move the
whole `with open(...)` block into a function and run that with `await asyncio.to_thread(...)`,
or read the file with `anyio.Path`.
"#,
};

impl Codemod for BlockingFileIoInAsync {
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
        let file = cx.file;
        match classify(call, file) {
            Some(BlockingCall::Open) => {
                cx.report(call, "`open` does blocking file I/O inside `async def`").with_note(
                    "move the block that uses the file into a function run with `await asyncio.to_thread(...)`",
                );
            }
            Some(BlockingCall::PathMethod) => {
                let method = call
                    .child_by_field_name("function")
                    .and_then(|f| f.child_by_field_name("attribute"))
                    .map_or("", |m| file.text(m));
                let defer = handled_by_drop_async(function, file);
                let diagnostic = cx.report(
                    call,
                    format!("`Path.{method}` does blocking file I/O inside `async def`"),
                );
                if defer {
                    diagnostic.with_note("PO105 makes this handler a plain `def` instead");
                    return;
                }
                if let Some(reason) = await_blocker(call) {
                    diagnostic.with_note(reason);
                    return;
                }
                let mut additions = ModuleAdditions::new(file);
                let asyncio = additions.module("asyncio");
                let Some(mut edits) =
                    call_in_thread(call, file.source, &format!("{asyncio}.to_thread"))
                else {
                    return;
                };
                edits.extend(additions.into_edit());
                diagnostic.with_fix(Ok(Fix::safe(
                    "Run it in a thread with `await asyncio.to_thread(...)`",
                    edits,
                )));
            }
            _ => {}
        }
    }
}
