"""The sentences a requester or an owner reads, the same on Slack, Discord and the console.

Each renders a core outcome value (:mod:`bot.core.outcomes`, :class:`bot.commands.Reply`) in
plain English; each adapter adds only its own markup around it.
"""

from __future__ import annotations

from bot.core.outcomes import Press
from bot.policy.model import Decision

STORE_DOWN_PRESS = (
    "I can't record that right now (my store is unreachable), so nothing changed. "
    "Please press the button again in a minute."
)


def reply_for_store_down(decision: Decision) -> str:
    """What the requester is told when their escalation could not be stored (Redis down)."""
    owner = decision.owner.name if decision.owner else "the owner of this kind of work"
    return (
        f"I couldn't record this escalation right now, so please contact {owner} directly "
        "about it. Do not hand it to AI in the meantime. I'll keep trying to notify them."
    )


def press_refused(press: Press) -> str:
    """Why a press on an escalation changed nothing (for the presser only)."""
    if press.kind == "store_down":
        return STORE_DOWN_PRESS
    return press.detail
