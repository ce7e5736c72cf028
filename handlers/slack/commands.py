"""``/should-ai`` and the "Ask should-ai" message shortcut: a request in, the answer out.

The requester gets the verdict at once (an ephemeral answer through the command's response_url,
which works in any channel, the bot invited or not). A request for a person also gets a status
card in the requester's DM with the bot, which the escalation service updates as it moves; a
request for AI goes on to the AI work.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncRespond
from slack_sdk.errors import SlackApiError

from bot.commands import Reply, reply_for_store_down
from bot.escalations.model import Actor, StatusRef
from bot.intake import IntakeResult
from bot.policy.model import Decision
from handlers.slack import blocks
from handlers.slack.ai_delivery import scheduled_blocks
from handlers.slack.deps import Routine, SlackDeps
from handlers.slack.notifier import category_text, mention_of

log = logging.getLogger(__name__)


def command_key(command: dict[str, Any]) -> str:
    """The dedupe key of a slash command: a retry of it carries the same trigger id."""
    return f"command:{command.get('team_id', '')}:{command.get('trigger_id', '')}"


def shortcut_key(shortcut: dict[str, Any]) -> str:
    team = (shortcut.get("team") or {}).get("id", "")
    return f"shortcut:{team}:{shortcut.get('trigger_id', '')}"


class CommandListeners:
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
        if reply.needs_escalation:
            card.append(blocks.follow_up_note())
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
