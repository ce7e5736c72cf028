"""Scheduling end to end: the request is read in the user's Slack time zone, shown back, and only
a Confirm (or "Schedule it" on a draft) calls chat.scheduleMessage on the fake Slack."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import redis.asyncio as aioredis

from handlers.common.ai_text import ai_text, need_text, outcome_text
from handlers.slack.ai_delivery import DRAFT_USE_ACTION
from tests.ai.conftest import AiRig, decision, start_rig
from tests.ai.fake_llm import FakeLlm
from tests.slack.slack_fake import FakeSlack

pytestmark = pytest.mark.store


def next_sunday_noon_utc() -> datetime:
    """A fixed "now" a few days ahead of the real clock (the fake Slack refuses past times)."""
    today = datetime.now(UTC).date()
    sunday = today + timedelta(days=(6 - today.weekday()) or 7)
    return datetime(sunday.year, sunday.month, sunday.day, 12, 0, tzinfo=UTC)


NOW = next_sunday_noon_utc()


def tuesday_after_now(hour: int, minute: int, tz: str) -> int:
    """Unix time of the Tuesday after NOW at hour:minute in ``tz`` (independent of the parser)."""
    tuesday = NOW.date() + timedelta(days=2)
    at = datetime(tuesday.year, tuesday.month, tuesday.day, hour, minute, tzinfo=ZoneInfo(tz))
    return int(at.timestamp())


async def _rig(
    redis: aioredis.Redis, redis_url: str, llm: FakeLlm | None, slack: FakeSlack
) -> AsyncIterator[AiRig]:
    slack.channels_by_name["marketing"] = "C0MARKETING"
    async for r in start_rig(
        redis=redis, redis_url=redis_url, llm=llm, slack=slack, clock=NOW.timestamp
    ):
        yield r


@pytest.fixture
async def srig(
    redis: aioredis.Redis, redis_url: str, fake_llm: FakeLlm, fake_slack: FakeSlack
) -> AsyncIterator[AiRig]:
    async for r in _rig(redis, redis_url, fake_llm, fake_slack):
        yield r


@pytest.fixture
async def srig_no_llm(
    redis: aioredis.Redis, redis_url: str, fake_slack: FakeSlack
) -> AsyncIterator[AiRig]:
    async for r in _rig(redis, redis_url, None, fake_slack):
        yield r


async def test_newsletter_teaser_is_drafted_then_scheduled_at_9am_for_the_user(
    srig: AiRig,
) -> None:
    srig.slack.user_tz[srig.actor.user_id] = "America/New_York"
    srig.llm.default_answer = "Tomorrow's newsletter: three subject lines that doubled our opens."
    text = "Schedule the newsletter teaser for Tuesday 9am in #marketing"

    outcome = await srig.ai.handle(
        actor=srig.actor,
        text=text,
        decision=decision(category="scheduling"),
        reply_to=srig.reply_to(),
    )
    assert outcome.kind == "drafting"
    said = outcome_text(outcome)
    assert "#marketing" in said and "at 09:00 (America/New_York)" in said
    assert srig.slack.of("chat.scheduleMessage") == []  # nothing before the user says yes

    [card] = await srig.slack.wait_calls("response_url")
    assert "Schedule it" in card.blocks_text() and DRAFT_USE_ACTION in card.action_ids()
    draft_id = card.blocks()[-1]["elements"][0]["value"]
    draft, note = await srig.ai.use_draft(draft_id=draft_id, actor=srig.actor)
    message = ai_text(note)
    assert draft is not None and draft.state == "used"

    [scheduled] = srig.slack.of("chat.scheduleMessage")
    assert int(scheduled.args["post_at"]) == tuesday_after_now(9, 0, "America/New_York")
    assert scheduled.args["channel"] == "#marketing"
    assert scheduled.args["text"] == srig.llm.default_answer
    assert message.startswith("Scheduled for #marketing")


async def test_french_mardi_9h_in_paris(srig_no_llm: AiRig) -> None:
    rig = srig_no_llm
    rig.slack.user_tz[rig.actor.user_id] = "Europe/Paris"
    text = "Programme « La newsletter de décembre est en ligne ! » mardi 9h dans #marketing"
    outcome = await rig.ai.handle(
        actor=rig.actor,
        text=text,
        decision=decision(category="scheduling"),
        reply_to=rig.reply_to(),
    )
    assert outcome.kind == "confirm" and outcome.pending_id
    assert "09:00 (Europe/Paris)" in outcome_text(outcome)
    assert "La newsletter de décembre est en ligne !" in outcome_text(outcome)

    message = ai_text(await rig.ai.confirm_schedule(pending_id=outcome.pending_id, actor=rig.actor))
    [scheduled] = rig.slack.of("chat.scheduleMessage")
    assert int(scheduled.args["post_at"]) == tuesday_after_now(9, 0, "Europe/Paris")
    assert scheduled.args["text"] == "La newsletter de décembre est en ligne !"
    assert "Scheduled" in message


async def test_without_an_llm_a_quoted_text_is_still_scheduled_listed_and_cancelled(
    srig_no_llm: AiRig,
) -> None:
    rig = srig_no_llm
    rig.slack.user_tz[rig.actor.user_id] = "America/Los_Angeles"
    text = 'Schedule "Our December issue is out!" for Tuesday 10:30am in <#C0MARKETING|marketing>'
    outcome = await rig.ai.handle(
        actor=rig.actor,
        text=text,
        decision=decision(category="scheduling"),
        reply_to=rig.reply_to(),
    )
    assert outcome.kind == "confirm" and outcome.pending_id
    ai_text(await rig.ai.confirm_schedule(pending_id=outcome.pending_id, actor=rig.actor))
    again = ai_text(await rig.ai.confirm_schedule(pending_id=outcome.pending_id, actor=rig.actor))
    assert "expired" in again or "already" in again
    [scheduled] = rig.slack.of("chat.scheduleMessage")  # a double click schedules it once
    assert int(scheduled.args["post_at"]) == tuesday_after_now(10, 30, "America/Los_Angeles")

    [post] = await rig.ai.list_scheduled(actor=rig.actor)
    assert post.text == "Our December issue is out!" and post.channel_id == "C0MARKETING"
    message = ai_text(await rig.ai.cancel_scheduled(post_id=post.id, actor=rig.actor))
    assert message.startswith("Cancelled the post for C0MARKETING")
    [deleted] = rig.slack.of("chat.deleteScheduledMessage")
    assert deleted.args["scheduled_message_id"] == post.platform_ref
    assert await rig.ai.list_scheduled(actor=rig.actor) == []
    assert rig.slack.scheduled == {}


async def test_without_an_llm_or_quotes_the_bot_asks_for_the_text(srig_no_llm: AiRig) -> None:
    rig = srig_no_llm
    outcome = await rig.ai.handle(
        actor=rig.actor,
        text="Schedule the newsletter teaser for Tuesday 9am in #marketing",
        decision=decision(category="scheduling"),
        reply_to=rig.reply_to(),
    )
    assert (outcome.kind, outcome_text(outcome)) == ("question", need_text())


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ('Schedule "Hi" for yesterday 9am in #marketing', "already passed"),
        ('Schedule "Hi" for Tuesday in #marketing', "What time"),
        ('Schedule "Hi" for Tuesday 9am', "Which channel"),
    ],
)
async def test_unclear_requests_get_a_question_and_nothing_is_scheduled(
    srig_no_llm: AiRig, text: str, asks: str
) -> None:
    rig = srig_no_llm
    outcome = await rig.ai.handle(
        actor=rig.actor,
        text=text,
        decision=decision(category="scheduling"),
        reply_to=rig.reply_to(),
    )
    assert outcome.kind == "question" and asks in outcome_text(outcome)
    assert rig.slack.of("chat.scheduleMessage") == []


async def test_only_the_requester_can_confirm(srig_no_llm: AiRig) -> None:
    rig = srig_no_llm
    outcome = await rig.ai.handle(
        actor=rig.actor,
        text='Schedule "Hi" for Tuesday 9am in #marketing',
        decision=decision(category="scheduling"),
        reply_to=rig.reply_to(),
    )
    assert outcome.pending_id
    other = rig.actor.model_copy(update={"user_id": "U0OTHER"})
    message = ai_text(await rig.ai.confirm_schedule(pending_id=outcome.pending_id, actor=other))
    assert "Only the person who asked" in message
    assert rig.slack.of("chat.scheduleMessage") == []
