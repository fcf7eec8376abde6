//! Configuration: `[tool.perfopt]` in the nearest `pyproject.toml`, or a `perfopt.toml`, merged
//! with the command line. Unknown keys and unknown codes are errors, never silently ignored.

use crate::codemods::ALL;
use anyhow::{bail, Context as _, Result};
use globset::{Glob, GlobMatcher, GlobSet, GlobSetBuilder};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The `[tool.perfopt]` table (or the top level of `perfopt.toml`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ConfigFile {
    pub select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
    pub exclude: Option<Vec<String>>,
    pub per_file_ignores: Option<BTreeMap<String, Vec<String>>>,
    /// Files larger than this many bytes are skipped with a message.
    pub max_file_size: Option<u64>,
    /// Where the cache for re-runs lives (default `.perfopt_cache` next to the configuration).
    pub cache_dir: Option<PathBuf>,
    pub blocking_http_in_async: Option<HttpOptions>,
    pub missing_timeout: Option<TimeoutOptions>,
    pub missing_compression: Option<CompressionOptions>,
    pub sequential_await_in_loop: Option<ConcurrencyOptions>,
    pub uncached_read_endpoint: Option<ReadCacheOptions>,
    pub client_per_request: Option<ClientShareOptions>,
    pub unstreamed_large_response: Option<StreamingOptions>,
}

/// Options of PO305 unstreamed-large-response.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct StreamingOptions {
    /// What the streamed body is: the same JSON array as before, or one JSON document per line.
    pub format: StreamFormat,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StreamFormat {
    /// `[item,item]`, byte for byte what FastAPI sent for the whole list.
    #[default]
    JsonArray,
    /// `item\nitem\n`, `application/x-ndjson`: a new wire format for clients.
    Ndjson,
}

/// Options of PO108 client-per-request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct ClientShareOptions {
    /// What the fix shares between calls: the SSL context (safe) or the whole client.
    pub share: ClientShare,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientShare {
    #[default]
    SslContext,
    Client,
}

/// Options of PO301 uncached-read-endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct ReadCacheOptions {
    /// Seconds a cached response is served (`@cache(expire=...)`).
    pub expire: u32,
    /// Where fastapi-cache2 keeps entries: `memory` (per process) or `redis`.
    pub backend: CacheBackend,
    /// The Redis server of the `redis` backend.
    pub redis_url: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CacheBackend {
    Memory,
    Redis,
}

impl Default for ReadCacheOptions {
    fn default() -> Self {
        ReadCacheOptions {
            expire: 60,
            backend: CacheBackend::Memory,
            redis_url: "redis://localhost:6379".into(),
        }
    }
}

/// Options of PO106 sequential-await-in-loop.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct ConcurrencyOptions {
    /// How many of the gathered calls may run at once, across the whole process.
    pub limit: u32,
}

impl Default for ConcurrencyOptions {
    fn default() -> Self {
        ConcurrencyOptions { limit: 20 }
    }
}

/// Options of PO304 missing-compression.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct CompressionOptions {
    /// gzip level, 1–9 (`bench/gzip_levels.md` for the measurement behind the default).
    pub level: u8,
    /// Responses smaller than this many bytes are sent uncompressed.
    pub minimum_size: u32,
}

impl Default for CompressionOptions {
    fn default() -> Self {
        CompressionOptions {
            level: 5,
            minimum_size: 1000,
        }
    }
}

/// Options of PO306 missing-timeout.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct TimeoutOptions {
    /// The timeout the fix writes, in seconds.
    pub seconds: f64,
}

impl Default for TimeoutOptions {
    fn default() -> Self {
        TimeoutOptions { seconds: 10.0 }
    }
}

/// Options of PO101 blocking-http-in-async.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields, default)]
pub struct HttpOptions {
    /// `httpx` or its maintained fork `httpx2`.
    pub library: String,
    /// `module`: one AsyncClient per module, reused by every call (pooled connections);
    /// `per-call`: a client per call sharing one SSL context (no state shared between calls).
    pub client: ClientStrategy,
    /// Name of the module-level client (or SSL context) the fix defines.
    pub client_name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientStrategy {
    Module,
    PerCall,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            library: "httpx".into(),
            client: ClientStrategy::PerCall,
            client_name: "_http_client".into(),
        }
    }
}

/// Options every codemod may read.
#[derive(Debug, Clone, Default)]
pub struct CodemodOptions {
    pub http: HttpOptions,
    pub timeout: TimeoutOptions,
    pub compression: CompressionOptions,
    pub concurrency: ConcurrencyOptions,
    pub read_cache: ReadCacheOptions,
    pub client_share: ClientShareOptions,
    pub streaming: StreamingOptions,
}

pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Settings {
    pub enabled: BTreeSet<&'static str>,
    pub root: PathBuf,
    pub config_path: Option<PathBuf>,
    exclude: GlobSet,
    per_file_ignores: Vec<(GlobMatcher, Vec<String>)>,
    pub max_file_size: u64,
    pub options: CodemodOptions,
    pub cache_dir: PathBuf,
    /// Hash of everything that shapes findings (configuration and selections): part of the
    /// cache key.
    pub fingerprint: u64,
}

/// Command-line selections that override or extend the configuration.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
    pub config: Option<PathBuf>,
    pub isolated: bool,
}

impl Settings {
    /// Settings for the given paths: the config found from the first path upwards, then overrides.
    pub fn resolve(paths: &[PathBuf], overrides: &Overrides) -> Result<Settings> {
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        let found = if overrides.isolated {
            None
        } else if let Some(path) = &overrides.config {
            Some((
                path.clone(),
                load_config(path)?
                    .with_context(|| format!("{}: no [tool.perfopt] table", path.display()))?,
            ))
        } else {
            let start = paths.first().map_or(cwd.clone(), |p| cwd.join(p));
            discover(&start)?
        };
        let (config_path, config) = match found {
            Some((path, config)) => (Some(path), config),
            None => (None, ConfigFile::default()),
        };
        let config_text = config_path
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default();
        let root = config_path
            .as_ref()
            .and_then(|p| p.parent().map(Path::to_path_buf))
            .unwrap_or(cwd);
        let mut settings = Settings::from_config(config, config_path, root, overrides)?;
        settings.fingerprint = crate::cache::fingerprint((
            config_text,
            &overrides.select,
            &overrides.ignore,
            overrides.isolated,
        ));
        Ok(settings)
    }

    pub fn from_config(
        config: ConfigFile,
        config_path: Option<PathBuf>,
        root: PathBuf,
        overrides: &Overrides,
    ) -> Result<Settings> {
        let origin = config_path
            .as_ref()
            .map_or("the command line".to_string(), |p| p.display().to_string());
        let select = overrides
            .select
            .clone()
            .or(config.select)
            .unwrap_or_else(|| vec!["PO".into()]);
        let mut ignore = config.ignore.unwrap_or_default();
        ignore.extend(overrides.ignore.iter().cloned());
        let selected = expand_selectors(&select, &origin)?;
        let ignored = expand_selectors(&ignore, &origin)?;
        let enabled = selected.difference(&ignored).copied().collect();

        let mut exclude = GlobSetBuilder::new();
        for pattern in config.exclude.unwrap_or_default() {
            exclude.add(glob(&pattern, &origin)?);
        }
        let mut per_file_ignores = Vec::new();
        for (pattern, codes) in config.per_file_ignores.unwrap_or_default() {
            expand_selectors(&codes, &origin)?;
            per_file_ignores.push((glob(&pattern, &origin)?.compile_matcher(), codes));
        }
        let http = config.blocking_http_in_async.unwrap_or_default();
        let timeout = config.missing_timeout.unwrap_or_default();
        let compression = config.missing_compression.unwrap_or_default();
        let concurrency = config.sequential_await_in_loop.unwrap_or_default();
        let read_cache = config.uncached_read_endpoint.unwrap_or_default();
        let client_share = config.client_per_request.unwrap_or_default();
        let streaming = config.unstreamed_large_response.unwrap_or_default();
        if read_cache.expire == 0 {
            bail!("{origin}: uncached-read-endpoint.expire must be at least 1 second");
        }
        if read_cache.redis_url.contains(['"', '\'', '\\']) {
            bail!(
                "{origin}: uncached-read-endpoint.redis-url must not contain quotes or backslashes"
            );
        }
        if concurrency.limit == 0 {
            bail!("{origin}: sequential-await-in-loop.limit must be at least 1");
        }
        if !(1..=9).contains(&compression.level) {
            bail!("{origin}: missing-compression.level must be from 1 to 9");
        }
        if !(timeout.seconds.is_finite() && timeout.seconds > 0.0) {
            bail!("{origin}: missing-timeout.seconds must be a positive number of seconds");
        }
        if !matches!(http.library.as_str(), "httpx" | "httpx2") {
            bail!("{origin}: blocking-http-in-async.library must be \"httpx\" or \"httpx2\", not {:?}", http.library);
        }
        if !is_identifier(&http.client_name) {
            bail!("{origin}: blocking-http-in-async.client-name must be a Python identifier");
        }
        let cache_dir = match config.cache_dir {
            Some(dir) if dir.is_absolute() => dir,
            Some(dir) => root.join(dir),
            None => root.join(".perfopt_cache"),
        };
        Ok(Settings {
            cache_dir,
            fingerprint: 0,
            enabled,
            root,
            config_path,
            exclude: exclude.build().context("invalid exclude patterns")?,
            per_file_ignores,
            max_file_size: config.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE),
            options: CodemodOptions {
                http,
                timeout,
                compression,
                concurrency,
                read_cache,
                client_share,
                streaming,
            },
        })
    }

    /// Whether a discovered path is excluded (relative to the root, or by file name).
    pub fn is_excluded(&self, path: &Path) -> bool {
        self.exclusion()(path)
    }

    /// The exclusion test as an owned closure, for walker threads.
    pub fn exclusion(&self) -> impl Fn(&Path) -> bool + Send + Sync + 'static {
        let (exclude, root) = (self.exclude.clone(), self.root.clone());
        move |path: &Path| {
            let absolute = crate::workspace::absolute(path);
            let relative = absolute.strip_prefix(&root).unwrap_or(path);
            exclude.is_match(relative)
                || path.file_name().is_some_and(|name| exclude.is_match(name))
        }
    }

    /// Whether `code` is ignored for this file by `per-file-ignores`.
    pub fn ignored_for_file(&self, path: &Path, code: &str) -> bool {
        if self.per_file_ignores.is_empty() {
            return false;
        }
        let absolute = crate::workspace::absolute(path);
        let relative = absolute.strip_prefix(&self.root).unwrap_or(path);
        self.per_file_ignores.iter().any(|(matcher, codes)| {
            (matcher.is_match(relative) || path.file_name().is_some_and(|n| matcher.is_match(n)))
                && codes.iter().any(|c| selector_matches(c, code))
        })
    }
}

