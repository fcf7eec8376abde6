//! The codemod interface: what a codemod declares about itself, and the context it reads the
//! file through and reports into.

use crate::diagnostic::Diagnostic;
use crate::fix::Fix;
use crate::parse::NodeLookups;
use crate::semantic::blocking::client_names;
use crate::semantic::fastapi::FastApiFacts;
use crate::semantic::imports::ImportMap;
use crate::semantic::project::ProjectIndex;
use crate::semantic::scope::{local_bindings, ExecScope, ScopeIndex};
use crate::semantic::unparsed::Unparsed;
use crate::settings::CodemodOptions;
use crate::source::{contains_literal, find_all, Stylist};
use crate::syntax::text;
use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::Range;
use tree_sitter::{Node, Tree};

/// Whether a codemod can fix what it finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FixAvailability {
    Never,
    Sometimes,
    Always,
}

pub struct CodemodMeta {
    pub code: &'static str,
    /// Kebab-case name of the anti-pattern (`blocking-sleep-in-async`).
    pub name: &'static str,
    pub summary: &'static str,
    /// Markdown with the sections What it does, Why is this slow?, Example, Use instead, Fix safety.
    pub docs: &'static str,
    pub fix: FixAvailability,
    /// Whether its fixes are safe, unsafe or depend on the shape (for the catalogue).
    pub safety: &'static str,
    /// Rank in a report's recommendations: 0 first (bugs), then blocking I/O, concurrency, …
    pub priority: u8,
    /// What fixing it changes, as the reports and pull requests say it; figures only where
    /// perfopt's own benchmarks or tests measured them.
    pub impact: &'static str,
    /// What a file must contain for this codemod to find anything: all of `requires`, and one
    /// of `gates`. Files that fail are never parsed for it.
    pub requires: &'static [&'static str],
    pub gates: &'static [Gate],
    /// What a `def` or `class` must mention for this codemod to find anything in it: one of
    /// these. The others are not parsed unless a codemod needs them (an empty list keeps all).
    pub mentions: &'static [Mention],
    /// The part of a file whose nodes `check` must see.
    pub scope: Scope,
}

/// Where a codemod looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Only `async def` functions (the definition node and everything inside it).
    AsyncFunctions,
    /// The whole module.
    Module,
}

/// A text test run before parsing: the file imports one of `imports` (a whole name on an
/// `import`/`from` line) and contains one of `literals`, and `shape` accepts its text. An empty
/// list or no `shape` sets no condition.
pub struct Gate {
    pub imports: &'static [&'static str],
    pub literals: &'static [&'static str],
    pub shape: Option<TextTest>,
}

impl Gate {
    /// A gate on imports only.
    pub const fn imports(imports: &'static [&'static str]) -> Gate {
        Gate {
            imports,
            literals: &[],
            shape: None,
        }
    }

    /// A gate on imports and literals.
    pub const fn imports_and(
        imports: &'static [&'static str],
        literals: &'static [&'static str],
    ) -> Gate {
        Gate {
            imports,
            literals,
            shape: None,
        }
    }

    /// Whether the scanned file passes the gate.
    pub fn passes(&self, scan: &Prescan) -> bool {
        (self.imports.is_empty()
            || self
                .imports
                .iter()
                .any(|module| contains_word(scan.import_lines(), module)))
            && (self.literals.is_empty() || self.literals.iter().any(|l| scan.contains(l)))
            && self.shape.is_none_or(|shape| scan.accepts(shape))
    }
}

/// A test on a text.
pub type TextTest = fn(&str) -> bool;

/// A file's text, and the answers of the text tests run on it before parsing, each found once:
/// the codemods' gates and the project index's needs ask the same questions (`async`, its import
/// lines, whether it may declare models) of the same text.
pub struct Prescan<'t> {
    pub text: &'t str,
    import_lines: OnceCell<String>,
    literals: RefCell<Vec<(&'static str, bool)>>,
    shapes: RefCell<Vec<(TextTest, bool)>>,
}

impl<'t> Prescan<'t> {
    pub fn new(text: &'t str) -> Self {
        Prescan {
            text,
            import_lines: OnceCell::new(),
            literals: RefCell::default(),
            shapes: RefCell::default(),
        }
    }

