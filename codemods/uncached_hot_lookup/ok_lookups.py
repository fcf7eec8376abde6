# OK for PO302: lookups that depend on the request, are cached already, do no I/O, or are not
# dependencies.
from functools import lru_cache

from fastapi import Depends, FastAPI, Request

from app.db import tenants
from app.models import Settings, Tenant

app = FastAPI()


async def get_tenant(request: Request) -> Tenant:
    return await tenants.find_one({"host": request.headers["host"]})


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_file("/etc/shop/settings.toml")


def get_defaults() -> dict:
    return {"currency": "EUR", "page_size": 20}


async def warm_caches() -> int:
    return await tenants.count_documents({})


@app.get("/home")
async def home(tenant: Tenant = Depends(get_tenant), settings: Settings = Depends(get_settings), defaults: dict = Depends(get_defaults)):
    return {"tenant": tenant.name, "currency": settings.currency, **defaults}
