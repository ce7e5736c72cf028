"""The queue as people read it: open escalations grouped by person and by category, each with
display names (not people.yaml keys), its age, the time to its next climb, unanswered ones first.

A pure read model: :func:`queue_view` takes the escalations (``EscalationService.list_open``),
the policy (people, categories, chains) and the time, and returns values. The Slack App Home,
Discord's ``/should-ai queue`` and ``mine``, the console, ``should-ai escalations list`` and the
web console render it; nothing here reads a store or words a sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.escalations.climb import owner_of
from bot.escalations.lifecycle import chain_of
from bot.escalations.model import Escalation, State
from bot.escalations.people import person_label
from bot.policy.model import Policy

HolderKind = Literal["person", "channel"]


@dataclass(frozen=True)
class Holder:
    """Who an escalation waits for: a person (``name`` from people.yaml; for someone not
    listed, ``user_id`` their platform knows them by) or, at the channel levels, a channel."""

    kind: HolderKind
    key: str
    name: str | None = None
    user_id: str | None = None

    @property
    def display(self) -> str:
        """The name to show: the person's name, else their platform id, else the key."""
        return self.name or self.user_id or self.key


@dataclass(frozen=True)
class QueueItem:
    id: str
    category: str
    category_label: str
    state: State
    holder: Holder
    requester: Holder
    owner: str | None  # the level-0 person key
    text: str
    level: int
    age_s: float
    next_climb_s: float | None  # None: no timer (acknowledged, unanswered)
    next_to: Holder | None  # who is asked next if nobody acknowledges; None: nobody (or no timer)
    unanswered: bool
    snoozed: bool

    @property
    def needs_answer(self) -> bool:
        """Nobody has taken it yet (open, reassigned, snoozed or unanswered)."""
        return self.state != "acknowledged"


@dataclass(frozen=True)
class QueueGroup:
    """The items of one person (``key`` a person key, or a channel key) or one category."""

    key: str
    title: str
    items: tuple[QueueItem, ...]

    @property
    def unanswered(self) -> int:
        return sum(i.unanswered for i in self.items)


@dataclass(frozen=True)
class QueueView:
    items: tuple[QueueItem, ...]  # unanswered first, then the next climb soonest, then oldest
    by_person: tuple[QueueGroup, ...]  # groups with unanswered items first, then the largest
    by_category: tuple[QueueGroup, ...]

    @property
    def unanswered(self) -> int:
        return sum(i.unanswered for i in self.items)

    @property
    def oldest_age_s(self) -> float:
        return max((i.age_s for i in self.items), default=0.0)

    def held_by(self, person_key: str) -> tuple[QueueItem, ...]:
        """What ``person_key`` holds now."""
        return tuple(
            i for i in self.items if i.holder.kind == "person" and i.holder.key == person_key
        )

    def asked_by(self, requester_key: str) -> tuple[QueueItem, ...]:
        """What ``requester_key`` asked for (an actor key: a person key or ``platform:id``)."""
        return tuple(i for i in self.items if i.requester.key == requester_key)


def queue_view(escalations: Iterable[Escalation], policy: Policy, *, now: float) -> QueueView:
    """The open escalations as a queue: sorted, and grouped by person and by category."""
    items = tuple(sorted((item_of(e, policy, now=now) for e in escalations), key=_urgency))
    return QueueView(
        items=items,
        by_person=_grouped(items, lambda i: (i.holder.key, i.holder.display)),
        by_category=_grouped(items, lambda i: (i.category, i.category_label)),
    )


def item_of(escalation: Escalation, policy: Policy, *, now: float) -> QueueItem:
    chain = chain_of(policy, escalation)
    due = escalation.due_at
    next_step = chain.after(escalation.level) if due is not None else None
    next_to = None
    if escalation.state == "snoozed":
        next_to = person(policy, escalation.assignee or "")
    elif next_step is not None:
        next_to = (
            person(policy, next_step.key)
            if next_step.kind == "person"
            else Holder(kind="channel", key=next_step.key)
        )
    return QueueItem(
        id=escalation.id,
        category=escalation.category,
        category_label=category_label(policy, escalation.category),
        state=escalation.state,
        holder=holder_of(policy, escalation),
        requester=person(policy, escalation.requester),
        owner=owner_of(escalation),
        text=escalation.text,
        level=escalation.level,
        age_s=max(0.0, now - escalation.created_at),
        next_climb_s=None if due is None else max(0.0, due - now),
        next_to=next_to,
        unanswered=escalation.state == "unanswered",
        snoozed=escalation.state == "snoozed",
    )


def holder_of(policy: Policy, escalation: Escalation) -> Holder:
    if escalation.assignee is not None:
        return person(policy, escalation.assignee)
    step = chain_of(policy, escalation).at(escalation.level)
    return Holder(kind="channel", key=step.key if step else "?")


def person(policy: Policy, key: str) -> Holder:
    label = person_label(policy, key)
    return Holder(kind="person", key=key, name=label.name, user_id=label.user_id)


def category_label(policy: Policy, category: str) -> str:
    found = policy.categories.get(category)
    return found.label if found else category.capitalize()


def find_person(policy: Policy, text: str) -> str | None:
    """The people.yaml key ``text`` names: a key, a name, or the start of a name (any case);
    None when it names nobody or more than one person."""
    wanted = " ".join(text.split()).casefold()
    if not wanted:
        return None
    people = policy.people.people
    if text in people:
        return text
    exact = [k for k, p in people.items() if p.name.casefold() == wanted or k.casefold() == wanted]
    if len(exact) == 1:
        return exact[0]
    starts = [k for k, p in people.items() if p.name.casefold().startswith(wanted)]
    return starts[0] if len(starts) == 1 else None


def _urgency(item: QueueItem) -> tuple[int, float, float]:
    climb = item.next_climb_s if item.next_climb_s is not None else float("inf")
    return (0 if item.unanswered else 1, climb, -item.age_s)


def _grouped(
    items: Sequence[QueueItem], key_of: Callable[[QueueItem], tuple[str, str]]
) -> tuple[QueueGroup, ...]:
    groups: dict[str, tuple[str, list[QueueItem]]] = {}
    for item in items:
        key, title = key_of(item)
        groups.setdefault(key, (title, []))[1].append(item)
    made = [QueueGroup(key=k, title=t, items=tuple(v)) for k, (t, v) in groups.items()]
    return tuple(sorted(made, key=lambda g: (-g.unanswered, -len(g.items), g.title)))
