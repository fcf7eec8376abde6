//! The import table of one file: which local name stands for which qualified name, so codemods
//! match `import requests as rq; rq.get` and `from time import sleep; sleep` by meaning, never by text.

use crate::parse::walk_statements;
use crate::parse::NodeLookups;
use crate::semantic::import_sections::{imported_module, section_of, LeadingImport, Section};
use crate::syntax::{named_children, text};
use std::collections::{HashMap, HashSet};
use tree_sitter::{Node, Tree};

#[derive(Debug, Clone)]
pub struct ImportBinding {
    /// The name the import binds in the file (`rq` for `import requests as rq`).
    pub local: String,
    /// What it stands for (`requests`, `time.sleep`, `app.main.app`).
    pub qualified: String,
    /// The whole import statement.
    pub statement: (usize, usize),
    /// The `name` or `name as alias` clause inside the statement.
    pub clause: (usize, usize),
    pub top_level: bool,
    /// For `import a.b.c` (no alias): the whole dotted path, reachable through the head name.
    pub dotted: Option<String>,
}

#[derive(Debug, Default)]
pub struct ImportMap {
    pub bindings: Vec<ImportBinding>,
    by_local: HashMap<String, Vec<usize>>,
    /// Names also bound by a module-level def, class or assignment: not trusted as imports.
    shadowed: HashSet<String>,
    /// End of the last statement of the leading import block, where new definitions go.
    pub insertion_point: Option<usize>,
    /// The statements of the leading import block, in order.
    pub leading: Vec<LeadingImport>,
}

impl ImportMap {
    /// `module` is the file's own dotted module path, used to resolve relative imports.
    pub fn build(tree: &Tree, source: &str, module: &[String]) -> Self {
        Self::build_in_parts(tree, source, module, &[])
    }

    /// [`ImportMap::build`] for a tree of some parts of the file, without the module-level
    /// definitions `elided` (name and bytes): they bind their names, and the first of them ends
    /// the leading import block, as in the whole file.
    pub fn build_in_parts(
        tree: &Tree,
        source: &str,
        module: &[String],
        elided: &[(&str, std::ops::Range<usize>)],
    ) -> Self {
        let mut map = ImportMap::default();
        let root = tree.root_node();
        let top_level: Vec<usize> = named_children(root).iter().map(|n| n.id()).collect();
        walk_statements(root, |node| match node.kind_name() {
            "import_statement" | "import_from_statement" | "future_import_statement" => {
                map.add_statement(node, source, module, top_level.contains(&node.id()));
            }
            _ => {}
        });
        for (i, binding) in map.bindings.iter().enumerate() {
            map.by_local
                .entry(binding.local.clone())
                .or_default()
                .push(i);
        }
        let mut cursor = root.walk();
        for statement in root.named_children(&mut cursor) {
            collect_module_bindings(statement, source, &mut map.shadowed);
        }
        map.shadowed
            .extend(elided.iter().map(|(name, _)| name.to_string()));
        let block_before = elided.first().map_or(usize::MAX, |(_, bytes)| bytes.start);
        map.insertion_point = leading_import_block_end(root, block_before);
        map.leading = leading_imports(root, source, module, block_before);
        map
    }

    fn add_statement(&mut self, node: Node, source: &str, module: &[String], top_level: bool) {
        let statement = (node.start_byte(), node.end_byte());
        let from_module = node
            .field("module_name")
            .map(|m| resolve_module(m, source, module));
        if node.kind_name() == "future_import_statement" {
            return;
        }
        let mut cursor = node.walk();
        for clause in node.children_by_field_name("name", &mut cursor) {
            let (name_node, alias) = match clause.kind_name() {
                "aliased_import" => (
                    clause.field("name"),
                    clause.field("alias").map(|a| text(a, source).to_string()),
                ),
                _ => (Some(clause), None),
            };
            let Some(name_node) = name_node else { continue };
            let name = text(name_node, source);
            let dotted = (from_module.is_none() && !name.contains(' ')).then(|| name.to_string());
            let (local, qualified) = match (&from_module, alias) {
                (Some(Some(from)), alias) => (
                    alias.unwrap_or_else(|| name.to_string()),
                    format!("{from}.{name}"),
                ),
                (Some(None), _) => continue,
                // `import a.b` binds `a`; `import a.b as c` binds `c` to `a.b`.
                (None, Some(alias)) => (alias, name.to_string()),
                (None, None) => {
                    let head = name.split('.').next().unwrap_or(name).to_string();
                    (head.clone(), head)
                }
            };
            self.bindings.push(ImportBinding {
                local,
                qualified,
                statement,
                clause: (clause.start_byte(), clause.end_byte()),
                top_level,
                dotted: dotted.filter(|_| clause.kind_name() != "aliased_import"),
            });
        }
    }

