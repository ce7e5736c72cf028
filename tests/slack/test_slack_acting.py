"""Note…, Snooze… and Withdraw on Slack (issue 14): the modal is opened with views.open on the
fake Slack, its submission is a signed view_submission, and the owner's DM, the requester's
status card and the escalation's history show what was done."""

from __future__ import annotations

import pytest

from handlers.slack.escalation_views import (
    NOTE_ACTION,
    NOTE_VIEW,
    SNOOZE_ACTION,
    SNOOZE_VIEW,
    WITHDRAW_ACTION,
)
from tests.scenarios import by_name
from tests.slack.conftest import REQUESTER, SlackBot
from tests.slack.slack_fake import Call
from tests.slack.slack_modals import card_says, open_modal, submit, view_submission

pytestmark = pytest.mark.store

CRISIS = by_name("crisis-acknowledged").text


async def crisis_pinged(slack_bot: SlackBot) -> tuple[Call, str, str]:
    """A crisis request: the owner's ping, the owner's Slack id and the escalation id."""
    await slack_bot.command(CRISIS)
    owner = slack_bot.slack_id("comms-lead")
    [ping] = await slack_bot.dms_to(owner)
    await slack_bot.fake.wait_calls("chat.update")
    return ping, owner, (await slack_bot.only_escalation()).id


async def test_resolve_with_a_note_and_an_outcome_through_the_modal(slack_bot: SlackBot) -> None:
    ping, owner, escalation_id = await crisis_pinged(slack_bot)

    opened = await open_modal(slack_bot, ping, NOTE_ACTION, user=owner)
    values = {"action": "resolve", "note": "Legal signed off", "outcome": "statement published"}
    payload = view_submission(user_id=owner, opened=opened, values=values)
    assert payload["view"]["callback_id"] == NOTE_VIEW
    assert await submit(slack_bot, payload) == 200

    card = await card_says(slack_bot, "Outcome: statement published.")
    assert "Legal signed off" in card.blocks_text()
    assert WITHDRAW_ACTION not in card.action_ids()  # resolved: nothing left to withdraw
    stored = await slack_bot.services.escalations.get(escalation_id)
    assert stored is not None and stored.state == "resolved"
    assert (stored.history[-1].comment, stored.history[-1].outcome) == (
        "Legal signed off",
        "statement published",
    )
    [logged] = [
        e.fields
        for e in await slack_bot.services.decision_log.tail(20)
        if e.fields.get("state") == "resolved"
    ]
    assert logged["outcome"] == "statement published"


async def test_snooze_through_the_modal(slack_bot: SlackBot) -> None:
    ping, owner, escalation_id = await crisis_pinged(slack_bot)

    opened = await open_modal(slack_bot, ping, SNOOZE_ACTION, user=owner)
    payload = view_submission(user_id=owner, opened=opened, values={"minutes": "60"})
    assert payload["view"]["callback_id"] == SNOOZE_VIEW
    assert await submit(slack_bot, payload) == 200

    await card_says(slack_bot, "Snoozed by")
    stored = await slack_bot.services.escalations.get(escalation_id)
    assert stored is not None and stored.state == "snoozed" and stored.due_at is not None


async def test_someone_else_submitting_a_note_is_told_why_in_a_dm(slack_bot: SlackBot) -> None:
    ping, _, escalation_id = await crisis_pinged(slack_bot)
    stranger = "U0STRANGER"

    opened = await open_modal(slack_bot, ping, NOTE_ACTION, user=stranger)
    values = {"action": "acknowledge", "note": "mine now"}
    await submit(slack_bot, view_submission(user_id=stranger, opened=opened, values=values))

    [told] = await slack_bot.dms_to(stranger)
    assert "Only" in told.blocks_text() and escalation_id in told.blocks_text()
    stored = await slack_bot.services.escalations.get(escalation_id)
    assert stored is not None and stored.state == "open"


async def test_the_requester_withdraws_from_the_status_card(slack_bot: SlackBot) -> None:
    _, owner, escalation_id = await crisis_pinged(slack_bot)
    card = await card_says(slack_bot, "Pinged")
    assert WITHDRAW_ACTION in card.action_ids()

    assert await slack_bot.press(card, WITHDRAW_ACTION, user=owner) == 200  # not theirs
    [refused] = await slack_bot.answers_to(owner)
    assert "Only" in refused.args["text"]
    assert await slack_bot.press(card, WITHDRAW_ACTION, user=REQUESTER) == 200

    await card_says(slack_bot, "Withdrawn by")
    assert await slack_bot.services.escalations.list_open() == []
    stored = await slack_bot.services.escalations.get(escalation_id)
    assert stored is not None and stored.history[-1].outcome == "withdrawn"
