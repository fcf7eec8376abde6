//! The cache for re-runs (like Ruff's): per file, the project facts and the findings, keyed by
//! the file's content, perfopt's build (its version and a hash of its source), the settings and,
//! for findings, the project index they were computed against, so a changed router or model file
//! invalidates the files that depend on it. One file per build and settings under the cache
//! directory (bincode: a warm run reads it several times faster than JSON), written atomically.

use crate::codemod::Codemod;
use crate::diagnostic::Diagnostic;
use crate::fix::{Applicability, Edit, Fix};
use crate::semantic::project::FileFacts;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A stable 64-bit hash (SipHash with fixed keys: the same across runs of one build).
pub fn fingerprint(value: impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// The cache's key for a file's text: XXH3, several times faster than [`fingerprint`] on the
/// megabytes a warm run hashes.
pub fn content_hash(text: &str) -> u64 {
    twox_hash::XxHash3_64::oneshot(text.as_bytes())
}

/// A file as the cache knows it: its absolute path and the hash of its content.
#[derive(Debug, Clone)]
pub struct CacheId {
    key: String,
    content: u64,
}

impl CacheId {
    pub fn of(path: &Path, text: &str) -> Self {
        CacheId {
            key: key_of(path),
            content: content_hash(text),
        }
    }
}

impl CacheId {
    /// Whether `text` is the content it identifies.
    pub fn matches(&self, text: &str) -> bool {
        content_hash(text) == self.content
    }

    /// Whether both name the same file with the same content.
    pub fn same_content(&self, other: &CacheId) -> bool {
        self.key == other.key && self.content == other.content
    }
}

fn key_of(path: &Path) -> String {
    crate::workspace::absolute(path)
        .to_string_lossy()
        .into_owned()
}

/// When a file was last modified, and its size: as Ruff does, a warm `check` trusts the cache
/// for a file whose stamp has not changed, without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    modified_ns: u128,
    len: u64,
}

impl Stamp {
    /// Whether the file was last modified long enough ago that another change would change the
    /// stamp: file systems stamp changes with a coarse clock, so a file changed again within
    /// the same tick as the content the cache read would keep its stamp (git's "racily clean"
    /// entries). Such a file is read on the next run.
    fn settled(&self) -> bool {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        self.modified_ns + 2_000_000_000 < now
    }

