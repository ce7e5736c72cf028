"""The rollout rows of tests/scenarios.py on Discord: a category in shadow pings nobody and the
decision log says who it would have pinged; a "wrong call" press is stored and shows in
`should-ai feedback list`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.discord.conftest import REQUESTER, DiscordBot
from tests.discord.feedback_driver import correct
from tests.feedback.cli import should_ai
from tests.feedback.helpers import set_mode
from tests.scenarios import ROLLOUT, Scenario

pytestmark = pytest.mark.store


@pytest.mark.parametrize("scenario", ROLLOUT, ids=lambda s: s.name)
async def test_rollout_scenario_on_discord(
    discord_bot: DiscordBot, policy_dir: Path, scenario: Scenario
) -> None:
    category = discord_bot.services.holder.policy.categories[scenario.category]
    if "shadow" in scenario.steps:
        set_mode(policy_dir, "shadow", scenario.category)
        assert (await discord_bot.services.watcher.apply()).error is None

    answer = await discord_bot.answer(discord_bot.ask(scenario.text))
    for step in scenario.steps:
        if step == "shadow":
            assert "AI can do this" in answer.text()
            assert "Shadow mode" in answer.text() and category.label in answer.text()
            assert not discord_bot.fake.dm_channels  # nobody was pinged
            assert list(await discord_bot.services.escalations.list_open()) == []
            code, out = await should_ai("log", "tail", "-n", "10")
            assert code == 0
            assert f"would have escalated to {category.owner}" in out
        elif step == "wrong call":
            told = await correct(discord_bot, answer, user=REQUESTER, category="creative")
            assert "recorded" in told.text()
            code, out = await should_ai("feedback", "list")
            assert code == 0
            assert (
                f"by discord:{REQUESTER} (requester): ai/{scenario.category} -> human/creative"
                in out
            )
        else:
            raise AssertionError(f"unknown step {step!r}")
