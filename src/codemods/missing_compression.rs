//! PO304: a FastAPI app that never compresses its responses.

use crate::codemod::{Codemod, CodemodMeta, Context, FixAvailability, Gate, Mention, Scope};
use crate::edits::importer::ModuleAdditions;
use crate::fix::{Edit, Fix};
use crate::parse::NodeLookups;
use crate::semantic::project::{compressed_objects, COMPRESSION_MIDDLEWARE};
use crate::source::{indentation_at, line_end_at};
use crate::syntax::{enclosing_statement, text};
use tree_sitter::Node;

pub struct MissingCompression;

static META: CodemodMeta = CodemodMeta {
    code: "PO304",
    name: "missing-compression",
    summary: "FastAPI app without a compression middleware sends every response uncompressed",
    fix: FixAvailability::Always,
    safety: "unsafe",
    priority: 7,
    impact: "Measured in `bench/gzip_levels.md`: a 258 kB JSON listing becomes 5.7× smaller for 2.5 ms of CPU (gzip level 5); it pays over real networks, not on loopback or behind a compressing proxy.",
    requires: &["FastAPI("],
    gates: &[Gate::imports(&["fastapi"])],
    mentions: &[Mention::imports(&["fastapi.FastAPI", "fastapi.applications.FastAPI"])],
    scope: Scope::Module,
    docs: r#"## What it does
Finds `FastAPI(...)` apps (at module level or in an app factory) that no file of the project
gives a compression middleware: no `app.add_middleware(GZipMiddleware, ...)` (nor a Brotli, Zstd
or other `*Compress*` middleware) on that app, and none in `FastAPI(middleware=[...])`.

## Why is this slow?
JSON compresses well: a 258 kB product listing shrinks 5.7× at gzip level 5. Uncompressed, a
client on a 10 Mbit/s link spends about 170 ms more receiving it, and the service holds the
connection (and its worker) for that time.

## Example
```python
app = FastAPI(title="shop")
```

## Use instead
```python
app = FastAPI(title="shop")
app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=5)
```

## Options
`[tool.perfopt.missing-compression] level = 5, minimum-size = 1000`. Starlette's default level 9
costs about 10× the CPU of level 1 for a body 1.5× smaller; level 5 costs 2× level 1 for a body
22% smaller (measured by `bench/gzip_levels.py`, table in `bench/gzip_levels.md`).

## When it does not pay
On loopback or within a data centre there is no bandwidth to save and compression only costs
CPU; behind a proxy or CDN that already compresses it is done twice (Starlette skips bodies that
already carry `Content-Encoding`, but the proxy may compress ours again). Suppress PO304 there
(`# perfopt: ignore[PO304]` on the app line, or `ignore = ["PO304"]`).

## Fix safety
Unsafe: responses change on the wire for clients that send `Accept-Encoding: gzip`. They lose
`Content-Length` and gain `Vary: Accept-Encoding`; streaming responses are buffered into chunks
before compression, so NDJSON or progress streams reach clients in bursts (Server-Sent Events,
`text/event-stream`, are not compressed since Starlette 0.46).
"#,
};

impl Codemod for MissingCompression {
    fn meta(&self) -> &'static CodemodMeta {
        &META
    }

    fn node_kinds(&self) -> &'static [&'static str] {
        &["assignment"]
    }

    fn check(&self, assignment: Node<'_>, cx: &mut Context<'_>) {
        let file = cx.file;
        let (Some(target), Some(value)) = (assignment.field("left"), assignment.field("right"))
        else {
            return;
        };
        if target.kind_name() != "identifier" || value.kind_name() != "call" {
            return;
        }
        let is_app = file
            .callee(value)
            .is_some_and(|q| q == "fastapi.FastAPI" || q == "fastapi.applications.FastAPI");
        if !is_app {
            return;
        }
        let constructor = text(value, file.source);
        if COMPRESSION_MIDDLEWARE
            .iter()
            .any(|m| constructor.contains(m))
        {
            return;
        }
        let name = text(target, file.source);
        let qualified = format!("{}.{name}", file.module.join("."));
        // The index knows the other files; this file is looked at as it is now (fixes change it).
        let compressed_here = file.source.contains("add_middleware")
            && compressed_objects(file.tree, file.source, &file.imports, file.module)
                .contains(&qualified);
        if compressed_here || file.project.is_compressed(&qualified) {
            return;
        }
        let Some(statement) = enclosing_statement(assignment) else {
            return;
        };
        let options = &file.options.compression;
        let mut additions = ModuleAdditions::new(file);
        let gzip = additions.member("fastapi.middleware.gzip", "GZipMiddleware");
        let line_end = line_end_at(file.source, statement.end_byte());
        let indent = indentation_at(file.source, statement.start_byte());
        let line = format!(
            "{}{indent}{name}.add_middleware({gzip}, minimum_size={}, compresslevel={})",
            file.stylist.line_ending, options.minimum_size, options.level
        );
        let mut edits = vec![Edit::insert(line_end, line)];
        edits.extend(additions.into_edit());
        cx.report(
            assignment,
            format!("`{name} = FastAPI(...)` sends every response uncompressed"),
        )
        .with_fix(Ok(Fix::unsafe_edits(
            format!("Add `GZipMiddleware` (level {})", options.level),
            edits,
        )));
    }
}
