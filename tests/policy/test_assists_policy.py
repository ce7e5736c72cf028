"""Assists in the policy (issue 19): the pack's defaults, and an admin adding, changing and
removing them in policies/policy.yaml, with errors that name the file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import PolicyError
from bot.policy.loader import load_policy
from bot.policy.model import Policy

HUMAN = ("crisis", "ethics", "relationships", "strategy", "creative")


def _append(policy_dir: Path, text: str) -> Path:
    path = policy_dir / "policy.yaml"
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    return path


def _category(policy_dir: Path, name: str, body: str) -> Path:
    """Add ``body`` (already indented for a category's keys) under ``categories.name``."""
    path = policy_dir / "policy.yaml"
    text = path.read_text(encoding="utf-8")
    anchor = f"  {name}:\n"
    assert anchor in text
    path.write_text(text.replace(anchor, anchor + body, 1), encoding="utf-8")
    return path


def _error(policy_dir: Path) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        load_policy(policy_dir)
    return caught.value


def test_the_pack_gives_every_human_category_assists_in_english_and_french(
    default_policy: Policy,
) -> None:
    for name in HUMAN:
        assists = default_policy.categories[name].assists
        assert assists, name
        for assist in assists.values():
            assert assist.label_in("en") and assist.label_in("fr") != assist.label_in("en")
            assert assist.instruction_in("en")
    crisis = default_policy.categories["crisis"].assists
    assert list(crisis) == ["facts", "checklist", "holding"]
    assert crisis["checklist"].label_in("en") == "Best-practice checklist for this kind of incident"
    assert "exclusionary" in default_policy.categories["ethics"].assists["language"].label_in("en")
    assert not any(default_policy.categories[n].assists for n in ("drafting", "scheduling"))


def test_an_admin_adds_changes_and_removes_assists(policy_dir: Path) -> None:
    _category(
        policy_dir,
        "crisis",
        "    assists:\n"
        "      holding: null\n"
        "      checklist:\n"
        "        label: Our checklist\n"
        "      press:\n"
        "        label: {en: Questions the press will ask, fr: Questions de la presse}\n"
        "        instruction: List the questions journalists will ask, hardest first.\n",
    )
    _category(policy_dir, "creative", "    assists: null\n")

    policy = load_policy(policy_dir)

    crisis = policy.categories["crisis"].assists
    assert list(crisis) == ["facts", "checklist", "press"]
    assert crisis["checklist"].label_in("fr") == "Our checklist"  # one text for every language
    assert "crisis-communication" in crisis["checklist"].instruction_in("en")  # kept from the pack
    assert crisis["press"].label_in("fr") == "Questions de la presse"
    assert policy.categories["creative"].assists == {}
    assert policy.categories["ethics"].assists  # untouched


def test_an_assist_on_a_category_ai_does_is_refused_naming_file_and_key(policy_dir: Path) -> None:
    path = _category(
        policy_dir, "drafting", "    assists:\n      x:\n        label: L\n        instruction: I\n"
    )
    error = _error(policy_dir)
    assert error.file == str(path) and error.key == "categories.drafting.assists"
    assert "person who owns" in str(error)


@pytest.mark.parametrize(
    ("body", "key", "says"),
    [
        ("      Bad Name:\n        label: L\n        instruction: I\n", "Bad Name", "assist name"),
        ("      ok:\n        label: L\n", "ok.instruction", "required"),
        ("      ok:\n        label: ''\n        instruction: I\n", "ok.label", "at least 1"),
        ("      ok:\n        label: {de: L}\n        instruction: I\n", "ok.label", ""),
        (f"      ok:\n        label: {'x' * 80}\n        instruction: I\n", "ok.label", "75"),
    ],
)
def test_a_bad_assist_is_named_with_file_line_and_key(
    policy_dir: Path, body: str, key: str, says: str
) -> None:
    path = _category(policy_dir, "ethics", "    assists:\n" + body)
    error = _error(policy_dir)
    assert error.file == str(path) and error.line is not None
    assert error.key.startswith(f"categories.ethics.assists.{key}")
    assert says in str(error)
