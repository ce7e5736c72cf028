"""What the console's pages show, as values computed from the core's: the queue grouped by
person and by category (from the queue read model every view shares,
:mod:`bot.escalations.queue_view`: names, unanswered first, the same order as the App Home and
``/should-ai queue``), and a batch of playground answers counted per route and category.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.escalations.model import Escalation
from bot.escalations.queue_view import Holder, QueueItem, queue_view
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


def queue_groups(
    policy: Policy, escalations: Iterable[Escalation], *, now: float, by: str
) -> list[QueueGroup]:
    """``by``: "person" (who holds it) or "category"; groups with unanswered escalations first,
    then the largest, each unanswered first, then the next climb soonest, then oldest."""
    found = list(escalations)
    by_id = {e.id: e for e in found}
    view = queue_view(found, policy, now=now)
    groups = view.by_category if by == "category" else view.by_person
    return [
        QueueGroup(
            title=_title(group.items[0].holder) if by != "category" else group.title,
            rows=tuple(_row(item, by_id[item.id]) for item in group.items),
        )
        for group in groups
    ]


def _row(item: QueueItem, escalation: Escalation) -> QueueRow:
    return QueueRow(
        escalation=escalation,
        category_label=item.category_label,
        holder=_title(item.holder),
        age_s=item.age_s,
        next_climb_s=item.next_climb_s,
    )


def _title(holder: Holder) -> str:
    return f"#{holder.key}" if holder.kind == "channel" else holder.display


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
