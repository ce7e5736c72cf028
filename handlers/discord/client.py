"""The discord.py client should-ai runs: intents, sharding, the /should-ai command tree.

Intents: only ``guilds`` (not privileged). Slash commands and button presses arrive as
interactions, which need no intent at all; ``guilds`` keeps discord.py's channel cache sound.
No message content, members or presences.
"""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.errors import UsageError
from bot.escalations.permissions import Admins
from bot.intake.commands import ADMIN_ONLY
from bot.settings import Settings
from handlers.common.i18n import DEFAULT_LANGUAGE, N_, _, language, supported
from handlers.discord.components import DYNAMIC_ITEMS, InteractionHandler, handler_of
from handlers.discord.escalation_modals import MoreButton
from handlers.discord.replies import actor_of

COMMAND = "should-ai"
SUB_COMMANDS = ("why ", "queue", "help", "policy", "scheduled", "reload", "mine", "away until ")


class ShouldAiClient(discord.Client):
    """One gateway connection (small installs)."""

    def __init__(self, *, handler: InteractionHandler, **options: Any) -> None:
        super().__init__(**options)
        self.should_ai = handler


class ShardedShouldAiClient(discord.AutoShardedClient):
    """Several shards in one process; which ones comes from settings."""

    def __init__(self, *, handler: InteractionHandler, **options: Any) -> None:
        super().__init__(**options)
        self.should_ai = handler


# What the bot does in channels: read the channel it posts in, post, and show embeds.
PERMISSIONS = discord.Permissions(view_channel=True, send_messages=True, embed_links=True)
SCOPES = ("bot", "applications.commands")


def intents() -> discord.Intents:
    return discord.Intents(guilds=True)


def invite_url(application_id: int) -> str:
    """The URL a server admin opens to add the bot with the scopes and permissions it needs."""
    return discord.utils.oauth_url(application_id, permissions=PERMISSIONS, scopes=SCOPES)


def make_client(settings: Settings, handler: InteractionHandler) -> discord.Client:
    """A plain client, or an auto-sharded one when a shard count is set."""
    if settings.discord_shard_count is None:
        if settings.discord_shard_ids.strip():
            raise UsageError(
                "SHOULD_AI_DISCORD_SHARD_IDS needs SHOULD_AI_DISCORD_SHARD_COUNT (the total "
                "number of shards across all processes)"
            )
        return ShouldAiClient(handler=handler, intents=intents())
    shard_ids = _shard_ids(settings)
    return ShardedShouldAiClient(
        handler=handler,
        intents=intents(),
        shard_count=settings.discord_shard_count,
        shard_ids=shard_ids,
    )


def _shard_ids(settings: Settings) -> list[int] | None:
    try:
        ids = settings.discord_shards()
    except ValueError as e:
        raise UsageError(
            f"SHOULD_AI_DISCORD_SHARD_IDS must be comma-separated integers, got "
            f"{settings.discord_shard_ids!r}"
        ) from e
    count = settings.discord_shard_count or 0
    if ids is not None and any(not 0 <= i < count for i in ids):
        raise UsageError(f"SHOULD_AI_DISCORD_SHARD_IDS {ids} must lie in 0..{count - 1}")
    return ids


def syncs_commands(settings: Settings) -> bool:
    """Only one process of a sharded install syncs the commands: the one running shard 0."""
    ids = settings.discord_shards() if settings.discord_shard_count else None
    return ids is None or 0 in ids


def build_tree(client: discord.Client, *, admins: Admins) -> app_commands.CommandTree:
    """The /should-ai command (one free-text option, like Slack's, parsed by bot/commands.py);
    also registers the persistent escalation and AI buttons with ``client``."""
    tree: app_commands.CommandTree = app_commands.CommandTree(client)

    @app_commands.command(
        name=COMMAND,
        description=app_commands.locale_str(
            N_("Ask whether AI may do this, or which person must own it")
        ),
    )
    @app_commands.describe(
        request=app_commands.locale_str(
            N_("What you want to do; or: why <request>, queue, policy, scheduled, help, reload")
        )
    )
    async def should_ai(interaction: discord.Interaction[Any], request: str) -> None:
        await handler_of(interaction.client).on_request(interaction, request)

    @should_ai.autocomplete("request")
    async def suggest(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return suggestions(current, admin=admins.includes(actor_of(interaction)))

    tree.add_command(should_ai)
    client.add_dynamic_items(*DYNAMIC_ITEMS)
    client.add_dynamic_items(MoreButton)
    return tree


def suggestions(current: str, *, admin: bool) -> list[app_commands.Choice[str]]:
    """The sub-commands that start with what was typed so far; nothing once it is a request.

    Suggesting the typed text itself would cap it at Discord's 100-character choice value and
    cut a long request short, so a request is never offered back as a choice.
    """
    typed = current.strip().lower()
    words = [w.strip() for w in SUB_COMMANDS if admin or w.strip() not in ADMIN_ONLY]
    return [app_commands.Choice(name=w, value=w) for w in words if w.startswith(typed)]


async def sync_commands(
    tree: app_commands.CommandTree, *, guild_id: int | None
) -> list[app_commands.AppCommand]:
    """Register /should-ai with Discord: in one guild (instant) or globally, its description in
    every language the catalogues speak (each user's Discord client shows theirs)."""
    await tree.set_translator(CatalogTranslator())
    if guild_id is None:
        return await tree.sync()
    guild = discord.Object(guild_id)
    tree.copy_global_to(guild=guild)
    return await tree.sync(guild=guild)


class CatalogTranslator(app_commands.Translator):
    """The command's description and option text from the catalogues, per Discord locale."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        code = supported(locale.value)
        if code is None or code == DEFAULT_LANGUAGE:
            return None  # Discord shows the English text
        with language(code):
            return _(string.message)  # marked with N_ where the command is declared
