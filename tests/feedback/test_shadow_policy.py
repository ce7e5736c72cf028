"""`mode: enforce | shadow` in the admin policy: validated, and what shadow does to a decision."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import PolicyError
from bot.policy.loader import load_policy
from bot.policy.shadow import apply_shadow
from tests.feedback.helpers import set_mode
from tests.ops.conftest import copy_policies


def test_a_mistyped_mode_names_the_file_and_the_key(tmp_path: Path) -> None:
    policy_dir = copy_policies(tmp_path)
    set_mode(policy_dir, "shadows", "crisis")
    with pytest.raises(PolicyError) as raised:
        load_policy(policy_dir)
    said = str(raised.value)
    assert "policy.yaml" in said and "mode" in said and "crisis" in said


def test_a_whole_policy_mode_is_validated_too(tmp_path: Path) -> None:
    policy_dir = copy_policies(tmp_path)
    set_mode(policy_dir, "off")
    with pytest.raises(PolicyError, match="mode"):
        load_policy(policy_dir)


def test_a_decision_naming_an_enforced_human_category_keeps_its_person(tmp_path: Path) -> None:
    from bot.policy.model import Decision, Owner

    policy_dir = copy_policies(tmp_path)
    set_mode(policy_dir, "shadow", "crisis")
    policy = load_policy(policy_dir)
    both = Decision(
        decision_id="d1",
        route="human",
        category="crisis",
        categories=("crisis", "ethics", "drafting"),
        owner=Owner(id="comms-lead", name="Dana"),
        confidence=1.0,
        reasons=(),
        ai_may="",
        policy_revision=policy.revision,
    )
    assert apply_shadow(policy, both) is None  # ethics is still enforced: a person decides
    only_crisis = both.model_copy(update={"categories": ("crisis", "drafting")})
    shadowed = apply_shadow(policy, only_crisis)
    assert shadowed is not None
    assert (shadowed.decision.route, shadowed.decision.category) == ("ai", "drafting")
    assert shadowed.would_have.owner == "comms-lead"
