//! The subcommands. Each returns the process exit code: 0 clean, 1 findings (or changes, with
//! `--dry-run`), 2 when a file or the configuration could not be read.

use crate::cache::Cache;
use crate::cli::{
    BatchArgs, CheckArgs, FixArgs, OutputFormat, ReportFormat, RulesFormat, Selection,
};
use crate::codemods::{find, ALL};
use crate::fix::Applicability;
use crate::forge;
use crate::git;
use crate::plan::{self, PlannedFile};
use crate::report::{self, display_path, unified_diff};
use crate::semantic::project::{FileFacts, ProjectIndex};
use crate::settings::{Overrides, Settings};
use crate::workspace::{self, FileError, FileOutcome, Mode, SourceFile};
use anyhow::{bail, Context as _, Result};
use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Files read and outcomes computed, with every per-file error collected.
struct Run {
    files: Vec<SourceFile>,
    outcomes: Vec<FileOutcome>,
    errors: Vec<FileError>,
    settings: Settings,
    project: ProjectIndex,
    /// What the project index was built from: held so that it is freed with the rest of the
    /// run, or not at all (see `check`).
    _facts: Vec<Arc<FileFacts>>,
}

/// `trust_stamps`: files the cache knows by their stamps are read only when needed, which
/// leaves them unread in `Run::files` (see [`workspace::load`]); only `check` can.
fn run(selection: &Selection, mode: &Mode, trust_stamps: bool) -> Result<Run> {
    let paths = if selection.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        selection.paths.clone()
    };
    let overrides = Overrides {
        select: selection.select.clone(),
        ignore: selection.ignore.clone(),
        config: selection.config.clone(),
        isolated: selection.isolated,
    };
    let settings = Settings::resolve(&paths, &overrides)?;
    // The cache is read while the files are found.
    let ((found, mut errors), cache) = rayon::join(
        || workspace::discover(&paths, &settings),
        || (!selection.no_cache).then(|| Cache::open(&settings.cache_dir, settings.fingerprint)),
    );
    let (files, facts, read_errors) =
        workspace::load(&found, &settings, cache.as_ref(), trust_stamps);
    errors.extend(read_errors);
    let project = ProjectIndex::from_facts(facts.iter().map(|f| &**f));
    let outcomes = workspace::run(&files, &settings, &project, mode, cache.as_ref());
    if let Some(mut cache) = cache {
        workspace::update_cache(&mut cache, &files, &facts, &outcomes, project.fingerprint());
        cache.save();
        // Freeing an entry per file of the project takes a few milliseconds of a warm run,
        // just before the process exits and frees it all at once.
        std::mem::forget(cache);
    }
    for outcome in &outcomes {
        errors.extend(outcome.errors.iter().cloned());
    }
    Ok(Run {
        files,
        outcomes,
        errors,
        settings,
        project,
        _facts: facts,
    })
}

fn print_errors(errors: &[FileError]) {
    let mut stderr = std::io::stderr().lock();
    for err in errors {
        let _ = writeln!(stderr, "error: {}: {}", display_path(&err.path), err.reason);
    }
}

fn print_findings(outcomes: &[FileOutcome], format: OutputFormat, required: Applicability) {
    let mut stdout = std::io::stdout().lock();
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let rendered = match format {
        OutputFormat::Text => report::text(outcomes, color, required),
        OutputFormat::Json => report::json(outcomes) + "\n",
        OutputFormat::Sarif => report::sarif(outcomes) + "\n",
        OutputFormat::Github => report::github(outcomes),
    };
    let _ = stdout.write_all(rendered.as_bytes());
}