    /// Whether the text contains `literal` (see [`contains_literal`]).
    pub fn contains(&self, literal: &'static str) -> bool {
        let known = self
            .literals
            .borrow()
            .iter()
            .find(|(l, _)| *l == literal)
            .map(|&(_, found)| found);
        known.unwrap_or_else(|| {
            let found = contains_literal(self.text, literal);
            self.literals.borrow_mut().push((literal, found));
            found
        })
    }

    /// See [`import_lines`].
    pub fn import_lines(&self) -> &str {
        self.import_lines.get_or_init(|| import_lines(self.text))
    }

    /// Whether `shape` accepts the text.
    pub fn accepts(&self, shape: TextTest) -> bool {
        let known = self
            .shapes
            .borrow()
            .iter()
            .find(|(s, _)| std::ptr::fn_addr_eq(*s, shape))
            .map(|&(_, accepted)| accepted);
        known.unwrap_or_else(|| {
            let accepted = shape(self.text);
            self.shapes.borrow_mut().push((shape, accepted));
            accepted
        })
    }
}

/// The file's `import …` and `from … import` lines, joined: what `Gate::imports` looks at.
pub fn import_lines(source: &str) -> String {
    // Found from the keywords rather than by reading every line.
    let mut starts: Vec<usize> = find_all(source, "import ")
        .chain(find_all(source, "from "))
        .filter(|&at| {
            let line_start = source[..at].rfind('\n').map_or(0, |i| i + 1);
            source[line_start..at].trim_start().is_empty()
        })
        .collect();
    starts.sort_unstable();
    starts
        .iter()
        .map(|&at| source[at..].lines().next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Names the project index gives for a module.
pub type ProjectNames = fn(&ProjectIndex, &[String]) -> Vec<String>;

/// A text test on a statement (a `def` or `class` with its decorators, or a module-level
/// statement for a codemod with `Scope::Module`), run before parsing: it mentions what one of
/// `imports` is bound to, one of `words` or of the `names` the file gives, or `shape` accepts its
/// text. Mentions are looked for in the statement's code, without its comments and strings (but
/// f-strings): a name there is no reference (see [`code_only`](crate::outline::code_only)).
pub struct Mention {
    /// Qualified names resolved through the file's imports: `time.sleep` (mentioned as
    /// `time.sleep` after `import time`, or as `sleep` after `from time import sleep`), or a whole
    /// module, `requests`.
    pub imports: &'static [&'static str],
    /// Names that need no import: builtins (`open`), methods (`read_text`).
    pub words: &'static [&'static str],
    /// Names read from the whole file's text (PO302: the functions passed to `Depends`).
    pub names: Option<fn(&str) -> Vec<&str>>,
    /// Names the project index gives for the file's module (PO202: its queried models).
    pub project_names: Option<ProjectNames>,
    /// Whether naming a model class of the project counts, by the name the file binds it to
    /// (`Customer`, `models.Customer`, an alias).
    pub models: bool,
    pub shape: Option<TextTest>,
    /// Whether a module-level variable whose value starts with one of `imports` (`session =
    /// requests.Session()`) counts as a mention too: for codemods that follow such variables.
    pub through_variables: bool,
    /// What the mention names counts only in a statement whose text this accepts too.
    pub only_where: Option<TextTest>,
}

impl Mention {
    const NOTHING: Mention = Mention {
        imports: &[],
        words: &[],
        names: None,
        project_names: None,
        models: false,
        shape: None,
        through_variables: false,
        only_where: None,
    };

    pub const fn imports(imports: &'static [&'static str]) -> Mention {
        Mention {
            imports,
            ..Mention::NOTHING
        }
    }

    pub const fn words(words: &'static [&'static str]) -> Mention {
        Mention {
            words,
            ..Mention::NOTHING
        }
    }

    /// [`Mention::imports`], followed through module-level variables.
    pub const fn imports_and_variables(imports: &'static [&'static str]) -> Mention {
        Mention {
            imports,
            through_variables: true,
            ..Mention::NOTHING
        }
    }

    pub const fn names(names: fn(&str) -> Vec<&str>) -> Mention {
        Mention {
            names: Some(names),
            ..Mention::NOTHING
        }
    }

    pub const fn project_names(names: ProjectNames) -> Mention {
        Mention {
            project_names: Some(names),
            ..Mention::NOTHING
        }
    }

    /// [`Mention::models`]: the project's model classes.
    pub const fn models() -> Mention {
        Mention {
            models: true,
            ..Mention::NOTHING
        }
    }

    pub const fn shape(shape: TextTest) -> Mention {
        Mention {
            shape: Some(shape),
            ..Mention::NOTHING
        }
    }

    /// This mention, counted only in a statement whose text `test` accepts too (a model named
    /// in a statement that loads something).
    pub const fn only_where(self, test: TextTest) -> Mention {
        Mention {
            only_where: Some(test),
            ..self
        }
    }
}

