from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
import redis.asyncio as aioredis
from esc_helpers import RecordingNotifier, make_policy

from bot.escalations.service import EscalationService
from bot.jobs import Jobs
from bot.policy.model import Policy

POLL_DELAY = 0.02


@dataclass
class Engine:
    """One engine instance, as one replica of the bot would hold it."""

    service: EscalationService
    jobs: Jobs


EngineFactory = Callable[..., Engine]


@pytest.fixture
def policy() -> Policy:
    return make_policy()


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
async def make_engine(
    redis: aioredis.Redis, redis_url: str, policy: Policy, notifier: RecordingNotifier
) -> AsyncIterator[EngineFactory]:
    """Build engine instances (each with its own job queue connection) on the test's Redis."""
    made: list[Jobs] = []

    def make(
        *,
        admin_ids: frozenset[str] = frozenset(),
        records: RecordingNotifier | None = None,
        clock: Callable[[], float] = time.time,
    ) -> Engine:
        jobs = Jobs(redis_url, poll_delay=POLL_DELAY)
        made.append(jobs)
        service = EscalationService(
            redis=redis, jobs=jobs, policy=lambda: policy, admin_ids=admin_ids, clock=clock
        )
        service.register_notifier("slack", records or notifier)
        return Engine(service, jobs)

    yield make
    for jobs in made:
        await jobs.aclose()


@pytest.fixture
def engine(make_engine: EngineFactory) -> Engine:
    return make_engine(admin_ids=frozenset({"U_ADMIN"}))


@pytest.fixture
def service(engine: Engine) -> EscalationService:
    return engine.service


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


@pytest.fixture
async def workers() -> AsyncIterator[Workers]:
    w = Workers()
    yield w
    await w.stop_all()
