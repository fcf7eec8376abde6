//! Runs every fixture under `codemods/<name>/` through its codemod: `<case>.py` must fire and
//! `ok_<case>.py` must not; the fix must converge, parse, compile, be idempotent and give the
//! same result on a CRLF copy. The findings and the diff are snapshotted under `snapshots/`.

use perfopt::api::{check_source, check_whole_source, fix_source};
use perfopt::codemods::ALL;
use perfopt::fix::Applicability;
use perfopt::parse::{parse, syntax_error_count};
use perfopt::report::unified_diff;
use perfopt::settings::{CodemodOptions, Overrides, Settings};
use perfopt::source::LineIndex;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn codemod_for(folder: &str) -> &'static dyn perfopt::codemod::Codemod {
    ALL.iter()
        .copied()
        .find(|c| c.meta().name.replace('-', "_") == folder)
        .unwrap_or_else(|| panic!("codemods/{folder} belongs to no codemod"))
}

/// Compiles with CPython, which also rejects what tree-sitter accepts (`await` outside async).
fn assert_compiles(source: &str, what: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("case.py");
    std::fs::write(&file, source).unwrap();
    let output = Command::new("python3")
        .args([
            "-c",
            "import sys; compile(open(sys.argv[1], encoding='utf-8').read(), sys.argv[1], 'exec')",
        ])
        .arg(&file)
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{what} does not compile:\n{}\n{source}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn render(source: &str, diagnostics: &[perfopt::diagnostic::Diagnostic]) -> String {
    let index = LineIndex::new(source);
    let mut out = String::new();
    for d in diagnostics {
        let at = index.location(source, d.start);
        out.push_str(&format!(
            "{}:{} {} {}\n",
            at.row, at.column, d.code, d.message
        ));
        if let Some(fix) = &d.fix {
            out.push_str(&format!(
                "  fix ({}): {}\n",
                fix.applicability.as_str(),
                fix.message
            ));
        }
        if let Some(note) = &d.note {
            out.push_str(&format!("  note: {note}\n"));
        }
    }
    out
}

/// A fixture's codemod options: its leading `# perfopt.toml: ` lines, read as a configuration
/// file (`# perfopt.toml: [client-per-request]`, `# perfopt.toml: share = "client"`).
fn fixture_options(source: &str) -> CodemodOptions {
    let config: String = source
        .lines()
        .take_while(|line| line.starts_with('#'))
        .filter_map(|line| line.strip_prefix("# perfopt.toml: "))
        .map(|line| format!("{line}\n"))
        .collect();
    let config = toml::from_str(&config).expect("the fixture's perfopt.toml lines parse");
    Settings::from_config(config, None, ".".into(), &Overrides::default())
        .expect("the fixture's options are valid")
        .options
}

#[test]
fn fixtures() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        insta::glob!("../codemods", "*/*.py", |path: &Path| {
            let folder = path
                .parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_str()
                .unwrap();
            let case = path.file_name().unwrap().to_str().unwrap();
            let codemod = codemod_for(folder);
            let enabled: BTreeSet<&'static str> = [codemod.meta().code].into();
            let source = std::fs::read_to_string(path).unwrap();
            let options = fixture_options(&source);
            assert_compiles(&source, case);

            let diagnostics = check_source(&source, &enabled, &options);
            let padded = padded(&source);
            assert_eq!(
                format!("{:?}", check_source(&padded, &enabled, &options)),
                format!("{:?}", check_whole_source(&padded, &enabled, &options)),
                "{folder}/{case}: parsing in part finds what parsing the whole file does"
            );
            if case.starts_with("ok_") {
                assert!(
                    diagnostics.is_empty(),
                    "{folder}/{case} must not fire:\n{}",
                    render(&source, &diagnostics)
                );
            } else {
                assert!(!diagnostics.is_empty(), "{folder}/{case} must fire");
            }

            let fixed = fix_source(&source, &enabled, &options, Applicability::Unsafe)
                .unwrap_or_else(|e| panic!("{folder}/{case}: {e}"));
            assert!(
                fixed.refused.is_empty(),
                "{folder}/{case}: refused fixes {:?}",
                fixed.refused
            );
            let tree = parse(&fixed.text).unwrap();
            assert_eq!(
                syntax_error_count(&tree),
                0,
                "{folder}/{case}: the fix broke the syntax"
            );
            assert_compiles(&fixed.text, &format!("{case} after the fix"));

            let again = fix_source(&fixed.text, &enabled, &options, Applicability::Unsafe).unwrap();
            assert_eq!(
                again.text, fixed.text,
                "{folder}/{case}: a second fix changed the file"
            );
            assert!(again.applied.is_empty());

            let crlf = source.replace("\r\n", "\n").replace('\n', "\r\n");
            let fixed_crlf = fix_source(&crlf, &enabled, &options, Applicability::Unsafe).unwrap();
            assert_eq!(
                fixed_crlf.text,
                fixed.text.replace("\r\n", "\n").replace('\n', "\r\n"),
                "{folder}/{case}: the CRLF copy fixes differently"
            );

            let mut report = render(&source, &diagnostics);
            if fixed.text != source {
                report.push_str("\n--- fix (with --unsafe) ---\n");
                report.push_str(&unified_diff(case, &source, &fixed.text));
            }
            insta::assert_snapshot!(report);
        });
    });
}

