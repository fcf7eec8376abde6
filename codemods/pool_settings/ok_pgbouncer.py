from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from app.config import settings

# PgBouncer in transaction mode does the pooling: SQLAlchemy must not hold connections.
engine = create_async_engine(
    settings.database_url,
    poolclass=NullPool,  # PgBouncer (transaction mode) pools for us
    connect_args={"statement_cache_size": 0},
)
