//! The project index, built in a first pass over every file before any codemod runs: facts that
//! cross files (which names are FastAPI apps and routers, which functions are awaited, which apps
//! get a compression middleware). Read-only afterwards.

use crate::codemod::contains_word;
use crate::outline::{Kind, Outline};
use crate::semantic::imports::{is_within, ImportMap};
use crate::semantic::mentions::text_imports;
use crate::skeleton::{included, Keep};
use crate::source::{contains, find_all};
use crate::syntax::{named_children, text};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use tree_sitter::Tree;

#[derive(Debug, Default)]
pub struct ProjectIndex {
    /// Module path (`["app", "main"]`) → names bound there to `FastAPI()` or `APIRouter()`.
    app_objects: HashMap<Vec<String>, Vec<String>>,
    /// Names that appear as `await name(` / `await x.name(` anywhere in the project.
    awaited: HashSet<String>,
    /// Qualified names of apps given a compression middleware (`app.main.app`).
    compressed: Vec<String>,
}

/// What the first pass learns from one file.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct FileFacts {
    pub module: Vec<String>,
    pub app_objects: Vec<String>,
    pub awaited: Vec<String>,
    pub compressed: Vec<String>,
}

impl FileFacts {
    /// The facts of one file; it is parsed only when its text can hold the parsed facts, and
    /// then only in part (see [`fact_parts`]).
    pub fn collect(source: &str, module: Vec<String>) -> Self {
        let mut facts = FileFacts {
            awaited: awaited_names(source),
            ..FileFacts::default()
        };
        // Only a file that calls a constructor can define an app or router, and only one that
        // calls `add_middleware` with a compression middleware can compress one.
        let defines_apps = contains(source, "FastAPI(") || contains(source, "APIRouter(");
        let compresses = contains(source, "add_middleware")
            && COMPRESSION_MIDDLEWARE.iter().any(|m| contains(source, m));
        if defines_apps || compresses {
            let tree = fact_parts(source, &module)
                .and_then(|parts| crate::parse::parse_ranges(source, &parts))
                .filter(|tree| !tree.root_node().has_error())
                .or_else(|| crate::parse::parse(source));
            if let Some(tree) = tree {
                let imports = ImportMap::build(&tree, source, &module);
                facts.app_objects = app_object_names(&tree, source, &imports);
                if compresses {
                    facts.compressed = compressed_objects(&tree, source, &imports, &module);
                }
            }
        }
        facts.module = module;
        facts
    }
}

/// What the facts are read from: the statements outside definitions (where apps and routers
/// are assigned), the definitions that call `add_middleware` or import an app or router class
/// (the import table is the whole file's), and the other module-level definitions as stubs,
/// which keep their names defined (a name defined in the module is not an import). `None` when
/// the outline cannot be trusted: then the whole file.
fn fact_parts(source: &str, module: &[String]) -> Option<Vec<std::ops::Range<usize>>> {
    let outline = Outline::scan(source);
    if !outline.well_formed {
        return None;
    }
    let constructor_imports: Vec<usize> = text_imports(&outline, module)
        .into_iter()
        .filter(|b| {
            APP_CONSTRUCTORS
                .iter()
                .any(|c| is_within(&b.qualified, c) || is_within(c, &b.qualified))
        })
        .map(|b| b.line)
        .collect();
    let parts = included(&outline, |statement, kind, module_level| {
        let needed = || {
            constructor_imports
                .iter()
                .any(|line| (statement.first..statement.end).contains(line))
                || contains_word(outline.text(statement), "add_middleware")
        };
        match kind {
            Kind::Other if outline.opens_block(statement) => Keep::Members,
            Kind::Other => Keep::Whole,
            Kind::Class if needed() => Keep::Members,
            Kind::Def if needed() => Keep::Whole,
            _ if module_level => Keep::Stub,
            _ => Keep::Drop,
        }
    });
    Some(parts)
}

/// Middleware class names that compress responses (Starlette's, and the usual third-party ones).
pub const COMPRESSION_MIDDLEWARE: &[&str] = &["GZip", "Brotli", "Compress", "Zstd"];

impl ProjectIndex {
    pub fn from_facts<'f>(facts: impl IntoIterator<Item = &'f FileFacts>) -> Self {
        let mut index = ProjectIndex::default();
        for fact in facts {
            index.awaited.extend(fact.awaited.iter().cloned());
            index.compressed.extend(fact.compressed.iter().cloned());
            if !fact.app_objects.is_empty() {
                index
                    .app_objects
                    .insert(fact.module.clone(), fact.app_objects.clone());
            }
        }
        index
    }

    /// A hash of everything the index knows: findings computed against another index are stale.
    pub fn fingerprint(&self) -> u64 {
        let mut apps: Vec<_> = self.app_objects.iter().collect();
        apps.sort();
        let mut awaited: Vec<_> = self.awaited.iter().collect();
        awaited.sort();
        let mut compressed = self.compressed.clone();
        compressed.sort();
        crate::cache::fingerprint((apps, awaited, compressed))
    }

    /// Whether some file awaits a call to a function named `name`.
    pub fn is_awaited_elsewhere(&self, name: &str) -> bool {
        self.awaited.contains(name)
    }

    /// Whether the app `qualified` (`app.main.app`) is given a compression middleware anywhere.
    pub fn is_compressed(&self, qualified: &str) -> bool {
        self.compressed.iter().any(|c| same_object(c, qualified))
    }

    /// Whether `qualified` (`app.main.router`) names a FastAPI app or router defined in the project.
    /// Modules match by suffix, since the import root of a project is not known.
    pub fn is_app_object(&self, qualified: &str) -> bool {
        let Some((module, name)) = qualified.rsplit_once('.') else {
            return false;
        };
        let module: Vec<&str> = module.split('.').collect();
        self.app_objects.iter().any(|(path, names)| {
            path.len() >= module.len()
                && path[path.len() - module.len()..]
                    .iter()
                    .zip(&module)
                    .all(|(a, b)| a == b)
                && names.iter().any(|n| n == name)
        })
    }
}