fn summary(outcomes: &[FileOutcome], required: Applicability) -> String {
    let total: usize = outcomes.iter().map(|o| o.diagnostics.len()).sum();
    if total == 0 {
        return "All checks passed!".into();
    }
    let fixes = outcomes
        .iter()
        .flat_map(|o| &o.diagnostics)
        .filter_map(|d| d.fix.as_ref());
    let (applicable, unsafe_only) = fixes.fold((0, 0), |(a, u), fix| {
        if fix.applies(required) {
            (a + 1, u)
        } else {
            (a, u + 1)
        }
    });
    let mut line = format!("Found {total} finding{}", if total == 1 { "" } else { "s" });
    if applicable > 0 || unsafe_only > 0 {
        line.push_str(&format!(" ({applicable} fixable with `perfopt fix`"));
        if unsafe_only > 0 {
            line.push_str(&format!(", {unsafe_only} more with `--unsafe`"));
        }
        line.push(')');
    }
    line + "."
}

pub fn check(args: &CheckArgs) -> Result<i32> {
    let run = run(&args.selection, &Mode::Check, true)?;
    print_findings(&run.outcomes, args.format, Applicability::Safe);
    if matches!(args.format, OutputFormat::Text) {
        println!("{}", summary(&run.outcomes, Applicability::Safe));
    }
    print_errors(&run.errors);
    let findings = run.outcomes.iter().any(|o| !o.diagnostics.is_empty());
    let code = exit_code(&run.errors, findings);
    // Freeing what every file left (its text, facts and outcome) took 1% of a cold check, just
    // before the process exits and frees it all at once.
    std::mem::forget(run);
    Ok(code)
}

pub fn fix(args: &FixArgs) -> Result<i32> {
    let required = if args.unsafe_fixes {
        Applicability::Unsafe
    } else {
        Applicability::Safe
    };
    if let Some(branch) = &args.branch {
        return fix_on_branch(args, branch, required);
    }
    let mut run = run(&args.selection, &Mode::Fix { required }, false)?;
    let fixed_count: usize = run.outcomes.iter().flat_map(|o| o.applied.values()).sum();
    let changed: Vec<usize> = (0..run.outcomes.len())
        .filter(|&i| run.outcomes[i].fixed.is_some())
        .collect();
    if args.save.is_some() && !args.dry_run && !args.interactive {
        bail!("--save goes with --dry-run or --interactive");
    }
    if args.interactive {
        return fix_interactively(args, &run, &changed);
    }
    if args.dry_run {
        let mut stdout = std::io::stdout().lock();
        for &i in &changed {
            let outcome = &run.outcomes[i];
            let path = display_path(&outcome.path);
            let _ = stdout.write_all(
                unified_diff(
                    &path,
                    &outcome.source,
                    outcome.fixed.as_deref().unwrap_or(""),
                )
                .as_bytes(),
            );
        }
        drop(stdout);
        if let Some(plan_path) = &args.save {
            let files: Vec<PlannedFile> = changed
                .iter()
                .map(|&i| {
                    let outcome = &run.outcomes[i];
                    let path = display_path(&outcome.path);
                    let bytes = std::fs::read(&outcome.path).unwrap_or_default();
                    PlannedFile {
                        diff: unified_diff(
                            &path,
                            &outcome.source,
                            outcome.fixed.as_deref().unwrap_or(""),
                        ),
                        path,
                        sha256: plan::sha256_hex(&bytes),
                        codes: outcome.applied.keys().map(|c| c.to_string()).collect(),
                    }
                })
                .collect();
            std::fs::write(plan_path, plan::render(&files))
                .with_context(|| format!("{}: cannot write the plan", plan_path.display()))?;
            eprintln!(
                "Wrote the plan for {} file{} to {}",
                files.len(),
                if files.len() == 1 { "" } else { "s" },
                plan_path.display()
            );
        }
        eprintln!(
            "Would fix {fixed_count} finding{} in {} file{}.",
            if fixed_count == 1 { "" } else { "s" },
            changed.len(),
            if changed.len() == 1 { "" } else { "s" }
        );
        print_errors(&run.errors);
        return Ok(if !run.errors.is_empty() {
            2
        } else {
            i32::from(!changed.is_empty())
        });
    }
    // SIGINT/SIGTERM during the writes stop them between files: each file is left either as it
    // was or fully fixed (every write is itself atomic).
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&interrupted);
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
    let mut written = 0;
    for &i in &changed {
        if interrupted.load(Ordering::SeqCst) {
            eprintln!(
                "perfopt: interrupted; {written} of {} files written, the others left as they were",
                changed.len()
            );
            return Ok(130);
        }
        let outcome = &run.outcomes[i];
        // Outcomes come in the order of the files they were computed from.
        let file = &run.files[i];
        debug_assert_eq!(file.path, outcome.path);
        match workspace::write_fixed(
            file,
            outcome.fixed.as_deref().unwrap_or(""),
            &run.settings.root,
        ) {
            Ok(()) => written += 1,
            Err(err) => run.errors.push(err),
        }
    }
    print_findings(&run.outcomes, args.format, required);
    if matches!(args.format, OutputFormat::Text) {
        println!(
            "Fixed {fixed_count} finding{} in {} file{}. {}",
            if fixed_count == 1 { "" } else { "s" },
            changed.len(),
            if changed.len() == 1 { "" } else { "s" },
            summary(&run.outcomes, required).replace("Found", "Remaining:")
        );
    }
    print_errors(&run.errors);
    let findings = run.outcomes.iter().any(|o| !o.diagnostics.is_empty());
    Ok(exit_code(&run.errors, findings))
}

