"""The requester's status line: the core's StatusNote values, worded once for every adapter.

tests/escalations/test_service.py follows the notes a real escalation produces; these pin the
wording of each kind of note and how each platform names people and channels.
"""

from __future__ import annotations

import pytest

from bot.escalations.model import NextStep, Platform, StatusNote, Who
from handlers.common.status_text import (
    PLAIN,
    Mentions,
    channel_text,
    person_text,
    status_text,
)
from handlers.discord.render import MENTIONS as DISCORD
from handlers.slack.notifier import MENTIONS as SLACK
from tests.escalations.esc_helpers import make_policy

POLICY = make_policy()
DANA, MORGAN = Who("person", "comms-lead"), Who("person", "marketing-lead")
CRISIS_ROOM = Who("channel", "crisis-room")


def slack(note: StatusNote) -> str:
    return status_text(note, policy=POLICY, platform="slack", mentions=SLACK)


def test_names_and_mentions_in_status_messages() -> None:
    assert person_text(POLICY, "legal-counsel", SLACK) == "Priya"
    assert person_text(POLICY, "slack:U_NEW", SLACK) == "<@U_NEW>"
    assert channel_text(POLICY, "slack", "crisis-room", SLACK) == "<#C_CRISIS>"
    assert channel_text(POLICY, "console", "crisis-room", PLAIN) == "#crisis-room"


@pytest.mark.parametrize(
    ("platform", "mentions", "user", "channel"),
    [
        ("slack", SLACK, "<@U_NEW>", "<#C_CRISIS>"),
        ("discord", DISCORD, "<@U_NEW>", "<#201>"),
        ("console", PLAIN, "U_NEW", "#crisis-room"),  # the terminal shows no chat markup
    ],
)
def test_each_adapter_brings_its_own_markup_for_who_the_policy_cannot_name(
    platform: Platform, mentions: Mentions, user: str, channel: str
) -> None:
    note = StatusNote(kind="reassigned", by=DANA, to=Who("person", "slack:U_NEW"))
    text = status_text(note, policy=POLICY, platform=platform, mentions=mentions)
    assert text == f"Reassigned by Dana to {user}."
    climbed = StatusNote(kind="no_answer", missed=MORGAN, to=CRISIS_ROOM)
    text = status_text(climbed, policy=POLICY, platform=platform, mentions=mentions)
    assert text == f"No acknowledgement from Morgan: escalated to {channel}."


@pytest.mark.parametrize(
    ("note", "text"),
    [
        (
            StatusNote(kind="pinged", to=DANA, then=NextStep(within_s=900, to=MORGAN)),
            "Pinged Dana; waiting for them. If nobody acknowledges within 15 min, it goes to "
            "Morgan.",
        ),
        (StatusNote(kind="acknowledged", by=DANA), "Acknowledged by Dana."),
        (StatusNote(kind="resolved", by=MORGAN), "Resolved by Morgan."),
        (
            StatusNote(
                kind="unreachable",
                missed=DANA,
                reason="their Discord DMs are closed to the bot",
                to=MORGAN,
                then=NextStep(within_s=3 * 3600, to=None),
            ),
            "Could not reach Dana (their Discord DMs are closed to the bot): escalated to Morgan."
            " If nobody acknowledges within 3 h, it stays unanswered and the admins are told.",
        ),
        (
            StatusNote(kind="no_answer", missed=CRISIS_ROOM, reach=DANA),
            "No acknowledgement in <#C_CRISIS> and nobody is left to ask: please reach Dana."
            " It stays unanswered in the queue; the admins were told.",
        ),
    ],
)
def test_each_kind_of_note_reads_as_a_sentence(note: StatusNote, text: str) -> None:
    assert slack(note) == text


def test_without_a_policy_people_and_channels_are_named_by_key() -> None:
    note = StatusNote(kind="no_answer", missed=DANA, to=CRISIS_ROOM)
    text = status_text(note, policy=None, platform="console", mentions=PLAIN)
    assert text == "No acknowledgement from comms-lead: escalated to #crisis-room."


@pytest.mark.parametrize(
    ("note", "text"),
    [
        (  # person -> channel
            StatusNote(
                kind="no_answer",
                missed=MORGAN,
                to=CRISIS_ROOM,
                then=NextStep(within_s=30, to=CRISIS_ROOM),
            ),
            "No acknowledgement from Morgan: escalated to <#C_CRISIS>."
            " If nobody acknowledges within 30 s, it is posted there again.",
        ),
        (  # channel -> the same channel (a repeat), then unanswered
            StatusNote(
                kind="no_answer",
                missed=CRISIS_ROOM,
                to=CRISIS_ROOM,
                then=NextStep(within_s=30, to=None),
            ),
            "No acknowledgement in <#C_CRISIS> yet: posted there again."
            " If nobody acknowledges within 30 s, it stays unanswered and the admins are told.",
        ),
        (  # a channel post resent
            StatusNote(kind="pinged", to=CRISIS_ROOM),
            "Posted in <#C_CRISIS>; waiting for someone there.",
        ),
    ],
)
def test_the_climb_reads_right_for_each_level_kind(note: StatusNote, text: str) -> None:
    # Issue 14: it read "No acknowledgement from #crisis-room: escalated to #crisis-room."
    assert slack(note) == text
