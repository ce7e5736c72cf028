"""SHOULD_AI_ADMINS, read once into one value that every admin check asks."""

from __future__ import annotations

from bot.escalations.model import Actor, Escalation
from bot.escalations.permissions import Admins, may_act
from bot.policy.loader import DEFAULT_POLICY_DIR, load_policy

POLICY = load_policy(DEFAULT_POLICY_DIR)
ADMINS = Admins.parse(" slack:UADMIN, discord:123 ,U456,,")
ESCALATION = Escalation(
    id="esc-1",
    decision_id="d-1",
    policy_revision=POLICY.revision,
    category="crisis",
    platform="slack",
    requester="slack:U0ASKER",
    text="the recall",
    state="open",
    level=0,
    assignee="comms-lead",
    created_at=0.0,
    due_at=900.0,
)


def slack(user_id: str) -> Actor:
    return Actor(platform="slack", user_id=user_id)


def discord(user_id: str) -> Actor:
    return Actor(platform="discord", user_id=user_id)


def test_entries_name_a_user_on_one_platform_or_a_bare_id_on_any() -> None:
    assert set(ADMINS) == {"slack:UADMIN", "discord:123", "U456"}
    assert ADMINS.includes(slack("UADMIN")) and not ADMINS.includes(discord("UADMIN"))
    assert ADMINS.includes(discord("123")) and not ADMINS.includes(slack("123"))
    assert ADMINS.includes(slack("U456")) and ADMINS.includes(discord("U456"))
    assert not ADMINS.includes(slack("USOMEONE"))


def test_the_console_owns_the_process() -> None:
    assert Admins().includes(Actor(platform="console", user_id="console"))


def test_the_escalation_buttons_ask_the_same_question() -> None:
    for admin in (slack("UADMIN"), discord("123"), slack("U456")):
        assert may_act(POLICY, ESCALATION, admin, ADMINS)
    assert not may_act(POLICY, ESCALATION, slack("USOMEONE"), ADMINS)
    assert not may_act(POLICY, ESCALATION, discord("UADMIN"), ADMINS)


def test_each_adapter_reaches_the_admins_it_can_name() -> None:
    assert ADMINS.candidates("slack") == ["U456", "UADMIN"]
    assert ADMINS.candidates("discord") == ["123", "U456"]
