"""Several replicas on one Redis, with the real arq worker running in the test's event loop."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import cast

import pytest
import redis.asyncio as aioredis
from esc_helpers import EngineFactory, RecordingNotifier, Workers, crisis_decision, make_policy

from bot.escalations.model import Actor
from bot.policy.model import Policy

pytestmark = pytest.mark.store

REQUESTER = Actor(platform="slack", user_id="U_REQ")
HERE = Path(__file__).resolve().parent


@pytest.fixture
def policy() -> Policy:
    # owner, then backup, then unanswered: each timer's effect is one visible ping or status.
    return make_policy(channel=False)


async def test_two_engines_on_one_redis_fire_each_timer_exactly_once(
    make_engine: EngineFactory, workers: Workers
) -> None:
    changed = asyncio.Event()
    first, second = RecordingNotifier(changed=changed), RecordingNotifier(changed=changed)
    a, b = make_engine(records=first), make_engine(records=second)
    workers.start(a)
    workers.start(b)
    opened = [
        await (a if n % 2 else b).service.open(
            decision=crisis_decision(), actor=REQUESTER, text=f"r{n}", status_ref=None
        )
        for n in range(20)
    ]

    def all_unanswered() -> bool:
        done = [c for r in (first, second) for c in r.calls if "nobody is left" in c.target]
        return len(done) >= len(opened)

    await first.wait_until(all_unanswered)  # either recorder's call wakes it
    for esc in opened:
        deliveries = first.deliveries(esc.id) + second.deliveries(esc.id)
        assert sorted(deliveries) == [("ping", 0, "comms-lead"), ("ping", 1, "marketing-lead")]
        expiries = [s for r in (first, second) for s in r.statuses(esc.id) if "nobody is left" in s]
        assert len(expiries) == 1
        stored = await a.service.get(esc.id)
        assert stored is not None and stored.state == "unanswered"


async def test_a_timer_that_fell_due_while_every_replica_was_down_fires_at_the_next_start(
    make_engine: EngineFactory, workers: Workers, notifier: RecordingNotifier
) -> None:
    engine = make_engine()
    esc = await engine.service.open(
        decision=crisis_decision(), actor=REQUESTER, text="t", status_ref=None
    )
    assert esc.due_at is not None
    await asyncio.sleep(max(0.0, esc.due_at - time.time()) + 0.2)  # no worker runs meanwhile
    assert notifier.deliveries(esc.id) == [("ping", 0, "comms-lead")]

    workers.start(make_engine())
    await notifier.wait_until(lambda: len(notifier.deliveries(esc.id)) == 2)
    assert notifier.deliveries(esc.id)[-1] == ("ping", 1, "marketing-lead")


async def test_a_killed_replicas_due_timer_fires_on_the_other(
    redis: aioredis.Redis,
    redis_url: str,
    make_engine: EngineFactory,
    workers: Workers,
    notifier: RecordingNotifier,
) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.getcwd()])}
    replica = await asyncio.create_subprocess_exec(
        sys.executable, str(HERE / "esc_replica.py"), redis_url, "0.02",  # ack 1.2 s
        stdout=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    assert replica.stdout is not None
    escalation_id = (await replica.stdout.readline()).decode().strip()
    replica.send_signal(signal.SIGKILL)  # its worker dies with the escalation's timer pending
    await replica.wait()

    workers.start(make_engine())
    await notifier.wait_until(lambda: len(notifier.deliveries(escalation_id)) == 1)

    raw = await cast(Awaitable[list[str]], redis.lrange("test:deliveries", 0, -1))
    by_killed = [json.loads(d) for d in raw]
    assert by_killed == [["ping", 0, "comms-lead"]]
    assert notifier.deliveries(escalation_id) == [("ping", 1, "marketing-lead")]
