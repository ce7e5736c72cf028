"""How AI work reaches people on Discord: drafts, late news, and scheduled posts at their time.

A draft goes to the requester as an ephemeral follow-up of their /should-ai interaction while
its token lives (15 minutes), else as a DM. A scheduled post is posted by the timer job of
:mod:`bot.ai.timer_scheduler` through :class:`DiscordPoster`; an error raised here makes that
job retry.
"""

from __future__ import annotations

import logging
import re

import discord

from bot.ai.model import ChannelMention, Draft, ReplyTarget
from bot.ai.notes import AiNote
from handlers.common.ai_text import ai_text, draft_headline
from handlers.discord import render
from handlers.discord.components import draft_view
from handlers.discord.notifier import interaction_webhook
from handlers.discord.replies import LoginGate, or_missing

log = logging.getLogger(__name__)

# How Discord hands over a channel the user picked while typing: <#123456789>.
_CHANNEL_MENTION = re.compile(r"<#(?P<id>\d+)>")


class DiscordDraftDelivery:
    """Implements :class:`bot.ai.model.DraftDelivery` for Discord."""

    def __init__(self, *, client: discord.Client, gate: LoginGate) -> None:
        self._client = client
        self._gate = gate

    async def deliver_draft(self, *, draft: Draft) -> None:
        embed = render.draft_embed(
            headline=f"`{draft.id}` {draft_headline(draft)}", text=draft.text
        )
        await self._send(draft.reply_to, embed=embed, view=draft_view(draft.id))

    async def tell(self, *, reply_to: ReplyTarget, note: AiNote) -> None:
        await self._send(reply_to, embed=render.notice_embed(ai_text(note)), view=None)

    async def _send(
        self, reply_to: ReplyTarget, *, embed: discord.Embed, view: discord.ui.View | None
    ) -> None:
        await self._gate.wait()
        if await self._follow_up(reply_to, embed=embed, view=view):
            return
        if not reply_to.user_id.isdigit():
            raise discord.DiscordException(f"no Discord user to reach for {reply_to.user_id!r}")
        dm = await self._client.create_dm(discord.Object(int(reply_to.user_id)))
        await dm.send(embed=embed, view=or_missing(view))

    async def _follow_up(
        self, reply_to: ReplyTarget, *, embed: discord.Embed, view: discord.ui.View | None
    ) -> bool:
        """An ephemeral follow-up to the interaction; False once its token has expired."""
        if not (reply_to.interaction_token and reply_to.application_id):
            return False
        hook = interaction_webhook(
            self._client, reply_to.application_id, reply_to.interaction_token
        )
        try:
            await hook.send(embed=embed, view=or_missing(view), ephemeral=True, wait=True)
        except discord.HTTPException as e:
            if e.status not in (401, 403, 404):
                raise
            log.info("interaction token expired (%s); sending by DM instead", e)
            return False
        return True


class DiscordPoster:
    """Implements :class:`bot.ai.timer_scheduler.ChannelPoster`: post text in a channel now."""

    def __init__(self, *, client: discord.Client, gate: LoginGate) -> None:
        self._client = client
        self._gate = gate

    async def post(self, *, channel_id: str, text: str) -> None:
        await self._gate.wait()
        channel = self._client.get_partial_messageable(int(channel_id))
        await channel.send(content=text[:2000])

    def channel_mention(self, text: str) -> ChannelMention | None:
        return channel_mention(text)


def channel_mention(text: str) -> ChannelMention | None:
    """The last ``<#123>`` in ``text``, as channel ``123``."""
    return ChannelMention.last(_CHANNEL_MENTION, text)
