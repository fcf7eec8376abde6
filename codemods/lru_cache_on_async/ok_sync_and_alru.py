# OK for PO303: `lru_cache` on plain functions, `alru_cache` on async ones, and an unrelated
# `cache` decorator from another library on an async def.
from functools import lru_cache

from async_lru import alru_cache
from app.cache import cache

from app.config import Settings


@lru_cache
def get_settings() -> Settings:
    return Settings()


@alru_cache(maxsize=32)
async def feature_flags(tenant: str) -> dict:
    return {"tenant": tenant, "beta": tenant.startswith("beta-")}


@cache(expire=60)
async def homepage_blocks() -> list[str]:
    return ["hero", "deals", "new-arrivals"]
