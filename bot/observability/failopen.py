"""Run a Redis call that a decision must not wait on or die with.

Dedupe, rate limits and the decision log help, but a marketer still gets an answer when Redis is
down or hung: the call is bounded by a timeout, and a failure is logged and counted, never hidden.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from redis.exceptions import RedisError

from bot.observability.metrics import Metrics

T = TypeVar("T")

# What "Redis is unavailable" looks like from redis-py: its own errors, a refused or reset
# socket (OSError) and our timeout (TimeoutError).
STORE_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError, TimeoutError)


async def fail_open(
    call: Awaitable[T], *, fallback: T, component: str, metrics: Metrics, timeout_s: float
) -> T:
    """Await ``call``; on a store error or timeout, log it, count it and return ``fallback``."""
    try:
        async with asyncio.timeout(timeout_s):
            return await call
    except STORE_ERRORS as e:
        metrics.store_errors.labels(component=component).inc()
        metrics.outage_log.failed(component, e)
        return fallback