#[test]
fn catalogue_is_consistent() {
    let mut codes = BTreeSet::new();
    let mut names = BTreeSet::new();
    for codemod in ALL {
        let meta = codemod.meta();
        assert!(codes.insert(meta.code), "duplicate code {}", meta.code);
        assert!(names.insert(meta.name), "duplicate name {}", meta.name);
        assert!(meta.code.len() == 5 && meta.code.starts_with("PO"));
        for heading in [
            "## What it does",
            "## Why is this slow?",
            "## Example",
            "## Use instead",
            "## Fix safety",
        ] {
            assert!(
                meta.docs.contains(heading),
                "{} docs lack {heading}",
                meta.code
            );
        }
        let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("codemods")
            .join(meta.name.replace('-', "_"));
        let cases: Vec<String> = std::fs::read_dir(&folder)
            .unwrap_or_else(|_| panic!("{} has no fixture folder {}", meta.code, folder.display()))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            cases.iter().any(|c| c.starts_with("ok_")),
            "{} has no ok_ case",
            meta.code
        );
        assert!(
            cases.iter().any(|c| !c.starts_with("ok_")),
            "{} has no firing case",
            meta.code
        );
    }
    // Every snapshot belongs to a fixture that still exists (renamed cases leave none behind).
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(root.join("snapshots")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let Some(case) = name
            .strip_prefix("fixtures@")
            .and_then(|n| n.strip_suffix(".snap"))
        else {
            continue;
        };
        let (folder, file) = case
            .split_once("__")
            .expect("fixtures@<folder>__<case>.py.snap");
        assert!(
            root.join("codemods").join(folder).join(file).is_file(),
            "orphan snapshot {name}"
        );
    }
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("codemods")).unwrap()
    {
        let folder = entry.unwrap().file_name().to_string_lossy().into_owned();
        codemod_for(&folder);
    }
}

/// `source` followed by more bytes of definitions no codemod looks at than it has itself: a
/// file perfopt parses in part (it parses small files whole), with the same findings.
fn padded(source: &str) -> String {
    let newline = if source.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let mut padded = source.to_string();
    if !padded.ends_with('\n') {
        padded.push_str(newline);
    }
    for n in 0..source.len() / 20 + 1 {
        padded.push_str(&format!(
            "{newline}{newline}def _padding_{n}(value):{newline}    return value + {n}{newline}"
        ));
    }
    padded
}

/// Every fixture fixed with every codemod at once: codemods must not break each other's output.
/// Checked as `perfopt check` does (parsing only the parts a codemod can match), the findings
/// are those of the whole file, before and after fixing.
#[test]
fn fixtures_with_every_codemod_together() {
    let enabled: BTreeSet<&'static str> = ALL.iter().map(|c| c.meta().code).collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("codemods");
    let same_as_whole = |source: &str, options: &CodemodOptions, what: &Path| {
        assert_eq!(
            format!("{:?}", check_source(source, &enabled, options)),
            format!("{:?}", check_whole_source(source, &enabled, options)),
            "{}: parsing in part finds what parsing the whole file does",
            what.display()
        );
    };
    for folder in std::fs::read_dir(&root).unwrap() {
        for case in std::fs::read_dir(folder.unwrap().path()).unwrap() {
            let path = case.unwrap().path();
            let source = std::fs::read_to_string(&path).unwrap();
            let options = fixture_options(&source);
            same_as_whole(&source, &options, &path);
            same_as_whole(&padded(&source), &options, &path);
            let fixed = fix_source(&source, &enabled, &options, Applicability::Unsafe)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(
                fixed.refused.is_empty(),
                "{}: {:?}",
                path.display(),
                fixed.refused
            );
            assert_compiles(
                &fixed.text,
                &format!("{} with every codemod", path.display()),
            );
            same_as_whole(&fixed.text, &options, &path);
            let again = fix_source(&fixed.text, &enabled, &options, Applicability::Unsafe).unwrap();
            assert_eq!(again.text, fixed.text, "{}: not idempotent", path.display());
        }
    }
}
