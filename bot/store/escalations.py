"""Escalations in Redis: one JSON document per escalation plus two indexes.

``ESCALATIONS_ACTIVE`` (id -> created_at) lists escalations not yet resolved or expired;
``ESCALATIONS_DUE`` (id -> due_at) lists the timers that must fire, so a replica starting up can
re-queue any timer the job queue lost. Every change is a WATCH/MULTI transaction on the
escalation's key: two replicas acting at once never overwrite each other's move.
``ESCALATIONS_UNDELIVERED`` holds a marker per move whose ping has not been confirmed sent.

A move arrives as plain values (:class:`bot.escalations.ports.MoveWrites`): the store writes the
escalation, its decision-log entry, its unsent-ping marker and its timer job in one MULTI, so a
move is never committed without its entry, nor logged without being made.

A move counts as stored once ``wait_replicas`` replicas have it (the connection's option, 1 with
Sentinel): replication is asynchronous, so a failover could otherwise drop a move the old master
had confirmed. A move they do not confirm in time raises :class:`StoreUnavailable`; retrying it
is safe (an escalation is created once per decision, a move applies to what the store holds).

Every call is bounded (``timeout_s``, :data:`STORE_TIMEOUT_S` by default) on top of the client's
socket timeout: a WATCH loop on a hung Redis would otherwise retry for ever, each try waiting a
whole socket timeout. Past the bound the call raises :class:`StoreUnavailable`, so the caller
takes its fail-safe path (the requester is told to contact the owner; the open is retried).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol

import redis.asyncio as aioredis
from redis.asyncio.client import Pipeline
from redis.exceptions import RedisError, WatchError

from bot.errors import StoreUnavailable
from bot.escalations.model import Escalation
from bot.escalations.ports import (
    Change,
    EscalationNotFound,
    Followups,
    LogRecord,
    MoveWrites,
    Timer,
)
from bot.store import keys
from bot.store.connection import replicas_to_wait

__all__ = ["STORE_TIMEOUT_S", "Change", "EscalationNotFound", "JobWriter", "RedisEscalationStore"]

STORE_TIMEOUT_S = 5.0  # longest any one store call may take, retries of its WATCH loop included
REPLICA_WAIT_MS = 1000  # how long a move waits for its replicas (Redis WAIT)

CLOSED_STATES = frozenset({"resolved", "expired"})
_CHUNK = 500
_NO_WRITES = MoveWrites()


class JobWriter(Protocol):
    """Adds a job to one of the store's transactions (``bot.jobs.Jobs`` does)."""

    def add_to(
        self, pipe: Pipeline, name: str, *, job_id: str, defer_until: float, **kwargs: Any
    ) -> None: ...


@asynccontextmanager
async def _bounded(what: str, timeout_s: float) -> AsyncIterator[None]:
    """Run the body within ``timeout_s``; a timeout or a Redis error is StoreUnavailable."""
    try:
        async with asyncio.timeout(timeout_s):
            yield
    except WatchError:
        raise
    except TimeoutError as e:  # before OSError, of which it is a subclass
        raise StoreUnavailable(
            f"could not {what}: Redis did not answer within {timeout_s:g} s"
        ) from e
    except (RedisError, OSError) as e:
        raise StoreUnavailable(f"could not {what}: Redis is unreachable ({e})") from e


@asynccontextmanager
async def _watching(redis: aioredis.Redis) -> AsyncIterator[Pipeline]:
    """A transaction pipeline for one WATCH attempt.

    When the attempt ends with its connection dropped (a timeout disconnects it), redis-py
    would still reconnect to send UNWATCH, and wait a whole socket timeout for the answer of a
    hung server; a dropped connection holds no WATCH, so that step is skipped.
    """
    async with redis.pipeline(transaction=True) as pipe:
        try:
            yield pipe
        finally:
            connection = pipe.connection
            if connection is not None and not connection.is_connected:
                pipe.watching = False


