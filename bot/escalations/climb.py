"""The ack chain: who is pinged at each level, and what the next level is.

Levels follow the policy: 0 the owner, 1 the category's backup, 2 the category's channel, and
3, 4, ... the channel again ``repeat`` times. A level whose person or channel the category does
not name is skipped. Each level waits the category's ``ack_minutes`` before the next. Pure
functions: no I/O, so the rules are tested without Redis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.escalations.model import Escalation, Transition
from bot.policy.model import Category, Policy

OWNER, BACKUP, CHANNEL = 0, 1, 2
DEFAULT_ACK_MINUTES: float = Category.model_fields["ack_minutes"].default
FALLBACK_CATEGORY = "fallback"


@dataclass(frozen=True)
class Step:
    level: int
    kind: Literal["person", "channel"]
    key: str


@dataclass(frozen=True)
class Chain:
    steps: tuple[Step, ...]
    ack_seconds: float

    def after(self, level: int) -> Step | None:
        """The first step above ``level``, or None when the climb is over."""
        return next((s for s in self.steps if s.level > level), None)

    def at(self, level: int) -> Step | None:
        return next((s for s in self.steps if s.level == level), None)


def chain_for(policy: Policy, category: str, owner: str) -> Chain:
    """The chain for an escalation of ``category`` whose level-0 person is ``owner``."""
    cat = policy.categories.get(category)
    steps = [Step(OWNER, "person", owner)]
    if cat is None:  # the fallback, or a category removed by a policy reload since
        return Chain(tuple(steps), DEFAULT_ACK_MINUTES * 60)
    if cat.backup and cat.backup != owner:
        steps.append(Step(BACKUP, "person", cat.backup))
    if cat.channel:
        steps += [Step(CHANNEL + n, "channel", cat.channel) for n in range(cat.repeat + 1)]
    return Chain(tuple(steps), cat.ack_minutes * 60)


def first_owner(policy: Policy, category: str | None, named: str | None) -> str:
    """Level 0: the owner the decision named, else the category's, else the fallback's."""
    if named:
        return named
    cat = policy.categories.get(category) if category else None
    return (cat.owner if cat and cat.owner else None) or policy.file.fallback.owner


def owner_of(escalation: Escalation) -> str | None:
    """The level-0 person, as recorded when the escalation was opened."""
    return escalation.history[0].assignee if escalation.history else None


def climbed(escalation: Escalation, chain: Chain, *, now: float, note: str) -> Escalation:
    """The escalation one level up the chain (or unanswered at the top), with the move recorded."""
    step = chain.after(escalation.level)
    if step is None:
        unanswered = Transition(
            at=now,
            state="unanswered",
            level=escalation.level,
            assignee=escalation.assignee,
            by=None,
            note=note,
        )
        return escalation.after(unanswered, due_at=None)
    assignee = step.key if step.kind == "person" else None
    up = Transition(at=now, state="open", level=step.level, assignee=assignee, by=None, note=note)
    return escalation.after(up, due_at=now + chain.ack_seconds)
