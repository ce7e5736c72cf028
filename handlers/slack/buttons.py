"""Acknowledge / Reassign / Resolve: a press in, EscalationService.act, the message redrawn.

Who may press is decided by the escalation service (``NotAllowed``); anyone else gets an
ephemeral refusal and nothing changes.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import ShouldAiError
from bot.escalations.model import Action, Actor, Escalation
from bot.escalations.service import EscalationClosed
from bot.store.errors import StoreUnavailable
from handlers.slack import blocks
from handlers.slack.deps import SlackDeps

STORE_DOWN_PRESS = (
    "I can't record that right now (my store is unreachable), so nothing changed. "
    "Please press the button again in a minute."
)

_ACTIONS: dict[str, Action] = {
    blocks.ACK_ACTION: "acknowledge",
    blocks.REASSIGN_ACTION: "reassign",
    blocks.RESOLVE_ACTION: "resolve",
}
ESCALATION_ACTIONS = tuple(_ACTIONS)


class EscalationButtons:
    def __init__(self, deps: SlackDeps) -> None:
        self._deps = deps

    async def on_press(
        self,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> None:
        escalation_id = blocks.escalation_id_from(
            block_id=action.get("block_id"), value=action.get("value")
        )
        if escalation_id is None:
            return
        actor = Actor(platform="slack", user_id=body["user"]["id"])
        try:
            escalation = await self._deps.escalations.act(
                escalation_id=escalation_id,
                actor=actor,
                action=_ACTIONS[action["action_id"]],
                target_user_id=action.get("selected_user"),
            )
        except StoreUnavailable:
            await respond(text=STORE_DOWN_PRESS, response_type="ephemeral", replace_original=False)
            return
        except EscalationClosed as e:  # an old ping: say so, and take its buttons away
            await respond(text=str(e), response_type="ephemeral", replace_original=False)
            if (closed := await self._deps.escalations.get(escalation_id)) is not None:
                await self._refresh_pressed(body, closed, client=client)
            return
        except ShouldAiError as e:  # NotAllowed, InvalidAction: say why, change nothing
            await respond(text=str(e), response_type="ephemeral", replace_original=False)
            return
        await self._refresh_pressed(body, escalation, client=client)

    async def _refresh_pressed(
        self, body: dict[str, Any], escalation: Escalation, *, client: AsyncWebClient
    ) -> None:
        """Show the new state on the message whose button was pressed (buttons that still apply)."""
        container = body.get("container") or {}
        channel, ts = container.get("channel_id"), container.get("message_ts")
        if not channel or not ts:
            return
        text, message = self._deps.notifier.escalation_message(escalation)
        await client.chat_update(channel=channel, ts=ts, text=text, blocks=message)
