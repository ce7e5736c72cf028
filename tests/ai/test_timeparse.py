"""English and French scheduling requests, read in the requester's time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.ai.timeparse import parse_schedule
from handlers.common.ai_text import ai_text
from handlers.slack.ai_scheduler import channel_mention

# Sunday 29 November 2026, 04:00 UTC: Saturday evening in Los Angeles, early Sunday in Paris.
NOW = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)
DAYS_120 = 120 * 86400


def parse(text: str, tz: str | None = "America/Los_Angeles"):  # type: ignore[no-untyped-def]
    """As a request typed in Slack is read (Slack's channel mentions included)."""
    return parse_schedule(
        text,
        tz=tz,
        default_tz="UTC",
        now=NOW,
        max_ahead_s=DAYS_120,
        mentions=channel_mention,
    )


def local(at: datetime | None, tz: str) -> tuple[int, int, int, int, int]:
    assert at is not None
    t = at.astimezone(ZoneInfo(tz))
    return (t.year, t.month, t.day, t.hour, t.minute)


def test_the_newsletter_teaser_goes_to_tuesday_9am_in_the_users_zone() -> None:
    got = parse("Schedule the newsletter teaser for Tuesday 9am in #marketing")
    assert got.question is None
    assert got.channel == "#marketing"
    assert local(got.at, "America/Los_Angeles") == (2026, 12, 1, 9, 0)
    assert got.at is not None
    assert got.at.timestamp() == datetime(2026, 12, 1, 17, 0, tzinfo=UTC).timestamp()


def test_the_same_words_mean_another_instant_in_paris() -> None:
    got = parse("Schedule the newsletter teaser for Tuesday 9am in #marketing", "Europe/Paris")
    assert got.at is not None
    assert got.at.timestamp() == datetime(2026, 12, 1, 8, 0, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Programme le teaser mardi 9h dans #marketing", (2026, 12, 1, 9, 0)),
        ("publie ça mardi à 9h30 sur #marketing", (2026, 12, 1, 9, 30)),
        ("demain 14h dans #general", (2026, 11, 30, 14, 0)),
        ("le 5 décembre à 10h dans #general", (2026, 12, 5, 10, 0)),
    ],
)
def test_french_times(text: str, expected: tuple[int, int, int, int, int]) -> None:
    got = parse(text, "Europe/Paris")
    assert got.question is None, got.question
    assert local(got.at, "Europe/Paris") == expected


def test_quoted_text_and_slack_channel_mentions_are_picked_out() -> None:
    got = parse('Schedule "Our December issue is out!" for Dec 5 at 10:00 in <#C0MKT|marketing>')
    assert got.text == "Our December issue is out!"
    assert got.channel == "C0MKT"
    assert local(got.at, "America/Los_Angeles") == (2026, 12, 5, 10, 0)


def test_french_guillemets() -> None:
    got = parse("Programme « Nouveau numéro ! » mardi 9h dans #marketing", "Europe/Paris")
    assert got.text == "Nouveau numéro !"


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("Schedule the teaser for Tuesday in #marketing", "What time"),
        ("Schedule the teaser yesterday at 9am in #marketing", "already passed"),
        ("Schedule the teaser on 03/04 at 9am in #marketing", "two different dates"),
        ("Schedule the teaser in #marketing", "When should it go out"),
        ("Schedule the teaser on 5 December 2027 at 9am in #marketing", "too far ahead"),
        ("programme le teaser mardi dans #marketing", "What time"),
    ],
)
def test_unclear_times_get_a_question_not_a_guess(text: str, asks: str) -> None:
    got = parse(text)
    assert got.at is None
    assert got.question is not None and asks in ai_text(got.question)


def test_an_unknown_zone_falls_back_to_the_default() -> None:
    got = parse_schedule(
        "Tuesday 9am in #x",
        tz="Mars/Olympus",
        default_tz="Europe/Paris",
        now=NOW,
        max_ahead_s=DAYS_120,
    )
    assert got.tz == "Europe/Paris"
    assert local(got.at, "Europe/Paris") == (2026, 12, 1, 9, 0)


def test_the_weekday_of_today_is_a_question_not_next_week() -> None:
    tuesday_7am_la = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    got = parse_schedule(
        "Schedule the teaser for Tuesday 9am in #marketing",
        tz="America/Los_Angeles",
        default_tz="UTC",
        now=tuesday_7am_la,
        max_ahead_s=DAYS_120,
    )
    assert got.at is None and got.question is not None
    assert "Today at 09:00, or Tuesday 8 December?" in ai_text(got.question)
    later = parse_schedule(
        "Schedule the teaser for next Tuesday 9am in #marketing",
        tz="America/Los_Angeles",
        default_tz="UTC",
        now=tuesday_7am_la,
        max_ahead_s=DAYS_120,
    )
    assert later.question is None and local(later.at, "America/Los_Angeles") == (2026, 12, 8, 9, 0)


@pytest.mark.parametrize(
    ("text", "channel"),
    [
        ("Schedule a post about #BlackFriday deals for Friday 6am in #social", "#social"),
        ("Programme le post #SoldesHiver vendredi 6h dans #social", "#social"),
        ("Schedule the #BlackFriday teaser Friday 6am <#C0SOCIAL|social>", "C0SOCIAL"),
        ("Schedule the teaser Friday 6am #social", "#social"),
        ("Schedule the #BlackFriday teaser Friday 6am #social", None),
    ],
)
def test_hashtags_are_not_taken_for_the_channel(text: str, channel: str | None) -> None:
    assert parse(text).channel == channel
