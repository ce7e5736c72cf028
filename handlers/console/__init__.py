"""The console adapter: ``should-ai serve`` on a terminal. It is always built (:func:`build`):
pings, status changes, admin notices and drafts print there, in plain words
(:mod:`handlers.console.notifier`); with no chat platform and a terminal, requests typed on
stdin are answered as the chat adapters answer them (:mod:`handlers.console.repl`)."""

from handlers.console.adapter import ConsoleAdapter, build
from handlers.console.notifier import ConsoleNotifier

__all__ = ["ConsoleAdapter", "ConsoleNotifier", "build"]
