# PO205 reported without a fix: shapes where paging by primary key would not give the old list.
from beanie import Document
from fastapi import Depends, FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.db import get_session
from app.models import Customer

app = FastAPI()


class Base(DeclarativeBase):
    pass


class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str]
    total: Mapped[float]


class Allocation(Base):
    __tablename__ = "allocations"

    invoice_id: Mapped[int] = mapped_column(primary_key=True)
    line: Mapped[int] = mapped_column(primary_key=True)


class Article(Document):
    title: str
    published: bool


# the query is sorted by another column
@app.get("/invoices/by-number")
async def invoices_by_number(session: AsyncSession = Depends(get_session)):
    result = await session.execute(select(Invoice).order_by(Invoice.number))
    return result.scalars().all()


# the list is sorted in Python
@app.get("/invoices/by-total")
async def invoices_by_total(session: AsyncSession = Depends(get_session)):
    invoices = (await session.scalars(select(Invoice))).all()
    return sorted(invoices, key=lambda i: i.total)


# the list is filtered after loading
@app.get("/articles/published")
async def published_articles():
    articles = await Article.find_all().to_list()
    return [a for a in articles if a.published]


# the list is sliced in Python
@app.get("/articles/latest")
async def latest_articles():
    articles = await Article.find_all().to_list()
    return articles[-10:]


# Beanie sort on another field
@app.get("/articles/by-title")
async def articles_by_title():
    return await Article.find_all(sort="title").to_list()


# the list is used besides being returned
@app.get("/articles/with-count")
async def articles_with_count():
    articles = await Article.find_all().to_list()
    print(f"{len(articles)} articles")
    return articles


# several returns
@app.get("/invoices/maybe")
async def maybe_invoices(enabled: bool, session: AsyncSession = Depends(get_session)):
    if not enabled:
        return []
    return (await session.scalars(select(Invoice))).all()


# the model is defined in another module: its primary key is unknown here
@app.get("/customers")
async def list_customers(session: AsyncSession = Depends(get_session)):
    return (await session.scalars(select(Customer))).all()


# a composite primary key
@app.get("/allocations")
async def list_allocations(session: AsyncSession = Depends(get_session)):
    return (await session.scalars(select(Allocation))).all()


# a join may repeat rows
@app.get("/invoices/allocated")
async def allocated_invoices(session: AsyncSession = Depends(get_session)):
    statement = select(Invoice).join(Allocation, Allocation.invoice_id == Invoice.id)
    return (await session.scalars(statement)).all()


# the response wraps the list
@app.get("/invoices/wrapped")
async def wrapped_invoices(session: AsyncSession = Depends(get_session)):
    invoices = (await session.scalars(select(Invoice))).all()
    return {"invoices": invoices, "count": len(invoices)}


# the handler already has a local named `limit`
@app.get("/articles/limited")
async def limited_articles():
    limit = 10
    articles = await Article.find_all().to_list()
    if limit < 0:
        raise ValueError(limit)
    return articles


# a response model that is not a list of one model
@app.get("/articles/raw", response_model=list[dict])
async def raw_articles():
    return await Article.find_all().to_list()
