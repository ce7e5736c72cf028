"""A refused press: the core's Refusal values, worded once for every adapter, each naming
people in its own markup (the console in plain words)."""

from __future__ import annotations

from bot.escalations.errors import Refusal
from handlers.common.replies import refusal_text
from handlers.common.status_text import PLAIN
from handlers.discord.render import MENTIONS as DISCORD
from handlers.slack.notifier import MENTIONS as SLACK
from tests.escalations.esc_helpers import make_policy

POLICY = make_policy()


def test_each_refusal_in_words() -> None:
    def said(refusal: Refusal) -> str:
        return refusal_text(refusal, policy=POLICY, mentions=SLACK)

    assert said(Refusal("closed", "7")) == "Escalation 7 is already resolved."
    assert said(Refusal("unknown", "7")) == "There is no escalation 7."
    assert said(Refusal("no_target", "7")) == "Pick the person to reassign this escalation to."
    assert said(Refusal("already_assigned", "7", ("legal-counsel",))) == (
        "Priya already has this escalation."
    )
    assert said(Refusal("not_allowed", "7", ())) == "Only an admin can act on escalation 7."


def test_someone_unlisted_is_a_mention_in_chat_and_plain_on_the_console() -> None:
    refusal = Refusal("not_allowed", "7", ("comms-lead", "slack:U_NEW"))
    assert refusal_text(refusal, policy=POLICY, mentions=SLACK) == (
        "Only Dana, <@U_NEW> or an admin can act on escalation 7."
    )
    assert refusal_text(refusal, policy=POLICY, mentions=DISCORD).startswith("Only Dana, <@U_NEW>")
    assert refusal_text(refusal, policy=POLICY, mentions=PLAIN) == (
        "Only Dana, U_NEW or an admin can act on escalation 7."
    )
