"""AI work on Discord: what follows the verdict for a routine request, and the buttons on its
cards.

Drafts (Use it / Regenerate / Discard), a proposed post (Confirm / Cancel) and the list of
scheduled posts (Cancel) carry their id in the button's custom_id; what a press means is the
core's (:class:`bot.core.flows.Presses`), which checks that the person pressing asked for it.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.ai.model import ReplyTarget
from bot.ai.notes import AiOutcome
from bot.core.flows import Presses
from bot.core.outcomes import AiOp, AiPress
from bot.escalations.model import Actor
from handlers.common.ai_text import ai_text
from handlers.discord import render
from handlers.discord.components import confirm_view
from handlers.discord.replies import actor_of, claim, or_missing


class AiInteractions:
    def __init__(self, *, presses: Presses) -> None:
        self._presses = presses

    async def show_outcome(self, interaction: discord.Interaction[Any], outcome: AiOutcome) -> None:
        """Say what happens next for an AI-routed request (drafting, a question, Confirm)."""
        if outcome.kind == "none" or outcome.note is None:
            return
        view = confirm_view(outcome.pending_id) if outcome.pending_id else None
        await interaction.followup.send(
            embed=render.notice_embed(ai_text(outcome.note)), view=or_missing(view), ephemeral=True
        )

    async def press(self, interaction: discord.Interaction[Any], op: AiOp, ref: str) -> None:
        """A button on a draft, a proposed post or the scheduled list was pressed."""
        if not await claim(interaction, interaction.response.defer()):
            return
        pressed = await self._presses.ai(
            actor=actor_of(interaction), op=op, ref=ref, dedupe_key=str(interaction.id)
        )
        if pressed is None:
            return
        embed = render.notice_embed(_answer(pressed))
        if pressed.replaces_card:
            await interaction.edit_original_response(embed=embed, view=None)
        else:
            await interaction.followup.send(embed=embed, ephemeral=True)


def _answer(pressed: AiPress) -> str:
    """The answer to a press; a draft used as it is shows its text below."""
    draft = pressed.draft
    if pressed.op == "use" and draft is not None and draft.plan is None and draft.state == "used":
        return f"{ai_text(pressed.note)}\n\n{draft.text}"
    return ai_text(pressed.note)


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
