# PO301: the lifespan is imported from another module, so perfopt cannot extend it: the route
# and the app are reported without a fix.
from fastapi import FastAPI

from app.lifecycle import lifespan
from app.models import Product

app = FastAPI(lifespan=lifespan)


@app.get("/products/{sku}")
async def get_product(sku: str):
    return await Product.find_one(Product.sku == sku)
