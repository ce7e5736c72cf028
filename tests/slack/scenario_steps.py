"""The scenario steps issue 14 added (tests/scenarios.py), played on Slack: the Note… and
Snooze modals, the snooze's timer, the requester's Withdraw."""

from __future__ import annotations

from bot.escalations.model import Escalation
from handlers.slack.escalation_views import NOTE_ACTION, SNOOZE_ACTION, WITHDRAW_ACTION
from tests.slack.conftest import REQUESTER, SlackBot
from tests.slack.slack_modals import card_says, open_modal, submit, view_submission

MORE_STEPS = frozenset(
    {"ack with note", "resolve with outcome", "snooze", "snooze over", "withdraw"}
)


async def play_more(slack_bot: SlackBot, step: str, escalation: Escalation) -> None:
    if step == "withdraw":
        card = await card_says(slack_bot, "Pinged")
        await slack_bot.press(card, WITHDRAW_ACTION, user=REQUESTER)
        await card_says(slack_bot, "Withdrawn by")
        return
    assert escalation.assignee is not None
    user = slack_bot.slack_id(escalation.assignee)
    if step == "snooze over":
        before = len(slack_bot.fake.dms_to(user))
        assert escalation.due_at is not None
        assert await slack_bot.services.escalations.fire_timer(
            escalation_id=escalation.id, level=escalation.level, due_at=escalation.due_at
        )
        await slack_bot.dms_to(user, before + 1)  # the same person, pinged again
        return
    [ping, *_] = slack_bot.fake.dms_to(user)
    if step == "snooze":
        opened = await open_modal(slack_bot, ping, SNOOZE_ACTION, user=user)
        await submit(
            slack_bot, view_submission(user_id=user, opened=opened, values={"minutes": "30"})
        )
        await card_says(slack_bot, "Snoozed by")
        return
    opened = await open_modal(slack_bot, ping, NOTE_ACTION, user=user)
    if step == "ack with note":
        values = {"action": "acknowledge", "note": "Drafting it now"}
        said = "Drafting it now"
    else:
        values = {"action": "resolve", "note": "Sent", "outcome": "statement published"}
        said = "Outcome: statement published."
    await submit(slack_bot, view_submission(user_id=user, opened=opened, values=values))
    await card_says(slack_bot, said)
