"""Bolt listeners: Slack payloads in, core calls, Block Kit out. Nothing else lives here.

Every listener is registered with :func:`ack_at_once` as its ack function and does its work as a
Bolt *lazy* listener: the app runs with ``process_before_response=True``, so Bolt returns the
HTTP 200 (or the Socket Mode ack) as soon as the ack function returns, before any of the work
(deciding, Redis, Web API calls) competes for the event loop. Slack gives 3 s; we take
milliseconds. Dedupe, rate limits, deciding and the escalation rules live in ``bot/``
(Commands, Intake, EscalationService); this module only translates.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.ai.slack_delivery import scheduled_blocks
from bot.commands import Commands, Reply, reply_for_store_down
from bot.errors import ShouldAiError
from bot.escalations.model import Action, Actor, Escalation, StatusRef
from bot.intake import Intake, IntakeResult
from bot.policy.model import Decision, Policy
from bot.store.errors import StoreUnavailable
from handlers.slack import blocks
from handlers.slack.notifier import SlackNotifier, category_text, mention_of

log = logging.getLogger(__name__)

COMMAND = "/should-ai"
SHORTCUT_CALLBACK = "ask_should_ai"

BROKEN = (
    "Something went wrong on my side and I could not finish this. Please take it to {owner} "
    "rather than to AI; the bot's log has the details for an admin."
)
STORE_DOWN_PRESS = (
    "I can't record that right now (my store is unreachable), so nothing changed. "
    "Please press the button again in a minute."
)

_ACTIONS: dict[str, Action] = {
    blocks.ACK_ACTION: "acknowledge",
    blocks.REASSIGN_ACTION: "reassign",
    blocks.RESOLVE_ACTION: "resolve",
}


class EscalationActions(Protocol):
    async def act(
        self,
        *,
        escalation_id: str,
        actor: Actor,
        action: Action,
        target_user_id: str | None = None,
    ) -> Escalation: ...


@dataclass(frozen=True)
class Routine:
    """A request the policy gave to AI, handed on to the AI work (drafting, scheduling)."""

    actor: Actor
    text: str
    decision: Decision
    channel_id: str
    respond: AsyncRespond


RoutineWork = Callable[[Routine], Awaitable[None]]


@dataclass(frozen=True)
class SlackDeps:
    commands: Commands
    intake: Intake
    escalations: EscalationActions
    policy: Callable[[], Policy]
    notifier: SlackNotifier
    routine: RoutineWork | None = None  # the AI work seam (bot/ai); None: verdict only


async def ack_at_once(ack: AsyncAck) -> None:
    """The ack function of every listener: an empty 200, the work follows lazily."""
    await ack()


def register(app: AsyncApp, deps: SlackDeps) -> None:
    """Attach every should-ai listener to ``app`` (which must process before responding)."""
    listeners = _Listeners(deps)
    fallback = fallback_owner(deps.policy)
    app.command(COMMAND)(ack=ack_at_once, lazy=[guarded(listeners.on_command, fallback)])
    app.shortcut(SHORTCUT_CALLBACK)(
        ack=ack_at_once, lazy=[guarded(listeners.on_shortcut, fallback)]
    )
    for action_id in _ACTIONS:
        app.action(action_id)(
            ack=ack_at_once, lazy=[guarded(listeners.on_escalation_action, fallback)]
        )


LazyWork = Callable[..., Awaitable[None]]


def guarded(work: LazyWork, fallback_owner: Callable[[], str]) -> LazyWork:
    """``work``, but a failure is logged with its traceback and the user is told to go to a
    person (Bolt would only log one line, and the requester would wait for an answer forever)."""

    @functools.wraps(work)
    async def run(**kwargs: Any) -> None:
        try:
            await work(**kwargs)
        except Exception:
            log.exception("Slack %s failed", getattr(work, "__name__", "listener"))
            respond: AsyncRespond | None = kwargs.get("respond")
            if respond is not None:
                text = BROKEN.format(owner=fallback_owner())
                await respond(text=text, response_type="ephemeral", replace_original=False)

    return run


def fallback_owner(policy: Callable[[], Policy]) -> Callable[[], str]:
    """Who a user is sent to when the bot breaks: the policy's fallback owner, as a mention."""

    def name() -> str:
        current = policy()
        return mention_of(current, current.file.fallback.owner)

    return name


def command_key(command: dict[str, Any]) -> str:
    """The dedupe key of a slash command: a retry of it carries the same trigger id."""
    return f"command:{command.get('team_id', '')}:{command.get('trigger_id', '')}"


def shortcut_key(shortcut: dict[str, Any]) -> str:
    team = (shortcut.get("team") or {}).get("id", "")
    return f"shortcut:{team}:{shortcut.get('trigger_id', '')}"


