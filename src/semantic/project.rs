//! The project index, built in a first pass over every file before any codemod runs: facts that
//! cross files (which names are FastAPI apps and routers, which functions are awaited, which apps
//! get a compression middleware, which classes are Beanie documents). Read-only afterwards.

use crate::codemod::{contains_word, Prescan};
use crate::edits::lifespan::{may_be_startup_code, startup_site};
use crate::outline::{defined_name, Kind, Outline};
use crate::parse::NodeLookups;
use crate::semantic::field_reads::{projected_reads, ProjectedRead};
use crate::semantic::imports::{is_within, ImportMap};
use crate::semantic::mentions::text_imports;
use crate::semantic::models::{
    class_facts, lineage, may_declare_models, ClassFacts, Orm, OrmModel,
};
use crate::semantic::queries::{queried_fields, QueriedField};
use crate::semantic::read_routes::{may_hold_read_route, read_route};
use crate::skeleton::{included, Keep};
use crate::source::{contains_literal, find_all};
use crate::syntax::{named_children, text};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use tree_sitter::Tree;

#[derive(Debug, Default)]
pub struct ProjectIndex {
    /// Module path (`["app", "main"]`) → names bound there to `FastAPI()` or `APIRouter()`.
    app_objects: HashMap<Vec<String>, Vec<String>>,
    /// The names in `app_objects`: most imported names are none of them.
    app_object_names: HashSet<String>,
    /// Names that appear as `await name(` / `await x.name(` anywhere in the project.
    awaited: HashSet<String>,
    /// Qualified names of apps given a compression middleware (`app.main.app`).
    compressed: Vec<String>,
    /// Owners (apps or routers, qualified) of the GET routes PO301 caches or that are cached.
    read_routes: Vec<String>,
    /// `(parent, child)` for each `parent.include_router(child)`, qualified.
    includes: Vec<(String, String)>,
    /// Apps that initialise fastapi-cache2 or have start-up code perfopt can add the init to.
    cache_apps: Vec<String>,
    /// Module-level classes of the files that can declare ORM models.
    classes: Vec<ClassFacts>,
    /// Module (`app.models`) → the names of the ORM model classes it defines.
    models: HashMap<String, Vec<String>>,
    /// Module (`app.models`) → the names bound at its top level, in the files that may declare
    /// models.
    module_names: HashMap<String, Vec<String>>,
    /// Fields that queries anywhere in the project filter or sort on.
    queried: Vec<QueriedField>,
    /// Beanie queries whose documents are only read field by field (PO203's projections).
    projected: Vec<ProjectedRead>,
    /// Whether some app, router or `include_router` call sets `default_response_class`.
    default_response_class: bool,
    /// See [`ProjectIndex::fingerprint`]: computed once.
    fingerprint: std::sync::OnceLock<u64>,
    /// See [`ProjectIndex::qualified_models`] and [`ProjectIndex::model_name_parts`]: computed
    /// once, not for each file.
    qualified_models: std::sync::OnceLock<Vec<String>>,
    model_name_parts: std::sync::OnceLock<HashSet<String>>,
}

/// What the first pass learns from one file.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct FileFacts {
    pub module: Vec<String>,
    pub app_objects: Vec<String>,
    pub awaited: Vec<String>,
    pub compressed: Vec<String>,
    #[serde(default)]
    pub read_routes: Vec<String>,
    #[serde(default)]
    pub includes: Vec<(String, String)>,
    #[serde(default)]
    pub cache_apps: Vec<String>,
    /// Module-level classes with their bases and keys, in files that may declare ORM models.
    #[serde(default)]
    pub classes: Vec<ClassFacts>,
    /// The names bound at module level (imports, definitions) in those files, sorted.
    #[serde(default)]
    pub module_names: Vec<String>,
    /// Fields the file's queries filter or sort on.
    #[serde(default)]
    pub queried: Vec<QueriedField>,
    /// Beanie queries of the file whose documents are only read field by field.
    #[serde(default)]
    pub projected: Vec<ProjectedRead>,
    #[serde(default)]
    pub default_response_class: bool,
}

impl FileFacts {
    /// The facts of one file; it is parsed only when its text can hold the parsed facts, and
    /// then only in part (see [`fact_parts`]).
    pub fn collect(source: &str, module: Vec<String>) -> Self {
        Self::collect_from(&Prescan::new(source), module, true)
    }

    /// [`FileFacts::collect`], for a file whose text tests are shared with the codemods' gates.
    pub fn collect_in(scan: &Prescan, module: Vec<String>) -> Self {
        Self::collect_from(scan, module, true)
    }

