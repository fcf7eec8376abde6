//! PO303: `functools.lru_cache` / `functools.cache` on an `async def`.

use crate::codemod::{
    contains_word, Codemod, CodemodMeta, Context, FixAvailability, Gate, Mention, Scope,
};
use crate::edits::importer::ModuleAdditions;
use crate::fix::{Edit, Fix};
use crate::parse::NodeLookups;
use crate::syntax::{is_async_def, text, CallArgs};
use tree_sitter::Node;

pub struct LruCacheOnAsync;

static META: CodemodMeta = CodemodMeta {
    code: "PO303",
    name: "lru-cache-on-async",
    summary:
        "`functools.lru_cache` on an `async def` caches a coroutine that can be awaited only once",
    fix: FixAvailability::Always,
    safety: "safe",
    priority: 0,
    impact: "The dependency stops failing (`cannot reuse already awaited coroutine`) on its second call, and its result is actually cached.",
    requires: &["async"],
    gates: &[Gate::imports_and(&["functools"], &["cache"])],
    // Named in a decorator, of an `async def`.
    mentions: &[
        Mention::imports(&["functools.lru_cache", "functools.cache"])
            .only_where(|t| t.contains('@') && contains_word(t, "async"))
    ],
    scope: Scope::Module,
    docs: r#"## What it does
Finds `@functools.lru_cache` (bare or called, aliases included) and `@functools.cache` on an
`async def`.

## Why is this slow?
It is worse than slow: `lru_cache` stores the *coroutine object* the call returns, not its
result. The first caller awaits it; every later call with the same arguments gets the same,
already-awaited coroutine and fails with `RuntimeError: cannot reuse already awaited coroutine`.
Teams then drop the cache and the expensive lookup runs on every request. `async_lru.alru_cache`
caches the awaited result, and collapses concurrent calls with the same arguments into one
execution.

## Example
```python
@lru_cache(maxsize=1)
async def get_settings() -> Settings:
    return Settings(**await load_settings_document())
```

## Use instead
```python
@alru_cache(maxsize=1)
async def get_settings() -> Settings:
    return Settings(**await load_settings_document())
```

## Fix safety
Safe: the only calls whose results change are those that raised `RuntimeError` before. `maxsize`
and `typed` are kept; `@cache` becomes `@alru_cache(maxsize=None)` (unbounded, as before). The
project must depend on `async-lru` (the fix adds `from async_lru import alru_cache`, it does not
edit dependency files). As with `lru_cache`, arguments must be hashable and callers must not
mutate the cached result. Since async-lru 2.3 a cache used from a second event loop resets itself
with a warning (tests that start a loop per test lose it between tests).
"#,
};

impl Codemod for LruCacheOnAsync {
    fn meta(&self) -> &'static CodemodMeta {
        &META
    }

    fn node_kinds(&self) -> &'static [&'static str] {
        &["decorator"]
    }

    fn check(&self, decorator: Node<'_>, cx: &mut Context<'_>) {
        let file = cx.file;
        let decorated = decorator
            .parent()
            .filter(|p| p.kind_name() == "decorated_definition");
        let function = decorated.and_then(|d| d.field("definition"));
        if !function.is_some_and(|f| f.kind_name() == "function_definition" && is_async_def(f)) {
            return;
        }
        let Some(expression) = decorator.named_child(0) else {
            return;
        };
        let (callee, call) = match expression.kind_name() {
            "call" => (expression.field("function"), Some(expression)),
            _ => (Some(expression), None),
        };
        let Some(qualified) = callee.and_then(|c| file.qualified_name(c)) else {
            return;
        };
        let unbounded = match qualified.as_str() {
            "functools.lru_cache" => false,
            "functools.cache" => true,
            _ => return,
        };
        let shown = text(callee.expect("resolved above"), file.source);
        let diagnostic = cx.report(
            expression,
            format!(
                "`@{shown}` on an `async def` caches a coroutine, which can be awaited only once"
            ),
        );
        if let Some(call) = call {
            let args = CallArgs::of(call, file.source);
            // `alru_cache(maxsize, typed)` takes the same arguments in the same order.
            if args.has_splat {
                diagnostic.with_note("the arguments are passed with `*`/`**`: check them by hand");
                return;
            }
        }
        let mut additions = ModuleAdditions::new(file);
        let alru_cache = additions.member("async_lru", "alru_cache");
        let replacement = match (call, unbounded) {
            (Some(call), _) => {
                let arguments = call
                    .field("arguments")
                    .map_or("()", |a| text(a, file.source));
                format!("{alru_cache}{arguments}")
            }
            (None, true) => format!("{alru_cache}(maxsize=None)"),
            (None, false) => alru_cache,
        };
        let mut edits = vec![Edit::replace(
            expression.start_byte(),
            expression.end_byte(),
            replacement,
        )];
        edits.extend(additions.into_edit());
        diagnostic.with_fix(Ok(Fix::safe(
            "Replace with `@alru_cache` from async-lru",
            edits,
        )
        .releasing("functools")));
    }
}
