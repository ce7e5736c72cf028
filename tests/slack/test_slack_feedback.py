""" "Wrong call?" under a verdict and "Not for me" on a ping, over Slack's real protocol: the
form opens, its answer is stored with the decision, and the presser is told."""

from __future__ import annotations

import pytest

from handlers.slack.feedback_blocks import NOT_FOR_ME_ACTION, WRONG_CALL_ACTION
from tests.slack.conftest import REQUESTER, STRANGER, SlackBot
from tests.slack.feedback_driver import open_form, submit_form

pytestmark = pytest.mark.store

SUBJECT_LINES = "Write 5 subject lines for the spring sale email"


async def test_the_requester_says_wrong_call_and_it_is_stored_with_the_decision(
    slack_bot: SlackBot,
) -> None:
    await slack_bot.command(SUBJECT_LINES)
    [answer] = await slack_bot.answers_to(REQUESTER)
    assert "Wrong call?" in answer.blocks_text()

    opened = await open_form(slack_bot, answer, WRONG_CALL_ACTION, user=REQUESTER)
    view = str(opened.args["view"])
    assert "Creative direction" in view or "creative" in view
    told = await submit_form(
        slack_bot, opened, user=REQUESTER, category="creative", note="brand voice", consent=True
    )

    assert "feedback F1 recorded" in told.blocks_text()
    assert slack_bot.services.feedback is not None
    [stored] = await slack_bot.services.feedback.list()
    assert (stored.route, stored.category, stored.role) == ("human", "creative", "requester")
    assert (stored.decided_route, stored.decided_category) == ("ai", "drafting")
    assert stored.text == SUBJECT_LINES and stored.note == "brand voice"


async def test_without_consent_the_request_is_kept_only_masked(slack_bot: SlackBot) -> None:
    await slack_bot.command(SUBJECT_LINES)
    [answer] = await slack_bot.answers_to(REQUESTER)
    opened = await open_form(slack_bot, answer, WRONG_CALL_ACTION, user=REQUESTER)
    await submit_form(slack_bot, opened, user=REQUESTER, category="creative")

    assert slack_bot.services.feedback is not None
    [stored] = await slack_bot.services.feedback.list()
    assert stored.text.startswith("[masked:") and not stored.text_kept


async def test_someone_else_cannot_correct_a_call_and_nothing_is_stored(
    slack_bot: SlackBot,
) -> None:
    await slack_bot.command(SUBJECT_LINES)
    [answer] = await slack_bot.answers_to(REQUESTER)
    opened = await open_form(slack_bot, answer, WRONG_CALL_ACTION, user=STRANGER)
    told = await submit_form(slack_bot, opened, user=STRANGER, category="creative")

    assert "Only the requester" in told.blocks_text()
    assert slack_bot.services.feedback is not None
    assert await slack_bot.services.feedback.list() == []


async def test_the_owner_says_not_for_me_on_a_ping(slack_bot: SlackBot) -> None:
    await slack_bot.command("write the press statement about the product recall")
    owner = slack_bot.slack_id("comms-lead")
    [ping] = await slack_bot.dms_to(owner)
    opened = await open_form(slack_bot, ping, NOT_FOR_ME_ACTION, user=owner)
    told = await submit_form(slack_bot, opened, user=owner, category="ethics", note="legal's")

    assert "feedback F1 recorded" in told.blocks_text()
    assert slack_bot.services.feedback is not None
    [stored] = await slack_bot.services.feedback.list()
    assert (stored.kind, stored.role, stored.category) == ("not_for_me", "owner", "ethics")
    assert stored.text.startswith("[masked:")  # only the requester can consent to keep words