    /// [`FileFacts::collect`], parsing the file in part when `in_parts` and its outline allow.
    fn collect_from(scan: &Prescan, module: Vec<String>, in_parts: bool) -> Self {
        let source = scan.text;
        let mut facts = FileFacts {
            awaited: awaited_names(source),
            default_response_class: source.contains("default_response_class"),
            ..FileFacts::default()
        };
        // Judged from the text, then from its code alone (docstrings show routes and apps too),
        // but under `PERFOPT_PARSE_ALL`.
        let needs = Some(FactNeeds::of(scan))
            .filter(FactNeeds::any)
            .map(|needs| match crate::checker::gated() {
                true => {
                    let code = crate::outline::code_only(source);
                    (FactNeeds::of(&Prescan::new(&code)), code)
                }
                false => (needs, source.to_string()),
            })
            .filter(|(needs, _)| needs.any());
        if let Some((needs, code)) = needs {
            let FactNeeds {
                apps: defines_apps,
                compression: compresses,
                routes,
                includes,
                models: declares_models,
                queries,
            } = needs;
            let in_parts = in_parts
                .then(|| fact_parts(source, &code, &module, &needs))
                .flatten()
                .and_then(|parts| {
                    let tree = crate::parse::parse_ranges(source, &parts.ranges)?;
                    (!tree.root_node().has_error()).then_some((tree, parts.elided))
                });
            let parsed = in_parts.or_else(|| Some((crate::parse::parse(source)?, Vec::new())));
            if let Some((tree, elided)) = parsed {
                let imports = ImportMap::build_in_parts(&tree, source, &module, &elided);
                facts.app_objects = app_object_names(&tree, source, &imports);
                if compresses {
                    facts.compressed = compressed_objects(&tree, source, &imports, &module);
                }
                if routes {
                    facts.read_routes = read_route_owners(&tree, source, &imports, &module);
                }
                if includes {
                    facts.includes = router_inclusions(&tree, source, &imports, &module);
                }
                if defines_apps {
                    facts.cache_apps = cache_ready_apps(&tree, source, &imports, &module);
                }
                if declares_models {
                    facts.classes = class_facts(&tree, source, &imports, &module);
                    let mut names: Vec<String> =
                        imports.bound_names().map(str::to_string).collect();
                    names.sort();
                    names.dedup();
                    facts.module_names = names;
                }
                if queries {
                    facts.queried = queried_fields(&tree, source, &imports, &module);
                    facts.projected = projected_reads(&tree, source, &imports, &module);
                }
            }
        }
        facts.module = module;
        facts
    }
}

/// Which facts a file may hold, judged from its text.
struct FactNeeds {
    apps: bool,
    compression: bool,
    routes: bool,
    includes: bool,
    models: bool,
    queries: bool,
}

impl FactNeeds {
    /// Which facts the scanned text may hold.
    fn of(scan: &Prescan) -> Self {
        FactNeeds {
            // Only a file that calls a constructor can define an app or router, and only one
            // that calls `add_middleware` with a compression middleware can compress one.
            apps: scan.contains("FastAPI(") || scan.contains("APIRouter("),
            compression: scan.contains("add_middleware")
                && COMPRESSION_MIDDLEWARE.iter().any(|m| scan.contains(m)),
            routes: scan.accepts(has_get_route_decorator),
            includes: scan.contains(".include_router("),
            // A Beanie document's class line names `Document` (its base, or a base named after
            // it).
            models: scan.accepts(may_declare_models),
            queries: may_query_models(scan),
        }
    }

    /// Whether any fact is needed.
    fn any(&self) -> bool {
        self.apps || self.compression || self.routes || self.includes || self.models || self.queries
    }

    /// Whether a definition, by its decorators and header line and by its text, can hold one of
    /// the needed facts, or something they read: an app built in a factory, start-up code (see
    /// [`may_be_startup_code`]), a GET route, an `include_router`, a query, an `add_middleware`.
    fn kept(&self, header: &str, text: &str) -> bool {
        (self.compression && contains_word(text, "add_middleware"))
            || (self.apps
                && (contains_literal(text, "FastAPI(")
                    || contains_literal(text, "APIRouter(")
                    || may_be_startup_code(header)))
            || (self.routes && may_hold_read_route(text))
            || (self.includes && contains_literal(text, ".include_router("))
            || (self.queries
                && QUERY_CALLS
                    .iter()
                    .chain(&["to_list", "async for", "select("])
                    .any(|call| contains_literal(text, call)))
    }
}

