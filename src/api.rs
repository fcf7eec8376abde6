//! Checking and fixing one source text without touching the file system: what tests and
//! embedders call.

use crate::checker::{
    candidate_codemods, check_in_parts, check_parsed_text, check_tree, check_with, CheckOptions,
    Parts,
};
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

/// Diagnostics for `source` with the given codes enabled, found as `perfopt check` finds them:
/// the parts of the file no codemod can match are not parsed.
pub fn check_source(
    source: &str,
    enabled: &BTreeSet<&'static str>,
    options: &CodemodOptions,
) -> Vec<Diagnostic> {
    with_check_options(source, enabled, options, |check_options| {
        let codemods = candidate_codemods(source, enabled);
        if codemods.is_empty() {
            return Vec::new();
        }
        match check_in_parts(source, &codemods, check_options) {
            Parts::Nothing => Vec::new(),
            Parts::Found(findings) => findings,
            Parts::Whole => match parse(source) {
                Some(tree) => check_with(source, &tree, &codemods, check_options),
                None => Vec::new(),
            },
        }
    })
}

/// [`check_source`] with the whole file parsed: what it must equal.
pub fn check_whole_source(
    source: &str,
    enabled: &BTreeSet<&'static str>,
    options: &CodemodOptions,
) -> Vec<Diagnostic> {
    with_check_options(source, enabled, options, |check_options| {
        match parse(source) {
            Some(tree) => check_tree(source, &tree, check_options),
            None => Vec::new(),
        }
    })
}

/// Runs `run` with the options for checking `source` as a project of its own.
fn with_check_options<T>(
    source: &str,
    enabled: &BTreeSet<&'static str>,
    options: &CodemodOptions,
    run: impl FnOnce(&CheckOptions) -> T,
) -> T {
    let module = vec!["module".to_string()];
    let project = single_file_project(source, &module);
    run(&CheckOptions {
        enabled,
        options,
        project: &project,
        module: &module,
    })
}

/// Fixes `source` to a fixpoint with the given codes enabled.
pub fn fix_source(
    source: &str,
    enabled: &BTreeSet<&'static str>,
    options: &CodemodOptions,
    required: Applicability,
) -> Result<FixOutcome, FixError> {
    with_check_options(source, enabled, options, |check_options| {
        fix_until_stable(source, required, &|text, tree| {
            check_parsed_text(text, tree, check_options)
        })
    })
}
