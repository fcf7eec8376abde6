# PO101: `allow_redirects=False` to inspect a short link's target, plus a `requests.head`
# reachability probe (requests does not follow redirects on HEAD).
import requests
from fastapi import FastAPI, HTTPException

app = FastAPI()


@app.get("/links/resolve")
async def resolve_short_link(code: str):
    cached = await app.state.redis.get(f"short:{code}")
    if cached:
        return {"code": code, "target": cached.decode(), "cached": True}
    resp = requests.get(
        f"https://sho.rt/{code}",
        allow_redirects=False,
        timeout=4,
    )
    if resp.status_code not in (301, 302, 307, 308):
        raise HTTPException(status_code=404, detail="unknown short link")
    target = resp.headers["Location"]
    probe = requests.head(target, timeout=4)
    await app.state.redis.set(f"short:{code}", target, ex=3600)
    return {"code": code, "target": target, "reachable": probe.status_code < 400, "cached": False}