/// `word` appears with no identifier character on either side (`time` in `import time`, not in
/// `from datetime import`).
pub fn contains_word(text: &str, word: &str) -> bool {
    crate::source::find_all(text, word).any(|at| is_whole_word(text, at..at + word.len()))
}

/// Whether `text[word]` has no identifier character on either side.
pub fn is_whole_word(text: &str, word: Range<usize>) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    !text[..word.start].chars().next_back().is_some_and(is_ident)
        && !text[word.end..].chars().next().is_some_and(is_ident)
}

pub trait Codemod: Sync {
    fn meta(&self) -> &'static CodemodMeta;
    /// The node kinds `check` wants to see.
    fn node_kinds(&self) -> &'static [&'static str];
    fn check(&self, node: Node<'_>, cx: &mut Context<'_>);
}

/// Everything known about one parsed file, shared by all codemods.
pub struct FileContext<'a> {
    pub source: &'a str,
    pub tree: &'a Tree,
    pub imports: ImportMap,
    pub stylist: Stylist,
    fastapi: OnceCell<FastApiFacts>,
    pub scopes: ScopeIndex<'a>,
    pub project: &'a ProjectIndex,
    /// The file's dotted module path (`["app", "main"]`).
    pub module: &'a [String],
    pub options: &'a CodemodOptions,
    /// Codes enabled for this run, for codemods that defer to one another.
    pub enabled: &'a BTreeSet<&'static str>,
    /// The text the tree leaves out, when it holds only some parts of the file.
    pub unparsed: Unparsed<'a>,
    locals: RefCell<HashMap<usize, HashSet<String>>>,
    /// The names bound to an HTTP client, by scope: computed once per scope, so that most
    /// method calls (`d.get(...)`) need no look at the scope's bindings.
    clients: RefCell<HashMap<usize, HashSet<String>>>,
}

