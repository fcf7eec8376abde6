//! PO103: file I/O (`open`, `Path.read_text` …) inside `async def`.

use crate::codemod::{Codemod, CodemodMeta, Context, FileContext, FixAvailability, Scope};
use crate::edits::importer::{to_thread_fix, unique_name, ModuleAdditions};
use crate::fix::{Edit, Fix};
use crate::parse::walk_tree;
use crate::parse::NodeLookups;
use crate::semantic::asyncness::handled_by_drop_async;
use crate::semantic::blocking::with_items;
use crate::semantic::blocking::{classify, BlockingCall, FILE_IO_GATES, FILE_IO_MENTIONS};
use crate::source::indentation_at;
use crate::syntax::named_children;
use tree_sitter::Node;

pub struct BlockingFileIoInAsync;

static META: CodemodMeta = CodemodMeta {
    code: "PO103",
    name: "blocking-file-io-in-async",
    summary: "file I/O (`open`, `Path.read_text`, …) inside `async def` blocks the event loop",
    fix: FixAvailability::Sometimes,
    safety: "safe",
    priority: 2,
    impact: "File reads and writes leave the event loop: other requests of the worker proceed while the disk answers.",
    requires: &["async"],
    scope: Scope::AsyncFunctions,
    gates: FILE_IO_GATES,
    mentions: FILE_IO_MENTIONS,
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

A `with open(...) as f:` block that holds one statement (an assignment, a `return`, or a call
such as `f.write(data)` or `json.dump(obj, f)`) moves into a local function run in a thread:
```python
def _read_file():
    with open(path) as f:
        return json.load(f)
data = await asyncio.to_thread(_read_file)
```

## Fix safety
Safe. The `pathlib` method, or the whole `with` block, runs unchanged in a worker thread, so the
result and the exceptions are those of the original (`asyncio.to_thread` also carries the
context variables over). Only blocks that do file I/O and computation are moved: none that
await, yield, bind with `:=`, use the file object after the block, or contain a multi-line
string (re-indenting it would change it). Other uses of `open(...)` are reported without a fix:
the file object feeds later statements (`for line in f`) that would still block; move that code
into a function run with `await asyncio.to_thread(...)`, or use `anyio.Path`.
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
                let callee = call.field("function").map_or("open", |f| file.text(f));
                let defer = handled_by_drop_async(function, file);
                let diagnostic = cx.report(
                    call,
                    format!("`{callee}` does blocking file I/O inside `async def`"),
                );
                if defer {
                    diagnostic.with_note("PO105 makes this handler a plain `def` instead");
                    return;
                }
                diagnostic.with_fix(with_block_in_thread(call, function, file));
            }
            Some(BlockingCall::PathMethod) => {
                let method = call
                    .field("function")
                    .and_then(|f| f.field("attribute"))
                    .map_or("", |m| file.text(m));
                cx.report(
                    call,
                    format!("`Path.{method}` does blocking file I/O inside `async def`"),
                )
                .with_fix(to_thread_fix(call, function, file));
            }
            _ => {}
        }
    }
}

