"""The decision log: every decision and every escalation transition, in a Redis Stream.

Each entry says who asked, which route and category the policy chose, which owner, and under
which policy revision, so an admin can answer "why did the bot say that?" weeks later. Request
text is masked unless ``SHOULD_AI_LOG_FULL_TEXT`` is on, and always cut to a bounded length.
The stream is trimmed with ``MAXLEN ~`` so it never grows without bound.

Decisions and events are written behind: each entry joins an in-process backlog that one writer
task sends to Redis in pipelined batches, retrying until Redis takes it. The caller waits for
its entry at most ``timeout_s`` (so a hung Redis never holds a decision), but an entry that was
not written in that time is *not* dropped: a burst of 1,000 requests, or a Redis that is slow or
down for a while, delays the audit trail instead of losing it. Only a backlog past
``backlog_max`` entries (a long outage) drops new entries, counted in
``should_ai_store_errors{component="decision_log_dropped"}``. A batch whose reply was lost may
be written twice, never not at all. Transitions are not written here: they commit in the same
MULTI as the move they record (:meth:`DecisionLog.transition_record`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from collections import deque
from dataclasses import dataclass, field

import redis.asyncio as aioredis

from bot.escalations.model import Actor, Escalation, Transition
from bot.escalations.ports import LogRecord
from bot.observability.failopen import STORE_ERRORS
from bot.observability.metrics import Metrics
from bot.policy.model import Decision
from bot.store.keys import DECISION_LOG_STREAM


def mask_text(text: str) -> str:
    """What the log keeps of a request by default: its length and a short digest, no words."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"[masked: {len(text)} chars, sha256 {digest}]"


def _stamped(fields: dict[str, str]) -> dict[str, str]:
    """An entry's fields, led by the time it was written."""
    return {"at": f"{time.time():.3f}", **fields}


@dataclass(frozen=True)
class LogEntry:
    """One stream entry; ``fields`` are the flat strings stored in Redis."""

    id: str
    fields: dict[str, str]

    @property
    def kind(self) -> str:
        return self.fields.get("kind", "")

    def summary(self) -> str:
        """One line an admin can read in a terminal."""
        f = self.fields
        at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(float(f.get("at", "0"))))
        if self.kind == "decision":
            return (
                f"{at} decision {f.get('decision_id')} rev={f.get('policy_revision')} "
                f"who={f.get('who')} route={f.get('route')} category={f.get('category') or '-'} "
                f"owner={f.get('owner') or '-'} text={f.get('text')!r}"
            )
        if self.kind == "shadow":
            return (
                f"{at} shadow {f.get('decision_id')} would have escalated to "
                f"{f.get('would_have') or '-'} [{f.get('would_category')}]"
            )
        if self.kind != "transition":
            extra = " ".join(
                f"{k}={v}" for k, v in f.items() if k not in ("at", "kind", "decision_id")
            )
            return f"{at} {self.kind} {f.get('decision_id')} {extra}".rstrip()
        return (
            f"{at} escalation {f.get('escalation_id')} -> {f.get('state')} "
            f"level={f.get('level')} assignee={f.get('assignee') or '-'} by={f.get('by') or '-'} "
            f"decision={f.get('decision_id')} rev={f.get('policy_revision')}"
        )


@dataclass
class _Pending:
    """An entry waiting in the backlog, and the future its writer resolves with its stream id."""

    fields: dict[str, str]
    written: asyncio.Future[str] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


BATCH_MAX = 500  # entries per pipelined round trip
RETRY_MAX_S = 5.0  # the longest wait between two attempts while Redis refuses