    /// The qualified name a local name was imported as, if it is a trusted import.
    pub fn resolve(&self, local: &str) -> Option<&str> {
        if self.shadowed.contains(local) {
            return None;
        }
        let indices = self.by_local.get(local)?;
        let first = &self.bindings[indices[0]].qualified;
        // Conditional imports of one name must agree (`try: import ujson as json` is ambiguous).
        indices
            .iter()
            .all(|&i| &self.bindings[i].qualified == first)
            .then_some(first.as_str())
    }

    /// Whether a module-level import binds `local` (and it resolves): a name known at import
    /// time, unlike one imported inside a function.
    pub fn binds_at_top_level(&self, local: &str) -> bool {
        self.resolve(local).is_some()
            && self.by_local[local]
                .iter()
                .any(|&i| self.bindings[i].top_level)
    }

    /// An expression that reaches module `dotted` through a module-level import: `asyncio` for
    /// `import asyncio`, `aio` for `import asyncio as aio`, `http.cookiejar` for `import http.cookiejar`.
    pub fn access_path(&self, dotted: &str) -> Option<String> {
        self.bindings
            .iter()
            .filter(|b| b.top_level && self.resolve(&b.local) == Some(b.qualified.as_str()))
            .find_map(|b| {
                if b.qualified == dotted {
                    Some(b.local.clone())
                } else if b.dotted.as_deref() == Some(dotted) {
                    Some(dotted.to_string())
                } else {
                    None
                }
            })
    }

    /// Whether a module-level import binds `module` or a name from it.
    pub fn imports_at_top_level(&self, module: &str) -> bool {
        self.bindings
            .iter()
            .any(|b| b.top_level && is_within(&b.qualified, module))
    }

    /// Whether any import binds a name from `module` (`requests`, `requests.get`, …).
    pub fn imports_from(&self, module: &str) -> bool {
        self.bindings
            .iter()
            .any(|b| is_within(&b.qualified, module))
    }

    /// The end of the last name of a module-level `from module import a, b` (no aliases, no
    /// star), where another name can join it.
    pub fn from_import_end(&self, module: &str) -> Option<usize> {
        let statement = self.bindings.iter().find(|b| {
            b.top_level
                && b.dotted.is_none()
                && b.qualified
                    .rsplit_once('.')
                    .is_some_and(|(m, name)| m == module && name == b.local)
        })?;
        let clauses: Vec<&ImportBinding> = self
            .bindings
            .iter()
            .filter(|b| b.statement == statement.statement)
            .collect();
        let plain = clauses.iter().all(|b| {
            b.qualified
                .rsplit_once('.')
                .is_some_and(|(m, name)| m == module && name == b.local)
        });
        plain
            .then(|| clauses.iter().map(|b| b.clause.1).max())
            .flatten()
    }

    /// The names the module binds: imports and module-level definitions.
    pub fn bound_names(&self) -> impl Iterator<Item = &str> {
        self.by_local
            .keys()
            .chain(self.shadowed.iter())
            .map(String::as_str)
    }

    /// Whether `name` is bound anywhere in the module: an import or a module-level definition.
    pub fn is_bound(&self, name: &str) -> bool {
        self.by_local.contains_key(name) || self.shadowed.contains(name)
    }
}

/// `requests.exceptions.HTTPError` is within `requests`; `requestsx` is not.
pub fn is_within(qualified: &str, module: &str) -> bool {
    qualified == module
        || (qualified.starts_with(module) && qualified.as_bytes().get(module.len()) == Some(&b'.'))
}

