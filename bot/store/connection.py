"""Open the Redis connections the settings ask for: a server URL, or the embedded server.

Every client should-ai opens comes from :func:`connect`, so each has a socket timeout: a hung
Redis (stopped, or its host gone quiet) makes a call fail after ``socket_timeout`` seconds
instead of holding it forever. The URL's own ``socket_timeout`` / ``socket_connect_timeout``
query options override the defaults.
"""

from __future__ import annotations

import asyncio
import contextlib
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
    """Yield a client and the URL it uses.

    An embedded server started here is supervised while the context is open (started again if
    it dies) and stopped on exit.
    """
    if settings.redis_url:
        async with _client(settings.redis_url) as client:
            yield client, settings.redis_url
        return
    embedded = EmbeddedRedis(settings.data_dir / "redis")
    url = embedded.start()
    supervisor = asyncio.create_task(embedded.supervise(), name="embedded Redis supervisor")
    try:
        async with _client(url) as client:
            yield client, url
    finally:
        supervisor.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await supervisor
        embedded.stop()


@asynccontextmanager
async def _client(url: str) -> AsyncIterator[aioredis.Redis]:
    client = connect(url)
    try:
        await client.ping()
        yield client
    finally:
        await client.aclose()
