"""A retried delivery is answered once; a user over the limit is refused with a clear wait."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis

from bot.escalations.model import Actor
from bot.intake.dedupe import Deduper
from bot.intake.ratelimit import RateLimiter
from bot.observability.metrics import Metrics
from bot.store.keys import DEDUPE_PREFIX
from handlers.common.replies import rate_limited_message

pytestmark = pytest.mark.store

ALICE = Actor(platform="slack", user_id="U0ALICE")
BOB = Actor(platform="slack", user_id="U0BOB")


async def test_a_retried_delivery_is_seen_once(redis: aioredis.Redis, metrics: Metrics) -> None:
    dedupe = Deduper(redis, ttl_s=900, metrics=metrics, timeout_s=1.0)

    assert await dedupe.first_time("slack:Ev123") is True
    assert await dedupe.first_time("slack:Ev123") is False  # Slack's retry of the same event
    assert await dedupe.first_time("slack:Ev124") is True


async def test_dedupe_keys_expire_on_their_own(redis: aioredis.Redis, metrics: Metrics) -> None:
    dedupe = Deduper(redis, ttl_s=900, metrics=metrics, timeout_s=1.0)
    await dedupe.first_time("discord:1234567890")

    ttl = await redis.ttl(DEDUPE_PREFIX + "discord:1234567890")
    assert 0 < ttl <= 900


async def test_user_over_the_limit_is_refused_with_a_wait(
    redis: aioredis.Redis, metrics: Metrics
) -> None:
    limiter = RateLimiter(redis, limit=3, window_s=60, metrics=metrics, timeout_s=1.0)

    verdicts = [await limiter.hit(ALICE) for _ in range(4)]

    assert [v.allowed for v in verdicts] == [True, True, True, False]
    refused = verdicts[-1]
    assert 1 <= refused.retry_after_s <= 60
    message = rate_limited_message(refused.limit, refused.retry_after_s)
    assert "more than 3 requests" in message
    assert f"wait {refused.retry_after_s} s" in message


async def test_one_users_limit_does_not_touch_another(
    redis: aioredis.Redis, metrics: Metrics
) -> None:
    limiter = RateLimiter(redis, limit=1, window_s=60, metrics=metrics, timeout_s=1.0)
    await limiter.hit(ALICE)

    assert not (await limiter.hit(ALICE)).allowed
    assert (await limiter.hit(BOB)).allowed


async def test_limit_zero_turns_rate_limiting_off(redis: aioredis.Redis, metrics: Metrics) -> None:
    limiter = RateLimiter(redis, limit=0, window_s=60, metrics=metrics, timeout_s=1.0)

    assert all([(await limiter.hit(ALICE)).allowed for _ in range(50)])