class RedisEscalationStore:
    """Implements :class:`bot.escalations.ports.EscalationStore` on Redis.

    ``timers`` writes the timer jobs that moves set; a store without one (the CLI's, reading)
    refuses a move that sets a timer.
    """

    def __init__(
        self,
        redis: aioredis.Redis,
        *,
        timers: JobWriter | None = None,
        timeout_s: float = STORE_TIMEOUT_S,
    ) -> None:
        self._redis = redis
        self._timers = timers
        self._timeout_s = timeout_s
        self._replicas = replicas_to_wait(redis)

    def _bounded(self, what: str) -> AbstractAsyncContextManager[None]:
        return _bounded(what, self._timeout_s)

    async def next_id(self) -> str:
        async with self._bounded("number a new escalation"):
            n = await self._redis.incr(keys.ESCALATION_SEQ)
        return f"esc-{n}"

    async def create(
        self, escalation: Escalation, *, followups: Followups | None = None
    ) -> tuple[Escalation, bool]:
        """Store a new escalation; if its decision was escalated already, return that one.

        Returns ``(escalation, created)``.
        """
        what = f"store escalation {escalation.id}"
        async with self._bounded(what):
            stored, created = await self._create(escalation, followups)
            # Also when it was there already: the try that wrote it may have timed out waiting.
            await self._replicated(what)
        return stored, created

    async def _create(
        self, escalation: Escalation, followups: Followups | None
    ) -> tuple[Escalation, bool]:
        by_decision = keys.escalation_by_decision(escalation.decision_id)
        while True:
            async with _watching(self._redis) as pipe:
                try:
                    await pipe.watch(by_decision)
                    existing = await pipe.get(by_decision)
                    raw = await pipe.get(keys.escalation(existing)) if existing else None
                    if raw is not None:
                        await pipe.reset()  # type: ignore[no-untyped-call]
                        return Escalation.model_validate_json(raw), False
                    writes = self._writes(followups, None, escalation)
                    pipe.multi()  # type: ignore[no-untyped-call]
                    pipe.set(by_decision, escalation.id)
                    _write(pipe, escalation)
                    self._queue(pipe, writes)
                    await pipe.execute()
                    return escalation, True
                except WatchError:
                    continue

    async def get(self, escalation_id: str) -> Escalation | None:
        async with self._bounded(f"read escalation {escalation_id}"):
            raw = await self._redis.get(keys.escalation(escalation_id))
        return None if raw is None else Escalation.model_validate_json(raw)

    async def update(
        self, escalation_id: str, change: Change, *, followups: Followups | None = None
    ) -> Escalation | None:
        """Apply ``change`` atomically; return the new escalation, or None if it changed nothing.

        ``change`` may raise (a refusal); nothing is written then. Raises EscalationNotFound.
        """
        what = f"update escalation {escalation_id}"
        async with self._bounded(what):
            new = await self._update(escalation_id, change, followups)
            if new is not None:
                await self._replicated(what)
        return new

    async def _update(
        self, escalation_id: str, change: Change, followups: Followups | None
    ) -> Escalation | None:
        key = keys.escalation(escalation_id)
        while True:
            async with _watching(self._redis) as pipe:
                try:
                    await pipe.watch(key)
                    raw = await pipe.get(key)
                    if raw is None:
                        raise EscalationNotFound(escalation_id)
                    old = Escalation.model_validate_json(raw)
                    new = change(old)
                    if new is None:
                        await pipe.reset()  # type: ignore[no-untyped-call]
                        return None
                    writes = self._writes(followups, old, new)
                    pipe.multi()  # type: ignore[no-untyped-call]
                    _write(pipe, new)
                    self._queue(pipe, writes)
                    await pipe.execute()
                    return new
                except WatchError:
                    continue

    async def _replicated(self, what: str) -> None:
        """Wait until the replicas the connection asks for have every write made so far."""
        if self._replicas <= 0:
            return
        # WAIT counts the writes of its own connection; one write there first, made after the
        # move and so replicated after it, makes the count cover the move.
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.incr(keys.REPLICATION_MARK)
            pipe.wait(self._replicas, REPLICA_WAIT_MS)
            _, acked = await pipe.execute()
        if int(acked) < self._replicas:
            raise StoreUnavailable(
                f"could not {what}: {acked} of {self._replicas} replica(s) confirmed it within "
                f"{REPLICA_WAIT_MS} ms; a failover could lose it, so it does not count as stored"
            )

    async def list_active(self) -> list[Escalation]:
        """Every escalation not resolved or expired, oldest first."""
        async with self._bounded("list open escalations"):
            ids = await self._redis.zrange(keys.ESCALATIONS_ACTIVE, 0, -1)
            return await self._many(ids)

    async def due_times(self) -> list[tuple[str, float]]:
        """(id, due_at) of every escalation whose timer is set."""
        async with self._bounded("list escalation timers"):
            entries = await self._redis.zrange(keys.ESCALATIONS_DUE, 0, -1, withscores=True)
        return [(str(eid), float(at)) for eid, at in entries]

    async def undelivered(self, *, moved_before: float) -> list[str]:
        """Markers of pings not confirmed sent, for moves made before ``moved_before``."""
        async with self._bounded("list unsent pings"):
            return list(
                await self._redis.zrangebyscore(keys.ESCALATIONS_UNDELIVERED, "-inf", moved_before)
            )

    async def is_undelivered(self, marker: str) -> bool:
        async with self._bounded("look up an unsent ping"):
            return await self._redis.zscore(keys.ESCALATIONS_UNDELIVERED, marker) is not None

    async def delivered(self, marker: str) -> None:
        """The ping of the move ``marker`` went out (or will never be needed)."""
        async with self._bounded("record a sent ping"):
            await self._redis.zrem(keys.ESCALATIONS_UNDELIVERED, marker)

    def _writes(
        self, followups: Followups | None, before: Escalation | None, after: Escalation
    ) -> MoveWrites:
        writes = _NO_WRITES if followups is None else followups(before, after)
        if writes.timer is not None and self._timers is None:
            raise RuntimeError("this escalation store has no job queue to set timers with")
        return writes

    def _queue(self, pipe: Pipeline, writes: MoveWrites) -> None:
        """Queue what commits with the move: its log entry, then its ping marker and timer."""
        if writes.log is not None:
            _append_log(pipe, writes.log)
        if writes.settled is not None:
            pipe.zrem(keys.ESCALATIONS_UNDELIVERED, writes.settled)
        if writes.timer is not None and self._timers is not None:
            _set_timer(pipe, self._timers, writes.timer)

    async def many(self, ids: list[str]) -> list[Escalation]:
        async with self._bounded("read escalations"):
            return await self._many(ids)

    async def _many(self, ids: list[str]) -> list[Escalation]:
        found: list[Escalation] = []
        for start in range(0, len(ids), _CHUNK):
            chunk = [keys.escalation(i) for i in ids[start : start + _CHUNK]]
            raws = await self._redis.mget(chunk)
            found += [Escalation.model_validate_json(r) for r in raws if r is not None]
        return found


