""" "Wrong call?" and "Not for me" on Slack: a press opens the form (a modal with the policy's
categories), its submission goes to the core's feedback service, and the presser gets the
outcome in their DM with the bot."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.core import Core
from bot.escalations.model import Actor
from bot.feedback.digest import Digest
from bot.feedback.model import FeedbackKind
from bot.policy.model import Policy
from handlers.common.digest_text import digest_text
from handlers.common.feedback_text import outcome_text
from handlers.slack.feedback_blocks import (
    FEEDBACK_VIEW,
    NOT_FOR_ME_ACTION,
    WRONG_CALL_ACTION,
    feedback_view,
    submitted,
)
from handlers.slack.listeners import ack_at_once, fallback_owner, guarded
from handlers.slack.notifier import SlackNotifier

_KINDS: dict[str, FeedbackKind] = {"wrong_call": "wrong_call", "not_for_me": "not_for_me"}


def register_feedback(app: AsyncApp, core: Core, notifier: SlackNotifier) -> None:
    """Route the feedback buttons and the form's submission (nothing when feedback is off);
    the weekly digest goes out as a DM."""
    core.register_digest(SlackDigestDelivery(notifier, core.policy))
    if core.feedback is None:
        return
    listeners = _FeedbackListeners(core, notifier)
    owner = fallback_owner(core.policy)
    for action_id in (WRONG_CALL_ACTION, NOT_FOR_ME_ACTION):
        app.action(action_id)(ack=ack_at_once, lazy=[guarded(listeners.on_press, owner)])
    app.view(FEEDBACK_VIEW)(ack=_close_form, lazy=[guarded(listeners.on_submit, owner)])


async def _close_form(ack: AsyncAck) -> None:
    await ack()


class _FeedbackListeners:
    def __init__(self, core: Core, notifier: SlackNotifier) -> None:
        self._core = core
        self._notifier = notifier

    async def on_press(
        self, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        kind = "not_for_me" if action["action_id"] == NOT_FOR_ME_ACTION else "wrong_call"
        view = feedback_view(
            self._core.policy(),
            decision_id=str(action.get("value", "")),
            kind=kind,
            requester=kind == "wrong_call",
        )
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    async def on_submit(self, body: dict[str, Any], view: dict[str, Any]) -> None:
        assert self._core.feedback is not None  # registered only when it is built
        user_id = str(body["user"]["id"])
        decision_id, kind, category, note, consent = submitted(view)
        outcome = await self._core.feedback.submit(
            actor=Actor(platform="slack", user_id=user_id),
            decision_id=decision_id,
            category=category,
            note=note,
            consent=consent,
            kind=_KINDS.get(kind, "wrong_call"),
        )
        said = outcome_text(outcome, self._core.policy())
        channel = await self._notifier.open_dm(user_id)
        await self._notifier.client.chat_postMessage(channel=channel, text=said)


class SlackDigestDelivery:
    """The weekly digest as a DM to the reader's Slack id from people.yaml."""

    def __init__(self, notifier: SlackNotifier, policy: Callable[[], Policy]) -> None:
        self._notifier = notifier
        self._policy = policy

    async def send_digest(self, *, person: str, digest: Digest) -> bool:
        policy = self._policy()
        found = policy.people.people.get(person)
        if found is None or not found.slack:
            return False
        channel = await self._notifier.open_dm(found.slack)
        text = digest_text(digest, policy)
        await self._notifier.client.chat_postMessage(channel=channel, text=f"```{text}```")
        return True
