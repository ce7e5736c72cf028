"""The moves of an escalation: open -> acknowledged -> resolved, plus reassigned and unanswered.

Pure functions: given the current escalation, the policy (its chain), who acts and the time,
each returns the escalation after the move, or None when there is no move to make; a refused
action raises an :class:`~bot.escalations.errors.EscalationError`. Climbing one level is
``climb.py``'s. Nothing here reads or writes anything: the service commits what these return.
"""

from __future__ import annotations

from bot.escalations import snooze
from bot.escalations.climb import (
    FALLBACK_CATEGORY,
    Chain,
    chain_for,
    climbed,
    first_owner,
    owner_of,
)
from bot.escalations.errors import EscalationClosed, InvalidAction, NotAllowed, Refusal
from bot.escalations.model import Action, Actor, Escalation, State, StatusRef, Transition
from bot.escalations.people import actor_key
from bot.escalations.permissions import may_act, refusal
from bot.policy.model import Decision, Policy

# The states that wait for an acknowledgement: their timer climbs them when it fires.
TIMED_STATES = frozenset({"open", "reassigned", "snoozed"})
# Every state but resolved: each stays in the queue views and the /metrics gauge.
WAITING_STATES = ("open", "acknowledged", "reassigned", "unanswered", "snoozed")
_TIMER_PREFIX = "escalation:"


def timer_job_id(escalation: Escalation) -> str:
    """The id of the timer job of the escalation's current move (also its unsent-ping marker)."""
    return timer_id(escalation.id, escalation.due_at or 0.0)


def timer_id(escalation_id: str, due_at: float) -> str:
    # Every move that sets a timer sets a new due time, and two moves of one escalation are
    # separate Redis transactions, so (id, due time to the microsecond) names one move.
    return f"{_TIMER_PREFIX}{escalation_id}:{round(due_at * 1_000_000)}"


def escalation_of(marker: str) -> str:
    """The escalation id in a timer job id (or unsent-ping marker)."""
    return marker.removeprefix(_TIMER_PREFIX).rsplit(":", 1)[0]


def chain_of(policy: Policy, escalation: Escalation) -> Chain:
    """The escalation's chain under ``policy`` (which may have been reloaded since it opened)."""
    owner = owner_of(escalation) or policy.file.fallback.owner
    return chain_for(policy, escalation.category, owner)


def opened(
    policy: Policy,
    *,
    escalation_id: str,
    decision: Decision,
    actor: Actor,
    text: str,
    status_ref: StatusRef | None,
    now: float,
) -> Escalation:
    """A new escalation of ``decision``, at level 0 with its owner, waiting for them."""
    named = decision.owner.id if decision.owner else None
    owner = first_owner(policy, decision.category, named)
    category = decision.category or FALLBACK_CATEGORY
    requester = actor_key(policy, actor)
    first = Transition(at=now, state="open", level=0, assignee=owner, by=requester)
    return Escalation(
        id=escalation_id,
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
        history=[first],
    )


def acted(
    policy: Policy,
    current: Escalation,
    *,
    actor: Actor,
    action: Action,
    target_user_id: str | None,
    admin_ids: frozenset[str],
    now: float,
    comment: str = "",
    outcome: str = "",
    minutes: float | None = None,
) -> Escalation | None:
    """Acknowledge, reassign, resolve, snooze or withdraw as ``actor``, with an optional
    ``comment`` and ``outcome``; raises an EscalationError if refused."""
    # An unanswered escalation may still be taken (late) or resolved; a resolved one is done.
    if current.state == "resolved":
        raise EscalationClosed(refusal=Refusal("closed", current.id))
    by = actor_key(policy, actor)
    if action == "withdraw":
        return snooze.withdrawn(
            current, actor, by=by, admin_ids=admin_ids, now=now, comment=comment
        )
    if not may_act(policy, current, actor, admin_ids):
        raise NotAllowed(refusal=refusal(policy, current))
    if action == "snooze":
        chain = chain_of(policy, current)
        return snooze.snoozed(current, chain, by=by, minutes=minutes, now=now, comment=comment)
    if action == "acknowledge":
        if current.state == "acknowledged" and current.assignee == by and not comment:
            return None  # e.g. a second click on Acknowledge by the same person
        return _moved(
            current, now, by, state="acknowledged", assignee=by, due_at=None, comment=comment
        )
    if action == "resolve":
        return _moved(
            current,
            now,
            by,
            state="resolved",
            assignee=current.assignee,
            due_at=None,
            comment=comment,
            outcome=outcome,
        )
    if not target_user_id:
        raise InvalidAction(refusal=Refusal("no_target", current.id))
    target = actor_key(policy, Actor(platform=actor.platform, user_id=target_user_id))
    if target == current.assignee:
        raise InvalidAction(refusal=Refusal("already_assigned", current.id, people=(target,)))
    due_at = now + chain_of(policy, current).ack_seconds
    return _moved(
        current, now, by, state="reassigned", assignee=target, due_at=due_at, comment=comment
    )


def waits_at(current: Escalation, *, level: int, due_at: float) -> bool:
    """True if the escalation still waits at ``level`` for ``due_at`` (that timer is live)."""
    return current.state in TIMED_STATES and current.level == level and current.due_at == due_at


def unanswered(policy: Policy, current: Escalation, *, now: float) -> Escalation:
    """Nobody acknowledged in time: one level up (or unanswered at the top). A snoozed one
    whose snooze is over waits for its holder again instead: they are pinged again."""
    if current.state == "snoozed":
        return snooze.woken(current, chain_of(policy, current), now=now)
    return climbed(current, chain_of(policy, current), now=now, note="no acknowledgement")


def unreachable(
    policy: Policy,
    current: Escalation,
    *,
    pinged: Escalation,
    reason: str,
    now: float,
    skipped: bool = False,
) -> Escalation | None:
    """The ping of ``pinged`` was refused (or ``skipped``: the person is away or off hours):
    one level up, unless it has moved on since."""
    if not _same_step(current, pinged):
        return None
    note = f"skipped: {reason}" if skipped else f"delivery refused: {reason}"
    return climbed(current, chain_of(policy, current), now=now, note=note)


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
    comment: str = "",
    outcome: str = "",
) -> Escalation:
    move = Transition(
        at=now,
        state=state,
        level=current.level,
        assignee=assignee,
        by=by,
        comment=comment,
        outcome=outcome,
    )
    return current.after(move, due_at=due_at)
