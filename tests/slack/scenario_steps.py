"""The scenario steps issue 14 added (tests/scenarios.py), played on Slack: the Note… and
Snooze modals, the snooze's timer, the requester's Withdraw."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from ruamel.yaml import YAML

from bot.escalations.model import Escalation
from handlers.common.i18n import _, language
from handlers.slack.escalation_views import NOTE_ACTION, SNOOZE_ACTION, WITHDRAW_ACTION
from tests.scenarios import SETUP_STEPS
from tests.slack.conftest import REQUESTER, SlackBot
from tests.slack.slack_modals import card_says, open_modal, submit, view_submission

MORE_STEPS = frozenset(
    {
        "ack with note",
        "resolve with outcome",
        "snooze",
        "snooze over",
        "withdraw",
        "owner away",
        "owner off hours",
        "skipped->backup",
        "waits for hours",
        "hours start->owner",
        "owner by email",
    }
)
EMAIL_ID = "U0BYEMAIL1"  # the id the fake Slack knows the owner's email by
# What the person acting types in the Note… modal, in the language of the run (a French run
# must show no English but the bot's own words: their words are French too).
NOTES = {
    "en": ("Drafting it now", "Sent", "statement published"),
    "fr": ("Je le rédige", "Envoyé", "communiqué publié"),
}


def fixed(msgid: str, lang: str) -> str:
    """The first fixed words of the bot's sentence ``msgid`` in ``lang`` (the words before its
    first placeholder, or after it): what a card must say, whoever it names."""
    with language(lang):
        said = _(msgid)
    parts = [p.strip(" :;,.()") for p in said.replace("}", "{").split("{")[::2]]
    return next(p for p in parts if len(p) >= 3)


async def set_the_scene(slack_bot: SlackBot, step: str, owner: str, lang: str = "en") -> None:
    """A step played before the request: the owner away, or off their working hours."""
    if step == "owner away":
        back = (date.today() + timedelta(days=3)).isoformat()
        user = slack_bot.slack_id(owner)
        await slack_bot.command(f"away until {back}", user=user)
        [said] = await slack_bot.answers_to(user)
        assert fixed(AWAY, lang) in said.blocks_text()
    elif step == "owner off hours":
        await off_hours(slack_bot.services, owner)
    elif step == "owner by email":
        email = await by_email(slack_bot.services, owner)
        slack_bot.fake.emails[email] = EMAIL_ID
        [adapter] = slack_bot.services.adapters
        await adapter.start()  # start-up resolves people given by email
        assert slack_bot.slack_id(owner) == EMAIL_ID


async def by_email(services: Any, owner: str) -> str:
    """people.yaml gives ``owner`` by email, without a Slack id; the policy is reloaded."""
    path = services.settings.policy_dir / "people.yaml"
    yaml = YAML()
    data = yaml.load(path)
    email = f"{owner}@example.org"
    data["people"][owner].pop("slack", None)
    data["people"][owner]["email"] = email
    yaml.dump(data, path)
    await services.holder.reload()
    assert services.holder.policy.people.people[owner].email == email
    return email


async def off_hours(services: Any, owner: str) -> None:
    """Give ``owner`` a one-hour working day twelve hours from now, and reload the policy."""
    path = services.settings.policy_dir / "people.yaml"
    yaml = YAML()
    data = yaml.load(path)
    start = datetime.now(UTC) + timedelta(hours=12)
    data["people"][owner]["working_hours"] = f"{start:%H}:00-{start + timedelta(hours=1):%H}:00"
    data["people"][owner]["working_days"] = "mon-sun"
    yaml.dump(data, path)
    outcome = await services.holder.reload()
    assert services.holder.policy.people.people[owner].working_hours, outcome


AWAY = (
    "You are away until {day}: escalations skip you (and say so) until then. "
    "`/should-ai away off` when you are back early."
)


async def play_more(
    slack_bot: SlackBot, step: str, escalation: Escalation, lang: str = "en"
) -> None:
    policy = slack_bot.services.holder.policy
    category = policy.categories[escalation.category]
    if step in SETUP_STEPS:
        return  # played before the request
    if step == "skipped->backup":
        assert category.backup is not None
        await slack_bot.dms_to(slack_bot.slack_id(category.backup))
        await card_says(slack_bot, fixed("Skipped {who} ({reason})", lang))
        assert category.owner is not None
        assert slack_bot.fake.dms_to(slack_bot.slack_id(category.owner)) == []
        return
    if step == "waits for hours":
        await card_says(
            slack_bot,
            fixed(
                "{who} is off hours: they will be pinged when their working hours start "
                "({starts}).",
                lang,
            ),
        )
        assert category.owner is not None
        assert slack_bot.fake.dms_to(slack_bot.slack_id(category.owner)) == []
        return
    if step == "hours start->owner":
        assert escalation.due_at is not None and category.owner is not None
        assert await slack_bot.services.escalations.fire_timer(
            escalation_id=escalation.id, level=escalation.level, due_at=escalation.due_at
        )
        await slack_bot.dms_to(slack_bot.slack_id(category.owner))
        return
    if step == "withdraw":
        card = await card_says(slack_bot, fixed("Pinged {person}; waiting for them.", lang))
        await slack_bot.press(card, WITHDRAW_ACTION, user=REQUESTER)
        await card_says(
            slack_bot, fixed("Withdrawn by {who}; nobody will be pinged about it.", lang)
        )
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
        await card_says(slack_bot, fixed("Snoozed by {who}.", lang))
        return
    opened = await open_modal(slack_bot, ping, NOTE_ACTION, user=user)
    drafting, sent, published = NOTES[lang]
    if step == "ack with note":
        values = {"action": "acknowledge", "note": drafting}
        said = drafting
    else:
        values = {"action": "resolve", "note": sent, "outcome": published}
        said = published
    await submit(slack_bot, view_submission(user_id=user, opened=opened, values=values))
    card = await card_says(slack_bot, said)
    if step == "resolve with outcome":
        assert fixed("Outcome: {outcome}.", lang) in card.blocks_text()
