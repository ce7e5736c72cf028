"""The job queue other parts of the bot use (drafting, scheduled posts): JSON payloads, defer
times, unique job ids, and a worker that runs in the caller's event loop."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis.asyncio as aioredis

from bot.errors import StoreUnavailable
from bot.jobs import Jobs, Retry, RetryLater
from bot.store import keys

pytestmark = pytest.mark.store


@pytest.fixture
async def jobs(redis: aioredis.Redis, redis_url: str) -> AsyncIterator[Jobs]:
    j = Jobs(redis_url, poll_delay=0.02)
    yield j
    await j.aclose()


async def run_until(jobs: Jobs, done: asyncio.Event) -> None:
    worker = asyncio.create_task(jobs.run_worker())
    try:
        async with asyncio.timeout(20):  # bounds a broken run; measures nothing
            await done.wait()
    finally:
        await jobs.stop()
        await worker


async def test_a_registered_job_runs_with_its_json_arguments(jobs: Jobs) -> None:
    seen: list[dict[str, Any]] = []
    done = asyncio.Event()

    async def draft(ctx: dict[str, Any], *, request: str, tags: list[str]) -> None:
        seen.append({"request": request, "tags": tags, "try": ctx["job_try"]})
        done.set()

    jobs.register("draft", draft)
    assert await jobs.enqueue("draft", request="newsletter", tags=["fr", "en"])
    await run_until(jobs, done)
    assert not jobs.running
    assert seen == [{"request": "newsletter", "tags": ["fr", "en"], "try": 1}]


async def test_payloads_in_redis_are_json_not_pickle(jobs: Jobs, redis: aioredis.Redis) -> None:
    await jobs.enqueue("post", job_id="p1", defer_by=3600, channel="C1", text="hello")
    raw = await redis.get("arq:job:p1")
    assert raw is not None
    payload = json.loads(raw)
    assert (payload["f"], payload["k"]) == ("post", {"channel": "C1", "text": "hello"})


async def test_defer_until_and_unique_job_ids(jobs: Jobs, redis: aioredis.Redis) -> None:
    at = time.time() + 600
    assert await jobs.enqueue("post", job_id="once", defer_until=at, text="a")
    assert not await jobs.enqueue("post", job_id="once", defer_until=at, text="b")
    score = await redis.zscore(keys.JOB_QUEUE, "once")
    assert score == round(at * 1000)
    assert await jobs.queued(["once", "never"]) == {"once"}
    assert await jobs.pending_count() == 1


async def test_a_job_that_asks_to_retry_runs_again(jobs: Jobs) -> None:
    tries: list[int] = []
    done = asyncio.Event()

    async def flaky(ctx: dict[str, Any]) -> None:
        tries.append(ctx["job_try"])
        if len(tries) < 2:
            raise Retry(defer=0.05)
        done.set()

    jobs.register("flaky", flaky, max_tries=3)
    await jobs.enqueue("flaky")
    await run_until(jobs, done)
    assert tries == [1, 2]


async def test_a_job_that_asks_the_domain_way_to_retry_runs_again(jobs: Jobs) -> None:
    tries: list[int] = []
    done = asyncio.Event()

    async def flaky(ctx: dict[str, Any], *, left: int) -> None:
        tries.append(ctx["job_try"])
        if len(tries) <= left:
            raise RetryLater(defer_s=0.05)  # what bot/escalations raises: it knows no arq
        done.set()

    jobs.register("flaky", flaky, max_tries=3)
    await jobs.enqueue("flaky", left=1)
    await run_until(jobs, done)
    assert tries == [1, 2]


def test_a_job_name_registers_once(jobs: Jobs) -> None:
    async def noop(ctx: dict[str, Any]) -> None:
        return None

    jobs.register("noop", noop)
    with pytest.raises(ValueError, match="already registered"):
        jobs.register("noop", noop)


async def test_a_periodic_job_runs_on_its_schedule(jobs: Jobs) -> None:
    done = asyncio.Event()

    async def tick(ctx: dict[str, Any]) -> None:
        done.set()

    jobs.register_periodic("tick", tick, second=None)  # every second
    await run_until(jobs, done)
    assert done.is_set()


async def test_stop_without_a_running_worker_returns(jobs: Jobs) -> None:
    assert not jobs.running
    await jobs.stop()


async def test_a_failing_startup_hook_does_not_keep_jobs_from_running(jobs: Jobs) -> None:
    done = asyncio.Event()

    async def broken_hook() -> None:
        raise RuntimeError("bug in a hook")

    async def job(ctx: dict[str, Any]) -> None:
        done.set()

    jobs.on_startup(broken_hook)
    jobs.register("job", job)
    await jobs.enqueue("job")
    await run_until(jobs, done)
    assert done.is_set()


class _DropOnMulti:
    """A loopback TCP proxy to the test Redis that drops the connection carrying a MULTI, as a
    network blip between a transaction's WATCH and its EXEC would."""

    def __init__(self, upstream_url: str) -> None:
        self._upstream = upstream_url
        self.dropped = 0

    async def _connect_upstream(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        address = urlsplit(self._upstream)
        if address.scheme == "unix":
            return await asyncio.open_unix_connection(address.path)
        return await asyncio.open_connection(address.hostname, address.port or 6379)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await self._connect_upstream()

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, spy: bool) -> None:
            while data := await src.read(65536):
                if spy and b"MULTI" in data.upper():
                    self.dropped += 1
                    break
                dst.write(data)
                await dst.drain()

        await asyncio.wait(
            [
                asyncio.create_task(pump(reader, up_writer, True)),
                asyncio.create_task(pump(up_reader, writer, False)),
            ],
            return_when=asyncio.FIRST_COMPLETED,
        )
        writer.close()
        up_writer.close()

    async def __aenter__(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        db = urlsplit(self._upstream).path.strip("/") or "0"  # unix:// URLs use db 0
        return f"redis://127.0.0.1:{port}/{db if db.isdigit() else 0}"

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()


async def test_a_job_lost_to_a_dropped_connection_is_not_taken_for_already_queued(
    redis: aioredis.Redis, redis_url: str
) -> None:
    proxy = _DropOnMulti(redis_url)
    async with proxy as url:
        jobs = Jobs(url)
        try:
            with pytest.raises(StoreUnavailable, match="connection dropped"):
                await jobs.enqueue("ping-owner", job_id="esc-1:ping", defer_by=60)
        finally:
            await jobs.aclose()
    assert proxy.dropped >= 1  # the connection really dropped mid-transaction
    assert not await redis.exists("arq:job:esc-1:ping")  # and the job really is not queued
