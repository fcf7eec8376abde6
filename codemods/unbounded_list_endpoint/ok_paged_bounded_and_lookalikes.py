# PO205 must not fire: paged or bounded queries, export routes (PO305), other methods, and
# look-alikes of `.to_list()` and `.all()`.
import polars as pl
from beanie import Document
from fastapi import APIRouter, Depends, Query
from motor.motor_asyncio import AsyncIOMotorClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.db import get_session
from app.documents import AuditEntry

router = APIRouter(prefix="/admin")
mongo = AsyncIOMotorClient("mongodb://localhost:27017")


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str]


class Event(Document):
    kind: str


# ok: already paged by the client's parameters
@router.get("/users")
async def list_users(skip: int = 0, limit: int = Query(default=50, le=500), session: AsyncSession = Depends(get_session)):
    return (await session.scalars(select(User).offset(skip).limit(limit))).all()


# ok: bounded queries
@router.get("/users/recent")
async def recent_users(session: AsyncSession = Depends(get_session)):
    return (await session.scalars(select(User).limit(20))).all()


@router.get("/events/recent")
async def recent_events():
    return await Event.find_all(limit=10).to_list()


@router.get("/events/first")
async def first_events():
    return await Event.find_all().limit(5).to_list()


@router.get("/events/some")
async def some_events():
    return await Event.find_all().to_list(25)


# ok: export routes stream their result (PO305)
@router.get("/users/export")
async def export_users(session: AsyncSession = Depends(get_session)):
    return (await session.scalars(select(User))).all()


@router.get("/events.csv")
async def events_table():
    return await Event.find_all().to_list()


# ok: not a GET
@router.post("/events/replay")
async def replay_events():
    return await Event.find_all().to_list()


# ok: the list is aggregated, not returned
@router.get("/events/count")
async def count_events():
    events = await Event.find_all().to_list()
    return {"count": len(events)}


# ok: a count, not a listing
@router.get("/users/count")
async def count_users(session: AsyncSession = Depends(get_session)):
    return (await session.execute(select(func.count()).select_from(User))).scalar_one()


# ok: columns, not models
@router.get("/users/emails")
async def user_emails(session: AsyncSession = Depends(get_session)):
    return (await session.scalars(select(User.email))).all()


# ok: look-alikes of `.to_list()`: polars, and Motor's raw collections
@router.get("/stats")
async def stats():
    frame = pl.DataFrame({"x": [1, 2, 3]})
    return frame["x"].to_list()


@router.get("/raw-events")
async def raw_events():
    return await mongo.shop.events.find({}).to_list(None)


# ok: a Beanie-looking class defined elsewhere: not known to be a Document
@router.get("/audit")
async def audit_entries():
    return await AuditEntry.find_all().to_list()


# ok: not a route
async def all_events():
    return await Event.find_all().to_list()
