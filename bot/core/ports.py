"""The ports: what the core needs of a chat platform, and what a platform's adapter is.

Each is a narrow Protocol an adapter in ``handlers/<platform>/`` implements and registers with
the :class:`~bot.core.facade.Core` it is given (its ``build(settings, core)``). Three are defined
beside the part of the core that calls them, and only named here: the escalation
:class:`~bot.escalations.model.Notifier`, :class:`~bot.ai.model.DraftDelivery` and
:class:`~bot.ai.model.PostScheduler` (or, for a platform that cannot post later,
:class:`~bot.ai.timer_scheduler.ChannelPoster`), and admin notices
(:class:`~bot.reload.AdminNotifier`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from aiohttp import web

from bot.ai.model import DraftDelivery, PostScheduler
from bot.ai.timer_scheduler import ChannelPoster
from bot.escalations.model import Notifier, Platform
from bot.reload import AdminNotifier
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.core.facade import Core

__all__ = [
    "AdapterPlugin",
    "AdminNotifier",
    "ChannelPoster",
    "ChatAdapter",
    "DraftDelivery",
    "Notifier",
    "PostScheduler",
]


class ChatAdapter(Protocol):
    """A running chat platform, as ``should-ai serve`` supervises it."""

    @property
    def platform(self) -> Platform: ...

    def mount(self, web_app: web.Application) -> None:
        """Add the platform's HTTP routes to the bot's server (Slack's HTTP mode), if any."""

    async def start(self) -> None:
        """Connect; may return at once (HTTP, a background socket) or hold until stop()."""

    async def stop(self) -> None: ...


class AdapterPlugin(Protocol):
    """What a ``handlers/<platform>/`` package offers the composition root: whether settings
    turn it on (the platform's own credential rules), and how to build it. Building it
    registers its ports with ``core``."""

    SETUP_HINT: str  # the settings that turn it on, for the log when none is

    def enabled(self, settings: Settings) -> bool: ...

    def build(self, settings: Settings, core: Core) -> ChatAdapter: ...
