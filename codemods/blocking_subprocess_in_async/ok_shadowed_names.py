# PO104 ok: a parameter named `subprocess` (an injected async runner), a local `run`
# function and a method called `system`: none is the blocking stdlib API.
from fastapi import FastAPI

app = FastAPI()


async def run(*cmd: str) -> str:
    return await app.state.runner.run(*cmd)


class Host:
    def __init__(self, name: str) -> None:
        self.name = name

    async def system(self, command: str) -> int:
        return await app.state.ssh.execute(self.name, command)


async def deploy(subprocess, tag: str) -> int:
    """`subprocess` is an async runner injected by the caller, not the stdlib module."""
    result = await subprocess.run(["deploy", tag])
    return result.returncode


async def queue_deploy(subprocess, tag: str) -> str:
    """Here `subprocess` is the job queue client; `run` only enqueues and returns an id."""
    return subprocess.run(["deploy", tag])


@app.post("/deploy/{tag}")
async def deploy_tag(tag: str):
    host = Host("web-1")
    code = await host.system(f"systemctl restart shop@{tag}")
    return {"tag": tag, "restart": code, "log": await run("journalctl", "-n", "5")}
