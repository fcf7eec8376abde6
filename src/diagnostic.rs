//! A finding: where, what, and optionally how to fix it.

use crate::fix::Fix;

#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub code: &'static str,
    pub name: &'static str,
    pub message: String,
    /// Byte range in the file's text.
    pub start: usize,
    pub end: usize,
    pub fix: Option<Fix>,
    /// Why there is no fix, or what an unsafe fix may change: shown next to the finding.
    pub note: Option<String>,
}

impl Diagnostic {
    pub fn fix_title(&self) -> Option<&str> {
        self.fix.as_ref().map(|fix| fix.message.as_str())
    }
}
