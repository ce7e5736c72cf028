"""AI work on Discord: a routine request is drafted by the LLM (a local OpenAI-compatible fake)
and its draft reaches the requester with Use it / Regenerate / Discard; a post is proposed,
confirmed, listed and cancelled with buttons; and the timer job posts in the channel."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.ai.timer_scheduler import POST_JOB
from bot.escalations.model import Actor
from tests.ai.fake_llm import FakeLlm, serve_fake_llm
from tests.discord.conftest import REQUESTER, STRANGER, DiscordBot, running_bot
from tests.discord.fake_discord import EPHEMERAL, FakeDiscord, Json, Message
from tests.scenarios import by_name

pytestmark = pytest.mark.store

POST_CHANNEL = "300000000000000077"


@pytest.fixture
async def fake_llm(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeLlm]:
    async with serve_fake_llm(FakeLlm(default_answer="Spring into savings: 20% off.")) as fake:
        monkeypatch.setenv("SHOULD_AI_LLM_BASE_URL", fake.base_url)
        monkeypatch.setenv("SHOULD_AI_LLM_API_KEY", "test-key")
        yield fake


@pytest.fixture
async def ai_bot(
    discord_env: None, fake_llm: FakeLlm, redis: Redis, fake_discord: FakeDiscord
) -> AsyncIterator[DiscordBot]:
    async with running_bot(fake_discord) as bot:
        worker = asyncio.create_task(bot.services.jobs.run_worker())
        try:
            yield bot
        finally:
            await bot.services.jobs.stop()
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)


async def _followup(bot: DiscordBot, interaction: Json, *, says: str) -> Message:
    token = interaction["token"]

    def found() -> Message | None:
        return next(
            (m for m in bot.fake.followups.get(token, []) if says.lower() in m.text().lower()),
            None,
        )

    await bot.fake.wait_until(lambda: found() is not None, what=f"a follow-up saying {says!r}")
    message = found()
    assert message is not None
    return message


async def test_routine_request_is_drafted_and_the_draft_can_be_used(
    ai_bot: DiscordBot, fake_llm: FakeLlm
) -> None:
    scenario = by_name("routine-drafting")
    interaction = ai_bot.ask(scenario.text)

    answer = await ai_bot.answer(interaction)
    assert "AI can do this" in answer.text()
    await _followup(ai_bot, interaction, says="drafting it now")
    draft = await _followup(ai_bot, interaction, says="Spring into savings")
    assert draft.payload["flags"] & EPHEMERAL
    assert [c.split(":")[2] for c in draft.custom_ids] == ["use", "again", "discard"]
    assert any(scenario.text in p for p in fake_llm.prompts())

    ai_bot.press(draft, "use", user=REQUESTER)

    await ai_bot.fake.wait_until(
        lambda: "ready to paste" in draft.text() and not draft.custom_ids,
        what="the draft card turned into the final text",
    )
    assert "Spring into savings" in draft.text()


async def test_someone_else_cannot_use_the_draft(ai_bot: DiscordBot) -> None:
    interaction = ai_bot.ask(by_name("routine-drafting").text)
    draft = await _followup(ai_bot, interaction, says="Spring into savings")

    press = ai_bot.press(draft, "use", user=STRANGER)

    token = press["token"]
    await ai_bot.fake.wait_until(
        lambda: bool(ai_bot.fake.followups.get(token)), what="a refusal to the stranger"
    )
    [refusal] = ai_bot.fake.followups[token]
    assert "Only the person who asked" in refusal.text()
    assert len(draft.custom_ids) == 3  # the requester's buttons are still there


async def test_a_post_is_proposed_confirmed_listed_cancelled(ai_bot: DiscordBot) -> None:
    text = f'schedule "Our December issue is out!" tomorrow 9am in <#{POST_CHANNEL}>'
    interaction = ai_bot.ask(text)

    proposal = await _followup(ai_bot, interaction, says="Schedule this")
    assert [c.split(":")[2] for c in proposal.custom_ids] == ["confirm", "cancel"]
    ai_bot.press(proposal, "confirm", user=REQUESTER)
    await ai_bot.fake.wait_until(
        lambda: "Scheduled for" in proposal.text(), what="the proposal turned into 'Scheduled'"
    )

    listing = ai_bot.ask("scheduled")
    answer = await ai_bot.answer(listing)
    assert "Our December issue is out!" in answer.text()
    [cancel_id] = answer.custom_ids
    press = ai_bot.press(answer, "unschedule", user=REQUESTER)
    await ai_bot.fake.wait_until(
        lambda: any("Cancelled" in m.text() for m in ai_bot.fake.followups.get(press["token"], [])),
        what="the cancellation notice",
    )
    assert cancel_id.startswith("should-ai:ai:unschedule:")
    assert await ai_bot.services.ai.list_scheduled(actor=_requester()) == []


async def test_the_timer_job_posts_in_the_channel(ai_bot: DiscordBot) -> None:
    text = f'schedule "Doors open at 9!" tomorrow 9am in <#{POST_CHANNEL}>'
    interaction = ai_bot.ask(text)
    proposal = await _followup(ai_bot, interaction, says="Schedule this")
    ai_bot.press(proposal, "confirm", user=REQUESTER)
    await ai_bot.fake.wait_until(lambda: "Scheduled for" in proposal.text(), what="scheduled")
    [post] = await ai_bot.services.ai.list_scheduled(actor=_requester())

    # What the queue does when the time comes: run the job now rather than wait for tomorrow.
    await ai_bot.services.jobs.enqueue(POST_JOB, job_id=f"now-{post.id}", post_id=post.id)

    [posted] = await ai_bot.posts_in(POST_CHANNEL)
    assert posted.payload["content"] == "Doors open at 9!"


def _requester() -> Actor:
    return Actor(platform="discord", user_id=REQUESTER)


async def test_the_second_look_hands_an_ai_request_to_a_person_on_discord(
    ai_bot: DiscordBot, fake_llm: FakeLlm
) -> None:
    fake_llm.second_look_answer = (
        '{"needs_person": true, "category": "relationships", '
        '"reason": "It thanks our biggest partner by name."}'
    )
    interaction = ai_bot.ask("Draft a thank-you email to the attendees of our webinar")

    answer = await ai_bot.answer(interaction)
    assert "AI can do this" in answer.text()
    looked = await _followup(ai_bot, interaction, says="It thanks our biggest partner")
    assert "On a second look" in looked.text()
    assert fake_llm.prompts() == []  # nothing was drafted


async def test_a_data_request_is_answered_plainly_and_reaches_no_llm_on_discord(
    ai_bot: DiscordBot, fake_llm: FakeLlm
) -> None:
    interaction = ai_bot.ask(by_name("routine-data").text)

    answer = await ai_bot.answer(interaction)
    assert "AI can do this" in answer.text()
    plain = await _followup(ai_bot, interaction, says="No person needs to own this")
    assert "analytics" in plain.text()
    assert fake_llm.requests == []
