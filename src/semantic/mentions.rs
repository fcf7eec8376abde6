//! Which statements of a file can hold a finding, read from the text before parsing: the
//! [`Mention`](crate::codemod::Mention)s of the candidate codemods, resolved through the imports the text shows. A
//! statement that mentions nothing a codemod looks for cannot hold its finding, so the parser
//! may skip it (see `skeleton`).

use crate::codemod::{Codemod, Scope, TextTest};
use crate::outline::{code_tokens, Kind, Outline, Statement};
use crate::semantic::imports::is_within;
use crate::semantic::project::ProjectIndex;
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;

/// What one codemod looks for in this file.
struct Wanted {
    /// Ids of the patterns it looks for.
    patterns: Vec<usize>,
    /// Those it follows through module-level variables.
    followed: Vec<usize>,
    /// Patterns that count only in a statement the test accepts (see `Mention::only_where`).
    guarded: Vec<(Vec<usize>, TextTest)>,
    shapes: Vec<TextTest>,
    /// It declares no mentions: anything can hold its finding.
    anything: bool,
    scope: Scope,
}

pub struct Relevance<'o> {
    /// The file's code (see [`code_only`](crate::outline::code_only)): mentions are found there.
    code: &'o str,
    /// How many patterns there are: names, or dotted paths (`time.sleep`); the first is `async`.
    patterns: usize,
    /// Where each pattern occurs: (byte offset, pattern id), in order.
    occurrences: Vec<(usize, usize)>,
    wanted: Vec<Wanted>,
    /// Lines with an import of something a codemod resolves (a target, or a FastAPI app or
    /// router of the project), in order.
    resolved_imports: Vec<usize>,
}

const ASYNC: usize = 0;

