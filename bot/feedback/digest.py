"""The weekly digest: what should-ai did for a team, computed from the decision log.

For one reader (a people.yaml person who opted in with ``digest: true``): requests by route and
by category, escalations opened, their time to acknowledge, the ones still unanswered, what
shadow mode would have escalated, the feedback received and the policy revisions live that
week. An admin sees every category; a category owner (or backup) sees the categories they own.
The numbers are a :class:`Digest` value; the adapters word it
(handlers/common/digest_text.py). Sent once per ISO week, on Monday from ``digest_hour`` in the
reader's time zone (:class:`DigestJob`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import statistics
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

import redis.asyncio as aioredis

from bot.escalations.permissions import Admins
from bot.feedback.model import Feedback
from bot.feedback.store import FeedbackStore
from bot.observability.decision_log import DecisionLog, LogEntry
from bot.policy.model import Person, Policy
from bot.store import keys

log = logging.getLogger(__name__)
WEEK_S = 7 * 86400
DIGEST_SENT_PREFIX = keys.ROOT + "digest:sent:"  # + person:iso-week -> 1 (sent once)


@dataclass(frozen=True)
class Revision:
    revision: str
    first_seen: float


@dataclass(frozen=True)
class Digest:
    """One reader's week in numbers (``scope`` None: every category)."""

    start: float
    end: float
    person: str | None = None
    scope: tuple[str, ...] | None = None
    by_route: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    escalations: int = 0
    acknowledged: int = 0
    median_ack_s: float | None = None
    slowest_ack_s: float | None = None
    unanswered: tuple[str, ...] = ()  # escalation ids opened in the week, still not acknowledged
    shadow: dict[str, int] = field(default_factory=dict)  # category -> would-have escalations
    shadow_owners: dict[str, int] = field(default_factory=dict)  # who would have been pinged
    feedback: int = 0
    feedback_pending: int = 0
    corrections: dict[str, int] = field(default_factory=dict)  # "was -> should be" -> count
    revisions: tuple[Revision, ...] = ()

    @property
    def requests(self) -> int:
        return sum(self.by_route.values())


def compute(
    entries: Iterable[LogEntry],
    feedback: Iterable[Feedback],
    *,
    start: float,
    end: float,
    scope: Sequence[str] | None = None,
    person: str | None = None,
) -> Digest:
    """The digest of the log ``entries`` and ``feedback`` between ``start`` and ``end``."""
    wanted = None if scope is None else set(scope)
    week = [e for e in entries if start <= _at(e) < end]

    def mine(category: str | None) -> bool:
        return wanted is None or (category or "fallback") in wanted

    decisions = [e for e in week if e.kind == "decision"]
    shadowed = [e for e in week if e.kind == "shadow" and mine(e.fields.get("would_category"))]
    shadow_ids = {e.fields.get("decision_id") for e in shadowed}
    counted = [
        d
        for d in decisions
        if mine(d.fields.get("category")) or d.fields.get("decision_id") in shadow_ids
    ]
    acks = _acks([e for e in week if e.kind == "transition" and mine(e.fields.get("category"))])
    fb = [
        f
        for f in feedback
        if start <= f.at < end and (mine(f.decided_category) or mine(f.category))
    ]
    return Digest(
        start=start,
        end=end,
        person=person,
        scope=None if scope is None else tuple(scope),
        by_route=dict(Counter(d.fields.get("route", "?") for d in counted)),
        by_category=dict(Counter(_category(d, shadowed) for d in counted)),
        escalations=len(acks.opened),
        acknowledged=len(acks.waits),
        median_ack_s=statistics.median(acks.waits) if acks.waits else None,
        slowest_ack_s=max(acks.waits) if acks.waits else None,
        unanswered=tuple(sorted(acks.opened.keys() - acks.answered)),
        shadow=dict(Counter(e.fields.get("would_category", "?") for e in shadowed)),
        shadow_owners=dict(Counter(e.fields.get("would_have") or "-" for e in shadowed)),
        feedback=len(fb),
        feedback_pending=sum(f.state == "pending" for f in fb),
        corrections=dict(Counter(_correction(f) for f in fb)),
        revisions=_revisions(decisions),
    )


@dataclass
class _Acks:
    opened: dict[str, float] = field(default_factory=dict)  # escalation id -> opened at
    answered: set[str] = field(default_factory=set)
    waits: list[float] = field(default_factory=list)


def _acks(transitions: list[LogEntry]) -> _Acks:
    found = _Acks()
    for entry in transitions:
        eid, state = entry.fields.get("escalation_id", ""), entry.fields.get("state")
        if state == "open" and entry.fields.get("level") == "0" and eid not in found.opened:
            found.opened[eid] = _at(entry)
        elif state in ("acknowledged", "resolved") and eid in found.opened.keys() - found.answered:
            found.answered.add(eid)
            found.waits.append(max(0.0, _at(entry) - found.opened[eid]))
    return found


def _revisions(decisions: list[LogEntry]) -> tuple[Revision, ...]:
    seen: dict[str, float] = {}
    for d in decisions:
        seen.setdefault(d.fields.get("policy_revision", "?"), _at(d))
    return tuple(Revision(r, at) for r, at in seen.items())


SHADOW_SUFFIX = "@shadow"


