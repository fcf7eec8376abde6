//! Fixes on a branch (git2): create the branch from a base, check it out, apply the fixes and
//! commit them (one commit, or one per codemod). A tree with uncommitted changes in a file the
//! fixes touch is refused unless allowed; if anything fails midway the repository is put back as
//! it was: the original branch checked out, the new branch gone, every written file restored.

use anyhow::{anyhow, bail, Context as _, Result};
use git2::{build::CheckoutBuilder, BranchType, Oid, Repository, Signature, Status};
use std::path::{Path, PathBuf};

pub struct BranchOptions<'a> {
    pub name: &'a str,
    pub base: Option<&'a str>,
    pub allow_dirty: bool,
    pub force: bool,
}

/// One commit's worth of fixes: the files and their new texts, and the commit message.
pub struct Change {
    pub files: Vec<(PathBuf, String)>,
    pub message: String,
}

/// A repository session that can be rolled back.
pub struct BranchSession {
    repo: Repository,
    original_head: String,
    branch: String,
    /// Files written so far with their previous bytes, to restore on failure.
    written: Vec<(PathBuf, Vec<u8>)>,
    pub commits: Vec<Oid>,
}

impl BranchSession {
    /// Opens the repository around `dir`, creates the branch from the base and checks it out.
    pub fn start(dir: &Path, options: &BranchOptions) -> Result<BranchSession> {
        let repo = Repository::discover(dir).context("not inside a git repository")?;
        let original_head = repo
            .head()
            .context("the repository has no commit yet")?
            .name()
            .map(str::to_string)
            .map_err(|_| anyhow!("HEAD has a name that is not UTF-8"))?;
        if repo.find_branch(options.name, BranchType::Local).is_ok() && !options.force {
            bail!(
                "branch `{}` already exists (use --force to replace it)",
                options.name
            );
        }
        let base = repo
            .revparse_single(options.base.unwrap_or("HEAD"))
            .with_context(|| format!("cannot resolve base `{}`", options.base.unwrap_or("HEAD")))?
            .peel_to_commit()
            .context("the base is not a commit")?;
        let branch = repo
            .branch(options.name, &base, options.force)
            .with_context(|| format!("cannot create branch `{}`", options.name))?;
        let branch_ref = branch
            .get()
            .name()
            .map(str::to_string)
            .map_err(|_| anyhow!("branch name is not UTF-8"))?;
        drop(branch);
        let base_id = base.id();
        drop(base);
        let session = BranchSession {
            repo,
            original_head,
            branch: branch_ref,
            written: Vec::new(),
            commits: Vec::new(),
        };
        // A safe checkout: it refuses to overwrite local changes the base would change.
        let checkout = session
            .repo
            .find_commit(base_id)
            .and_then(|base| {
                session
                    .repo
                    .checkout_tree(base.as_object(), Some(CheckoutBuilder::new().safe()))
            })
            .and_then(|()| session.repo.set_head(&session.branch));
        if let Err(err) = checkout {
            let message = format!("cannot check out `{}`: {}", options.name, err.message());
            session.rollback();
            bail!(message);
        }
        Ok(session)
    }

    /// Files among `paths` with uncommitted changes.
    pub fn dirty(&self, paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
        let workdir = self.workdir()?;
        let mut dirty = Vec::new();
        for path in paths {
            let absolute = std::path::absolute(path)?;
            let relative = absolute.strip_prefix(&workdir).unwrap_or(path);
            let status = self.repo.status_file(relative).unwrap_or(Status::WT_NEW);
            if !status.is_empty() && status != Status::IGNORED {
                dirty.push(path.clone());
            }
        }
        Ok(dirty)
    }

    fn workdir(&self) -> Result<PathBuf> {
        let workdir = self
            .repo
            .workdir()
            .ok_or_else(|| anyhow!("a bare repository has no files to fix"))?;
        Ok(std::fs::canonicalize(workdir)?)
    }

    /// Writes the change's files and commits them on the branch.
    pub fn commit(&mut self, change: &Change) -> Result<Oid> {
        let workdir = self.workdir()?;
        let mut index = self.repo.index()?;
        for (path, text) in &change.files {
            let previous =
                std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
            self.written.push((path.clone(), previous));
            write_atomically(path, text.as_bytes())?;
            let absolute = std::fs::canonicalize(path)?;
            let relative = absolute
                .strip_prefix(&workdir)
                .with_context(|| format!("{}: outside the repository", path.display()))?;
            index.add_path(relative)?;
        }
        index.write()?;
        let tree = self.repo.find_tree(index.write_tree()?)?;
        let signature: Signature = self
            .repo
            .signature()
            .context("git has no user.name/user.email configured for the commit")?;
        let parent = self.repo.head()?.peel_to_commit()?;
        let oid = self.repo.commit(
            Some("HEAD"),
            &signature,
            &signature,
            &change.message,
            &tree,
            &[&parent],
        )?;
        self.commits.push(oid);
        Ok(oid)
    }

