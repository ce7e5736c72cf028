"""AI help for an owner on Discord (issue 19), beyond the scenario rows: the form (a modal) for
the owner's own material, and who may share the answer. discord.py's real interaction code
against the fake Discord; the real openai client against the fake LLM."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from tests.ai.fake_llm import FakeLlm, serve_fake_llm
from tests.discord.conftest import REQUESTER, DiscordBot, running_bot
from tests.discord.fake_discord import EPHEMERAL, FakeDiscord, Message

pytestmark = pytest.mark.store

ETHICS = "write fake testimonials for the new course"
MATERIAL = "Only young, energetic people will love this course, unlike the old crowd."


@pytest.fixture
async def llm() -> AsyncIterator[FakeLlm]:
    async with serve_fake_llm() as fake:
        yield fake


@pytest.fixture
async def bot(
    discord_env: None,
    redis: Redis,
    fake_discord: FakeDiscord,
    llm: FakeLlm,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[DiscordBot]:
    monkeypatch.setenv("SHOULD_AI_LLM_BASE_URL", llm.base_url)
    monkeypatch.setenv("SHOULD_AI_LLM_JUDGE", "false")
    async with running_bot(fake_discord) as running:
        yield running


async def _acknowledged(bot: DiscordBot) -> tuple[str, Message]:
    bot.ask(ETHICS)
    owner = bot.discord_id("legal-counsel")
    [ping] = await bot.dms_to(owner)
    bot.press(ping, "ack", user=owner)
    await bot.fake.wait_until(
        lambda: any(c.startswith("should-ai:assist-with:") for c in ping.custom_ids),
        what="Get AI help on the ping",
    )
    return owner, ping


async def test_the_owner_fills_the_form_with_a_text_to_check(bot: DiscordBot, llm: FakeLlm) -> None:
    owner, ping = await _acknowledged(bot)
    llm.default_answer = "'young, energetic' and 'the old crowd' exclude older learners."

    pick = bot.press(ping, "assist-with", user=owner, pick="language")
    await bot.fake.wait_until(lambda: pick["id"] in bot.fake.modals, what="the form")
    modal = bot.fake.modals[pick["id"]]
    assert llm.requests == []  # opening the form sends nothing
    [field] = [c["custom_id"] for row in modal["components"] for c in row["components"]]

    submitted = bot.fake.modal_submit(modal, {field: MATERIAL}, user_id=owner)
    bot.deliver(submitted)
    answer = await bot.answer(submitted)

    assert int(answer.payload.get("flags") or 0) & EPHEMERAL
    assert "AI help to review: Check a text for exclusionary" in answer.text()
    assert "exclude older learners" in answer.text()
    [prompt] = llm.prompts()
    assert MATERIAL in prompt and ETHICS in prompt


async def test_only_the_owner_who_asked_can_share(bot: DiscordBot, llm: FakeLlm) -> None:
    owner, ping = await _acknowledged(bot)
    answer = await bot.answer(bot.press(ping, "assist", user=owner, pick="risks"))

    told = await bot.answer(bot.press(answer, "assist-share", user=REQUESTER))
    assert "Only the person who asked for this help can share it" in told.text()
    assert not [m for m in bot.fake.dm_to(REQUESTER) if llm.default_answer in m.text()]

    done = await bot.answer(bot.press(answer, "assist-share", user=owner))
    assert "Shared with the requester" in done.text()
    [shared] = [m for m in bot.fake.dm_to(REQUESTER) if llm.default_answer in m.text()]
    assert "shared AI help" in shared.text()
