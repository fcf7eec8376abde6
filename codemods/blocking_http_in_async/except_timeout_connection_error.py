# PO101: the call sits in a `try` catching `(requests.Timeout, requests.ConnectionError)`.
# It is reported without a fix: ConnectionError has no single httpx equivalent.
import requests
from fastapi import FastAPI
from fastapi.responses import JSONResponse

app = FastAPI()

SEARCH_BACKEND = "https://search.internal.example.com/query"


@app.get("/search")
async def search(q: str, page: int = 1):
    await app.state.analytics.track("search", query=q)
    try:
        resp = requests.get(
            "https://search.internal.example.com/query",
            params={"q": q, "page": page},
            timeout=1.5,
        )
    except (requests.Timeout, requests.ConnectionError):
        return JSONResponse(status_code=503, content={"detail": "search is temporarily unavailable"})
    hits = resp.json().get("hits", [])
    return {"q": q, "page": page, "results": hits}
