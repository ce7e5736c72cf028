"""The ack chain rules, without Redis."""

from __future__ import annotations

from esc_helpers import make_policy

from bot.escalations.climb import Step, chain_for, first_owner
from bot.policy.model import Category, Policy


def with_category(**fields: object) -> Policy:
    policy = make_policy()
    crisis = policy.categories["crisis"].model_copy(update=fields)
    file = policy.file.model_copy(update={"categories": {"crisis": crisis}})
    return policy.model_copy(update={"file": file})


def test_owner_backup_channel_then_repeats_each_after_the_ack_time() -> None:
    chain = chain_for(with_category(repeat=2, ack_minutes=15), "crisis", "comms-lead")
    assert chain.ack_seconds == 900
    assert chain.steps == (
        Step(0, "person", "comms-lead"),
        Step(1, "person", "marketing-lead"),
        Step(2, "channel", "crisis-room"),
        Step(3, "channel", "crisis-room"),
        Step(4, "channel", "crisis-room"),
    )
    assert chain.after(4) is None


def test_levels_the_category_does_not_name_are_skipped() -> None:
    no_backup = chain_for(with_category(backup=None), "crisis", "comms-lead")
    assert no_backup.after(0) == Step(2, "channel", "crisis-room")
    no_channel = chain_for(with_category(channel=None, repeat=3), "crisis", "comms-lead")
    assert no_channel.after(1) is None
    # a backup who is also the owner is not pinged twice
    same = chain_for(with_category(), "crisis", "marketing-lead")
    assert same.after(0) == Step(2, "channel", "crisis-room")


def test_unknown_category_falls_back_to_the_owner_alone_with_the_default_ack_time() -> None:
    chain = chain_for(make_policy(), "fallback", "marketing-lead")
    assert chain.steps == (Step(0, "person", "marketing-lead"),)
    assert chain.ack_seconds == Category.model_fields["ack_minutes"].default * 60


def test_level_zero_is_the_decisions_owner_then_the_categorys_then_the_fallbacks() -> None:
    policy = make_policy()
    assert first_owner(policy, "crisis", "legal-counsel") == "legal-counsel"
    assert first_owner(policy, "crisis", None) == "comms-lead"
    assert first_owner(policy, None, None) == "marketing-lead"
