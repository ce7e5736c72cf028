"""Acting on an escalation beyond the three buttons (issue 14): a note and an outcome with an
acknowledgement or a resolution, a snooze bounded by the category's deadline, a withdrawal by the
requester. Each lands in the escalation's history and the decision log, and the requester's
status card says it."""

from __future__ import annotations

import time

import pytest
import redis.asyncio as aioredis
from esc_helpers import EngineFactory, RecordingNotifier, crisis_decision, make_policy

from bot.escalations.model import Actor, Escalation
from bot.escalations.service import EscalationService, InvalidAction, NotAllowed
from bot.observability.decision_log import DecisionLog, TransitionRecorder
from bot.observability.metrics import Metrics
from bot.policy.model import Policy
from handlers.common.replies import refusal_text
from handlers.slack.notifier import MENTIONS

pytestmark = pytest.mark.store

REQUESTER = Actor(platform="slack", user_id="U_REQ")
DANA = Actor(platform="slack", user_id="U_DANA")  # comms-lead, the crisis owner
PRIYA = Actor(platform="slack", user_id="U_PRIYA")  # not in the crisis chain


@pytest.fixture
def policy() -> Policy:
    return make_policy(ack_minutes=10)  # deadline: 4 steps x 10 min = 40 min after opening


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def logged(redis: aioredis.Redis, metrics: Metrics) -> DecisionLog:
    return DecisionLog(redis, metrics=metrics, full_text=True)


@pytest.fixture
def service(
    make_engine: EngineFactory, clock: Clock, logged: DecisionLog, metrics: Metrics
) -> EscalationService:
    return make_engine(
        admin_ids=frozenset({"U_ADMIN"}),
        clock=clock,
        transitions=TransitionRecorder(logged, metrics),
    ).service


async def open_crisis(service: EscalationService) -> Escalation:
    return await service.open(
        decision=crisis_decision(), actor=REQUESTER, text="recall statement", status_ref=None
    )


async def test_acknowledge_and_resolve_with_a_note_and_an_outcome(
    service: EscalationService, notifier: RecordingNotifier, logged: DecisionLog
) -> None:
    esc = await open_crisis(service)

    await service.act(escalation_id=esc.id, actor=DANA, action="acknowledge", comment="On it")
    done = await service.act(
        escalation_id=esc.id,
        actor=DANA,
        action="resolve",
        comment="Legal signed off",
        outcome="statement published",
    )

    assert [(t.state, t.comment, t.outcome) for t in done.history[1:]] == [
        ("acknowledged", "On it", ""),
        ("resolved", "Legal signed off", "statement published"),
    ]
    cards = notifier.statuses(esc.id)
    assert cards[-2] == "Acknowledged by Dana. Note: \u201cOn it\u201d"
    assert cards[-1] == (
        "Resolved by Dana. Outcome: statement published. Note: \u201cLegal signed off\u201d"
    )
    entries = [e.fields for e in await logged.tail(10) if e.fields.get("kind") == "transition"]
    assert [(f["state"], f["comment"], f["outcome"]) for f in entries][-2:] == [
        ("acknowledged", "On it", ""),
        ("resolved", "Legal signed off", "statement published"),
    ]


async def test_snooze_pings_the_same_person_again_when_it_is_over(
    service: EscalationService, notifier: RecordingNotifier, clock: Clock
) -> None:
    esc = await open_crisis(service)

    snoozed = await service.act(escalation_id=esc.id, actor=DANA, action="snooze", minutes=25)

    assert snoozed.state == "snoozed" and snoozed.assignee == "comms-lead"
    assert snoozed.due_at == pytest.approx(clock.now + 25 * 60)
    assert notifier.statuses(esc.id)[-1] == "Snoozed by Dana. Dana will be pinged again in 25 min."
    assert notifier.deliveries(esc.id) == [("ping", 0, "comms-lead")]  # nobody pinged now

    clock.now = snoozed.due_at
    assert await service.fire_timer(escalation_id=esc.id, level=0, due_at=snoozed.due_at)

    assert notifier.deliveries(esc.id) == [("ping", 0, "comms-lead"), ("ping", 0, "comms-lead")]
    woken = await service.get(esc.id)
    assert woken is not None and (woken.state, woken.level) == ("open", 0)
    assert woken.due_at == pytest.approx(clock.now + 10 * 60)  # a fresh ack time, then the climb
    assert [t.state for t in woken.history] == ["open", "snoozed", "open"]


async def test_a_snooze_never_outlasts_the_categorys_deadline(
    service: EscalationService, clock: Clock
) -> None:
    esc = await open_crisis(service)

    snoozed = await service.act(escalation_id=esc.id, actor=DANA, action="snooze", minutes=600)

    assert snoozed.due_at == pytest.approx(esc.created_at + 40 * 60)
    clock.now = esc.created_at + 40 * 60 - 10
    with pytest.raises(InvalidAction) as refused:
        await service.act(escalation_id=esc.id, actor=DANA, action="snooze", minutes=30)
    assert refused.value.refusal is not None
    text = refusal_text(refused.value.refusal, policy=make_policy(), mentions=MENTIONS)
    assert "cannot be snoozed that long" in text


async def test_only_the_requester_or_an_admin_may_withdraw(
    service: EscalationService, notifier: RecordingNotifier
) -> None:
    esc = await open_crisis(service)

    with pytest.raises(NotAllowed):
        await service.act(escalation_id=esc.id, actor=DANA, action="withdraw")
    gone = await service.act(
        escalation_id=esc.id, actor=REQUESTER, action="withdraw", comment="sent by mistake"
    )

    assert gone.state == "resolved" and gone.history[-1].outcome == "withdrawn"
    assert gone.history[-1].by == "slack:U_REQ"
    assert gone.due_at is None  # no timer: nobody is pinged about it any more
    assert notifier.statuses(esc.id)[-1].startswith("Withdrawn by")
    assert await service.list_open() == []


async def test_someone_outside_the_chain_cannot_snooze(service: EscalationService) -> None:
    esc = await open_crisis(service)

    with pytest.raises(NotAllowed):
        await service.act(escalation_id=esc.id, actor=PRIYA, action="snooze", minutes=10)
