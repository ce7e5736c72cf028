"""Redis, where everything that must outlive a process lives.

Owns the connections the settings ask for (``connection``: a server URL, or the embedded server
of ``embedded``; every client has socket timeouts), every key name (``keys``), the escalation
store (``escalations``, which implements :class:`bot.escalations.ports.EscalationStore` and is
the only place an escalation's Redis transaction is built), and retrying while Redis is away
(``retry``). Every call raises :class:`StoreUnavailable` when Redis cannot be reached or does
not answer in time.
"""

from bot.store import keys
from bot.store.connection import connect, open_redis
from bot.store.embedded import EmbeddedRedis
from bot.store.errors import StoreUnavailable
from bot.store.escalations import RedisEscalationStore
from bot.store.retry import backoff_delays, retry_with_backoff

__all__ = [
    "EmbeddedRedis",
    "RedisEscalationStore",
    "StoreUnavailable",
    "backoff_delays",
    "connect",
    "keys",
    "open_redis",
    "retry_with_backoff",
]
