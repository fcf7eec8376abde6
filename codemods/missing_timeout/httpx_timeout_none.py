# PO306: httpx with the timeout switched off, on a module-level client and on one call.
import httpx

search = httpx.AsyncClient(base_url="https://search.internal.example.com", timeout=None)


async def suggest(prefix: str) -> list[str]:
    resp = await search.get("/suggest", params={"q": prefix})
    return resp.json()["suggestions"]


async def reindex() -> None:
    async with httpx.AsyncClient() as client:
        await client.post("https://search.internal.example.com/reindex", timeout=None)
