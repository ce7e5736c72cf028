"""The rollout rows of tests/scenarios.py on Slack: a category in shadow pings nobody and the
decision log says who it would have pinged; a "wrong call" press is stored and shows in
`should-ai feedback list`."""

from __future__ import annotations

from pathlib import Path

import pytest

from handlers.slack.feedback_blocks import WRONG_CALL_ACTION
from tests.feedback.cli import should_ai
from tests.feedback.helpers import set_mode
from tests.scenarios import ROLLOUT, Scenario
from tests.slack.conftest import REQUESTER, SlackBot
from tests.slack.feedback_driver import open_form, submit_form

pytestmark = pytest.mark.store


@pytest.mark.parametrize("scenario", ROLLOUT, ids=lambda s: s.name)
async def test_rollout_scenario_on_slack(
    slack_bot: SlackBot, policy_dir: Path, scenario: Scenario
) -> None:
    policy = slack_bot.services.holder.policy
    category = policy.categories[scenario.category]
    if "shadow" in scenario.steps:
        set_mode(policy_dir, "shadow", scenario.category)
        assert (await slack_bot.services.watcher.apply()).error is None

    await slack_bot.command(scenario.text)
    [answer] = await slack_bot.answers_to(REQUESTER)
    for step in scenario.steps:
        if step == "shadow":
            assert "AI can do this" in answer.blocks_text()
            assert "Shadow mode" in answer.blocks_text() and category.label in answer.blocks_text()
            assert slack_bot.fake.of("conversations.open") == []  # nobody pinged, no status card
            assert list(await slack_bot.services.escalations.list_open()) == []
            code, out = await should_ai("log", "tail", "-n", "10")
            assert code == 0
            assert f"would have escalated to {category.owner}" in out
        elif step == "wrong call":
            opened = await open_form(slack_bot, answer, WRONG_CALL_ACTION, user=REQUESTER)
            told = await submit_form(slack_bot, opened, user=REQUESTER, category="creative")
            assert "recorded" in told.blocks_text()
            code, out = await should_ai("feedback", "list")
            assert code == 0
            assert (
                f"by slack:{REQUESTER} (requester): ai/{scenario.category} -> human/creative" in out
            )
        else:
            raise AssertionError(f"unknown step {step!r}")