impl<'o> Relevance<'o> {
    /// `module` is the file's dotted module path, for relative imports; `code` is the outline's
    /// source without its strings and comments.
    pub fn new(
        outline: &Outline,
        code: &'o str,
        codemods: &[&dyn Codemod],
        module: &[String],
        project: &ProjectIndex,
    ) -> Self {
        assert!(
            codemods.len() <= 64,
            "`holders` has a bit for each candidate codemod"
        );
        let source = outline.source;
        let bindings = text_imports(outline, module);
        let mut resolved_imports: Vec<usize> = bindings
            .iter()
            .filter(|b| project.is_app_object(&b.qualified))
            .map(|b| b.line)
            .collect();
        // A target is reached only through a binding of the same top-level name (see
        // `mentioned_path`): the bindings by that name, in order.
        let mut bindings_by_root: HashMap<&str, Vec<&TextBinding>> = HashMap::new();
        for binding in &bindings {
            bindings_by_root
                .entry(root_name(&binding.qualified))
                .or_default()
                .push(binding);
        }
        let mut patterns = Patterns::default();
        patterns.id(&["async"]);
        let mut wanted: Vec<Wanted> = codemods
            .iter()
            .map(|codemod| {
                let meta = codemod.meta();
                let (mut all_ids, mut followed, mut guarded) = (Vec::new(), Vec::new(), Vec::new());
                for mention in meta.mentions {
                    let mut ids = Vec::new();
                    ids.extend(mention.words.iter().map(|w| patterns.id(&[w])));
                    for name in mention.names.map_or(Vec::new(), |names| names(source)) {
                        ids.push(patterns.id(&[name]));
                    }
                    if mention.models {
                        for name in project.models_of(&module.join(".")) {
                            ids.push(patterns.id(&[name]));
                        }
                        // Imported: `Customer`, `m.Customer` after `import app.models as m`;
                        // only an import of a model or of a module above one can be.
                        let parts = project.model_name_parts();
                        let may_name_a_model = |b: &&TextBinding| {
                            parts.contains(b.qualified.rsplit('.').next().unwrap_or_default())
                        };
                        let model_imports: Vec<&TextBinding> =
                            bindings.iter().filter(may_name_a_model).collect();
                        for model in project.qualified_models() {
                            for binding in &model_imports {
                                if let Some(path) =
                                    mentioned_model_path(&binding.local, &binding.qualified, model)
                                {
                                    ids.push(patterns.id(&path));
                                    resolved_imports.push(binding.line);
                                }
                            }
                        }
                    }
                    if let Some(names) = mention.project_names {
                        for name in names(project, module) {
                            ids.push(patterns.id(&[&name]));
                        }
                    }
                    for target in mention.imports {
                        let reaching = bindings_by_root.get(root_name(target));
                        for binding in reaching.into_iter().flatten() {
                            if let Some(path) =
                                mentioned_path(&binding.local, &binding.qualified, target)
                            {
                                let id = patterns.id(&path);
                                ids.push(id);
                                if mention.through_variables {
                                    followed.push(id);
                                }
                                resolved_imports.push(binding.line);
                            }
                        }
                    }
                    match mention.only_where {
                        Some(test) => guarded.push((ids, test)),
                        None => all_ids.extend(ids),
                    }
                }
                Wanted {
                    patterns: all_ids,
                    followed,
                    guarded,
                    shapes: meta.mentions.iter().filter_map(|m| m.shape).collect(),
                    anything: meta.mentions.is_empty(),
                    scope: meta.scope,
                }
            })
            .collect();
        // A module-level variable whose value starts with what a codemod follows
        // (`session = requests.Session()`) becomes a mention of it too, to a fixpoint.
        let follows_variables = wanted.iter().any(|w| !w.followed.is_empty());
        let assignments = match follows_variables {
            true => module_assignments(outline),
            false => Vec::new(),
        };
        let occurrences = loop {
            let occurrences = patterns.occurrences(code);
            let mut grown = false;
            for wanted in wanted.iter_mut().filter(|w| !w.followed.is_empty()) {
                for assignment in &assignments {
                    let at = occurrences.partition_point(|&(at, _)| at < assignment.value);
                    let follows = occurrences[at..]
                        .iter()
                        .take_while(|(at, _)| *at == assignment.value)
                        .any(|(_, id)| wanted.followed.contains(id));
                    for target in assignment.targets.iter().filter(|_| follows) {
                        let id = patterns.id(&[target]);
                        if !wanted.followed.contains(&id) {
                            wanted.patterns.push(id);
                            wanted.followed.push(id);
                            grown = true;
                        }
                    }
                }
            }
            if !grown {
                break occurrences;
            }
        };
        resolved_imports.sort_unstable();
        Relevance {
            code,
            patterns: patterns.list.len(),
            occurrences,
            wanted,
            resolved_imports,
        }
    }

    /// Which candidate codemods (bit `i` for the `i`th) can find something in the bytes of a
    /// statement (or its header). Codemods that look only in `async def`s need an `async` there.
    pub fn holders(&self, range: Range<usize>) -> u64 {
        let mut present = vec![false; self.patterns];
        for &(_, id) in within(&self.occurrences, range.clone()) {
            present[id] = true;
        }
        let text = &self.code[range];
        let mut holders = 0;
        for (i, wanted) in self.wanted.iter().enumerate() {
            let in_scope = wanted.scope == Scope::Module || present[ASYNC];
            let holds = in_scope
                && (wanted.anything
                    || wanted.patterns.iter().any(|&id| present[id])
                    || wanted.shapes.iter().any(|shape| shape(text))
                    || wanted
                        .guarded
                        .iter()
                        .any(|(ids, test)| ids.iter().any(|&id| present[id]) && test(text)));
            holders |= u64::from(holds) << i;
        }
        holders
    }

