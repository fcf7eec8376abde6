# PO201: loops that look like N+1 queries but are not.
import polars as pl
import requests
from beanie import Document, Link
from beanie.operators import In
from bs4 import BeautifulSoup
from fastapi import FastAPI
from sqlalchemy import ForeignKey, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload

app = FastAPI()
PRICES = {"a": 1}


class Base(DeclarativeBase):
    pass


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    members: Mapped[list["Member"]] = relationship(lazy="selectin")
    owners: Mapped[list["Member"]] = relationship(viewonly=True)


class Member(Base):
    __tablename__ = "members"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))


class Author(Document):
    name: str


class Post(Document):
    author: Link[Author]


@app.get("/prices")
async def prices(skus: list[str]):
    frame = pl.DataFrame({"sku": skus})
    out = [PRICES.get(sku) for sku in frame["sku"].to_list()]
    for sku in skus:
        out.append(requests.get(f"https://example.com/{sku}").json())
    return out


@app.get("/links")
async def links(url: str):
    soup = BeautifulSoup(requests.get(url).text, "html.parser")
    return [a.find("span") for a in soup.find_all("a")]


@app.get("/authors")
async def authors():
    posts = await Post.find_all(fetch_links=True).to_list()
    by_id = {a.id: a for a in await Author.find(In(Author.id, [p.author.ref.id for p in posts])).to_list()}
    return [by_id.get(p.author.ref.id) for p in posts]


@app.get("/authors/fetched")
async def fetched_authors():
    posts = await Post.find_all(fetch_links=True).to_list()
    return [await p.author.fetch() for p in posts]


@app.get("/teams")
async def teams(session: AsyncSession):
    rows = (await session.execute(select(Team))).scalars().all()
    eager = (await session.execute(select(Team).options(selectinload(Team.owners)))).scalars().all()
    total = 0
    for team in rows:
        total += len(team.members)
        everyone = await session.get(Member, 1)
        total += everyone.id
    for team in eager:
        total += len(team.owners)
    return total


def sync_route(session):
    return [session.get(Member, i) for i in range(3)]
