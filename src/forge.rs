//! Pull requests: GitHub's REST API (GitHub Enterprise through an API URL) and GitLab merge
//! requests, the forge and repository taken from the remote's URL. An existing pull request for
//! the branch gets its body updated instead. Tokens go into headers only, never into messages.

use anyhow::{anyhow, bail, Context as _, Result};
use serde_json::{json, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forge {
    GitHub {
        api: String,
        owner: String,
        repo: String,
    },
    GitLab {
        api: String,
        project: String,
    },
}

/// The forge behind a remote URL (`git@github.com:acme/shop.git`, `https://gitlab.com/g/s/r.git`,
/// `ssh://git@host/…`). `api` overrides the API base (GitHub Enterprise, self-hosted GitLab).
pub fn detect(remote_url: &str, api: Option<&str>) -> Result<Forge> {
    let (host, path) = split_remote(remote_url)
        .ok_or_else(|| anyhow!("cannot tell the forge from the remote URL `{remote_url}`"))?;
    let path = path.trim_end_matches('/').trim_end_matches(".git");
    if host.contains("gitlab") {
        let api = api.map_or_else(|| format!("https://{host}/api/v4"), str::to_string);
        return Ok(Forge::GitLab {
            api,
            project: path.to_string(),
        });
    }
    let Some((owner, repo)) = path.split_once('/') else {
        bail!("the remote URL `{remote_url}` has no owner/repository path");
    };
    let api = match api {
        Some(api) => api.to_string(),
        None if host == "github.com" => "https://api.github.com".to_string(),
        None => format!("https://{host}/api/v3"),
    };
    Ok(Forge::GitHub {
        api,
        owner: owner.to_string(),
        repo: repo.to_string(),
    })
}

fn split_remote(url: &str) -> Option<(String, String)> {
    if let Some(rest) = url.split_once("://").map(|(_, rest)| rest) {
        let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
        let (host, path) = rest.split_once('/')?;
        let host = host.split(':').next()?;
        return Some((host.to_string(), path.to_string()));
    }
    // scp-like: git@host:owner/repo.git
    let (user_host, path) = url.split_once(':')?;
    let host = user_host.rsplit_once('@').map_or(user_host, |(_, h)| h);
    Some((host.to_string(), path.to_string()))
}

pub struct PullRequest<'a> {
    pub head: &'a str,
    pub base: &'a str,
    pub title: &'a str,
    pub body: &'a str,
}

