//! The command line (clap).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "perfopt",
    version,
    about = "Finds and rewrites performance anti-patterns in FastAPI applications"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Report findings (exit 0: none, 1: findings, 2: a file or the configuration could not be read).
    Check(CheckArgs),
    /// Apply fixes (safe ones; unsafe ones too with --unsafe), or show them as diffs with --dry-run.
    Fix(FixArgs),
    /// List every codemod: code, name, fix safety, summary.
    Rules {
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
    /// Print a codemod's documentation (by code or name).
    Explain { code: String },
    /// The analysis a pull request would carry: findings, recommendations, what the fixes change
    /// per codemod, expected impact, unsafe fixes, full diff. Touches no file.
    Report {
        #[command(flatten)]
        selection: Selection,
        #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
        format: ReportFormat,
    },
    /// Run the migration over many local clones (one path per line in FILE), continuing past a
    /// failing repository, with a summary table at the end.
    Batch(BatchArgs),
    /// Apply a reviewed migration plan (from `fix --dry-run --save`) exactly as it stands.
    Apply { plan: PathBuf },
    /// Remove the cache for re-runs (of the configuration found from the current directory).
    Clean,
}

#[derive(Debug, Args, Clone)]
pub struct Selection {
    /// Files or directories (default: the current directory).
    pub paths: Vec<PathBuf>,
    /// Codes or prefixes to enable (replaces the configuration's `select`), comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub select: Option<Vec<String>>,
    /// Codes or prefixes to disable, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Use this configuration file instead of discovering one.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Ignore configuration files.
    #[arg(long)]
    pub isolated: bool,
    /// Neither read nor write the cache for re-runs.
    #[arg(long)]
    pub no_cache: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub selection: Selection,
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    #[command(flatten)]
    pub selection: Selection,
    /// Print the fixes as unified diffs instead of writing them (exit 1 if anything would change).
    #[arg(long)]
    pub dry_run: bool,
    /// With --dry-run or --interactive: also write the (accepted) diffs as a migration plan to
    /// review and `perfopt apply`.
    #[arg(long, value_name = "PLAN")]
    pub save: Option<PathBuf>,
    /// Review the fixes hunk by hunk (y: apply, n: skip, a: this and the rest of the file,
    /// q: stop), like `git add -p`.
    #[arg(long, conflicts_with_all = ["dry_run", "branch"])]
    pub interactive: bool,
    /// Also apply fixes that may change behaviour (see `perfopt explain CODE`, "Fix safety").
    #[arg(long = "unsafe")]
    pub unsafe_fixes: bool,
    /// Apply the fixes on a new branch NAME (from --base, default HEAD), checked out and committed.
    #[arg(long, value_name = "NAME", conflicts_with = "dry_run")]
    pub branch: Option<String>,
    /// With --branch: the commit or branch to start from.
    #[arg(long, value_name = "REF", requires = "branch")]
    pub base: Option<String>,
    /// With --branch: one commit per codemod instead of one for all.
    #[arg(long, requires = "branch")]
    pub commit_per_codemod: bool,
    /// With --branch: fix files that have uncommitted changes (those changes get committed too).
    #[arg(long, requires = "branch")]
    pub allow_dirty: bool,
    /// With --branch: replace an existing branch of that name.
    #[arg(long, requires = "branch")]
    pub force: bool,
    /// With --branch: push the branch to REMOTE (default `origin`).
    #[arg(long, value_name = "REMOTE", num_args = 0..=1, default_missing_value = "origin", requires = "branch")]
    pub push: Option<String>,
    /// With --push: open a pull request (GitHub, `GITHUB_TOKEN`) or merge request (GitLab,
    /// `GITLAB_TOKEN`) whose body is `perfopt report`; an open one gets its body updated.
    #[arg(long, requires = "push")]
    pub pr: bool,
    /// The forge's API base (GitHub Enterprise, self-hosted GitLab); also `GITHUB_API_URL` /
    /// `GITLAB_API_URL`.
    #[arg(long, value_name = "URL", requires = "pr")]
    pub api_url: Option<String>,
    /// Format of the findings left after fixing.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
    Sarif,
    Github,
}

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// A file listing the repositories' paths, one per line (`#` comments and blank lines ignored;
    /// relative paths are relative to the file).
    #[arg(long, value_name = "FILE")]
    pub repos: PathBuf,
    /// Commit the fixes on this new branch in each repository.
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,
    /// With --branch: push it (default remote `origin`).
    #[arg(long, value_name = "REMOTE", num_args = 0..=1, default_missing_value = "origin", requires = "branch")]
    pub push: Option<String>,
    /// With --push: open or update a pull request in each repository.
    #[arg(long, requires = "push")]
    pub pr: bool,
    /// Apply unsafe fixes too.
    #[arg(long = "unsafe")]
    pub unsafe_fixes: bool,
    /// Summary format.
    #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
    pub format: RulesFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ReportFormat {
    Markdown,
    Html,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RulesFormat {
    Text,
    Json,
}
