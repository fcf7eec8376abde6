# PO303: the classic FastAPI settings dependency made async, cached with a bare `@lru_cache`;
# the second request fails with "cannot reuse already awaited coroutine".
from functools import lru_cache

from fastapi import Depends, FastAPI
from pydantic import BaseModel

from app.store import load_settings_document

app = FastAPI()


class Settings(BaseModel):
    currency: str
    tax_rate: float


@lru_cache
async def get_settings() -> Settings:
    return Settings(**await load_settings_document())


@app.get("/prices/{sku}")
async def price(sku: str, settings: Settings = Depends(get_settings)):
    return {"sku": sku, "currency": settings.currency}