class _Listeners:
    def __init__(self, deps: SlackDeps) -> None:
        self._deps = deps

    async def on_command(self, command: dict[str, Any], respond: AsyncRespond) -> None:
        actor = Actor(platform="slack", user_id=command["user_id"])
        text = str(command.get("text", ""))
        reply = await self._deps.commands.handle(
            actor=actor, text=text, dedupe_key=command_key(command)
        )
        channel_id = str(command.get("channel_id", ""))
        await self._present(reply, actor=actor, channel_id=channel_id, respond=respond, text=text)

    async def on_shortcut(self, shortcut: dict[str, Any], respond: AsyncRespond) -> None:
        """ "Ask should-ai" on a message: classify that message as if it had been typed."""
        actor = Actor(platform="slack", user_id=shortcut["user"]["id"])
        text = str((shortcut.get("message") or {}).get("text", ""))
        result = await self._deps.intake.submit(
            actor=actor, text=text, dedupe_key=shortcut_key(shortcut)
        )
        reply = _reply_for(result)
        channel_id = (shortcut.get("channel") or {}).get("id", "")
        await self._present(reply, actor=actor, channel_id=channel_id, respond=respond, text=text)

    async def _present(
        self,
        reply: Reply,
        *,
        actor: Actor,
        channel_id: str,
        respond: AsyncRespond,
        text: str | None = None,
    ) -> None:
        if reply.kind == "duplicate":
            return  # Slack retried a request already answered: answering again would ping twice
        if reply.kind == "scheduled" and reply.scheduled:
            await _say(respond, *scheduled_blocks(list(reply.scheduled)))
            return
        if reply.decision is None or reply.kind not in ("decision", "why"):
            await _say(respond, *blocks.notice_message(blocks.escape(reply.text)))
            return
        await self._present_decision(
            reply, actor=actor, channel_id=channel_id, respond=respond, text=text
        )

    async def _present_decision(
        self,
        reply: Reply,
        *,
        actor: Actor,
        channel_id: str,
        respond: AsyncRespond,
        text: str | None,
    ) -> None:
        decision = reply.decision
        assert decision is not None
        policy = self._deps.policy()
        message, card = blocks.decision_message(
            decision=decision,
            category_label=category_text(policy, decision.category).label,
            owner_mention=mention_of(policy, decision.owner.id) if decision.owner else None,
        )
        if reply.kind == "why":
            card += blocks.reasons_blocks(decision)
        await _say(respond, message, card)
        if reply.kind != "decision":
            return
        request = (text or "").strip()
        if reply.needs_escalation:
            await self._escalate(reply, actor=actor, text=request, respond=respond)
        elif self._deps.routine is not None:
            routine = Routine(
                actor=actor, text=request, decision=decision, channel_id=channel_id, respond=respond
            )
            await self._deps.routine(routine)

    async def _escalate(
        self, reply: Reply, *, actor: Actor, text: str, respond: AsyncRespond
    ) -> None:
        assert reply.intake is not None and reply.decision is not None
        status_ref = await self._post_status_card(reply.decision, actor=actor, text=text)
        escalation = await self._deps.intake.escalate(
            result=reply.intake, actor=actor, text=text, status_ref=status_ref
        )
        if escalation is None:  # the store is down: a person must still get this, never AI
            notice = blocks.notice_message(blocks.escape(reply_for_store_down(reply.decision)))
            await _say(respond, *notice)
            if status_ref is not None:
                await self._deps.notifier.client.chat_update(
                    channel=status_ref.channel or "",
                    ts=status_ref.ts or "",
                    text=notice[0],
                    blocks=notice[1],
                )

    async def _post_status_card(
        self, decision: Decision, *, actor: Actor, text: str
    ) -> StatusRef | None:
        """The requester's status card, in their DM with the bot; later pings update it."""
        policy = self._deps.policy()
        owner = mention_of(policy, decision.owner.id if decision.owner else None)
        message, card = blocks.pending_status_message(
            text=text,
            category_label=category_text(policy, decision.category).label,
            owner_mention=owner,
        )
        try:
            channel = await self._deps.notifier.open_dm(actor.user_id)
            posted = await self._deps.notifier.client.chat_postMessage(
                channel=channel, text=message, blocks=card
            )
        except SlackApiError as e:
            log.warning("no status card for %s: %s", actor.user_id, e.response.get("error"))
            return None
        return StatusRef(channel=str(posted["channel"]), ts=str(posted["ts"]))

    async def on_escalation_action(
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
        except ShouldAiError as e:  # NotAllowed, EscalationClosed, InvalidAction: say why
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


def _reply_for(result: IntakeResult) -> Reply:
    if result.duplicate:
        return Reply(kind="duplicate", text="", intake=result)
    if result.decision is None:
        return Reply(
            kind="refused" if result.rate_limited else "error",
            text=result.error or "",
            intake=result,
        )
    return Reply(kind="decision", text="", decision=result.decision, intake=result)


async def _say(respond: AsyncRespond, text: str, message: list[blocks.Block]) -> None:
    """An answer only the requester sees (a response_url works in any channel, bot or not)."""
    await respond(text=text, blocks=message, response_type="ephemeral", replace_original=False)
