"""Discord users read should-ai in their client's language: the command's description, and the
answer to a request (the interaction's ``locale``), whatever the request's own language."""

from __future__ import annotations

import pytest

from tests.discord.conftest import DiscordBot
from tests.scenarios import by_name

pytestmark = pytest.mark.store


async def test_the_command_is_described_in_french_to_french_discord_clients(
    discord_bot: DiscordBot,
) -> None:
    [command] = discord_bot.fake.commands["global"]
    assert command["description"] == "Ask whether AI may do this, or which person must own it"
    assert command["description_localizations"]["fr"] == (
        "Demande si l\u2019IA peut s\u2019en charger, ou quelle personne doit la prendre"
    )
    option = command["options"][0]
    assert option["description_localizations"]["fr"].startswith("Ce que tu veux faire")


async def test_a_french_client_gets_french_for_an_english_request(discord_bot: DiscordBot) -> None:
    discord_bot.fake.locale = "fr"
    scenario = by_name("crisis-acknowledged")
    answer = await discord_bot.answer(discord_bot.ask(scenario.text))
    text = answer.text()
    assert "Une personne doit s\u2019en charger" in text
    assert "Crise" in text and "Pourquoi" in text
    assert "A person must own this" not in text


async def test_an_english_client_gets_english_for_a_french_request(discord_bot: DiscordBot) -> None:
    scenario = by_name("routine-scheduling-fr")  # "Programme le post LinkedIn pour lundi 8h"
    answer = await discord_bot.answer(discord_bot.ask(scenario.text))
    assert "AI can do this" in answer.text()
