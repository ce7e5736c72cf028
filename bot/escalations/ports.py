"""What the escalation domain needs of the world: a store, a job queue, a log (the ports).

The service is handed implementations (``bot.store.escalations.RedisEscalationStore``,
``bot.jobs.Jobs``, ``bot.observability.decision_log.TransitionRecorder``); nothing in
``bot/escalations`` imports Redis or arq. A move reaches the store as plain values -- the
escalation after it, and what must commit with it (its decision-log entry, its timer, its
unsent-ping marker) -- and the store commits them in one transaction or not at all. Every
store and queue method raises :class:`bot.errors.StoreUnavailable` when Redis cannot be reached.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.errors import ShouldAiError
from bot.escalations.model import Escalation
from bot.policy.model import Policy

PolicyGetter = Callable[[], Policy]  # the policy in force now (it may be reloaded any time)

# A move, computed from the stored escalation: the escalation after it, or None for no move.
# It may raise (a refusal); nothing is written then.
Change = Callable[[Escalation], Escalation | None]


@dataclass(frozen=True)
class LogRecord:
    """A decision-log entry, written in the transaction of the move it records."""

    fields: Mapping[str, str]
    max_entries: int  # the log's bound: the stream is trimmed (approximately) to this many


@dataclass(frozen=True)
class Timer:
    """The timer job a move sets: job ``job`` runs at ``due_at`` with ``args`` (JSON values).

    ``job_id`` names the move, and also marks its ping unsent (as of ``set_at``, when the move
    was made) until :meth:`EscalationStore.delivered` is told otherwise.
    """

    job: str
    job_id: str
    due_at: float
    set_at: float
    args: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MoveWrites:
    """What commits in the same transaction as a move, besides the escalation itself."""

    log: LogRecord | None = None
    settled: str | None = None  # the previous move's unsent-ping marker: that ping is moot now
    timer: Timer | None = None


# What commits with the move from ``before`` (None for a new escalation) to ``after``.
Followups = Callable[[Escalation | None, Escalation], MoveWrites]


class EscalationNotFound(KeyError):
    """No escalation has this id (raised by :meth:`EscalationStore.update`)."""


class EscalationStore(Protocol):
    """Where escalations live; each change is a compare-and-set, whatever the replicas do."""

    async def next_id(self) -> str: ...

    async def create(
        self, escalation: Escalation, *, followups: Followups | None = None
    ) -> tuple[Escalation, bool]:
        """Store a new escalation, unless its decision has one: ``(escalation, created)``."""

    async def update(
        self, escalation_id: str, change: Change, *, followups: Followups | None = None
    ) -> Escalation | None:
        """Apply ``change`` atomically; the new escalation, or None if it made no move."""

    async def get(self, escalation_id: str) -> Escalation | None: ...

    async def many(self, ids: list[str]) -> list[Escalation]: ...

    async def list_active(self) -> list[Escalation]:
        """Every escalation not resolved or expired, oldest first."""

    async def due_times(self) -> list[tuple[str, float]]:
        """(id, due_at) of every escalation whose timer is set."""

    async def undelivered(self, *, moved_before: float) -> list[str]:
        """Markers of pings not confirmed sent, for moves made before ``moved_before``."""

    async def is_undelivered(self, marker: str) -> bool: ...

    async def delivered(self, marker: str) -> None:
        """The ping of the move ``marker`` went out (or will never be needed)."""


JobFunction = Callable[..., Awaitable[Any]]  # async def fn(ctx: dict[str, Any], **kwargs)
StartupHook = Callable[[], Awaitable[None]]


class RetryLater(ShouldAiError):
    """Raised by a job function: the queue runs the job again in ``defer_s`` seconds."""

    def __init__(self, *, defer_s: float) -> None:
        super().__init__(f"run the job again in {defer_s:g} s")
        self.defer_s = defer_s


class JobQueue(Protocol):
    """Timers and background work, run once each by one replica."""

    def register(
        self,
        name: str,
        fn: JobFunction,
        *,
        timeout_s: float | None = None,
        max_tries: int | None = None,
    ) -> None: ...

    def register_periodic(
        self,
        name: str,
        fn: JobFunction,
        *,
        minute: set[int] | None = None,
        second: int | None = 0,
        timeout_s: float | None = None,
    ) -> None: ...

    def on_startup(self, hook: StartupHook) -> None: ...

    async def enqueue(
        self,
        name: str,
        /,
        *,
        job_id: str | None = None,
        defer_until: float | None = None,
        defer_by: float | None = None,
        **kwargs: Any,
    ) -> bool:
        """Queue job ``name``; False if job ``job_id`` is already queued."""

    async def queued(self, job_ids: list[str]) -> set[str]:
        """Which of ``job_ids`` are queued (not yet run)."""


class AdminNotice(Protocol):
    """Tells the admins something they must act on (``bot.core.AdminNotices`` does)."""

    async def notify_admins(self, *, message: str) -> None: ...


class TransitionSink(Protocol):
    """Hears of every move, i.e. every transition appended to an escalation's history.

    The move is ``escalation.history[-1]``: each move appends exactly one transition.
    """

    def entry(self, escalation: Escalation) -> LogRecord:
        """The move's decision-log entry, committed in the move's own transaction."""

    def committed(self, escalation: Escalation) -> None:
        """The move was committed by this process (e.g. count it in the metrics)."""
