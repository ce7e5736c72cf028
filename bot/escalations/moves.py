"""Committing moves: each a compare-and-set in the store, with its log entry and its timer.

``lifecycle.py`` says what a move is; this commits it. Two replicas, or a button press racing a
timer, never make two moves from one state: the store applies the change to what it holds. The
move, its decision-log entry (when a :class:`TransitionSink` is given), its timer job and its
"unsent ping" marker commit in one transaction, so a move is never committed without its entry,
nor logged without being made. The timer job is idempotent: it names the level and due time it
was set for and does nothing if the escalation has moved on since.
"""

from __future__ import annotations

from bot.escalations.errors import Refusal, UnknownEscalation
from bot.escalations.lifecycle import TIMED_STATES, timer_job_id
from bot.escalations.model import Escalation
from bot.escalations.ports import Change, EscalationStore, MoveWrites, Timer, TransitionSink

TIMER_JOB = "escalation_timer"


def timer_of(escalation: Escalation) -> Timer | None:
    """The timer job of an escalation that waits for an acknowledgement (None if it does not)."""
    if escalation.state not in TIMED_STATES or escalation.due_at is None:
        return None
    return Timer(
        job=TIMER_JOB,
        job_id=timer_job_id(escalation),
        due_at=escalation.due_at,
        set_at=escalation.history[-1].at if escalation.history else escalation.created_at,
        args={
            "escalation_id": escalation.id,
            "level": escalation.level,
            "due_at": escalation.due_at,
        },
    )


class Moves:
    """Makes the moves of escalations in the store, and tells the sink of each one made."""

    def __init__(self, *, store: EscalationStore, transitions: TransitionSink | None) -> None:
        self._store = store
        self._transitions = transitions

    async def create(self, escalation: Escalation) -> tuple[Escalation, bool]:
        """Store a new escalation (its first move) unless its decision has one already."""
        stored, created = await self._store.create(escalation, followups=self._followups)
        if created:
            self._committed(stored)
        return stored, created

    async def move(self, escalation_id: str, change: Change) -> Escalation | None:
        """Make one move as a compare-and-set; None if ``change`` made none.

        Raises :class:`bot.escalations.ports.EscalationNotFound`.
        """
        moved = await self._store.update(escalation_id, change, followups=self._followups)
        if moved is not None:
            self._committed(moved)
        return moved

    async def must_get(self, escalation_id: str) -> Escalation:
        found = await self._store.get(escalation_id)
        if found is None:
            raise UnknownEscalation(refusal=Refusal("unknown", escalation_id))
        return found

    def _followups(self, before: Escalation | None, after: Escalation) -> MoveWrites:
        """What commits with a move: its log entry and its timer; the last move's marker goes."""
        return MoveWrites(
            log=self._transitions.entry(after) if self._transitions is not None else None,
            settled=timer_job_id(before) if before is not None else None,
            timer=timer_of(after),
        )

    def _committed(self, moved: Escalation) -> None:
        if self._transitions is not None:
            self._transitions.committed(moved)