def _category(decision: LogEntry, shadowed: list[LogEntry]) -> str:
    """The category a decision counts under; a shadowed one under the category it would have
    gone to, marked (``crisis@shadow``)."""
    decision_id = decision.fields.get("decision_id")
    for entry in shadowed:
        if entry.fields.get("decision_id") == decision_id:
            return entry.fields.get("would_category", "fallback") + SHADOW_SUFFIX
    return decision.fields.get("category") or "fallback"


def _correction(f: Feedback) -> str:
    return f"{f.decided_category or 'fallback'} -> {f.category or 'fallback'}"


def _at(entry: LogEntry) -> float:
    try:
        return float(entry.fields.get("at", "0"))
    except ValueError:
        return 0.0


# --- who reads it, and when -------------------------------------------------------------------


@dataclass(frozen=True)
class Reader:
    person: str
    scope: tuple[str, ...] | None  # None: an admin, every category


def readers(policy: Policy, admins: Admins) -> list[Reader]:
    """Everyone who opted in and is an admin or owns (or backs up) a category."""
    found: list[Reader] = []
    for key, person in policy.people.people.items():
        if not person.digest:
            continue
        if _is_admin(person, admins):
            found.append(Reader(key, None))
            continue
        owned = tuple(n for n, c in policy.categories.items() if key in (c.owner, c.backup))
        if key == policy.file.fallback.owner:
            owned += ("fallback",)
        if owned:
            found.append(Reader(key, owned))
    return found


def scope_of(policy: Policy, admins: Admins, person: str | None) -> tuple[str, ...] | None:
    """The categories ``person`` reads about (None: all, for an admin or no person)."""
    if person is None:
        return None
    found = policy.people.people.get(person)
    if found is None or _is_admin(found, admins):
        return None
    owned = tuple(n for n, c in policy.categories.items() if person in (c.owner, c.backup))
    return owned + (("fallback",) if person == policy.file.fallback.owner else ())


def _is_admin(person: Person, admins: Admins) -> bool:
    ids = [
        f"slack:{person.slack}" if person.slack else "",
        f"discord:{person.discord}" if person.discord else "",
    ]
    bare = [person.slack or "", person.discord or ""]
    return any(i and i in admins for i in ids + bare)


def due_week(person: Person, now: float, *, hour: int) -> str | None:
    """The ISO week whose digest is due for ``person`` at ``now`` (Monday from ``hour`` in
    their time zone), or None outside that time."""
    local = datetime.fromtimestamp(now, ZoneInfo(person.zone or "UTC"))
    if local.isoweekday() != 1 or local.hour < hour:
        return None
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


# --- sending ----------------------------------------------------------------------------------


class DigestDelivery(Protocol):
    """One platform's way to DM a person their digest; False when it cannot reach them."""

    async def send_digest(self, *, person: str, digest: Digest) -> bool: ...


class DigestJob:
    """Sends each reader's digest once a week; run :meth:`tick` every few minutes."""

    def __init__(
        self,
        *,
        redis: aioredis.Redis,
        decision_log: DecisionLog,
        policy: PolicySource,
        admins: Admins,
        hour: int = 9,
    ) -> None:
        self._redis = redis
        self._log = decision_log
        self._policy = policy
        self._admins = admins
        self._hour = hour
        self._deliveries: list[DigestDelivery] = []
        self._last: list[DigestDelivery] = []

    def register(self, delivery: DigestDelivery, *, last: bool = False) -> None:
        """One more way to reach a reader; ``last``: only if no chat platform could (console)."""
        (self._last if last else self._deliveries).append(delivery)

    async def run(self, stop: asyncio.Event, *, every_s: float = 300.0) -> None:
        """Tick until ``stop``; a failed tick (Redis down) is logged and tried again later."""
        while not stop.is_set():
            try:
                await self.tick()
            except Exception:
                log.exception("weekly digest: this check failed; trying again later")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=every_s)

    async def tick(self, now: float | None = None) -> list[str]:
        """Send what is due; returns the people it was sent to."""
        now = time.time() if now is None else now
        policy = self._policy()
        sent: list[str] = []
        for reader in readers(policy, self._admins):
            week = due_week(policy.people.people[reader.person], now, hour=self._hour)
            if week is None or not await self._claim(reader.person, week):
                continue
            digest = await build(
                self._log, self._feedback(), now=now, scope=reader.scope, person=reader.person
            )
            if await self._deliver(reader.person, digest):
                sent.append(reader.person)
        return sent

    def _feedback(self) -> FeedbackStore:
        return FeedbackStore(self._redis)

    async def _claim(self, person: str, week: str) -> bool:
        """Once per person and week, across replicas."""
        key = f"{DIGEST_SENT_PREFIX}{person}:{week}"
        return bool(await self._redis.set(key, "1", nx=True, ex=8 * 86400))

    async def _deliver(self, person: str, digest: Digest) -> bool:
        for delivery in [*self._deliveries, *self._last]:
            try:
                if await delivery.send_digest(person=person, digest=digest):
                    return True
            except Exception:  # one platform failing must not stop the others
                log.exception("digest for %s not delivered via %r", person, delivery)
        return False


class PolicySource(Protocol):
    def __call__(self) -> Policy: ...


async def build(
    decision_log: DecisionLog,
    store: FeedbackStore,
    *,
    now: float,
    days: int = 7,
    scope: Sequence[str] | None = None,
    person: str | None = None,
) -> Digest:
    """The digest of the ``days`` before ``now``, read from Redis."""
    start = now - days * 86400
    entries = await decision_log.since(start)
    feedback = await store.since(start)
    return compute(entries, feedback, start=start, end=now, scope=scope, person=person)
