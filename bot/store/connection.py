"""Open the Redis connection the settings ask for: a server URL, or the embedded server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as aioredis

from bot.settings import Settings
from bot.store.embedded import EmbeddedRedis


@asynccontextmanager
async def open_redis(settings: Settings) -> AsyncIterator[tuple[aioredis.Redis, str]]:
    """Yield a client and the URL it uses; an embedded server started here is stopped on exit."""
    embedded: EmbeddedRedis | None = None
    url = settings.redis_url
    if not url:
        embedded = EmbeddedRedis(settings.data_dir / "redis")
        url = embedded.start()
    client = aioredis.Redis.from_url(url, decode_responses=True)
    try:
        await client.ping()
        yield client, url
    finally:
        await client.aclose()
        if embedded is not None:
            embedded.stop()
