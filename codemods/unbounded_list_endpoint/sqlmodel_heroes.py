# PO205: SQLModel tables listed whole, with sync and async sessions.
from fastapi import Depends, FastAPI
from sqlmodel import Field, Session, SQLModel, create_engine, select
from sqlmodel.ext.asyncio.session import AsyncSession

engine = create_engine("sqlite:///heroes.db")
app = FastAPI()


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)


class Hero(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    team_id: int | None = Field(default=None, foreign_key="team.id")


def get_session():
    with Session(engine) as session:
        yield session


async def get_async_session():
    raise NotImplementedError


# fires: a sync route, `session.exec(...).all()`
@app.get("/heroes", response_model=list[Hero])
def read_heroes(session: Session = Depends(get_session)):
    heroes = session.exec(select(Hero)).all()
    return heroes


# fires: an async session, no response model
@app.get("/teams")
async def read_teams(session: AsyncSession = Depends(get_async_session)):
    return (await session.exec(select(Team).where(Team.name != ""))).all()
