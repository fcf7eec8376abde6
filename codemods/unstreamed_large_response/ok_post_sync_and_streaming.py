# OK for PO305: an export started by POST (it creates a job), a plain `def` route on a sync
# session, and an export that already streams.
import json

from beanie import Document
from fastapi import Depends, FastAPI
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from shop.db import get_sync_session
from shop.models import Order

app = FastAPI()


class Product(Document):
    sku: str
    name: str


@app.post("/products/export")
async def start_product_export():
    products = await Product.find_all().to_list()
    return {"queued": len(products)}


@app.get("/orders/export")
def export_orders(session: Session = Depends(get_sync_session)):
    return session.execute(select(Order)).scalars().all()


@app.get("/products/export.ndjson")
async def export_products_ndjson():
    async def lines():
        async for product in Product.find_all():
            yield product.model_dump_json() + "\n"

    return StreamingResponse(lines(), media_type="application/x-ndjson")
