"""The escalation lifecycle as the requester and the people pinged see it, on a real Redis.

Timers are fired by calling ``fire_timer`` with the level and due time the job carries, exactly
as the arq job would; tests/escalations/test_replicas.py runs the real worker.
"""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis
from esc_helpers import Engine, EngineFactory, RecordingNotifier, crisis_decision

from bot.escalations.model import Actor, Escalation
from bot.escalations.service import (
    EscalationClosed,
    EscalationService,
    InvalidAction,
    NotAllowed,
    timer_job_id,
)
from bot.policy.model import Policy
from bot.store import keys
from handlers.common.replies import refusal_text
from handlers.slack.notifier import MENTIONS

pytestmark = pytest.mark.store

REQUESTER = Actor(platform="slack", user_id="U_REQ")
DANA = Actor(platform="slack", user_id="U_DANA")  # comms-lead, the crisis owner
MORGAN = Actor(platform="slack", user_id="U_MORGAN")  # marketing-lead, the backup
PRIYA = Actor(platform="slack", user_id="U_PRIYA")  # in people.yaml, not in this chain
ADMIN = Actor(platform="slack", user_id="U_ADMIN")
# What the status card adds after each ping (ack time 0.3 s in these tests)
THEN_MORGAN = " If nobody acknowledges within 0.3 s, it goes to Morgan."
THEN_CHANNEL = " If nobody acknowledges within 0.3 s, it goes to <#C_CRISIS>."
UNANSWERED = " It stays unanswered in the queue; the admins were told."
THEN_EXPIRES = " If nobody acknowledges within 0.3 s, it stays unanswered and the admins are told."


async def open_crisis(service: EscalationService) -> Escalation:
    return await service.open(
        decision=crisis_decision(),
        actor=REQUESTER,
        text="product recall statement",
        status_ref=None,
    )


async def fire(service: EscalationService, escalation: Escalation) -> bool:
    assert escalation.due_at is not None
    return await service.fire_timer(
        escalation_id=escalation.id, level=escalation.level, due_at=escalation.due_at
    )


async def test_open_stores_pings_the_owner_and_tells_the_requester(
    engine: Engine, notifier: RecordingNotifier, redis: aioredis.Redis
) -> None:
    esc = await open_crisis(engine.service)

    assert notifier.deliveries(esc.id) == [("ping", 0, "comms-lead")]
    assert notifier.statuses(esc.id) == [f"Pinged Dana; waiting for them.{THEN_MORGAN}"]
    stored = await engine.service.get(esc.id)
    assert stored is not None
    assert (stored.state, stored.assignee, stored.requester) == (
        "open",
        "comms-lead",
        "slack:U_REQ",
    )
    assert await redis.zcard(keys.ESCALATIONS_UNDELIVERED) == 0  # the ping is confirmed sent
    assert await engine.jobs.queued([timer_job_id(stored)]) == {timer_job_id(stored)}


async def test_unacknowledged_escalation_climbs_owner_backup_channel_repeat_then_is_unanswered(
    service: EscalationService, notifier: RecordingNotifier
) -> None:
    esc = await open_crisis(service)
    for _ in range(4):
        current = await service.get(esc.id)
        assert current is not None
        assert await fire(service, current)

    assert notifier.deliveries(esc.id) == [
        ("ping", 0, "comms-lead"),
        ("ping", 1, "marketing-lead"),
        ("channel", 2, "crisis-room"),
        ("channel", 3, "crisis-room"),
        ("ping", 3, "marketing-lead"),  # the fallback owner is told it is unanswered
    ]
    assert notifier.statuses(esc.id)[1:] == [
        f"No acknowledgement from Dana: escalated to Morgan.{THEN_CHANNEL}",
        # Issue 14: a repeat post in the same channel says so, not "escalated to" itself.
        "No acknowledgement from Morgan: escalated to <#C_CRISIS>."
        " If nobody acknowledges within 0.3 s, it is posted there again.",
        f"No acknowledgement in <#C_CRISIS> yet: posted there again.{THEN_EXPIRES}",
        "No acknowledgement in <#C_CRISIS> and nobody is left to ask: please reach Dana."
        + UNANSWERED,
    ]
    final = await service.get(esc.id)
    assert final is not None
    assert final.state == "unanswered"
    assert [t.state for t in final.history] == ["open", "open", "open", "open", "unanswered"]
    assert [e.id for e in await service.list_open()] == [esc.id]  # still in the queue


async def test_acknowledge_stops_the_climb(
    service: EscalationService, notifier: RecordingNotifier
) -> None:
    esc = await open_crisis(service)
    acked = await service.act(escalation_id=esc.id, actor=DANA, action="acknowledge")

    assert not await fire(service, esc)  # the timer set at open finds it acknowledged
    assert (acked.state, acked.assignee, acked.due_at) == ("acknowledged", "comms-lead", None)
    assert notifier.deliveries(esc.id) == [("ping", 0, "comms-lead")]
    assert notifier.statuses(esc.id)[-1] == "Acknowledged by Dana."