impl<'a> FileContext<'a> {
    /// `elided`: the module-level definitions a tree of some parts of the file leaves out.
    pub fn new(
        source: &'a str,
        tree: &'a Tree,
        elided: &[(&'a str, Range<usize>)],
        module: &'a [String],
        project: &'a ProjectIndex,
        options: &'a CodemodOptions,
        enabled: &'a BTreeSet<&'static str>,
    ) -> Self {
        let unparsed = Unparsed::of(tree, source, elided);
        let imports = ImportMap::build_in_parts(tree, source, module, elided);
        // Read from the text: the tree may be of some parts of the file only.
        let stylist = Stylist::detect(source);
        FileContext {
            source,
            tree,
            imports,
            stylist,
            fastapi: OnceCell::new(),
            scopes: ScopeIndex::build(tree.root_node(), source),
            project,
            module,
            options,
            enabled,
            unparsed,
            locals: RefCell::new(HashMap::new()),
            clients: RefCell::new(HashMap::new()),
        }
    }

    /// The module-level `def`s and `class`es (decorated or not) in order, with their bytes: the
    /// tree's, and those of the text it leaves out.
    pub fn module_definitions(&self) -> Vec<(&'a str, Range<usize>)> {
        let mut definitions: Vec<(&'a str, Range<usize>)> =
            crate::syntax::named_children(self.tree.root_node())
                .into_iter()
                .filter_map(|statement| {
                    let definition = match statement.kind_name() {
                        "decorated_definition" => statement.field("definition")?,
                        _ => statement,
                    };
                    if !matches!(
                        definition.kind_name(),
                        "function_definition" | "class_definition"
                    ) {
                        return None;
                    }
                    let name = text(definition.field("name")?, self.source);
                    Some((name, statement.byte_range()))
                })
                .collect();
        definitions.extend(self.unparsed.definitions.iter().cloned());
        definitions.sort_by_key(|(_, bytes)| bytes.start);
        definitions
    }

    /// Whether `scope` (a function body, or the module) binds `name` last to an HTTP client.
    pub fn binds_client(&self, scope: Node, name: &str) -> bool {
        if let Some(names) = self.clients.borrow().get(&scope.id()) {
            return names.contains(name);
        }
        let names = client_names(scope, self);
        let binds = names.contains(name);
        self.clients.borrow_mut().insert(scope.id(), names);
        binds
    }

    /// Routes, computed the first time a codemod asks.
    pub fn fastapi(&self) -> &FastApiFacts {
        self.fastapi.get_or_init(|| {
            FastApiFacts::build(self.tree, self.source, &self.imports, self.project)
        })
    }

    pub fn text(&self, node: Node) -> &'a str {
        text(node, self.source)
    }

    /// Whether `name` is bound locally in a function whose body runs `node`, or any function around it.
    pub fn is_local_name(&self, node: Node, name: &str) -> bool {
        let mut current = node;
        while let ExecScope::Function(function) = self.scopes.scope_of(current) {
            let bound = self
                .locals
                .borrow_mut()
                .entry(function.start_byte())
                .or_insert_with(|| local_bindings(function, self.source))
                .contains(name);
            if bound {
                return true;
            }
            current = function;
        }
        false
    }

    /// The qualified name an expression refers to through the file's imports
    /// (`rq.get` → `requests.get`), unless a local binding shadows its head.
    pub fn qualified_name(&self, expr: Node) -> Option<String> {
        match expr.kind_name() {
            "identifier" => {
                let name = self.text(expr);
                let qualified = self.imports.resolve(name)?;
                (!self.is_local_name(expr, name)).then(|| qualified.to_string())
            }
            "attribute" => {
                let object = expr.field("object")?;
                let attribute = expr.field("attribute")?;
                Some(format!(
                    "{}.{}",
                    self.qualified_name(object)?,
                    self.text(attribute)
                ))
            }
            _ => None,
        }
    }

    /// The qualified name of a call's callee.
    pub fn callee(&self, call: Node) -> Option<String> {
        self.qualified_name(call.field("function")?)
    }
}

/// A codemod's view while checking: the file, plus where to put what it finds.
pub struct Context<'a> {
    pub file: &'a FileContext<'a>,
    meta: &'static CodemodMeta,
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> Context<'a> {
    pub fn new(file: &'a FileContext<'a>, meta: &'static CodemodMeta) -> Self {
        Context {
            file,
            meta,
            diagnostics: Vec::new(),
        }
    }

    pub fn switch_to(&mut self, meta: &'static CodemodMeta) {
        self.meta = meta;
    }

    /// Reports a finding on `node`; the caller attaches a fix or a note to the returned diagnostic.
    pub fn report(&mut self, node: Node, message: impl Into<String>) -> &mut Diagnostic {
        self.diagnostics.push(Diagnostic {
            code: self.meta.code,
            name: self.meta.name,
            message: message.into(),
            start: node.start_byte(),
            end: node.end_byte(),
            fix: None,
            note: None,
        });
        self.diagnostics.last_mut().expect("just pushed")
    }
}

impl Diagnostic {
    /// Attaches a fix, or a note saying why there is none.
    pub fn with_fix(&mut self, fix: Result<Fix, String>) -> &mut Self {
        match fix {
            Ok(fix) => self.fix = Some(fix),
            Err(reason) => self.note = Some(reason),
        }
        self
    }

    pub fn with_note(&mut self, note: impl Into<String>) -> &mut Self {
        self.note = Some(note.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gates_look_for_whole_module_names_on_import_lines() {
        let gate = Gate::imports_and(&["time"], &["sleep"]);
        let passes = |source: &str| gate.passes(&Prescan::new(source));
        assert!(!passes("from datetime import datetime\nx = 'time.sleep'\n"));
        assert!(passes("import os\n    from time import sleep as pause\n"));
        assert!(!passes("import time\nx = time.time()\n"), "both must hold");
        let builtin = Gate::imports_and(&[], &["open("]);
        assert!(builtin.passes(&Prescan::new("with open(p) as f: pass\n")));
    }

    #[test]
    fn a_prescan_answers_each_question_once() {
        let scan = Prescan::new("import time\ntime.sleep(1)\n");
        assert!(scan.contains("sleep(") && !scan.contains("async"));
        assert!(scan.contains("sleep(") && !scan.contains("async"));
        assert_eq!(scan.literals.borrow().len(), 2);
        fn short(text: &str) -> bool {
            text.len() < 100
        }
        assert!(scan.accepts(short) && scan.accepts(short));
        assert_eq!(scan.shapes.borrow().len(), 1);
        assert_eq!(scan.import_lines(), "import time");
    }
}
