from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

app = FastAPI()


@app.get("/health/db")
async def db_health(dsn: str = "postgresql+asyncpg://app@db/app"):
    engine = create_async_engine(dsn)
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))
    await engine.dispose()
    return {"ok": True}
