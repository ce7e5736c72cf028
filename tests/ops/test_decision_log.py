"""The decision log keeps who, route, owner and revision; request text is masked by default."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis

from bot.escalations.model import Actor, Escalation, Transition
from bot.escalations.ports import MoveWrites
from bot.observability.decision_log import DecisionLog
from bot.observability.metrics import Metrics
from bot.store.escalations import RedisEscalationStore
from bot.store.keys import DECISION_LOG_STREAM
from tests.ops.conftest import make_decision, sample

pytestmark = pytest.mark.store

ALICE = Actor(platform="slack", user_id="U0ALICE")
SECRET = "Reply to the journalist about the Acme recall before 5pm, call Jane at +33 6 12 34 56 78"


async def test_entries_mask_the_request_by_default(redis: aioredis.Redis, metrics: Metrics) -> None:
    log = DecisionLog(redis, metrics=metrics)
    await log.record_decision(decision=make_decision(decision_id="d-42"), actor=ALICE, text=SECRET)

    [entry] = await log.tail(10)

    f = entry.fields
    assert (f["decision_id"], f["policy_revision"], f["who"]) == ("d-42", "rev-1", "slack:U0ALICE")
    assert (f["route"], f["category"]) == ("human", "crisis")
    assert f["owner"].startswith("comms-lead")
    for word in ("journalist", "Acme", "Jane", "56 78"):
        assert word not in f["text"]
    assert f"{len(SECRET)} chars" in f["text"]


async def test_full_text_setting_keeps_text_but_bounded(
    redis: aioredis.Redis, metrics: Metrics
) -> None:
    log = DecisionLog(redis, metrics=metrics, full_text=True, max_text_chars=40)
    await log.record_decision(decision=make_decision(), actor=ALICE, text=SECRET)

    [entry] = await log.tail(1)

    assert entry.fields["text"] == SECRET[:40]


async def test_same_request_masks_the_same_way(redis: aioredis.Redis, metrics: Metrics) -> None:
    # An admin can tell two entries are the same request without reading it.
    log = DecisionLog(redis, metrics=metrics)
    for i in range(2):
        await log.record_decision(
            decision=make_decision(decision_id=f"d-{i}"), actor=ALICE, text=SECRET
        )
    await log.record_decision(
        decision=make_decision(decision_id="d-9"), actor=ALICE, text=SECRET + "!"
    )

    a, b, c = (e.fields["text"] for e in await log.tail(3))
    assert a == b != c


def acknowledged_escalation() -> tuple[Escalation, Transition]:
    step = Transition(
        at=1000.0, state="acknowledged", level=0, assignee="comms-lead", by="slack:U0DANA"
    )
    escalation = Escalation(
        id="E-7",
        decision_id="d-1",
        policy_revision="rev-1",
        category="crisis",
        platform="slack",
        requester="slack:U0ALICE",
        text=SECRET,
        state="acknowledged",
        level=0,
        assignee="comms-lead",
        created_at=900.0,
        due_at=None,
        history=[step],
    )
    return escalation, step


async def queue_in_a_transaction(
    redis: aioredis.Redis, log: DecisionLog, escalation: Escalation, step: Transition
) -> None:
    """Commit a move of ``escalation`` with ``step``'s entry, as the escalation store does."""
    store = RedisEscalationStore(redis)
    await store.create(escalation)  # once: the same decision opens no second escalation
    await store.update(
        escalation.id,
        lambda stored: stored,
        followups=lambda _, after: MoveWrites(
            log=log.transition_record(escalation=after, transition=step)
        ),
    )


async def test_escalation_transitions_are_logged(redis: aioredis.Redis, metrics: Metrics) -> None:
    log = DecisionLog(redis, metrics=metrics)
    escalation, step = acknowledged_escalation()
    await queue_in_a_transaction(redis, log, escalation, step)

    [entry] = await log.tail(1)

    assert entry.kind == "transition"
    assert (entry.fields["escalation_id"], entry.fields["state"]) == ("E-7", "acknowledged")
    assert entry.fields["decision_id"] == escalation.decision_id
    assert entry.fields["policy_revision"] == escalation.policy_revision
    assert "E-7 -> acknowledged" in entry.summary()
    assert SECRET not in str(entry.fields)


async def test_queued_transitions_keep_the_stream_bounded(
    redis: aioredis.Redis, metrics: Metrics
) -> None:
    log = DecisionLog(redis, metrics=metrics, max_entries=10)
    escalation, step = acknowledged_escalation()
    for _ in range(300):
        await queue_in_a_transaction(redis, log, escalation, step)

    assert 10 <= await redis.xlen(DECISION_LOG_STREAM) <= 200  # MAXLEN ~ applies here too


async def test_the_stream_stays_bounded(redis: aioredis.Redis, metrics: Metrics) -> None:
    log = DecisionLog(redis, metrics=metrics, max_entries=10)
    for i in range(1000):
        await log.record_decision(
            decision=make_decision(decision_id=f"d-{i}"), actor=ALICE, text="x"
        )

    # MAXLEN ~ trims whole stream nodes (100 entries each by default), never below 10.
    assert 10 <= await redis.xlen(DECISION_LOG_STREAM) <= 200
    assert [e.fields["decision_id"] for e in await log.tail(2)] == ["d-998", "d-999"]


async def test_other_parts_log_events_about_a_decision(
    redis: aioredis.Redis, metrics: Metrics
) -> None:
    log = DecisionLog(redis, metrics=metrics)
    await log.record_event(kind="ai", decision_id="d-5", fields={"event": "draft_queued"})

    [entry] = await log.tail(1)

    assert (entry.kind, entry.fields["decision_id"]) == ("ai", "d-5")
    assert "ai d-5 event=draft_queued" in entry.summary()
    with pytest.raises(ValueError, match="reserved"):
        await log.record_event(kind="decision", decision_id="d-5", fields={})


async def test_follow_returns_only_newer_entries(redis: aioredis.Redis, metrics: Metrics) -> None:
    log = DecisionLog(redis, metrics=metrics)
    await log.record_decision(decision=make_decision(decision_id="old"), actor=ALICE, text="x")
    [last] = await log.tail(1)
    await log.record_decision(decision=make_decision(decision_id="new"), actor=ALICE, text="x")

    newer = await log.follow(last.id, block_ms=100)

    assert [e.fields["decision_id"] for e in newer] == ["new"]
    assert await log.follow(newer[-1].id, block_ms=100) == []


async def test_a_burst_too_fast_to_wait_for_loses_no_entry(
    redis: aioredis.Redis, metrics: Metrics
) -> None:
    # 1,000 decisions at once, each giving up waiting for its entry almost at once (as under a
    # burst the event loop is too busy to see Redis's reply in time): every entry still lands,
    # once each, in the order the decisions were made.
    log = DecisionLog(redis, metrics=metrics, timeout_s=0.001)
    ids = [f"d-{i:04d}" for i in range(1000)]
    await asyncio.gather(
        *(
            log.record_decision(decision=make_decision(decision_id=d), actor=ALICE, text="x")
            for d in ids
        )
    )

    assert await log.flush(timeout_s=30)
    rows = await redis.xrange(DECISION_LOG_STREAM)
    assert [f["decision_id"] for _, f in rows] == ids
    assert sample(metrics, "should_ai_store_errors_total", component="decision_log") == 0
    await log.aclose()
