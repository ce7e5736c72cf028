"""Every error should-ai raises on purpose derives from :class:`ShouldAiError`."""

from __future__ import annotations


class ShouldAiError(Exception):
    """Base of the project's own errors."""


class PolicyError(ShouldAiError):
    """A policy file is malformed, names an unknown person or holds a pattern that won't compile.

    The message names the file, the line (when known) and the key, so an admin can fix it.
    """

    def __init__(self, message: str, *, file: str, line: int | None = None, key: str = "") -> None:
        self.file = file
        self.line = line
        self.key = key
        where = file if line is None else f"{file}:{line}"
        super().__init__(f"{where}: {key + ': ' if key else ''}{message}")


class UsageError(ShouldAiError):
    """The user asked for something that cannot be done as asked (empty text, missing file)."""


class StoreUnavailable(ShouldAiError):
    """Redis could not be reached or answered with an error; nothing was stored.

    Callers retry (see :func:`bot.store.retry.retry_with_backoff`) or tell the user to contact
    the owner directly. A request is never routed to AI because the store is down. It lives here,
    not in ``bot.store``, because the domain's ports (``bot.escalations.ports``) promise it too.
    """
