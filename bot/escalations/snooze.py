"""Snooze ("ping me again in N minutes") and withdraw (the requester takes a request back).

Pure functions, like ``lifecycle.py``. A snooze keeps the escalation with whoever snoozed it
and sets its timer to the end of the snooze; when that fires, they are pinged again and the
usual wait for an acknowledgement starts over (:func:`woken`). A snooze never outlasts the
category's deadline: the time the whole chain would take to climb from the moment the
escalation was opened (ack time x steps), so snoozing can delay the climb but never past the
point where everybody up the chain would have been asked.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.escalations.climb import Chain
from bot.escalations.errors import InvalidAction, NotAllowed, Refusal
from bot.escalations.model import Actor, Escalation, Transition
from bot.escalations.permissions import Admins

WITHDRAWN = "withdrawn"  # the outcome of a request its requester withdrew
DEFAULT_SNOOZE_MINUTES = 30.0
_MIN_SNOOZE_S = 60.0  # a snooze shorter than this is no snooze: refused as past the deadline


def deadline(escalation: Escalation, chain: Chain) -> float:
    """The latest a snooze may end: when the climb would have asked everyone in the chain."""
    return escalation.created_at + chain.ack_seconds * max(1, len(chain.steps))


def snoozed(
    current: Escalation,
    chain: Chain,
    *,
    by: str,
    minutes: float | None,
    now: float,
    comment: str = "",
) -> Escalation:
    """``by`` asks to be pinged again in ``minutes`` (default 30), at most until the deadline."""
    wanted = now + 60.0 * (minutes if minutes and minutes > 0 else DEFAULT_SNOOZE_MINUTES)
    until = min(wanted, deadline(current, chain))
    if until - now < _MIN_SNOOZE_S:
        raise InvalidAction(refusal=Refusal("past_deadline", current.id))
    move = Transition(
        at=now,
        state="snoozed",
        level=current.level,
        assignee=by,
        by=by,
        note=f"snoozed for {round((until - now) / 60)} min",
        comment=comment,
    )
    return current.after(move, due_at=until)


def woken(current: Escalation, chain: Chain, *, now: float) -> Escalation:
    """The snooze is over: its holder is pinged again and has the ack time to acknowledge."""
    move = Transition(
        at=now,
        state="open",
        level=current.level,
        assignee=current.assignee,
        by=None,
        note="snooze over",
    )
    return current.after(move, due_at=now + chain.ack_seconds)


def withdrawn(
    current: Escalation,
    actor: Actor,
    *,
    by: str,
    admin_ids: Iterable[str],
    now: float,
    comment: str = "",
) -> Escalation:
    """The requester (or an admin) withdraws the request: it is closed, nobody is pinged."""
    if by != current.requester and not Admins.of(admin_ids).includes(actor):
        raise NotAllowed(refusal=Refusal("not_allowed", current.id, people=(current.requester,)))
    move = Transition(
        at=now,
        state="resolved",
        level=current.level,
        assignee=current.assignee,
        by=by,
        note="withdrawn by the requester",
        comment=comment,
        outcome=WITHDRAWN,
    )
    return current.after(move, due_at=None)


def waiting_for_hours(current: Escalation, *, until: float, now: float, note: str) -> Escalation:
    """A low-urgency escalation whose owner is off hours: it waits, unpinged, until ``until``
    (their next working hours); its timer pings them then."""
    move = Transition(
        at=now,
        state="snoozed",
        level=current.level,
        assignee=current.assignee,
        by=None,
        note=note,
    )
    return current.after(move, due_at=until)
