"""Pinging through the registered notifiers, and keeping the requester's status card current.

A ping goes out after its move is committed: to the current assignee, or at the channel levels
to the category's channel. Once it is out, the move's "unsent ping" marker is cleared and the
requester is told. A refused ping (DMs closed, an unknown user) climbs at once. A platform that
fails for now (5xx, 429, a timeout: :class:`DeliveryFailed`, or any other error) climbs nothing:
the marker stays, and a retry job sends the same ping again with backoff and jitter until it goes
out or the level's own deadline passes (then its timer climbs, as for any unanswered ping). The
sweep (``recovery.py``) still resends what a crashed replica left. A status card that cannot be
updated is retried the same way, and never undoes the move.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import Any

from bot.errors import StoreUnavailable
from bot.escalations import availability, lifecycle, notes
from bot.escalations.availability import Absence, AwayLookup
from bot.escalations.errors import NoNotifier
from bot.escalations.model import (
    DeliveryFailed,
    DeliveryRefused,
    Escalation,
    Notifier,
    Platform,
    StatusNote,
)
from bot.escalations.moves import Moves
from bot.escalations.ports import (
    AdminNotice,
    EscalationStore,
    JobQueue,
    PolicyGetter,
    RetryLater,
)
from bot.policy.model import Policy

log = logging.getLogger(__name__)

REDELIVER_JOB = "escalation_redeliver"  # the same ping again, after a transient failure
STATUS_JOB = "escalation_status"  # the same status card update again
RETRY_BASE_S = 0.5
RETRY_CAP_S = 15.0
# A status card is news, not a promise: after this many tries (some minutes) it is given up.
STATUS_MAX_TRIES = 20


def backoff_s(tries: int, *, asked: float | None = None) -> float:
    """The wait before try ``tries + 1``: exponential, capped, with jitter so a burst of
    escalations failed together does not hit the platform again together; at least ``asked``
    (a 429's Retry-After)."""
    wait = min(RETRY_CAP_S, RETRY_BASE_S * 2.0**tries) * random.uniform(0.5, 1.0)
    return max(wait, asked or 0.0)


def redeliver_job_id(marker: str) -> str:
    """The retry job of the ping whose unsent-ping marker is ``marker``."""
    return f"redeliver:{marker}"


class Delivery:
    """The notifier of each chat platform, and what is sent through them."""

    def __init__(
        self,
        *,
        store: EscalationStore,
        moves: Moves,
        jobs: JobQueue,
        policy: PolicyGetter,
        clock: Callable[[], float],
    ) -> None:
        self._store = store
        self._moves = moves
        self._jobs = jobs
        self._policy = policy
        self._clock = clock
        self._notifiers: dict[str, Notifier] = {}
        self._admins: AdminNotice | None = None
        self._away: AwayLookup | None = None
        jobs.register(REDELIVER_JOB, self._redeliver_job, timeout_s=60, max_tries=100_000)
        jobs.register(STATUS_JOB, self._status_job, timeout_s=60, max_tries=STATUS_MAX_TRIES + 1)

    def tell_admins_through(self, admins: AdminNotice) -> None:
        self._admins = admins

    def look_up_away_through(self, away: AwayLookup) -> None:
        """Away dates set from chat (people.yaml's are in the policy)."""
        self._away = away

    async def absence(self, policy: Policy, person_key: str) -> Absence | None:
        """Whether ``person_key`` is away or off hours now (None: they can be asked)."""
        chat_until = None
        if self._away is not None:
            try:
                chat_until = await self._away.away_until(person_key)
            except Exception as e:  # an away date must never stop a ping
                log.warning("could not read whether %s is away: %r", person_key, e)
        person = policy.people.people.get(person_key)
        return availability.absence(person, now=self._clock(), chat_until=chat_until)

    async def _skip_reason(self, policy: Policy, escalation: Escalation) -> str | None:
        """Why the climb passes over the assignee now (away; off hours when urgent), if it does."""
        if escalation.assignee is None:
            return None
        found = await self.absence(policy, escalation.assignee)
        category = policy.categories.get(escalation.category)
        if not availability.skips(category.urgency if category else "normal", found):
            return None
        assert found is not None
        person = policy.people.people.get(escalation.assignee)
        what = "away" if found.kind == "away" else "off hours"
        return f"{what} until {availability.iso(found.until, person)}"

    def register(self, platform: Platform, notifier: Notifier) -> None:
        self._notifiers[platform] = notifier

    def serves(self, platform: Platform) -> bool:
        return platform in self._notifiers

    def notifier(self, platform: Platform) -> Notifier:
        try:
            return self._notifiers[platform]
        except KeyError:
            raise NoNotifier(f"no {platform} notifier is registered to deliver pings") from None

    async def deliver(self, escalation: Escalation, policy: Policy, note: StatusNote) -> Escalation:
        """Ping the current assignee (or post to the channel), then tell the requester ``note``.

        Returns the escalation as it stands after: climbed, if the ping was refused. A ping
        that failed for now is left unsent and tried again by a retry job.
        """
        skipped = await self._skip_reason(policy, escalation)
        if skipped is not None:
            return await self._refused(policy, escalation, skipped, skipped=True)
        failure = await self._attempt(escalation, policy, note)
        if isinstance(failure, DeliveryRefused):
            return await self._refused(policy, escalation, str(failure))
        if failure is not None:
            await self._retry_later(escalation, note, failure)
        return escalation

    async def climbed(self, policy: Policy, moved: Escalation, note: StatusNote) -> Escalation:
        """After a climb: ping the next level; or, unanswered, tell the requester, the fallback
        owner and the admins."""
        if moved.state not in lifecycle.TIMED_STATES:
            await self.tell(moved, note)
            await self._unanswered(policy, moved)
            return moved
        return await self.deliver(moved, policy, note)

    async def tell(self, escalation: Escalation, note: StatusNote) -> None:
        """Update the requester's status card; a failure there never undoes the move."""
        try:
            await self.notifier(escalation.platform).update_status(escalation=escalation, note=note)
        except Exception as e:
            log.warning("could not update the status card of %s: %r", escalation.id, e)
            await self._enqueue(
                STATUS_JOB,
                job_id=f"status:{escalation.id}:{len(escalation.history)}",
                defer_by=backoff_s(0, asked=_asked(e)),
                escalation_id=escalation.id,
                version=len(escalation.history),
                note=notes.to_json(note),
            )

    async def _unanswered(self, policy: Policy, escalation: Escalation) -> None:
        """Nobody up the chain acknowledged: the fallback owner gets the ping, the admins a note.

        The escalation stays in every queue view until someone takes or resolves it.
        """
        fallback = policy.file.fallback.owner
        if fallback != escalation.assignee:  # else they were pinged last, and missed it
            await self._ping_fallback(escalation, fallback)
        if self._admins is None:
            return
        message = (
            f"Escalation {escalation.id} ({escalation.category}) is unanswered: nobody up its "
            f"chain acknowledged it. It stays in the queue; {fallback} was told. "
            "Please find it an owner."
        )
        try:
            await self._admins.notify_admins(message=message)
        except Exception as e:
            log.warning("could not tell the admins that %s is unanswered: %r", escalation.id, e)

    async def _ping_fallback(self, escalation: Escalation, fallback: str) -> None:
        try:
            await self.notifier(escalation.platform).ping_person(
                escalation=escalation, person_key=fallback
            )
        except Exception as e:
            log.warning("could not tell fallback owner %s of %s: %r", fallback, escalation.id, e)

    async def _attempt(
        self, escalation: Escalation, policy: Policy, note: StatusNote
    ) -> Exception | None:
        """Send the ping; once out, clear its marker and tell the requester. The failure, if any."""
        try:
            await self._send(escalation, policy)
        except (DeliveryRefused, DeliveryFailed) as e:
            return e
        except Exception as e:  # not classified by the notifier: try again rather than climb
            log.exception("could not deliver escalation %s", escalation.id)
            return e
        await self._store.delivered(lifecycle.timer_job_id(escalation))
        await self.tell(escalation, notes.then(policy, escalation, note))
        return None

    async def _send(self, escalation: Escalation, policy: Policy) -> None:
        notifier = self.notifier(escalation.platform)
        if escalation.assignee is not None:
            await notifier.ping_person(escalation=escalation, person_key=escalation.assignee)
        else:
            channel = _channel_key(policy, escalation)
            await notifier.post_channel(escalation=escalation, channel_key=channel)

    async def _retry_later(self, escalation: Escalation, note: StatusNote, e: Exception) -> None:
        wait = backoff_s(0, asked=_asked(e))
        if _past_deadline(escalation, self._clock() + wait):
            log.warning("escalation %s not delivered (%s); its timer takes over", escalation.id, e)
            return
        log.warning(
            "escalation %s not delivered (%s); trying again in %.1f s", escalation.id, e, wait
        )
        marker = lifecycle.timer_job_id(escalation)
        await self._enqueue(
            REDELIVER_JOB,
            job_id=redeliver_job_id(marker),
            defer_by=wait,
            escalation_id=escalation.id,
            marker=marker,
            note=notes.to_json(note),
        )

    async def _enqueue(self, name: str, *, job_id: str, defer_by: float, **args: Any) -> None:
        try:
            await self._jobs.enqueue(name, job_id=job_id, defer_by=defer_by, **args)
        except StoreUnavailable as e:  # the unsent-ping marker stays: the sweep resends it
            log.warning("could not queue %s: %s", job_id, e)

    async def _redeliver_job(
        self, ctx: dict[str, Any], *, escalation_id: str, marker: str, note: dict[str, Any]
    ) -> None:
        current = await self._store.get(escalation_id)
        if not await self._still_unsent(current, marker):
            return  # sent, acknowledged or moved on since: that ping is moot
        assert current is not None
        policy = self._policy()
        failure = await self._attempt(current, policy, notes.from_json(note))
        if isinstance(failure, DeliveryRefused):
            await self._refused(policy, current, str(failure))
        elif failure is not None:
            wait = backoff_s(int(ctx.get("job_try", 1)), asked=_asked(failure))
            if _past_deadline(current, self._clock() + wait):
                log.warning("escalation %s still not delivered; its timer takes over", current.id)
                return
            raise RetryLater(defer_s=wait) from failure

    async def _still_unsent(self, current: Escalation | None, marker: str) -> bool:
        if current is None or current.state not in lifecycle.TIMED_STATES:
            return False
        if lifecycle.timer_job_id(current) != marker:
            return False
        return await self._store.is_undelivered(marker)

    async def _status_job(
        self, ctx: dict[str, Any], *, escalation_id: str, version: int, note: dict[str, Any]
    ) -> None:
        current = await self._store.get(escalation_id)
        if current is None or len(current.history) != version:
            return  # it moved since: newer news went (or goes) to the card
        notifier = self.notifier(current.platform)
        try:
            await notifier.update_status(escalation=current, note=notes.from_json(note))
        except Exception as e:
            tries = int(ctx.get("job_try", 1))
            if tries >= STATUS_MAX_TRIES:
                log.error("gave up updating the status card of %s: %r", escalation_id, e)
                return
            raise RetryLater(defer_s=backoff_s(tries, asked=_asked(e))) from e

    async def _refused(
        self, policy: Policy, escalation: Escalation, reason: str, *, skipped: bool = False
    ) -> Escalation:
        now = self._clock()

        def change(current: Escalation) -> Escalation | None:
            return lifecycle.unreachable(
                policy, current, pinged=escalation, reason=reason, now=now, skipped=skipped
            )

        moved = await self._moves.move(escalation.id, change)
        if moved is None:
            return await self._moves.must_get(escalation.id)
        note = notes.climbed(policy, missed=escalation, moved=moved, reason=reason)
        return await self.climbed(policy, moved, notes.skipped(note) if skipped else note)


def _asked(e: Exception) -> float | None:
    return e.retry_after_s if isinstance(e, DeliveryFailed) else None


def _past_deadline(escalation: Escalation, at: float) -> bool:
    return escalation.due_at is not None and at >= escalation.due_at


def _channel_key(policy: Policy, escalation: Escalation) -> str:
    step = lifecycle.chain_of(policy, escalation).at(escalation.level)
    if step is None or step.kind != "channel":  # a policy reload removed the channel
        raise DeliveryRefused("the policy no longer names a channel for this category")
    return step.key
