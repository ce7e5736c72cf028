"""Shared by the escalation tests: a small policy with sub-second ack times, decisions, and a
Notifier that records what the chat platform would have been asked to do."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.escalations.model import DeliveryRefused, Escalation, StatusNote
from bot.escalations.service import EscalationService
from bot.jobs import Jobs
from bot.policy.model import (
    Category,
    Channel,
    Decision,
    Fallback,
    Owner,
    PeopleFile,
    Person,
    Policy,
    PolicyFile,
)
from handlers.common.status_text import status_text
from handlers.slack.notifier import MENTIONS

ACK_MINUTES = 0.005  # 0.3 s: timers fall due within a test


def make_policy(
    *, ack_minutes: float = ACK_MINUTES, repeat: int = 1, channel: bool = True
) -> Policy:
    crisis = Category(
        route="human",
        label="Crisis",
        owner="comms-lead",
        backup="marketing-lead",
        channel="crisis-room" if channel else None,
        ack_minutes=ack_minutes,
        repeat=repeat,
        why="Reputation at stake.",
    )
    people = PeopleFile(
        people={
            "comms-lead": Person(name="Dana", slack="U_DANA", discord="101"),
            "marketing-lead": Person(name="Morgan", slack="U_MORGAN", discord="102"),
            "legal-counsel": Person(name="Priya", slack="U_PRIYA", discord="103"),
        },
        channels={"crisis-room": Channel(slack="C_CRISIS", discord="201")},
    )
    fallback = Fallback(owner="marketing-lead", why="Unclear request.")
    return Policy(
        revision="test-rev",
        file=PolicyFile(fallback=fallback, categories={"crisis": crisis}),
        people=people,
    )


def crisis_decision(decision_id: str | None = None) -> Decision:
    return Decision(
        decision_id=decision_id or uuid.uuid4().hex,
        route="human",
        category="crisis",
        categories=("crisis",),
        owner=Owner(id="comms-lead", name="Dana"),
        confidence=1.0,
        reasons=(),
        ai_may="Gather facts.",
        policy_revision="test-rev",
    )


@dataclass(frozen=True)
class Call:
    kind: str  # "ping", "channel" or "status"
    escalation_id: str
    level: int
    target: str  # person key, channel key, or the status message (as Slack words it)


@dataclass
class RecordingNotifier:
    """A Notifier (our own Protocol) that records calls; ``refuse`` people have their DMs closed.

    Status notes are recorded as the Slack adapter words them, names from ``policy``.
    """

    refuse: set[str] = field(default_factory=set)
    calls: list[Call] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)  # may be shared by several
    policy: Policy = field(default_factory=make_policy)

    async def ping_person(self, *, escalation: Escalation, person_key: str) -> None:
        if person_key in self.refuse:
            raise DeliveryRefused(f"{person_key} does not accept DMs")
        self._record(Call("ping", escalation.id, escalation.level, person_key))

    async def post_channel(self, *, escalation: Escalation, channel_key: str) -> None:
        self._record(Call("channel", escalation.id, escalation.level, channel_key))

    async def update_status(self, *, escalation: Escalation, note: StatusNote) -> None:
        message = status_text(
            note, policy=self.policy, platform=escalation.platform, mentions=MENTIONS
        )
        self._record(Call("status", escalation.id, escalation.level, message))

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        self.changed.set()

    def deliveries(self, escalation_id: str | None = None) -> list[tuple[str, int, str]]:
        """(kind, level, target) of every ping and channel post, in order."""
        return [
            (c.kind, c.level, c.target)
            for c in self.calls
            if c.kind != "status" and escalation_id in (None, c.escalation_id)
        ]

    def statuses(self, escalation_id: str) -> list[str]:
        return [
            c.target for c in self.calls if c.kind == "status" and c.escalation_id == escalation_id
        ]

    async def wait_until(self, condition: Callable[[], bool], give_up_after: float = 20.0) -> None:
        """Wait for ``condition``; the timeout only bounds a broken run, it measures nothing."""
        async with asyncio.timeout(give_up_after):
            while not condition():
                self.changed.clear()
                await self.changed.wait()


@dataclass
class Engine:
    """One engine instance, as one replica of the bot would hold it."""

    service: EscalationService
    jobs: Jobs


EngineFactory = Callable[..., Engine]


class Workers:
    """Runs the job worker of engine instances in this loop, like `should-ai serve` does."""

    def __init__(self) -> None:
        self.running: list[tuple[Jobs, asyncio.Task[None]]] = []

    def start(self, engine: Engine) -> None:
        self.start_jobs(engine.jobs)

    def start_jobs(self, jobs: Jobs) -> None:
        self.running.append((jobs, asyncio.create_task(jobs.run_worker())))

    async def stop_all(self) -> None:
        for jobs, task in self.running:
            await jobs.stop()
            await task
        self.running.clear()
