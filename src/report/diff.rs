use similar::TextDiff;

/// A `git apply`-able unified diff with `a/` and `b/` headers.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    let diff = TextDiff::from_lines(old, new);
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        out.push_str(&hunk.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::unified_diff;

    #[test]
    fn marks_a_missing_final_newline() {
        let diff = unified_diff("m.py", "a\nb", "a\nc");
        assert!(diff.starts_with("--- a/m.py\n+++ b/m.py\n@@ -1,2 +1,2 @@\n"));
        assert!(diff.contains("\\ No newline at end of file"));
    }
}
