"""Reads a scheduling request in English or French, offline (dateparser), in the user's zone.

"Schedule the newsletter teaser for Tuesday 9am in #marketing" or "Programme « Nouveau
numéro ! » mardi 9h dans #marketing" becomes a channel, an optional text the user wrote in
quotes, and a moment. Anything unclear — no time, a time already past, two dates, 03/04 that
could be March or April — becomes a question for the user (an :class:`~bot.ai.notes.AiNote`
the adapters word), never a guess. A channel mention in a
platform's markup (Slack's ``<#C123|name>``) is found by that platform's adapter; this module
takes the channel it resolves to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateparser.search import search_dates

from bot.ai.model import ChannelMention, MentionReader
from bot.ai.notes import AiNote

_QUOTED = re.compile(r'"([^"]+)"|“([^”]+)”|«\s*([^»]+?)\s*»|\u2018([^\u2019]+)\u2019')
_TO = r"\b(?:in|to|on|into|dans|sur|en)\s+"
_CHANNEL = re.compile(rf"(?P<to>{_TO})?#(?P<name>[\w.-]+)", re.IGNORECASE)
_TO_BEFORE = re.compile(rf"{_TO}$", re.IGNORECASE)
# French writes 9h, 9h30, 14 h 15; dateparser reads "14h" as a duration, so write it 14:15.
_FRENCH_HOUR = re.compile(r"\b(\d{1,2})\s?h\s?(\d{2})?\b", re.IGNORECASE)
_HAS_TIME = re.compile(
    r"\d{1,2}:\d{2}|\d\s*(?:am|pm|a\.m\.|p\.m\.)|\b(?:noon|midnight|midi|minuit)\b"
    r"|\b(?:in|dans)\s+\d+\s*(?:min|minute|minutes|hour|hours|heure|heures)\b",
    re.IGNORECASE,
)
_WEEKDAY = re.compile(
    r"\b(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\b"
    r"|\b(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\b",
    re.IGNORECASE,
)
_NEXT = re.compile(r"\b(?:next|prochaine?)\b", re.IGNORECASE)
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})\b")


@dataclass(frozen=True)
class ScheduleRequest:
    """What the text asks for; ``question`` is set when the bot must ask instead of guessing."""

    channel: str | None
    text: str | None  # what the user wrote in quotes, if anything
    at: datetime | None
    tz: str
    question: AiNote | None = None


def zone(name: str | None, default: str) -> tuple[ZoneInfo, str]:
    """The zone called ``name``, or ``default`` when it is missing or unknown."""
    for candidate in (name, default, "UTC"):
        if candidate:
            try:
                return ZoneInfo(candidate), candidate
            except (ZoneInfoNotFoundError, ValueError):
                continue
    raise AssertionError("UTC is always available")  # pragma: no cover


def no_mentions(text: str) -> ChannelMention | None:
    """For a platform whose requests carry no channel mentions (the console)."""
    return None


def parse_schedule(
    text: str,
    *,
    tz: str | None,
    default_tz: str,
    now: datetime,
    max_ahead_s: int,
    mentions: MentionReader = no_mentions,
) -> ScheduleRequest:
    """Read channel, quoted text and time from ``text``; ``now`` must be timezone-aware.

    ``mentions`` finds a channel mention in the platform's own markup (the adapter's
    :meth:`~bot.ai.model.PostScheduler.channel_mention`); a plain ``#name`` is read here.
    """
    info, tz_name = zone(tz, default_tz)
    quoted, rest = _take_quoted(text)
    channel, rest = _take_channel(rest, mentions)
    found = _search(rest, info, tz_name, now)
    question = _question_for(found, now=now, max_ahead_s=max_ahead_s, tz=tz_name)
    at = found[0][1] if question is None and found else None
    return ScheduleRequest(channel=channel, text=quoted, at=at, tz=tz_name, question=question)


def _take_quoted(text: str) -> tuple[str | None, str]:
    match = _QUOTED.search(text)
    if match is None:
        return None, text
    quoted = next(g for g in match.groups() if g is not None).strip()
    return quoted or None, text[: match.start()] + " " + text[match.end() :]


def _take_channel(text: str, mentions: MentionReader) -> tuple[str | None, str]:
    """The channel the post goes to, and the text without it (and the "in" before it).

    Marketers write hashtags ("a post about #BlackFriday in #social"): a channel mention in the
    platform's markup wins, then a "#name" after in/to/dans/sur; a lone "#name" is taken as the
    channel; several bare ones are a question (None), not a guess.
    """
    mention = mentions(text)
    if mention is not None:
        before = _TO_BEFORE.search(text, 0, mention.start)
        start = before.start() if before is not None else mention.start
        return mention.channel, text[:start] + " " + text[mention.end :]
    matches = list(_CHANNEL.finditer(text))
    chosen = [m for m in matches if m.group("to")] or (matches if len(matches) == 1 else [])
    if not chosen:
        return None, text
    match = chosen[-1]
    return "#" + match.group("name"), text[: match.start()] + " " + text[match.end() :]


def _search(text: str, info: ZoneInfo, tz_name: str, now: datetime) -> list[tuple[str, datetime]]:
    text = _FRENCH_HOUR.sub(lambda m: f"{m.group(1)}:{m.group(2) or '00'}", text)
    settings: dict[str, Any] = {
        "TIMEZONE": tz_name,
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": now.astimezone(info).replace(tzinfo=None),
    }
    found = search_dates(text, languages=["en", "fr"], settings=settings)
    return [(phrase, at.astimezone(info)) for phrase, at in found or []]


def _question_for(
    found: list[tuple[str, datetime]], *, now: datetime, max_ahead_s: int, tz: str
) -> AiNote | None:
    if not found:
        return AiNote(kind="ask_when")
    if len(found) > 1:
        return AiNote(kind="ask_which_time", phrases=tuple(p.strip() for p, _ in found))
    phrase, at = found[0]
    return _ambiguity(phrase, at, now) or _out_of_range(at, now, max_ahead_s, tz)


def _ambiguity(phrase: str, at: datetime, now: datetime) -> AiNote | None:
    if not _HAS_TIME.search(phrase):
        return AiNote(kind="ask_time_of_day", at=at)
    today = now.astimezone(at.tzinfo).date()
    weekday_only = _WEEKDAY.search(phrase) and not _NEXT.search(phrase)
    if weekday_only and (at.date() - today).days == 7:
        return AiNote(kind="ask_today_or_next", at=at)
    numeric = _NUMERIC_DATE.search(phrase)
    if numeric and numeric.group(1) != numeric.group(2) and max(map(int, numeric.groups())) <= 12:
        return AiNote(kind="ask_month", detail=numeric.group(0))
    return None


def _out_of_range(at: datetime, now: datetime, max_ahead_s: int, tz: str) -> AiNote | None:
    if at <= now:
        return AiNote(kind="ask_past", at=at, tz=tz)
    if (at - now).total_seconds() > max_ahead_s:
        return AiNote(kind="ask_too_far", at=at, tz=tz, days=max_ahead_s // 86400)
    return None
