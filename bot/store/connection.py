"""Open the Redis connections the settings ask for: a server, Sentinel, or the embedded server.

Every client should-ai opens comes from :func:`connect` (the store's, arq's job queue, and with
the store's client dedupe, rate limits, the decision log and AI work), so each one reaches the
Redis that ``SHOULD_AI_REDIS_URL`` names the same way (``address`` reads it) and each has a
socket timeout: a hung Redis (stopped, or its host gone quiet) makes a call fail after
``socket_timeout`` seconds instead of holding it for ever.

With Sentinel, the client asks the Sentinels where the master is whenever it opens a connection,
and drops its connections to a master that was demoted (redis-py's ``SentinelConnectionPool``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as aioredis
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool

from bot.settings import Settings
from bot.store.address import (
    CONNECT_TIMEOUT_S,
    SOCKET_TIMEOUT_S,
    RedisAddress,
    SentinelAddress,
    parse_redis_url,
)
from bot.store.embedded import EmbeddedRedis

__all__ = [
    "CONNECT_TIMEOUT_S",
    "SOCKET_TIMEOUT_S",
    "connect",
    "open_redis",
    "replicas_to_wait",
]


class _ServerPool(aioredis.ConnectionPool):
    """redis-py's pool for one server, carrying how many replicas a write waits for."""

    wait_replicas = 0


class _SentinelPool(SentinelConnectionPool):
    """redis-py's Sentinel pool, carrying ``wait_replicas``; closing it closes the Sentinels'
    connections too (redis-py leaves those open)."""

    wait_replicas = 0

    async def disconnect(self, inuse_connections: bool = True) -> None:
        await super().disconnect(inuse_connections)
        if inuse_connections:  # the client is closing; a failover drops idle connections only
            for sentinel in self.sentinel_manager.sentinels:
                await sentinel.aclose()


def connect(
    url: str,
    *,
    decode_responses: bool = True,
    redis_class: type[aioredis.Redis] = aioredis.Redis,
) -> aioredis.Redis:
    """A client (of ``redis_class``: arq passes its own) for ``url``, with timeouts.

    Raises :class:`bot.store.address.RedisUrlError` when ``url`` is not one should-ai can use.
    """
    address = parse_redis_url(url)
    if address.sentinel is not None:
        return _master_of(address, address.sentinel, decode_responses, redis_class)
    assert address.server_url is not None
    pool = _ServerPool.from_url(
        address.server_url, decode_responses=decode_responses, **_timeouts(address)
    )
    pool.wait_replicas = address.wait_replicas
    client: aioredis.Redis = redis_class.from_pool(pool)
    return client


def _master_of(
    address: RedisAddress,
    sentinel: SentinelAddress,
    decode_responses: bool,
    redis_class: type[aioredis.Redis],
) -> aioredis.Redis:
    """A client of the master the Sentinels name (whichever server that is at the time)."""
    sentinels = Sentinel(  # type: ignore[no-untyped-call]
        list(sentinel.sentinels),
        sentinel_kwargs={
            **_timeouts(address),
            "username": sentinel.sentinel_username,
            "password": sentinel.sentinel_password,
        },
        **_timeouts(address),
    )
    client: aioredis.Redis = sentinels.master_for(
        sentinel.service,
        redis_class=redis_class,
        connection_pool_class=_SentinelPool,
        db=sentinel.db,
        username=sentinel.username,
        password=sentinel.password,
        decode_responses=decode_responses,
    )
    client.connection_pool.wait_replicas = address.wait_replicas  # type: ignore[attr-defined]
    return client


def _timeouts(address: RedisAddress) -> dict[str, float]:
    return {
        "socket_timeout": address.socket_timeout_s,
        "socket_connect_timeout": address.connect_timeout_s,
    }


def replicas_to_wait(redis: aioredis.Redis) -> int:
    """How many replicas must confirm a write of ``redis`` (its URL's ``wait_replicas``)."""
    pool = redis.connection_pool
    return pool.wait_replicas if isinstance(pool, _ServerPool | _SentinelPool) else 0


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
