//! Adding what new code needs at module level: imports (reused when present, placed after the
//! docstring, `from __future__` and the leading import block) and module-level definitions.
//! Everything one fix adds goes into a single insertion edit, so its pieces keep their order.

use crate::codemod::FileContext;
use crate::fix::Edit;
use crate::parse::walk_tree;
use crate::parse::NodeLookups;
use crate::semantic::import_sections::{section_of, written_module, LeadingImport, Section};
use crate::source::{line_end_at, line_start_at};
use crate::syntax::{named_children, text};
use std::collections::BTreeMap;

/// What one fix adds at the top of a module, built up and then turned into one edit.
pub struct ModuleAdditions<'a> {
    file: &'a FileContext<'a>,
    imports: Vec<String>,
    definitions: Vec<String>,
    /// Names added to an existing `from module import …`: the offset after its last name, and
    /// the names.
    extensions: BTreeMap<usize, Vec<String>>,
}

impl<'a> ModuleAdditions<'a> {
    pub fn new(file: &'a FileContext<'a>) -> Self {
        ModuleAdditions {
            file,
            imports: Vec::new(),
            definitions: Vec::new(),
            extensions: BTreeMap::new(),
        }
    }

    /// The expression that names module `dotted` (`asyncio`, `http.cookiejar`) in this file,
    /// adding `import dotted` (or `import dotted as alias` when its head name is taken).
    pub fn module(&mut self, dotted: &str) -> String {
        let imports = &self.file.imports;
        if let Some(path) = imports.access_path(dotted) {
            return path;
        }
        let head = dotted.split('.').next().unwrap_or(dotted);
        let (statement, path) = if !imports.is_bound(head) || imports.resolve(head) == Some(head) {
            (format!("import {dotted}"), dotted.to_string())
        } else {
            let alias = unique_name(self.file, &dotted.replace('.', "_"));
            (format!("import {dotted} as {alias}"), alias)
        };
        if !self.imports.contains(&statement) {
            self.imports.push(statement);
        }
        path
    }

    /// The name that refers to `module.member` in this file (`alru_cache`), adding
    /// `from module import member` (aliased when the name is taken by something else).
    pub fn member(&mut self, module: &str, member: &str) -> String {
        let qualified = format!("{module}.{member}");
        if let Some(local) = self.file.imports.access_path(&qualified) {
            return local;
        }
        if !self.file.imports.is_bound(member) {
            // `from fastapi import Depends` gains `, Query` rather than a second statement.
            if let Some(after_last_name) = self.file.imports.from_import_end(module) {
                let names = self.extensions.entry(after_last_name).or_default();
                if !names.iter().any(|n| n == member) {
                    names.push(member.to_string());
                }
                return member.to_string();
            }
        }
        let (statement, local) = if self.file.imports.is_bound(member) {
            let alias = unique_name(self.file, &format!("{member}_"));
            (format!("from {module} import {member} as {alias}"), alias)
        } else {
            (format!("from {module} import {member}"), member.to_string())
        };
        if !self.imports.contains(&statement) {
            self.imports.push(statement);
        }
        local
    }

    /// Adds a module-level definition (`lines` joined with the file's line ending).
    pub fn define(&mut self, lines: &[String]) {
        self.definitions
            .push(lines.join(self.file.stylist.line_ending));
    }

    /// The insertion edits: each import in its isort section of the leading import block (in
    /// order inside it, or as a new section in its place), the definitions after the block.
    pub fn into_edit(self) -> Vec<Edit> {
        let mut edits: Vec<Edit> = self
            .extensions
            .iter()
            .map(|(&at, names)| Edit::insert(at, format!(", {}", names.join(", "))))
            .collect();
        edits.extend(self.insertions());
        edits
    }

