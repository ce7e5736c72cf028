"""The scenario steps issue 14 added (tests/scenarios.py), played on Discord: the Note… and
Snooze modals, the snooze's timer, the requester's Withdraw on the status card."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Protocol

from tests.discord.conftest import REQUESTER, DiscordBot
from tests.discord.fake_discord import Json, Message, modal_submit
from tests.scenarios import SETUP_STEPS
from tests.slack.scenario_steps import AWAY, NOTES, by_email, fixed, off_hours

MORE_STEPS = frozenset(
    {
        "ack with note",
        "resolve with outcome",
        "snooze",
        "snooze over",
        "withdraw",
        "owner away",
        "owner off hours",
        "skipped->backup",
        "waits for hours",
        "hours start->owner",
        "owner by email",
    }
)


async def set_the_scene(bot: DiscordBot, step: str, owner: str, lang: str = "en") -> None:
    """A step played before the request: the owner away, or off their working hours."""
    if step == "owner away":
        back = (date.today() + timedelta(days=3)).isoformat()
        said = await bot.answer(bot.ask(f"away until {back}", user=bot.discord_id(owner)))
        assert fixed(AWAY, lang) in said.text()
    elif step == "owner off hours":
        await off_hours(bot.services, owner)
    elif step == "owner by email":  # an email is Slack's: the Discord id still reaches them
        await by_email(bot.services, owner)


MODAL = 9


class Playing(Protocol):
    bot: DiscordBot
    lang: str
    interaction: Json
    holder: str | None
    ping: Message | None
    owner: str
    backup: str


async def play_more(play: Playing, step: str) -> None:
    bot, lang = play.bot, play.lang
    if step in SETUP_STEPS:
        return  # played before the request
    if step == "skipped->backup":
        dms = await bot.dms_to(bot.discord_id(play.backup))
        play.ping, play.holder = dms[-1], play.backup
        await bot.status_card(play.interaction, says=fixed("Skipped {who} ({reason})", lang))
        assert bot.fake.dm_to(bot.discord_id(play.owner)) == []
        return
    if step == "waits for hours":
        off_hours_said = fixed(
            "{who} is off hours: they will be pinged when their working hours start ({starts}).",
            lang,
        )
        await bot.status_card(play.interaction, says=off_hours_said)
        assert bot.fake.dm_to(bot.discord_id(play.owner)) == []
        return
    if step == "hours start->owner":
        escalation = await bot.only_escalation()
        assert escalation.due_at is not None
        assert await bot.services.escalations.fire_timer(
            escalation_id=escalation.id, level=escalation.level, due_at=escalation.due_at
        )
        dms = await bot.dms_to(bot.discord_id(play.owner))
        play.ping, play.holder = dms[-1], play.owner
        return
    if step == "withdraw":
        card = await bot.status_card(
            play.interaction, says=fixed("Pinged {person}; waiting for them.", lang)
        )
        bot.press(card, "withdraw", user=REQUESTER)
        await bot.status_card(
            play.interaction,
            says=fixed("Withdrawn by {who}; nobody will be pinged about it.", lang),
        )
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
        await bot.status_card(play.interaction, says=fixed("Snoozed by {who}.", lang))
        return
    modal = await _open(bot, play.ping, "note", user)
    drafting, sent, published = NOTES[lang]
    if step == "ack with note":
        values, says = {"note": drafting, "outcome": ""}, drafting
    else:
        values, says = {"note": sent, "outcome": published}, published
    bot.deliver(modal_submit(bot.fake, play.ping, modal, user_id=user, values=values))
    card = await bot.status_card(play.interaction, says=says)
    if step == "resolve with outcome":
        assert fixed("Outcome: {outcome}.", lang) in card.text()


async def _open(bot: DiscordBot, message: Message, op: str, user: str) -> str:
    pressed = bot.press(message, op, user=user)
    await bot.fake.wait_until(lambda: pressed["id"] in bot.fake.callbacks, what="the modal")
    [callback] = bot.fake.callbacks[pressed["id"]]
    assert callback["type"] == MODAL
    return str(callback["data"]["custom_id"])
