"""Acknowledge / Reassign / Resolve: a press in, the core's press flow, the message redrawn.

What a press means (moved, refused, closed, store down) is decided by
:class:`bot.core.flows.Presses`; anyone who may not act gets an ephemeral refusal and nothing
changes.

A press is applied once: Slack's signature stays valid for five minutes, so a captured press
could be sent again (it undid an admin's reassignment); the core claims each press by its
:func:`press_key` and drops a replay without a word.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.escalations.model import Action, Actor, Escalation
from handlers.common.i18n import language
from handlers.common.replies import press_refused
from handlers.slack import blocks
from handlers.slack.deps import SlackDeps
from handlers.slack.notifier import MENTIONS

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
        with language(await self._deps.notifier.language_of(user_id=actor.user_id)):
            await self._press(body, action, respond, client, actor, escalation_id)

    async def _press(
        self,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        actor: Actor,
        escalation_id: str,
    ) -> None:
        pressed = await self._deps.presses.escalation(
            actor=actor,
            escalation_id=escalation_id,
            action=_ACTIONS[action["action_id"]],
            target_user_id=action.get("selected_user"),
            dedupe_key=press_key(body, action),
        )
        if pressed.kind == "duplicate":
            return
        if pressed.kind != "moved":  # say why to the presser only; nothing changed
            why = press_refused(pressed, policy=self._deps.policy(), mentions=MENTIONS)
            await respond(text=why, response_type="ephemeral", replace_original=False)
        if pressed.escalation is not None:  # moved, or an old ping: show it as it stands now
            await self._refresh_pressed(body, pressed.escalation, client=client)

    async def _refresh_pressed(
        self, body: dict[str, Any], escalation: Escalation, *, client: AsyncWebClient
    ) -> None:
        """Show the new state on the message whose button was pressed (buttons that still apply)."""
        container = body.get("container") or {}
        channel, ts = container.get("channel_id"), container.get("message_ts")
        if container.get("type") == "view" and self._deps.home is not None:  # the App Home
            await self._deps.home.publish(client, body["user"]["id"])
            return
        if not channel or not ts:
            return
        text, message = self._deps.notifier.escalation_message(escalation)
        await client.chat_update(channel=channel, ts=ts, text=text, blocks=message)


def press_key(body: dict[str, Any], action: dict[str, Any]) -> str | None:
    """What makes one press unique: when it happened (Slack's ``action_ts``, to the microsecond),
    who pressed, and which element on which message. None without an ``action_ts`` (no dedupe)."""
    action_ts = action.get("action_ts")
    if not isinstance(action_ts, str) or not action_ts:
        return None
    user = body["user"]["id"]
    return f"press:{action_ts}:{user}:{action.get('action_id')}:{action.get('block_id')}"
