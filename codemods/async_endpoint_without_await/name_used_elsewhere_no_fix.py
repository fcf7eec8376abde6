# PO105: the handler's name is used elsewhere in the file (called by another handler and
# listed in a registry), so it is reported without a fix.
import requests
from fastapi import APIRouter

router = APIRouter(prefix="/catalog")

CATALOG_API = "https://catalog.internal.example.com/v2"


@router.get("/products/{sku}")
async def product(sku: str):
    resp = requests.get(f"{CATALOG_API}/products/{sku}", timeout=4)
    return resp.json()


@router.get("/products/{sku}/summary")
async def product_summary(sku: str):
    full = await product(sku)
    return {"sku": sku, "name": full["name"], "price": full["price"]}


WARMUP_HANDLERS = [product]
