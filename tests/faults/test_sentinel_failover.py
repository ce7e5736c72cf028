"""Issue 12, Redis high availability: should-ai on Redis Sentinel (``redis+sentinel://``).

Debian's redis-server and redis-sentinel on 127.0.0.1: one master, one replica, three Sentinels
(quorum 2). A burst of requests that need a person goes through the whole bot (dedupe, rate
limit, decision log, escalation store and the arq job queue all reach Redis through the
Sentinels) while the master fails over. Every request ends with exactly one escalation: none
lost, none doubled, and each one a requester was told about is there under the id they saw.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.escalations.lifecycle import timer_job_id
from bot.escalations.model import Actor, Escalation
from tests.store.redis_cluster import SERVICE, Cluster, needs_debian_redis
from tests.store.serving import CRISIS_WORD, eventually, running, settings_for, wait_for

BURST = 60

pytestmark = [pytest.mark.store, pytest.mark.slow, needs_debian_redis]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    c = Cluster(tmp_path / "redis")
    try:
        c.start_server("master")
        c.start_server("replica", replica_of="master")
        c.start_sentinels(3)
        wait_for(
            lambda: c.replicating("replica") and c.sentinels_agree(),
            within_s=30,
            what="master, replica and three Sentinels see each other",
        )
        yield c
    finally:
        c.stop()


async def fail_over(cluster: Cluster, how: str) -> None:
    if how == "sentinel failover":
        with cluster.client("s0") as sentinel:
            sentinel.sentinel_failover(SERVICE)
    else:  # the master's machine dies: SIGKILL, and its operator starts it again later
        os.kill(cluster.procs["master"].pid, signal.SIGKILL)


@pytest.mark.parametrize("how", ["sentinel failover", "master killed"])
async def test_a_failover_mid_burst_loses_and_doubles_no_escalation(
    cluster: Cluster, tmp_path: Path, how: str
) -> None:
    first_master = cluster.master_port()
    settings = settings_for(tmp_path, cluster.sentinel_url(), rate_limit_requests=0)
    async with running(settings) as services:
        worker = asyncio.create_task(services.jobs.run_worker())

        async def request(i: int) -> tuple[str, Escalation | None]:
            actor = Actor(platform="console", user_id=f"U{i:03d}")
            reply = await services.commands.handle(
                actor=actor, text=f"the {CRISIS_WORD}, call #{i}", dedupe_key=f"burst-{i}"
            )
            assert reply.decision is not None and reply.intake is not None, reply
            opened = await services.intake.escalate(
                result=reply.intake, actor=actor, text=f"call #{i}", status_ref=None
            )
            return reply.decision.decision_id, opened

        burst = []
        for i in range(BURST):
            burst.append(asyncio.create_task(request(i)))
            if i == BURST // 3:
                await fail_over(cluster, how)
            await asyncio.sleep(0.05)
        answered = await asyncio.gather(*burst)
        # Whichever way, the Sentinels promote the replica.
        await asyncio.to_thread(
            wait_for,
            lambda: cluster.master_port() != first_master,
            within_s=30,
            what="the Sentinels promoted the replica",
        )
        if how == "master killed":
            # Back, empty, as an operator brings a dead master back: a replica of the promoted
            # one. (Started as an empty master instead, the Sentinels could elect it again before
            # it had synced and every write since would be gone: Redis replication is async.)
            cluster.start_server("master", replica_of="replica")

        await eventually(
            lambda: services.intake.pending_escalations == 0,
            within_s=120,
            what="every escalation deferred during the failover was stored",
        )
        stored = await services.escalations.list_open()
        timers = await services.jobs.queued([timer_job_id(e) for e in stored])
        await services.jobs.stop()
        await worker

    assert cluster.master_port() != first_master
    decisions = {decision_id for decision_id, _ in answered}
    per_decision = Counter(e.decision_id for e in stored)
    assert set(per_decision) == decisions  # none lost
    assert set(per_decision.values()) == {1}  # none doubled
    told = {e.id for _, e in answered if e is not None}
    assert told <= {e.id for e in stored}  # every id a requester saw is the escalation's id
    assert len(timers) == len(stored)  # and each one's timer is queued
