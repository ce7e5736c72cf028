"""`wrong <decision id> <category> [note]` on the console: "wrong call?" typed."""

from __future__ import annotations

from bot.core import Core
from bot.escalations.model import Actor
from handlers.common.feedback_text import console_usage, outcome_text


async def wrong_call(core: Core, actor: Actor, arg: str) -> str:
    decision_id, _, rest = arg.partition(" ")
    category, _, note = rest.strip().partition(" ")
    if core.feedback is None or not category:
        return console_usage()
    outcome = await core.feedback.submit(
        actor=actor, decision_id=decision_id, category=category, note=note, consent=True
    )
    return outcome_text(outcome, core.policy())
