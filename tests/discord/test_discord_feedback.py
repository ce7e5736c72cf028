""" "Wrong call?" under a verdict, over discord.py's real interaction code: the select lists the
policy's categories, the pick is stored with the decision and the presser told."""

from __future__ import annotations

import pytest

from tests.discord.conftest import REQUESTER, STRANGER, DiscordBot
from tests.discord.feedback_driver import correct

pytestmark = pytest.mark.store

SUBJECT_LINES = "Write 5 subject lines for the spring sale email"


async def test_the_requester_says_wrong_call_and_it_is_stored(discord_bot: DiscordBot) -> None:
    answer = await discord_bot.answer(discord_bot.ask(SUBJECT_LINES))
    assert any(c.startswith("should-ai:fb:wrong:") for c in answer.custom_ids)

    told = await correct(discord_bot, answer, user=REQUESTER, category="creative")

    assert "feedback F1 recorded" in told.text()
    assert told.custom_ids == ["should-ai:fbkeep:F1"]  # the select is gone; consent is asked
    assert discord_bot.services.feedback is not None
    [stored] = await discord_bot.services.feedback.list()
    assert (stored.route, stored.category, stored.role) == ("human", "creative", "requester")
    assert stored.by == f"discord:{REQUESTER}"


async def test_a_stranger_cannot_correct_someone_elses_call(discord_bot: DiscordBot) -> None:
    answer = await discord_bot.answer(discord_bot.ask(SUBJECT_LINES))
    told = await correct(discord_bot, answer, user=STRANGER, category="creative")

    assert "Only the requester" in told.text()
    assert discord_bot.services.feedback is not None
    assert await discord_bot.services.feedback.list() == []


async def test_the_owner_says_not_for_me_on_a_ping(discord_bot: DiscordBot) -> None:
    discord_bot.ask("write the press statement about the product recall")
    owner = discord_bot.discord_id("comms-lead")
    [ping] = await discord_bot.dms_to(owner)

    told = await correct(discord_bot, ping, user=owner, category="ethics", button="nfm")

    assert "feedback F1 recorded" in told.text()
    assert discord_bot.services.feedback is not None
    [stored] = await discord_bot.services.feedback.list()
    assert (stored.kind, stored.role, stored.category) == ("not_for_me", "owner", "ethics")


async def test_the_requester_consents_to_keep_their_words(discord_bot: DiscordBot) -> None:
    answer = await discord_bot.answer(discord_bot.ask(SUBJECT_LINES))
    told = await correct(discord_bot, answer, user=REQUESTER, category="creative")
    assert discord_bot.services.feedback is not None
    [masked] = await discord_bot.services.feedback.list()
    assert masked.text.startswith("[masked:")

    discord_bot.press(told, "fbkeep", user=REQUESTER)
    await discord_bot.fake.wait_until(lambda: "words are kept" in told.text(), what="consent")

    [kept] = await discord_bot.services.feedback.list()
    assert kept.text == SUBJECT_LINES and kept.text_kept
    assert told.custom_ids == []
