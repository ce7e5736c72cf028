"""Feedback in Redis: one JSON value per feedback, a time index, the decisions it may be about
(for the feedback window) and a per-person rate limit."""

from __future__ import annotations

import redis.asyncio as aioredis

from bot.feedback.model import Feedback, Remembered
from bot.store import keys


class FeedbackStore:
    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis

    async def remember(self, decision: Remembered, *, ttl_s: int) -> None:
        key = keys.FEEDBACK_DECISION_PREFIX + decision.decision_id
        await self._redis.set(key, decision.model_dump_json(), ex=ttl_s)

    async def decision(self, decision_id: str) -> Remembered | None:
        raw = await self._redis.get(keys.FEEDBACK_DECISION_PREFIX + decision_id)
        return Remembered.model_validate_json(raw) if raw else None

    async def next_id(self) -> str:
        return f"F{int(await self._redis.incr(keys.FEEDBACK_SEQ))}"

    async def save(self, feedback: Feedback) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(keys.FEEDBACK_PREFIX + feedback.id, feedback.model_dump_json())
            pipe.zadd(keys.FEEDBACK_INDEX, {feedback.id: feedback.at})
            await pipe.execute()

    async def get(self, feedback_id: str) -> Feedback | None:
        raw = await self._redis.get(keys.FEEDBACK_PREFIX + feedback_id)
        return Feedback.model_validate_json(raw) if raw else None

    async def since(self, at: float) -> list[Feedback]:
        ids = await self._redis.zrangebyscore(keys.FEEDBACK_INDEX, at, "+inf")
        if not ids:
            return []
        raws = await self._redis.mget([keys.FEEDBACK_PREFIX + str(i) for i in ids])
        return [Feedback.model_validate_json(r) for r in raws if r]

    async def first_time(self, key: str, *, ttl_s: int = 900) -> bool:
        """True the first time ``key`` (a platform's id of one press) is seen."""
        return bool(await self._redis.set(keys.FEEDBACK_SEEN_PREFIX + key, "1", nx=True, ex=ttl_s))

    async def hit(self, who: str, *, window_s: int) -> tuple[int, int]:
        """Count one press of ``who``; returns (presses in this window, seconds left in it)."""
        key = keys.FEEDBACK_RATE_PREFIX + who
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(key, 0, ex=window_s, nx=True)  # the window opens with the first press
            pipe.incr(key)
            pipe.ttl(key)
            _, count, ttl = await pipe.execute()
        return int(count), max(int(ttl), 0)