async def test_someone_outside_the_chain_is_refused_and_nothing_changes(
    service: EscalationService, notifier: RecordingNotifier, policy: Policy
) -> None:
    esc = await open_crisis(service)
    for stranger in (PRIYA, Actor(platform="slack", user_id="U_RANDOM"), REQUESTER):
        with pytest.raises(NotAllowed) as refused:
            await service.act(escalation_id=esc.id, actor=stranger, action="acknowledge")
        assert refused.value.refusal is not None
        assert (
            refusal_text(refused.value.refusal, policy=policy, mentions=MENTIONS)
            == f"Only Dana, Morgan or an admin can act on escalation {esc.id}."
        )

    stored = await service.get(esc.id)
    assert stored is not None
    assert (stored.state, len(stored.history)) == ("open", 1)
    assert notifier.statuses(esc.id) == [f"Pinged Dana; waiting for them.{THEN_MORGAN}"]


async def test_backup_and_admin_may_act(service: EscalationService) -> None:
    first, second = await open_crisis(service), await open_crisis(service)
    by_backup = await service.act(escalation_id=first.id, actor=MORGAN, action="resolve")
    by_admin = await service.act(escalation_id=second.id, actor=ADMIN, action="acknowledge")

    assert (by_backup.state, by_backup.history[-1].by) == ("resolved", "marketing-lead")
    assert (by_admin.state, by_admin.assignee) == ("acknowledged", "slack:U_ADMIN")


async def test_reassign_pings_the_new_person_and_restarts_the_timer(
    service: EscalationService, notifier: RecordingNotifier
) -> None:
    esc = await open_crisis(service)
    moved = await service.act(
        escalation_id=esc.id, actor=DANA, action="reassign", target_user_id="U_PRIYA"
    )

    assert (moved.state, moved.assignee, moved.level) == ("reassigned", "legal-counsel", 0)
    assert not await fire(service, esc)  # the old timer is stale
    assert notifier.deliveries(esc.id) == [("ping", 0, "comms-lead"), ("ping", 0, "legal-counsel")]
    assert notifier.statuses(esc.id)[-1] == f"Reassigned by Dana to Priya.{THEN_MORGAN}"
    # the new assignee may now act; without acknowledgement it climbs to the backup
    assert await fire(service, moved)
    assert notifier.deliveries(esc.id)[-1] == ("ping", 1, "marketing-lead")


async def test_reassign_to_someone_not_in_people_yaml_and_without_a_target(
    service: EscalationService, notifier: RecordingNotifier
) -> None:
    esc = await open_crisis(service)
    with pytest.raises(InvalidAction):
        await service.act(escalation_id=esc.id, actor=DANA, action="reassign")
    moved = await service.act(
        escalation_id=esc.id, actor=DANA, action="reassign", target_user_id="U_NEWBIE"
    )
    assert moved.assignee == "slack:U_NEWBIE"
    assert notifier.statuses(esc.id)[-1] == f"Reassigned by Dana to <@U_NEWBIE>.{THEN_MORGAN}"
    newbie = Actor(platform="slack", user_id="U_NEWBIE")
    acked = await service.act(escalation_id=esc.id, actor=newbie, action="acknowledge")
    assert acked.state == "acknowledged"


async def test_closed_ping_climbs_to_the_backup_at_once_and_tells_the_requester(
    service: EscalationService, notifier: RecordingNotifier
) -> None:
    notifier.refuse.add("comms-lead")
    esc = await open_crisis(service)

    assert (esc.level, esc.assignee, esc.state) == (1, "marketing-lead", "open")
    assert notifier.deliveries(esc.id) == [("ping", 1, "marketing-lead")]
    assert notifier.statuses(esc.id) == [
        "Could not reach Dana (comms-lead does not accept DMs): escalated to Morgan." + THEN_CHANNEL
    ]


async def test_a_timer_delivered_twice_pings_once(
    service: EscalationService, notifier: RecordingNotifier
) -> None:
    esc = await open_crisis(service)
    assert await fire(service, esc)
    assert not await fire(service, esc)  # at-least-once delivery of the same job

    assert notifier.deliveries(esc.id) == [("ping", 0, "comms-lead"), ("ping", 1, "marketing-lead")]


async def test_opening_the_same_decision_twice_returns_one_escalation(
    service: EscalationService, notifier: RecordingNotifier
) -> None:
    decision = crisis_decision()
    first = await service.open(decision=decision, actor=REQUESTER, text="t", status_ref=None)
    again = await service.open(decision=decision, actor=REQUESTER, text="t", status_ref=None)

    assert again.id == first.id
    assert len(await service.list_open()) == 1
    assert notifier.deliveries() == [("ping", 0, "comms-lead")]


async def test_acting_on_a_resolved_escalation_is_refused(
    service: EscalationService, policy: Policy
) -> None:
    esc = await open_crisis(service)
    await service.act(escalation_id=esc.id, actor=DANA, action="resolve")
    with pytest.raises(EscalationClosed) as refused:
        await service.act(escalation_id=esc.id, actor=DANA, action="acknowledge")
    assert refused.value.refusal is not None
    assert "already resolved" in refusal_text(
        refused.value.refusal, policy=policy, mentions=MENTIONS
    )
    assert await service.list_open() == []