/// What the facts are read from: the statements outside definitions (where apps and routers
/// are assigned), the bodies of the classes when the file may declare models (without their
/// methods, and with their nested classes as stubs but `Settings`), the definitions that can
/// hold a needed fact (see [`FactNeeds::kept`]) and the import statements of the others (the
/// import table is the whole file's). The other module-level definitions are left out, and named
/// in `elided`: they keep their names defined (a name defined in the module is not an import).
/// `None` when the outline cannot be trusted, or under `PERFOPT_PARSE_ALL`: then the whole file.
fn fact_parts<'s>(
    source: &'s str,
    code: &str,
    module: &[String],
    needs: &FactNeeds,
) -> Option<FactParts<'s>> {
    if !crate::checker::gated() {
        return None;
    }
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
    // The definitions kept only for the imports in them (by their lines).
    let mut imports_only: Vec<std::ops::Range<usize>> = Vec::new();
    let mut elided = Vec::new();
    let ranges = included(&outline, |statement, kind, module_level| {
        // What a statement may hold is judged from its code, without strings and comments.
        let text = &code[outline.bytes(statement)];
        let imports = || contains_word(text, "import");
        if imports_only.iter().any(|d| d.contains(&statement.first)) {
            return match kind {
                // Whatever their text: an `else:` or `except:` holding an import needs the
                // `if:` or `try:` before it.
                Kind::Other if outline.opens_block(statement) => Keep::Members,
                Kind::Other
                    if ["import ", "from "]
                        .iter()
                        .any(|keyword| text.trim_start().starts_with(keyword)) =>
                {
                    Keep::Whole
                }
                Kind::Def | Kind::Class if imports() => {
                    imports_only.push(statement.first..statement.end);
                    Keep::Members
                }
                _ => Keep::Drop,
            };
        }
        let needed = || {
            constructor_imports
                .iter()
                .any(|line| (statement.first..statement.end).contains(line))
                || needs.kept(&code[outline.header_bytes(statement)], text)
        };
        let keep = match kind {
            Kind::Other if outline.opens_block(statement) => Keep::Members,
            // A docstring.
            Kind::Other if text.trim().is_empty() => Keep::Drop,
            Kind::Other => Keep::Whole,
            // What a model declares is in the statements of its body, not in its methods.
            Kind::Class if needs.models && module_level => Keep::Members,
            Kind::Class if needed() || imports() => Keep::Members,
            // A model's nested classes: `Settings` is read (its indexes), the others only named.
            Kind::Class
                if needs.models
                    && defined_name(outline.code(statement.header)) == Some("Settings") =>
            {
                Keep::Whole
            }
            Kind::Class if needs.models => Keep::Stub,
            Kind::Def if needed() => Keep::Whole,
            Kind::Def if imports() => {
                imports_only.push(statement.first..statement.end);
                Keep::Members
            }
            _ => Keep::Drop,
        };
        if keep == Keep::Drop && module_level {
            if let Some(name) = defined_name(outline.code(statement.header)) {
                elided.push((name, outline.bytes(statement)));
            }
        }
        keep
    });
    Some(FactParts { ranges, elided })
}

/// What [`fact_parts`] keeps of a file: the ranges to parse, and the module-level definitions
/// left out (name and bytes).
struct FactParts<'s> {
    ranges: Vec<std::ops::Range<usize>>,
    elided: Vec<(&'s str, std::ops::Range<usize>)>,
}

/// Text of the calls whose arguments can name the fields a query filters or sorts on.
const QUERY_CALLS: &[&str] = &[
    ".find(",
    ".find_one(",
    ".find_many(",
    ".find_all(",
    ".where(",
    ".filter(",
    ".sort(",
    ".order_by(",
];

/// Whether a file may query a model: one of `QUERY_CALLS`, in a file that imports an ORM or calls
/// one on a capitalised name (`Product.find(`). Most files with `.sort(` or `.filter(` are not
/// parsed for it.
fn may_query_models(scan: &Prescan) -> bool {
    let imports_orm = || {
        ["beanie", "sqlalchemy", "sqlmodel", "motor"]
            .iter()
            .any(|orm| contains_word(scan.import_lines(), orm))
    };
    // SQL queries need `select(` from the ORM; Beanie queries start from a document class.
    (scan.contains("select(") && imports_orm()) || called_on_a_class(scan.text, QUERY_CALLS)
}

/// Whether one of `calls` (`.find(`) is made on a capitalised name (`Product.find(`), as a
/// Beanie query on a document class is.
pub fn called_on_a_class(source: &str, calls: &[&str]) -> bool {
    let on_a_class = |at: usize| {
        let receiver = source[..at]
            .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
            .next()
            .unwrap_or("");
        receiver.starts_with(|c: char| c.is_ascii_uppercase())
    };
    // The `.find…(` calls are found in one search of the text, not one each.
    const FIND: &str = ".find";
    let (finds, others): (Vec<&str>, Vec<&str>) =
        calls.iter().partition(|call| call.starts_with(FIND));
    (!finds.is_empty()
        && find_all(source, FIND)
            .any(|at| finds.iter().any(|call| source[at..].starts_with(call)) && on_a_class(at)))
        || others
            .iter()
            .any(|call| find_all(source, call).any(on_a_class))
}

