"""/should-ai on Discord: discord.py's real command tree and HTTP code against the fake API."""

from __future__ import annotations

import pytest

from tests.discord.conftest import REQUESTER, DiscordBot
from tests.discord.fake_discord import APP_ID, EPHEMERAL
from tests.scenarios import by_name

pytestmark = pytest.mark.store


async def test_start_syncs_the_should_ai_command_globally(discord_bot: DiscordBot) -> None:
    synced = discord_bot.fake.commands["global"]
    assert [c["name"] for c in synced] == ["should-ai"]
    option = synced[0]["options"][0]
    assert option["name"] == "request"
    assert option["required"] is True
    assert option["autocomplete"] is True


async def test_routine_request_answers_ephemerally_that_ai_can_do_it(
    discord_bot: DiscordBot,
) -> None:
    scenario = by_name("routine-scheduling")
    interaction = discord_bot.ask(scenario.text)
    answer = await discord_bot.answer(interaction)

    callback = discord_bot.fake.callbacks[interaction["id"]][0]
    assert callback["type"] == 5  # deferred ("thinking") first, within Discord's 3 seconds
    assert callback["data"]["flags"] & EPHEMERAL
    text = answer.text()
    assert "AI can do this" in text
    label = discord_bot.services.holder.policy.categories[scenario.category].label
    assert label in text
    assert not discord_bot.fake.dm_channels  # nobody is pinged for routine work
    assert await discord_bot.services.escalations.list_open() == []


async def test_crisis_request_dms_the_owner_with_three_buttons(discord_bot: DiscordBot) -> None:
    scenario = by_name("crisis-acknowledged")
    interaction = discord_bot.ask(scenario.text)

    answer = await discord_bot.answer(interaction)
    policy = discord_bot.services.holder.policy
    crisis = policy.categories["crisis"]
    owner = policy.people.people["comms-lead"]
    assert "A person must own this" in answer.text()
    assert owner.name in answer.text()
    assert crisis.why in answer.text()
    assert crisis.ai_may in answer.text()

    [dm] = await discord_bot.dms_to(discord_bot.discord_id("comms-lead"))
    escalation = await discord_bot.only_escalation()
    assert scenario.text in dm.text()
    assert dm.custom_ids == [
        f"should-ai:ack:{escalation.id}",
        f"should-ai:resolve:{escalation.id}",
        f"should-ai:nfm:{escalation.decision_id}:{escalation.id}",  # "Not for me" (issue 18)
        f"should-ai:reassign-to:{escalation.id}",
        f"should-ai:note:{escalation.id}",  # Note… and Snooze (issue 14)
        f"should-ai:snooze:{escalation.id}",
    ]
    card = await discord_bot.status_card(interaction, says="waiting")
    assert owner.name in card.text()
    assert card.payload["flags"] & EPHEMERAL
    assert escalation.status_ref is not None
    assert escalation.status_ref.application_id == str(APP_ID)
    assert escalation.requester == f"discord:{REQUESTER}"


async def test_should_ai_works_in_a_dm_with_the_bot(discord_bot: DiscordBot) -> None:
    interaction = discord_bot.fake.slash_in_dm(
        [{"name": "request", "type": 3, "value": by_name("crisis-acknowledged").text}],
        user_id=REQUESTER,
    )
    discord_bot.deliver(interaction)

    answer = await discord_bot.answer(interaction)
    assert "A person must own this" in answer.text()
    await discord_bot.dms_to(discord_bot.discord_id("comms-lead"))
    await discord_bot.status_card(interaction, says="waiting")
