from fastapi import APIRouter, Depends
from sqlalchemy import JSON, BigInteger, Text, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

router = APIRouter()


class Base(DeclarativeBase):
    pass


class Setting(Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    value: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[int] = mapped_column(BigInteger, default=0)


async def get_db() -> AsyncSession:
    raise NotImplementedError


async def save_settings(updates: dict, *, db: AsyncSession) -> None:
    for key, value in updates.items():
        existing = await db.get(Setting, key)  # the identity map's object, if loaded before
        existing.value = value
        print(existing.updated_at)


@router.put("/settings")
async def put_settings(updates: dict, db: AsyncSession = Depends(get_db)):
    rows = (await db.execute(select(Setting).where(Setting.key.in_(list(updates))))).scalars()
    current = {row.key: row.value for row in rows}
    # the session goes on to code that may get the same rows again
    await save_settings(updates, db=db)
    await db.commit()
    return current


@router.get("/settings/stamps")
async def setting_stamps(db: AsyncSession = Depends(get_db)):
    keys = [s.key for s in await db.scalars(select(Setting).order_by(Setting.key))]
    first = await db.get(Setting, keys[0]) if keys else None
    return {"keys": keys, "stamp": first.updated_at if first else None}


@router.post("/settings/touch")
async def touch_settings(db: AsyncSession = Depends(get_db)):
    # committing afterwards gets no row: fixed
    keys = [s.key for s in (await db.scalars(select(Setting))).all()]
    await db.commit()
    return keys


async def setting_keys(db: AsyncSession) -> list[str]:
    # a helper: its caller keeps the session, and may get these rows from it again
    return [s.key for s in await db.scalars(select(Setting).order_by(Setting.key))]


async def nightly_keys(session_factory) -> list[str]:
    # the function's own session: fixed
    async with session_factory() as session:
        return [s.key for s in await session.scalars(select(Setting))]
