"""Every escalation transition reaches the decision log and the metrics, even across crashes.

The escalation service stores each escalation with its whole history. A periodic sweep (an arq
cron job, so one replica runs it) compares each escalation's history with how many of its
transitions were already logged, appends the missing ones to the decision log and counts them
in /metrics (transitions by state, time to acknowledge). Because it reads what was stored, a
replica that crashes right after a move loses nothing: the next sweep logs it.

Which escalations: the active ones, plus every id :class:`bot.intake.Intake` opened (it calls
:meth:`TransitionSweep.track`), so one opened and resolved between two sweeps is still logged.
An escalation leaves the sweep once it is resolved and fully logged.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, cast

import redis.asyncio as aioredis

from bot.decision_log import DecisionLog
from bot.escalations.model import Escalation
from bot.failopen import fail_open
from bot.metrics import Metrics
from bot.store.errors import StoreUnavailable
from bot.store.escalations import RedisEscalationStore
from bot.store.keys import ROOT

# Keys of the sweep (all under the bot's root; listed in bot/store/keys.py's comment too).
LOGGED = ROOT + "decision-log:transitions-logged"  # hash escalation id -> transitions logged
TRACKED = ROOT + "decision-log:transitions-tracked"  # set of ids to sweep until resolved
SWEEP_LOCK = ROOT + "decision-log:sweep-lock"  # one sweep at a time, even if arq runs it twice
SWEEP_JOB = "log_escalation_transitions"
_LOCK_S = 55


class TransitionSweep:
    def __init__(
        self,
        redis: aioredis.Redis,
        *,
        decision_log: DecisionLog,
        metrics: Metrics,
        timeout_s: float = 1.0,
    ) -> None:
        self._redis = redis
        self._store = RedisEscalationStore(redis)
        self._log = decision_log
        self._metrics = metrics
        self._timeout_s = timeout_s

    async def track(self, escalation_id: str) -> None:
        """Make sure the next sweep looks at this escalation (called when it is opened)."""
        await fail_open(
            cast("Awaitable[int]", self._redis.sadd(TRACKED, escalation_id)),
            fallback=0,
            component="transitions",
            metrics=self._metrics,
            timeout_s=self._timeout_s,
        )

    async def job(self, ctx: dict[str, Any]) -> int:
        """The arq cron entry point."""
        return await self.sweep()

    async def sweep(self) -> int:
        """Log every transition not logged yet; returns how many were logged."""
        if not await self._redis.set(SWEEP_LOCK, "1", nx=True, ex=_LOCK_S):
            return 0  # another replica is sweeping right now
        try:
            return sum([await self._catch_up(e) for e in await self._candidates()])
        finally:
            await self._redis.delete(SWEEP_LOCK)

    async def _candidates(self) -> list[Escalation]:
        active = await self._store.list_active()
        known = {e.id for e in active}
        members = await cast("Awaitable[set[str]]", self._redis.smembers(TRACKED))
        tracked = [i for i in members if i not in known]
        found = await self._store.many(sorted(tracked))
        missing = set(tracked) - {e.id for e in found}
        if missing:  # deleted from the store: nothing left to log
            await self._forget(*missing)
        return active + found

    async def _catch_up(self, escalation: Escalation) -> int:
        logged = int(
            await cast("Awaitable[str | None]", self._redis.hget(LOGGED, escalation.id)) or 0
        )
        fresh = escalation.history[logged:]
        for n, transition in enumerate(fresh, start=logged + 1):
            if (
                await self._log.record_transition(escalation=escalation, transition=transition)
                is None
            ):  # the log could not take it: stop here, the next sweep resumes
                raise StoreUnavailable(f"decision log unavailable at {escalation.id} #{n}")
            self._count(escalation, transition.state, transition.at)
            await cast("Awaitable[int]", self._redis.hset(LOGGED, escalation.id, str(n)))
        if escalation.state == "resolved":
            await self._forget(escalation.id)
        else:
            await cast("Awaitable[int]", self._redis.sadd(TRACKED, escalation.id))
        return len(fresh)

    def _count(self, escalation: Escalation, state: str, at: float) -> None:
        self._metrics.transitions.labels(state=state).inc()
        if state == "acknowledged":
            self._metrics.time_to_ack.observe(max(0.0, at - escalation.created_at))

    async def _forget(self, *escalation_ids: str) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.srem(TRACKED, *escalation_ids)
            pipe.hdel(LOGGED, *escalation_ids)
            await pipe.execute()
