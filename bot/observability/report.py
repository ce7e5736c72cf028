"""`should-ai report`: per category, what the decision log says of a period (issue 14):
requests, escalations, time to acknowledge (p50, p90), unanswered ones, the top reasons.

A pure read of :class:`~bot.observability.decision_log.LogEntry` values (decisions and
transitions, as the log keeps them); the CLI reads the entries since ``--since`` and words the
report (``handlers/console/report_cli.py``) or prints its JSON.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.errors import UsageError
from bot.observability.decision_log import LogEntry

_SINCE = re.compile(r"(\d+)\s*([smhdw])")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
TOP_REASONS = 3


def parse_since(text: str) -> float:
    """ "7d", "12h", "30m", "2w" -> seconds; UsageError otherwise."""
    match = _SINCE.fullmatch(text.strip().lower())
    if match is None or int(match[1]) <= 0:
        raise UsageError(f"--since must look like 7d, 12h, 30m or 2w, got {text!r}")
    return int(match[1]) * _UNIT_S[match[2]]


@dataclass(frozen=True)
class CategoryReport:
    category: str
    requests: int = 0
    to_person: int = 0
    escalations: int = 0  # opened in the period
    acknowledged: int = 0
    ack_p50_s: float | None = None
    ack_p90_s: float | None = None
    unanswered: int = 0
    withdrawn: int = 0
    top_reasons: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Report:
    since: float
    until: float
    requests: int
    to_ai: int
    to_person: int
    categories: tuple[CategoryReport, ...] = field(default_factory=tuple)


@dataclass
class _Tally:
    requests: int = 0
    to_person: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    opened: dict[str, float] = field(default_factory=dict)  # escalation id -> opened at
    acked: dict[str, float] = field(default_factory=dict)  # escalation id -> first ack at
    unanswered: set[str] = field(default_factory=set)
    withdrawn: set[str] = field(default_factory=set)


def build_report(entries: Iterable[LogEntry], *, since: float, until: float) -> Report:
    """The report of the entries written in [since, until]."""
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    routes: Counter[str] = Counter()
    for entry in entries:
        at = _float(entry.fields.get("at"))
        if at is None or not since <= at <= until:
            continue
        category = entry.fields.get("category") or "none"
        if entry.kind == "decision":
            routes[entry.fields.get("route", "")] += 1
            _count_decision(tallies[category], entry)
        elif entry.kind == "transition":
            _count_transition(tallies[category], entry, at)
    categories = tuple(
        _category(name, tally) for name, tally in sorted(tallies.items(), key=_busiest)
    )
    return Report(
        since=since,
        until=until,
        requests=sum(routes.values()),
        to_ai=routes["ai"],
        to_person=routes["human"],
        categories=categories,
    )


def _count_decision(tally: _Tally, entry: LogEntry) -> None:
    tally.requests += 1
    if entry.fields.get("route") == "human":
        tally.to_person += 1
    for reason in (entry.fields.get("reasons") or "").split("; "):
        if label := reason_label(reason):
            tally.reasons[label] += 1


def _count_transition(tally: _Tally, entry: LogEntry, at: float) -> None:
    f = entry.fields
    eid = f.get("escalation_id", "")
    state, level = f.get("state"), f.get("level")
    if state == "open" and level == "0" and eid not in tally.opened:
        tally.opened[eid] = at
    elif state == "acknowledged" and eid not in tally.acked:
        tally.acked[eid] = at
    elif state == "unanswered":
        tally.unanswered.add(eid)
    if f.get("outcome") == "withdrawn":
        tally.withdrawn.add(eid)


def reason_label(reason: str) -> str:
    """A decision's reason as the report counts it: a tripwire by what matched ("keyword
    \"recall\""), the reader, the fallback and the LLM by their layer."""
    layer, _, detail = reason.partition(":")
    if not layer:
        return ""
    if layer in ("keyword", "pattern") and detail:
        return detail.strip()[:60]
    return layer


def _category(name: str, tally: _Tally) -> CategoryReport:
    waits = sorted(
        tally.acked[eid] - opened for eid, opened in tally.opened.items() if eid in tally.acked
    )
    return CategoryReport(
        category=name,
        requests=tally.requests,
        to_person=tally.to_person,
        escalations=len(tally.opened),
        acknowledged=len(waits),
        ack_p50_s=percentile(waits, 50),
        ack_p90_s=percentile(waits, 90),
        unanswered=len(tally.unanswered),
        withdrawn=len(tally.withdrawn),
        top_reasons=tuple(tally.reasons.most_common(TOP_REASONS)),
    )


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile of sorted ``values``; None when there are none."""
    if not values:
        return None
    rank = max(1, math.ceil(p / 100 * len(values)))
    return values[rank - 1]


def _busiest(item: tuple[str, _Tally]) -> tuple[int, int, str]:
    name, tally = item
    return (-len(tally.opened), -tally.requests, name)


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
