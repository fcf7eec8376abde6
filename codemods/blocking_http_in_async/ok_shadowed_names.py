# PO101 ok: names that look like the HTTP APIs but are not: a module-level `urlopen`
# helper, a parameter called `requests`, and a local `get` function.
from fastapi import FastAPI

app = FastAPI()


def urlopen(path: str) -> bytes:
    """Opens a file from the bundled fixtures (named after the old urllib helper)."""
    with open(f"/srv/fixtures/{path}", "rb") as fh:
        return fh.read()


async def get(key: str) -> str | None:
    return await app.state.redis.get(key)


async def forward(requests, url: str):
    """`requests` is an async client injected by the caller, not the library."""
    resp = await requests.get(url)
    return resp.json()


async def canned_body(requests: dict[str, bytes], url: str) -> bytes | None:
    """In offline demo mode `requests` maps URLs to canned bodies."""
    return requests.get(url)


@app.get("/fixtures/{name}")
async def fixture(name: str):
    cached = await get(f"fixture:{name}")
    if cached is not None:
        return {"name": name, "body": cached}
    body = urlopen(name)
    return {"name": name, "size": len(body)}
