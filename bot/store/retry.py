"""Retry an operation on the store with exponential backoff while Redis is unreachable."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.store.errors import StoreUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")


def backoff_delays(first_delay: float, max_delay: float) -> Callable[[int], float]:
    """Delay before retry ``n`` (1-based): doubling from ``first_delay``, capped, with jitter.

    The jitter (up to a quarter of the delay) keeps replicas from retrying in lockstep.
    """

    def delay(n: int) -> float:
        base = min(max_delay, first_delay * 2.0 ** (n - 1))
        return base + random.uniform(0, base / 4)

    return delay


async def retry_with_backoff(
    op: Callable[[], Awaitable[T]],
    *,
    what: str,
    first_delay: float = 0.2,
    max_delay: float = 30.0,
    attempts: int | None = None,
) -> T:
    """Run ``op`` until it stops raising :class:`StoreUnavailable`; log every failure.

    ``attempts=None`` retries until it succeeds (or the task is cancelled); otherwise the last
    ``StoreUnavailable`` is re-raised after ``attempts`` tries.
    """
    delay = backoff_delays(first_delay, max_delay)
    n = 0
    while True:
        n += 1
        try:
            return await op()
        except StoreUnavailable as e:
            if attempts is not None and n >= attempts:
                log.error("%s failed after %d attempts, giving up: %s", what, n, e)
                raise
            wait = delay(n)
            log.warning("%s failed (attempt %d), retrying in %.1fs: %s", what, n, wait, e)
            await asyncio.sleep(wait)
