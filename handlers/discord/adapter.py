"""The Discord adapter ``should-ai serve`` runs when DISCORD_TOKEN is set.

:func:`build` wires the discord.py client to the core and registers its ports;
:meth:`DiscordAdapter.start` logs in, registers the persistent buttons, syncs /should-ai
(guild-scoped when SHOULD_AI_DISCORD_GUILD_ID is set, global otherwise) and then holds the
gateway connection until :meth:`DiscordAdapter.stop`. discord.py reconnects and resumes on its
own; its HTTP client waits out 429s as Discord asks.
"""

from __future__ import annotations

import logging
from typing import Literal

import discord
from aiohttp import web
from discord import app_commands

from bot.core import Core
from bot.errors import ShouldAiError
from bot.escalations.permissions import Admins
from bot.settings import Settings
from handlers.common.readers import Readers
from handlers.discord.ai_delivery import DiscordDraftDelivery, DiscordPoster
from handlers.discord.assists import DiscordAssists, DiscordAssistShare
from handlers.discord.client import (
    build_tree,
    invite_url,
    make_client,
    sync_commands,
    syncs_commands,
)
from handlers.discord.feedback import DiscordDigestDelivery, register_feedback
from handlers.discord.interactions import DiscordInteractions
from handlers.discord.notifier import DiscordNotifier
from handlers.discord.replies import LoginGate

log = logging.getLogger(__name__)

DRAIN_TIMEOUT_S = 10.0


class DiscordTokenMissing(ShouldAiError):
    """The Discord adapter was built without DISCORD_TOKEN."""


def use_api_url(url: str | None) -> None:
    """Point discord.py's HTTP and webhook calls at ``url`` (SHOULD_AI_DISCORD_API_URL).

    discord.py keeps the base URL in one class attribute, ``discord.http.Route.BASE``, read each
    time a route is built, so this holds for the whole process.
    """
    if url:
        discord.http.Route.BASE = url.rstrip("/")


class DiscordAdapter:
    """Implements :class:`bot.core.ports.ChatAdapter` for Discord."""

    platform: Literal["discord"] = "discord"

    def __init__(
        self,
        *,
        settings: Settings,
        client: discord.Client,
        tree: app_commands.CommandTree,
        notifier: DiscordNotifier,
        interactions: DiscordInteractions,
        gate: LoginGate,
        admins: Admins,
    ) -> None:
        self.gate = gate
        self.admins = admins
        self.settings = settings
        self.client = client
        self.tree = tree
        self.notifier = notifier
        self.interactions = interactions

    def mount(self, web_app: web.Application) -> None:
        """Nothing to mount: Discord talks to the bot over the gateway, not HTTP."""

    async def login(self) -> None:
        """Log in over HTTP and sync the commands; the gateway is not connected yet."""
        token = self.settings.discord_token
        if token is None:
            raise DiscordTokenMissing("DISCORD_TOKEN is not set")
        await self.client.login(token.get_secret_value())
        self.gate.open()
        if self.client.application_id is not None:
            log.info("add the bot to a server with %s", invite_url(self.client.application_id))
        if syncs_commands(self.settings):
            await self._sync()

    async def _sync(self) -> None:
        """Register /should-ai; a refusal is logged, not fatal: the buttons of open escalations
        and the commands Discord already has keep working."""
        where = self.settings.discord_guild_id or "all guilds"
        try:
            synced = await sync_commands(self.tree, guild_id=self.settings.discord_guild_id)
        except discord.HTTPException as e:
            log.error(
                "Discord refused to register /should-ai in %s (%s). Was the bot invited with the "
                "applications.commands scope (and, with SHOULD_AI_DISCORD_GUILD_ID, to that "
                "server)? Invite URL: %s",
                where,
                e,
                invite_url(self.client.application_id or 0),
            )
            return
        log.info("synced %s to %s", ", ".join(f"/{c.name}" for c in synced), where)

    async def start(self) -> None:
        """Log in, sync, then hold the gateway connection until :meth:`stop`."""
        await self.login()
        await self.client.connect(reconnect=True)

    async def stop(self) -> None:
        """Let interactions being handled finish (a deploy must not cut a press in half)."""
        await self.interactions.drain(timeout_s=DRAIN_TIMEOUT_S)
        await self.client.close()

    async def notify_admins(self, *, message: str) -> None:
        """DM every Discord id in SHOULD_AI_ADMINS (bad policy edits, for instance)."""
        await self.notifier.notify_admins(admins=self.admins, message=message)


def build(settings: Settings, core: Core) -> DiscordAdapter:
    """The Discord adapter, its ports registered with ``core`` (before the job worker starts:
    the timer posts register a job)."""
    if settings.discord_token is None:
        raise DiscordTokenMissing("DISCORD_TOKEN is not set")
    use_api_url(settings.discord_api_url)
    readers = Readers(policy=core.policy, platform="discord", default=settings.default_language)
    interactions = DiscordInteractions(
        commands=core.commands,
        after_decision=core.after_decision,
        presses=core.presses,
        policy=core.policy,
        readers=readers,
    )
    client = make_client(settings, interactions)
    tree = build_tree(client, admins=core.admins)
    register_feedback(client, core)
    gate = LoginGate()
    notifier = DiscordNotifier(client=client, policy=core.policy, gate=gate, readers=readers)
    core.register_digest(DiscordDigestDelivery(client=client, ready=gate.wait, policy=core.policy))
    adapter = DiscordAdapter(
        settings=settings,
        client=client,
        tree=tree,
        notifier=notifier,
        interactions=interactions,
        gate=gate,
        admins=core.admins,
    )
    core.register_notifier("discord", notifier)
    core.register_drafts("discord", DiscordDraftDelivery(client=client, gate=gate))
    core.register_poster("discord", DiscordPoster(client=client, gate=gate))
    core.register_admin_notices(adapter)
    if core.owner_help is not None:  # AI help for owners (issue 19)
        DiscordAssists(core.owner_help, core.policy).attach(client)
        core.register_assist_share("discord", DiscordAssistShare(client, core.policy))
    return adapter
