//! Edits, fixes and their applicability (Ruff's model): a fix is a set of byte-range edits that
//! apply together or not at all.

use serde::{Deserialize, Serialize};

/// Replace `start..end` with `content` (empty content deletes, an empty range inserts).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub content: String,
}

impl Edit {
    pub fn replace(start: usize, end: usize, content: impl Into<String>) -> Self {
        Edit {
            start,
            end,
            content: content.into(),
        }
    }

    pub fn insert(at: usize, content: impl Into<String>) -> Self {
        Edit::replace(at, at, content)
    }

    pub fn delete(start: usize, end: usize) -> Self {
        Edit::replace(start, end, "")
    }

    /// Two edits conflict when their ranges overlap, or when their order at one point is ambiguous.
    pub fn conflicts_with(&self, other: &Edit) -> bool {
        if self == other {
            return false;
        }
        let overlap = self.start < other.end && other.start < self.end;
        let same_point = self.start == other.start && (self.is_insertion() || other.is_insertion());
        overlap || same_point
    }

    /// One inserts right where the other's replaced text ends. Two fixes that meet so rewrite
    /// one expression together (`.project(...)` added after a query another fix rebuilt): the
    /// later must see the first's result, in the next pass.
    pub fn abuts(&self, other: &Edit) -> bool {
        let ends_at = |replacement: &Edit, insertion: &Edit| {
            insertion.is_insertion()
                && !replacement.is_insertion()
                && insertion.start == replacement.end
        };
        ends_at(self, other) || ends_at(other, self)
    }

    fn is_insertion(&self) -> bool {
        self.start == self.end
    }
}

/// How sure a fix is to keep behaviour; ordered so that `Safe > Unsafe > DisplayOnly`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Shown, never applied.
    DisplayOnly,
    /// Keeps valid syntax but may change behaviour: applied only with `--unsafe`.
    Unsafe,
    /// Keeps the program's observable results.
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::DisplayOnly => "display-only",
            Applicability::Unsafe => "unsafe",
            Applicability::Safe => "safe",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Fix {
    pub message: String,
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
    /// Modules whose imports this fix may leave unused; the fixer removes them if it did.
    pub releases: Vec<&'static str>,
}

impl Fix {
    pub fn new(
        message: impl Into<String>,
        mut edits: Vec<Edit>,
        applicability: Applicability,
    ) -> Self {
        edits.sort();
        edits.dedup();
        Fix {
            message: message.into(),
            edits,
            applicability,
            releases: Vec::new(),
        }
    }

    pub fn safe(message: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix::new(message, edits, Applicability::Safe)
    }

    pub fn unsafe_edits(message: impl Into<String>, edits: Vec<Edit>) -> Self {
        Fix::new(message, edits, Applicability::Unsafe)
    }

    pub fn releasing(mut self, module: &'static str) -> Self {
        self.releases.push(module);
        self
    }

    pub fn applies(&self, required: Applicability) -> bool {
        self.applicability >= required
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflicts() {
        let replace = Edit::replace(5, 10, "x");
        assert!(replace.conflicts_with(&Edit::replace(9, 12, "y")));
        assert!(!replace.conflicts_with(&Edit::replace(10, 12, "y")));
        assert!(!replace.conflicts_with(&Edit::insert(10, "y")));
        assert!(replace.conflicts_with(&Edit::insert(5, "y")));
        assert!(replace.conflicts_with(&Edit::insert(7, "y")));
        assert!(Edit::insert(3, "a").conflicts_with(&Edit::insert(3, "b")));
        assert!(!Edit::insert(3, "a").conflicts_with(&Edit::insert(3, "a")));
        assert!(replace.abuts(&Edit::insert(10, "y")));
        assert!(Edit::insert(10, "y").abuts(&replace));
        assert!(!replace.abuts(&Edit::replace(10, 12, "y")));
    }

    #[test]
    fn applicability_orders_safe_highest() {
        let fix = Fix::unsafe_edits("t", vec![]);
        assert!(fix.applies(Applicability::Unsafe));
        assert!(!fix.applies(Applicability::Safe));
        assert!(Fix::safe("t", vec![]).applies(Applicability::Unsafe));
    }
}
