# PO305: SQLModel, tab-indented, single quotes: the helpers follow the file's style.
from fastapi import Depends, FastAPI
from sqlmodel import Field, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from heroes.db import get_session

app = FastAPI()


class Hero(SQLModel, table=True):
	id: int | None = Field(default=None, primary_key=True)
	name: str


@app.get('/heroes/export')
async def export_heroes(session: AsyncSession = Depends(get_session)):
	return (await session.exec(select(Hero))).all()
