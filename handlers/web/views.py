"""What the console's pages show, as values computed from the core's: the queue grouped by
person and by category, and a batch of playground answers counted per route and category.

(Issue 14 builds a queue read model in ``bot/escalations/queue_view.py`` on another branch; this
is the console's minimal own until the two are unified.)
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.escalations.model import Escalation
from bot.escalations.people import person_label
from bot.policy.model import Decision, Policy

MAX_BATCH = 500  # requests per playground batch: a paste, not a corpus


@dataclass(frozen=True)
class QueueRow:
    escalation: Escalation
    category_label: str
    holder: str  # who has it now: a person's name, or the channel
    age_s: float
    next_climb_s: float | None  # None: nothing climbs any more (acknowledged, unanswered)


@dataclass(frozen=True)
class QueueGroup:
    title: str
    rows: tuple[QueueRow, ...]


def queue_rows(policy: Policy, escalations: Iterable[Escalation], *, now: float) -> list[QueueRow]:
    rows = []
    for e in escalations:
        cat = policy.categories.get(e.category)
        rows.append(
            QueueRow(
                escalation=e,
                category_label=cat.label if cat else e.category,
                holder=_holder(policy, e.assignee),
                age_s=now - e.created_at,
                next_climb_s=None if e.due_at is None else max(0.0, e.due_at - now),
            )
        )
    return rows


def _holder(policy: Policy, assignee: str | None) -> str:
    if assignee is None:
        return "#channel"
    label = person_label(policy, assignee)
    return label.name or label.user_id or label.key


def grouped(rows: Sequence[QueueRow], *, by: str) -> list[QueueGroup]:
    """``by``: "person" (who holds it) or "category"; groups sorted by title, rows oldest first."""
    groups: dict[str, list[QueueRow]] = {}
    for row in rows:
        key = row.holder if by == "person" else row.category_label
        groups.setdefault(key, []).append(row)
    return [
        QueueGroup(title=title, rows=tuple(sorted(members, key=lambda r: -r.age_s)))
        for title, members in sorted(groups.items())
    ]


def batch_lines(text: str, upload: bytes | None) -> list[str]:
    """The requests of a batch: an uploaded CSV (its ``text`` column, else its first), else the
    pasted text, one request a line; blank lines skipped, at most :data:`MAX_BATCH`."""
    if upload:
        found = _csv_texts(upload.decode("utf-8", errors="replace"))
    else:
        found = [line.strip() for line in text.splitlines()]
    return [line for line in found if line][:MAX_BATCH]


def _csv_texts(body: str) -> list[str]:
    rows = list(csv.reader(io.StringIO(body)))
    if not rows:
        return []
    header = [cell.strip().lower() for cell in rows[0]]
    if "text" in header:
        column = header.index("text")
        return [row[column].strip() for row in rows[1:] if len(row) > column]
    return [row[0].strip() for row in rows if row]


@dataclass(frozen=True)
class BatchSummary:
    by_route: list[tuple[str, int]]
    by_category: list[tuple[str, int]]


def summary(policy: Policy, decisions: Sequence[Decision]) -> BatchSummary:
    routes = Counter(str(d.route) for d in decisions)
    cats = Counter(category_label(policy, d.category) for d in decisions)
    return BatchSummary(by_route=routes.most_common(), by_category=cats.most_common())


def category_label(policy: Policy, category: str | None) -> str:
    cat = policy.categories.get(category or "")
    return cat.label if cat else (category or "-")
