"""Answer each request once, though Slack retries and Discord may redeliver an interaction.

The platform's own id for the delivery (Slack's event or trigger id, Discord's interaction id)
is claimed with ``SET NX EX``: the first claim wins, the key expires on its own.
"""

from __future__ import annotations

import redis.asyncio as aioredis

from bot.observability.failopen import fail_open
from bot.observability.metrics import Metrics
from bot.store.keys import DEDUPE_PREFIX


class Deduper:
    """Claims delivery ids in Redis; a claim that Redis can't answer counts as first (fail open)."""

    def __init__(
        self, redis: aioredis.Redis, *, ttl_s: int, metrics: Metrics, timeout_s: float
    ) -> None:
        self._redis = redis
        self._ttl_s = ttl_s
        self._metrics = metrics
        self._timeout_s = timeout_s

    async def first_time(self, key: str) -> bool:
        """True if nobody claimed ``key`` within the TTL (or Redis can't tell); claims it."""
        claim = self._redis.set(DEDUPE_PREFIX + key, "1", nx=True, ex=self._ttl_s)
        claimed = await fail_open(
            claim,
            fallback=True,
            component="dedupe",
            metrics=self._metrics,
            timeout_s=self._timeout_s,
        )
        return bool(claimed)
