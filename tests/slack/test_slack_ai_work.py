"""Routine requests on Slack go on to the AI work: a question, a note, or a post to confirm.

No LLM is configured here, so drafting says how to turn it on; scheduling a quoted text needs no
LLM and ends in chat.scheduleMessage on the fake Slack after the requester presses Confirm.
"""

from __future__ import annotations

import pytest

from handlers.slack.ai_delivery import SCHEDULE_CANCEL_ACTION, SCHEDULE_CONFIRM_ACTION
from tests.scenarios import by_name
from tests.slack.conftest import REQUESTER, SlackBot

pytestmark = pytest.mark.store

SCHEDULE = 'schedule "Our December issue is out!" Tuesday 9am in #marketing'


async def test_drafting_without_an_llm_says_so_after_the_verdict(slack_bot: SlackBot) -> None:
    await slack_bot.command(by_name("routine-drafting").text)

    verdict, note = await slack_bot.answers_to(REQUESTER, 2)
    assert "AI can do this" in verdict.blocks_text()
    assert "No LLM is configured" in note.blocks_text()
    assert slack_bot.fake.of("conversations.open") == []


async def test_scheduling_a_quoted_post_is_confirmed_then_scheduled_in_slack(
    slack_bot: SlackBot,
) -> None:
    slack_bot.fake.channels_by_name["marketing"] = "C0MARKETING"

    await slack_bot.command(SCHEDULE)

    verdict, proposal = await slack_bot.answers_to(REQUESTER, 2)
    assert "Scheduling" in verdict.blocks_text()
    assert proposal.action_ids() == [SCHEDULE_CONFIRM_ACTION, SCHEDULE_CANCEL_ACTION]
    assert slack_bot.fake.of("chat.scheduleMessage") == []

    assert await slack_bot.press(proposal, SCHEDULE_CONFIRM_ACTION, user=REQUESTER) == 200

    [scheduled] = await slack_bot.fake.wait_calls("chat.scheduleMessage")
    assert scheduled.args["text"] == "Our December issue is out!"
    [done] = [c for c in await slack_bot.answers_to(REQUESTER, 3) if c.args.get("replace_original")]
    assert "Scheduled for" in done.blocks_text()


async def test_cancel_on_the_proposal_schedules_nothing(slack_bot: SlackBot) -> None:
    slack_bot.fake.channels_by_name["marketing"] = "C0MARKETING"
    await slack_bot.command(SCHEDULE)
    _, proposal = await slack_bot.answers_to(REQUESTER, 2)

    await slack_bot.press(proposal, SCHEDULE_CANCEL_ACTION, user=REQUESTER)

    [*_, done] = await slack_bot.answers_to(REQUESTER, 3)
    assert "nothing will be posted" in done.blocks_text()
    assert slack_bot.fake.of("chat.scheduleMessage") == []
