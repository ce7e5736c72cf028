"""Note…, Snooze and Withdraw on Discord (issue 14): a button opens a modal (an interaction
callback of type 9), its submission moves the escalation, and the requester's status card
carries a Withdraw button."""

from __future__ import annotations

import pytest

from tests.discord.conftest import REQUESTER, DiscordBot
from tests.discord.fake_discord import Message, modal_submit
from tests.scenarios import by_name

pytestmark = pytest.mark.store

CRISIS = by_name("crisis-acknowledged").text
MODAL = 9  # the interaction callback that opens a modal


async def pinged(discord_bot: DiscordBot) -> tuple[Message, str, str]:
    interaction = discord_bot.ask(CRISIS)
    await discord_bot.status_card(interaction, says="waiting")
    owner = discord_bot.discord_id("comms-lead")
    [dm] = await discord_bot.dms_to(owner)
    return dm, owner, (await discord_bot.only_escalation()).id


async def open_modal(discord_bot: DiscordBot, dm: Message, op: str, *, user: str) -> str:
    pressed = discord_bot.press(dm, op, user=user)
    await discord_bot.fake.wait_until(
        lambda: pressed["id"] in discord_bot.fake.callbacks, what="the modal"
    )
    [callback] = discord_bot.fake.callbacks[pressed["id"]]
    assert callback["type"] == MODAL
    return str(callback["data"]["custom_id"])


async def test_resolve_with_a_note_and_an_outcome_through_the_modal(
    discord_bot: DiscordBot,
) -> None:
    dm, owner, escalation_id = await pinged(discord_bot)

    modal = await open_modal(discord_bot, dm, "note", user=owner)
    values = {"note": "Legal signed off", "outcome": "statement published"}
    discord_bot.deliver(modal_submit(discord_bot.fake, dm, modal, user_id=owner, values=values))

    await discord_bot.fake.wait_until(
        lambda: any("statement published" in m.text() for m in _cards(discord_bot)),
        what="the card to show the outcome",
    )
    stored = await discord_bot.services.escalations.get(escalation_id)
    assert stored is not None and stored.state == "resolved"
    assert (stored.history[-1].comment, stored.history[-1].outcome) == (
        "Legal signed off",
        "statement published",
    )


async def test_snooze_through_the_modal(discord_bot: DiscordBot) -> None:
    dm, owner, escalation_id = await pinged(discord_bot)

    modal = await open_modal(discord_bot, dm, "snooze", user=owner)
    discord_bot.deliver(
        modal_submit(discord_bot.fake, dm, modal, user_id=owner, values={"minutes": "45"})
    )

    await discord_bot.fake.wait_until(
        lambda: any("Snoozed by" in m.text() for m in _cards(discord_bot)), what="snoozed"
    )
    stored = await discord_bot.services.escalations.get(escalation_id)
    assert stored is not None and stored.state == "snoozed"


async def test_the_requester_withdraws_from_the_status_card(discord_bot: DiscordBot) -> None:
    _, _, escalation_id = await pinged(discord_bot)
    [card] = _cards(discord_bot)
    assert f"should-ai:withdraw:{escalation_id}" in card.custom_ids

    discord_bot.press(card, "withdraw", user=REQUESTER)

    await discord_bot.fake.wait_until(
        lambda: any("Withdrawn by" in m.text() for m in _cards(discord_bot)), what="withdrawn"
    )
    assert await discord_bot.services.escalations.list_open() == []


def _cards(discord_bot: DiscordBot) -> list[Message]:
    return [m for cards in discord_bot.fake.followups.values() for m in cards]


async def test_queue_and_mine_list_by_person_with_buttons_per_escalation(
    discord_bot: DiscordBot,
) -> None:
    _, owner, escalation_id = await pinged(discord_bot)

    queue = await discord_bot.answer(discord_bot.ask("queue", user=owner))
    mine = await discord_bot.answer(discord_bot.ask("mine", user=REQUESTER))

    assert "1 open escalation" in queue.text() and "Dana Whitfield" in queue.text()
    assert "comms-lead" not in queue.text()
    assert f"should-ai:ack:{escalation_id}" in queue.custom_ids
    assert f"should-ai:snooze:{escalation_id}" in queue.custom_ids
    assert escalation_id in mine.text()

    discord_bot.press(queue, "ack", user=owner)  # acting from the queue works as from the DM
    await discord_bot.status_card(
        discord_bot.fake.interactions[_first_ask(discord_bot)], says="Acknowledged"
    )


def _first_ask(discord_bot: DiscordBot) -> str:
    return next(iter(discord_bot.fake.interactions))
