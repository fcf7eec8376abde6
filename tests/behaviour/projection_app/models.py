"""The shop's models: orders in SQL, members in MongoDB. Wide on purpose: the reports read few
of their fields."""
from datetime import datetime
from decimal import Decimal
from typing import Optional

from beanie import Document, Indexed
from pydantic import Field
from sqlalchemy import Numeric, String
from sqlalchemy.orm import DeclarativeBase, Mapped, column_property, mapped_column


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer: Mapped[str] = mapped_column(String(40))
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    status: Mapped[str] = mapped_column(String(10))
    notes: Mapped[str] = mapped_column(String(2000))
    shipping_address: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[datetime]
    # an SQL expression: `load_only` selects it like a column
    amount_cents = column_property(amount * 100)


class Member(Document):
    name: str
    email: Indexed(str)
    city: str = "Berlin"
    nickname: Optional[str] = None
    bio: str = ""
    tags: list[str] = Field(default_factory=list)
    # stored under its alias: the projection model keeps the alias
    home_country: str = Field("DE", alias="homeCountry")

    class Settings:
        name = "members"