fn resolve_module(node: Node, source: &str, module: &[String]) -> Option<String> {
    if node.kind_name() != "relative_import" {
        return Some(text(node, source).to_string());
    }
    let mut dots = 0;
    let mut rest = None;
    let mut cursor = node.walk();
    for child in node.children(&mut cursor) {
        match child.kind_name() {
            "import_prefix" => dots += text(child, source).len(),
            "dotted_name" => rest = Some(text(child, source)),
            _ => {}
        }
    }
    // `from . import x` in package `a.b.c` (module `c`) refers to `a.b`.
    if dots > module.len() {
        return None;
    }
    let mut parts: Vec<&str> = module[..module.len() - dots]
        .iter()
        .map(String::as_str)
        .collect();
    if let Some(rest) = rest {
        parts.push(rest);
    }
    (!parts.is_empty()).then(|| parts.join("."))
}

fn collect_module_bindings(statement: Node, source: &str, out: &mut HashSet<String>) {
    match statement.kind_name() {
        "function_definition" | "class_definition" => {
            if let Some(name) = statement.field("name") {
                out.insert(text(name, source).to_string());
            }
        }
        "decorated_definition" => {
            if let Some(def) = statement.field("definition") {
                collect_module_bindings(def, source, out);
            }
        }
        "expression_statement" => {
            let mut cursor = statement.walk();
            for child in statement.named_children(&mut cursor) {
                if matches!(child.kind_name(), "assignment" | "augmented_assignment") {
                    if let Some(left) = child.field("left") {
                        collect_target_names(left, source, out);
                    }
                }
            }
        }
        _ => {}
    }
}

/// Names bound by an assignment target (`a`, `a, b`, `[a, *b]`), not attributes or subscripts.
pub fn collect_target_names(target: Node, source: &str, out: &mut HashSet<String>) {
    let mut stack = vec![target];
    while let Some(node) = stack.pop() {
        match node.kind_name() {
            "identifier" => {
                out.insert(text(node, source).to_string());
            }
            "pattern_list"
            | "tuple_pattern"
            | "list_pattern"
            | "list_splat_pattern"
            | "tuple"
            | "list"
            | "parenthesized_expression"
            | "as_pattern_target" => {
                stack.extend(named_children(node));
            }
            _ => {}
        }
    }
}

/// End of the leading block of imports (after the docstring and `from __future__`), if any.
/// The end of the leading import block, which ends before `before` at the latest.
fn leading_import_block_end(root: Node, before: usize) -> Option<usize> {
    let mut end = None;
    let mut first_statement = true;
    let mut cursor = root.walk();
    for statement in root.named_children(&mut cursor) {
        if statement.start_byte() >= before {
            break;
        }
        match statement.kind_name() {
            "import_statement" | "import_from_statement" | "future_import_statement" => {
                end = Some(statement.end_byte())
            }
            "comment" => continue,
            // The docstring may follow a licence header of comments.
            "expression_statement" if first_statement && is_docstring(statement) => {
                end = Some(statement.end_byte())
            }
            _ => break,
        }
        first_statement = false;
    }
    end
}

/// The import statements of the leading block, each with its isort section. A blank line starts a
/// new group; a group is standard library when all of it is, first party when it imports the
/// file's own package or relatively, and otherwise third party if it is the first such group,
/// first party after it (isort's layout).
fn leading_imports(
    root: Node,
    source: &str,
    module: &[String],
    before: usize,
) -> Vec<LeadingImport> {
    let end = leading_import_block_end(root, before).unwrap_or(0);
    let statements: Vec<Node> = named_children(root)
        .into_iter()
        .take_while(|s| s.end_byte() <= end)
        .filter(|s| s.kind_name() != "comment" && !is_docstring(*s))
        .collect();
    // Each statement with its own section first; its group's section replaces it below.
    let mut groups: Vec<Vec<LeadingImport>> = Vec::new();
    let mut previous_end = None;
    for statement in statements {
        let Some((name, is_from)) = imported_module(statement, source) else {
            continue;
        };
        let own = |top: &str| {
            module[..module.len().saturating_sub(1)]
                .iter()
                .any(|m| m == top)
        };
        let top = name.split('.').next().unwrap_or(name);
        let section = match section_of(name) {
            Section::ThirdParty if own(top) => Section::FirstParty,
            section => section,
        };
        // A whole line between the two statements that is blank (the first piece ends the
        // previous statement's line, the last starts this one's).
        let blank_before = previous_end.is_some_and(|at: usize| {
            let between: Vec<&str> = source[at..statement.start_byte()].split('\n').collect();
            between.len() > 2
                && between[1..between.len() - 1]
                    .iter()
                    .any(|l| l.trim().is_empty())
        });
        if blank_before || groups.is_empty() {
            groups.push(Vec::new());
        }
        previous_end = Some(statement.end_byte());
        groups.last_mut().expect("a group").push(LeadingImport {
            start: statement.start_byte(),
            end: statement.end_byte(),
            section,
            sort_key: (is_from, name.to_ascii_lowercase()),
        });
    }
    let mut third_party_seen = false;
    let mut leading = Vec::new();
    for group in groups {
        let sections: Vec<Section> = group.iter().map(|l| l.section).collect();
        let section = if sections.iter().all(|s| *s <= Section::StandardLibrary) {
            *sections.iter().max().unwrap_or(&Section::StandardLibrary)
        } else if sections.contains(&Section::FirstParty) || third_party_seen {
            Section::FirstParty
        } else {
            third_party_seen = true;
            Section::ThirdParty
        };
        leading.extend(group.into_iter().map(|l| LeadingImport { section, ..l }));
    }
    leading
}

