"""Note…, Snooze… and Withdraw on Slack (issue 14): a press opens a modal (views.open), its
submission goes through the core's press flow like any button, and the pressed message is
redrawn. Withdraw, on the requester's status card, needs no modal: the core updates the card.
Whoever may not act is told why in a DM (a modal submission has no response_url)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.outcomes import Press
from bot.escalations.model import Action, Actor
from handlers.common.i18n import language
from handlers.common.replies import press_refused
from handlers.slack import escalation_views as views
from handlers.slack.buttons import press_key
from handlers.slack.deps import SlackDeps
from handlers.slack.notifier import MENTIONS


class EscalationModals:
    def __init__(self, deps: SlackDeps) -> None:
        self._deps = deps

    async def on_open(
        self, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """Note… or Snooze… pressed: open its modal, remembering the pressed message."""
        escalation_id = str(action.get("value") or "")
        container = body.get("container") or {}
        pressed = views.Pressed(
            escalation_id=escalation_id,
            channel=str(container.get("channel_id") or ""),
            ts=str(container.get("message_ts") or ""),
        )
        user = str(body["user"]["id"])
        with language(await self._deps.notifier.language_of(user_id=user)):
            if action["action_id"] == views.SNOOZE_ACTION:
                view = views.snooze_modal(pressed)
            else:
                escalation = await self._deps.presses.lookup(escalation_id)
                if escalation is None:
                    return
                view = views.note_modal(escalation, pressed)
        await client.views_open(trigger_id=body["trigger_id"], view=view)

    async def on_note(
        self, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        action: Action = (
            "resolve" if views.submitted(view, "action") == "resolve" else "acknowledge"
        )
        await self._submit(
            body,
            view,
            client,
            action=action,
            comment=views.submitted(view, "note"),
            outcome=views.submitted(view, "outcome") if action == "resolve" else "",
        )

    async def on_snooze(
        self, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        minutes = views.submitted(view, "minutes")
        await self._submit(
            body,
            view,
            client,
            action="snooze",
            comment=views.submitted(view, "note"),
            minutes=float(minutes) if minutes else None,
        )

    async def on_withdraw(
        self, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        actor = Actor(platform="slack", user_id=body["user"]["id"])
        pressed = await self._deps.presses.escalation(
            actor=actor,
            escalation_id=str(action.get("value") or ""),
            action="withdraw",
            dedupe_key=press_key(body, action),
        )
        if pressed.kind not in ("moved", "duplicate"):
            with language(await self._deps.notifier.language_of(user_id=actor.user_id)):
                why = press_refused(pressed, policy=self._deps.policy(), mentions=MENTIONS)
            await respond(text=why, response_type="ephemeral", replace_original=False)

    async def _submit(
        self,
        body: dict[str, Any],
        view: dict[str, Any],
        client: AsyncWebClient,
        *,
        action: Action,
        comment: str = "",
        outcome: str = "",
        minutes: float | None = None,
    ) -> None:
        user = body["user"]["id"]
        pressed = views.Pressed.loads(view.get("private_metadata", ""))
        done = await self._deps.presses.escalation(
            actor=Actor(platform="slack", user_id=user),
            escalation_id=pressed.escalation_id,
            action=action,
            comment=comment,
            outcome=outcome,
            minutes=minutes,
            dedupe_key=f"view:{view.get('id', '')}:{view.get('hash', '')}"
            if view.get("id")
            else None,
        )
        with language(await self._deps.notifier.language_of(user_id=user)):
            await self._answer(done, pressed, user=user, client=client)

    async def _answer(
        self, done: Press, pressed: views.Pressed, *, user: str, client: AsyncWebClient
    ) -> None:
        if done.kind == "duplicate":
            return
        if done.kind != "moved":
            why = press_refused(done, policy=self._deps.policy(), mentions=MENTIONS)
            channel = await self._deps.notifier.open_dm(user)
            await client.chat_postMessage(channel=channel, text=why)
        if not pressed.channel and self._deps.home is not None:  # opened from the App Home
            await self._deps.home.publish(client, user)
        if done.escalation is not None and pressed.channel and pressed.ts:
            text, message = self._deps.notifier.escalation_message(done.escalation)
            await client.chat_update(
                channel=pressed.channel, ts=pressed.ts, text=text, blocks=message
            )


def register_modals(
    app: AsyncApp, deps: SlackDeps, *, ack: Any, guarded: Any, fallback: Any
) -> None:
    """Attach the buttons' and the modals' listeners (acked at once, the work lazily)."""
    modals = EscalationModals(deps)
    for action_id in (views.NOTE_ACTION, views.SNOOZE_ACTION):
        app.action(action_id)(ack=ack, lazy=[guarded(modals.on_open, fallback)])
    app.action(views.WITHDRAW_ACTION)(ack=ack, lazy=[guarded(modals.on_withdraw, fallback)])
    app.view(views.NOTE_VIEW)(ack=ack, lazy=[guarded(modals.on_note, fallback)])
    app.view(views.SNOOZE_VIEW)(ack=ack, lazy=[guarded(modals.on_snooze, fallback)])