/// `with open(...) as f:` holding one statement (`x = json.load(f)`, `return f.read()`,
/// `f.write(data)`) → the block moved into a local function run by `asyncio.to_thread`:
///
/// ```python
/// def _read_file():
///     with open(path) as f:
///         return json.load(f)
/// x = await asyncio.to_thread(_read_file)
/// ```
fn with_block_in_thread(call: Node, function: Node, file: &FileContext) -> Result<Fix, String> {
    const SHAPE: &str = "only a `with open(...) as f:` block holding one assignment, `return` or call is moved to a thread";
    let pattern = call
        .parent()
        .filter(|p| p.kind_name() == "as_pattern")
        .ok_or(SHAPE)?;
    let item = pattern
        .parent()
        .filter(|p| p.kind_name() == "with_item")
        .ok_or(SHAPE)?;
    let with = item
        .parent()
        .and_then(|c| c.parent())
        .filter(|w| w.kind_name() == "with_statement")
        .ok_or(SHAPE)?;
    if with_items(with).len() != 1 || with.child(0).is_some_and(|c| c.kind_name() == "async") {
        return Err(SHAPE.into());
    }
    let alias = pattern
        .field("alias")
        .and_then(|a| a.named_child(0))
        .filter(|a| a.kind_name() == "identifier")
        .ok_or(SHAPE)?;
    let body = with.field("body").ok_or(SHAPE)?;
    let statements: Vec<Node> = named_children(body)
        .into_iter()
        .filter(|c| c.kind_name() != "comment")
        .collect();
    let [statement] = statements.as_slice() else {
        return Err(SHAPE.into());
    };
    let mut suspends_or_binds = false;
    walk_tree(with, |node| {
        suspends_or_binds |= matches!(
            node.kind_name(),
            "await" | "yield" | "named_expression" | "lambda"
        ) || (node.kind_name() == "string" && file.text(node).contains('\n'));
    });
    if suspends_or_binds {
        return Err(
            "the block awaits, yields, binds with `:=` or holds a multi-line string".into(),
        );
    }
    // The file object stays bound after a `with`: it must not be used later.
    let alias_name = file.text(alias);
    let mut used_after = false;
    walk_tree(function, |node| {
        used_after |= node.kind_name() == "identifier"
            && node.start_byte() >= with.end_byte()
            && file.text(node) == alias_name;
    });
    if used_after {
        return Err(format!("`{alias_name}` is used after the `with` block"));
    }
    let assignment = statement.named_child(0).filter(|a| {
        statement.kind_name() == "expression_statement" && a.kind_name() == "assignment"
    });
    let (kind, returned, outer) = match (statement.kind_name(), assignment) {
        (_, Some(assignment)) => {
            let target = assignment.field("left").ok_or(SHAPE)?;
            let value = assignment.field("right").ok_or(SHAPE)?;
            if target.kind_name() != "identifier" || assignment.field("type").is_some() {
                return Err(SHAPE.into());
            }
            (
                "_read_file",
                Some(value),
                Some(format!("{} = ", file.text(target))),
            )
        }
        ("return_statement", None) => {
            let value = statement.named_child(0).ok_or(SHAPE)?;
            ("_read_file", Some(value), Some("return ".to_string()))
        }
        ("expression_statement", None) => ("_write_file", None, None),
        _ => return Err(SHAPE.into()),
    };
    let le = file.stylist.line_ending;
    let unit = &file.stylist.indent;
    let indent = indentation_at(file.source, with.start_byte());
    // The block's text, its one statement turned into a `return` where it yields a value.
    let source = file.source;
    let mut block = String::new();
    block.push_str(&source[with.start_byte()..statement.start_byte()]);
    match returned {
        Some(value) => {
            block.push_str("return ");
            block.push_str(&source[value.start_byte()..statement.end_byte()]);
        }
        None => block.push_str(&source[statement.start_byte()..statement.end_byte()]),
    }
    block.push_str(&source[statement.end_byte()..with.end_byte()]);
    // One level deeper; blank lines stay empty.
    let block = block
        .replace("\r\n", "\n")
        .split('\n')
        .enumerate()
        .map(|(i, line)| {
            if i == 0 || line.trim().is_empty() {
                line.to_string()
            } else {
                format!("{unit}{line}")
            }
        })
        .collect::<Vec<_>>()
        .join(le);
    let name = unique_name(file, kind);
    let mut additions = ModuleAdditions::new(file);
    let asyncio = additions.module("asyncio");
    let replacement = format!(
        "def {name}():{le}{indent}{unit}{block}{le}{indent}{}await {asyncio}.to_thread({name})",
        outer.unwrap_or_default()
    );
    let mut edits = vec![Edit::replace(
        with.start_byte(),
        with.end_byte(),
        replacement,
    )];
    edits.extend(additions.into_edit());
    Ok(Fix::safe(
        "Move the `with open(...)` block into a function run with `await asyncio.to_thread(...)`",
        edits,
    ))
}
