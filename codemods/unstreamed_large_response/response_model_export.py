# PO305: exports that declare what they return, so FastAPI validates and encodes the list with
# Pydantic; the stream must encode each element the same way.
from beanie import Document
from fastapi import Depends, FastAPI
from fastapi.responses import ORJSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from catalogue.db import get_session
from catalogue.tables import Supplier

app = FastAPI()


class Product(Document):
    sku: str
    display_name: str
    price: float
    cost: float


class ProductOut(BaseModel):
    sku: str
    display_name: str = Field(alias="displayName")
    price: float


class SupplierOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    vat_number: str | None = None


# fires, fixed: `response_model=list[...]`, the items validated and encoded by Pydantic by alias.
@app.get("/products/export", response_model=list[ProductOut])
async def export_products():
    return await Product.find_all().to_list()


# fires, fixed: the return annotation is the response model; it moves into `response_model=`.
@app.get("/suppliers/export", response_model_exclude_none=True)
async def export_suppliers(session: AsyncSession = Depends(get_session)) -> list[SupplierOut]:
    return (await session.scalars(select(Supplier))).all()


# fires, no fix: the response model wraps the list in an object.
@app.get("/products/dump", response_model=dict[str, list[ProductOut]])
async def dump_products():
    return {"products": await Product.find_all().to_list()}


# fires, no fix: another response class encodes differently.
@app.get("/suppliers/all", response_class=ORJSONResponse)
async def all_suppliers(session: AsyncSession = Depends(get_session)):
    return (await session.scalars(select(Supplier))).all()