/// Opens the pull (merge) request, or updates the body of the one already open for `head`.
/// Returns its web URL.
pub fn open_or_update(forge: &Forge, token: &str, request: &PullRequest) -> Result<String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    match forge {
        Forge::GitHub { api, owner, repo } => {
            let auth = format!("Bearer {token}");
            let call = |method: &str, url: &str, body: Option<Value>| -> Result<(u16, Value)> {
                let request = match method {
                    "POST" => agent.post(url),
                    "PATCH" => agent.patch(url),
                    _ => {
                        return send_get(
                            &agent,
                            url,
                            &[
                                ("Authorization", &auth),
                                ("Accept", "application/vnd.github+json"),
                            ],
                        )
                    }
                }
                .header("Authorization", &auth)
                .header("Accept", "application/vnd.github+json");
                finish(request.send_json(body.unwrap_or(Value::Null)))
            };
            let pulls = format!("{api}/repos/{owner}/{repo}/pulls");
            let (status, answer) = call(
                "POST",
                &pulls,
                Some(
                    json!({"title": request.title, "head": request.head, "base": request.base, "body": request.body}),
                ),
            )?;
            match status {
                200 | 201 => html_url(&answer),
                422 if message(&answer).contains("already exists")
                    || errors_mention(&answer, "already exists") =>
                {
                    let url = format!("{pulls}?head={owner}:{}&state=open", request.head);
                    let (status, list) = call("GET", &url, None)?;
                    let number = list
                        .as_array()
                        .and_then(|l| l.first())
                        .and_then(|p| p["number"].as_u64())
                        .ok_or_else(|| anyhow!("GitHub says a pull request exists for `{}` but does not list it (HTTP {status})", request.head))?;
                    let (status, updated) = call(
                        "PATCH",
                        &format!("{pulls}/{number}"),
                        Some(json!({"body": request.body, "title": request.title})),
                    )?;
                    if status != 200 {
                        bail!(
                            "GitHub refused to update pull request #{number} (HTTP {status}: {})",
                            message(&updated)
                        );
                    }
                    html_url(&updated)
                }
                401 | 403 => bail!(
                    "GitHub refused the token (HTTP {status}: {}); check GITHUB_TOKEN's scopes",
                    message(&answer)
                ),
                404 => bail!("GitHub cannot find {owner}/{repo} with this token (HTTP 404)"),
                _ => bail!("GitHub answered HTTP {status}: {}", message(&answer)),
            }
        }
        Forge::GitLab { api, project } => {
            let project_id = project.replace('/', "%2F");
            let requests = format!("{api}/projects/{project_id}/merge_requests");
            let headers = [("PRIVATE-TOKEN", token)];
            let (status, answer) = finish(
                agent
                    .post(&requests)
                    .header("PRIVATE-TOKEN", token)
                    .send_json(json!({"title": request.title, "source_branch": request.head, "target_branch": request.base, "description": request.body})),
            )?;
            match status {
                200 | 201 => web_url(&answer),
                409 => {
                    let url = format!("{requests}?source_branch={}&state=opened", request.head);
                    let (_, list) = send_get(&agent, &url, &headers)?;
                    let iid = list
                        .as_array()
                        .and_then(|l| l.first())
                        .and_then(|m| m["iid"].as_u64())
                        .ok_or_else(|| {
                            anyhow!(
                                "GitLab says a merge request exists for `{}` but does not list it",
                                request.head
                            )
                        })?;
                    let (status, updated) = finish(
                        agent
                            .put(&format!("{requests}/{iid}"))
                            .header("PRIVATE-TOKEN", token)
                            .send_json(
                                json!({"description": request.body, "title": request.title}),
                            ),
                    )?;
                    if status != 200 {
                        bail!(
                            "GitLab refused to update merge request !{iid} (HTTP {status}: {})",
                            message(&updated)
                        );
                    }
                    web_url(&updated)
                }
                401 | 403 => bail!(
                    "GitLab refused the token (HTTP {status}: {}); check GITLAB_TOKEN",
                    message(&answer)
                ),
                404 => bail!("GitLab cannot find project {project} with this token (HTTP 404)"),
                _ => bail!("GitLab answered HTTP {status}: {}", message(&answer)),
            }
        }
    }
}

fn send_get(agent: &ureq::Agent, url: &str, headers: &[(&str, &str)]) -> Result<(u16, Value)> {
    let mut request = agent.get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    finish(request.call())
}

fn finish(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Result<(u16, Value)> {
    // The error's text names the URL at most, never a header: the token stays out of it.
    let mut response = response.map_err(|e| anyhow!("cannot reach the forge's API: {e}"))?;
    let status = response.status().as_u16();
    let text = response
        .body_mut()
        .read_to_string()
        .context("cannot read the API's answer")?;
    Ok((
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    ))
}

fn message(answer: &Value) -> String {
    answer["message"]
        .as_str()
        .map_or_else(|| answer.to_string(), str::to_string)
}

fn errors_mention(answer: &Value, text: &str) -> bool {
    answer["errors"].as_array().is_some_and(|errors| {
        errors
            .iter()
            .any(|e| e["message"].as_str().is_some_and(|m| m.contains(text)))
    })
}

fn html_url(answer: &Value) -> Result<String> {
    answer["html_url"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("GitHub's answer has no html_url"))
}

fn web_url(answer: &Value) -> Result<String> {
    answer["web_url"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("GitLab's answer has no web_url"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forges_come_from_remote_urls() {
        assert_eq!(
            detect("git@github.com:acme/shop.git", None).unwrap(),
            Forge::GitHub {
                api: "https://api.github.com".into(),
                owner: "acme".into(),
                repo: "shop".into()
            }
        );
        assert_eq!(
            detect("https://ghe.corp.example/acme/shop", None).unwrap(),
            Forge::GitHub {
                api: "https://ghe.corp.example/api/v3".into(),
                owner: "acme".into(),
                repo: "shop".into()
            }
        );
        assert_eq!(
            detect("ssh://git@gitlab.example.com:2222/group/sub/shop.git", None).unwrap(),
            Forge::GitLab {
                api: "https://gitlab.example.com/api/v4".into(),
                project: "group/sub/shop".into()
            }
        );
        assert!(detect("/srv/git/shop.git", None).is_err());
    }
}
