# PO206: SQLModel's exec(...).all() counted with len, with `func` imported already.
from fastapi import Depends, FastAPI
from sqlalchemy import func
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

app = FastAPI()


class Hero(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    age: int | None = None


async def get_session():
    raise NotImplementedError


# fires: exec(...).all() becomes exec(select(func.count())...).one()
@app.get("/heroes/adults/count")
async def adult_heroes(session: AsyncSession = Depends(get_session)):
    adults = len((await session.exec(select(Hero).where(Hero.age >= 18))).all())
    oldest = await session.exec(select(func.max(Hero.age)))
    return {"adults": adults, "oldest": oldest.one()}