fn exit_code(errors: &[FileError], findings: bool) -> i32 {
    if !errors.is_empty() {
        2
    } else {
        i32::from(findings)
    }
}

pub fn rules(format: RulesFormat) -> Result<i32> {
    match format {
        RulesFormat::Text => {
            let fix_of = |m: &crate::codemod::CodemodMeta| match m.fix {
                crate::codemod::FixAvailability::Never => "none",
                _ => m.safety,
            };
            let width = ALL
                .iter()
                .map(|c| fix_of(c.meta()).len())
                .max()
                .unwrap_or(3);
            println!("{:<6} {:<32} {:<width$} summary", "code", "name", "fix");
            for codemod in ALL {
                let m = codemod.meta();
                println!(
                    "{:<6} {:<32} {:<width$} {}",
                    m.code,
                    m.name,
                    fix_of(m),
                    m.summary
                );
            }
        }
        RulesFormat::Json => {
            let items: Vec<_> = ALL
                .iter()
                .map(|c| {
                    let m = c.meta();
                    serde_json::json!({"code": m.code, "name": m.name, "summary": m.summary, "fix": m.fix, "fix_safety": m.safety})
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&items)?);
        }
    }
    Ok(0)
}

pub fn explain(code: &str) -> Result<i32> {
    let Some(codemod) = find(code) else {
        bail!("unknown code `{code}` (see `perfopt rules`)");
    };
    let m = codemod.meta();
    println!(
        "# {} ({})\n\n{}\n\nFix: {}.\n\n{}",
        m.name,
        m.code,
        m.summary,
        m.safety,
        m.docs.trim()
    );
    Ok(0)
}

pub fn clean() -> Result<i32> {
    let settings = Settings::resolve(&[PathBuf::from(".")], &Overrides::default())?;
    match std::fs::remove_dir_all(&settings.cache_dir) {
        Ok(()) => println!("Removed {}", settings.cache_dir.display()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            println!("No cache at {}", settings.cache_dir.display())
        }
        Err(err) => bail!(
            "{}: cannot remove the cache: {err}",
            settings.cache_dir.display()
        ),
    }
    Ok(0)
}

pub fn apply(plan_path: &std::path::Path) -> Result<i32> {
    let text = std::fs::read_to_string(plan_path)
        .with_context(|| format!("{}: cannot read the plan", plan_path.display()))?;
    let files =
        plan::parse(&text).with_context(|| format!("{}: invalid plan", plan_path.display()))?;
    let root = std::env::current_dir().context("cannot read the current directory")?;
    let (written, refused) = plan::apply(&root, &files);
    for path in &written {
        println!("applied {path}");
    }
    print_errors(&refused);
    println!(
        "Applied {} of {} file{} in the plan.",
        written.len(),
        files.len(),
        if files.len() == 1 { "" } else { "s" }
    );
    Ok(if refused.is_empty() { 0 } else { 2 })
}

