"""Every row of tests/scenarios.py typed on the console, in English and in French: the same
decisions and escalation steps as on Slack and Discord, and in French no English sentence of
the bot printed (answers, pings, channel posts, status lines)."""

from __future__ import annotations

import io
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.app import Services, build_services
from bot.settings import Settings
from bot.store.away import RedisAwayStore
from handlers.common.i18n import _, language
from handlers.console.notifier import ConsoleNotifier
from handlers.console.repl import handle_line
from tests.common.english_leaks import english_in
from tests.ops.conftest import copy_policies
from tests.scenarios import SCENARIOS, SETUP_STEPS, Scenario, expected_moves
from tests.slack.scenario_steps import NOTES, by_email, off_hours

pytestmark = pytest.mark.store

# A terminal cannot refuse a message: the row whose owner's DMs are closed has no console form.
# The rows of shadow mode and wrong-call feedback have their own drivers (test_*_rollout.py).
ON_CONSOLE = [s for s in SCENARIOS if "dm refused->backup" not in s.steps and not s.rollout]


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("scenario", ON_CONSOLE, ids=lambda s: s.name)
async def test_scenario_on_the_console(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path, scenario: Scenario, lang: str
) -> None:
    printed = io.StringIO()
    settings = Settings(
        redis_url=redis_url,
        policy_dir=copy_policies(tmp_path),
        data_dir=tmp_path / "data",
        default_language=lang,
    )
    console = ConsoleNotifier(stream=printed, language=lang)
    async with build_services(settings, console=console) as services:
        out = io.StringIO()

        async def typed(line: str) -> None:
            await handle_line(services.core, line, out, locale=lang, default_language=lang)

        for step in scenario.steps:
            if step in SETUP_STEPS:
                await _set_the_scene(services, scenario, step)
        await typed(scenario.text)
        category = services.holder.policy.categories[scenario.category]
        with language(lang):
            verdict = _("A person must own this") if scenario.escalates else _("AI can do this")
        assert verdict in out.getvalue()
        if scenario.escalates:
            await _unfold(services, scenario, typed, printed, lang)
        if lang != "en":
            assert category.label.in_language(lang) in out.getvalue()
            seen = (out.getvalue() + printed.getvalue()).splitlines()
            policy = services.holder.policy
            assert english_in(seen, policy=policy, code=lang, quoted=scenario.text) == []


async def _unfold(
    services: Services,
    scenario: Scenario,
    typed: Callable[[str], Awaitable[None]],
    printed: io.StringIO,
    lang: str = "en",
) -> None:
    policy = services.holder.policy
    category = policy.categories[scenario.category]
    [escalation] = await services.escalations.list_open()

    def pings(person: str | None) -> int:
        assert person is not None
        listed = policy.people.people.get(person)
        shown = f"{listed.name} ({person})" if listed else person  # the console itself: its key
        return printed.getvalue().count(f"PING {shown}")

    drafting, sent, published = NOTES[lang]
    for step in scenario.steps:
        current = await services.escalations.get(escalation.id)
        assert current is not None
        pinged_before = pings(current.assignee) if current.assignee else 0
        if step in ("timeout->backup", "timeout->channel", "hours start->owner", "snooze over"):
            assert current.due_at is not None
            assert await services.escalations.fire_timer(
                escalation_id=current.id, level=current.level, due_at=current.due_at
            )
        if step in ("dm owner", "timeout->backup", "hours start->owner"):
            person = category.backup if step == "timeout->backup" else category.owner
            assert pings(person)
        elif step == "skipped->backup":
            assert pings(category.backup) and not pings(category.owner)
        elif step == "waits for hours":
            assert not pings(category.owner)
        elif step == "snooze over":  # the same person, pinged again
            assert pings(current.assignee) == pinged_before + 1
        elif step == "timeout->channel":
            assert f"#{category.channel}" in printed.getvalue()
        elif step in ("ack", "resolve"):
            await typed(f"{step} {escalation.id}")
        elif step == "ack with note":
            await typed(f"ack {escalation.id} {drafting}")
        elif step == "resolve with outcome":
            await typed(f'resolve {escalation.id} outcome="{published}" {sent}')
        elif step == "snooze":
            await typed(f"snooze {escalation.id} 30")
        elif step == "withdraw":
            await typed(f"withdraw {escalation.id}")
    final = await services.escalations.get(escalation.id)
    assert final is not None
    assert [(t.state, t.level) for t in final.history] == expected_moves(scenario.steps)


async def _set_the_scene(services: Services, scenario: Scenario, step: str) -> None:
    """What the chat drivers do before the request (tests/slack/scenario_steps.py)."""
    owner = services.holder.policy.categories[scenario.category].owner
    assert owner is not None
    if step == "owner away":  # as `/should-ai away for 3 days` would (the console is nobody)
        await RedisAwayStore(services.redis).set_away(owner, time.time() + 3 * 86400)
    elif step == "owner off hours":
        await off_hours(services, owner)
    elif step == "owner by email":
        await by_email(services, owner)