def _write(pipe: Pipeline, escalation: Escalation) -> None:
    """Queue the writes of ``escalation`` and its index entries on a MULTI pipeline."""
    eid = escalation.id
    pipe.set(keys.escalation(eid), escalation.model_dump_json())
    if escalation.state in CLOSED_STATES:
        pipe.zrem(keys.ESCALATIONS_ACTIVE, eid)
    else:
        pipe.zadd(keys.ESCALATIONS_ACTIVE, {eid: escalation.created_at})
    if escalation.due_at is None:
        pipe.zrem(keys.ESCALATIONS_DUE, eid)
    else:
        pipe.zadd(keys.ESCALATIONS_DUE, {eid: escalation.due_at})


def _append_log(pipe: Pipeline, record: LogRecord) -> None:
    pipe.xadd(
        keys.DECISION_LOG_STREAM,
        dict(record.fields),  # type: ignore[arg-type]
        maxlen=record.max_entries,
        approximate=True,
    )


def _set_timer(pipe: Pipeline, timers: JobWriter, timer: Timer) -> None:
    """The timer job, and the marker that says its move's ping is not sent yet."""
    pipe.zadd(keys.ESCALATIONS_UNDELIVERED, {timer.job_id: timer.set_at})
    timers.add_to(pipe, timer.job, job_id=timer.job_id, defer_until=timer.due_at, **timer.args)
