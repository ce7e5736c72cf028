"""The embedded Redis: its data survives restarts, a second process reuses it, and its owner
keeps it running (supervise)."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest
import redis
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


async def test_supervise_starts_a_dead_server_again_on_its_data(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path)
    client = aioredis.Redis.from_url(server.start(), decode_responses=True)
    await client.set("should-ai:escalations:seq", "7")
    supervisor = asyncio.create_task(server.supervise(every_s=0.05))
    try:
        first = server.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        for _ in range(200):
            if server.pid != first and await _answers(client):
                break
            await asyncio.sleep(0.05)
        assert server.pid != first
        assert await client.get("should-ai:escalations:seq") == "7"
    finally:
        supervisor.cancel()
        await asyncio.gather(supervisor, return_exceptions=True)
        await client.aclose()
        server.stop()


async def test_a_process_reusing_the_server_takes_it_over_when_its_owner_stops(
    tmp_path: Path,
) -> None:
    owner, other = EmbeddedRedis(tmp_path), EmbeddedRedis(tmp_path)
    owner.start()
    other.start()
    assert owner.owner and not other.owner
    supervisor = asyncio.create_task(other.supervise(every_s=0.05))
    client = aioredis.Redis.from_url(other.url)
    try:
        owner.stop()
        for _ in range(200):
            if other.owner and await _answers(client):
                break
            await asyncio.sleep(0.05)
        assert other.owner and other.pid is not None
    finally:
        supervisor.cancel()
        await asyncio.gather(supervisor, return_exceptions=True)
        await client.aclose()
        other.stop()


async def _answers(client: aioredis.Redis) -> bool:
    try:
        return bool(await client.ping())
    except (redis.exceptions.RedisError, OSError):
        return False
