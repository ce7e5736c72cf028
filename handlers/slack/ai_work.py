"""Routine requests on Slack: hand them to the AI work (bot/ai) and route its buttons back.

The verdict is already shown when this runs. :func:`routine_work` starts the drafting or the
scheduling and shows what happens next; :func:`register_ai_actions` sends Use it / Regenerate /
Discard and Confirm / Cancel presses to :class:`bot.ai.service.AiWork`. The cards themselves are
rendered by handlers/slack/ai_delivery.py, next to the code that delivers drafts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncRespond

from bot.ai.model import Draft, ReplyTarget
from bot.ai.service import AiWork
from bot.escalations.model import Actor
from bot.policy.model import Policy
from handlers.slack import blocks
from handlers.slack.ai_delivery import (
    DRAFT_DISCARD_ACTION,
    DRAFT_REGENERATE_ACTION,
    DRAFT_USE_ACTION,
    SCHEDULE_CANCEL_ACTION,
    SCHEDULE_CONFIRM_ACTION,
    SCHEDULED_CANCEL_ACTION,
    note_blocks,
    outcome_blocks,
)
from handlers.slack.deps import Routine, RoutineWork
from handlers.slack.listeners import ack_at_once, fallback_owner, guarded


def routine_work(ai: AiWork) -> RoutineWork:
    """The seam the listeners call for a request the policy gave to AI."""

    async def start(routine: Routine) -> None:
        reply_to = ReplyTarget(
            platform="slack",
            user_id=routine.actor.user_id,
            channel=routine.channel_id or None,
            response_url=routine.respond.response_url,
            ephemeral=True,
        )
        outcome = await ai.handle(
            actor=routine.actor, text=routine.text, decision=routine.decision, reply_to=reply_to
        )
        if outcome.message:
            text, message = outcome_blocks(outcome)
            await routine.respond(
                text=text, blocks=message, response_type="ephemeral", replace_original=False
            )

    return start


def register_ai_actions(app: AsyncApp, ai: AiWork, *, policy: Callable[[], Policy]) -> None:
    """Route the draft and schedule buttons to ``ai``; the answer replaces the pressed card."""
    buttons = _AiButtons(ai)
    routes = {
        DRAFT_USE_ACTION: buttons.use,
        DRAFT_REGENERATE_ACTION: buttons.regenerate,
        DRAFT_DISCARD_ACTION: buttons.discard,
        SCHEDULE_CONFIRM_ACTION: buttons.confirm,
        SCHEDULE_CANCEL_ACTION: buttons.cancel_pending,
        SCHEDULED_CANCEL_ACTION: buttons.cancel_scheduled,
    }
    for action_id, work in routes.items():
        app.action(action_id)(ack=ack_at_once, lazy=[guarded(work, fallback_owner(policy))])


def _actor(body: dict[str, Any]) -> Actor:
    return Actor(platform="slack", user_id=body["user"]["id"])


async def _replace(respond: AsyncRespond, note: str) -> None:
    await respond(text=note, blocks=note_blocks(note), replace_original=True)


class _AiButtons:
    def __init__(self, ai: AiWork) -> None:
        self._ai = ai

    async def use(
        self, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        draft, note = await self._ai.use_draft(draft_id=action["value"], actor=_actor(body))
        if draft is None:  # not theirs, or gone: tell the presser only, keep the card
            await respond(text=note, response_type="ephemeral", replace_original=False)
            return
        await respond(text=note, blocks=_final(draft, note), replace_original=True)

    async def regenerate(
        self, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await _replace(
            respond, await self._ai.regenerate(draft_id=action["value"], actor=_actor(body))
        )

    async def discard(
        self, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await _replace(
            respond, await self._ai.discard(draft_id=action["value"], actor=_actor(body))
        )

    async def confirm(
        self, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        note = await self._ai.confirm_schedule(pending_id=action["value"], actor=_actor(body))
        await _replace(respond, note)

    async def cancel_pending(
        self, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        note = await self._ai.cancel_pending(pending_id=action["value"], actor=_actor(body))
        await _replace(respond, note)

    async def cancel_scheduled(
        self, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        note = await self._ai.cancel_scheduled(post_id=action["value"], actor=_actor(body))
        await respond(text=note, response_type="ephemeral", replace_original=False)


def _final(draft: Draft, note: str) -> list[blocks.Block]:
    """A used draft: the note and the text, with no buttons left to press."""
    return [*note_blocks(note), *note_blocks(blocks.quote(draft.text))]
