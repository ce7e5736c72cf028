"""Who can be asked now (issue 14): people away (``away_until`` in people.yaml, or set from
chat with ``/should-ai away until friday``) and people off their working hours.

Pure functions of a person, the time and an away date set from chat. What the climb does with
the answer depends on the category's urgency (``bot.policy.model.Urgency``): high skips anyone
away or off hours; normal skips people away; low waits for the owner's working hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from bot.policy.model import Person, Urgency, parse_days

AbsenceKind = Literal["away", "off_hours"]


@dataclass(frozen=True)
class Absence:
    """Why a person cannot be asked now, and until when (epoch seconds)."""

    kind: AbsenceKind
    until: float


class AwayLookup(Protocol):
    """Away dates set from chat (``/should-ai away``), by person key (``bot.store.away``)."""

    async def away_until(self, person_key: str) -> float | None: ...


def zone(person: Person | None) -> ZoneInfo:
    return ZoneInfo(person.zone) if person and person.zone else ZoneInfo("UTC")


def away_until(person: Person | None, *, chat_until: float | None = None) -> float | None:
    """When the person is back: the later of people.yaml's ``away_until`` and the chat's."""
    found = [chat_until] if chat_until else []
    if person is not None and person.away_until is not None:
        found.append(_instant(person.away_until, zone(person)))
    return max(found) if found else None


def absence(
    person: Person | None, *, now: float, chat_until: float | None = None
) -> Absence | None:
    """Away (first), or off hours; None when the person can be asked now."""
    back = away_until(person, chat_until=chat_until)
    if back is not None and back > now:
        return Absence(kind="away", until=back)
    if person is not None and person.working_hours and not in_hours(person, now):
        return Absence(kind="off_hours", until=next_start(person, now))
    return None


def skips(urgency: Urgency, found: Absence | None) -> bool:
    """Whether the climb passes over a person with ``found`` absence, for this urgency."""
    if found is None:
        return False
    return found.kind == "away" or urgency == "high"


def in_hours(person: Person, now: float) -> bool:
    start, end = _hours(person)
    local = datetime.fromtimestamp(now, zone(person))
    if local.weekday() not in parse_days(person.working_days):
        return False
    return start <= local.time() < end


def next_start(person: Person, now: float) -> float:
    """The next start of the person's working hours after ``now`` (within two weeks)."""
    start, _ = _hours(person)
    tz = zone(person)
    days = parse_days(person.working_days)
    local = datetime.fromtimestamp(now, tz)
    for ahead in range(15):
        day = (local + timedelta(days=ahead)).date()
        at = datetime.combine(day, start, tzinfo=tz)
        if day.weekday() in days and at.timestamp() > now:
            return at.timestamp()
    return now


def _hours(person: Person) -> tuple[time, time]:
    text = (person.working_hours or "00:00-24:00").replace(" ", "")
    first, last = text.split("-")
    end = time(23, 59, 59) if last == "24:00" else time.fromisoformat(last)
    return time.fromisoformat(first), end


def _instant(value: datetime | date, tz: ZoneInfo) -> float:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=tz)).timestamp()
    return datetime.combine(value, time(0, 0), tzinfo=tz).timestamp()


def iso(at: float, person: Person | None) -> str:
    """``at`` in the person's zone, for the history ("2026-12-11 00:00 Europe/Paris")."""
    tz = zone(person)
    return f"{datetime.fromtimestamp(at, tz):%Y-%m-%d %H:%M} {tz.key}"
