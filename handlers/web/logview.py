"""The decision log as the console shows it: filters, export rows, and the numbers behind the
charts (requests per day by route, per category, time to acknowledge, unanswered per day)."""

from __future__ import annotations

import csv
import io
import json
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlencode

from bot.observability.decision_log import LogEntry

LOG_WINDOW = 5000  # the latest entries the console reads (the stream keeps up to log_max_entries)
DAYS = 14  # days the per-day charts show
COLUMNS = ("at", "decision_id", "who", "route", "category", "owner", "confidence", "text")


def _day(entry: LogEntry) -> date:
    return datetime.fromtimestamp(float(entry.fields.get("at", "0")), tz=UTC).date()


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class LogFilter:
    route: str = ""
    category: str = ""
    requester: str = ""
    since: date | None = None
    until: date | None = None

    @classmethod
    def of(cls, query: Mapping[str, str]) -> LogFilter:
        return cls(
            route=query.get("route", ""),
            category=query.get("category", ""),
            requester=query.get("requester", "").strip(),
            since=_date(query.get("since", "")),
            until=_date(query.get("until", "")),
        )

    def keeps(self, entry: LogEntry) -> bool:
        f = entry.fields
        day = _day(entry)
        return (
            entry.kind == "decision"
            and (not self.route or f.get("route") == self.route)
            and (not self.category or f.get("category") == self.category)
            and (not self.requester or self.requester in f.get("who", ""))
            and (self.since is None or day >= self.since)
            and (self.until is None or day <= self.until)
        )

    def query(self) -> str:
        parts = {
            "route": self.route,
            "category": self.category,
            "requester": self.requester,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }
        return urlencode({k: v for k, v in parts.items() if v})


def row(entry: LogEntry) -> dict[str, str]:
    f = entry.fields
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(float(f.get("at", "0"))))
    return {"at": at, **{c: f.get(c, "") for c in COLUMNS if c != "at"}}


def as_csv(entries: Iterable[LogEntry]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(row(e) for e in entries)
    return out.getvalue()


def as_jsonl(entries: Iterable[LogEntry]) -> str:
    return "".join(json.dumps(row(e), ensure_ascii=False) + "\n" for e in entries)


# -- charts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Columns:
    """Stacked columns: one per label, one stack segment per series."""

    labels: tuple[str, ...]
    series: tuple[tuple[str, tuple[int, ...]], ...]

    @property
    def top(self) -> int:
        totals = [sum(values[i] for _, values in self.series) for i in range(len(self.labels))]
        return max([1, *totals])


@dataclass(frozen=True)
class Strip:
    """Each category's acknowledgement times (minutes), to draw as dots on one axis."""

    rows: tuple[tuple[str, tuple[float, ...], float], ...]  # label, times, median
    top: float


def _days(today: date) -> list[date]:
    return [date.fromordinal(today.toordinal() - n) for n in range(DAYS - 1, -1, -1)]


def per_day(entries: Sequence[LogEntry], *, key: str, kind: str, today: date) -> Columns:
    days = _days(today)
    counts: dict[str, Counter[date]] = defaultdict(Counter)
    for e in entries:
        if e.kind == kind:
            counts[e.fields.get(key) or "-"][_day(e)] += 1
    series = tuple((name, tuple(c[d] for d in days)) for name, c in sorted(counts.items()))
    return Columns(labels=tuple(d.strftime("%m-%d") for d in days), series=series)


def unanswered_per_day(entries: Sequence[LogEntry], *, today: date) -> Columns:
    days = _days(today)
    c = Counter(_day(e) for e in entries if e.fields.get("state") == "unanswered")
    return Columns(
        labels=tuple(d.strftime("%m-%d") for d in days),
        series=(("unanswered", tuple(c[d] for d in days)),),
    )


def ack_times(entries: Sequence[LogEntry], labels: Mapping[str, str]) -> Strip:
    opened: dict[str, float] = {}
    times: dict[str, list[float]] = defaultdict(list)
    for e in entries:
        f = e.fields
        if e.kind != "transition":
            continue
        eid, at = f.get("escalation_id", ""), float(f.get("at", "0"))
        if f.get("state") == "open":
            opened.setdefault(eid, at)
        elif f.get("state") == "acknowledged" and eid in opened:
            times[f.get("category", "")].append((at - opened.pop(eid)) / 60)
    rows = tuple(
        (labels.get(cat, cat), tuple(sorted(ts)), statistics.median(ts))
        for cat, ts in sorted(times.items())
    )
    return Strip(rows=rows, top=max([1.0, *(t for _, ts, _ in rows for t in ts)]))
