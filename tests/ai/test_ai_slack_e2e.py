"""The whole bot as ``should-ai serve`` builds it, with an LLM configured: signed Slack requests in,
the real policy, intake, job worker and openai client, the fake Slack and the local LLM server out.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from redis.asyncio import Redis

from bot.app import Services, build_adapters, build_services
from bot.escalations.model import Actor
from bot.server import bound_port, start_http
from bot.settings import Settings
from handlers.slack.ai_delivery import (
    DRAFT_USE_ACTION,
    SCHEDULE_CONFIRM_ACTION,
    SCHEDULED_CANCEL_ACTION,
)
from tests.ai.fake_llm import FakeLlm
from tests.slack.slack_fake import Call, FakeSlack
from tests.slack.slack_signing import (
    block_action_payload,
    button_from,
    interaction_body,
    sign,
    slash_command_body,
)

pytestmark = pytest.mark.store

SECRET = "test-signing-secret-ai-0123456789"
USER = "U0MARKETER"
GUARD_ROUNDS = 3  # x the fake's own 10 s wait: a guard against a hang on a busy CI machine


async def until(slack: FakeSlack, condition: Callable[[], bool]) -> None:
    """Wait until ``condition()`` holds for what the fake Slack received (not a speed check)."""
    for _ in range(GUARD_ROUNDS - 1):
        with contextlib.suppress(TimeoutError):
            await slack.wait_for(lambda _: condition())
            return
    await slack.wait_for(lambda _: condition())


@dataclass
class Bot:
    url: str
    slack: FakeSlack
    llm: FakeLlm
    services: Services
    session: aiohttp.ClientSession

    async def _post(self, body: str) -> int:
        signed = sign(body, secret=SECRET)
        async with self.session.post(
            f"{self.url}/slack/events", data=signed.body, headers=signed.headers
        ) as resp:
            return resp.status

    async def command(self, text: str) -> int:
        return await self._post(
            slash_command_body(text=text, user_id=USER, response_url=self.slack.response_url("cmd"))
        )

    async def press(self, card: Call, action_id: str) -> int:
        payload = block_action_payload(
            user_id=USER,
            action=button_from(card.blocks(), action_id),
            channel_id="C0MARKETING",
            message_ts="1700000000.000001",
            response_url=self.slack.response_url("press"),
        )
        return await self._post(interaction_body(payload))

    async def answers(self, count: int) -> list[Call]:
        await until(self.slack, lambda: len(self.slack.of("response_url")) >= count)
        return self.slack.of("response_url")


@pytest.fixture
async def bot(
    monkeypatch: pytest.MonkeyPatch,
    redis: Redis,
    redis_url: str,
    fake_slack: FakeSlack,
    fake_llm: FakeLlm,
) -> AsyncIterator[Bot]:
    for name, value in {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SHOULD_AI_SLACK_API_URL": fake_slack.api_url,
        "SHOULD_AI_REDIS_URL": redis_url,
        "SHOULD_AI_HTTP_PORT": "0",
        "SHOULD_AI_LLM_BASE_URL": fake_llm.base_url,
        "SHOULD_AI_LLM_MODEL": "llama3.2",
    }.items():
        monkeypatch.setenv(name, value)
    unset = ("SLACK_APP_TOKEN", "DISCORD_TOKEN", "SHOULD_AI_LLM_API_KEY", "SHOULD_AI_POLICY_DIR")
    for name in unset:
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    async with build_services(settings) as services:
        build_adapters(services)
        runner = await start_http(services, port=0, host="127.0.0.1")
        worker = asyncio.create_task(services.jobs.run_worker())
        try:
            async with aiohttp.ClientSession() as session:
                url = f"http://127.0.0.1:{bound_port(runner)}"
                yield Bot(url, fake_slack, fake_llm, services, session)
        finally:
            await services.jobs.stop()
            worker.cancel()
            await runner.cleanup()
            await services.intake.aclose()


async def test_a_drafting_request_brings_a_draft_to_slack(bot: Bot) -> None:
    bot.llm.default_answer = "1. Spring into savings\n2. Fresh deals, fresh start\n3. 20% off"
    assert await bot.command("Draft three subject lines for the spring sale newsletter") == 200
    answers = await bot.answers(3)  # the verdict, the "drafting" note, the draft
    assert "AI can do this" in answers[0].blocks_text()
    [card] = [c for c in answers if DRAFT_USE_ACTION in c.action_ids()]
    assert "Fresh deals, fresh start" in card.blocks_text()
    assert bot.llm.prompts() == ["Draft three subject lines for the spring sale newsletter"]


async def test_a_crisis_request_never_reaches_the_llm(bot: Bot) -> None:
    text = "We have a product recall, draft the statement for the press"
    assert await bot.command(text) == 200
    [verdict] = await bot.answers(1)
    assert "A person must own this" in verdict.blocks_text()
    owner = bot.services.holder.policy.people.people["comms-lead"].slack
    await until(bot.slack, lambda: bool(bot.slack.dms_to(str(owner))))
    assert bot.llm.requests == []


def _zone_where_today_is_not_tuesday() -> str:
    for tz in ("America/New_York", "Asia/Tokyo"):  # 13-14 h apart: never both on a Tuesday
        if datetime.now(ZoneInfo(tz)).weekday() != 1:
            return tz
    raise AssertionError("unreachable")


def _next_tuesday_9am(tz: str) -> int:
    today = datetime.now(ZoneInfo(tz)).date()
    tuesday = today + timedelta(days=(1 - today.weekday()) % 7)
    at = datetime(tuesday.year, tuesday.month, tuesday.day, 9, tzinfo=ZoneInfo(tz))
    return int(at.timestamp())


async def test_schedule_the_newsletter_teaser_for_tuesday_9am(bot: Bot) -> None:
    tz = _zone_where_today_is_not_tuesday()
    bot.slack.user_tz[USER] = tz
    bot.slack.channels_by_name["marketing"] = "C0MARKETING"
    bot.llm.default_answer = "Our December newsletter lands tomorrow: three ideas worth stealing."
    assert await bot.command("Schedule the newsletter teaser for Tuesday 9am in #marketing") == 200
    answers = await bot.answers(3)
    assert any(f"at 09:00 ({tz})" in c.blocks_text() for c in answers)
    assert bot.slack.of("chat.scheduleMessage") == []
    [card] = [c for c in answers if DRAFT_USE_ACTION in c.action_ids()]

    assert await bot.press(card, DRAFT_USE_ACTION) == 200
    await until(bot.slack, lambda: any(c.args.get("name") == "press" for c in bot.slack.calls))
    [done] = [c for c in bot.slack.of("response_url") if c.args["name"] == "press"]
    assert "Scheduled for #marketing" in done.blocks_text()  # the card now says what happened
    [scheduled] = bot.slack.of("chat.scheduleMessage")
    assert int(scheduled.args["post_at"]) == _next_tuesday_9am(tz)
    assert scheduled.args["text"] == bot.llm.default_answer
    [post] = await bot.services.ai.list_scheduled(actor=Actor(platform="slack", user_id=USER))
    assert post.channel_id == "C0MARKETING"


async def test_a_quoted_post_is_confirmed_listed_and_cancelled(bot: Bot) -> None:
    bot.slack.user_tz[USER] = "Europe/Paris"
    bot.slack.channels_by_name["marketing"] = "C0MARKETING"
    text = "Programme « Le webinaire commence dans une heure ! » demain 14h dans #marketing"
    assert await bot.command(text) == 200
    answers = await bot.answers(2)  # the verdict, then what was understood with Confirm / Cancel
    [proposal] = [c for c in answers if SCHEDULE_CONFIRM_ACTION in c.action_ids()]
    assert "14:00 (Europe/Paris)" in proposal.blocks_text()
    assert bot.slack.of("chat.scheduleMessage") == []

    assert await bot.press(proposal, SCHEDULE_CONFIRM_ACTION) == 200
    await until(bot.slack, lambda: bool(bot.slack.of("chat.scheduleMessage")))
    [scheduled] = bot.slack.of("chat.scheduleMessage")
    assert scheduled.args["text"] == "Le webinaire commence dans une heure !"

    await until(bot.slack, lambda: len(bot.slack.of("response_url")) >= 3)
    assert await bot.command("scheduled") == 200
    await until(
        bot.slack, lambda: any(SCHEDULED_CANCEL_ACTION in c.action_ids() for c in bot.slack.calls)
    )
    listed = bot.slack.of("response_url")
    [listing] = [c for c in listed if SCHEDULED_CANCEL_ACTION in c.action_ids()]
    assert "Le webinaire commence" in listing.blocks_text()
    assert await bot.press(listing, SCHEDULED_CANCEL_ACTION) == 200
    await until(bot.slack, lambda: bool(bot.slack.of("chat.deleteScheduledMessage")))
    [deleted] = bot.slack.of("chat.deleteScheduledMessage")
    assert deleted.args["scheduled_message_id"] == scheduled.response["scheduled_message_id"]


async def test_a_data_request_is_answered_plainly_and_reaches_no_llm(bot: Bot) -> None:
    assert await bot.command("pull last month's open rates by segment and make a chart") == 200
    verdict, plain = await bot.answers(2)
    assert "AI can do this" in verdict.blocks_text()
    assert "No person needs to own this" in plain.blocks_text()
    assert "analytics" in plain.blocks_text()
    await asyncio.sleep(0.3)  # a draft job, had one been queued, would have asked by now
    assert bot.llm.requests == []


async def test_the_second_look_hands_an_ai_request_to_its_owner(bot: Bot) -> None:
    bot.llm.second_look_answer = (
        '{"needs_person": true, "category": "relationships", '
        '"reason": "It thanks our biggest partner by name."}'
    )
    assert await bot.command("Draft a thank-you email to the attendees of our webinar") == 200
    verdict, looked = await bot.answers(2)
    assert "AI can do this" in verdict.blocks_text()  # the ack comes first...
    assert "It thanks our biggest partner by name." in looked.blocks_text()  # ...then the look
    owner = bot.services.holder.policy.people.people["partnerships-lead"]
    assert owner.name in looked.blocks_text()
    await until(bot.slack, lambda: bool(bot.slack.dms_to(str(owner.slack))))
    assert bot.llm.prompts() == []  # nothing was drafted
    assert bot.llm.second_looks() == ["Draft a thank-you email to the attendees of our webinar"]
    [card, *_] = bot.slack.dms_to(USER)  # the requester's status card names the new owner
    assert "relationships request is with a person" in card.blocks_text()
    assert f"<@{owner.slack}>" in card.blocks_text()


async def test_a_malformed_second_look_escalates_to_the_fallback_owner(bot: Bot) -> None:
    bot.llm.second_look_answer = "I think this is fine!"
    assert await bot.command("Draft a thank-you email to the attendees of our webinar") == 200
    _, looked = await bot.answers(2)
    assert "To be safe, a person decides" in looked.blocks_text()
    owner = bot.services.holder.policy.people.people["marketing-lead"]
    await until(bot.slack, lambda: bool(bot.slack.dms_to(str(owner.slack))))
    assert bot.llm.prompts() == []


async def test_a_post_for_instagram_and_a_meeting_are_answered_plainly(bot: Bot) -> None:
    assert await bot.command("programme le post instagram pour mardi 9h") == 200
    assert await bot.command("book 30 min with the agency next week") == 200
    said = [c.blocks_text() for c in await bot.answers(4)]
    assert any("I can't post on Instagram" in s for s in said)
    assert any("I don't book meetings" in s for s in said)
    assert not any("Which channel" in s or "more than one time" in s for s in said)
    assert bot.slack.of("chat.scheduleMessage") == []
