"""/metrics shows the open queue (issue 14): by category, by who holds it, its oldest age."""

from __future__ import annotations

import pytest

from tests.slack.conftest import SlackBot
from tests.slack.test_slack_home import open_five

pytestmark = pytest.mark.store


async def test_metrics_count_open_escalations_by_category_and_assignee(
    slack_bot: SlackBot,
) -> None:
    opened = await open_five(slack_bot)
    crisis = sum(e.category == "crisis" for e in opened)
    dana = sum(e.assignee == "comms-lead" for e in opened)

    assert (
        await slack_bot.metric('should_ai_open_escalations_by_category{category="crisis"}')
        == crisis
    )
    assert (
        await slack_bot.metric('should_ai_open_escalations_by_assignee{assignee="comms-lead"}')
        == dana
    )
    assert await slack_bot.metric("should_ai_oldest_open_escalation_seconds") >= 0
    assert await slack_bot.metric('should_ai_escalations{state="open"}') == 5
