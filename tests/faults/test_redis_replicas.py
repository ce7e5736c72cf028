"""A move counts as stored only once a replica has it (``wait_replicas``, 1 with Sentinel).

Replication is asynchronous and a failover promotes a replica: a move only the old master had
is gone once that master rejoins as a replica. So a move no replica confirms is refused
(StoreUnavailable: the caller retries, the requester is told to contact the owner), and what
was confirmed is on the promoted server. Debian's redis-server on 127.0.0.1, failed over by hand
the way Sentinel does it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store.connection import connect
from bot.store.errors import StoreUnavailable
from bot.store.escalations import RedisEscalationStore
from tests.store.redis_cluster import Cluster, needs_debian_redis
from tests.store.serving import opened_escalation, wait_for

pytestmark = [pytest.mark.store, pytest.mark.slow, needs_debian_redis]


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Cluster]:
    c = Cluster(tmp_path / "redis")
    try:
        c.start_server("master")
        c.start_server("replica", replica_of="master")
        wait_for(lambda: c.replicating("replica"), within_s=20, what="the replica syncs")
        yield c
    finally:
        c.stop()


async def test_a_move_no_replica_confirms_is_refused_and_what_was_confirmed_survives(
    pair: Cluster,
) -> None:
    old = connect(f"redis://127.0.0.1:{pair.ports['master']}/0?wait_replicas=1")
    store = RedisEscalationStore(old)
    first = opened_escalation("esc-1", "d-1")
    await store.create(first)  # the replica confirmed it

    with pair.client("replica") as replica:  # promoted; the old master does not know yet
        replica.replicaof("NO", "ONE")
    with pytest.raises(StoreUnavailable, match="0 of 1 replica"):
        await store.create(opened_escalation("esc-2", "d-2"))
    with pytest.raises(StoreUnavailable, match="0 of 1 replica"):
        await store.update("esc-1", lambda e: e.model_copy(update={"text": "changed"}))

    with pair.client("master") as master:  # rejoins as a replica of the promoted server
        master.replicaof("127.0.0.1", pair.ports["replica"])
    wait_for(lambda: pair.replicating("master"), within_s=20, what="the old master syncs")
    new = connect(f"redis://127.0.0.1:{pair.ports['replica']}/0")
    try:
        promoted = RedisEscalationStore(new)
        assert await promoted.get("esc-1") == first  # confirmed: kept
        assert await promoted.get("esc-2") is None  # refused, and indeed lost with the old master
    finally:
        await old.aclose()
        await new.aclose()
