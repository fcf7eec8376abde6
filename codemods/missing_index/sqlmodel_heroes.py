from fastapi import APIRouter, Depends
from sqlalchemy import Column, String
from sqlmodel import Field, Session, SQLModel, select

router = APIRouter()


class Hero(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=50)
    team: str
    secret_name: str = Field(sa_column=Column(String(80)))
    age: int | None = Field(default=None, index=False)


def get_session() -> Session: ...


@router.get("/heroes")
def heroes(name: str, team: str, session: Session = Depends(get_session)):
    statement = select(Hero).where(Hero.name == name, Hero.team == team, Hero.age > 30)
    statement = statement.order_by(Hero.secret_name)
    return session.exec(statement).all()