pub fn report(selection: &Selection, format: ReportFormat) -> Result<i32> {
    let (analysis, errors) = analyse(selection)?;
    let rendered = match format {
        ReportFormat::Markdown => analysis.markdown(),
        ReportFormat::Json => analysis.json() + "\n",
        ReportFormat::Html => analysis.html(),
    };
    std::io::stdout().lock().write_all(rendered.as_bytes())?;
    print_errors(&errors);
    Ok(if errors.is_empty() { 0 } else { 2 })
}

/// The pull-request analysis of the files as they are now, and the files' errors.
fn analyse(selection: &Selection) -> Result<(report::analysis::Analysis, Vec<FileError>)> {
    let checked = run(selection, &Mode::Check, false)?;
    let unsafe_mode = Mode::Fix {
        required: Applicability::Unsafe,
    };
    let fixed = workspace::run(
        &checked.files,
        &checked.settings,
        &checked.project,
        &unsafe_mode,
        None,
    );
    let mut codes: Vec<&'static str> = checked
        .outcomes
        .iter()
        .flat_map(|o| &o.diagnostics)
        .filter(|d| d.fix.is_some())
        .map(|d| d.code)
        .collect();
    codes.sort();
    codes.dedup();
    let per_code = codes
        .into_iter()
        .map(|code| {
            let mut alone = checked.settings.clone();
            alone.enabled = [code].into();
            (
                code,
                workspace::run(&checked.files, &alone, &checked.project, &unsafe_mode, None),
            )
        })
        .collect();
    let analysis = report::analysis::Analysis::new(&checked.outcomes, &fixed, per_code);
    Ok((analysis, checked.errors))
}

/// `fix --branch`: the fixes committed on a new branch; on any failure the repository is put
/// back as it was.
fn fix_on_branch(args: &FixArgs, branch: &str, required: Applicability) -> Result<i32> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let options = git::BranchOptions {
        name: branch,
        base: args.base.as_deref(),
        allow_dirty: args.allow_dirty,
        force: args.force,
    };
    // The pull request describes the code as it is before the fixes.
    let body = if args.pr {
        let mut selection = args.selection.clone();
        selection.no_cache = true;
        Some(analyse(&selection)?.0.markdown())
    } else {
        None
    };
    let mut session = git::BranchSession::start(&cwd, &options)?;
    let rounds: Vec<Option<&'static str>> = if args.commit_per_codemod {
        ALL.iter().map(|c| Some(c.meta().code)).collect()
    } else {
        vec![None]
    };
    let mut errors = Vec::new();
    let outcome = (|| -> Result<()> {
        for round in rounds {
            let mut selection = args.selection.clone();
            // Each round reads the files as the previous commit left them.
            selection.no_cache = true;
            if let Some(code) = round {
                let settings = Settings::resolve(&[PathBuf::from(".")], &Overrides::default())?;
                if !settings.enabled.contains(code) {
                    continue;
                }
                selection.select = Some(vec![code.to_string()]);
            }
            let run = run(&selection, &Mode::Fix { required }, false)?;
            errors.extend(run.errors);
            let changed: Vec<&FileOutcome> =
                run.outcomes.iter().filter(|o| o.fixed.is_some()).collect();
            if changed.is_empty() {
                continue;
            }
            let paths: Vec<PathBuf> = changed.iter().map(|o| o.path.clone()).collect();
            let dirty = session.dirty(&paths)?;
            if !dirty.is_empty() && !options.allow_dirty {
                let names: Vec<String> = dirty.iter().map(|p| display_path(p)).collect();
                bail!("uncommitted changes in files perfopt would fix: {} (commit or stash them, or use --allow-dirty)", names.join(", "));
            }
            let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
            for outcome in &changed {
                for (code, n) in &outcome.applied {
                    *counts.entry(code).or_default() += n;
                }
            }
            let change = git::Change {
                files: changed
                    .iter()
                    .map(|o| (o.path.clone(), with_bom(o)))
                    .collect(),
                message: commit_message(&counts),
            };
            session.commit(&change)?;
        }
        Ok(())
    })();
    if let Err(err) = outcome {
        session.rollback();
        print_errors(&errors);
        return Err(err.context("nothing was changed: the original branch is checked out again"));
    }
    print_errors(&errors);
    if session.commits.is_empty() {
        session.rollback();
        println!("Nothing to fix; branch `{branch}` was not created.");
        return Ok(i32::from(!errors.is_empty()) * 2);
    }
    for oid in &session.commits {
        println!("committed {} on `{branch}`", &oid.to_string()[..10]);
    }
    if let Some(remote) = &args.push {
        if let Err(err) = session.push(remote, args.force) {
            session.rollback();
            return Err(err.context("the branch was removed again: nothing was changed"));
        }
        println!("pushed `{branch}` to `{remote}`");
        if let Some(body) = body {
            let url = open_pull_request(args, &session, remote, &body)?;
            println!("pull request: {url}");
        }
    }
    Ok(if errors.is_empty() { 0 } else { 2 })
}

