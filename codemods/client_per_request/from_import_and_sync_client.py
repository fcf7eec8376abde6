# PO108: `AsyncClient` imported by name, and a sync `httpx.Client` built per call in a sync
# dependency (FastAPI runs it in the threadpool; the SSL context still costs CPU per request).
from fastapi import Depends, FastAPI
from httpx import AsyncClient, Client

app = FastAPI()


def partner_catalog() -> dict:
    with Client() as client:
        return client.get("https://partner.example.com/catalog.json", timeout=10).json()


@app.get("/partner/catalog")
async def catalog(data: dict = Depends(partner_catalog)):
    async with AsyncClient() as client:
        stock = (await client.get("https://stock.example.com/levels", timeout=5)).json()
    return {"items": data["items"], "stock": stock}