    fn insertions(&self) -> Vec<Edit> {
        if self.imports.is_empty() && self.definitions.is_empty() {
            return Vec::new();
        }
        let le = self.file.stylist.line_ending;
        let source = self.file.source;
        let Some(point) = self.file.imports.insertion_point else {
            // No imports yet: at the top, after leading comments (shebang, encoding, licence).
            let at = after_leading_comments(self.file);
            let mut content = String::new();
            for import in &self.imports {
                content.push_str(import);
                content.push_str(le);
            }
            for definition in &self.definitions {
                content.push_str(le);
                content.push_str(definition);
                content.push_str(le);
            }
            content.push_str(le);
            return vec![Edit::insert(at, content)];
        };
        let block_end = line_end_at(source, point);
        let mut placed: BTreeMap<usize, Vec<Placed>> = BTreeMap::new();
        for import in &self.imports {
            let (at, entry) = self.placement(import, block_end);
            placed.entry(at).or_default().push(entry);
        }
        placed.entry(block_end).or_default();
        placed
            .into_iter()
            .filter_map(|(at, mut entries)| {
                entries.sort_by(|a, b| (a.section, &a.key).cmp(&(b.section, &b.key)));
                let mut content = String::new();
                let at_line_start = at == 0 || source.as_bytes()[at - 1] == b'\n';
                if at_line_start {
                    // Before a statement: new sections (each closed by a blank line), then
                    // imports that join the statement's section.
                    for (i, entry) in entries.iter().enumerate() {
                        content.push_str(&entry.text);
                        content.push_str(le);
                        let next = entries.get(i + 1);
                        if entry.new_section && next.is_none_or(|n| n.section != entry.section) {
                            content.push_str(le);
                        }
                    }
                } else {
                    // After a statement: imports of its section, then new sections.
                    let mut previous = None;
                    for entry in entries.iter().filter(|e| !e.new_section) {
                        content.push_str(le);
                        content.push_str(&entry.text);
                        previous = Some(entry.section);
                    }
                    for entry in entries.iter().filter(|e| e.new_section) {
                        if previous != Some(entry.section) {
                            content.push_str(le);
                        }
                        content.push_str(le);
                        content.push_str(&entry.text);
                        previous = Some(entry.section);
                    }
                }
                if at == block_end {
                    content.push_str(&self.definitions_text(block_end));
                }
                (!content.is_empty()).then(|| Edit::insert(at, content))
            })
            .collect()
    }

    /// Where `import` goes: `(offset, entry)`, the offset being a line start (before a statement)
    /// or a line end (after one).
    fn placement(&self, import: &str, block_end: usize) -> (usize, Placed) {
        let source = self.file.source;
        let (module, is_from) = written_module(import);
        let section = section_of(module);
        let key = (is_from, module.to_ascii_lowercase());
        let leading = &self.file.imports.leading;
        let entry = |new_section| Placed {
            section,
            key: key.clone(),
            text: import.to_string(),
            new_section,
        };
        let same: Vec<&LeadingImport> = leading.iter().filter(|l| l.section == section).collect();
        if let Some(last) = same.last() {
            return match same.iter().find(|l| l.sort_key > key) {
                Some(next) => (line_start_at(source, next.start), entry(false)),
                None => (line_end_at(source, last.end), entry(false)),
            };
        }
        match leading.iter().find(|l| l.section > section) {
            Some(next) => (line_start_at(source, next.start), entry(true)),
            None => (
                leading
                    .last()
                    .map_or(block_end, |l| line_end_at(source, l.end)),
                entry(true),
            ),
        }
    }

    /// The definitions, each after a blank line, and enough blank lines after them.
    fn definitions_text(&self, at: usize) -> String {
        let le = self.file.stylist.line_ending;
        let source = self.file.source;
        let mut content = String::new();
        for definition in &self.definitions {
            content.push_str(le);
            content.push_str(le);
            content.push_str(definition);
        }
        if !self.definitions.is_empty() && !source[at..].trim().is_empty() {
            // Two blank lines between the definitions and the code that follows, counting the
            // blank lines already there.
            let blank_after = source[at..]
                .split('\n')
                .skip(1)
                .take_while(|line| line.trim().is_empty())
                .count()
                .min(2);
            for _ in blank_after..2 {
                content.push_str(le);
            }
        }
        content
    }
}

