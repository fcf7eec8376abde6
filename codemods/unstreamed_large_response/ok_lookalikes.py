# OK for PO305: export routes with calls that only look like loading a collection: polars'
# `to_list()`, a repository class of the project's own with `find_all()`, a raw SQL text query,
# a Pydantic model that is not a Beanie document, and names shadowed by a local.
import polars as pl
from fastapi import Depends, FastAPI
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shop.db import get_session
from shop.repositories import ProductRepository

app = FastAPI()
repository = ProductRepository()


class Report(BaseModel):
    rows: list[dict]

    @classmethod
    def find_all(cls):
        return cls(rows=[])


@app.get("/reports/export")
async def export_report():
    frame = pl.read_parquet("/var/reports/latest.parquet")
    await repository.refresh()
    return frame["total"].to_list()


@app.get("/products/export")
async def export_products():
    return await repository.find_all().to_list()


@app.get("/ledger/export")
async def export_ledger(session: AsyncSession = Depends(get_session)):
    return (await session.execute(text("SELECT * FROM ledger"))).scalars().all()


@app.get("/reports/all")
async def all_reports():
    return await Report.find_all().to_list()


@app.get("/settings/export")
async def export_settings(options: dict):
    select = options.get
    return (await options["session"].scalars(select("stmt"))).all()