/// The dotted module path of a file relative to the project root (`app/routers/items.py` →
/// `app.routers.items`; a package's `__init__.py` is the package).
pub fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .with_extension("")
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    if parts.last().is_some_and(|p| p == "__init__") {
        parts.pop();
    }
    parts
}

/// Module-level names bound to `fastapi.FastAPI(...)` or `fastapi.APIRouter(...)`.
pub fn app_object_names(tree: &Tree, source: &str, imports: &ImportMap) -> Vec<String> {
    let mut names = Vec::new();
    for statement in named_children(tree.root_node()) {
        if statement.kind() != "expression_statement" {
            continue;
        }
        for assignment in named_children(statement) {
            if assignment.kind() != "assignment" {
                continue;
            }
            let (Some(left), Some(right)) = (
                assignment.child_by_field_name("left"),
                assignment.child_by_field_name("right"),
            ) else {
                continue;
            };
            if left.kind() != "identifier" || right.kind() != "call" {
                continue;
            }
            let callee = right.child_by_field_name("function");
            let qualified = callee.and_then(|c| qualified_static(c, source, imports));
            if qualified.as_deref().is_some_and(is_app_constructor) {
                names.push(text(left, source).to_string());
            }
        }
    }
    names
}

/// What `FastAPI()` and `APIRouter()` resolve to.
const APP_CONSTRUCTORS: &[&str] = &[
    "fastapi.FastAPI",
    "fastapi.APIRouter",
    "fastapi.routing.APIRouter",
    "fastapi.applications.FastAPI",
];

pub fn is_app_constructor(qualified: &str) -> bool {
    APP_CONSTRUCTORS.contains(&qualified)
}

/// Qualified name of a module-level expression (no function scopes to consult).
pub fn qualified_static(
    node: tree_sitter::Node,
    source: &str,
    imports: &ImportMap,
) -> Option<String> {
    match node.kind() {
        "identifier" => imports.resolve(text(node, source)).map(str::to_string),
        "attribute" => {
            let object = node.child_by_field_name("object")?;
            let attr = node.child_by_field_name("attribute")?;
            Some(format!(
                "{}.{}",
                qualified_static(object, source, imports)?,
                text(attr, source)
            ))
        }
        _ => None,
    }
}

/// Callee names after `await` in a file, found by text: `await get_user(` and `await svc.get_user(`
/// give `get_user`. A superset is fine: it only makes PO105 more careful.
pub fn awaited_names(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    for at in find_all(source, "await ") {
        let rest = &source[at + 6..];
        let callee: &str = rest
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
            .next()
            .unwrap_or("");
        if let Some(last) = callee.rsplit('.').next().filter(|n| !n.is_empty()) {
            names.push(last.to_string());
        }
    }
    names
}

/// Two dotted names for the same object, one possibly rooted higher than the other
/// (`examples.shop.app.main.app` and `app.main.app`).
fn same_object(a: &str, b: &str) -> bool {
    let (long, short) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    long == short || long.ends_with(&format!(".{short}"))
}

/// Objects `x` in `x.add_middleware(GZipMiddleware, ...)`, qualified: a module-level name as
/// `module.name`, an imported one through the imports.
pub fn compressed_objects(
    tree: &Tree,
    source: &str,
    imports: &ImportMap,
    module: &[String],
) -> Vec<String> {
    let mut found = Vec::new();
    crate::parse::walk_tree(tree.root_node(), |node| {
        if node.kind() != "call" {
            return;
        }
        let Some(callee) = node
            .child_by_field_name("function")
            .filter(|f| f.kind() == "attribute")
        else {
            return;
        };
        let method = callee
            .child_by_field_name("attribute")
            .map(|m| text(m, source));
        let object = callee
            .child_by_field_name("object")
            .filter(|o| o.kind() == "identifier");
        let middleware = node
            .child_by_field_name("arguments")
            .and_then(|a| a.named_child(0));
        let (Some("add_middleware"), Some(object), Some(middleware)) = (method, object, middleware)
        else {
            return;
        };
        let middleware = text(middleware, source);
        if !COMPRESSION_MIDDLEWARE
            .iter()
            .any(|m| middleware.contains(m))
        {
            return;
        }
        let name = text(object, source);
        found.push(match imports.resolve(name) {
            Some(qualified) => qualified.to_string(),
            None => format!("{}.{name}", module.join(".")),
        });
    });
    found
}