/// Opens (or updates) the pull request for the pushed branch; the token comes from the
/// environment and never appears in output.
fn open_pull_request(
    args: &FixArgs,
    session: &git::BranchSession,
    remote: &str,
    body: &str,
) -> Result<String> {
    let url = session.remote_url(remote)?;
    let (token_var, api_var) = match forge::detect(&url, None)? {
        forge::Forge::GitHub { .. } => ("GITHUB_TOKEN", "GITHUB_API_URL"),
        forge::Forge::GitLab { .. } => ("GITLAB_TOKEN", "GITLAB_API_URL"),
    };
    let api = args.api_url.clone().or_else(|| std::env::var(api_var).ok());
    let forge = forge::detect(&url, api.as_deref())?;
    let token = std::env::var(token_var).map_err(|_| {
        anyhow::anyhow!("set {token_var} to open the pull request (the branch is pushed)")
    })?;
    let title = format!("perfopt: performance fixes ({})", session.branch_name());
    forge::open_or_update(
        &forge,
        &token,
        &forge::PullRequest {
            head: session.branch_name(),
            base: session.original_branch(),
            title: &title,
            body,
        },
    )
}

/// The fixed text as it goes to disk (a BOM the file had is kept).
fn with_bom(outcome: &FileOutcome) -> String {
    let fixed = outcome.fixed.as_deref().unwrap_or_default();
    let had_bom = std::fs::read(&outcome.path).is_ok_and(|b| b.starts_with("\u{feff}".as_bytes()));
    if had_bom {
        format!("\u{feff}{fixed}")
    } else {
        fixed.to_string()
    }
}

/// `perfopt: fix 4 findings (PO101 ×3, PO102 ×1)` and a line per codemod.
fn commit_message(counts: &BTreeMap<&'static str, usize>) -> String {
    let total: usize = counts.values().sum();
    let summary: Vec<String> = counts
        .iter()
        .map(|(code, n)| format!("{code} ×{n}"))
        .collect();
    let mut message = format!(
        "perfopt: fix {total} finding{} ({})\n\n",
        if total == 1 { "" } else { "s" },
        summary.join(", ")
    );
    for (code, n) in counts {
        if let Some(codemod) = find(code) {
            let meta = codemod.meta();
            message.push_str(&format!("- {code} {} ({n}): {}\n", meta.name, meta.summary));
        }
    }
    message
}

