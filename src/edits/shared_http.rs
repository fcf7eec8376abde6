//! Module-level HTTP plumbing that fixes share and reuse across passes: the SSL context httpx
//! clients share (building one costs ~15 ms of CPU, `bench/client_strategies.md`), found again by
//! its shape on later runs so a second fix reuses it instead of defining another.

use crate::codemod::FileContext;
use crate::edits::importer::{unique_name, ModuleAdditions};
use crate::syntax::named_children;

/// The name of a module-level function or assignment named `base…` whose text contains `marker`:
/// a definition an earlier fix wrote.
pub fn existing_definition(file: &FileContext, base: &str, marker: &str) -> Option<String> {
    named_children(file.tree.root_node())
        .into_iter()
        .find_map(|statement| {
            let defined = match statement.kind() {
                "function_definition" => statement.child_by_field_name("name"),
                "expression_statement" => statement
                    .named_child(0)
                    .filter(|a| a.kind() == "assignment")
                    .and_then(|a| a.child_by_field_name("left")),
                _ => None,
            }?;
            let name = file.text(defined);
            (name.starts_with(base) && file.text(statement).contains(marker))
                .then(|| name.to_string())
        })
}

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
