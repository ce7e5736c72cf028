from __future__ import annotations

from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.store.embedded import EmbeddedRedis

pytestmark = pytest.mark.store


async def test_embedded_redis_keeps_data_across_a_restart(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path)
    url = server.start()
    client = aioredis.Redis.from_url(url, decode_responses=True)
    await client.set("escalation:1", "open")
    await client.aclose()
    server.stop()

    again = EmbeddedRedis(tmp_path)
    client = aioredis.Redis.from_url(again.start(), decode_responses=True)
    try:
        assert await client.get("escalation:1") == "open"
    finally:
        await client.aclose()
        again.stop()


async def test_second_process_reuses_the_running_server(tmp_path: Path) -> None:
    first = EmbeddedRedis(tmp_path)
    first.start()
    try:
        second = EmbeddedRedis(tmp_path)
        assert second.start() == first.url
        second.stop()  # a reused server belongs to its starter: still up
        client = aioredis.Redis.from_url(first.url)
        assert await client.ping()
        await client.aclose()
    finally:
        first.stop()


async def test_redis_fixture_is_a_real_empty_server(redis: aioredis.Redis) -> None:
    assert await redis.dbsize() == 0
    await redis.xadd("s", {"k": "v"})  # a stream command no Python fake would carry by default
    assert await redis.xlen("s") == 1
