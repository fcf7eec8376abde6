# PO201: SQLModel with `session.exec` per team.
from typing import Optional

from fastapi import APIRouter, Depends
from sqlmodel import Field, Relationship, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

router = APIRouter()


class Team(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str
    heroes: list["Hero"] = Relationship(back_populates="team")


class Hero(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str
    team_id: Optional[int] = Field(default=None, foreign_key="team.id")
    team: Optional[Team] = Relationship(back_populates="heroes")


async def get_session():
    yield AsyncSession()


# fires: `session.exec` per team
@router.get("/teams")
async def teams(session: AsyncSession = Depends(get_session)):
    teams = (await session.exec(select(Team))).all()
    return [
        {"team": team.name, "heroes": [h.name for h in (await session.exec(select(Hero).where(Hero.team_id == team.id).order_by(Hero.name))).all()]}
        for team in teams
    ]


# fires: `session.get` per hero, the ids in a list first
@router.get("/heroes/teams")
async def hero_teams(session: AsyncSession = Depends(get_session)):
    heroes = (await session.exec(select(Hero))).all()
    team_ids = [hero.team_id for hero in heroes]
    names = []
    for team_id in team_ids:
        team = await session.get(Team, team_id)
        names.append(team.name if team else None)
    return names
