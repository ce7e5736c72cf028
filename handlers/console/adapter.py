"""The console as an adapter: always built, so pings, status changes, admin notices and drafts
of requests typed on the terminal print there; :meth:`ConsoleAdapter.run` answers what is typed
when ``should-ai serve`` runs on a terminal with no chat platform."""

from __future__ import annotations

import asyncio

from bot.core import Core
from bot.settings import Settings
from handlers.console.assists import ConsoleAssistShare
from handlers.console.feedback import ConsoleDigest
from handlers.console.notifier import ConsoleNotifier
from handlers.console.repl import run_console, stdin_is_tty


class ConsoleAdapter:
    platform = "console"

    def __init__(self, *, core: Core, notifier: ConsoleNotifier, language: str = "en") -> None:
        self._core = core
        self._language = language
        self.notifier = notifier

    @staticmethod
    def interactive() -> bool:
        """True when a person can type requests (stdin is a terminal)."""
        return stdin_is_tty()

    async def run(self, stop: asyncio.Event) -> None:
        """Answer typed lines until EOF (which sets ``stop``) or ``stop``."""
        await run_console(self._core, stop, default_language=self._language)


def build(
    settings: Settings, core: Core, *, notifier: ConsoleNotifier | None = None
) -> ConsoleAdapter:
    """The console, its ports registered with ``core``; ``notifier`` prints elsewhere than
    stdout (tests)."""
    notifier = notifier or ConsoleNotifier()
    notifier.language = notifier.language or settings.default_language
    notifier.bind_policy(core.policy)
    core.register_notifier("console", notifier)
    core.register_drafts("console", notifier)
    core.register_poster("console", notifier, named_channels=True)  # prints at the time
    core.register_admin_notices(notifier)
    core.register_assist_share("console", ConsoleAssistShare(core, notifier.stream))
    core.register_digest(ConsoleDigest(core, notifier), last=True)
    return ConsoleAdapter(core=core, notifier=notifier, language=settings.default_language)
