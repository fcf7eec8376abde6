"""The application's database module."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from app.config import settings

engine = create_async_engine(
    settings.database_url,
    echo=False,
    poolclass=NullPool,
)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)

reporting_engine = create_async_engine(settings.reporting_url, poolclass=NullPool, echo=True)

analytics_engine = create_async_engine(
    settings.analytics_url,  # the read replica
    poolclass=NullPool,
)

events_engine = create_async_engine(
    settings.events_url,
    poolclass=NullPool,  # see docs/ops.md
)


async def get_session():
    async with SessionLocal() as session:
        yield session
