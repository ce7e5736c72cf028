"""Acting on "Wrong call?" as a Discord user would: press the button under a verdict, then pick
a category in the select it answers with."""

from __future__ import annotations

from tests.discord.conftest import DiscordBot
from tests.discord.fake_discord import Message


async def correct(
    bot: DiscordBot, verdict: Message, *, user: str, category: str, button: str = "wrong"
) -> Message:
    """``user`` presses "Wrong call?" (or ``button="nfm"``: "Not for me" on a ping) on
    ``verdict`` and picks ``category``; returns the ephemeral message, once it says what became
    of the feedback."""
    pressed = bot.press(verdict, button, user=user)
    token = pressed["token"]
    await bot.fake.wait_until(lambda: bot.fake.original(token) is not None, what="the select")
    form = bot.fake.original(token)
    assert form is not None
    [pick_id] = [c for c in form.custom_ids if c.startswith("should-ai:fbpick:")]
    assert category in [o["value"] for o in form.options(pick_id)]
    before = form.text()
    bot.press(form, "fbpick", user=user, pick=category)
    await bot.fake.wait_until(lambda: form.text() != before, what="the feedback's outcome")
    return form
