"""Per-user rate limits: N requests per window, counted in Redis so every replica agrees.

A fixed window per user (``INCR`` + ``EXPIRE`` in one transaction) is enough to stop a runaway
script or a user pasting in a loop; it is not billing. When Redis can't answer, the request is
allowed (fail open): refusing everyone because the counter is down would be worse.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import redis.asyncio as aioredis

from bot.escalations.model import Actor
from bot.observability.failopen import fail_open
from bot.observability.metrics import Metrics
from bot.store.keys import RATELIMIT_PREFIX


@dataclass(frozen=True)
class RateVerdict:
    allowed: bool
    count: int
    limit: int
    retry_after_s: int  # 0 when allowed


class RateLimiter:
    def __init__(
        self,
        redis: aioredis.Redis,
        *,
        limit: int,
        window_s: int,
        metrics: Metrics,
        timeout_s: float,
    ) -> None:
        self._redis = redis
        self._limit = limit
        self._window_s = window_s
        self._metrics = metrics
        self._timeout_s = timeout_s

    async def hit(self, actor: Actor, *, scope: str = "") -> RateVerdict:
        """Count one request by ``actor`` and say whether it is within the limit.

        ``scope`` counts apart what ``actor`` does to one target (the owner a request pages)."""
        if self._limit <= 0:
            return RateVerdict(allowed=True, count=0, limit=0, retry_after_s=0)
        now = time.time()
        window = int(now // self._window_s)
        count = await fail_open(
            self._count(f"{RATELIMIT_PREFIX}{actor.platform}:{actor.user_id}:{scope}{window}"),
            fallback=0,
            component="ratelimit",
            metrics=self._metrics,
            timeout_s=self._timeout_s,
        )
        if count <= self._limit:
            return RateVerdict(allowed=True, count=count, limit=self._limit, retry_after_s=0)
        retry = max(1, math.ceil((window + 1) * self._window_s - now))
        return RateVerdict(allowed=False, count=count, limit=self._limit, retry_after_s=retry)

    async def _count(self, key: str) -> int:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, self._window_s + 1)
            count, _ = await pipe.execute()
        return int(count)
