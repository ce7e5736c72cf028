"""The Slack side of the AI work, in two calls the Slack adapter makes, so its listeners stay thin.

- :func:`present_routine`: after the verdict for a request routed to AI, start the work and
  show what happens next (drafting note, a schedule to confirm, a question).
- :func:`handle_action`: a click on one of the AI buttons (:data:`AI_ACTIONS`); the card is
  replaced with the result.

``respond`` is Bolt's ``respond`` (the command's or the click's response_url).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.ai import slack_delivery as ui
from bot.ai.model import ReplyTarget
from bot.ai.service import AiWork
from bot.escalations.model import Actor
from bot.policy.model import Decision

log = logging.getLogger(__name__)

Respond = Callable[..., Awaitable[Any]]

AI_ACTIONS = (
    ui.DRAFT_USE_ACTION,
    ui.DRAFT_REGENERATE_ACTION,
    ui.DRAFT_DISCARD_ACTION,
    ui.SCHEDULE_CONFIRM_ACTION,
    ui.SCHEDULE_CANCEL_ACTION,
    ui.SCHEDULED_CANCEL_ACTION,
)


async def present_routine(
    ai: AiWork,
    *,
    actor: Actor,
    text: str,
    decision: Decision,
    channel_id: str,
    respond: Respond,
    thread_ts: str | None = None,
) -> None:
    reply_to = ReplyTarget(
        platform="slack", user_id=actor.user_id, channel=channel_id or None, thread_ts=thread_ts,
        response_url=getattr(respond, "response_url", None),
    )
    outcome = await ai.handle(actor=actor, text=text, decision=decision, reply_to=reply_to)
    if outcome.kind == "none":
        return
    fallback, blocks = ui.outcome_blocks(outcome)
    await respond(
        text=fallback, blocks=blocks, response_type="ephemeral", replace_original=False
    )


async def handle_action(
    ai: AiWork, *, action_id: str, value: str, actor: Actor, respond: Respond
) -> None:
    """Run the click and replace the card it came from with the answer."""
    if action_id == ui.DRAFT_USE_ACTION:
        draft, message = await ai.use_draft(draft_id=value, actor=actor)
        if draft is not None and draft.state == "used" and draft.plan is None:
            message = f"{message}\n\n{draft.text}"
    elif action_id == ui.DRAFT_REGENERATE_ACTION:
        message = await ai.regenerate(draft_id=value, actor=actor)
    elif action_id == ui.DRAFT_DISCARD_ACTION:
        message = await ai.discard(draft_id=value, actor=actor)
    elif action_id == ui.SCHEDULE_CONFIRM_ACTION:
        message = await ai.confirm_schedule(pending_id=value, actor=actor)
    elif action_id == ui.SCHEDULE_CANCEL_ACTION:
        message = await ai.cancel_pending(pending_id=value, actor=actor)
    elif action_id == ui.SCHEDULED_CANCEL_ACTION:
        message = await ai.cancel_scheduled(post_id=value, actor=actor)
    else:
        raise ValueError(f"not an AI action: {action_id}")
    await respond(text=message, blocks=ui.note_blocks(message), replace_original=True)
