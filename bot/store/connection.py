"""Open the Redis connections the settings ask for: a server URL, or the embedded server.

Every client should-ai opens comes from :func:`connect`, so each has a socket timeout: a hung
Redis (stopped, or its host gone quiet) makes a call fail after ``socket_timeout`` seconds
instead of holding it forever. The URL's own ``socket_timeout`` / ``socket_connect_timeout``
query options override the defaults.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as aioredis

from bot.settings import Settings
from bot.store.embedded import EmbeddedRedis

__all__ = ["CONNECT_TIMEOUT_S", "SOCKET_TIMEOUT_S", "connect", "open_redis"]

SOCKET_TIMEOUT_S = 5.0  # longest wait for one reply
CONNECT_TIMEOUT_S = 2.0  # longest wait for a connection


def connect(
    url: str,
    *,
    decode_responses: bool = True,
    redis_class: type[aioredis.Redis] = aioredis.Redis,
) -> aioredis.Redis:
    """A client (of ``redis_class``: arq passes its own) for ``url``, with timeouts."""
    client: aioredis.Redis = redis_class.from_url(
        url,
        decode_responses=decode_responses,
        socket_timeout=SOCKET_TIMEOUT_S,
        socket_connect_timeout=CONNECT_TIMEOUT_S,
    )
    return client


@asynccontextmanager
async def open_redis(settings: Settings) -> AsyncIterator[tuple[aioredis.Redis, str]]:
    """Yield a client and the URL it uses; an embedded server started here is stopped on exit."""
    embedded: EmbeddedRedis | None = None
    url = settings.redis_url
    if not url:
        embedded = EmbeddedRedis(settings.data_dir / "redis")
        url = embedded.start()
    client = connect(url)
    try:
        await client.ping()
        yield client, url
    finally:
        await client.aclose()
        if embedded is not None:
            embedded.stop()