    /// Whether a statement imports something a codemod resolves. The import table is the whole
    /// file's (an import in one function binds the name in all), so such a statement is parsed
    /// wherever it is; other imports can only make a name ambiguous, hiding findings.
    pub fn imports_resolved_names(&self, statement: Statement) -> bool {
        let first = self
            .resolved_imports
            .partition_point(|&line| line < statement.first);
        self.resolved_imports
            .get(first)
            .is_some_and(|&line| line < statement.end)
    }
}

/// The occurrences that start in `range`.
fn within(occurrences: &[(usize, usize)], range: Range<usize>) -> &[(usize, usize)] {
    let first = occurrences.partition_point(|&(at, _)| at < range.start);
    let last = occurrences.partition_point(|&(at, _)| at < range.end);
    &occurrences[first..last]
}

/// [`mentioned_path`] for a model class of the project, whose module may be rooted higher than
/// the import names it (`src.app.models.User`, imported as `app.models.User`), as
/// [`same_object`](crate::semantic::project::same_object) allows.
fn mentioned_model_path<'a>(
    local: &'a str,
    qualified: &str,
    model: &'a str,
) -> Option<Vec<&'a str>> {
    let head = qualified.split('.').next()?;
    let lower_roots = model.match_indices('.').map(|(at, _)| &model[at + 1..]);
    std::iter::once(model)
        .chain(lower_roots.filter(|rest| {
            rest.strip_prefix(head)
                .is_some_and(|after| after.is_empty() || after.starts_with('.'))
        }))
        .find_map(|target| mentioned_path(local, qualified, target))
}

/// `app` of `app.models.User`.
fn root_name(qualified: &str) -> &str {
    qualified.split('.').next().unwrap_or(qualified)
}

/// The path a statement must mention to reach `target` through the import binding `local` →
/// `qualified`: `local` alone when it stands for the target or something in it, `local` and the
/// rest of the path when it stands for a module above it (`time.sleep` through `import time`).
fn mentioned_path<'a>(local: &'a str, qualified: &str, target: &'a str) -> Option<Vec<&'a str>> {
    if is_within(qualified, target) {
        Some(vec![local])
    } else if is_within(target, qualified) {
        let rest = &target[qualified.len() + 1..];
        Some(std::iter::once(local).chain(rest.split('.')).collect())
    } else {
        None
    }
}

/// Patterns: names, or dotted paths of names, each with an id.
#[derive(Default)]
struct Patterns {
    list: Vec<Vec<String>>,
    ids: HashMap<Vec<String>, usize>,
}

impl Patterns {
    fn id(&mut self, path: &[&str]) -> usize {
        let path: Vec<String> = path.iter().map(|w| w.to_string()).collect();
        if let Some(&id) = self.ids.get(&path) {
            return id;
        }
        self.list.push(path.clone());
        self.ids.insert(path, self.list.len() - 1);
        self.list.len() - 1
    }

    /// Where each pattern occurs in `text`: its names as whole words (no identifier character on
    /// either side), joined by dots (with blanks, line continuations or comments around them).
    fn occurrences(&self, text: &str) -> Vec<(usize, usize)> {
        let mut words: Vec<&str> = self.list.iter().flatten().map(String::as_str).collect();
        words.sort_unstable();
        words.dedup();
        let automaton = automaton_of(&words);
        let bytes = text.as_bytes();
        // A non-ASCII neighbour may be a blank to the parser (a byte-order mark): not a name.
        let is_name = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        // (start, end, word index).
        let hits: Vec<(usize, usize, usize)> = automaton
            .find_iter(text)
            .filter(|m| {
                let before = m.start().checked_sub(1).map(|i| bytes[i]);
                !before.is_some_and(is_name) && !bytes.get(m.end()).copied().is_some_and(is_name)
            })
            .map(|m| (m.start(), m.end(), m.pattern().as_usize()))
            .collect();
        let word_index = |word: &str| words.binary_search(&word).expect("every word is listed");
        // The patterns by their first word, and their words.
        let mut starting: Vec<Vec<usize>> = vec![Vec::new(); words.len()];
        let paths: Vec<Vec<usize>> = self
            .list
            .iter()
            .map(|path| path.iter().map(|word| word_index(word)).collect())
            .collect();
        for (id, path) in paths.iter().enumerate() {
            starting[path[0]].push(id);
        }
        let mut occurrences = Vec::new();
        for (i, &(start, _, word)) in hits.iter().enumerate() {
            for &id in &starting[word] {
                let follows = |(k, part): (usize, &usize)| {
                    hits.get(i + k).is_some_and(|&(next, _, found)| {
                        found == *part && is_attribute_dot(&text[hits[i + k - 1].1..next])
                    })
                };
                if paths[id].iter().enumerate().skip(1).all(follows) {
                    occurrences.push((start, id));
                }
            }
        }
        occurrences
    }
}

