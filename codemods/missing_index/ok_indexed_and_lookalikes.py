import polars as pl
from beanie import Document, Indexed, PydanticObjectId
from bs4 import BeautifulSoup
from fastapi import APIRouter
from pymongo import ASCENDING, DESCENDING, IndexModel
from sqlalchemy import Index, String, UniqueConstraint, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

router = APIRouter()


class Product(Document):
    sku: Indexed(str, unique=True)
    category: str
    price: float
    created_at: str
    vendor: str
    description: str
    in_stock: bool = True

    class Settings:
        indexes = [
            "vendor",
            [("category", ASCENDING), ("price", DESCENDING)],
            IndexModel([("created_at", DESCENDING)], name="recent"),
        ]


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"
    __table_args__ = (
        Index("ix_items_owner", "owner_id", "name"),
        UniqueConstraint("code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int]
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(80), index=True)
    email: Mapped[str] = mapped_column(unique=True)
    notes: Mapped[str] = mapped_column(String(500))


CACHE = {"sku": 1}


@router.get("/products")
async def products(sku: str, category: str, vendor: str, product_id: PydanticObjectId):
    one = await Product.find_one(Product.sku == sku, Product.description != "")
    available = await Product.find(Product.in_stock == True).to_list()  # noqa: E712
    by_id = await Product.find_one(Product.id == product_id)
    raw = await Product.find_one({"_id": product_id, "$or": [{"vendor": vendor}]})
    listing = await Product.find(Product.category == category).sort("-created_at").to_list()
    return one, available, by_id, raw, listing, CACHE.get("description")


@router.get("/items")
async def items(session, owner: int, code: str, email: str, name: str):
    statement = select(Item).where(
        Item.owner_id == owner, Item.code == code, Item.email == email, Item.id > 3
    ).order_by(Item.name)
    return (await session.scalars(statement)).all()


def lookalikes(html: str, frame: pl.DataFrame, notes: dict):
    soup = BeautifulSoup(html, "html.parser")
    cells = soup.find_all("td", {"class": "notes"})
    title = soup.find("h1", {"description": "x"})
    rows = frame.filter(pl.col("notes") == "x").sort("description")
    return cells, title, rows, notes.get("notes")


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    orders: Mapped[list["Invoice"]] = relationship(back_populates="customer")


class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer: Mapped[Customer] = relationship(back_populates="orders")


async def invoices_of(session, customer: Customer):
    return (await session.scalars(select(Invoice).where(Invoice.customer == customer))).all()