pub fn is_docstring(statement: Node) -> bool {
    statement.named_child_count() == 1
        && statement
            .named_child(0)
            .is_some_and(|c| c.kind_name() == "string")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    fn map(source: &str, module: &[&str]) -> ImportMap {
        let module: Vec<String> = module.iter().map(|s| s.to_string()).collect();
        ImportMap::build(&parse(source).unwrap(), source, &module)
    }

    #[test]
    fn resolves_aliases_and_from_imports() {
        let imports = map(
            "import requests as rq\nfrom time import sleep\nimport urllib.request\nfrom requests import get as http_get\n",
            &["app", "main"],
        );
        assert_eq!(imports.resolve("rq"), Some("requests"));
        assert_eq!(imports.resolve("sleep"), Some("time.sleep"));
        assert_eq!(imports.resolve("urllib"), Some("urllib"));
        assert_eq!(imports.resolve("http_get"), Some("requests.get"));
        assert_eq!(imports.resolve("requests"), None);
    }

    #[test]
    fn module_level_definitions_shadow_imports() {
        let imports = map(
            "from urllib.request import urlopen\ndef urlopen(url):\n    return url\n",
            &["m"],
        );
        assert_eq!(imports.resolve("urlopen"), None);
    }

    #[test]
    fn relative_imports_resolve_against_the_package() {
        let imports = map(
            "from ..main import app\nfrom . import deps\n",
            &["app", "routers", "items"],
        );
        assert_eq!(imports.resolve("app"), Some("app.main.app"));
        assert_eq!(imports.resolve("deps"), Some("app.routers.deps"));
    }

    #[test]
    fn insertion_point_follows_a_licence_header_and_docstring() {
        let source = "# Licensed under X.\n# See LICENSE.\n\"\"\"Doc.\"\"\"\n\nfrom __future__ import annotations\n\nx = 1\n";
        let imports = map(source, &["m"]);
        assert_eq!(
            imports.insertion_point,
            Some(source.find("annotations").unwrap() + 11)
        );
        let doc_only = "# Header.\n\"\"\"Doc.\"\"\"\nx = 1\n";
        assert_eq!(
            map(doc_only, &["m"]).insertion_point,
            Some(doc_only.find("x = 1").unwrap() - 1)
        );
    }

    #[test]
    fn insertion_point_follows_docstring_future_and_imports() {
        let source = "\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\nimport os\n\nX = 1\nimport late\n";
        let imports = map(source, &["m"]);
        assert_eq!(
            imports.insertion_point,
            Some(source.find("import os").unwrap() + 9)
        );
    }
}

#[cfg(test)]
mod section_tests {
    use super::*;
    use crate::parse::parse;

    #[test]
    fn leading_imports_fall_into_isorts_sections() {
        let source = "\"\"\"Doc.\"\"\"\nfrom __future__ import annotations\n\nimport json\n\nimport httpx\nfrom fastapi import FastAPI\n\nfrom app.models import Item\nfrom . import deps\n\nx = 1\nimport late\n";
        let map = ImportMap::build(
            &parse(source).unwrap(),
            source,
            &["app".into(), "main".into()],
        );
        let sections: Vec<Section> = map.leading.iter().map(|l| l.section).collect();
        assert_eq!(
            sections,
            [
                Section::Future,
                Section::StandardLibrary,
                Section::ThirdParty,
                Section::ThirdParty,
                Section::FirstParty,
                Section::FirstParty
            ]
        );
    }
}
