"""The escalation lifecycle: open -> acknowledged -> resolved, plus reassigned and expired.

Every move is a compare-and-set in the store (two replicas, or a button press racing a timer,
never make two moves from one state), committed in one transaction with the move's timer job,
an "unsent ping" marker and, when a :class:`TransitionSink` is given, the move's decision-log
entry (so a move is never committed without its entry, nor logged without being made).
The ping goes out after the commit and then clears the marker, so a replica dying in between
leaves work another replica finds: the timer still fires, and the sweep resends the ping. The
timer job is idempotent: it names the level and due time it was set for and does nothing if the
escalation has moved on since.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from bot.errors import ShouldAiError, StoreUnavailable
from bot.escalations.climb import (
    FALLBACK_CATEGORY,
    Chain,
    chain_for,
    climbed,
    first_owner,
    owner_of,
)
from bot.escalations.model import (
    Action,
    Actor,
    DeliveryRefused,
    Escalation,
    Notifier,
    Platform,
    State,
    StatusRef,
    Transition,
)
from bot.escalations.people import actor_key, channel_name, display_name
from bot.escalations.permissions import may_act, refusal
from bot.escalations.ports import (
    Change,
    EscalationNotFound,
    EscalationStore,
    JobQueue,
    MoveWrites,
    PolicyGetter,
    RetryLater,
    Timer,
    TransitionSink,
)
from bot.policy.model import Decision, Policy

log = logging.getLogger(__name__)

TIMER_JOB = "escalation_timer"
SWEEP_JOB = "escalation_sweep"  # every minute on one replica: recover()
TIMED_STATES = frozenset({"open", "reassigned"})
# A ping still marked pending this long after its move is presumed lost with a crashed replica.
REDELIVER_AFTER_S = 30.0
_NO_NOTIFIER_RETRY_S = 5.0
_TIMER_PREFIX = "escalation:"
_SWEEP_CHUNK = 1000

__all__ = [
    "SWEEP_JOB",
    "TIMER_JOB",
    "EscalationClosed",
    "EscalationError",
    "EscalationService",
    "InvalidAction",
    "NoNotifier",
    "NotAllowed",
    "PolicyGetter",
    "TransitionSink",
    "UnknownEscalation",
    "timer_job_id",
]


class EscalationError(ShouldAiError):
    """Base of the escalation service's refusals; ``str(e)`` is a sentence for the user."""


class NotAllowed(EscalationError):
    """The person who pressed the button may not act on this escalation."""


class EscalationClosed(EscalationError):
    """The escalation is already resolved."""


class InvalidAction(EscalationError):
    """The action cannot be done as asked (reassign without a target, escalate an AI route)."""


class UnknownEscalation(EscalationError):
    """No escalation has this id."""


class NoNotifier(EscalationError):
    """No chat platform is registered to deliver pings for this escalation's platform."""


def timer_job_id(escalation: Escalation) -> str:
    """The id of the timer job of the escalation's current move (also its unsent-ping marker)."""
    return _timer_id(escalation.id, escalation.due_at or 0.0)


def _timer_id(escalation_id: str, due_at: float) -> str:
    # Every move that sets a timer sets a new due time, and two moves of one escalation are
    # separate Redis transactions, so (id, due time to the microsecond) names one move.
    return f"{_TIMER_PREFIX}{escalation_id}:{round(due_at * 1_000_000)}"


