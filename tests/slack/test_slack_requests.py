"""/should-ai over Slack's real protocol: what the requester and the owner see.

Each test drives the bot exactly as Slack would (a signed POST to /slack/events) and asserts on
what reached the fake Slack Web API: the answer sent to the requester's response_url, the DM to
the owner's Slack id from people.yaml, the status card and its updates.
"""

from __future__ import annotations

import pytest

from handlers.slack.blocks import ACK_ACTION, REASSIGN_ACTION, RESOLVE_ACTION
from tests.scenarios import ROUTINE, Scenario, by_name
from tests.slack.conftest import REQUESTER, SlackBot
from tests.slack.slack_fake import dm_channel

pytestmark = pytest.mark.store


@pytest.mark.parametrize("scenario", ROUTINE, ids=lambda s: s.name)
async def test_routine_request_is_answered_ai_can_do_it_and_nobody_is_pinged(
    slack_bot: SlackBot, scenario: Scenario
) -> None:
    assert await slack_bot.command(scenario.text) == 200

    [answer] = await slack_bot.answers_to(REQUESTER)
    assert answer.args["response_type"] == "ephemeral"
    assert "AI can do this" in answer.blocks_text()
    label = slack_bot.services.holder.policy.categories[scenario.category].label
    assert label in answer.blocks_text()
    assert slack_bot.fake.of("conversations.open") == []
    assert await slack_bot.services.escalations.list_open() == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hi", "doesn't read as a request"),
        ("thanks!", "doesn't read as a request"),
        ("merci", "doesn't read as a request"),
        ("?", "doesn't read as a request"),
        ("crisis", "One word is not enough"),
        ("hlep", "Did you mean `/should-ai help`?"),
    ],
)
async def test_a_message_that_is_no_request_gets_help_and_pings_nobody(
    slack_bot: SlackBot, text: str, expected: str
) -> None:
    assert await slack_bot.command(text) == 200

    [answer] = await slack_bot.answers_to(REQUESTER)
    assert expected in answer.blocks_text()
    assert "/should-ai why" in answer.blocks_text()  # the help that follows
    assert slack_bot.fake.of("conversations.open") == []
    assert await slack_bot.services.escalations.list_open() == []
    assert await slack_bot.services.decision_log.tail(10) == []  # no decision was logged


async def test_crisis_request_dms_the_owner_from_people_yaml_with_three_buttons(
    slack_bot: SlackBot,
) -> None:
    scenario = by_name("crisis-acknowledged")
    owner = slack_bot.slack_id("comms-lead")

    assert await slack_bot.command(scenario.text) == 200

    [answer] = await slack_bot.answers_to(REQUESTER)
    assert "A person must own this" in answer.blocks_text()
    assert "Crisis" in answer.blocks_text()
    assert f"<@{owner}>" in answer.blocks_text()
    assert "What AI may still do" in answer.blocks_text()
    assert "status card in our DM" in answer.blocks_text()
    [ping] = await slack_bot.dms_to(owner)
    assert ping.action_ids()[:3] == [
        ACK_ACTION,
        REASSIGN_ACTION,
        RESOLVE_ACTION,
    ]  # then Note…, Snooze
    assert scenario.text in ping.blocks_text()
    assert f"<@{REQUESTER}>" in ping.blocks_text()
    escalation = await slack_bot.only_escalation()
    assert escalation.category == "crisis"
    assert all(b["value"] == escalation.id for b in ping.blocks()[-1]["elements"] if "value" in b)


async def test_requester_gets_a_status_card_that_says_who_was_pinged(slack_bot: SlackBot) -> None:
    await slack_bot.command(by_name("crisis-acknowledged").text)

    [card] = await slack_bot.dms_to(REQUESTER)
    await slack_bot.fake.wait_calls("chat.update")
    escalation = await slack_bot.only_escalation()
    assert escalation.status_ref is not None
    assert escalation.status_ref.channel == dm_channel(REQUESTER)
    assert escalation.status_ref.ts == card.ts
    [update] = slack_bot.fake.of("chat.update")
    assert update.args["ts"] == card.ts
    owner_name = slack_bot.services.holder.policy.people.people["comms-lead"].name
    assert f"Pinged {owner_name}" in update.blocks_text()


async def test_a_huge_request_still_reaches_the_owner_in_blocks_slack_accepts(
    slack_bot: SlackBot,
) -> None:
    text = by_name("crisis-acknowledged").text + ". " + "Background notes follow. " * 400

    await slack_bot.command(text)

    [answer] = await slack_bot.answers_to(REQUESTER)
    assert "A person must own this" in answer.blocks_text()
    [ping] = await slack_bot.dms_to(slack_bot.slack_id("comms-lead"))  # the fake checks limits
    assert ping.action_ids()[:3] == [
        ACK_ACTION,
        REASSIGN_ACTION,
        RESOLVE_ACTION,
    ]  # then Note…, Snooze
    assert "invalid_blocks" not in [c.response.get("error") for c in slack_bot.fake.calls]


async def test_a_broadcast_inside_a_request_is_quoted_not_sent(slack_bot: SlackBot) -> None:
    await slack_bot.shortcut("<!channel> " + by_name("crisis-acknowledged").text)

    [ping] = await slack_bot.dms_to(slack_bot.slack_id("comms-lead"))
    assert "<!channel>" not in ping.blocks_text()
    assert "&lt;!channel>" in ping.blocks_text()
