# PO101 ok: `requests.get(` only appears in strings, docstrings and comments.
import httpx
from fastapi import APIRouter

router = APIRouter(prefix="/docs")

MIGRATION_NOTE = "Replace requests.get(url) with `await client.get(url)`."


@router.get("/migration")
async def migration_guide():
    """Explains why `requests.get(...)` and `requests.post(...)` block the loop."""
    # Old code did: data = requests.get(url, timeout=5).json()
    snippet = 'resp = requests.post("https://example.com", json=payload)'
    async with httpx.AsyncClient() as client:
        resp = await client.get("https://docs.internal.example.com/async-http", timeout=5)
    return {
        "note": MIGRATION_NOTE,
        "bad_example": snippet,
        "page": resp.text,
    }