/// An automaton that finds `words` (sorted, each once), leftmost-longest. Files with the same
/// candidate codemods and imports look for the same words: the automata a thread built last are
/// kept, by their words.
fn automaton_of(words: &[&str]) -> AhoCorasick {
    thread_local! {
        static BUILT: RefCell<HashMap<String, AhoCorasick>> = RefCell::default();
    }
    let key = words.join("\n");
    BUILT.with(|built| {
        let mut built = built.borrow_mut();
        if let Some(automaton) = built.get(&key) {
            return automaton.clone();
        }
        // A contiguous NFA is built faster than a DFA, which a search of one file does not repay.
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .build(words)
            .expect("a few short words make a small automaton");
        if built.len() >= 256 {
            built.clear();
        }
        built.insert(key, automaton.clone());
        automaton
    })
}

/// Whether the text between two names joins them as an attribute access: one `.`, and around
/// it only blanks, line continuations and comments.
fn is_attribute_dot(gap: &str) -> bool {
    let mut dots = 0;
    let mut rest = gap;
    while let Some(c) = rest.chars().next() {
        match c {
            '.' => dots += 1,
            '#' => {
                rest = rest.split_once('\n').map_or("", |(_, after)| after);
                continue;
            }
            c if c.is_whitespace() || c == '\\' => {}
            _ => return false,
        }
        rest = &rest[c.len_utf8()..];
    }
    dots == 1
}

/// The module-level assignments.
fn module_assignments<'s>(outline: &Outline<'s>) -> Vec<Assignment<'s>> {
    outline
        .statements(0..outline.lines.len())
        .into_iter()
        .filter(|s| outline.kind(*s) == Kind::Other && !outline.opens_block(*s))
        .filter_map(|s| Assignment::read(outline.text(s), outline.bytes(s).start))
        .filter(|assignment| !assignment.targets.is_empty())
        .collect()
}

/// A module-level assignment: the names it assigns to (`x` in `x = …`, `x: T = …`, `a = b = …`;
/// other targets, `a.b`, `a[0]`, `a, b`, never hold a client) and where its value starts.
struct Assignment<'s> {
    targets: Vec<&'s str>,
    value: usize,
}

impl<'s> Assignment<'s> {
    /// `None` if the statement (its text starting at byte `start`) assigns nothing.
    fn read(text: &'s str, start: usize) -> Option<Self> {
        let tokens = code_tokens(text);
        let mut depth = 0usize;
        let mut targets = Vec::new();
        let (mut first, mut value) = (0, None);
        for (i, &(_, token)) in tokens.iter().enumerate() {
            match token {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => depth = depth.saturating_sub(1),
                "=" if depth == 0 => {
                    let joined_before = i > 0 && "=<>!:+-*/%&|^@~".contains(tokens[i - 1].1);
                    let joined_after = tokens.get(i + 1).is_some_and(|(_, t)| *t == "=");
                    if joined_before || joined_after {
                        continue;
                    }
                    if let [(_, name)] | [(_, name), (_, ":"), ..] = tokens[first..i] {
                        targets.push(name);
                    }
                    first = i + 1;
                    value = tokens.get(i + 1).map(|(next, _)| start + next);
                }
                _ => {}
            }
        }
        Some(Assignment {
            targets,
            value: value?,
        })
    }
}

