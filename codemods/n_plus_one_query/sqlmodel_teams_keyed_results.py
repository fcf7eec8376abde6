# PO201: per-team queries stored under a key read from the team (`out[t.id] = ...` binds no
# name, so the key is still the item's), a reversed comparison, and a primary key attribute
# named apart from its column.
from typing import Optional

from fastapi import Depends, FastAPI
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

app = FastAPI()


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    account_pk: Mapped[int] = mapped_column("id", primary_key=True)


class Team(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    account_id: int


class Hero(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: Optional[int] = Field(default=None, foreign_key="team.id")


async def get_session():
    yield AsyncSession()


# fires: two queries per team, the results stored under the team's id
@app.get("/teams/heroes")
async def heroes_per_team(session: AsyncSession = Depends(get_session)):
    teams = (await session.exec(select(Team))).all()
    heroes, accounts = {}, {}
    for t in teams:
        heroes[t.id] = (await session.exec(select(Hero).where(t.id == Hero.team_id).order_by(Hero.id))).all()
        accounts[t.id] = await session.get(Account, t.account_id)
    return heroes, accounts
