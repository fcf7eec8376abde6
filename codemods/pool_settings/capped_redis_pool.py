import redis.asyncio
from redis.asyncio import ConnectionPool, Redis, SSLConnection
from redis.asyncio import from_url

# A small cap: under a burst the pool raises MaxConnectionsError.
cache = redis.asyncio.from_url("redis://cache:6379/0", max_connections=10, decode_responses=True)

sessions = Redis.from_url(
    "redis://cache:6379/1",
    max_connections=20,  # per worker
)

rate_limits = Redis(connection_pool=ConnectionPool(host="cache", db=2, max_connections=8))

queue_pool = redis.asyncio.ConnectionPool.from_url("redis://cache:6379/3", max_connections=4)

locks = from_url("redis://cache:6379/4", max_connections=4)

pubsub = Redis(host="cache", max_connections=16)

single = redis.asyncio.from_url("redis://cache:6379/5", max_connections=2, single_connection_client=True)

# Positional: `BlockingConnectionPool` takes `max_connections` first. Reported without a fix.
tls_pool = ConnectionPool(SSLConnection, host="cache", max_connections=8)