class DecisionLog:
    def __init__(
        self,
        redis: aioredis.Redis,
        *,
        metrics: Metrics,
        full_text: bool = False,
        max_text_chars: int = 500,
        max_entries: int = 100_000,
        timeout_s: float = 1.0,
        backlog_max: int = 50_000,
    ) -> None:
        self._redis = redis
        self._metrics = metrics
        self._full_text = full_text
        self._max_text_chars = max_text_chars
        self._max_entries = max_entries
        self._timeout_s = timeout_s
        self._backlog_max = backlog_max
        self._backlog: deque[_Pending] = deque()
        self._wake: asyncio.Event | None = None
        self._writer: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _loggable(self, text: str) -> str:
        shown = text if self._full_text else mask_text(text)
        return shown[: self._max_text_chars]

    async def record_decision(self, *, decision: Decision, actor: Actor, text: str) -> str | None:
        """Append a decision; returns the entry id, or None if Redis could not take it."""
        owner = decision.owner
        return await self._append(
            {
                "kind": "decision",
                "decision_id": decision.decision_id,
                "policy_revision": decision.policy_revision,
                "who": f"{actor.platform}:{actor.user_id}",
                "route": decision.route,
                "category": decision.category or "",
                "owner": f"{owner.id} ({owner.name})" if owner else "",
                "confidence": f"{decision.confidence:.3f}",
                "reasons": "; ".join(f"{r.layer}:{r.detail}" for r in decision.reasons)[:500],
                "text": self._loggable(text),
            }
        )

    def transition_record(self, *, escalation: Escalation, transition: Transition) -> LogRecord:
        """The entry of one transition, for the escalation store to write in the move's MULTI.

        This is the only way a transition reaches the log: the move and its entry then commit
        together or not at all. Unlike the ``record_`` methods this does not fail open: an
        unreachable Redis fails the move itself.
        """
        fields = _stamped(self._transition_fields(escalation, transition))
        return LogRecord(fields=fields, max_entries=self._max_entries)

    def _transition_fields(self, escalation: Escalation, transition: Transition) -> dict[str, str]:
        return {
            "kind": "transition",
            "escalation_id": escalation.id,
            "decision_id": escalation.decision_id,
            "policy_revision": escalation.policy_revision,
            "who": escalation.requester,
            "category": escalation.category,
            "state": transition.state,
            "level": str(transition.level),
            "assignee": transition.assignee or "",
            "by": transition.by or "",
            "note": transition.note[: self._max_text_chars],
            "comment": transition.comment[: self._max_text_chars],
            "outcome": transition.outcome[: self._max_text_chars],
        }

    async def record_event(
        self, *, kind: str, decision_id: str, fields: dict[str, str]
    ) -> str | None:
        """Append another part's event about a decision (e.g. ``kind="ai"``: draft queued)."""
        if kind in ("decision", "transition"):
            raise ValueError(f"kind {kind!r} is reserved for record_decision and transition_record")
        extra = {
            k: v[: self._max_text_chars]
            for k, v in fields.items()
            if k not in ("at", "kind", "decision_id")
        }
        return await self._append({"kind": kind, "decision_id": decision_id, **extra})

    async def _append(self, fields: dict[str, str]) -> str | None:
        """Queue an entry and wait (at most ``timeout_s``) until it is written; its id, or None
        if it is still waiting (it will be written later) or the backlog was full (dropped)."""
        if len(self._backlog) >= self._backlog_max:
            self._metrics.store_errors.labels(component="decision_log_dropped").inc()
            return None
        pending = _Pending(fields=_stamped(fields))
        self._backlog.append(pending)
        self._start_writer().set()
        try:
            async with asyncio.timeout(self._timeout_s):
                return await asyncio.shield(pending.written)
        except TimeoutError:
            return None

    def _start_writer(self) -> asyncio.Event:
        loop = asyncio.get_running_loop()
        if self._wake is None or self._loop is not loop:  # a CLI may run several loops in turn
            self._loop, self._wake, self._writer = loop, asyncio.Event(), None
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_loop(), name="decision log writer")
        return self._wake

    async def _write_loop(self) -> None:
        assert self._wake is not None
        wait = 0.05
        while True:
            if not self._backlog:
                self._wake.clear()
                await self._wake.wait()
                continue
            batch = [self._backlog[i] for i in range(min(BATCH_MAX, len(self._backlog)))]
            try:
                ids = await self._write(batch)
            except STORE_ERRORS as e:
                self._metrics.store_errors.labels(component="decision_log").inc()
                self._metrics.outage_log.failed("decision_log", e)
                await asyncio.sleep(wait)
                wait = min(wait * 2, RETRY_MAX_S)
                continue
            wait = 0.05
            for pending, entry_id in zip(batch, ids, strict=True):
                self._backlog.popleft()
                if not pending.written.done():
                    with contextlib.suppress(RuntimeError):  # its caller's loop is gone
                        pending.written.set_result(str(entry_id))

    async def _write(self, batch: list[_Pending]) -> list[object]:
        # A whole batch gets longer than one call would: it is many entries, and the loop that
        # sends it may be busy with a burst. A hung Redis still fails it, and it is retried.
        async with asyncio.timeout(max(5.0, self._timeout_s)):
            pipe = self._redis.pipeline(transaction=False)
            for pending in batch:
                pipe.xadd(
                    DECISION_LOG_STREAM,
                    pending.fields,  # type: ignore[arg-type]
                    maxlen=self._max_entries,
                    approximate=True,
                )
            return list(await pipe.execute())

    @property
    def backlog(self) -> int:
        """Entries not yet written to Redis (read by /metrics and the health report)."""
        return len(self._backlog)

    async def flush(self, *, timeout_s: float) -> bool:
        """Wait until every queued entry is written, at most ``timeout_s``; True if all were."""
        if not self._backlog:
            return True
        last = self._backlog[-1].written
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                await asyncio.shield(last)
        return not self._backlog

    async def aclose(self, *, timeout_s: float = 5.0) -> int:
        """Shutdown: write what is queued (at most ``timeout_s``), stop the writer; returns how
        many entries could not be written (logged by the caller)."""
        await self.flush(timeout_s=timeout_s)
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
        return len(self._backlog)

    async def tail(self, count: int) -> list[LogEntry]:
        """The last ``count`` entries, oldest first. Raises redis errors: admins want to know."""
        await self.flush(timeout_s=self._timeout_s)  # this process's own entries first
        rows = await self._redis.xrevrange(DECISION_LOG_STREAM, count=count)
        return [LogEntry(id=str(i), fields=dict(f)) for i, f in reversed(rows)]

    async def kept_decisions(self, count: int) -> list[tuple[str, str, str | None]]:
        """``(text, route, category)`` of the decisions among the last ``count`` entries whose
        text was kept whole (``SHOULD_AI_LOG_FULL_TEXT``), oldest first: what What-if replays."""
        kept = []
        for entry in await self.tail(count):
            f = entry.fields
            text = f.get("text", "")
            if entry.kind == "decision" and text and not text.startswith("[masked:"):
                kept.append((text, f.get("route", ""), f.get("category") or None))
        return kept

    async def since(self, at: float, *, chunk: int = 5000) -> list[LogEntry]:
        """Every entry written at or after ``at`` (Unix time), oldest first (the digest)."""
        found: list[LogEntry] = []
        start = f"{int(at * 1000)}-0"
        while True:
            rows = await self._redis.xrange(DECISION_LOG_STREAM, min=start, max="+", count=chunk)
            found += [LogEntry(id=str(i), fields=dict(f)) for i, f in rows]
            if len(rows) < chunk:
                return found
            start = "(" + str(rows[-1][0])

    async def follow(self, after: str, *, block_ms: int = 1000) -> list[LogEntry]:
        """Entries newer than ``after`` ("$" = from now), waiting up to ``block_ms``."""
        res = await self._redis.xread({DECISION_LOG_STREAM: after}, block=block_ms)
        return [LogEntry(id=str(i), fields=dict(f)) for _, rows in res for i, f in rows]


class TransitionRecorder:
    """Puts every escalation move in the decision log and /metrics (the service's sink).

    The escalation store writes the log entry in the MULTI that makes the move, so the two
    commit together or not at all; the metrics count the move in the process that committed it,
    once committed. Each move appends exactly one transition, so the move is
    ``escalation.history[-1]``.
    """

    def __init__(self, decision_log: DecisionLog, metrics: Metrics) -> None:
        self._log = decision_log
        self._metrics = metrics

    def entry(self, escalation: Escalation) -> LogRecord:
        move = escalation.history[-1]
        return self._log.transition_record(escalation=escalation, transition=move)

    def committed(self, escalation: Escalation) -> None:
        move = escalation.history[-1]
        self._metrics.transitions.labels(state=move.state).inc()
        if move.state == "acknowledged":
            self._metrics.time_to_ack.observe(max(0.0, move.at - escalation.created_at))
