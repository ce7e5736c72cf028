"""Pinging through the registered notifiers, and keeping the requester's status card current.

A ping goes out after its move is committed: to the current assignee, or at the channel levels
to the category's channel. Once it is out, the move's "unsent ping" marker is cleared and the
requester is told. A refused ping (DMs closed, an unknown user) climbs at once. Any other
platform failure is logged and the escalation keeps its timer and its marker, so it still
climbs if nobody acknowledges, and the sweep (``recovery.py``) sends the ping again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.escalations import lifecycle, notes
from bot.escalations.errors import NoNotifier
from bot.escalations.model import DeliveryRefused, Escalation, Notifier, Platform, StatusNote
from bot.escalations.moves import Moves
from bot.escalations.ports import EscalationStore
from bot.policy.model import Policy

log = logging.getLogger(__name__)


class Delivery:
    """The notifier of each chat platform, and what is sent through them."""

    def __init__(self, *, store: EscalationStore, moves: Moves, clock: Callable[[], float]) -> None:
        self._store = store
        self._moves = moves
        self._clock = clock
        self._notifiers: dict[str, Notifier] = {}

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

        Returns the escalation as it stands after: climbed, if the ping was refused.
        """
        notifier = self.notifier(escalation.platform)
        try:
            if escalation.assignee is not None:
                await notifier.ping_person(escalation=escalation, person_key=escalation.assignee)
            else:
                channel = _channel_key(policy, escalation)
                await notifier.post_channel(escalation=escalation, channel_key=channel)
        except DeliveryRefused as e:
            return await self._refused(policy, escalation, str(e))
        except Exception:
            log.exception("could not deliver escalation %s; its timer still runs", escalation.id)
            return escalation
        await self._store.delivered(lifecycle.timer_job_id(escalation))
        await self.tell(escalation, notes.then(policy, escalation, note))
        return escalation

    async def climbed(self, policy: Policy, moved: Escalation, note: StatusNote) -> Escalation:
        """After a climb: ping the next level, or (expired) only tell the requester."""
        if moved.state == "expired":
            await self.tell(moved, note)
            return moved
        return await self.deliver(moved, policy, note)

    async def tell(self, escalation: Escalation, note: StatusNote) -> None:
        """Update the requester's status card; a failure there never undoes the move."""
        try:
            await self.notifier(escalation.platform).update_status(escalation=escalation, note=note)
        except Exception:
            log.exception("could not update the status card of escalation %s", escalation.id)

    async def _refused(self, policy: Policy, escalation: Escalation, reason: str) -> Escalation:
        now = self._clock()

        def change(current: Escalation) -> Escalation | None:
            return lifecycle.unreachable(policy, current, pinged=escalation, reason=reason, now=now)

        moved = await self._moves.move(escalation.id, change)
        if moved is None:
            return await self._moves.must_get(escalation.id)
        note = notes.climbed(policy, missed=escalation, moved=moved, reason=reason)
        return await self.climbed(policy, moved, note)


def _channel_key(policy: Policy, escalation: Escalation) -> str:
    step = lifecycle.chain_of(policy, escalation).at(escalation.level)
    if step is None or step.kind != "channel":  # a policy reload removed the channel
        raise DeliveryRefused("the policy no longer names a channel for this category")
    return step.key
