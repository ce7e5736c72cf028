"""The buttons on AI work, on Slack: each action id is a press the core's
:class:`bot.core.flows.Presses` handles; the answer replaces the pressed card, or is a note to
the presser when the card stays. The cards themselves are rendered by
handlers/slack/ai_delivery.py, next to the code that delivers drafts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncRespond

from bot.core.flows import Presses
from bot.core.outcomes import AiOp, AiPress
from bot.escalations.model import Actor
from bot.policy.model import Policy
from handlers.common.ai_text import ai_text
from handlers.slack import blocks
from handlers.slack.ai_delivery import (
    DRAFT_DISCARD_ACTION,
    DRAFT_REGENERATE_ACTION,
    DRAFT_USE_ACTION,
    SCHEDULE_CANCEL_ACTION,
    SCHEDULE_CONFIRM_ACTION,
    SCHEDULED_CANCEL_ACTION,
    note_blocks,
)
from handlers.slack.buttons import press_key
from handlers.slack.listeners import ack_at_once, fallback_owner, guarded

_OPS: dict[str, AiOp] = {
    DRAFT_USE_ACTION: "use",
    DRAFT_REGENERATE_ACTION: "again",
    DRAFT_DISCARD_ACTION: "discard",
    SCHEDULE_CONFIRM_ACTION: "confirm",
    SCHEDULE_CANCEL_ACTION: "cancel",
    SCHEDULED_CANCEL_ACTION: "unschedule",
}


def register_ai_actions(app: AsyncApp, presses: Presses, *, policy: Callable[[], Policy]) -> None:
    """Route the draft and schedule buttons to ``presses``."""
    buttons = _AiButtons(presses)
    for action_id in _OPS:
        app.action(action_id)(
            ack=ack_at_once, lazy=[guarded(buttons.on_press, fallback_owner(policy))]
        )


class _AiButtons:
    def __init__(self, presses: Presses) -> None:
        self._presses = presses

    async def on_press(
        self, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        actor = Actor(platform="slack", user_id=body["user"]["id"])
        op, ref = _OPS[action["action_id"]], action["value"]
        pressed = await self._presses.ai(
            actor=actor, op=op, ref=ref, dedupe_key=press_key(body, action)
        )
        if pressed is None:
            return
        said = ai_text(pressed.note)
        if not pressed.replaces_card:
            await respond(text=said, response_type="ephemeral", replace_original=False)
            return
        await respond(text=said, blocks=_answer(pressed), replace_original=True)


def _answer(pressed: AiPress) -> list[blocks.Block]:
    """What takes the card's place; a used draft keeps its text, with no buttons left."""
    shown = note_blocks(ai_text(pressed.note))
    if pressed.op == "use" and pressed.draft is not None:
        shown += note_blocks(blocks.quote(pressed.draft.text))
    return shown
