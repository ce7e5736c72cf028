"""The decision log: every decision and every escalation transition, in a Redis Stream.

Each entry says who asked, which route and category the policy chose, which owner, and under
which policy revision, so an admin can answer "why did the bot say that?" weeks later. Request
text is masked unless ``SHOULD_AI_LOG_FULL_TEXT`` is on, and always cut to a bounded length.
The stream is trimmed with ``MAXLEN ~`` so it never grows without bound.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

import redis.asyncio as aioredis

from bot.escalations.model import Actor, Escalation, Transition
from bot.escalations.ports import LogRecord
from bot.observability.failopen import fail_open
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
    ) -> None:
        self._redis = redis
        self._metrics = metrics
        self._full_text = full_text
        self._max_text_chars = max_text_chars
        self._max_entries = max_entries
        self._timeout_s = timeout_s

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
        add = self._redis.xadd(
            DECISION_LOG_STREAM,
            _stamped(fields),  # type: ignore[arg-type]
            maxlen=self._max_entries,
            approximate=True,
        )
        entry_id = await fail_open(
            add,
            fallback=None,
            component="decision_log",
            metrics=self._metrics,
            timeout_s=self._timeout_s,
        )
        return str(entry_id) if entry_id is not None else None

    async def tail(self, count: int) -> list[LogEntry]:
        """The last ``count`` entries, oldest first. Raises redis errors: admins want to know."""
        rows = await self._redis.xrevrange(DECISION_LOG_STREAM, count=count)
        return [LogEntry(id=str(i), fields=dict(f)) for i, f in reversed(rows)]

    async def since(self, start: float, *, chunk: int = 10_000) -> list[LogEntry]:
        """Every entry written at or after ``start`` (epoch seconds), oldest first."""
        found: list[LogEntry] = []
        low = f"{int(start * 1000)}-0"
        while True:
            rows = await self._redis.xrange(DECISION_LOG_STREAM, min=low, count=chunk)
            found += [LogEntry(id=str(i), fields=dict(f)) for i, f in rows]
            if len(rows) < chunk:
                return found
            low = f"({rows[-1][0]}"  # exclusive: after the last one read

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
