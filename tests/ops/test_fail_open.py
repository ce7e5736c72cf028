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

    # A retry can't be recognised and the limit can't be counted: the request goes through.
    assert await dedupe.first_time("slack:Ev1") is True
    assert (await limiter.hit(ALICE)).allowed
    assert await log.record_decision(decision=make_decision(), actor=ALICE, text="x") is None

    for component in ("dedupe", "ratelimit", "decision_log"):
        assert sample(metrics, "should_ai_store_errors_total", component=component) == 1
        assert f"redis unavailable for {component}" in caplog.text
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
