"""Errors of the Redis-backed store.

:class:`StoreUnavailable` is defined with the project's other errors in ``bot/errors.py``, so the
escalation domain's ports can name it without importing the store; it is re-exported here for
the store's callers.
"""

from __future__ import annotations

from bot.errors import StoreUnavailable

__all__ = ["StoreUnavailable"]
