//! Checking and fixing one source text without touching the file system: what tests and
//! embedders call.

use crate::checker::{check_tree, CheckOptions};
use crate::diagnostic::Diagnostic;
use crate::fix::Applicability;
use crate::fixer::{fix_until_stable, FixError, FixOutcome};
use crate::parse::parse;
use crate::semantic::project::{FileFacts, ProjectIndex};
use crate::settings::CodemodOptions;
use std::collections::BTreeSet;

/// A project made of this one file.
fn single_file_project(source: &str, module: &[String]) -> ProjectIndex {
    ProjectIndex::from_facts([&FileFacts::collect(source, module.to_vec())])
}

/// Diagnostics for `source` with the given codes enabled.
pub fn check_source(
    source: &str,
    enabled: &BTreeSet<&'static str>,
    options: &CodemodOptions,
) -> Vec<Diagnostic> {
    let module = vec!["module".to_string()];
    let project = single_file_project(source, &module);
    let Some(tree) = parse(source) else {
        return Vec::new();
    };
    let check_options = CheckOptions {
        enabled,
        options,
        project: &project,
        module: &module,
    };
    check_tree(source, &tree, &check_options)
}

/// Fixes `source` to a fixpoint with the given codes enabled.
pub fn fix_source(
    source: &str,
    enabled: &BTreeSet<&'static str>,
    options: &CodemodOptions,
    required: Applicability,
) -> Result<FixOutcome, FixError> {
    let module = vec!["module".to_string()];
    let project = single_file_project(source, &module);
    let check_options = CheckOptions {
        enabled,
        options,
        project: &project,
        module: &module,
    };
    fix_until_stable(source, required, &|text, tree| {
        check_tree(text, tree, &check_options)
    })
}