async def test_list_open_filters_by_assignee_and_requester(service: EscalationService) -> None:
    first, second = await open_crisis(service), await open_crisis(service)
    await service.act(escalation_id=second.id, actor=MORGAN, action="acknowledge")

    assert [e.id for e in await service.list_open(assignee="comms-lead")] == [first.id]
    assert [e.id for e in await service.list_open(assignee="marketing-lead")] == [second.id]
    mine = await service.list_open(requester="slack:U_REQ")
    assert [e.id for e in mine] == [first.id, second.id]


class FlakyPlatform(RecordingNotifier):
    """A chat platform that fails (5xx, timeout) on the first ``failures`` pings."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    async def ping_person(self, *, escalation: Escalation, person_key: str) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("platform unavailable")
        await super().ping_person(escalation=escalation, person_key=person_key)


async def test_a_ping_that_never_went_out_is_resent_by_the_startup_sweep(
    make_engine: EngineFactory,
) -> None:
    platform = FlakyPlatform(failures=1)
    now = [1_000_000.0]
    engine = make_engine(records=platform, clock=lambda: now[0])
    esc = await open_crisis(engine.service)
    assert platform.deliveries() == []  # the platform failed; the escalation is stored anyway

    await engine.service.recover()
    assert platform.deliveries() == []  # too recent: a live replica may still be sending it
    now[0] += 31
    await engine.service.recover()
    await engine.service.recover()
    assert platform.deliveries(esc.id) == [("ping", 0, "comms-lead")]


async def test_a_timer_lost_by_the_job_queue_is_queued_again_at_start(
    engine: Engine, redis: aioredis.Redis
) -> None:
    esc = await open_crisis(engine.service)
    job_id = timer_job_id(esc)
    await redis.delete(f"arq:job:{job_id}")
    await redis.zrem(keys.JOB_QUEUE, job_id)
    assert await engine.jobs.queued([job_id]) == set()

    await engine.service.recover()
    assert await engine.jobs.queued([job_id]) == {job_id}


async def test_a_button_press_racing_the_timer_never_makes_two_moves_from_one_state(
    service: EscalationService, notifier: RecordingNotifier
) -> None:
    for _ in range(10):
        esc = await open_crisis(service)
        await asyncio.gather(
            service.act(escalation_id=esc.id, actor=DANA, action="acknowledge"),
            fire(service, esc),
        )
        final = await service.get(esc.id)
        assert final is not None
        assert final.state == "acknowledged"
        assert [t.state for t in final.history] in (
            ["open", "acknowledged"],  # the press won: the timer found nothing to do
            ["open", "open", "acknowledged"],  # the timer won: Morgan pinged, then Dana acked
        )
        climbed = len(final.history) == 3
        assert notifier.deliveries(esc.id)[1:] == (
            [("ping", 1, "marketing-lead")] if climbed else []
        )


async def test_an_unanswered_escalation_can_still_be_taken_late(
    service: EscalationService, notifier: RecordingNotifier
) -> None:
    esc = await open_crisis(service)
    while (current := await service.get(esc.id)) is not None and current.state != "unanswered":
        await fire(service, current)
    assert [e.state for e in await service.list_open()] == ["unanswered"]

    late = await service.act(escalation_id=esc.id, actor=DANA, action="acknowledge")
    assert late.state == "acknowledged"
    assert [e.id for e in await service.list_open()] == [esc.id]
    assert notifier.statuses(esc.id)[-1] == "Acknowledged by Dana."


async def test_a_request_nothing_matched_goes_to_the_fallback_owner(
    service: EscalationService, notifier: RecordingNotifier
) -> None:
    unsure = crisis_decision().model_copy(update={"category": None, "owner": None})
    esc = await service.open(decision=unsure, actor=REQUESTER, text="???", status_ref=None)
    assert (esc.category, esc.assignee) == ("fallback", "marketing-lead")
    assert await fire(service, esc)  # no backup or channel for the fallback: unanswered
    final = await service.get(esc.id)
    assert final is not None and final.state == "unanswered"
    assert notifier.statuses(esc.id)[-1] == (
        "No acknowledgement from Morgan and nobody is left to ask: please reach Morgan."
        + UNANSWERED
    )


async def test_a_policy_reload_applies_to_the_next_move(
    make_engine: EngineFactory, notifier: RecordingNotifier, policy: Policy
) -> None:
    current = [policy]
    engine = make_engine(policy_getter=lambda: current[0])  # as PolicyHolder does
    esc = await open_crisis(engine.service)
    assert await fire(engine.service, esc)  # -> backup, under the old policy
    crisis = policy.categories["crisis"].model_copy(update={"channel": None, "repeat": 0})
    file = policy.file.model_copy(update={"categories": {"crisis": crisis}})
    current[0] = policy.model_copy(update={"file": file})  # the admin removed the channel

    backup = await engine.service.get(esc.id)
    assert backup is not None
    assert await fire(engine.service, backup)
    final = await engine.service.get(esc.id)
    assert final is not None and final.state == "unanswered"
    assert [d[0] for d in notifier.deliveries(esc.id)] == ["ping", "ping"]  # no channel post
