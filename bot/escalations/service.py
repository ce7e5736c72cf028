"""The escalation service: what the adapters and the app call to open and act on escalations.

It orchestrates the parts that do the work: ``lifecycle.py`` says what each move is (pure),
``moves.py`` commits it with its log entry and timer, ``delivery.py`` pings and tells the
requester, ``recovery.py`` sweeps up what a crashed replica left. The store and the job queue
are handed in (``ports.py``). The ping goes out after the commit and then clears the move's
unsent-ping marker, so a replica dying in between leaves work another replica finds: the timer
still fires, and the sweep resends the ping.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from bot.errors import StoreUnavailable
from bot.escalations import availability, lifecycle, notes, snooze
from bot.escalations.availability import AwayLookup
from bot.escalations.delivery import Delivery
from bot.escalations.errors import (
    EscalationClosed,
    EscalationError,
    InvalidAction,
    NoNotifier,
    NotAllowed,
    Refusal,
    UnknownEscalation,
)
from bot.escalations.lifecycle import TIMED_STATES, timer_job_id
from bot.escalations.model import Action, Actor, Escalation, Notifier, Platform, StatusRef
from bot.escalations.moves import TIMER_JOB, Moves
from bot.escalations.ports import (
    AdminNotice,
    EscalationNotFound,
    EscalationStore,
    JobQueue,
    PolicyGetter,
    RetryLater,
    TransitionSink,
)
from bot.escalations.recovery import REDELIVER_AFTER_S, Recovery
from bot.policy.model import Decision, Policy

__all__ = [
    "REDELIVER_AFTER_S",
    "SWEEP_JOB",
    "TIMED_STATES",
    "TIMER_JOB",
    "EscalationClosed",
    "EscalationError",
    "EscalationService",
    "InvalidAction",
    "NoNotifier",
    "NotAllowed",
    "PolicyGetter",
    "Refusal",
    "TransitionSink",
    "UnknownEscalation",
    "timer_job_id",
]

log = logging.getLogger(__name__)

SWEEP_JOB = "escalation_sweep"  # every minute on one replica: recover()
_NO_NOTIFIER_RETRY_S = 5.0


class EscalationService:
    def __init__(
        self,
        *,
        store: EscalationStore,
        jobs: JobQueue,
        policy: PolicyGetter,
        admin_ids: frozenset[str] = frozenset(),
        clock: Callable[[], float] = time.time,
        transitions: TransitionSink | None = None,
        admin_notices: AdminNotice | None = None,
    ) -> None:
        self._store = store
        self._policy = policy
        self._admin_ids = admin_ids
        self._clock = clock
        self._moves = Moves(store=store, transitions=transitions)
        self._delivery = Delivery(
            store=store, moves=self._moves, jobs=jobs, policy=policy, clock=clock
        )
        if admin_notices is not None:
            self._delivery.tell_admins_through(admin_notices)
        self._recovery = Recovery(
            store=store, jobs=jobs, delivery=self._delivery, policy=policy, clock=clock
        )
        jobs.register(TIMER_JOB, self._timer_job, timeout_s=60, max_tries=1000)
        jobs.on_startup(self.recover)
        jobs.register_periodic(SWEEP_JOB, self._sweep_job, second=30, timeout_s=300)

    def register_notifier(self, platform: Platform, notifier: Notifier) -> None:
        self._delivery.register(platform, notifier)

    # -- queries ---------------------------------------------------------------------------

    async def get(self, escalation_id: str) -> Escalation | None:
        return await self._store.get(escalation_id)

    async def list_open(
        self, *, assignee: str | None = None, requester: str | None = None
    ) -> list[Escalation]:
        """Escalations not yet resolved (unanswered ones too), oldest first, optionally filtered."""
        return [
            e
            for e in await self._store.list_active()
            if (assignee is None or e.assignee == assignee)
            and (requester is None or e.requester == requester)
        ]

    # -- moves -------------------------------------------------------------------------------

    async def open(
        self,
        *,
        decision: Decision,
        actor: Actor,
        text: str,
        status_ref: StatusRef | None,
        page: bool = True,
    ) -> Escalation:
        """Store the escalation, queue its timer, ping its owner; idempotent per decision_id.

        ``page=False`` (the requester paged this owner too often lately): it is stored and its
        timer set all the same, so it waits in the owner's queue and climbs as any other, but
        the owner is not pinged again for it now; the requester is told so.

        Raises StoreUnavailable if Redis cannot be reached: nothing was stored then, or the
        record is complete and a retry finishes the job (a retry never opens a second one).
        """
        if decision.route != "human":
            raise InvalidAction(f"decision {decision.decision_id} routes to AI, not to a person")
        self._delivery.notifier(actor.platform)
        policy = self._policy()
        new = lifecycle.opened(
            policy,
            escalation_id=await self._store.next_id(),
            decision=decision,
            actor=actor,
            text=text,
            status_ref=status_ref,
            now=self._clock(),
        )
        escalation, created = await self._moves.create(new)
        if not created and not await self._store.is_undelivered(timer_job_id(escalation)):
            return escalation
        if created and (waiting := await self._wait_for_hours(policy, escalation)) is not None:
            return waiting
        if not page:
            await self._store.delivered(timer_job_id(escalation))
            await self._delivery.tell(
                escalation, notes.then(policy, escalation, notes.queued(escalation))
            )
            return escalation
        return await self._delivery.deliver(escalation, policy, notes.pinged_assignee(escalation))

    def look_up_away_through(self, away: AwayLookup) -> None:
        """Away dates set from chat (``/should-ai away``); people.yaml's are in the policy."""
        self._delivery.look_up_away_through(away)

    async def _wait_for_hours(self, policy: Policy, escalation: Escalation) -> Escalation | None:
        """A low-urgency escalation whose owner is off hours (not away) waits for their
        working hours, unpinged; returns it waiting, or None to ping now."""
        category = policy.categories.get(escalation.category)
        if category is None or category.urgency != "low" or escalation.assignee is None:
            return None
        found = await self._delivery.absence(policy, escalation.assignee)
        if found is None or found.kind != "off_hours":
            return None
        person = policy.people.people.get(escalation.assignee)
        starts = availability.iso(found.until, person)
        now = self._clock()

        def change(current: Escalation) -> Escalation | None:
            if current.state != "open" or current.level != 0:
                return None
            note = f"waits for working hours ({starts})"
            return snooze.waiting_for_hours(current, until=found.until, now=now, note=note)

        moved = await self._moves.move(escalation.id, change)
        if moved is None:
            return None
        await self._store.delivered(timer_job_id(moved))
        await self._delivery.tell(moved, notes.off_hours(moved, starts=starts))
        return moved

    async def act(
        self,
        *,
        escalation_id: str,
        actor: Actor,
        action: Action,
        target_user_id: str | None = None,
        comment: str = "",
        outcome: str = "",
        minutes: float | None = None,
    ) -> Escalation:
        """Acknowledge, reassign, resolve, snooze (for ``minutes``) or withdraw, as ``actor``,
        with an optional ``comment`` and ``outcome``; raises an EscalationError if refused."""
        policy = self._policy()
        now = self._clock()

        def change(current: Escalation) -> Escalation | None:
            return lifecycle.acted(
                policy,
                current,
                actor=actor,
                action=action,
                target_user_id=target_user_id,
                admin_ids=self._admin_ids,
                now=now,
                comment=comment.strip(),
                outcome=outcome.strip(),
                minutes=minutes,
            )

        try:
            moved = await self._moves.move(escalation_id, change)
        except EscalationNotFound as e:
            raise UnknownEscalation(refusal=Refusal("unknown", escalation_id)) from e
        if moved is None:
            return await self._moves.must_get(escalation_id)
        return await self._announce(policy, moved)

    async def _announce(self, policy: Policy, moved: Escalation) -> Escalation:
        if moved.state == "reassigned":
            return await self._delivery.deliver(moved, policy, notes.reassigned(moved))
        if moved.state == "snoozed":  # nobody to ping now: its timer pings the holder again
            await self._store.delivered(timer_job_id(moved))
            await self._delivery.tell(moved, notes.snoozed(moved, now=self._clock()))
            return moved
        await self._delivery.tell(moved, notes.acted(moved))
        return moved

    async def fire_timer(self, *, escalation_id: str, level: int, due_at: float) -> bool:
        """Climb one level if the escalation still waits at ``level`` for ``due_at``.

        Returns True if it moved. Safe to run twice: the second run finds it moved on.
        """
        policy = self._policy()
        now = self._clock()
        before: list[Escalation] = []

        def change(current: Escalation) -> Escalation | None:
            if not lifecycle.waits_at(current, level=level, due_at=due_at):
                return None
            if not self._delivery.serves(current.platform):
                # A replica without this platform's adapter leaves the timer to one that has it.
                raise RetryLater(defer_s=_NO_NOTIFIER_RETRY_S)
            before.append(current)
            return lifecycle.unanswered(policy, current, now=now)

        try:
            moved = await self._moves.move(escalation_id, change)
        except EscalationNotFound:
            log.warning("timer for escalation %s, which no longer exists", escalation_id)
            return False
        if moved is None:
            await self._recovery.redeliver_if_stuck(policy, escalation_id)
            return False
        if before[-1].state == "snoozed":  # the snooze is over: the same person, pinged again
            await self._delivery.deliver(moved, policy, notes.pinged_assignee(moved))
            return True
        note = notes.climbed(policy, missed=before[-1], moved=moved, reason=None)
        await self._delivery.climbed(policy, moved, note)
        return True

    async def recover(self) -> None:
        """Re-queue timers the job queue lost; resend pings lost with a crashed replica."""
        await self._recovery.recover()

    # -- jobs ----------------------------------------------------------------------------------

    async def _timer_job(
        self, ctx: dict[str, Any], *, escalation_id: str, level: int, due_at: float
    ) -> None:
        try:
            await self.fire_timer(escalation_id=escalation_id, level=level, due_at=due_at)
        except StoreUnavailable as e:
            # The queue only re-runs a job that asks to be; a Redis blip must not end the climb.
            tries = int(ctx.get("job_try", 1))
            log.warning("timer of escalation %s: %s; retrying", escalation_id, e)
            raise RetryLater(defer_s=min(60.0, 0.5 * 2.0**tries)) from e

    async def _sweep_job(self, ctx: dict[str, Any]) -> None:
        await self.recover()
