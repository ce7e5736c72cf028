"""AI help for an owner, on Slack (issue 19): the "Get AI help" buttons on an acknowledged ping,
the answer shown to the presser alone (an ephemeral message), and its Share with requester
button, which DMs the requester. Who may ask, and what reaches the LLM, is decided in
:class:`bot.ai.owner_help.OwnerHelp` and its guard; this module only renders and routes."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.ai.owner_help import AssistAnswer, AssistResult, OwnerHelp
from bot.escalations.model import Actor, Escalation
from bot.policy.model import Policy
from handlers.common import assist_text
from handlers.common.i18n import current_language
from handlers.slack import blocks
from handlers.slack.assist_blocks import (
    ASSIST_ACTION_PREFIX,
    MATERIAL_ACTION,
    MATERIAL_BLOCK,
    MATERIAL_INPUT,
    MATERIAL_VIEW,
    PICK_ACTION,
    PICK_BLOCK,
    SHARE_ACTION,
    answer_blocks,
    material_form,
)
from handlers.slack.listeners import ack_at_once, fallback_owner, guarded
from handlers.slack.notifier import MENTIONS, SlackNotifier, slack_id

ASSIST_ACTION = re.compile(r"^should_ai_assist:[a-z0-9_-]+$")


class SlackAssistShare:
    """:class:`bot.ai.owner_help.AssistShare` on Slack: a DM to the requester."""

    def __init__(self, notifier: SlackNotifier, policy: Callable[[], Policy]) -> None:
        self._notifier = notifier
        self._policy = policy

    async def share_with_requester(self, *, escalation: Escalation, answer: AssistAnswer) -> None:
        policy = self._policy()
        requester = slack_id(policy, escalation.requester)
        if requester is None:
            raise LookupError(f"requester {escalation.requester} has no Slack id")
        head = assist_text.shared_with_requester(answer, policy=policy, mentions=MENTIONS)
        shown = [blocks.section(head), blocks.section(blocks.quiet(answer.text))]
        channel = await self._notifier.open_dm(requester)
        await self._notifier.client.chat_postMessage(channel=channel, text=head, blocks=shown)


class _AssistButtons:
    def __init__(self, help_: OwnerHelp, policy: Callable[[], Policy]) -> None:
        self._help = help_
        self._policy = policy

    async def on_assist(
        self, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        actor = Actor(platform="slack", user_id=body["user"]["id"])
        result = await self._help.ask(
            actor=actor,
            escalation_id=str(action.get("value", "")),
            assist=str(action["action_id"]).removeprefix(ASSIST_ACTION_PREFIX),
            language=current_language(),
        )
        await respond(**self._shown(result), response_type="ephemeral", replace_original=False)

    def _shown(self, result: AssistResult) -> dict[str, Any]:
        policy = self._policy()
        if result.answer is None:
            text = assist_text.refused(result, policy=policy, mentions=MENTIONS)
            return {"text": text}
        heading = assist_text.answer_heading(
            assist_text.label_of(policy, result.answer.category, result.answer.assist)
        )
        shown = answer_blocks(policy, result.answer, shareable=result.shareable)
        return {"text": heading, "blocks": shown}

    async def on_material(
        self, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """With my material…: the form to pick an assist and paste the text it should read."""
        escalation = await self._help.escalation(str(action.get("value", "")))
        if escalation is None:
            return
        where = (body.get("container") or {}).get("channel_id") or ""
        meta = json.dumps({"escalation": escalation.id, "channel": where})
        form = material_form(self._policy(), escalation, private_metadata=meta)
        await client.views_open(trigger_id=body["trigger_id"], view=form)

    async def on_form(self, body: dict[str, Any], client: AsyncWebClient) -> None:
        """The form was sent: the answer (or why there is none) to the presser alone."""
        user, view = body["user"]["id"], body["view"]
        meta = json.loads(view.get("private_metadata") or "{}")
        values = (view.get("state") or {}).get("values") or {}
        picked = (values.get(PICK_BLOCK, {}).get(PICK_ACTION) or {}).get("selected_option") or {}
        material = (values.get(MATERIAL_BLOCK, {}).get(MATERIAL_INPUT) or {}).get("value") or ""
        result = await self._help.ask(
            actor=Actor(platform="slack", user_id=user),
            escalation_id=str(meta.get("escalation", "")),
            assist=str(picked.get("value", "")),
            extra=str(material),
            language=current_language(),
        )
        channel = str(meta.get("channel") or "")
        await client.chat_postEphemeral(channel=channel, user=user, **self._shown(result))

    async def on_share(
        self, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        actor = Actor(platform="slack", user_id=body["user"]["id"])
        result = await self._help.share(actor=actor, answer_id=str(action.get("value", "")))
        said = assist_text.shared(result)
        await respond(text=said, response_type="ephemeral", replace_original=False)


def register_assist_actions(
    app: AsyncApp, help_: OwnerHelp | None, *, policy: Callable[[], Policy]
) -> None:
    """Route the assist and share buttons to ``help_`` (nothing to route without it)."""
    if help_ is None:
        return
    buttons = _AssistButtons(help_, policy)
    fallback = fallback_owner(policy)
    app.action(ASSIST_ACTION)(ack=ack_at_once, lazy=[guarded(buttons.on_assist, fallback)])
    app.action(SHARE_ACTION)(ack=ack_at_once, lazy=[guarded(buttons.on_share, fallback)])
    app.action(MATERIAL_ACTION)(ack=ack_at_once, lazy=[guarded(buttons.on_material, fallback)])
    app.view(MATERIAL_VIEW)(ack=ack_at_once, lazy=[guarded(buttons.on_form, fallback)])
