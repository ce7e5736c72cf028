"""Each move of an escalation reaches the decision log in the transaction that makes it.

The sink is the one `should-ai serve` wires (bot.observability.decision_log.TransitionRecorder).
The ops tests
(tests/ops/test_transitions.py) follow open, acknowledge, resolve and the timer's climbs through
the whole bot; these cover the moves a console user cannot make: a refused ping, a reassign, and
a button press racing the timer. Crashes around the transaction are in test_outage.py.
"""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis
from esc_helpers import EngineFactory, RecordingNotifier, crisis_decision

from bot.escalations.model import Actor, Escalation
from bot.escalations.service import EscalationService
from bot.observability.decision_log import DecisionLog, TransitionRecorder
from bot.observability.metrics import Metrics

pytestmark = pytest.mark.store

REQUESTER = Actor(platform="slack", user_id="U_REQ")
DANA = Actor(platform="slack", user_id="U_DANA")  # comms-lead, the crisis owner
TRANSITIONS = "should_ai_escalation_transitions_total"


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def service(
    make_engine: EngineFactory, redis: aioredis.Redis, metrics: Metrics
) -> EscalationService:
    recorder = TransitionRecorder(DecisionLog(redis, metrics=metrics), metrics)
    return make_engine(transitions=recorder).service


async def open_crisis(service: EscalationService) -> Escalation:
    return await service.open(
        decision=crisis_decision(), actor=REQUESTER, text="recall", status_ref=None
    )


async def logged(redis: aioredis.Redis, escalation_id: str) -> list[dict[str, str]]:
    entries = await DecisionLog(redis, metrics=Metrics()).tail(1000)
    return [
        e.fields
        for e in entries
        if e.kind == "transition" and e.fields["escalation_id"] == escalation_id
    ]


def counted(metrics: Metrics, state: str) -> float:
    return metrics.registry.get_sample_value(TRANSITIONS, {"state": state}) or 0.0


async def test_a_refused_ping_climbs_at_once_and_both_moves_are_logged(
    service: EscalationService,
    notifier: RecordingNotifier,
    redis: aioredis.Redis,
    metrics: Metrics,
) -> None:
    notifier.refuse.add("comms-lead")

    esc = await open_crisis(service)

    moves = [
        (f["state"], f["level"], f["assignee"], f["note"]) for f in await logged(redis, esc.id)
    ]
    assert moves == [
        ("open", "0", "comms-lead", ""),
        ("open", "1", "marketing-lead", "delivery refused: comms-lead does not accept DMs"),
    ]
    assert counted(metrics, "open") == 2


async def test_a_reassign_is_logged_with_who_did_it_and_the_new_assignee(
    service: EscalationService, redis: aioredis.Redis, metrics: Metrics
) -> None:
    esc = await open_crisis(service)

    await service.act(escalation_id=esc.id, actor=DANA, action="reassign", target_user_id="U_PRIYA")

    *_, entry = await logged(redis, esc.id)
    assert (entry["state"], entry["assignee"], entry["by"]) == (
        "reassigned",
        "legal-counsel",
        "comms-lead",
    )
    assert (entry["decision_id"], entry["policy_revision"]) == (esc.decision_id, "test-rev")
    assert counted(metrics, "reassigned") == 1


async def test_a_press_racing_the_timer_logs_exactly_the_moves_that_were_made(
    service: EscalationService, redis: aioredis.Redis, metrics: Metrics
) -> None:
    made = 0
    for _ in range(10):
        esc = await open_crisis(service)
        assert esc.due_at is not None
        await asyncio.gather(
            service.act(escalation_id=esc.id, actor=DANA, action="acknowledge"),
            service.fire_timer(escalation_id=esc.id, level=esc.level, due_at=esc.due_at),
        )
        final = await service.get(esc.id)
        assert final is not None

        states = [f["state"] for f in await logged(redis, esc.id)]
        assert states == [t.state for t in final.history]
        made += len(final.history)

    assert counted(metrics, "open") + counted(metrics, "acknowledged") == made
    assert counted(metrics, "acknowledged") == 10
