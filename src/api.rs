//! Checking and fixing one source text without touching the file system: what tests and
//! embedders call.

use crate::checker::{check_tree, CheckOptions};
use crate::diagnostic::Diagnostic;
use crate::fix::Applicability;
use crate::fixer::{fix_until_stable, FixError, FixOutcome};
use crate::parse::parse;
use crate::semantic::imports::ImportMap;
use crate::semantic::project::{app_object_names, awaited_names, FileFacts, ProjectIndex};
use crate::settings::CodemodOptions;
use std::collections::BTreeSet;

/// A project made of this one file.
fn single_file_project(source: &str, module: &[String]) -> ProjectIndex {
    let mut facts = FileFacts {
        module: module.to_vec(),
        awaited: awaited_names(source),
        ..FileFacts::default()
    };
    if let Some(tree) = parse(source) {
        facts.app_objects =
            app_object_names(&tree, source, &ImportMap::build(&tree, source, module));
    }
    ProjectIndex::from_facts([facts])
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
