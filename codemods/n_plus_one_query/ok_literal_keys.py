# PO201 must not fire: a loop over a literal list of keys runs a fixed number of queries.
from fastapi import Depends, FastAPI
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

app = FastAPI()


class Base(DeclarativeBase):
    pass


class Setting(Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(primary_key=True)
    value: Mapped[str]


async def get_session():
    yield AsyncSession()


@app.get("/settings/defaults")
async def default_settings(session: AsyncSession = Depends(get_session)):
    found = {}
    for key in ("ui.default_models", "ui.default_pinned_models"):
        row = await session.get(Setting, key)
        found[key] = row.value if row else None
    return found
