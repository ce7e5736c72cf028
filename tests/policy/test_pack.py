"""A team's policy extends the marketing pack: settings replace, additions add, errors name the
admin's file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import PolicyError
from bot.policy.engine import PolicyEngine
from bot.policy.loader import DEFAULT_POLICY_DIR, load_policy
from bot.policy.rules import RulesLayer


def _edit(policy_dir: Path, old: str, new: str) -> None:
    path = policy_dir / "policy.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_admin_policy_is_short_and_extends_the_pack() -> None:
    lines = (DEFAULT_POLICY_DIR / "policy.yaml").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 250
    policy = load_policy(DEFAULT_POLICY_DIR)
    assert policy.pack is not None and policy.pack.name == "marketing"
    assert len(policy.categories) == 10 and len(policy.pack_cases) > 500
    assert policy.categories["crisis"].owner == "comms-lead"
    assert policy.categories["crisis"].why  # the pack's text, not repeated in the admin file


def test_an_admin_tripwire_is_added_to_the_packs(policy_dir: Path) -> None:
    _edit(
        policy_dir, "    repeat: 2\n", "    repeat: 2\n    keywords:\n      en: [zebra stampede]\n"
    )
    policy = load_policy(policy_dir)
    assert "zebra stampede" in policy.categories["crisis"].keywords.en
    assert "leaked" in policy.categories["crisis"].keywords.en  # the pack's stay
    decision = PolicyEngine(policy, layers=(RulesLayer(policy),)).decide(
        "write the post about the zebra stampede at our zoo"
    )
    assert (decision.route, decision.category) == ("human", "crisis")


def test_an_admin_text_replaces_the_packs(policy_dir: Path) -> None:
    _edit(policy_dir, "  ethics:\n", '  ethics:\n    why: "Priya decides what we stand for."\n')
    assert load_policy(policy_dir).categories["ethics"].why == "Priya decides what we stand for."


def test_an_unknown_pack_is_named_with_file_and_line(policy_dir: Path) -> None:
    _edit(policy_dir, "extends: marketing", "extends: marketng")
    with pytest.raises(PolicyError) as caught:
        load_policy(policy_dir)
    message = str(caught.value)
    assert "policy.yaml:" in message and "extends" in message
    assert "no knowledge pack 'marketng'" in message and "marketing" in message


@pytest.mark.parametrize("name", ["../policies", "Marketing", ""])
def test_a_pack_name_cannot_point_outside_the_packs(policy_dir: Path, name: str) -> None:
    _edit(policy_dir, "extends: marketing", f"extends: '{name}'")
    with pytest.raises(PolicyError, match="is not a pack name"):
        load_policy(policy_dir)


def test_a_human_category_still_needs_an_owner(policy_dir: Path) -> None:
    _edit(policy_dir, "    owner: legal-counsel\n", "")
    with pytest.raises(PolicyError, match="a human category needs an owner"):
        load_policy(policy_dir)
