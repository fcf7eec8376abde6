//! Start-up code of a FastAPI app: where a statement goes so that it runs once before the first
//! request, and the edits that put it there. An existing lifespan keeps its code and gets the
//! statement right before its `yield` (after whatever it sets up first); `on_event("startup")`
//! handlers keep working, since a new lifespan would silently disable them; only an app with
//! neither gets a new lifespan, passed to `FastAPI(...)`.

use crate::codemod::FileContext;
use crate::edits::builders::append_argument;
use crate::edits::importer::{existing_definition, unique_name, ModuleAdditions};
use crate::fix::Edit;
use crate::parse::NodeLookups;
use crate::source::{indentation_at, line_end_at, line_start_at};
use crate::syntax::{named_children, text, CallArgs};
use tree_sitter::Node;

pub enum StartupSite<'t> {
    /// Right before this `yield` statement of the app's lifespan function.
    BeforeYield(Node<'t>),
    /// At the end of the body (a `block`) of the app's `@app.on_event("startup")` handler.
    EndOfHandler(Node<'t>),
    /// No start-up code yet: a new module-level lifespan, passed to this `FastAPI(...)` call.
    NewLifespan(Node<'t>),
}

/// Whether a definition, by its decorators and `def` line, may be start-up code that
/// [`startup_site`] and [`add_startup_statement`] read: an `on_event` handler, an
/// `@asynccontextmanager` lifespan, or a lifespan perfopt wrote.
pub fn may_be_startup_code(header: &str) -> bool {
    ["on_event", "asynccontextmanager", "def lifespan"]
        .iter()
        .any(|word| header.contains(word))
}

/// Where start-up code of the app `app_name = <app_call>` goes, or why perfopt cannot tell.
pub fn startup_site<'t>(
    app_name: &str,
    app_call: Node<'t>,
    source: &str,
) -> Result<StartupSite<'t>, &'static str> {
    let module = crate::syntax::root(app_call);
    let arguments = CallArgs::of(app_call, source);
    if arguments.has_splat {
        return Err("the app's arguments are not all visible (`**kwargs`)");
    }
    if let Some(lifespan) = arguments.keyword("lifespan") {
        let name = Some(lifespan)
            .filter(|l| l.kind_name() == "identifier")
            .map(|l| text(l, source))
            .ok_or("the app's lifespan is not a plain name")?;
        return lifespan_yield(module, name, source).map(StartupSite::BeforeYield).ok_or(
            "the app's lifespan is not an `@asynccontextmanager` function of this module with a `yield`",
        );
    }
    if arguments.keyword("on_startup").is_some() {
        return Err("the app's start-up handlers are passed as `on_startup=[...]`");
    }
    if source.contains(&format!("{app_name}.add_event_handler(")) {
        return Err("the app registers start-up code with `add_event_handler`");
    }
    let mut handler = None;
    crate::parse::walk_statements(module, |node| {
        if handler.is_none() && node.kind_name() == "decorated_definition" {
            handler = startup_handler_body(node, app_name, source);
        }
    });
    if let Some(body) = handler {
        let has_statements = named_children(body)
            .iter()
            .any(|s| s.kind_name() != "comment");
        return if has_statements {
            Ok(StartupSite::EndOfHandler(body))
        } else {
            Err("the app's start-up handler has no statements to follow")
        };
    }
    Ok(StartupSite::NewLifespan(app_call))
}

/// The edits that run `line` (one statement) at the app's start-up, at `site`; new imports go
/// through `additions`.
pub fn add_startup_statement(
    site: StartupSite,
    line: &str,
    file: &FileContext,
    additions: &mut ModuleAdditions,
) -> Vec<Edit> {
    let source = file.source;
    let le = file.stylist.line_ending;
    match site {
        StartupSite::BeforeYield(statement) => {
            let indent = indentation_at(source, statement.start_byte());
            vec![Edit::insert(
                line_start_at(source, statement.start_byte()),
                format!("{indent}{line}{le}"),
            )]
        }
        StartupSite::EndOfHandler(body) => {
            let statements: Vec<Node> = named_children(body)
                .into_iter()
                .filter(|s| s.kind_name() != "comment")
                .collect();
            let (Some(first), Some(last)) = (statements.first(), statements.last()) else {
                unreachable!("startup_site only gives handlers with statements");
            };
            let indent = indentation_at(source, first.start_byte());
            vec![Edit::insert(
                line_end_at(source, last.end_byte()),
                format!("{le}{indent}{line}"),
            )]
        }
        StartupSite::NewLifespan(app_call) => {
            // One module-level lifespan per start-up line, shared by the module's apps (test
            // modules build many), found again on later passes.
            let name = existing_definition(file, "lifespan", line).unwrap_or_else(|| {
                let name = unique_name(file, "lifespan");
                let context_manager = additions.member("contextlib", "asynccontextmanager");
                let indent = &file.stylist.indent;
                additions.define(&[
                    String::new(),
                    format!("@{context_manager}"),
                    format!("async def {name}(app):"),
                    format!("{indent}{line}"),
                    format!("{indent}yield"),
                ]);
                name
            });
            append_argument(app_call, &format!("lifespan={name}"))
                .into_iter()
                .collect()
        }
    }
}

/// The first `yield` statement of the module-level `@asynccontextmanager` function `name`.
fn lifespan_yield<'t>(module: Node<'t>, name: &str, source: &str) -> Option<Node<'t>> {
    let decorated = named_children(module).into_iter().find(|s| {
        s.kind_name() == "decorated_definition"
            && s.field("definition")
                .and_then(|d| d.field("name"))
                .is_some_and(|n| text(n, source) == name)
    })?;
    let is_context_manager = named_children(decorated)
        .iter()
        .any(|d| d.kind_name() == "decorator" && text(*d, source).contains("asynccontextmanager"));
    let function = decorated.field("definition")?;
    if !is_context_manager || !crate::syntax::is_async_def(function) {
        return None;
    }
    let mut found = None;
    crate::parse::walk_statements(function.field("body")?, |node| {
        let is_yield = node.kind_name() == "expression_statement"
            && node
                .named_child(0)
                .is_some_and(|e| e.kind_name() == "yield");
        if found.is_none() && is_yield && !in_nested_function(node, function) {
            found = Some(node);
        }
    });
    found
}

/// Whether `node` sits in a function defined inside `function`.
fn in_nested_function(node: Node, function: Node) -> bool {
    crate::syntax::ancestors_below(function, node)
        .iter()
        .any(|a| matches!(a.kind_name(), "function_definition" | "lambda"))
}

/// The body of `@<app_name>.on_event("startup")` on this decorated function, if it is that.
fn startup_handler_body<'t>(decorated: Node<'t>, app_name: &str, source: &str) -> Option<Node<'t>> {
    let registers = named_children(decorated).into_iter().any(|d| {
        let compact: String = text(d, source).split_whitespace().collect();
        compact == format!("@{app_name}.on_event(\"startup\")")
            || compact == format!("@{app_name}.on_event('startup')")
    });
    registers
        .then(|| decorated.field("definition"))
        .flatten()
        .and_then(|f| f.field("body"))
}