/// `fix --interactive`: every hunk of every fixed file is shown and applied only if accepted;
/// the decisions can be saved as a plan that reproduces them.
fn fix_interactively(args: &FixArgs, run: &Run, changed: &[usize]) -> Result<i32> {
    let stdin = std::io::stdin();
    let mut answers = stdin.lock().lines();
    let mut planned = Vec::new();
    let mut errors = run.errors.clone();
    let mut quit = false;
    for &i in changed {
        if quit {
            break;
        }
        let outcome = &run.outcomes[i];
        let path = display_path(&outcome.path);
        let diff = unified_diff(
            &path,
            &outcome.source,
            outcome.fixed.as_deref().unwrap_or(""),
        );
        let (header, hunks) = plan::split_hunks(&diff);
        let mut accepted = Vec::new();
        let mut all = false;
        for (n, hunk) in hunks.iter().enumerate() {
            if !all {
                print!(
                    "{header}{hunk}({}/{}) Apply this hunk to {path} [y,n,a,q]? ",
                    n + 1,
                    hunks.len()
                );
                std::io::stdout().flush()?;
                let answer = answers.next().transpose()?.unwrap_or_else(|| "q".into());
                match answer.trim() {
                    "y" => {}
                    "a" => all = true,
                    "q" => {
                        quit = true;
                        break;
                    }
                    _ => continue,
                }
            }
            accepted.push(hunk.as_str());
        }
        if accepted.is_empty() {
            continue;
        }
        let reviewed = format!("{header}{}", accepted.concat());
        let file = &run.files[i];
        let result = plan::apply_diff(&outcome.source, &reviewed)
            .map_err(|e| format!("{e:#}"))
            .and_then(|text| {
                // Hunks depend on each other through imports: refuse a selection that drops an
                // import a kept line still needs.
                let lost = crate::fixer::lost_imports(&outcome.source, &text);
                if lost.is_empty() {
                    Ok(text)
                } else {
                    Err(format!(
                        "the accepted hunks remove the import of `{}` that a rejected hunk still uses; file left unchanged",
                        lost.join("`, `")
                    ))
                }
            })
            .and_then(|text| workspace::write_fixed(file, &text, &run.settings.root).map_err(|e| e.reason));
        match result {
            Ok(()) => {
                planned.push(PlannedFile {
                    path: path.clone(),
                    sha256: plan::sha256_hex(&original_bytes(file)),
                    codes: outcome.applied.keys().map(|c| c.to_string()).collect(),
                    diff: reviewed,
                });
                println!(
                    "applied {} hunk{} to {path}",
                    accepted.len(),
                    if accepted.len() == 1 { "" } else { "s" }
                );
            }
            Err(reason) => errors.push(FileError {
                path: outcome.path.clone(),
                reason,
            }),
        }
    }
    if let Some(plan_path) = &args.save {
        std::fs::write(plan_path, plan::render(&planned))
            .with_context(|| format!("{}: cannot write the plan", plan_path.display()))?;
        eprintln!("Wrote the reviewed plan to {}", plan_path.display());
    }
    print_errors(&errors);
    Ok(if errors.is_empty() { 0 } else { 2 })
}

/// The bytes a file had when read (its BOM included): what a plan's hash is taken of.
fn original_bytes(file: &SourceFile) -> Vec<u8> {
    let mut bytes = Vec::new();
    if file.has_bom() {
        bytes.extend_from_slice("\u{feff}".as_bytes());
    }
    bytes.extend_from_slice(file.text.as_bytes());
    bytes
}

/// One repository's line in the batch summary.
#[derive(serde::Serialize)]
struct BatchRow {
    repo: String,
    findings: Option<usize>,
    files_changed: Option<usize>,
    branch: Option<String>,
    pull_request: Option<String>,
    error: Option<String>,
}

