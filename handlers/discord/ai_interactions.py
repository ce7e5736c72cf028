"""AI work from Discord: start it for a routine request, and handle the buttons on its cards.

Drafts (Use it / Regenerate / Discard), a proposed post (Confirm / Cancel) and the list of
scheduled posts (Cancel) carry their id in the button's custom_id; :class:`bot.ai.service.AiWork`
checks that the person pressing asked for it.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.ai.model import ReplyTarget
from bot.ai.service import AiWork
from bot.dedupe import Deduper
from bot.escalations.model import Actor
from bot.policy.model import Decision
from handlers.discord import render
from handlers.discord.components import confirm_view
from handlers.discord.replies import actor_of, claim, or_missing

NOT_SET_UP = "AI work is not set up on this bot."


class AiInteractions:
    def __init__(self, *, ai: AiWork | None, deduper: Deduper) -> None:
        self._ai = ai
        self._deduper = deduper

    async def start(
        self, interaction: discord.Interaction[Any], actor: Actor, decision: Decision, text: str
    ) -> None:
        """Start the AI work for an AI-routed request and say what happens next."""
        if self._ai is None or decision.route != "ai":
            return
        outcome = await self._ai.handle(
            actor=actor, text=text, decision=decision, reply_to=reply_target(interaction, actor)
        )
        if outcome.kind == "none" or not outcome.message:
            return
        view = confirm_view(outcome.pending_id) if outcome.pending_id else None
        await interaction.followup.send(
            embed=render.notice_embed(outcome.message), view=or_missing(view), ephemeral=True
        )

    async def press(self, interaction: discord.Interaction[Any], op: str, ref: str) -> None:
        """A button on a draft, a proposed post or the scheduled list was pressed."""
        if not await claim(interaction, interaction.response.defer()):
            return
        if not await self._deduper.first_time(f"discord:{interaction.id}"):
            return
        if self._ai is None:
            await interaction.followup.send(embed=render.notice_embed(NOT_SET_UP), ephemeral=True)
            return
        done, message = await run_op(self._ai, op, ref, actor_of(interaction))
        # Refused (not theirs, expired): the card stays. A cancelled post leaves the list as is.
        if not done or op == "unschedule":
            await interaction.followup.send(embed=render.notice_embed(message), ephemeral=True)
        else:
            await interaction.edit_original_response(embed=render.notice_embed(message), view=None)


def reply_target(interaction: discord.Interaction[Any], actor: Actor) -> ReplyTarget:
    """Where drafts go: follow-ups of this interaction (15 minutes), then the requester's DMs."""
    return ReplyTarget(
        platform="discord",
        user_id=actor.user_id,
        channel=str(interaction.channel_id) if interaction.channel_id else None,
        ephemeral=True,
        interaction_token=interaction.token,
        application_id=str(interaction.application_id),
    )


async def run_op(ai: AiWork, op: str, ref: str, actor: Actor) -> tuple[bool, str]:
    """Do what the button says; (done, what to show)."""
    match op:
        case "use":
            draft, message = await ai.use_draft(draft_id=ref, actor=actor)
            if draft is None:
                return False, message
            if draft.plan is None and draft.state == "used":
                message = f"{message}\n\n{draft.text}"
            return True, message
        case "again":
            return True, await ai.regenerate(draft_id=ref, actor=actor)
        case "discard":
            return True, await ai.discard(draft_id=ref, actor=actor)
        case "confirm":
            return True, await ai.confirm_schedule(pending_id=ref, actor=actor)
        case "cancel":
            return True, await ai.cancel_pending(pending_id=ref, actor=actor)
        case _:
            return True, await ai.cancel_scheduled(post_id=ref, actor=actor)
