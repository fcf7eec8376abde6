import pytest
import redis.asyncio as redis
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

engine = create_async_engine("postgresql+asyncpg://app@db/test", poolclass=NullPool)


@pytest.fixture
async def cache():
    client = redis.from_url("redis://localhost:6379/15", max_connections=2)
    yield client
    await client.aclose()