/// `perfopt batch`: the same migration over many clones, each run by a perfopt of its own so
/// one repository's failure cannot stop the others.
pub fn batch(args: &BatchArgs) -> Result<i32> {
    let list = std::fs::read_to_string(&args.repos)
        .with_context(|| format!("{}: cannot read the repository list", args.repos.display()))?;
    let base = args.repos.parent().unwrap_or(std::path::Path::new("."));
    let repos: Vec<PathBuf> = list
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| base.join(l))
        .collect();
    let exe = std::env::current_exe().context("cannot find perfopt's own binary")?;
    let mut rows = Vec::new();
    for (i, repo) in repos.iter().enumerate() {
        let done = (i * 20) / repos.len().max(1);
        eprintln!(
            "[{}{}] {}/{} {}",
            "#".repeat(done),
            ".".repeat(20 - done),
            i + 1,
            repos.len(),
            repo.display()
        );
        rows.push(batch_one(&exe, repo, args));
    }
    eprintln!("[{}] {}/{} done", "#".repeat(20), repos.len(), repos.len());
    match args.format {
        RulesFormat::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
        RulesFormat::Text => {
            println!("| repo | findings | files changed | branch | pull request / error |\n|---|---:|---:|---|---|");
            for row in &rows {
                let number = |n: Option<usize>| n.map_or("-".to_string(), |n| n.to_string());
                println!(
                    "| {} | {} | {} | {} | {} |",
                    row.repo,
                    number(row.findings),
                    number(row.files_changed),
                    row.branch.as_deref().unwrap_or("-"),
                    row.error
                        .as_deref()
                        .map(|e| format!("error: {e}"))
                        .or_else(|| row.pull_request.clone())
                        .unwrap_or_else(|| "-".into())
                );
            }
        }
    }
    Ok(if rows.iter().any(|r| r.error.is_some()) {
        2
    } else {
        0
    })
}

fn batch_one(exe: &std::path::Path, repo: &std::path::Path, args: &BatchArgs) -> BatchRow {
    let mut row = BatchRow {
        repo: repo.display().to_string(),
        findings: None,
        files_changed: None,
        branch: None,
        pull_request: None,
        error: None,
    };
    let perfopt = |extra: &[&str]| {
        std::process::Command::new(exe)
            .args(extra)
            .current_dir(repo)
            .env("NO_COLOR", "1")
            .output()
    };
    let last_line = |bytes: &[u8]| {
        String::from_utf8_lossy(bytes)
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("failed")
            .trim_start_matches("error: ")
            .to_string()
    };
    if !repo.is_dir() {
        row.error = Some("not a directory".into());
        return row;
    }
    let unsafe_flag: &[&str] = if args.unsafe_fixes {
        &["--unsafe"]
    } else {
        &[]
    };
    match perfopt(&["check", "--no-cache", "--format", "json", "."]) {
        Ok(out) => match serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout) {
            Ok(findings) => row.findings = Some(findings.len()),
            Err(_) => row.error = Some(last_line(&out.stderr)),
        },
        Err(err) => row.error = Some(err.to_string()),
    }
    let mut dry = vec!["fix", "--dry-run", "--no-cache", "."];
    dry.extend(unsafe_flag);
    if let Ok(out) = perfopt(&dry) {
        row.files_changed = Some(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter(|l| l.starts_with("+++ b/"))
                .count(),
        );
    }
    let Some(branch) = &args.branch else {
        return row;
    };
    if row.files_changed == Some(0) {
        return row;
    }
    let mut fix = vec!["fix", "--no-cache", "--branch", branch.as_str()];
    fix.extend(unsafe_flag);
    if let Some(remote) = &args.push {
        fix.extend(["--push", remote.as_str()]);
    }
    if args.pr {
        fix.push("--pr");
    }
    fix.push(".");
    match perfopt(&fix) {
        Ok(out) if out.status.success() => {
            row.branch = Some(branch.clone());
            row.pull_request = String::from_utf8_lossy(&out.stdout)
                .lines()
                .find_map(|l| l.strip_prefix("pull request: ").map(str::to_string));
        }
        Ok(out) => row.error = Some(last_line(&out.stderr)),
        Err(err) => row.error = Some(err.to_string()),
    }
    row
}
