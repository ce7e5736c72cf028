"""Every escalation transition reaches the decision log and /metrics, climbs included."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.app import Services, build_services
from bot.console import CONSOLE_ACTOR, handle_line
from bot.notify_console import ConsoleNotifier
from bot.settings import Settings
from bot.transitions import LOGGED, TRACKED
from tests.ops.conftest import add_keyword, copy_policies, sample

pytestmark = pytest.mark.store

CRISIS_WORD = "zebra recall"


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
    await handle_line(services, f"{CRISIS_WORD} trending", io.StringIO())
    [escalation] = await services.escalations.list_open()
    return escalation.id


async def logged_states(services: Services) -> list[tuple[str, str]]:
    return [
        (e.fields["escalation_id"], e.fields["state"])
        for e in await services.decision_log.tail(100)
        if e.kind == "transition"
    ]


async def test_open_ack_resolve_are_logged_once_each(services: Services) -> None:
    eid = await open_one(services)
    assert await services.transitions.sweep() == 1
    await services.escalations.act(escalation_id=eid, actor=CONSOLE_ACTOR, action="acknowledge")
    await services.escalations.act(escalation_id=eid, actor=CONSOLE_ACTOR, action="resolve")

    assert await services.transitions.sweep() == 2
    assert await services.transitions.sweep() == 0

    assert await logged_states(services) == [
        (eid, "open"),
        (eid, "acknowledged"),
        (eid, "resolved"),
    ]
    m = services.metrics
    assert sample(m, "should_ai_escalation_transitions_total", state="acknowledged") == 1
    assert sample(m, "should_ai_time_to_acknowledge_seconds_count") == 1
    # Resolved and fully logged: the sweep forgets it.
    assert eid not in await services.redis.smembers(TRACKED)  # type: ignore[misc]
    assert eid not in await services.redis.hkeys(LOGGED)  # type: ignore[misc]


async def test_opened_and_resolved_between_two_sweeps_is_still_logged(
    services: Services,
) -> None:
    eid = await open_one(services)
    await services.escalations.act(escalation_id=eid, actor=CONSOLE_ACTOR, action="resolve")

    assert await services.transitions.sweep() == 2
    assert await logged_states(services) == [(eid, "open"), (eid, "resolved")]


async def test_a_climb_by_the_timer_is_logged(services: Services) -> None:
    eid = await open_one(services)
    opened = await services.escalations.get(eid)
    assert opened is not None and opened.due_at is not None

    moved = await services.escalations.fire_timer(
        escalation_id=eid, level=opened.level, due_at=opened.due_at
    )
    await services.transitions.sweep()

    climbed = await services.escalations.get(eid)
    assert moved and climbed is not None and climbed.level == 1
    [(_, first), (_, second)] = await logged_states(services)
    assert first == "open" and second == climbed.history[-1].state
    entries = [e for e in await services.decision_log.tail(10) if e.kind == "transition"]
    assert entries[-1].fields["level"] == "1"
    assert entries[-1].fields["assignee"] == climbed.assignee
