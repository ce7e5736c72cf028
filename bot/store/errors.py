"""Errors of the Redis-backed store."""

from __future__ import annotations

from bot.errors import ShouldAiError


class StoreUnavailable(ShouldAiError):
    """Redis could not be reached or answered with an error; nothing was stored.

    Callers retry (see :func:`bot.store.retry.retry_with_backoff`) or tell the user to contact
    the owner directly. A request is never routed to AI because the store is down.
    """
