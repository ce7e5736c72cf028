"""Every row of tests/scenarios.py typed on the console, in English and in French: the same
decisions and escalation steps as on Slack and Discord, and in French no English sentence of
the bot printed (answers, pings, channel posts, status lines)."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.app import Services, build_services
from bot.settings import Settings
from handlers.common.i18n import _, language
from handlers.console.notifier import ConsoleNotifier
from handlers.console.repl import handle_line
from tests.common.english_leaks import english_in
from tests.ops.conftest import copy_policies
from tests.scenarios import SCENARIOS, Scenario, expected_moves

pytestmark = pytest.mark.store

# A terminal cannot refuse a message: the row whose owner's DMs are closed has no console form.
ON_CONSOLE = [s for s in SCENARIOS if "dm refused->backup" not in s.steps]


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

        await typed(scenario.text)
        category = services.holder.policy.categories[scenario.category]
        with language(lang):
            verdict = _("A person must own this") if scenario.escalates else _("AI can do this")
        assert verdict in out.getvalue()
        if scenario.escalates:
            await _unfold(services, scenario, typed, printed)
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
) -> None:
    policy = services.holder.policy
    category = policy.categories[scenario.category]
    [escalation] = await services.escalations.list_open()
    for step in scenario.steps:
        current = await services.escalations.get(escalation.id)
        assert current is not None
        if step in ("timeout->backup", "timeout->channel"):
            assert current.due_at is not None
            assert await services.escalations.fire_timer(
                escalation_id=current.id, level=current.level, due_at=current.due_at
            )
        if step in ("dm owner", "timeout->backup"):
            person = category.owner if step == "dm owner" else category.backup
            assert person is not None
            assert f"PING {policy.people.people[person].name} ({person})" in printed.getvalue()
        elif step == "timeout->channel":
            assert f"#{category.channel}" in printed.getvalue()
        elif step in ("ack", "resolve"):
            await typed(f"{step} {escalation.id}")
    final = await services.escalations.get(escalation.id)
    assert final is not None
    assert [(t.state, t.level) for t in final.history] == expected_moves(scenario.steps)