/// Middleware class names that compress responses (Starlette's, and the usual third-party ones).
pub const COMPRESSION_MIDDLEWARE: &[&str] = &["GZip", "Brotli", "Compress", "Zstd"];

impl ProjectIndex {
    pub fn from_facts<'f>(facts: impl IntoIterator<Item = &'f FileFacts>) -> Self {
        let mut index = ProjectIndex::default();
        for fact in facts {
            index.awaited.extend(fact.awaited.iter().cloned());
            index.compressed.extend(fact.compressed.iter().cloned());
            index.read_routes.extend(fact.read_routes.iter().cloned());
            index.includes.extend(fact.includes.iter().cloned());
            index.cache_apps.extend(fact.cache_apps.iter().cloned());
            index.default_response_class |= fact.default_response_class;
            index.classes.extend(fact.classes.iter().cloned());
            index.queried.extend(fact.queried.iter().cloned());
            index.projected.extend(fact.projected.iter().cloned());
            if !fact.module_names.is_empty() {
                index
                    .module_names
                    .insert(fact.module.join("."), fact.module_names.clone());
            }
            if !fact.app_objects.is_empty() {
                index
                    .app_object_names
                    .extend(fact.app_objects.iter().cloned());
                index
                    .app_objects
                    .insert(fact.module.clone(), fact.app_objects.clone());
            }
        }
        for class in &index.classes {
            if let Some((module, name)) = class.qualified.rsplit_once('.') {
                if index.orm_model(&class.qualified).is_some() {
                    let names = index.models.entry(module.to_string()).or_default();
                    names.push(name.to_string());
                }
            }
        }
        index
    }

    /// A hash of everything the index knows: findings computed against another index are stale.
    pub fn fingerprint(&self) -> u64 {
        *self.fingerprint.get_or_init(|| self.compute_fingerprint())
    }

    fn compute_fingerprint(&self) -> u64 {
        let mut apps: Vec<_> = self.app_objects.iter().collect();
        apps.sort();
        let mut awaited: Vec<_> = self.awaited.iter().collect();
        awaited.sort();
        let sorted = |list: &[String]| {
            let mut list = list.to_vec();
            list.sort();
            list
        };
        let mut includes = self.includes.clone();
        includes.sort();
        let mut classes: Vec<_> = self.classes.iter().collect();
        classes.sort();
        let mut queried: Vec<_> = self.queried.iter().collect();
        queried.sort();
        let mut projected: Vec<_> = self.projected.iter().collect();
        projected.sort();
        let mut module_names: Vec<_> = self.module_names.iter().collect();
        module_names.sort();
        crate::cache::fingerprint((
            apps,
            awaited,
            sorted(&self.compressed),
            sorted(&self.read_routes),
            includes,
            sorted(&self.cache_apps),
            classes,
            queried,
            projected,
            module_names,
            self.default_response_class,
        ))
    }

    /// Whether `qualified` (`app.models.Product`) names a Beanie document class of the project.
    pub fn is_document(&self, qualified: &str) -> bool {
        self.orm_model(qualified)
            .is_some_and(|model| model.orm == Orm::Beanie)
    }

    /// The ORM model class `qualified` (`app.models.Item`) names, if the project defines it.
    pub fn orm_model(&self, qualified: &str) -> Option<OrmModel> {
        crate::semantic::models::resolve(&self.classes, qualified)
    }

    /// Whether the module `module` (`app.models`) binds `name` at its top level (known for the
    /// files that may declare models).
    pub fn binds(&self, module: &str, name: &str) -> bool {
        self.module_names
            .get(module)
            .is_some_and(|names| names.binary_search_by(|n| n.as_str().cmp(name)).is_ok())
    }

    /// The class `qualified` names and its ancestors the project defines, most derived first.
    pub fn class_lineage(&self, qualified: &str) -> Vec<&ClassFacts> {
        lineage(&self.classes, qualified).0
    }

    /// The names of the model classes `module` defines that queries of the project filter or
    /// sort on.
    pub fn queried_models_in(&self, module: &[String]) -> Vec<String> {
        self.models_in(module, |qualified| {
            self.queried
                .iter()
                .any(|q| same_object(&q.model, qualified))
        })
    }

    /// The names of the model classes `module` defines that Beanie queries of the project read
    /// only some fields of.
    pub fn projected_models_in(&self, module: &[String]) -> Vec<String> {
        self.models_in(module, |qualified| {
            self.projected
                .iter()
                .any(|r| same_object(&r.model, qualified))
        })
    }

    /// The names of the model classes `module` defines whose qualified name passes `wanted`.
    fn models_in(&self, module: &[String], wanted: impl Fn(&str) -> bool) -> Vec<String> {
        let module = module.join(".");
        self.models_of(&module)
            .iter()
            .filter(|name| wanted(&format!("{module}.{name}")))
            .cloned()
            .collect()
    }

    /// Every ORM model class of the project: (module, name).
    pub fn models(&self) -> impl Iterator<Item = (&str, &str)> {
        self.models.iter().flat_map(|(module, names)| {
            names
                .iter()
                .map(move |name| (module.as_str(), name.as_str()))
        })
    }

    /// The qualified names of the ORM model classes (`app.models.Customer`).
    pub fn qualified_models(&self) -> &[String] {
        self.qualified_models.get_or_init(|| {
            self.models()
                .map(|(module, name)| format!("{module}.{name}"))
                .collect()
        })
    }

    /// The names in the qualified names of the model classes (`app`, `models`, `Customer`).
    pub fn model_name_parts(&self) -> &HashSet<String> {
        self.model_name_parts.get_or_init(|| {
            self.models()
                .flat_map(|(module, name)| module.split('.').chain([name]))
                .map(str::to_string)
                .collect()
        })
    }

    /// The names of the ORM model classes the module `module` (`app.models`) defines.
    pub fn models_of(&self, module: &str) -> &[String] {
        self.models.get(module).map_or(&[], Vec::as_slice)
    }

    /// The fields that queries of the project filter or sort on through the class `qualified`.
    pub fn queried_fields_of(&self, qualified: &str) -> Vec<&QueriedField> {
        self.queried
            .iter()
            .filter(|q| same_object(&q.model, qualified))
            .collect()
    }

    /// The Beanie queries of the project that read only some fields of the class `qualified`.
    pub fn projected_reads_of(&self, qualified: &str) -> Vec<&ProjectedRead> {
        self.projected
            .iter()
            .filter(|r| same_object(&r.model, qualified))
            .collect()
    }

    /// Whether some app or router of the project replaces FastAPI's default `JSONResponse`
    /// (`default_response_class=`), which changes how route results are encoded.
    pub fn sets_default_response_class(&self) -> bool {
        self.default_response_class
    }
    /// Whether some app that initialises fastapi-cache2 (or can be made to) serves the routes of
    /// `owner`, directly or through `include_router`.
    pub fn cache_ready(&self, owner: &str) -> bool {
        self.cache_apps
            .iter()
            .any(|app| self.includes_object(app, owner))
    }

    /// Whether the app `app` serves a route PO301 caches (or that is cached).
    pub fn serves_cached_routes(&self, app: &str) -> bool {
        self.read_routes
            .iter()
            .any(|owner| self.includes_object(app, owner))
    }

    /// Whether `outer` is `inner` or includes it through a chain of `include_router` calls.
    fn includes_object(&self, outer: &str, inner: &str) -> bool {
        let mut seen: Vec<&str> = vec![outer];
        let mut next = 0;
        while let Some(&current) = seen.get(next) {
            if same_object(current, inner) {
                return true;
            }
            for (parent, child) in &self.includes {
                if same_object(parent, current) && !seen.contains(&child.as_str()) {
                    seen.push(child);
                }
            }
            next += 1;
        }
        false
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
        if !self.app_object_names.contains(name) {
            return false;
        }
        // The module is the path the app's file has, or the end of it.
        let parts = module.split('.').count();
        self.app_objects.iter().any(|(path, names)| {
            names.iter().any(|n| n == name)
                && path.len() >= parts
                && path
                    .iter()
                    .rev()
                    .zip(module.rsplit('.'))
                    .all(|(a, b)| a == b)
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
        if statement.kind_name() != "expression_statement" {
            continue;
        }
        for assignment in named_children(statement) {
            if assignment.kind_name() != "assignment" {
                continue;
            }
            let (Some(left), Some(right)) = (assignment.field("left"), assignment.field("right"))
            else {
                continue;
            };
            if left.kind_name() != "identifier" || right.kind_name() != "call" {
                continue;
            }
            let callee = right.field("function");
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

/// Whether a decorator of the text calls a `.get` method (`@router.get(`, blanks and line
/// continuations allowed around the `get`): the files whose routes PO301 reads.
pub fn has_get_route_decorator(source: &str) -> bool {
    const BLANKS: [char; 5] = [' ', '\t', '\x0c', '\\', '\r'];
    // Found from the call rather than by reading every line.
    find_all(source, "get").any(|at| {
        let before = source[..at].trim_end_matches(BLANKS).trim_end_matches('\n');
        let before = before.trim_end_matches(BLANKS);
        let after = source[at + "get".len()..].trim_start_matches(BLANKS);
        let after = after.trim_start_matches('\n').trim_start_matches(BLANKS);
        if !before.ends_with('.') || !after.starts_with('(') {
            return false;
        }
        // The start of the logical line: back over lines continued with a backslash.
        let mut line_start = before.rfind('\n').map_or(0, |i| i + 1);
        while line_start > 0
            && source[..line_start - 1]
                .trim_end_matches('\r')
                .ends_with('\\')
        {
            line_start = source[..line_start - 1].rfind('\n').map_or(0, |i| i + 1);
        }
        source[line_start..]
            .trim_start_matches(BLANKS)
            .trim_start_matches('\n')
            .trim_start_matches(BLANKS)
            .starts_with('@')
    })
}

/// Whether a definition can be a GET route that completes a listing (`to_list()`, `.all()`).
pub fn get_route_may_list(text: &str) -> bool {
    has_get_route_decorator(text) && (contains_word(text, "to_list") || contains_word(text, "all"))
}

/// Owners of the file's read-only GET routes (see [`read_route`]), cached or not.
fn read_route_owners(
    tree: &Tree,
    source: &str,
    imports: &ImportMap,
    module: &[String],
) -> Vec<String> {
    let mut owners = Vec::new();
    crate::parse::walk_statements(tree.root_node(), |node| {
        if node.kind_name() == "decorated_definition" {
            if let Some(route) = read_route(node, source, imports, module) {
                owners.push(route.owner);
            }
        }
    });
    owners
}

/// `(parent, child)` for each `parent.include_router(child, ...)`, both qualified.
fn router_inclusions(
    tree: &Tree,
    source: &str,
    imports: &ImportMap,
    module: &[String],
) -> Vec<(String, String)> {
    let local = |name: &str| format!("{}.{name}", module.join("."));
    let mut links = Vec::new();
    crate::parse::walk_statements(tree.root_node(), |node| {
        let Some(call) = node
            .named_child(0)
            .filter(|c| node.kind_name() == "expression_statement" && c.kind_name() == "call")
        else {
            return;
        };
        let Some((parent, "include_router")) = method_call_on_name(call, source) else {
            return;
        };
        let Some(child) = crate::syntax::CallArgs::of(call, source)
            .positional
            .first()
            .copied()
        else {
            return;
        };
        let child = qualified_static(child, source, imports)
            .or_else(|| (child.kind_name() == "identifier").then(|| local(text(child, source))));
        if let Some(child) = child {
            let parent = imports
                .resolve(parent)
                .map_or_else(|| local(parent), str::to_string);
            links.push((parent, child));
        }
    });
    links
}

/// The file's `name = FastAPI(...)` apps (module level or in a factory) that initialise
/// fastapi-cache2 already or have a place for start-up code, qualified as `module.name`.
fn cache_ready_apps(
    tree: &Tree,
    source: &str,
    imports: &ImportMap,
    module: &[String],
) -> Vec<String> {
    let initialises = source.contains(CACHE_INIT);
    let mut apps = Vec::new();
    crate::parse::walk_statements(tree.root_node(), |node| {
        let Some((name, call)) = app_assignment(node, source, imports) else {
            return;
        };
        if initialises || startup_site(name, call, source).is_ok() {
            apps.push(format!("{}.{name}", module.join(".")));
        }
    });
    apps
}

/// The call that initialises fastapi-cache2, as the fixes write it.
pub const CACHE_INIT: &str = "FastAPICache.init(";

/// `(name, call)` when `statement` is `name = FastAPI(...)`.
pub fn app_assignment<'t, 's>(
    statement: tree_sitter::Node<'t>,
    source: &'s str,
    imports: &ImportMap,
) -> Option<(&'s str, tree_sitter::Node<'t>)> {
    let assignment = statement.named_child(0).filter(|a| {
        statement.kind_name() == "expression_statement" && a.kind_name() == "assignment"
    })?;
    let target = assignment
        .field("left")
        .filter(|t| t.kind_name() == "identifier")?;
    let call = assignment
        .field("right")
        .filter(|c| c.kind_name() == "call")?;
    let callee = qualified_static(call.field("function")?, source, imports)?;
    matches!(
        callee.as_str(),
        "fastapi.FastAPI" | "fastapi.applications.FastAPI"
    )
    .then(|| (text(target, source), call))
}

/// `(name, method)` of a call `name.method(...)` on a plain name.
pub fn method_call_on_name<'s>(
    call: tree_sitter::Node,
    source: &'s str,
) -> Option<(&'s str, &'s str)> {
    let callee = call
        .field("function")
        .filter(|f| f.kind_name() == "attribute")?;
    let object = callee
        .field("object")
        .filter(|o| o.kind_name() == "identifier")?;
    Some((
        text(object, source),
        text(callee.field("attribute")?, source),
    ))
}

/// Qualified name of a module-level expression (no function scopes to consult).
pub fn qualified_static(
    node: tree_sitter::Node,
    source: &str,
    imports: &ImportMap,
) -> Option<String> {
    match node.kind_name() {
        "identifier" => imports.resolve(text(node, source)).map(str::to_string),
        "attribute" => {
            let object = node.field("object")?;
            let attr = node.field("attribute")?;
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
pub fn same_object(a: &str, b: &str) -> bool {
    let (long, short) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    long == short
        || long
            .strip_suffix(short)
            .is_some_and(|prefix| prefix.ends_with('.'))
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
        if node.kind_name() != "call" {
            return;
        }
        let Some(callee) = node
            .field("function")
            .filter(|f| f.kind_name() == "attribute")
        else {
            return;
        };
        let method = callee.field("attribute").map(|m| text(m, source));
        let object = callee
            .field("object")
            .filter(|o| o.kind_name() == "identifier");
        let middleware = node.field("arguments").and_then(|a| a.named_child(0));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_calls_on_a_capitalised_name() {
        let calls = QUERY_CALLS;
        assert!(called_on_a_class(
            "await Product.find(Product.sku == s)",
            calls
        ));
        assert!(called_on_a_class("x = Order.find_one({})", calls));
        assert!(called_on_a_class("Item.filter(Item.a == 1)", calls));
        assert!(!called_on_a_class(
            "select(User).where(User.id == 1)",
            calls
        ));
        assert!(!called_on_a_class("items.find(x)\ntext.find_one(y)", calls));
        assert!(!called_on_a_class("Tree.findall(x)", calls));
        assert!(!called_on_a_class("Product.find(x)", &[".where("]));
    }
    use crate::semantic::queries::FieldUse;

    fn module(path: &str) -> Vec<String> {
        path.split('.').map(str::to_string).collect()
    }

    /// The Python files of the fixtures, the example app and the behaviour tests' apps.
    fn python_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                python_files(&path, found);
            } else if path.extension().is_some_and(|e| e == "py") {
                found.push(path);
            }
        }
    }

    #[test]
    fn facts_read_in_parts_are_those_of_the_whole_file() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["codemods", "examples", "tests/behaviour"] {
            python_files(&root.join(dir), &mut files);
        }
        assert!(files.len() > 100);
        // An import in a function that holds no fact still binds names for the file.
        let local_import = "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\ndef helper():\n    if True:\n        from app.models import User\n    return 1\n\n\n@router.get(\"/u\")\nasync def find_user(email: str):\n    return await User.find_one(User.email == email)\n";
        // A model's methods are left out; its fields, `Settings`, `Config` and nested classes
        // are read. A lifespan is found by its decorator.
        let model = "from contextlib import asynccontextmanager\n\nfrom beanie import Document, Indexed\nfrom fastapi import FastAPI\n\n\nclass Order(Document):\n    number: Indexed(str)\n    total: float = 0\n\n    class Status(str, Enum):\n        OPEN = \"open\"\n\n    def describe(self) -> str:\n        return f\"{self.number}\"\n\n    class Settings:\n        indexes = [\"total\"]\n\n    class Config:\n        frozen = True\n\n\n@asynccontextmanager\nasync def lifespan(app):\n    await connect()\n    yield\n\n\napp = FastAPI(lifespan=lifespan)\n";
        let named = [("local_import", local_import), ("model", model)]
            .map(|(name, source)| (Path::new(name).to_path_buf(), source.to_string()));
        let read = files.into_iter().map(|path| {
            let source = std::fs::read_to_string(&path).unwrap();
            (path, source)
        });
        for (path, source) in named.into_iter().chain(read) {
            // Unrelated definitions after it, so that it is parsed in parts.
            let mut padded = format!("{source}\n");
            for n in 0..source.len() / 20 + 1 {
                padded.push_str(&format!(
                    "\n\ndef _padding_{n}(value):\n    return value + {n}\n"
                ));
            }
            for text in [&source, &padded] {
                let json = |facts: FileFacts| serde_json::to_string(&facts).unwrap();
                assert_eq!(
                    json(FileFacts::collect(text, module("app.routes"))),
                    json(FileFacts::collect_from(
                        &Prescan::new(text),
                        module("app.routes"),
                        false
                    )),
                    "{}",
                    path.display()
                );
            }
        }
    }

    #[test]
    fn apps_and_routes_in_docstrings_and_comments_are_no_facts() {
        let example = "\"\"\"Usage:\n\n    app = FastAPI()\n\n    @app.get(\"/items\")\n    async def items(): ...\n\"\"\"\n";
        let source = format!("{example}from fastapi import APIRouter\n\n# router = APIRouter()\n\n\ndef helper():\n    {example}    return 1\n");
        let facts = FileFacts::collect(&source, module("app.docs"));
        assert!(facts.app_objects.is_empty() && facts.read_routes.is_empty());
        let source = format!("{source}\nrouter = APIRouter()\n\n\n@router.get(\"/items\")\nasync def items():\n    return await load()\n");
        let facts = FileFacts::collect(&source, module("app.docs"));
        assert_eq!(facts.app_objects, ["router"]);
        assert_eq!(facts.read_routes, ["app.docs.router"]);
    }

    #[test]
    fn an_import_in_an_else_clause_keeps_its_if() {
        let source = "from fastapi import FastAPI\n\napp = FastAPI()\n\n\ndef helper(x):\n    if x:\n        y = 1\n    else:\n        from json import dumps\n    return dumps\n";
        let needs = FactNeeds {
            apps: true,
            compression: false,
            routes: false,
            includes: false,
            models: false,
            queries: false,
        };
        let parts = fact_parts(source, source, &module("app.main"), &needs)
            .unwrap()
            .ranges;
        let tree = crate::parse::parse_ranges(source, &parts).unwrap();
        assert!(
            !tree.root_node().has_error(),
            "{}",
            tree.root_node().to_sexp()
        );
        let kept: String = parts.iter().map(|r| &source[r.clone()]).collect();
        assert!(
            kept.contains("if x:") && kept.contains("from json import dumps"),
            "{kept}"
        );
    }

    #[test]
    fn same_objects_and_get_route_decorators_by_text() {
        assert!(same_object("examples.shop.app.main.app", "app.main.app"));
        assert!(same_object("app.main.app", "app.main.app"));
        assert!(!same_object("shop.xapp.main.app", "app.main.app"));
        assert!(!same_object("app.main", "app.main.app"));
        assert!(has_get_route_decorator(
            "x = 1\n    @router.get(\"/a\")\ndef a(): ..."
        ));
        assert!(has_get_route_decorator("@app.get(\"/\")"));
        assert!(!has_get_route_decorator(
            "value = cache.get(key)  # @app.get(\n"
        ));
        // Blanks and continuations, as the parser allows them.
        assert!(has_get_route_decorator(
            "@router.get\\\n(\"/a\")\ndef a(): ..."
        ));
        assert!(has_get_route_decorator(
            "@router \\\r\n  . get (\"/a\")\ndef a(): ..."
        ));
        assert!(!has_get_route_decorator(
            "@cache\ndef target(): ...\nx.get\n"
        ));
        assert!(!has_get_route_decorator("@app.get\nasync def a(): ..."));
    }

    #[test]
    fn beanie_documents_are_known_across_files_and_subclasses() {
        let base = FileFacts::collect(
            "from beanie import Document\n\nclass AuditedDocument(Document):\n    pass\n",
            module("shop.base"),
        );
        let models = FileFacts::collect(
            "from shop.base import AuditedDocument\nfrom pydantic import BaseModel\n\nclass Product(AuditedDocument):\n    sku: str\n\nclass ProductOut(BaseModel):\n    sku: str\n",
            module("shop.models"),
        );
        let index = ProjectIndex::from_facts([&models, &base]);
        assert!(index.is_document("shop.base.AuditedDocument"));
        assert!(index.is_document("shop.models.Product"));
        assert!(!index.is_document("shop.models.ProductOut"));
        assert!(!index.sets_default_response_class());
    }

    #[test]
    fn queried_fields_name_their_class_and_models_their_indexes() {
        let models = FileFacts::collect(
            "from beanie import Document, Indexed\nfrom pymongo import IndexModel\n\nclass User(Document):\n    email: Indexed(str)\n    team: str\n    created: str\n    class Settings:\n        indexes = [IndexModel([(\"team\", 1), (\"created\", -1)])]\n",
            module("app.models"),
        );
        assert_eq!(models.classes[0].fields, ["email", "team", "created"]);
        assert_eq!(models.classes[0].indexed, ["email", "team"]);
        let routes = FileFacts::collect(
            "from app.models import User\n\nasync def f(soup, x):\n    soup.find(\"td\", {\"class\": x})\n    await User.find({\"team\": x, \"$or\": []}).sort(\"-created\", -User.email).to_list()\n    return x.get(\"name\")\n",
            module("app.routes"),
        );
        let index = ProjectIndex::from_facts([&models, &routes]);
        let queried: Vec<(&str, FieldUse, &str)> = index
            .queried_fields_of("app.models.User")
            .iter()
            .map(|q| (q.field.as_str(), q.used_as, q.at.as_str()))
            .collect();
        assert_eq!(
            queried,
            [
                ("created", FieldUse::Sort, "app.routes:5"),
                ("email", FieldUse::Sort, "app.routes:5"),
                ("team", FieldUse::Filter, "app.routes:5"),
            ]
        );
    }
}
