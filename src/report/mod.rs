//! Printing outcomes: text for people, Ruff-shaped JSON, SARIF 2.1.0, GitHub annotations, and
//! unified diffs. Printing happens here only.

pub mod analysis;
mod diff;
mod json;
mod sarif;
mod text;

pub use diff::unified_diff;
pub use json::json;
pub use sarif::sarif;
pub use text::{github, text};

use crate::source::{LineIndex, Location};
use crate::workspace::FileOutcome;
use std::path::Path;

/// A path as users see it: relative to the current directory when it is below it.
pub fn display_path(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let shown = cwd
        .as_deref()
        .and_then(|cwd| absolute.strip_prefix(cwd).ok())
        .unwrap_or(path);
    shown.display().to_string()
}

/// Start and end locations of a byte range in an outcome's source.
pub fn span(
    outcome: &FileOutcome,
    index: &LineIndex,
    start: usize,
    end: usize,
) -> (Location, Location) {
    (
        index.location(outcome.reported_text(), start),
        index.location(outcome.reported_text(), end),
    )
}
