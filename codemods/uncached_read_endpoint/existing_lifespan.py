# PO301: read-only GET routes of an app whose lifespan already sets up the database.
from contextlib import asynccontextmanager

from beanie import PydanticObjectId, init_beanie
from fastapi import Depends, FastAPI, HTTPException
from motor.motor_asyncio import AsyncIOMotorClient

from app.config import Settings, get_settings
from app.models import Category, Product


@asynccontextmanager
async def lifespan(app: FastAPI):
    client = AsyncIOMotorClient(get_settings().mongo_url)
    await init_beanie(database=client.shop, document_models=[Category, Product])
    yield
    client.close()


app = FastAPI(title="catalogue", lifespan=lifespan)


@app.get("/categories")
async def list_categories(settings: Settings = Depends(get_settings)):
    categories = await Category.find(Category.visible == True).to_list()  # noqa: E712
    return [c.name for c in categories if c.name not in settings.hidden_categories]


@app.get("/products/{product_id}", response_model=Product)
async def get_product(product_id: PydanticObjectId):
    product = await Product.get(product_id)
    if product is None:
        raise HTTPException(status_code=404, detail="no such product")
    return product


@app.post("/products", status_code=201)
async def create_product(product: Product):
    await product.insert()
    return product


@app.get("/products/{product_id}/view")
async def view_product(product_id: PydanticObjectId):
    # Counts a view: a GET with a write is not cached.
    product = await Product.get(product_id)
    await product.update({"$inc": {"views": 1}})
    return product
