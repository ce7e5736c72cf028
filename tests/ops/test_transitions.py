"""Every escalation transition reaches the decision log and /metrics at once, climbs included.

The log entry is written in the same Redis transaction as the move, so there is nothing to wait
for: each assertion below runs right after the move, with no sweep or worker in between.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.app import Services, build_services
from bot.escalations.model import Escalation
from bot.settings import Settings
from handlers.console.notifier import ConsoleNotifier
from handlers.console.repl import CONSOLE_ACTOR, handle_line
from tests.ops.conftest import add_keyword, copy_policies, make_decision, sample
from tests.ops.test_cli_ops import run_cli

pytestmark = pytest.mark.store

CRISIS_WORD = "zebra recall"
TRANSITIONS = "should_ai_escalation_transitions_total"


@pytest.fixture
async def services(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path
) -> AsyncIterator[Services]:
    policy_dir = copy_policies(tmp_path)
    add_keyword(policy_dir, "crisis", CRISIS_WORD)
    settings = Settings(redis_url=redis_url, policy_dir=policy_dir, data_dir=tmp_path / "d")
    async with build_services(settings, console=ConsoleNotifier(stream=io.StringIO())) as s:
        yield s


async def open_one(services: Services) -> str:
    await handle_line(services.core, f"{CRISIS_WORD} trending", io.StringIO())
    [escalation] = await services.escalations.list_open()
    return escalation.id


async def logged_states(services: Services) -> list[tuple[str, str]]:
    return [
        (e.fields["escalation_id"], e.fields["state"])
        for e in await services.decision_log.tail(100)
        if e.kind == "transition"
    ]


def counted(services: Services) -> dict[str, float]:
    states = ("open", "acknowledged", "reassigned", "resolved", "unanswered")
    return {s: sample(services.metrics, TRANSITIONS, state=s) for s in states}


async def climb(services: Services, escalation_id: str) -> Escalation:
    """Fire the escalation's current timer, as the job worker would when it falls due."""
    current = await services.escalations.get(escalation_id)
    assert current is not None and current.due_at is not None
    moved = await services.escalations.fire_timer(
        escalation_id=escalation_id, level=current.level, due_at=current.due_at
    )
    after = await services.escalations.get(escalation_id)
    assert moved and after is not None
    return after


async def test_open_ack_resolve_are_logged_once_each_as_they_happen(services: Services) -> None:
    eid = await open_one(services)
    assert await logged_states(services) == [(eid, "open")]
    assert counted(services)["open"] == 1

    await services.escalations.act(escalation_id=eid, actor=CONSOLE_ACTOR, action="acknowledge")
    assert await logged_states(services) == [(eid, "open"), (eid, "acknowledged")]

    await services.escalations.act(escalation_id=eid, actor=CONSOLE_ACTOR, action="resolve")
    assert await logged_states(services) == [
        (eid, "open"),
        (eid, "acknowledged"),
        (eid, "resolved"),
    ]
    assert counted(services) == {
        "open": 1,
        "acknowledged": 1,
        "reassigned": 0,
        "resolved": 1,
        "unanswered": 0,
    }
    assert sample(services.metrics, "should_ai_time_to_acknowledge_seconds_count") == 1


async def test_the_decision_comes_before_its_escalation_in_the_log(services: Services) -> None:
    eid = await open_one(services)

    decision, opened = await services.decision_log.tail(2)

    assert (decision.kind, opened.kind) == ("decision", "transition")
    assert opened.fields["decision_id"] == decision.fields["decision_id"]
    assert f"escalation {eid} -> open level=0 assignee=comms-lead" in opened.summary()


async def test_a_move_that_changes_nothing_logs_nothing(services: Services) -> None:
    eid = await open_one(services)
    opened = await services.escalations.get(eid)
    assert opened is not None and opened.due_at is not None
    await services.escalations.act(escalation_id=eid, actor=CONSOLE_ACTOR, action="acknowledge")

    # A second press of Acknowledge, and the timer of the level it was acknowledged at.
    await services.escalations.act(escalation_id=eid, actor=CONSOLE_ACTOR, action="acknowledge")
    assert not await services.escalations.fire_timer(
        escalation_id=eid, level=opened.level, due_at=opened.due_at
    )

    assert await logged_states(services) == [(eid, "open"), (eid, "acknowledged")]
    assert counted(services)["acknowledged"] == 1
    assert sample(services.metrics, "should_ai_time_to_acknowledge_seconds_count") == 1


async def test_opening_the_same_decision_twice_logs_one_open(services: Services) -> None:
    decision = make_decision(decision_id="d-twice")
    first = await services.escalations.open(
        decision=decision, actor=CONSOLE_ACTOR, text="boycott", status_ref=None
    )
    again = await services.escalations.open(
        decision=decision, actor=CONSOLE_ACTOR, text="boycott", status_ref=None
    )

    assert again.id == first.id
    assert await logged_states(services) == [(first.id, "open")]
    assert counted(services)["open"] == 1


async def test_each_timer_climb_and_the_expiry_are_logged_as_they_happen(
    services: Services,
) -> None:
    eid = await open_one(services)

    climbed = await climb(services, eid)
    assert climbed.level == 1
    [*_, entry] = await services.decision_log.tail(1)
    assert (entry.fields["state"], entry.fields["level"]) == ("open", "1")
    assert entry.fields["assignee"] == climbed.assignee == "marketing-lead"
    assert entry.fields["note"] == "no acknowledgement"

    while climbed.state != "unanswered":  # backup, then the channel and its repeats
        climbed = await climb(services, eid)

    logged = [
        (e.fields["state"], e.fields["level"])
        for e in await services.decision_log.tail(100)
        if e.kind == "transition"
    ]
    assert logged == [(t.state, str(t.level)) for t in climbed.history]
    assert logged[-1][0] == "unanswered"
    assert counted(services)["open"] == len(climbed.history) - 1
    assert counted(services)["unanswered"] == 1


async def test_log_tail_shows_each_move_once(
    services: Services,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    eid = await open_one(services)
    await climb(services, eid)
    await services.escalations.act(escalation_id=eid, actor=CONSOLE_ACTOR, action="acknowledge")
    await services.escalations.act(escalation_id=eid, actor=CONSOLE_ACTOR, action="resolve")
    capsys.readouterr()
    monkeypatch.setenv("SHOULD_AI_REDIS_URL", redis_url)

    assert await asyncio.to_thread(run_cli, "log", "tail", "-n", "50") == 0

    moves = [line for line in capsys.readouterr().out.splitlines() if f" {eid} -> " in line]
    assert [line.split(" -> ")[1].split()[:2] for line in moves] == [
        ["open", "level=0"],
        ["open", "level=1"],
        ["acknowledged", "level=1"],
        ["resolved", "level=1"],
    ]