    /// Puts the repository back: files restored, original branch checked out, new branch deleted.
    pub fn rollback(self) {
        for (path, previous) in self.written.iter().rev() {
            let _ = write_atomically(path, previous);
        }
        if let Ok(original) = self.repo.find_reference(&self.original_head) {
            if let Ok(commit) = original.peel_to_commit() {
                let _ = self
                    .repo
                    .checkout_tree(commit.as_object(), Some(CheckoutBuilder::new().safe()));
            }
        }
        let _ = self.repo.set_head(&self.original_head);
        // Restore the index to the original HEAD so no staged fix remains.
        if let Ok(head) = self.repo.head().and_then(|h| h.peel_to_commit()) {
            let _ = self
                .repo
                .reset(head.as_object(), git2::ResetType::Mixed, None);
        }
        if let Some(short) = self.branch.strip_prefix("refs/heads/") {
            if let Ok(mut branch) = self.repo.find_branch(short, BranchType::Local) {
                let _ = branch.delete();
            }
        }
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let target = std::fs::canonicalize(path)?;
    let dir = target.parent().unwrap_or(Path::new("."));
    let permissions = std::fs::metadata(&target)?.permissions();
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    std::fs::set_permissions(temp.path(), permissions)?;
    temp.persist(&target).map_err(|e| e.error)?;
    Ok(())
}

impl BranchSession {
    /// Pushes the branch to `remote` (its push URL when it has one). Credentials: the ssh agent
    /// for ssh URLs; for https, a token from `GITHUB_TOKEN`/`GITLAB_TOKEN`, else git's credential
    /// helper. The token is never printed.
    pub fn push(&self, remote: &str, force: bool) -> Result<()> {
        let named = self
            .repo
            .find_remote(remote)
            .with_context(|| format!("no remote named `{remote}`"))?;
        // Push where git would: the push URL when the remote has one.
        let url = named
            .pushurl()
            .ok()
            .flatten()
            .or_else(|| named.url().ok())
            .ok_or_else(|| anyhow!("the remote `{remote}` has no URL"))?
            .to_string();
        let mut remote = self.repo.remote_anonymous(&url)?;
        let config = self.repo.config()?;
        let mut attempts = 0;
        let mut callbacks = git2::RemoteCallbacks::new();
        callbacks.credentials(move |url, username, allowed| {
            attempts += 1;
            if attempts > 3 {
                return Err(git2::Error::from_str("authentication failed"));
            }
            if allowed.contains(git2::CredentialType::SSH_KEY) {
                return git2::Cred::ssh_key_from_agent(username.unwrap_or("git"));
            }
            let token = std::env::var("GITHUB_TOKEN").or_else(|_| std::env::var("GITLAB_TOKEN"));
            match token {
                Ok(token) if allowed.contains(git2::CredentialType::USER_PASS_PLAINTEXT) => {
                    let user = if url.contains("gitlab") {
                        "oauth2"
                    } else {
                        "x-access-token"
                    };
                    git2::Cred::userpass_plaintext(user, &token)
                }
                _ => git2::Cred::credential_helper(&config, url, username),
            }
        });
        let mut options = git2::PushOptions::new();
        options.remote_callbacks(callbacks);
        let refspec = format!(
            "{}{}:{}",
            if force { "+" } else { "" },
            self.branch,
            self.branch
        );
        remote
            .push(&[refspec.as_str()], Some(&mut options))
            .with_context(|| format!("cannot push `{}`", self.branch_name()))?;
        Ok(())
    }

    /// The fetch URL of a remote (what identifies the forge and the repository).
    pub fn remote_url(&self, remote: &str) -> Result<String> {
        let remote = self.repo.find_remote(remote)?;
        remote
            .url()
            .map(str::to_string)
            .map_err(|_| anyhow!("the remote's URL is not UTF-8"))
    }

    /// The branch the fixes started from (the original HEAD's short name): the PR's base.
    pub fn original_branch(&self) -> &str {
        self.original_head
            .strip_prefix("refs/heads/")
            .unwrap_or(&self.original_head)
    }

    pub fn branch_name(&self) -> &str {
        self.branch
            .strip_prefix("refs/heads/")
            .unwrap_or(&self.branch)
    }
}