/// An import binding read from the text, as `ImportMap` reads it from the tree.
pub struct TextBinding {
    pub local: String,
    pub qualified: String,
    /// The outline line of its import statement.
    pub line: usize,
}

/// The import bindings the text shows; `module` is the file's dotted module path.
pub fn text_imports(outline: &Outline, module: &[String]) -> Vec<TextBinding> {
    let mut bindings = Vec::new();
    let mut previous = None;
    for at in memchr::memmem::find_iter(outline.source.as_bytes(), b"import") {
        let line = outline.line_at(at);
        if line.is_none() || line == previous {
            continue;
        }
        previous = line;
        let line = line.expect("checked");
        let mut read = Vec::new();
        let tokens: Vec<&str> = code_tokens(outline.code(line))
            .into_iter()
            .map(|(_, token)| token)
            .collect();
        read_imports(&tokens, module, &mut read);
        bindings.extend(read.into_iter().map(|(local, qualified)| TextBinding {
            local,
            qualified,
            line,
        }));
    }
    bindings
}

/// Reads every `import …` and `from … import …` in a logical line's tokens.
fn read_imports(tokens: &[&str], module: &[String], out: &mut Vec<(String, String)>) {
    let is_name = |t: &&str| t.starts_with(crate::outline::is_identifier_char);
    let name_at = |i: usize| tokens.get(i).filter(|t| is_name(t)).copied();
    for (at, _) in tokens.iter().enumerate().filter(|(_, t)| **t == "import") {
        // `from <dots and names> import`, else a plain `import`.
        let mut start = at;
        while start > 0
            && tokens[start - 1] != "from"
            && (tokens[start - 1] == "." || is_name(&tokens[start - 1]))
        {
            start -= 1;
        }
        let mut i = at + 1;
        if start > 0 && tokens[start - 1] == "from" {
            let Some(from) = from_module(&tokens[start..at], module) else {
                continue;
            };
            if tokens.get(i) == Some(&"(") {
                i += 1;
            }
            while let Some(first) = name_at(i) {
                // The parser takes a dotted name here too (`from a import b.c`).
                let mut name = first.to_string();
                i += 1;
                while let (Some(&"."), Some(part)) = (tokens.get(i), name_at(i + 1)) {
                    name.push('.');
                    name.push_str(part);
                    i += 2;
                }
                let local = match (tokens.get(i), name_at(i + 1)) {
                    (Some(&"as"), Some(alias)) => {
                        i += 2;
                        alias.to_string()
                    }
                    _ => name.clone(),
                };
                out.push((local, format!("{from}.{name}")));
                if tokens.get(i) != Some(&",") {
                    break;
                }
                i += 1;
            }
        } else {
            while let Some(head) = name_at(i) {
                let mut dotted = head.to_string();
                i += 1;
                while let (Some(&"."), Some(part)) = (tokens.get(i), name_at(i + 1)) {
                    dotted.push('.');
                    dotted.push_str(part);
                    i += 2;
                }
                match (tokens.get(i), name_at(i + 1)) {
                    (Some(&"as"), Some(alias)) => {
                        out.push((alias.to_string(), dotted));
                        i += 2;
                    }
                    _ => out.push((head.to_string(), head.to_string())),
                }
                if tokens.get(i) != Some(&",") {
                    break;
                }
                i += 1;
            }
        }
    }
}

