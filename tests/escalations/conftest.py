from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

import pytest
import redis.asyncio as aioredis
from esc_helpers import Engine, EngineFactory, RecordingNotifier, Workers, make_policy

from bot.escalations.ports import TransitionSink
from bot.escalations.service import EscalationService
from bot.jobs import Jobs
from bot.policy.model import Policy
from bot.store.escalations import RedisEscalationStore

POLL_DELAY = 0.02


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
        policy_getter: Callable[[], Policy] | None = None,
        transitions: TransitionSink | None = None,
    ) -> Engine:
        jobs = Jobs(redis_url, poll_delay=POLL_DELAY)
        made.append(jobs)
        service = EscalationService(
            store=RedisEscalationStore(redis, timers=jobs),
            jobs=jobs,
            policy=policy_getter or (lambda: policy),
            admin_ids=admin_ids,
            clock=clock,
            transitions=transitions,
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


@pytest.fixture
async def workers() -> AsyncIterator[Workers]:
    w = Workers()
    yield w
    await w.stop_all()
