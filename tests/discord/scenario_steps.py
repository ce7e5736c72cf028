"""The scenario steps issue 14 added (tests/scenarios.py), played on Discord: the Note… and
Snooze modals, the snooze's timer, the requester's Withdraw on the status card."""

from __future__ import annotations

from typing import Protocol

from tests.discord.conftest import REQUESTER, DiscordBot
from tests.discord.fake_discord import Json, Message, modal_submit

MORE_STEPS = frozenset(
    {"ack with note", "resolve with outcome", "snooze", "snooze over", "withdraw"}
)
MODAL = 9


class Playing(Protocol):
    bot: DiscordBot
    interaction: Json
    holder: str | None
    ping: Message | None


async def play_more(play: Playing, step: str) -> None:
    bot = play.bot
    if step == "withdraw":
        card = await bot.status_card(play.interaction, says="waiting")
        bot.press(card, "withdraw", user=REQUESTER)
        await bot.status_card(play.interaction, says="Withdrawn by")
        return
    assert play.holder is not None and play.ping is not None
    user = bot.discord_id(play.holder)
    if step == "snooze over":
        escalation = await bot.only_escalation()
        before = len(bot.fake.dm_to(user))
        assert escalation.due_at is not None
        assert await bot.services.escalations.fire_timer(
            escalation_id=escalation.id, level=escalation.level, due_at=escalation.due_at
        )
        play.ping = (await bot.dms_to(user, before + 1))[-1]  # the same person, pinged again
        return
    if step == "snooze":
        modal = await _open(bot, play.ping, "snooze", user)
        bot.deliver(
            modal_submit(bot.fake, play.ping, modal, user_id=user, values={"minutes": "30"})
        )
        await bot.status_card(play.interaction, says="Snoozed by")
        return
    modal = await _open(bot, play.ping, "note", user)
    if step == "ack with note":
        values, says = {"note": "Drafting it now", "outcome": ""}, "Drafting it now"
    else:
        values = {"note": "Sent", "outcome": "statement published"}
        says = "Outcome: statement published."
    bot.deliver(modal_submit(bot.fake, play.ping, modal, user_id=user, values=values))
    await bot.status_card(play.interaction, says=says)


async def _open(bot: DiscordBot, message: Message, op: str, user: str) -> str:
    pressed = bot.press(message, op, user=user)
    await bot.fake.wait_until(lambda: pressed["id"] in bot.fake.callbacks, what="the modal")
    [callback] = bot.fake.callbacks[pressed["id"]]
    assert callback["type"] == MODAL
    return str(callback["data"]["custom_id"])
