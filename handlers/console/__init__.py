"""The console adapter: ``should-ai serve`` on a terminal. Requests typed on stdin are answered
as the chat adapters answer them (:mod:`handlers.console.repl`), and pings, status changes,
admin notices and drafts print there (:mod:`handlers.console.notifier`), in plain words."""

from handlers.console.notifier import ConsoleNotifier

__all__ = ["ConsoleNotifier"]
