"""Answer each request once, though Slack retries and Discord may redeliver an interaction.

The platform's own id for the delivery (Slack's event or trigger id, Discord's interaction id)
is claimed with ``SET NX EX``: the first claim wins, the key expires on its own.

Each process also remembers the ids it claimed itself, for the same time: a retry reaching the
process that saw the first delivery (the usual case) is recognised even when Redis is down or
too slow to answer in time (a burst of 1,000 requests), where the Redis claim fails open.
"""

from __future__ import annotations

import time
from collections import OrderedDict

import redis.asyncio as aioredis

from bot.observability.failopen import fail_open
from bot.observability.metrics import Metrics
from bot.store.keys import DEDUPE_PREFIX

LOCAL_MAX = 100_000  # ids remembered in process; the oldest go first past this


class Deduper:
    """Claims delivery ids in Redis and in process; a claim neither knows of counts as first
    (fail open)."""

    def __init__(
        self, redis: aioredis.Redis, *, ttl_s: int, metrics: Metrics, timeout_s: float
    ) -> None:
        self._redis = redis
        self._ttl_s = ttl_s
        self._metrics = metrics
        self._timeout_s = timeout_s
        self._seen: OrderedDict[str, float] = OrderedDict()  # id -> when it expires

    async def first_time(self, key: str) -> bool:
        """True if nobody claimed ``key`` within the TTL (or Redis can't tell); claims it."""
        if not self._claim_here(key):
            return False
        claim = self._redis.set(DEDUPE_PREFIX + key, "1", nx=True, ex=self._ttl_s)
        claimed = await fail_open(
            claim,
            fallback=True,
            component="dedupe",
            metrics=self._metrics,
            timeout_s=self._timeout_s,
        )
        return bool(claimed)

    def _claim_here(self, key: str) -> bool:
        now = time.monotonic()
        while self._seen and (
            next(iter(self._seen.values())) <= now or len(self._seen) >= LOCAL_MAX
        ):
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now + self._ttl_s
        return True
