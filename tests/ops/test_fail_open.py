"""With Redis gone, dedupe, rate limit and log step aside (logged and counted), never block."""

from __future__ import annotations

import logging

import pytest
import redis.asyncio as aioredis

from bot.escalations.model import Actor
from bot.intake.dedupe import Deduper
from bot.intake.ratelimit import RateLimiter
from bot.observability.decision_log import DecisionLog
from bot.observability.metrics import Metrics
from bot.store.embedded import EmbeddedRedis
from tests.ops.conftest import make_decision, sample

pytestmark = pytest.mark.store

ALICE = Actor(platform="slack", user_id="U0ALICE")


async def test_helpers_fail_open_when_redis_dies(
    own_redis: EmbeddedRedis, metrics: Metrics, caplog: pytest.LogCaptureFixture
) -> None:
    client = aioredis.Redis.from_url(own_redis.url, decode_responses=True)
    dedupe = Deduper(client, ttl_s=60, metrics=metrics, timeout_s=1.0)
    limiter = RateLimiter(client, limit=1, window_s=60, metrics=metrics, timeout_s=1.0)
    log = DecisionLog(client, metrics=metrics)
    assert await dedupe.first_time("slack:Ev1")
    assert (await limiter.hit(ALICE)).allowed

    own_redis.kill()
    caplog.set_level(logging.WARNING)

    # A new delivery can't be claimed in Redis and the limit can't be counted: the request goes
    # through; a retry of the one this process saw is still recognised (it remembers it too).
    assert await dedupe.first_time("slack:Ev2") is True
    assert await dedupe.first_time("slack:Ev1") is False
    assert (await limiter.hit(ALICE)).allowed
    # The log entry can't be written in time: the decision goes on, the entry waits.
    assert await log.record_decision(decision=make_decision(), actor=ALICE, text="x") is None
    assert log.backlog == 1

    for component in ("dedupe", "ratelimit"):
        assert sample(metrics, "should_ai_store_errors_total", component=component) == 1
    assert sample(metrics, "should_ai_store_errors_total", component="decision_log") >= 1
    for component in ("dedupe", "ratelimit", "decision_log"):
        assert f"redis unavailable for {component}" in caplog.text
    assert await log.aclose(timeout_s=0.2) == 1  # shutdown says what was never written
    await client.aclose()


async def test_log_entries_made_while_redis_is_down_are_written_when_it_is_back(
    own_redis: EmbeddedRedis, metrics: Metrics
) -> None:
    client = aioredis.Redis.from_url(own_redis.url, decode_responses=True)
    log = DecisionLog(client, metrics=metrics, timeout_s=0.2)
    await log.record_decision(decision=make_decision(decision_id="before"), actor=ALICE, text="x")
    own_redis.kill()

    for i in range(3):
        decision = make_decision(decision_id=f"during-{i}")
        assert await log.record_decision(decision=decision, actor=ALICE, text="x") is None
    assert log.backlog == 3

    own_redis.start()  # the same socket: the client reconnects on its next try
    assert await log.flush(timeout_s=30)
    logged = [e.fields["decision_id"] for e in await log.tail(10)]
    assert logged == ["before", "during-0", "during-1", "during-2"]
    await log.aclose()
    await client.aclose()


async def test_an_outage_is_counted_every_time_but_logged_once(
    own_redis: EmbeddedRedis, metrics: Metrics, caplog: pytest.LogCaptureFixture
) -> None:
    client = aioredis.Redis.from_url(own_redis.url, decode_responses=True)
    dedupe = Deduper(client, ttl_s=60, metrics=metrics, timeout_s=1.0)
    own_redis.kill()
    caplog.set_level(logging.WARNING)

    for i in range(20):
        assert await dedupe.first_time(f"slack:Ev{i}")

    assert sample(metrics, "should_ai_store_errors_total", component="dedupe") == 20
    assert caplog.text.count("redis unavailable for dedupe") == 1
    await client.aclose()
