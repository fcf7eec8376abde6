# PO302: the global settings document is read from MongoDB for every request that depends on
# it, and the price rules file is parsed again each time.
import json

from fastapi import Depends, FastAPI

from app.db import settings_collection
from app.models import PriceRules, Settings

app = FastAPI()


async def get_settings() -> Settings:
    document = await settings_collection.find_one({"_id": "global"})
    return Settings(**document)


def get_price_rules() -> PriceRules:
    with open("/etc/shop/price-rules.json", encoding="utf-8") as f:
        return PriceRules(**json.load(f))


@app.get("/quote/{sku}")
async def quote(sku: str, settings: Settings = Depends(get_settings), rules: PriceRules = Depends(get_price_rules)):
    return {"sku": sku, "currency": settings.currency, "discount": rules.discount_for(sku)}
