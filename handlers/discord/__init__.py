"""The Discord adapter: the /should-ai slash command and persistent buttons through discord.py,
embeds, and Discord's side of the core's ports (escalation DMs and status cards, drafts, timer
posts, admin DMs). :func:`enabled` says whether settings turn it on; :func:`build` wires it to
the core, registering its ports; discord.py is only imported then."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core import ChatAdapter, Core
    from bot.settings import Settings

__all__ = ["SETUP_HINT", "build", "enabled"]

SETUP_HINT = "DISCORD_TOKEN"


def enabled(settings: Settings) -> bool:
    return settings.discord_token is not None


def build(settings: Settings, core: Core) -> ChatAdapter:
    from handlers.discord.adapter import build as build_discord

    return build_discord(settings, core)
