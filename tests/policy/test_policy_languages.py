"""Policy texts per language: ``why: {en: ..., fr: ...}`` or a plain string, and the warning
``policy validate`` gives where a text lacks a language the rest of the policy speaks."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from bot.cli.main import main
from bot.errors import PolicyError
from bot.policy.language import missing_texts
from bot.policy.loader import load_policy


def set_category(policy_dir: Path, category: str, **fields: object) -> None:
    yaml = YAML()
    path = policy_dir / "policy.yaml"
    data = yaml.load(path)
    data["categories"][category].update(fields)
    yaml.dump(data, path)


def test_the_shipped_policy_says_everything_in_english_and_french(policy_dir: Path) -> None:
    policy = load_policy(policy_dir)
    assert missing_texts(policy) == []
    crisis = policy.categories["crisis"]
    assert crisis.label.in_language("fr") == "Crise"
    assert str(crisis.label) == "Crisis"  # the decision and its log keep the English


def test_a_plain_string_is_said_as_written_and_validate_warns_about_french(
    policy_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_category(policy_dir, "crisis", why="Our name is on the line.")
    policy = load_policy(policy_dir)
    assert policy.categories["crisis"].why.in_language("fr") == "Our name is on the line."
    assert main(["policy", "validate", "--policy-dir", str(policy_dir)]) == 0
    err = capsys.readouterr().err
    assert "warning: categories.crisis.why has no fr text" in err


def test_a_text_per_language(policy_dir: Path) -> None:
    set_category(policy_dir, "crisis", why={"en": "Our name.", "fr": "Notre nom."})
    why = load_policy(policy_dir).categories["crisis"].why
    assert (str(why), why.in_language("fr"), why.in_language("de")) == (
        "Our name.",
        "Notre nom.",
        "Our name.",
    )


def test_a_text_that_is_neither_a_string_nor_one_per_language_names_the_key(
    policy_dir: Path,
) -> None:
    set_category(policy_dir, "crisis", why={"en": ["a", "list"]})
    with pytest.raises(PolicyError, match="why"):
        load_policy(policy_dir)
