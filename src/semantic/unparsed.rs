//! The text a tree parsed in part leaves out (see `checker::relevant_parts`). Questions about the
//! whole file — is a name defined or used anywhere? — read it too, so that a check of the parts
//! answers them as a check of the whole file does.

use crate::outline::code_tokens;
use std::cell::OnceCell;
use std::collections::HashMap;
use std::ops::Range;
use tree_sitter::Tree;

pub struct Unparsed<'a> {
    source: &'a str,
    ranges: Vec<Range<usize>>,
    /// Its module-level `def`s and `class`es: name, and bytes from the first decorator to the
    /// end of the body.
    pub definitions: Vec<(&'a str, Range<usize>)>,
    /// How often each name occurs in it as code (strings and comments skipped).
    names: OnceCell<HashMap<String, usize>>,
}

impl<'a> Unparsed<'a> {
    /// What `tree` (parsed from `source`) leaves out: nothing when it was parsed whole;
    /// `definitions` are the module-level ones it leaves out (see [`Unparsed::definitions`]).
    pub fn of(tree: &Tree, source: &'a str, definitions: &[(&'a str, Range<usize>)]) -> Self {
        let mut ranges = Vec::new();
        let mut at = 0;
        for included in tree.included_ranges() {
            let start = included.start_byte.min(source.len());
            if start > at {
                ranges.push(at..start);
            }
            at = at.max(included.end_byte.min(source.len()));
        }
        if at < source.len() {
            ranges.push(at..source.len());
        }
        Unparsed {
            source,
            ranges,
            definitions: definitions.to_vec(),
            names: OnceCell::new(),
        }
    }

    /// How often `name` occurs in it as code.
    pub fn uses(&self, name: &str) -> usize {
        let names = self.names.get_or_init(|| {
            let mut names = HashMap::new();
            for range in &self.ranges {
                for (_, token) in code_tokens(&self.source[range.clone()]) {
                    *names.entry(token.to_string()).or_insert(0) += 1;
                }
            }
            names
        });
        names.get(name).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_ranges;

    #[test]
    fn names_used_in_what_a_partial_parse_leaves_out_still_count() {
        let source = "import x\n\ndef kept():\n    return x\n\n\nasync def dropped():\n    s = 'kept kept'\n    return kept()\n";
        let kept = source.find("\n\n\nasync").unwrap() + 1;
        let tree = parse_ranges(source, std::slice::from_ref(&(0..kept))).unwrap();
        let unparsed = Unparsed::of(&tree, source, &[]);
        assert_eq!(unparsed.uses("kept"), 1, "strings do not count");
        assert_eq!(unparsed.uses("dropped"), 1);
        let whole = crate::parse::parse(source).unwrap();
        assert_eq!(Unparsed::of(&whole, source, &[]).uses("kept"), 0);
    }
}