fn glob(pattern: &str, origin: &str) -> Result<Glob> {
    Glob::new(pattern).with_context(|| format!("{origin}: invalid glob {pattern:?}"))
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// `ALL`, a whole code (`PO101`) or a prefix (`PO1`) selects codes.
pub fn selector_matches(selector: &str, code: &str) -> bool {
    selector == "ALL" || code.starts_with(selector)
}

/// The codes a list of selectors names; an unknown selector is an error naming its origin.
pub fn expand_selectors(selectors: &[String], origin: &str) -> Result<BTreeSet<&'static str>> {
    let mut codes = BTreeSet::new();
    for selector in selectors {
        let matched: Vec<_> = ALL
            .iter()
            .map(|c| c.meta().code)
            .filter(|code| selector_matches(selector, code))
            .collect();
        if matched.is_empty() {
            bail!("{origin}: unknown rule selector `{selector}` (see `perfopt rules`)");
        }
        codes.extend(matched);
    }
    Ok(codes)
}

/// The nearest `perfopt.toml`, or `pyproject.toml` with a `[tool.perfopt]` table, at or above `start`.
fn discover(start: &Path) -> Result<Option<(PathBuf, ConfigFile)>> {
    let start = if start.is_file() {
        start.parent().unwrap_or(start)
    } else {
        start
    };
    for dir in start.ancestors() {
        for name in ["perfopt.toml", "pyproject.toml"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                if let Some(config) = load_config(&candidate)? {
                    return Ok(Some((candidate, config)));
                }
            }
        }
    }
    Ok(None)
}

/// Reads a config file; `None` for a `pyproject.toml` without `[tool.perfopt]`.
fn load_config(path: &Path) -> Result<Option<ConfigFile>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the configuration", path.display()))?;
    let value: toml::Value =
        toml::from_str(&text).with_context(|| format!("{}: invalid TOML", path.display()))?;
    let table = if path.file_name().is_some_and(|n| n == "pyproject.toml") {
        match value.get("tool").and_then(|t| t.get("perfopt")) {
            Some(table) => table.clone(),
            None => return Ok(None),
        }
    } else {
        value
    };
    let config = ConfigFile::deserialize(table)
        .with_context(|| format!("{}: invalid perfopt configuration", path.display()))?;
    Ok(Some(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_format_is_one_of_two() {
        let parse =
            |text: &str| ConfigFile::deserialize(toml::from_str::<toml::Value>(text).unwrap());
        let config = parse("[unstreamed-large-response]\nformat = \"ndjson\"").unwrap();
        assert_eq!(
            config.unstreamed_large_response.unwrap().format,
            StreamFormat::Ndjson
        );
        let err = parse("[unstreamed-large-response]\nformat = \"jsonl\"").unwrap_err();
        assert!(err.to_string().contains("unknown variant `jsonl`"), "{err}");
    }

    #[test]
    fn selectors_take_codes_and_prefixes_and_reject_unknown_ones() {
        let codes = expand_selectors(&["PO10".into()], "test").unwrap();
        assert!(codes.contains("PO101"));
        let err = expand_selectors(&["PO999".into()], "test").unwrap_err();
        assert!(err.to_string().contains("unknown rule selector `PO999`"));
    }

    #[test]
    fn unknown_config_keys_are_errors() {
        let value: toml::Value = toml::from_str("selct = [\"PO1\"]").unwrap();
        assert!(ConfigFile::deserialize(value).is_err());
    }
}