/// An import placed at one offset.
struct Placed {
    section: Section,
    key: (bool, String),
    text: String,
    /// The file has no import of its section yet.
    new_section: bool,
}

/// The name of a module-level definition or assignment named `base…` whose text contains `marker`:
/// a definition an earlier fix wrote.
pub fn existing_definition(file: &FileContext, base: &str, marker: &str) -> Option<String> {
    let assignment = named_children(file.tree.root_node())
        .into_iter()
        .find_map(|statement| {
            let assigned = statement
                .named_child(0)
                .filter(|a| {
                    statement.kind_name() == "expression_statement" && a.kind_name() == "assignment"
                })
                .and_then(|a| a.field("left"))?;
            let name = file.text(assigned);
            (name.starts_with(base) && file.text(statement).contains(marker))
                .then(|| (statement.start_byte(), name))
        });
    // Those the tree leaves out too.
    let definition = file
        .module_definitions()
        .into_iter()
        .find(|(name, bytes)| name.starts_with(base) && file.source[bytes.clone()].contains(marker))
        .map(|(name, bytes)| (bytes.start, name));
    [assignment, definition]
        .into_iter()
        .flatten()
        .min_by_key(|(start, _)| *start)
        .map(|(_, name)| name.to_string())
}

/// A name not bound anywhere in the file: `base`, else `base_1`, `base_2`, …
pub fn unique_name(file: &FileContext, base: &str) -> String {
    let taken = |name: &str| file.imports.is_bound(name) || identifier_used(file, name);
    if !taken(base) {
        return base.to_string();
    }
    (1..)
        .map(|i| format!("{base}_{i}"))
        .find(|name| !taken(name))
        .expect("an unused name exists")
}

fn identifier_used(file: &FileContext, name: &str) -> bool {
    if !file.source.contains(name) {
        return false;
    }
    let mut used = file.unparsed.uses(name) > 0;
    walk_tree(file.tree.root_node(), |node| {
        used |= node.kind_name() == "identifier" && text(node, file.source) == name;
    });
    used
}

fn after_leading_comments(file: &FileContext) -> usize {
    let root = file.tree.root_node();
    let mut cursor = root.walk();
    let mut at = 0;
    for child in root.named_children(&mut cursor) {
        if child.kind_name() != "comment" {
            break;
        }
        // The start of the next line (a comment node may end with the `\r` of a CRLF).
        at = file.source[child.end_byte()..]
            .find('\n')
            .map_or(file.source.len(), |i| child.end_byte() + i + 1);
    }
    at
}

/// The safe fix that runs a blocking call in a worker thread (`await asyncio.to_thread(f, …)`),
/// or why there is none: PO105 makes the handler a plain `def` instead, or the call sits in a
/// generator expression.
pub fn to_thread_fix(
    call: tree_sitter::Node,
    function: tree_sitter::Node,
    file: &FileContext,
) -> Result<crate::fix::Fix, String> {
    use crate::edits::builders::{await_blocker, call_in_thread};
    if crate::semantic::asyncness::handled_by_drop_async(function, file) {
        return Err("PO105 makes this handler a plain `def` instead".into());
    }
    if let Some(reason) = await_blocker(call, function) {
        return Err(reason.into());
    }
    let mut additions = ModuleAdditions::new(file);
    let asyncio = additions.module("asyncio");
    let mut edits = call_in_thread(call, file.source, &format!("{asyncio}.to_thread"))
        .ok_or("the call's arguments are not a plain argument list")?;
    edits.extend(additions.into_edit());
    Ok(crate::fix::Fix::safe(
        "Run it in a thread with `await asyncio.to_thread(...)`",
        edits,
    ))
}
