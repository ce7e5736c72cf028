"""Away dates set from chat (``/should-ai away until friday``), one Redis key per person that
expires when they are back. people.yaml's ``away_until`` is read from the policy instead."""

from __future__ import annotations

import time

import redis.asyncio as aioredis

from bot.store.keys import AWAY_PREFIX


class RedisAwayStore:
    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis

    async def set_away(self, person_key: str, until: float | None) -> None:
        """Away until ``until`` (epoch seconds); None: back now."""
        key = AWAY_PREFIX + person_key
        if until is None or until <= time.time():
            await self._redis.delete(key)
            return
        await self._redis.set(key, repr(until), exat=int(until) + 1)

    async def away_until(self, person_key: str) -> float | None:
        raw = await self._redis.get(AWAY_PREFIX + person_key)
        return float(raw) if raw is not None else None
