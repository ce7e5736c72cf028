"""Small helpers every Discord handler shares: the first answer, a note, who pressed, in flight.

Discord wants one initial answer per interaction within 3 seconds; :func:`claim` sends it and
treats Discord's 40060 ("already acknowledged": another replica or shard answered) as "not
ours". :class:`InFlight` lets a shutdown wait for handlers that are mid-way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Iterator
from typing import Any

import discord

from bot.errors import ShouldAiError
from bot.escalations.model import Actor
from handlers.common.i18n import DEFAULT_LANGUAGE, supported
from handlers.discord import render

log = logging.getLogger(__name__)

ALREADY_ACKNOWLEDGED = 40060  # "Interaction has already been acknowledged."


async def claim(interaction: discord.Interaction[Any], answer: Awaitable[Any]) -> bool:
    """Send the first answer to ``interaction``; False if it was already answered elsewhere."""
    try:
        await answer
    except discord.HTTPException as e:
        if e.code == ALREADY_ACKNOWLEDGED:
            log.info("interaction %s already answered elsewhere; skipping", interaction.id)
            return False
        raise
    return True


async def tell(interaction: discord.Interaction[Any], message: str) -> None:
    """An ephemeral note to whoever triggered ``interaction``, answered or not; best effort."""
    embed = render.notice_embed(message)
    try:
        if interaction.response.is_done():
            await interaction.followup.send(embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message(embed=embed, ephemeral=True)
    except discord.HTTPException as e:
        log.warning("could not send a note about interaction %s: %s", interaction.id, e)


def actor_of(interaction: discord.Interaction[Any]) -> Actor:
    return Actor(platform="discord", user_id=str(interaction.user.id))


def presser_language(interaction: discord.Interaction[Any]) -> str:
    """The language of whoever pressed: their Discord client's locale, else the default."""
    locale = str(interaction.locale.value) if interaction.locale else None
    return supported(locale) or DEFAULT_LANGUAGE


def or_missing(view: discord.ui.View | None) -> Any:
    """discord.py's send() takes MISSING, not None, for "no components" in its typed overloads."""
    return view if view is not None else discord.utils.MISSING


class InFlight:
    """The handler tasks running now, so a shutdown can let them finish."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    @contextlib.contextmanager
    def tracked(self) -> Iterator[None]:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._tasks.discard(task)

    async def drain(self, *, timeout_s: float) -> None:
        """Wait (at most ``timeout_s``) for the tracked handlers to finish."""
        pending = [t for t in self._tasks if t is not asyncio.current_task()]
        if not pending:
            return
        _, late = await asyncio.wait(pending, timeout=timeout_s)
        if late:
            log.warning("stopping with %d Discord interaction(s) still being handled", len(late))


class DiscordNotReady(ShouldAiError):
    """The bot has not logged in to Discord yet, so nothing can be sent (a retry will)."""


class LoginGate:
    """Opens once the client has logged in; senders started earlier (a timer job that fires
    while the process is starting) wait here instead of failing on a client with no session."""

    def __init__(self) -> None:
        self._open = asyncio.Event()

    def open(self) -> None:
        self._open.set()

    async def wait(self, *, timeout_s: float = 30.0) -> None:
        try:
            await asyncio.wait_for(self._open.wait(), timeout=timeout_s)
        except TimeoutError:
            raise DiscordNotReady(f"not logged in to Discord after {timeout_s:g} s") from None
