"""The sweep: finds the work a crashed replica or a lost job left undone, and does it.

Runs at each worker start and once a minute. It re-queues the timers the job queue lost
(reading the due-time index and asking the queue which timer jobs exist, a chunk at a time,
without loading the escalations that are fine), and resends the pings whose moves were
committed but never confirmed sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.escalations import lifecycle, notes
from bot.escalations.delivery import Delivery, redeliver_job_id
from bot.escalations.moves import timer_of
from bot.escalations.ports import EscalationStore, JobQueue, PolicyGetter
from bot.policy.model import Policy

log = logging.getLogger(__name__)

# A ping still marked pending this long after its move is presumed lost with a crashed replica.
REDELIVER_AFTER_S = 30.0
_SWEEP_CHUNK = 1000


class Recovery:
    def __init__(
        self,
        *,
        store: EscalationStore,
        jobs: JobQueue,
        delivery: Delivery,
        policy: PolicyGetter,
        clock: Callable[[], float],
    ) -> None:
        self._store = store
        self._jobs = jobs
        self._delivery = delivery
        self._policy = policy
        self._clock = clock

    async def recover(self) -> None:
        """Re-queue timers the job queue lost; resend pings lost with a crashed replica."""
        lost = await self._requeue_lost_timers()
        resent = await self._resend_unsent_pings()
        if lost or resent:
            log.warning("recovered %d escalation timers and %d pings", lost, resent)

    async def redeliver_if_stuck(self, policy: Policy, escalation_id: str) -> None:
        """A re-run timer job finds the move made: resend its ping if that was lost in a crash."""
        current = await self._store.get(escalation_id)
        if current is None or current.state not in lifecycle.TIMED_STATES or not current.history:
            return
        if self._clock() - current.history[-1].at < REDELIVER_AFTER_S:
            return  # a live replica may be sending it right now
        marker = lifecycle.timer_job_id(current)
        if await self._jobs.queued([redeliver_job_id(marker)]):
            return  # a retry job is trying it
        if await self._store.is_undelivered(marker):
            await self._delivery.deliver(current, policy, notes.pinged(policy, current))

    async def _requeue_lost_timers(self) -> int:
        due = await self._store.due_times()
        lost = 0
        for start in range(0, len(due), _SWEEP_CHUNK):
            chunk = due[start : start + _SWEEP_CHUNK]
            by_job = {lifecycle.timer_id(eid, at): eid for eid, at in chunk}
            queued = await self._jobs.queued(list(by_job))
            missing = [eid for job_id, eid in by_job.items() if job_id not in queued]
            for escalation in await self._store.many(missing):
                if (timer := timer_of(escalation)) is not None:
                    lost += await self._jobs.enqueue(
                        timer.job, job_id=timer.job_id, defer_until=timer.due_at, **timer.args
                    )
        return lost

    async def _resend_unsent_pings(self) -> int:
        policy = self._policy()
        markers = await self._store.undelivered(moved_before=self._clock() - REDELIVER_AFTER_S)
        # A ping whose retry job is queued is resent too: that job may have no worker to run it
        # (the replica that queued it is gone); it finds the marker cleared and does nothing.
        resent = 0
        for marker in markers:
            current = await self._store.get(lifecycle.escalation_of(marker))
            if current is None or current.state not in lifecycle.TIMED_STATES:
                await self._store.delivered(marker)  # closed since: nothing to send
            elif lifecycle.timer_job_id(current) != marker:
                await self._store.delivered(marker)  # moved on since: that ping is moot
            else:
                await self._delivery.deliver(current, policy, notes.pinged(policy, current))
                resent += 1
        return resent
