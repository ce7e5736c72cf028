"""Redis, where everything that must outlive a process lives.

Owns the connections the settings ask for (``connection``: one server, Redis Sentinel, or the
supervised embedded server of ``embedded``, as ``address`` reads SHOULD_AI_REDIS_URL; every
client has socket timeouts), every key name (``keys``), the escalation store (``escalations``,
which implements :class:`bot.escalations.ports.EscalationStore`, is the only place an
escalation's Redis transaction is built, and waits for replicas when the URL asks), and retrying
while Redis is away (``retry``). Every call raises :class:`StoreUnavailable` when Redis cannot be
reached, does not answer in time, or no replica confirms a move.
"""

from bot.store import keys
from bot.store.address import RedisUrlError
from bot.store.connection import connect, open_redis
from bot.store.embedded import EmbeddedRedis
from bot.store.errors import StoreUnavailable
from bot.store.escalations import RedisEscalationStore
from bot.store.retry import backoff_delays, retry_with_backoff

__all__ = [
    "EmbeddedRedis",
    "RedisEscalationStore",
    "RedisUrlError",
    "StoreUnavailable",
    "backoff_delays",
    "connect",
    "keys",
    "open_redis",
    "retry_with_backoff",
]