def _escalation_of(marker: str) -> str:
    return marker.removeprefix(_TIMER_PREFIX).rsplit(":", 1)[0]


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
    ) -> None:
        self._store = store
        self._transitions = transitions
        self._jobs = jobs
        self._policy = policy
        self._admin_ids = admin_ids
        self._clock = clock
        self._notifiers: dict[str, Notifier] = {}
        jobs.register(TIMER_JOB, self._timer_job, timeout_s=60, max_tries=1000)
        jobs.on_startup(self.recover)
        jobs.register_periodic(SWEEP_JOB, self._sweep_job, second=30, timeout_s=300)

    def register_notifier(self, platform: Platform, notifier: Notifier) -> None:
        self._notifiers[platform] = notifier

    # -- queries ---------------------------------------------------------------------------

    async def get(self, escalation_id: str) -> Escalation | None:
        return await self._store.get(escalation_id)

    async def list_open(
        self, *, assignee: str | None = None, requester: str | None = None
    ) -> list[Escalation]:
        """Escalations not yet resolved or expired, oldest first, optionally filtered."""
        return [
            e
            for e in await self._store.list_active()
            if (assignee is None or e.assignee == assignee)
            and (requester is None or e.requester == requester)
        ]

    # -- open --------------------------------------------------------------------------------

    async def open(
        self, *, decision: Decision, actor: Actor, text: str, status_ref: StatusRef | None
    ) -> Escalation:
        """Store the escalation, queue its timer, ping its owner; idempotent per decision_id.

        Raises StoreUnavailable if Redis cannot be reached: nothing was stored then, or the
        record is complete and a retry finishes the job (a retry never opens a second one).
        """
        if decision.route != "human":
            raise InvalidAction(f"decision {decision.decision_id} routes to AI, not to a person")
        self._notifier(actor.platform)
        policy = self._policy()
        escalation, created = await self._create(
            await self._new(policy, decision, actor, text, status_ref)
        )
        if not created and not await self._store.is_undelivered(timer_job_id(escalation)):
            return escalation
        owner = display_name(policy, escalation.assignee or "")
        return await self._deliver(escalation, policy, f"Pinged {owner}; waiting for them.")

    async def _new(
        self,
        policy: Policy,
        decision: Decision,
        actor: Actor,
        text: str,
        status_ref: StatusRef | None,
    ) -> Escalation:
        now = self._clock()
        named = decision.owner.id if decision.owner else None
        owner = first_owner(policy, decision.category, named)
        category = decision.category or FALLBACK_CATEGORY
        requester = actor_key(policy, actor)
        opened = Transition(at=now, state="open", level=0, assignee=owner, by=requester)
        return Escalation(
            id=await self._store.next_id(),
            decision_id=decision.decision_id,
            policy_revision=decision.policy_revision,
            category=category,
            platform=actor.platform,
            requester=requester,
            text=text,
            state="open",
            level=0,
            assignee=owner,
            created_at=now,
            due_at=now + chain_for(policy, category, owner).ack_seconds,
            status_ref=status_ref,
            history=[opened],
        )

    # -- act -----------------------------------------------------------------------------------

    async def act(
        self,
        *,
        escalation_id: str,
        actor: Actor,
        action: Action,
        target_user_id: str | None = None,
    ) -> Escalation:
        """Acknowledge, reassign or resolve, as ``actor``; raises an EscalationError if refused."""
        policy = self._policy()
        now = self._clock()

        def change(current: Escalation) -> Escalation | None:
            # An expired escalation may still be taken (late) or resolved; a resolved one is done.
            if current.state == "resolved":
                raise EscalationClosed(f"Escalation {current.id} is already resolved.")
            if not may_act(policy, current, actor, self._admin_ids):
                raise NotAllowed(refusal(policy, current))
            return self._applied(policy, current, actor, action, target_user_id, now)

        try:
            moved = await self._move(escalation_id, change)
        except EscalationNotFound as e:
            raise UnknownEscalation(f"There is no escalation {escalation_id}.") from e
        if moved is None:  # e.g. a second click on Acknowledge by the same person
            return await self._must_get(escalation_id)
        return await self._announce(policy, moved)

    def _applied(
        self,
        policy: Policy,
        current: Escalation,
        actor: Actor,
        action: Action,
        target_user_id: str | None,
        now: float,
    ) -> Escalation | None:
        by = actor_key(policy, actor)
        if action == "acknowledge":
            if current.state == "acknowledged" and current.assignee == by:
                return None
            return _moved(current, now, by, state="acknowledged", assignee=by, due_at=None)
        if action == "resolve":
            return _moved(
                current, now, by, state="resolved", assignee=current.assignee, due_at=None
            )
        if not target_user_id:
            raise InvalidAction("Pick the person to reassign this escalation to.")
        target = actor_key(policy, Actor(platform=actor.platform, user_id=target_user_id))
        if target == current.assignee:
            raise InvalidAction(f"{display_name(policy, target)} already has this escalation.")
        due_at = now + self._chain(policy, current).ack_seconds
        return _moved(current, now, by, state="reassigned", assignee=target, due_at=due_at)

    async def _announce(self, policy: Policy, moved: Escalation) -> Escalation:
        by = display_name(policy, moved.history[-1].by or "")
        if moved.state == "reassigned":
            to = display_name(policy, moved.assignee or "")
            return await self._deliver(moved, policy, f"Reassigned by {by} to {to}.")
        await self._tell(moved, f"{moved.state.capitalize()} by {by}.")
        return moved

    # -- moves ---------------------------------------------------------------------------------

    async def _create(self, escalation: Escalation) -> tuple[Escalation, bool]:
        """Store a new escalation (its first move) unless its decision has one already."""
        stored, created = await self._store.create(escalation, followups=self._followups)
        if created:
            self._committed(stored)
        return stored, created

    async def _move(self, escalation_id: str, change: Change) -> Escalation | None:
        """Make one move as a compare-and-set; None if ``change`` made none."""
        moved = await self._store.update(escalation_id, change, followups=self._followups)
        if moved is not None:
            self._committed(moved)
        return moved

    def _followups(self, before: Escalation | None, after: Escalation) -> MoveWrites:
        """What commits with a move: its log entry, its timer; the last move's marker goes."""
        return MoveWrites(
            log=self._transitions.entry(after) if self._transitions is not None else None,
            settled=timer_job_id(before) if before is not None else None,
            timer=_timer_of(after),
        )

    def _committed(self, moved: Escalation) -> None:
        if self._transitions is not None:
            self._transitions.committed(moved)

    # -- timers --------------------------------------------------------------------------------

    async def _timer_job(
        self, ctx: dict[str, Any], *, escalation_id: str, level: int, due_at: float
    ) -> None:
        try:
            await self.fire_timer(escalation_id=escalation_id, level=level, due_at=due_at)
        except StoreUnavailable as e:
            # arq only re-runs a job that asks to be; a Redis blip must not end the climb.
            tries = int(ctx.get("job_try", 1))
            log.warning("timer of escalation %s: %s; retrying", escalation_id, e)
            raise RetryLater(defer_s=min(60.0, 0.5 * 2.0**tries)) from e

    async def _sweep_job(self, ctx: dict[str, Any]) -> None:
        await self.recover()

    async def fire_timer(self, *, escalation_id: str, level: int, due_at: float) -> bool:
        """Climb one level if the escalation still waits at ``level`` for ``due_at``.

        Returns True if it moved. Safe to run twice: the second run finds it moved on.
        """
        policy = self._policy()
        now = self._clock()
        before: list[Escalation] = []

        def change(current: Escalation) -> Escalation | None:
            if current.state not in TIMED_STATES or current.level != level:
                return None
            if current.due_at != due_at:
                return None
            self._notifier_or_retry(current.platform)
            before.append(current)
            return climbed(
                current, self._chain(policy, current), now=now, note="no acknowledgement"
            )

        try:
            moved = await self._move(escalation_id, change)
        except EscalationNotFound:
            log.warning("timer for escalation %s, which no longer exists", escalation_id)
            return False
        if moved is None:
            await self._redeliver_if_stuck(policy, escalation_id)
            return False
        why = f"No acknowledgement from {self._target_name(policy, before[-1])}"
        await self._after_climb(policy, moved, why)
        return True

    async def _after_climb(self, policy: Policy, moved: Escalation, why: str) -> Escalation:
        if moved.state == "expired":
            owner = display_name(policy, owner_of(moved) or "")
            await self._tell(moved, f"{why} and nobody is left to ask: please reach {owner}.")
            return moved
        return await self._deliver(
            moved, policy, f"{why}: escalated to {self._target_name(policy, moved)}."
        )

    async def _schedule(self, timer: Timer) -> bool:
        return await self._jobs.enqueue(
            timer.job, job_id=timer.job_id, defer_until=timer.due_at, **timer.args
        )

    async def recover(self) -> None:
        """Re-queue timers the job queue lost; resend pings lost with a crashed replica.

        Runs at each worker start and once a minute. Reads the due-time index and asks arq which
        timer jobs exist, a chunk at a time, without loading the escalations that are fine.
        """
        lost = await self._requeue_lost_timers()
        resent = await self._resend_unsent_pings()
        if lost or resent:
            log.warning("recovered %d escalation timers and %d pings", lost, resent)

    async def _requeue_lost_timers(self) -> int:
        due = await self._store.due_times()
        lost = 0
        for start in range(0, len(due), _SWEEP_CHUNK):
            by_job = {_timer_id(eid, at): eid for eid, at in due[start : start + _SWEEP_CHUNK]}
            queued = await self._jobs.queued(list(by_job))
            missing = [eid for job_id, eid in by_job.items() if job_id not in queued]
            for escalation in await self._store.many(missing):
                if (timer := _timer_of(escalation)) is not None:
                    lost += await self._schedule(timer)
        return lost

    async def _resend_unsent_pings(self) -> int:
        policy = self._policy()
        markers = await self._store.undelivered(moved_before=self._clock() - REDELIVER_AFTER_S)
        resent = 0
        for marker in markers:
            current = await self._store.get(_escalation_of(marker))
            if current is None or current.state not in TIMED_STATES:
                await self._store.delivered(marker)  # closed since: nothing to send
            elif timer_job_id(current) != marker:
                await self._store.delivered(marker)  # moved on since: that ping is moot
            else:
                await self._deliver(current, policy, self._resend_message(policy, current))
                resent += 1
        return resent

    # -- delivery ------------------------------------------------------------------------------

    async def _deliver(self, escalation: Escalation, policy: Policy, message: str) -> Escalation:
        """Ping the current assignee (or post to the channel), then tell the requester.

        A refused ping climbs at once. Any other platform failure is logged and the escalation
        keeps its timer, so it still climbs if nobody acknowledges.
        """
        notifier = self._notifier(escalation.platform)
        try:
            if escalation.assignee is not None:
                await notifier.ping_person(escalation=escalation, person_key=escalation.assignee)
            else:
                channel = self._channel_key(policy, escalation)
                await notifier.post_channel(escalation=escalation, channel_key=channel)
        except DeliveryRefused as e:
            return await self._refused(policy, escalation, str(e))
        except Exception:
            log.exception("could not deliver escalation %s; its timer still runs", escalation.id)
            return escalation
        await self._store.delivered(timer_job_id(escalation))
        await self._tell(escalation, f"{message} {self._next_note(policy, escalation)}")
        return escalation

    def _next_note(self, policy: Policy, escalation: Escalation) -> str:
        """What happens if nobody acknowledges, for the requester's status card."""
        chain = self._chain(policy, escalation)
        within = f"If nobody acknowledges within {_duration(chain.ack_seconds)}"
        step = chain.after(escalation.level)
        if step is None:
            return f"{within}, the escalation expires."
        if step.kind == "person":
            return f"{within}, it goes to {display_name(policy, step.key)}."
        return f"{within}, it goes to {channel_name(policy, escalation.platform, step.key)}."

    async def _refused(self, policy: Policy, escalation: Escalation, reason: str) -> Escalation:
        now = self._clock()

        def change(current: Escalation) -> Escalation | None:
            if not _same_step(current, escalation):
                return None
            chain = self._chain(policy, current)
            return climbed(current, chain, now=now, note=f"delivery refused: {reason}")

        moved = await self._move(escalation.id, change)
        if moved is None:
            return await self._must_get(escalation.id)
        why = f"Could not reach {self._target_name(policy, escalation)} ({reason})"
        return await self._after_climb(policy, moved, why)

    async def _redeliver_if_stuck(self, policy: Policy, escalation_id: str) -> None:
        """A re-run timer job finds the move made: resend its ping if that was lost in a crash."""
        current = await self._store.get(escalation_id)
        if current is None or current.state not in TIMED_STATES or not current.history:
            return
        if self._clock() - current.history[-1].at < REDELIVER_AFTER_S:
            return  # a live replica may be sending it right now
        if await self._store.is_undelivered(timer_job_id(current)):
            await self._deliver(current, policy, self._resend_message(policy, current))

    def _resend_message(self, policy: Policy, escalation: Escalation) -> str:
        return f"Pinged {self._target_name(policy, escalation)}; waiting for them."

    async def _tell(self, escalation: Escalation, message: str) -> None:
        """Update the requester's status card; a failure there never undoes the move."""
        try:
            await self._notifier(escalation.platform).update_status(
                escalation=escalation, message=message
            )
        except Exception:
            log.exception("could not update the status card of escalation %s", escalation.id)

    # -- helpers -------------------------------------------------------------------------------

    def _notifier(self, platform: Platform) -> Notifier:
        try:
            return self._notifiers[platform]
        except KeyError:
            raise NoNotifier(f"no {platform} notifier is registered to deliver pings") from None

    def _notifier_or_retry(self, platform: Platform) -> None:
        # A replica without this platform's adapter leaves the timer to one that has it.
        if platform not in self._notifiers:
            raise RetryLater(defer_s=_NO_NOTIFIER_RETRY_S)

    def _chain(self, policy: Policy, escalation: Escalation) -> Chain:
        owner = owner_of(escalation) or policy.file.fallback.owner
        return chain_for(policy, escalation.category, owner)

    def _channel_key(self, policy: Policy, escalation: Escalation) -> str:
        step = self._chain(policy, escalation).at(escalation.level)
        if step is None or step.kind != "channel":  # a policy reload removed the channel
            raise DeliveryRefused("the policy no longer names a channel for this category")
        return step.key

    def _target_name(self, policy: Policy, escalation: Escalation) -> str:
        if escalation.assignee is not None:
            return display_name(policy, escalation.assignee)
        step = self._chain(policy, escalation).at(escalation.level)
        key = step.key if step else "?"
        return channel_name(policy, escalation.platform, key)

    async def _must_get(self, escalation_id: str) -> Escalation:
        found = await self._store.get(escalation_id)
        if found is None:
            raise UnknownEscalation(f"There is no escalation {escalation_id}.")
        return found


def _timer_of(escalation: Escalation) -> Timer | None:
    """The timer job an escalation waiting for an acknowledgement has (None if it is not)."""
    if escalation.state not in TIMED_STATES or escalation.due_at is None:
        return None
    return Timer(
        job=TIMER_JOB,
        job_id=timer_job_id(escalation),
        due_at=escalation.due_at,
        set_at=escalation.history[-1].at if escalation.history else escalation.created_at,
        args={
            "escalation_id": escalation.id,
            "level": escalation.level,
            "due_at": escalation.due_at,
        },
    )


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.2g} s"
    if seconds < 120 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.0f} h"


def _same_step(a: Escalation, b: Escalation) -> bool:
    return (a.state, a.level, a.assignee, a.due_at) == (b.state, b.level, b.assignee, b.due_at)


def _moved(
    current: Escalation,
    now: float,
    by: str,
    *,
    state: State,
    assignee: str | None,
    due_at: float | None,
) -> Escalation:
    move = Transition(at=now, state=state, level=current.level, assignee=assignee, by=by)
    return current.model_copy(
        update={
            "state": state,
            "assignee": assignee,
            "due_at": due_at,
            "history": [*current.history, move],
        }
    )
