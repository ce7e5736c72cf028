"""A second bot replica in its own process, for the test that kills one (SIGKILL, no cleanup).

Usage: python esc_replica.py REDIS_URL ACK_MINUTES. It opens one crisis escalation, prints its
id, and runs its job worker until killed. Its pings go to the Redis list ``test:deliveries``.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable
from typing import cast

import redis.asyncio as aioredis
from esc_helpers import RecordingNotifier, crisis_decision, make_policy

from bot.escalations.model import Actor, Escalation
from bot.escalations.service import EscalationService
from bot.jobs import Jobs
from bot.store.escalations import RedisEscalationStore

DELIVERIES = "test:deliveries"


class ListNotifier(RecordingNotifier):
    """Records into a Redis list, so the test process can read what this process did."""

    def __init__(self, redis: aioredis.Redis) -> None:
        super().__init__()
        self.redis = redis

    async def ping_person(self, *, escalation: Escalation, person_key: str) -> None:
        record = json.dumps(["ping", escalation.level, person_key])
        await cast(Awaitable[int], self.redis.rpush(DELIVERIES, record))


async def main(url: str, ack_minutes: float) -> None:
    redis = aioredis.Redis.from_url(url, decode_responses=True)
    jobs = Jobs(url, poll_delay=0.02)
    policy = make_policy(ack_minutes=ack_minutes)
    store = RedisEscalationStore(redis, timers=jobs)
    service = EscalationService(store=store, jobs=jobs, policy=lambda: policy)
    service.register_notifier("slack", ListNotifier(redis))
    actor = Actor(platform="slack", user_id="U_REQ")
    esc = await service.open(decision=crisis_decision(), actor=actor, text="t", status_ref=None)
    print(esc.id, flush=True)
    await jobs.run_worker()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2])))
