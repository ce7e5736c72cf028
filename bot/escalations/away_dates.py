"""What follows ``/should-ai away``: "until friday", "until tomorrow", "until 2026-12-14",
"for 3 days", "off". Pure: the text, the person's time zone and now in, an instant (or None for
"off") out; :class:`AwayUsage` when it cannot be read."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.errors import ShouldAiError

_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_FOR = re.compile(r"for\s+(\d{1,3})\s*(day|days|d|week|weeks|w|hour|hours|h)")
MAX_AWAY_DAYS = 120


class AwayUsage(ShouldAiError):
    """The text after ``/should-ai away`` is not a date the bot can read."""


def is_away_command(rest: str) -> bool:
    """True when the words after "away" are an away date (else "away" starts a request)."""
    words = rest.strip().lower().split()
    return words == ["off"] or (bool(words) and words[0] in ("until", "for") and len(words) <= 4)


def away_until(text: str, *, tz: ZoneInfo, now: float) -> float | None:
    """The instant the person is back, or None for "off" (back now)."""
    words = " ".join(text.lower().split())
    if words == "off":
        return None
    local = datetime.fromtimestamp(now, tz)
    if match := _FOR.fullmatch(words):
        n, unit = int(match[1]), match[2][0]
        delta = {"d": timedelta(days=n), "w": timedelta(weeks=n), "h": timedelta(hours=n)}[unit]
        return _bounded((local + delta).timestamp(), now)
    day = _day(words.removeprefix("until ").strip(), local.date())
    return _bounded(datetime.combine(day, time(0, 0), tzinfo=tz).timestamp(), now)


def _day(word: str, today: date) -> date:
    if word == "tomorrow":
        return today + timedelta(days=1)
    if word.removeprefix("next ") in _DAYS:
        wanted = _DAYS.index(word.removeprefix("next "))
        return today + timedelta(days=(wanted - today.weekday() - 1) % 7 + 1)
    try:
        return date.fromisoformat(word)
    except ValueError:
        raise AwayUsage(f"cannot read {word!r} as a day") from None


def _bounded(until: float, now: float) -> float:
    if until <= now or until > now + MAX_AWAY_DAYS * 86400:
        raise AwayUsage(f"an away date must be in the next {MAX_AWAY_DAYS} days")
    return until
