"""Async Redis clients with a blocking pool: at 100 concurrent requests redis-py's default pool raises."""

import redis.asyncio as aioredis

MAX_CONNECTIONS = 64
POOL_TIMEOUT_S = 5.0


def connect(url: str) -> aioredis.Redis:
    pool = aioredis.BlockingConnectionPool.from_url(url, max_connections=MAX_CONNECTIONS, timeout=POOL_TIMEOUT_S)
    return aioredis.Redis(connection_pool=pool)
