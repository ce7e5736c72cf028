"""Issue 12: an escalation that runs out of levels is unanswered, not gone.

It stays in the queue, the fallback owner and the admins are told, the /metrics gauge counts
it, and a record stored before (as "expired") loads as unanswered.
"""

from __future__ import annotations

import redis.asyncio as aioredis
from esc_helpers import RecordingNotifier, crisis_decision

from bot.escalations.model import Actor, Escalation
from bot.escalations.service import EscalationService
from bot.jobs import Jobs
from bot.observability.metrics import Metrics
from bot.policy.model import Policy
from bot.store.escalations import RedisEscalationStore

REQUESTER = Actor(platform="slack", user_id="U_REQ")


class AdminInbox:
    def __init__(self) -> None:
        self.messages: list[str] = []

    async def notify_admins(self, *, message: str) -> None:
        self.messages.append(message)


async def _climb_to_the_top(service: EscalationService, esc: Escalation) -> Escalation:
    current: Escalation | None = esc
    while current is not None and current.state != "unanswered":
        assert current.due_at is not None
        await service.fire_timer(escalation_id=esc.id, level=current.level, due_at=current.due_at)
        current = await service.get(esc.id)
    assert current is not None
    return current


async def test_an_escalation_nobody_answers_stays_queued_and_the_fallback_and_admins_are_told(
    redis: aioredis.Redis, redis_url: str, policy: Policy, notifier: RecordingNotifier
) -> None:
    jobs = Jobs(redis_url)
    inbox = AdminInbox()
    service = EscalationService(
        store=RedisEscalationStore(redis, timers=jobs),
        jobs=jobs,
        policy=lambda: policy,
        admin_notices=inbox,
    )
    service.register_notifier("slack", notifier)
    try:
        esc = await service.open(
            decision=crisis_decision(), actor=REQUESTER, text="recall", status_ref=None
        )
        final = await _climb_to_the_top(service, esc)
    finally:
        await jobs.aclose()
    assert [e.id for e in await service.list_open()] == [esc.id]
    assert notifier.deliveries(esc.id)[-1] == ("ping", final.level, policy.file.fallback.owner)
    [told] = inbox.messages
    assert esc.id in told and "unanswered" in told
    assert "unanswered" in notifier.statuses(esc.id)[-1]


def test_a_record_stored_as_expired_loads_as_unanswered() -> None:
    old = {
        "id": "esc-9",
        "decision_id": "d9",
        "policy_revision": "r",
        "category": "crisis",
        "platform": "slack",
        "requester": "U_REQ",
        "text": "recall",
        "state": "expired",
        "level": 2,
        "assignee": None,
        "created_at": 1.0,
        "due_at": None,
        "history": [
            {"at": 1.0, "state": "open", "level": 0, "assignee": "comms-lead", "by": None},
            {"at": 2.0, "state": "expired", "level": 2, "assignee": None, "by": None},
        ],
    }
    loaded = Escalation.model_validate(old)
    assert loaded.state == "unanswered"
    assert [t.state for t in loaded.history] == ["open", "unanswered"]


def test_the_escalation_gauge_counts_unanswered_ones() -> None:
    metrics = Metrics()
    metrics.count_escalations(["open", "unanswered", "unanswered"])
    sample = metrics.registry.get_sample_value
    assert sample("should_ai_escalations", {"state": "unanswered"}) == 2
    assert sample("should_ai_escalations", {"state": "open"}) == 1
