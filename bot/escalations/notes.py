"""What the requester's status card is told as an escalation moves, as :class:`StatusNote` values.

Pure functions of the escalation and the policy, one per kind of news: pinged, acted on,
reassigned, climbed (or unanswered), and what happens next if nobody acknowledges. The words are
the adapters' (``handlers/common/status_text.py``).
"""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from bot.escalations.climb import owner_of
from bot.escalations.lifecycle import chain_of
from bot.escalations.model import Escalation, NextStep, StatusKind, StatusNote, Who
from bot.escalations.snooze import WITHDRAWN
from bot.policy.model import Policy


def pinged_assignee(escalation: Escalation) -> StatusNote:
    """A new escalation's owner was pinged."""
    return StatusNote(kind="pinged", to=_person(escalation.assignee))


def queued(escalation: Escalation) -> StatusNote:
    """A new escalation waits in its owner's queue without a ping (the paging limit)."""
    return StatusNote(kind="queued", to=_person(escalation.assignee))


def skipped(note: StatusNote) -> StatusNote:
    """A climb because the person was away or off hours, not because a ping was refused."""
    return replace(note, kind="skipped")


def off_hours(escalation: Escalation, *, starts: str) -> StatusNote:
    """Its owner is off hours: they are pinged when their working hours start (``starts``)."""
    return StatusNote(kind="off_hours", to=_person(escalation.assignee), reason=starts)


def pinged(policy: Policy, escalation: Escalation) -> StatusNote:
    """The current move's ping went out again (it was lost with a crashed replica)."""
    return StatusNote(kind="pinged", to=target(policy, escalation))


def acted(moved: Escalation) -> StatusNote:
    """Acknowledged or resolved (or withdrawn by its requester), by whom, with their note."""
    move = moved.history[-1]
    kind: StatusKind = "resolved" if moved.state == "resolved" else "acknowledged"
    if move.outcome == WITHDRAWN and moved.state == "resolved":
        kind = "withdrawn"
    return StatusNote(kind=kind, by=_person(move.by), comment=move.comment, outcome=move.outcome)


def snoozed(moved: Escalation, *, now: float) -> StatusNote:
    """Its holder will be pinged again at ``due_at``."""
    move = moved.history[-1]
    again = NextStep(within_s=max(0.0, (moved.due_at or now) - now), to=_person(moved.assignee))
    return StatusNote(kind="snoozed", by=_person(move.by), then=again, comment=move.comment)


def reassigned(moved: Escalation) -> StatusNote:
    return StatusNote(
        kind="reassigned", by=_person(moved.history[-1].by), to=_person(moved.assignee)
    )


def climbed(
    policy: Policy, *, missed: Escalation, moved: Escalation, reason: str | None
) -> StatusNote:
    """Nobody acknowledged ``missed`` (or its ping was refused, for ``reason``): it climbed."""
    kind: StatusKind = "no_answer" if reason is None else "unreachable"
    who = target(policy, missed)
    if moved.state == "unanswered":
        reach = _person(owner_of(moved))
        return StatusNote(kind=kind, missed=who, reason=reason or "", reach=reach)
    return StatusNote(kind=kind, missed=who, reason=reason or "", to=target(policy, moved))


def then(policy: Policy, escalation: Escalation, note: StatusNote) -> StatusNote:
    """``note``, and what happens if nobody acknowledges the ping that just went out."""
    chain = chain_of(policy, escalation)
    step = chain.after(escalation.level)
    to = None if step is None else Who(kind=step.kind, key=step.key)
    return replace(note, then=NextStep(within_s=chain.ack_seconds, to=to))


def target(policy: Policy, escalation: Escalation) -> Who:
    """Who the escalation waits for: its assignee, or at the channel levels its channel."""
    if escalation.assignee is not None:
        return _person(escalation.assignee)
    step = chain_of(policy, escalation).at(escalation.level)
    return Who(kind="channel", key=step.key if step else "?")


def _person(key: str | None) -> Who:
    return Who(kind="person", key=key or "")


def to_json(note: StatusNote) -> dict[str, Any]:
    """``note`` as JSON values (a retry job carries it)."""
    return asdict(note)


def from_json(data: dict[str, Any]) -> StatusNote:
    then = data.get("then")
    return StatusNote(
        kind=data["kind"],
        to=_who(data.get("to")),
        by=_who(data.get("by")),
        missed=_who(data.get("missed")),
        reason=str(data.get("reason", "")),
        reach=_who(data.get("reach")),
        then=None if then is None else NextStep(then["within_s"], _who(then.get("to"))),
        comment=str(data.get("comment", "")),
        outcome=str(data.get("outcome", "")),
    )


def _who(data: dict[str, Any] | None) -> Who | None:
    return None if data is None else Who(kind=data["kind"], key=data["key"])
