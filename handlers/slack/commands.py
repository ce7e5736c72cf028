"""``/should-ai`` and the "Ask should-ai" message shortcut: a request in, the answer out.

The requester gets the verdict at once, as soon as a request for a person is recorded so that
it cannot be lost (:class:`bot.core.flows.AfterDecision`): an ephemeral answer through the
command's response_url, which works in any channel, the bot invited or not. A request for a
person also gets a status card in the requester's DM with the bot, which the escalation service
updates as it moves; a request for AI goes on to the AI work.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncRespond
from slack_sdk.errors import SlackApiError

from bot.ai.model import ReplyTarget
from bot.core.outcomes import FollowUp
from bot.escalations.model import Actor, StatusRef
from bot.intake.commands import Reply
from bot.policy.model import Decision
from handlers.common.ai_work_text import second_look_text
from handlers.common.i18n import language
from handlers.common.policy_text import decision_texts
from handlers.common.replies import reply_for_store_down, reply_text, truncated_note
from handlers.slack import blocks
from handlers.slack.ai_delivery import outcome_blocks, scheduled_blocks
from handlers.slack.deps import SlackDeps
from handlers.slack.feedback_blocks import verdict_extras
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
        with language(await self._language(actor, text)):
            await self._present(
                reply, actor=actor, channel_id=channel_id, respond=respond, text=text
            )

    async def _language(self, actor: Actor, text: str) -> str:
        """The requester's: their Slack locale, else their request's language, else default."""
        notifier = self._deps.notifier
        locale = await notifier.locales.of(actor.user_id)
        return notifier.readers.of_requester(actor.user_id, locale=locale, text=text)

    async def on_shortcut(self, shortcut: dict[str, Any], respond: AsyncRespond) -> None:
        """ "Ask should-ai" on a message: classify that message as if it had been typed."""
        actor = Actor(platform="slack", user_id=shortcut["user"]["id"])
        text = str((shortcut.get("message") or {}).get("text", ""))
        reply = await self._deps.commands.submit(
            actor=actor, text=text, dedupe_key=shortcut_key(shortcut)
        )
        channel_id = (shortcut.get("channel") or {}).get("id", "")
        with language(await self._language(actor, text)):
            await self._present(
                reply, actor=actor, channel_id=channel_id, respond=respond, text=text
            )

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
            said = reply_text(reply, self._deps.policy())
            await _say(respond, *blocks.notice_message(blocks.escape(said)))
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
        texts = decision_texts(decision, policy)
        message, card = blocks.decision_message(
            decision=decision,
            category_label=texts.label,
            owner_mention=mention_of(policy, decision.owner.id) if decision.owner else None,
            why=texts.why,
            ai_may=texts.ai_may,
        )
        if reply.kind == "why":
            card += blocks.reasons_blocks(decision)
        if (cut := truncated_note(reply)) is not None:
            card.append(blocks.section(blocks.escape(cut)))
        if reply.needs_escalation:
            card.append(blocks.follow_up_note())
        card += verdict_extras(reply, policy)
        request = (text or "").strip()
        # The core answers (through `answer`) once a request for a person is safe on disk, and
        # escalates it even if the response_url or the status card fails.
        follow_up = await self._deps.after_decision.follow_up(
            reply=reply,
            actor=actor,
            text=request,
            reply_to=_reply_target(actor, channel_id, respond),
            answer=lambda: _say(respond, message, card),
            status_card=lambda: self._post_status_card(decision, actor=actor, text=request),
            status_card_for=lambda moved: self._post_status_card(moved, actor=actor, text=request),
        )
        await self._present_follow_up(follow_up, respond)

    async def _present_follow_up(self, follow_up: FollowUp, respond: AsyncRespond) -> None:
        if follow_up.second_look is not None:  # the verdict said AI; a person has it now
            said = blocks.escape(second_look_text(follow_up.second_look))
            await _say(respond, *blocks.notice_message(said))
        if follow_up.kind == "store_down" and follow_up.decision is not None:
            notice = blocks.notice_message(blocks.escape(reply_for_store_down(follow_up.decision)))
            await _say(respond, *notice)
            ref = follow_up.status_ref
            if ref is not None:
                await self._deps.notifier.client.chat_update(
                    channel=ref.channel or "", ts=ref.ts or "", text=notice[0], blocks=notice[1]
                )
        elif follow_up.kind == "ai_work" and follow_up.ai is not None and follow_up.ai.note:
            await _say(respond, *outcome_blocks(follow_up.ai))

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


def _reply_target(actor: Actor, channel_id: str, respond: AsyncRespond) -> ReplyTarget:
    """Where drafts and late news reach the requester: the command's response_url (ephemeral,
    30 minutes), else the channel it came from, else a DM."""
    return ReplyTarget(
        platform="slack",
        user_id=actor.user_id,
        channel=channel_id or None,
        response_url=respond.response_url,
        ephemeral=True,
    )


async def _say(respond: AsyncRespond, text: str, message: list[blocks.Block]) -> None:
    """An answer only the requester sees (a response_url works in any channel, bot or not)."""
    await respond(text=text, blocks=message, response_type="ephemeral", replace_original=False)
