"""Issue 12, defect 5: a hanging Redis (redis-server stopped with SIGSTOP) must not hold a
request that needs a person. The requester is told to contact the owner directly within seconds,
and once Redis runs again the escalation is stored, once, and its owner pinged, once."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store.connection import SOCKET_TIMEOUT_S, connect
from bot.store.embedded import EmbeddedRedis
from bot.store.errors import StoreUnavailable
from bot.store.escalations import STORE_TIMEOUT_S, RedisEscalationStore
from handlers.console.repl import handle_line
from tests.store.serving import (
    CRISIS_WORD,
    DRAFT_WORD,
    eventually,
    opened_escalation,
    pings,
    redis_pid,
    running,
    settings_for,
)

pytestmark = [pytest.mark.store, pytest.mark.slow]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    redis = EmbeddedRedis(tmp_path / "redis")
    redis.start()
    try:
        yield redis
    finally:
        os.kill(redis_pid(redis.data_dir), signal.SIGCONT)  # a stopped server ignores SIGTERM
        redis.stop()


async def test_a_hung_redis_gets_the_requester_the_fallback_in_seconds_and_loses_nothing(
    server: EmbeddedRedis, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path, server.url)
    async with running(settings) as services:
        out = io.StringIO()
        await handle_line(services.core, f"draft the {DRAFT_WORD}", out)  # the engine is warm
        pid = redis_pid(server.data_dir)

        # Dedupe, rate limit and decision log each give up after redis_timeout_s (fail open);
        # opening the escalation gives up after the store's own bound.
        budget = 3 * settings.redis_timeout_s + max(STORE_TIMEOUT_S, SOCKET_TIMEOUT_S)
        os.kill(pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            async with asyncio.timeout(budget + 30):  # before the fix, this waited forever
                await handle_line(
                    services.core, f"the {CRISIS_WORD} went viral, what do we say?", out
                )
            took = time.monotonic() - started
        finally:
            os.kill(pid, signal.SIGCONT)

        said = out.getvalue()
        assert "A person must own this (crisis)" in said
        assert "please contact Dana Whitfield" in said and "directly" in said
        assert took < budget + 3.0, f"the requester waited {took:.1f} s"
        assert services.intake.pending_escalations == 1

        # Redis runs again: the retry stores the escalation, once, and pings its owner, once.
        await eventually(
            lambda: services.intake.pending_escalations == 0,
            within_s=60,
            what="the deferred escalation was stored",
        )
        stored = await services.escalations.list_open()
        assert [e.category for e in stored] == ["crisis"]
        assert pings(services).count(f"escalation {stored[0].id} ") == 1
        assert pings(services).count("PING Dana Whitfield") == 1


async def test_every_store_call_on_a_hung_redis_ends_within_its_bound(
    server: EmbeddedRedis,
) -> None:
    client = connect(server.url)
    store = RedisEscalationStore(client, timeout_s=0.5)
    escalation = opened_escalation("esc-1", "d-1")
    await store.create(escalation)  # connections are open and pooled
    pid = redis_pid(server.data_dir)
    os.kill(pid, signal.SIGSTOP)
    try:
        for call in (
            store.next_id(),
            store.create(escalation.model_copy(update={"id": "esc-2", "decision_id": "d-2"})),
            store.update(escalation.id, lambda e: e.model_copy(update={"text": "changed"})),
            store.list_active(),
        ):
            started = time.monotonic()
            with pytest.raises(StoreUnavailable, match=r"did not answer within 0\.5 s"):
                await call
            assert time.monotonic() - started < 2.0
    finally:
        os.kill(pid, signal.SIGCONT)
        await client.aclose()