    pub fn of(metadata: &std::fs::Metadata) -> Option<Stamp> {
        let modified = metadata.modified().ok()?;
        Some(Stamp {
            modified_ns: modified
                .duration_since(std::time::UNIX_EPOCH)
                .ok()?
                .as_nanos(),
            len: metadata.len(),
        })
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Store {
    /// Hashed with FxHash: a warm run looks every file up a few times (SipHash took 2 ms of one).
    files: HashMap<String, Entry, rustc_hash::FxBuildHasher>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    content: u64,
    /// Shared with the run that reads it (no copy on a warm run).
    facts: Arc<FileFacts>,
    /// The codes of the codemods its text can match (`None` in caches from before they were kept).
    #[serde(default)]
    codemods: Option<Vec<String>>,
    /// Findings, for the project index with this fingerprint.
    results: Option<Results>,
    /// The file's stamp when it was read with this content.
    #[serde(default)]
    stamp: Option<Stamp>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Results {
    index: u64,
    pub diagnostics: Vec<CachedDiagnostic>,
    /// Per-file error messages (syntax errors, refused fixes).
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CachedDiagnostic {
    code: String,
    message: String,
    start: usize,
    end: usize,
    note: Option<String>,
    fix: Option<CachedFix>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct CachedFix {
    message: String,
    applicability: Applicability,
    edits: Vec<(usize, usize, String)>,
}

impl CachedDiagnostic {
    pub fn from_diagnostic(d: &Diagnostic) -> Self {
        CachedDiagnostic {
            code: d.code.to_string(),
            message: d.message.clone(),
            start: d.start,
            end: d.end,
            note: d.note.clone(),
            fix: d.fix.as_ref().map(|f| CachedFix {
                message: f.message.clone(),
                applicability: f.applicability,
                edits: f
                    .edits
                    .iter()
                    .map(|e| (e.start, e.end, e.content.clone()))
                    .collect(),
            }),
        }
    }

    /// The diagnostic again; `None` if its code no longer exists.
    pub fn to_diagnostic(&self) -> Option<Diagnostic> {
        let meta = crate::codemods::find(&self.code)?.meta();
        Some(Diagnostic {
            code: meta.code,
            name: meta.name,
            message: self.message.clone(),
            start: self.start,
            end: self.end,
            note: self.note.clone(),
            fix: self.fix.as_ref().map(|f| {
                let edits = f
                    .edits
                    .iter()
                    .map(|(s, e, c)| Edit::replace(*s, *e, c.clone()))
                    .collect();
                Fix::new(f.message.clone(), edits, f.applicability)
            }),
        })
    }
}

/// The cache of one run: read at the start, updated and written at the end.
pub struct Cache {
    path: PathBuf,
    store: Store,
    changed: bool,
}

impl Cache {
    /// Opens the cache for these settings (an unreadable or stale cache is an empty one).
    pub fn open(dir: &Path, settings_fingerprint: u64) -> Cache {
        // Per build, not only per version: another build may record other facts.
        let build = concat!(env!("CARGO_PKG_VERSION"), "-", env!("PERFOPT_SOURCE_HASH"));
        let path = dir
            .join(build)
            .join(format!("{settings_fingerprint:016x}.bin"));
        let store = std::fs::read(&path)
            .ok()
            .and_then(|bytes| bincode::deserialize(&bytes).ok())
            .unwrap_or_default();
        Cache {
            path,
            store,
            changed: false,
        }
    }

    /// The cached facts of a file with this content, and the codemods its text can match.
    pub fn facts(&self, id: &CacheId) -> Option<(&Arc<FileFacts>, Vec<&'static dyn Codemod>)> {
        let entry = self.entry(id)?;
        let codemods = entry
            .codemods
            .as_ref()?
            .iter()
            .map(|code| crate::codemods::find(code))
            .collect::<Option<_>>()?;
        Some((&entry.facts, codemods))
    }

    /// The identity, facts and codemods of a file whose stamp is the one the cache recorded
    /// with them: its content is taken to be the same.
    pub fn unchanged(
        &self,
        path: &Path,
        stamp: Stamp,
    ) -> Option<(CacheId, &Arc<FileFacts>, Vec<&'static dyn Codemod>)> {
        let key = key_of(path);
        let entry = self.store.files.get(&key)?;
        if entry.stamp != Some(stamp) {
            return None;
        }
        let id = CacheId {
            key,
            content: entry.content,
        };
        let (facts, codemods) = self.facts(&id)?;
        Some((id, facts, codemods))
    }

    /// The cached findings of a file with this content against this project index.
    pub fn results(&self, id: &CacheId, index: u64) -> Option<&Results> {
        self.entry(id)?
            .results
            .as_ref()
            .filter(|r| r.index == index)
    }

    fn entry(&self, id: &CacheId) -> Option<&Entry> {
        self.store
            .files
            .get(&id.key)
            .filter(|e| e.content == id.content)
    }

    /// Records a file's facts and codemods, and its `stamp` when it was read (`None` when the
    /// cache's stamp was trusted instead).
    pub fn store_facts(
        &mut self,
        id: &CacheId,
        facts: &Arc<FileFacts>,
        codemods: &[&'static dyn Codemod],
        stamp: Option<Stamp>,
    ) {
        let stamp = stamp.filter(Stamp::settled);
        if let Some(entry) = self
            .store
            .files
            .get_mut(&id.key)
            .filter(|e| e.content == id.content && e.codemods.is_some())
        {
            if stamp.is_some() && entry.stamp != stamp {
                entry.stamp = stamp;
                self.changed = true;
            }
            return;
        }
        self.store.files.insert(
            id.key.clone(),
            Entry {
                content: id.content,
                facts: Arc::clone(facts),
                codemods: Some(codemods.iter().map(|c| c.meta().code.to_string()).collect()),
                results: None,
                stamp,
            },
        );
        self.changed = true;
    }

    pub fn store_results(
        &mut self,
        id: &CacheId,
        index: u64,
        diagnostics: &[Diagnostic],
        errors: Vec<String>,
    ) {
        if self.results(id, index).is_some() {
            return;
        }
        if let Some(entry) = self
            .store
            .files
            .get_mut(&id.key)
            .filter(|e| e.content == id.content)
        {
            entry.results = Some(Results {
                index,
                diagnostics: diagnostics
                    .iter()
                    .map(CachedDiagnostic::from_diagnostic)
                    .collect(),
                errors,
            });
            self.changed = true;
        }
    }

    /// Forgets a file (it is about to be rewritten).
    pub fn forget(&mut self, id: &CacheId) {
        self.changed |= self.store.files.remove(&id.key).is_some();
    }

    /// Writes the cache if anything changed (temporary file and rename; failures are ignored:
    /// a cache is an optimisation).
    pub fn save(&self) {
        if !self.changed {
            return;
        }
        let Some(dir) = self.path.parent() else {
            return;
        };
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(dir)?;
            // Keep the cache out of version control, as Ruff does.
            let root = dir.parent().unwrap_or(dir);
            let ignore = root.join(".gitignore");
            if !ignore.exists() {
                std::fs::write(ignore, "# Automatically created by perfopt.\n*\n")?;
            }
            let mut temp = tempfile::NamedTempFile::new_in(dir)?;
            let bytes = bincode::serialize(&self.store).map_err(std::io::Error::other)?;
            temp.write_all(&bytes)?;
            temp.persist(&self.path).map_err(|e| e.error)?;
            Ok(())
        };
        let _ = write();
    }
}
