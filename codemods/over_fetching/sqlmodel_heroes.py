from typing import Optional

from fastapi import APIRouter, Depends
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

router = APIRouter()


class Hero(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str
    secret_name: str
    age: Optional[int] = None
    biography: str = ""


async def get_session() -> AsyncSession:
    raise NotImplementedError


@router.get("/heroes/names")
async def hero_names(session: AsyncSession = Depends(get_session)):
    heroes = (await session.exec(select(Hero).where(Hero.age > 18))).all()
    return [hero.name for hero in heroes]


@router.get("/heroes/ages")
async def average_age(session: AsyncSession = Depends(get_session)):
    ages = [h.age for h in await session.exec(select(Hero)) if h.age is not None]
    return {"average": sum(ages) / len(ages) if ages else None}
