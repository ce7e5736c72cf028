"""Every row of tests/scenarios.py for a French team on Slack (users.info locale fr-FR, French
channels): the same decisions and escalation steps as in English, and no English sentence of
the bot reaches anyone."""

from __future__ import annotations

from pathlib import Path

import pytest
from redis.asyncio import Redis

from handlers.common.i18n import _, language
from tests.ai.fake_llm import FakeLlm
from tests.common.english_leaks import english_in, everyone_speaks
from tests.scenarios import ASSIST_STEPS, SCENARIOS, SETUP_STEPS, Scenario, expected_moves
from tests.slack.assist_steps import play_assist
from tests.slack.conftest import REQUESTER, SlackBot, serving
from tests.slack.scenario_steps import set_the_scene
from tests.slack.slack_fake import Call, FakeSlack
from tests.slack.test_slack_escalations import _current, _play

pytestmark = pytest.mark.store


# The rows of shadow mode and wrong-call feedback have their own drivers (test_slack_rollout.py).
PLAYED = tuple(s for s in SCENARIOS if not s.rollout)


@pytest.mark.parametrize("scenario", PLAYED, ids=lambda s: s.name)
async def test_scenario_in_french(
    slack_env: None,
    redis: Redis,
    fake_slack: FakeSlack,
    policy_dir: Path,
    scenario: Scenario,
    scenario_llm: FakeLlm | None,
) -> None:
    fake_slack.default_locale = "fr-FR"
    everyone_speaks(policy_dir, "fr", people=False)  # people by their Slack locale; channels
    async with serving(fake_slack) as bot:
        category = bot.services.holder.policy.categories[scenario.category]
        if "dm refused->backup" in scenario.steps and category.owner is not None:
            fake_slack.dm_refused[bot.slack_id(category.owner)] = "user_disabled"
        for step in scenario.steps:
            if step in SETUP_STEPS and category.owner is not None:
                await set_the_scene(bot, step, category.owner, "fr")
        await bot.command(scenario.text)
        [answer, *_others] = await bot.answers_to(REQUESTER)
        with language("fr"):
            verdict = _("A person must own this") if scenario.escalates else _("AI can do this")
        assert verdict in answer.blocks_text()
        assert category.label.in_language("fr") in answer.blocks_text()
        if scenario.escalates:
            await _unfold(bot, scenario, scenario_llm)
        seen = [text for call in fake_slack.calls for text in shown(call)]
        policy = bot.services.holder.policy
        assert english_in(seen, policy=policy, code="fr", quoted=scenario.text) == []


async def _unfold(bot: SlackBot, scenario: Scenario, llm: FakeLlm | None) -> None:
    escalation_id = (await _current(bot)).id
    for step in scenario.steps:
        if step in ASSIST_STEPS:
            await play_assist(bot, step, scenario, llm, "fr")
            continue
        await _play(bot, step, scenario, "fr")
    final = await bot.services.escalations.get(escalation_id)
    assert final is not None
    assert [(t.state, t.level) for t in final.history] == expected_moves(scenario.steps)


def shown(call: Call) -> list[str]:
    """What a reader saw of a message the bot sent: its fallback text and every block's text."""
    if call.method not in ("chat.postMessage", "chat.update", "chat.postEphemeral", "response_url"):
        return []
    return [call.blocks_text()]
