//! Module-level HTTP plumbing that fixes share and reuse across passes: the SSL context httpx
//! clients share (building one costs ~15 ms of CPU, `bench/client_strategies.md`), found again by
//! its shape on later runs so a second fix reuses it instead of defining another.

use crate::codemod::FileContext;
use crate::edits::importer::{existing_definition, unique_name, ModuleAdditions};

/// The module-level SSL context for httpx clients (`httpx` is how the file names the library):
/// reused when present, else defined through `additions`.
pub fn ssl_context(file: &FileContext, additions: &mut ModuleAdditions, httpx: &str) -> String {
    if let Some(name) = existing_definition(file, "_http_ssl_context", ".create_ssl_context(") {
        return name;
    }
    let name = unique_name(file, "_http_ssl_context");
    additions.define(&[format!("{name} = {httpx}.create_ssl_context()")]);
    name
}
