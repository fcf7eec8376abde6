//! Files in, outcomes out: discovery (honouring `.gitignore`), guarded reading (size, UTF-8,
//! symlinks), the project-index pass, checking or fixing every file in parallel, atomic writes.

use crate::cache::{Cache, CacheId, Stamp};
use crate::checker::{
    candidate_codemods, candidates_in, check_in_parts, check_parsed_text, check_with, CheckOptions,
    Parts,
};
use crate::codemod::{Codemod, Prescan};
use crate::diagnostic::Diagnostic;
use crate::fix::Applicability;
use crate::fixer::fix_parsed;
use crate::parse::{parse, syntax_error_count};
use crate::semantic::project::{module_path, FileFacts, ProjectIndex};
use crate::settings::Settings;
use crate::source::LineIndex;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// A problem with one file (or path) that is reported while the run goes on.
#[derive(Debug, Clone)]
pub struct FileError {
    pub path: PathBuf,
    pub reason: String,
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.reason)
    }
}

fn error(path: &Path, reason: impl Into<String>) -> FileError {
    FileError {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// A readable Python file.
pub struct SourceFile {
    pub path: PathBuf,
    /// Text without a UTF-8 byte-order mark; `bom` remembers it for writing. Shared with the
    /// outcomes, so each file's text is held once.
    pub text: Arc<String>,
    bom: bool,
    /// Its identity in the cache, when there is a cache.
    pub cache_id: Option<CacheId>,
    /// The enabled codemods its text can match (see `candidate_codemods`; kept in the cache).
    pub codemods: Vec<&'static dyn Codemod>,
    /// Its stamp when it was read.
    stamp: Option<Stamp>,
    /// Not read: the cache knows it by its stamp (see [`load`]); `text` is empty until
    /// [`SourceFile::read_again`].
    unread: bool,
}

/// What happened to one file.
pub struct FileOutcome {
    pub path: PathBuf,
    pub source: Arc<String>,
    /// Diagnostics of the checked text (check), or those left after fixing (fix).
    pub diagnostics: Vec<Diagnostic>,
    /// The fixed text, when fixing changed it.
    pub fixed: Option<String>,
    pub applied: BTreeMap<&'static str, usize>,
    pub errors: Vec<FileError>,
}

impl SourceFile {
    pub fn has_bom(&self) -> bool {
        self.bom
    }
}

impl FileOutcome {
    /// The text the diagnostics refer to: the fixed text after fixing, else the original.
    pub fn reported_text(&self) -> &str {
        self.fixed.as_deref().unwrap_or(&self.source)
    }
}

pub enum Mode {
    Check,
    Fix { required: Applicability },
}

/// Finds the Python files under `paths`: directories are walked in parallel, honouring
/// `.gitignore` and `exclude`; files named explicitly are taken as they are.
/// A key that orders paths as `Path`'s own order does, component by component, for paths
/// without `.` or empty components: their bytes with the separators lowest. Comparing `Path`s
/// parses their components at each comparison (6 ms of every run on 7,301 files).
fn component_order(path: &Path) -> Vec<u8> {
    let key = |byte: u8| match std::path::is_separator(char::from(byte)) {
        true => 0,
        false => byte,
    };
    let bytes = path.as_os_str().as_encoded_bytes();
    bytes.iter().map(|&byte| key(byte)).collect()
}

pub fn discover(paths: &[PathBuf], settings: &Settings) -> (Vec<PathBuf>, Vec<FileError>) {
    let found = Mutex::new(Vec::new());
    let errors = Mutex::new(Vec::new());
    for path in paths {
        let metadata = fs::symlink_metadata(path);
        match metadata {
            Err(_) => errors
                .lock()
                .unwrap()
                .push(error(path, "no such file or directory")),
            Ok(meta) if meta.is_dir() => {
                let before = found.lock().unwrap().len();
                let walker = ignore::WalkBuilder::new(path)
                    .follow_links(false)
                    .filter_entry({
                        let excluded = settings.exclusion();
                        move |entry| !excluded(entry.path())
                    })
                    .build_parallel();
                walker.run(|| {
                    Box::new(|entry| {
                        match entry {
                            Ok(entry) => {
                                let p = entry.path();
                                let is_py = p.extension().is_some_and(|e| e == "py");
                                let bad_link = entry
                                    .path_is_symlink()
                                    .then(|| unreadable_link(p))
                                    .flatten();
                                if let Some(bad_link) = bad_link.filter(|_| is_py) {
                                    errors.lock().unwrap().push(bad_link);
                                } else if is_py && is_file(&entry) {
                                    found.lock().unwrap().push(p.to_path_buf());
                                }
                            }
                            Err(err) => errors
                                .lock()
                                .unwrap()
                                .push(error(path, format!("cannot walk: {err}"))),
                        }
                        ignore::WalkState::Continue
                    })
                });
                if found.lock().unwrap().len() == before {
                    errors
                        .lock()
                        .unwrap()
                        .push(error(path, "no Python files found"));
                }
            }
            Ok(_) => {
                if settings.is_excluded(path) {
                    continue;
                }
                if let Some(bad_link) = unreadable_link(path) {
                    errors.lock().unwrap().push(bad_link);
                } else {
                    found.lock().unwrap().push(path.clone());
                }
            }
        }
    }
    let mut found = found.into_inner().unwrap();
    found.sort_by_cached_key(|path| component_order(path));
    found.dedup();
    let mut errors = errors.into_inner().unwrap();
    errors.sort_by(|a, b| a.path.cmp(&b.path));
    (found, errors)
}

/// Whether a walked entry is a regular file (a link's target is looked at; other entries are
/// known from the directory listing, without a system call).
fn is_file(entry: &ignore::DirEntry) -> bool {
    match entry.file_type() {
        Some(kind) if !kind.is_symlink() => kind.is_file(),
        _ => fs::metadata(entry.path()).is_ok_and(|m| m.is_file()),
    }
}

/// The error for a symbolic link whose target cannot be reached, if it cannot.
fn unreadable_link(path: &Path) -> Option<FileError> {
    let err = fs::metadata(path).err()?;
    Some(if err.kind() == std::io::ErrorKind::NotFound {
        error(path, "broken symbolic link")
    } else {
        error(path, format!("symbolic link cannot be followed: {err}"))
    })
}

/// Reads a file with the guards: size limit, UTF-8, readable.
pub fn read_source(path: &Path, max_size: u64) -> Result<SourceFile, FileError> {
    let cannot_read = |e: std::io::Error| error(path, format!("cannot read: {e}"));
    let mut file = fs::File::open(path).map_err(cannot_read)?;
    let metadata = file.metadata().map_err(cannot_read)?;
    let size = metadata.len();
    if size > max_size {
        return Err(error(
            path,
            format!("skipped: {size} bytes is over the {max_size}-byte limit (max-file-size)"),
        ));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    // Through `take`: `File::read_to_end` would ask the size and position again (two system
    // calls a file).
    (&mut file)
        .take(u64::MAX)
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    let mut text = String::from_utf8(bytes).map_err(|e| {
        error(
            path,
            format!(
                "not valid UTF-8 (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
        )
    })?;
    let bom = text.starts_with('\u{feff}');
    if bom {
        text.drain(..'\u{feff}'.len_utf8());
    }
    if text.contains('\0') {
        return Err(error(path, "skipped: contains NUL bytes (a binary file?)"));
    }
    Ok(SourceFile {
        path: path.to_path_buf(),
        text: Arc::new(text),
        bom,
        cache_id: None,
        codemods: Vec::new(),
        stamp: Stamp::of(&metadata),
        unread: false,
    })
}

impl SourceFile {
    /// The file [`load`] left unread, read now (its codemods kept while its content is the
    /// one the cache knows).
    fn read_again(&self, settings: &Settings) -> Result<SourceFile, FileError> {
        let mut file = read_source(&self.path, settings.max_file_size)?;
        let id = CacheId::of(&file.path, &file.text);
        file.codemods = match self
            .cache_id
            .as_ref()
            .is_some_and(|cached| cached.same_content(&id))
        {
            true => self.codemods.clone(),
            false => candidate_codemods(&file.text, &enabled_for(&file.path, settings)),
        };
        file.cache_id = Some(id);
        Ok(file)
    }
}

/// `std::path::absolute`, reading the current directory once per run instead of once per call
/// (a file's path is made absolute several times).
pub fn absolute(path: &Path) -> PathBuf {
    static CURRENT_DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    match CURRENT_DIR.get_or_init(|| std::env::current_dir().ok()) {
        Some(current) if path.is_relative() => {
            let rest = path.strip_prefix(".").unwrap_or(path);
            if is_normal(rest) {
                return current.join(rest);
            }
            let mut absolute = current.clone();
            absolute.extend(rest.components());
            absolute
        }
        // Most paths are found by the walk and need no normalising (a warm run makes thousands
        // absolute).
        _ if path.is_absolute() && is_normal(path) => path.to_path_buf(),
        _ => std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
    }
}

/// Whether a Unix `path` is its components joined by single separators (no `.`, no empty
/// component, no trailing separator): what `std::path::absolute` and `Path::components`
/// would make of it.
fn is_normal(path: &Path) -> bool {
    let bytes = path.as_os_str().as_encoded_bytes();
    cfg!(unix)
        && !bytes.is_empty()
        && bytes != b"."
        && !bytes.starts_with(b"./")
        && !bytes.ends_with(b"/")
        && !bytes.ends_with(b"/.")
        && !bytes.windows(2).any(|pair| pair == b"//")
        && !bytes.windows(3).any(|triple| triple == b"/./")
}

fn module_of(path: &Path, settings: &Settings) -> Vec<String> {
    let absolute = absolute(path);
    let relative = absolute.strip_prefix(&settings.root).unwrap_or(path);
    module_path(relative)
}

/// The first pass: cross-file facts from every file that could hold them.
/// Reads every file in parallel and learns its project facts (from the cache when it knows the
/// content). The text of a file no enabled codemod could match is dropped at once: only the
/// candidates' texts stay in memory.
///
/// With `trust_stamps`, a file whose stamp the cache recorded with its facts is not read (see
/// [`Stamp`]): `check` reads it again only to show its findings or to check it anew.
pub fn load(
    paths: &[PathBuf],
    settings: &Settings,
    cache: Option<&Cache>,
    trust_stamps: bool,
) -> (Vec<SourceFile>, Vec<Arc<FileFacts>>, Vec<FileError>) {
    let loaded: Vec<Result<(SourceFile, Arc<FileFacts>), FileError>> = paths
        .par_iter()
        .map(|path| {
            let unchanged = cache.filter(|_| trust_stamps).and_then(|cache| {
                let stamp = Stamp::of(&fs::metadata(path).ok()?)?;
                cache.unchanged(path, stamp)
            });
            if let Some((id, facts, codemods)) = unchanged {
                let file = SourceFile {
                    path: path.clone(),
                    text: Arc::default(),
                    bom: false,
                    cache_id: Some(id),
                    codemods,
                    stamp: None,
                    unread: true,
                };
                return Ok((file, Arc::clone(facts)));
            }
            let mut file = read_source(path, settings.max_file_size)?;
            file.cache_id = cache.map(|_| CacheId::of(&file.path, &file.text));
            let cached = cache
                .zip(file.cache_id.as_ref())
                .and_then(|(c, id)| c.facts(id));
            let facts = match cached {
                Some((facts, codemods)) => {
                    file.codemods = codemods;
                    Arc::clone(facts)
                }
                None => {
                    let enabled = enabled_for(&file.path, settings);
                    let scan = Prescan::new(&file.text);
                    file.codemods = candidates_in(&scan, &enabled);
                    let mut facts = FileFacts::collect_in(&scan, module_of(&file.path, settings));
                    // What `per-file-ignores` turns off here is suppressed on every class too
                    // (the cache is per configuration, so the facts can keep it).
                    let ignored = settings.enabled.difference(&enabled);
                    let ignored: Vec<String> = ignored.map(|code| code.to_string()).collect();
                    for class in &mut facts.classes {
                        class.suppressed.extend(ignored.iter().cloned());
                    }
                    Arc::new(facts)
                }
            };
            if file.codemods.is_empty() {
                file.text = Arc::default();
            }
            Ok((file, facts))
        })
        .collect();
    let (mut files, mut facts, mut errors) = (Vec::new(), Vec::new(), Vec::new());
    for result in loaded {
        match result {
            Ok((file, file_facts)) => {
                files.push(file);
                facts.push(file_facts);
            }
            Err(err) => errors.push(err),
        }
    }
    (files, facts, errors)
}

/// The codes enabled for a file, `per-file-ignores` applied.
fn enabled_for(path: &Path, settings: &Settings) -> std::collections::BTreeSet<&'static str> {
    let mut enabled = settings.enabled.clone();
    enabled.retain(|code| !settings.ignored_for_file(path, code));
    enabled
}

/// Files whose findings the cache holds (for this project index) are not parsed: in check mode
/// their findings are reused; in fix mode too, when none of them has a fix to apply.
pub fn run(
    files: &[SourceFile],
    settings: &Settings,
    project: &ProjectIndex,
    mode: &Mode,
    cache: Option<&Cache>,
) -> Vec<FileOutcome> {
    let index = project.fingerprint();
    // The largest files first: one left for the end would keep a single core busy while the
    // others wait (the files without a candidate codemod have no text left, and cost nothing).
    let mut order: Vec<usize> = (0..files.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(files[i].text.len()));
    let mut outcomes: Vec<(usize, FileOutcome)> = order
        .into_par_iter()
        .with_max_len(1)
        .map(|i| {
            let file = &files[i];
            let cached = cache
                .zip(file.cache_id.as_ref())
                .and_then(|(c, id)| c.results(id, index));
            // A file left unread is read to show its findings, or to be checked anew.
            let clean = cached.is_some_and(|r| r.diagnostics.is_empty() && r.errors.is_empty());
            let read = match file.unread && !clean {
                true => match file.read_again(settings) {
                    Ok(read) => Some(read),
                    Err(err) => return (i, unreadable(file, err)),
                },
                false => None,
            };
            let file = read.as_ref().unwrap_or(file);
            let cached = cached.filter(|_| {
                let ids = files[i].cache_id.as_ref().zip(file.cache_id.as_ref());
                ids.is_some_and(|(before, now)| before.same_content(now))
            });
            let outcome = cached
                .and_then(|results| from_cache(file, results, mode))
                .unwrap_or_else(|| process(file, settings, project, mode));
            (i, outcome)
        })
        .collect();
    outcomes.sort_unstable_by_key(|(i, _)| *i);
    outcomes.into_iter().map(|(_, outcome)| outcome).collect()
}

/// The outcome of a file that could not be read again.
fn unreadable(file: &SourceFile, err: FileError) -> FileOutcome {
    FileOutcome {
        path: file.path.clone(),
        source: Arc::default(),
        diagnostics: Vec::new(),
        fixed: None,
        applied: BTreeMap::new(),
        errors: vec![err],
    }
}

fn from_cache(
    file: &SourceFile,
    results: &crate::cache::Results,
    mode: &Mode,
) -> Option<FileOutcome> {
    let diagnostics: Vec<Diagnostic> = results
        .diagnostics
        .iter()
        .map(|d| d.to_diagnostic())
        .collect::<Option<_>>()?;
    if let Mode::Fix { required } = mode {
        if diagnostics
            .iter()
            .any(|d| d.fix.as_ref().is_some_and(|f| f.applies(*required)))
        {
            return None;
        }
    }
    Some(FileOutcome {
        path: file.path.clone(),
        source: Arc::clone(&file.text),
        diagnostics,
        fixed: None,
        applied: BTreeMap::new(),
        errors: results
            .errors
            .iter()
            .map(|reason| error(&file.path, reason.clone()))
            .collect(),
    })
}

/// Records what this run learnt: facts of every file, findings of every file left unchanged.
pub fn update_cache(
    cache: &mut Cache,
    files: &[SourceFile],
    facts: &[Arc<FileFacts>],
    outcomes: &[FileOutcome],
    index: u64,
) {
    for ((file, facts), outcome) in files.iter().zip(facts).zip(outcomes) {
        let id = file
            .cache_id
            .as_ref()
            .expect("`load` identifies every file when there is a cache");
        // Fixed, or read again with another content than the cache's stamp vouched for.
        if outcome.fixed.is_some()
            || (file.unread && !outcome.source.is_empty() && !id.matches(&outcome.source))
        {
            cache.forget(id);
            continue;
        }
        cache.store_facts(id, facts, &file.codemods, file.stamp);
        let errors = outcome.errors.iter().map(|e| e.reason.clone()).collect();
        cache.store_results(id, index, &outcome.diagnostics, errors);
    }
}

fn process(
    file: &SourceFile,
    settings: &Settings,
    project: &ProjectIndex,
    mode: &Mode,
) -> FileOutcome {
    let module = module_of(&file.path, settings);
    let enabled = enabled_for(&file.path, settings);
    let options = CheckOptions {
        enabled: &enabled,
        options: &settings.options,
        project,
        module: &module,
    };
    let mut outcome = FileOutcome {
        path: file.path.clone(),
        source: Arc::clone(&file.text),
        diagnostics: Vec::new(),
        fixed: None,
        applied: BTreeMap::new(),
        errors: Vec::new(),
    };
    if file.codemods.is_empty() {
        return outcome;
    }
    match check_in_parts(&file.text, &file.codemods, &options) {
        Parts::Nothing => return outcome,
        // What the parts hold is what the whole file holds: it is parsed whole only to be fixed.
        Parts::Found(findings) if !has_fix_to_apply(&findings, mode) => {
            outcome.diagnostics = findings;
            return outcome;
        }
        Parts::Found(_) | Parts::Whole => {}
    }
    let Some(tree) = parse(&file.text) else {
        outcome
            .errors
            .push(error(&file.path, "the parser gave up on this file"));
        return outcome;
    };
    if syntax_error_count(&tree) > 0 {
        outcome.errors.push(syntax_error(file, &tree));
    }
    let check = |text: &str, tree: &tree_sitter::Tree| check_parsed_text(text, tree, &options);
    match mode {
        Mode::Check => {
            outcome.diagnostics = check_with(&file.text, &tree, &file.codemods, &options)
        }
        Mode::Fix { required } => match fix_parsed(&file.text, tree.clone(), *required, &check) {
            Ok(fixed) => {
                outcome.diagnostics = fixed.remaining;
                outcome.applied = fixed.applied;
                for refused in fixed.refused {
                    outcome
                        .errors
                        .push(error(&file.path, format!("fix not applied: {refused}")));
                }
                if *fixed.text != *file.text {
                    outcome.fixed = Some(fixed.text);
                }
            }
            Err(err) => {
                outcome.errors.push(error(
                    &file.path,
                    format!("{err}; the file is left as it was"),
                ));
                outcome.diagnostics = check(&file.text, &tree);
            }
        },
    }
    outcome
}

/// Whether fixing (in `mode`) would apply one of the fixes of `findings`.
fn has_fix_to_apply(findings: &[Diagnostic], mode: &Mode) -> bool {
    let Mode::Fix { required } = mode else {
        return false;
    };
    findings
        .iter()
        .any(|d| d.fix.as_ref().is_some_and(|fix| fix.applies(*required)))
}

fn syntax_error(file: &SourceFile, tree: &tree_sitter::Tree) -> FileError {
    let mut first = None;
    crate::parse::walk_tree(tree.root_node(), |node| {
        if first.is_none() && (node.is_error() || node.is_missing()) {
            first = Some(node.start_byte());
        }
    });
    let at = LineIndex::new(&file.text).location(&file.text, first.unwrap_or(0));
    error(
        &file.path,
        format!(
            "syntax error at {}:{}; findings are reported where the code parses, and nothing is fixed",
            at.row, at.column
        ),
    )
}

/// Writes the fixed text atomically (temporary file in the same directory, fsync, rename), keeping
/// permissions. Refuses when the file changed on disk since it was read, or when a symbolic link
/// points outside `root`.
pub fn write_fixed(file: &SourceFile, fixed: &str, root: &Path) -> Result<(), FileError> {
    let current = fs::read(&file.path)
        .map_err(|e| error(&file.path, format!("cannot re-read before writing: {e}")))?;
    let bom: &[u8] = if file.bom { "\u{feff}".as_bytes() } else { b"" };
    if current.len() != bom.len() + file.text.len()
        || !current.starts_with(bom)
        || &current[bom.len()..] != file.text.as_bytes()
    {
        return Err(error(
            &file.path,
            "changed on disk since perfopt read it; not overwritten",
        ));
    }
    let target = fs::canonicalize(&file.path)
        .map_err(|e| error(&file.path, format!("cannot resolve: {e}")))?;
    if fs::symlink_metadata(&file.path).is_ok_and(|m| m.file_type().is_symlink()) {
        let root = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        if !target.starts_with(&root) {
            return Err(error(
                &file.path,
                "symbolic link to a file outside the project; not written",
            ));
        }
    }
    let metadata = fs::metadata(&target).map_err(|e| error(&file.path, e.to_string()))?;
    if metadata.permissions().readonly() {
        return Err(error(&file.path, "read-only file; not written"));
    }
    let dir = target.parent().unwrap_or(Path::new("."));
    let write = || -> std::io::Result<()> {
        let mut temp = tempfile::NamedTempFile::new_in(dir)?;
        if file.bom {
            temp.write_all("\u{feff}".as_bytes())?;
        }
        temp.write_all(fixed.as_bytes())?;
        temp.as_file().sync_all()?;
        fs::set_permissions(temp.path(), metadata.permissions())?;
        keep_owner(temp.path(), &metadata)?;
        temp.persist(&target).map_err(|e| e.error)?;
        // The rename is durable once the directory entry is.
        fs::File::open(dir)?.sync_all()
    };
    write().map_err(|e| error(&file.path, format!("cannot write: {e}")))
}

/// Gives the new file the old one's owner and group (a no-op when they already match).
#[cfg(unix)]
fn keep_owner(path: &Path, original: &fs::Metadata) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let current = fs::metadata(path)?;
    if (current.uid(), current.gid()) != (original.uid(), original.gid()) {
        std::os::unix::fs::chown(path, Some(original.uid()), Some(original.gid()))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn keep_owner(_: &Path, _: &fs::Metadata) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_paths_are_made_absolute_as_std_does() {
        for path in [
            "/r/a.py",
            "/r//a.py",
            "/r/./a.py",
            "/r/a/",
            "/r/a/.",
            "/r/../a.py",
            "/",
            "a/b.py",
            "./a/b.py",
            "a//b.py",
            "a/./b",
            ".",
            "a/",
            "../a.py",
        ] {
            let path = Path::new(path);
            assert_eq!(
                absolute(path),
                std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
                "{}",
                path.display()
            );
        }
    }

    #[test]
    fn paths_sort_by_their_components() {
        let mut paths: Vec<PathBuf> = [
            "ab/c.py", "a/bc.py", "a-b.py", "a/b/c.py", "a.py", "a/b.py", "b", "a b/x.py",
            "/r/a.py",
        ]
        .map(PathBuf::from)
        .to_vec();
        let mut by_path = paths.clone();
        by_path.sort();
        paths.sort_by_cached_key(|path| component_order(path));
        assert_eq!(paths, by_path);
    }
}
