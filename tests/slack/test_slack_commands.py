"""Sub-commands, the "Ask should-ai" message shortcut, and notices to admins, on Slack."""

from __future__ import annotations

import pytest

from handlers.slack.blocks import ACK_ACTION
from tests.scenarios import by_name
from tests.slack.conftest import ADMIN, REQUESTER, SlackBot

pytestmark = pytest.mark.store


async def _answer(slack_bot: SlackBot, text: str, *, user: str = REQUESTER) -> str:
    before = len(slack_bot.responses(user))
    assert await slack_bot.command(text, user=user) == 200
    answers = await slack_bot.answers_to(user, before + 1)
    assert answers[-1].args["response_type"] == "ephemeral"
    return answers[-1].blocks_text()


async def test_help_lists_the_commands_in_slack_safe_text(slack_bot: SlackBot) -> None:
    said = await _answer(slack_bot, "help")

    for sub in ("why", "queue", "help", "policy", "reload"):
        assert f"/should-ai {sub}" in said
    assert "&lt;request&gt;" in said and "<request>" not in said


async def test_empty_command_says_how_to_use_it(slack_bot: SlackBot) -> None:
    said = await _answer(slack_bot, "")

    assert "/should-ai help" in said
    assert slack_bot.fake.of("conversations.open") == []


async def test_why_shows_the_verdict_and_what_matched_without_pinging(slack_bot: SlackBot) -> None:
    said = await _answer(slack_bot, "why " + by_name("crisis-acknowledged").text)

    assert "A person must own this" in said
    assert "Reasons" in said and "crisis" in said
    assert slack_bot.fake.of("conversations.open") == []
    assert await slack_bot.services.escalations.list_open() == []


async def test_queue_shows_the_owner_what_waits_for_them(slack_bot: SlackBot) -> None:
    await slack_bot.command(by_name("crisis-acknowledged").text)
    owner = slack_bot.slack_id("comms-lead")
    await slack_bot.dms_to(owner)
    escalation = await slack_bot.only_escalation()

    said = await _answer(slack_bot, "queue", user=owner)

    assert "1 open escalation" in said and escalation.id in said


@pytest.mark.parametrize("sub", ["reload", "policy"])
async def test_admin_commands_are_refused_to_everyone_else(slack_bot: SlackBot, sub: str) -> None:
    said = await _answer(slack_bot, sub)

    assert "admins only" in said


async def test_admin_reloads_the_policy(slack_bot: SlackBot) -> None:
    said = await _answer(slack_bot, "reload", user=ADMIN)

    assert "Policy reloaded" in said
    assert slack_bot.services.holder.current().revision in said


async def test_admin_sees_the_policy_with_its_owners(slack_bot: SlackBot) -> None:
    said = await _answer(slack_bot, "policy", user=ADMIN)

    assert slack_bot.services.holder.current().revision in said
    assert "crisis" in said and "scheduling" in said


async def test_message_shortcut_classifies_the_message_it_is_used_on(slack_bot: SlackBot) -> None:
    scenario = by_name("crisis-acknowledged")

    assert await slack_bot.shortcut(scenario.text) == 200

    [answer] = await slack_bot.answers_to(REQUESTER)
    assert "A person must own this" in answer.blocks_text()
    [ping] = await slack_bot.dms_to(slack_bot.slack_id("comms-lead"))
    assert ACK_ACTION in ping.action_ids()
    assert scenario.text in ping.blocks_text()


async def test_message_shortcut_on_routine_text_pings_nobody(slack_bot: SlackBot) -> None:
    assert await slack_bot.shortcut(by_name("routine-drafting").text) == 200

    [answer] = await slack_bot.answers_to(REQUESTER)
    assert "AI can do this" in answer.blocks_text()
    assert slack_bot.fake.of("conversations.open") == []


async def test_bad_policy_notice_reaches_slack_admins_by_dm(slack_bot: SlackBot) -> None:
    await slack_bot.services.admins.notify_admins(message="policy.yaml:12: keywords: not a list")

    [notice] = await slack_bot.dms_to(ADMIN)
    assert "policy.yaml:12" in notice.blocks_text()