/// The module of `from <path> import`, resolved like `ImportMap` does; `None` for
/// `__future__` and for a relative path above the project.
fn from_module(path: &[&str], module: &[String]) -> Option<String> {
    let dots = path.iter().take_while(|t| **t == ".").count();
    let rest = path[dots..].concat();
    if dots == 0 {
        return (rest != "__future__").then_some(rest);
    }
    if dots > module.len() {
        return None;
    }
    let mut parts: Vec<&str> = module[..module.len() - dots]
        .iter()
        .map(String::as_str)
        .collect();
    if !rest.is_empty() {
        parts.push(&rest);
    }
    (!parts.is_empty()).then(|| parts.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_are_mentioned_through_imports_rooted_lower() {
        let model = "src.app.models.User";
        let path = |local, qualified| mentioned_model_path(local, qualified, model);
        assert_eq!(path("User", "app.models.User"), Some(vec!["User"]));
        assert_eq!(path("m", "app.models"), Some(vec!["m", "User"]));
        assert_eq!(path("User", "src.app.models.User"), Some(vec!["User"]));
        assert_eq!(path("User", "other.models.User"), None);
        assert_eq!(path("User", "apps.models.User"), None);
    }

    fn bindings(source: &str, module: &[&str]) -> Vec<(String, String)> {
        let module: Vec<String> = module.iter().map(|s| s.to_string()).collect();
        text_imports(&Outline::scan(source), &module)
            .into_iter()
            .map(|b| (b.local, b.qualified))
            .collect()
    }

    #[test]
    fn reads_imports_like_the_import_map() {
        let source = "import requests as rq, os.path\nfrom time import (sleep,\n  monotonic as now, a.b)  # c\ntry: import ujson as json\nexcept ImportError: import json\nfrom ..main import app\nfrom . import deps\nfrom __future__ import annotations\nx = 'import y'\n";
        let found = bindings(source, &["app", "routers", "items"]);
        let pairs: Vec<(&str, &str)> = found
            .iter()
            .map(|(l, q)| (l.as_str(), q.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("rq", "requests"),
                ("os", "os"),
                ("sleep", "time.sleep"),
                ("now", "time.monotonic"),
                ("a.b", "time.a.b"),
                ("json", "ujson"),
                ("json", "json"),
                ("app", "app.main.app"),
                ("deps", "app.routers.deps"),
            ]
        );
    }

    #[test]
    fn dotted_paths_allow_blanks_and_comments_around_the_dot() {
        let mut patterns = Patterns::default();
        let id = patterns.id(&["time", "sleep"]);
        let text =
            "time.sleep(1); time . sleep; (time  # c\n .sleep); time.time(); asyncio.sleep()";
        let found: Vec<usize> = patterns
            .occurrences(text)
            .iter()
            .filter(|(_, i)| *i == id)
            .map(|(at, _)| *at)
            .collect();
        assert_eq!(found, [0, 15, 30]);
    }

    #[test]
    fn paths_through_aliases_and_modules() {
        assert_eq!(
            mentioned_path("time", "time", "time.sleep"),
            Some(vec!["time", "sleep"])
        );
        assert_eq!(
            mentioned_path("pause", "time.sleep", "time.sleep"),
            Some(vec!["pause"])
        );
        assert_eq!(
            mentioned_path("get", "requests.get", "requests"),
            Some(vec!["get"])
        );
        assert_eq!(mentioned_path("now", "time.monotonic", "time.sleep"), None);
    }

    #[test]
    fn assignments_name_plain_targets_and_where_the_value_starts() {
        let read = |text| Assignment::read(text, 10).map(|a| (a.targets, a.value));
        assert_eq!(
            read("session = requests.Session()"),
            Some((vec!["session"], 20))
        );
        assert_eq!(read("a = b = c == d"), Some((vec!["a", "b"], 18)));
        assert_eq!(
            read("s: Optional[\"Session\"] = None"),
            Some((vec!["s"], 35))
        );
        assert_eq!(read("x.y, z = (1)"), Some((vec![], 19)));
        assert_eq!(read("x += 1").map(|a| a.0), None);
        assert_eq!(read("f(x=1)"), None);
    }
}
