""".env.example: every setting the bot reads, explained, with placeholders that are never secrets.

It is the file an operator copies to ``.env`` (``docker run --env-file .env``), so it must stay
complete as settings are added: a field of :class:`bot.settings.Settings` missing from it fails
here, and so does a name in it that the bot does not read.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import AliasChoices, SecretStr

from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / ".env.example"
# Read by the bot outside Settings: where its caches live (the XDG base directory spec).
OUTSIDE_SETTINGS = {"XDG_CACHE_HOME"}
_ASSIGNMENT = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")
# What real credentials look like: Slack tokens (xoxb-123-...), OpenAI keys, Discord bot tokens.
_REAL_LOOKING = (
    re.compile(r"xox[abpre]-\d"),
    re.compile(r"xapp-\d"),
    re.compile(r"sk-[A-Za-z0-9_-]{16,}"),
    re.compile(r"[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,}"),
    re.compile(r"\b[0-9a-f]{32}\b"),  # a Slack signing secret
)


def _env_names(name: str, field: object) -> list[str]:
    alias = getattr(field, "validation_alias", None)
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    return [f"SHOULD_AI_{name.upper()}"]


def _settings_names() -> dict[str, bool]:
    """Every environment name Settings reads -> whether it holds a secret."""
    names: dict[str, bool] = {}
    for name, field in Settings.model_fields.items():
        secret = "SecretStr" in str(field.annotation) or field.annotation is SecretStr
        for env in _env_names(name, field):
            names[env] = secret
    return names


def _assignments() -> list[tuple[str, str, bool]]:
    """(name, value, commented) for each ``NAME=value`` line, commented out or not."""
    found = []
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = _ASSIGNMENT.match(line.strip())
        if match:
            found.append((match[2], match[3], match[1] is not None))
    return found


def test_every_setting_is_listed() -> None:
    listed = {name for name, _, _ in _assignments()}
    missing = sorted(set(_settings_names()) - listed)
    assert not missing, f"add these settings to .env.example: {missing}"


def test_nothing_listed_that_the_bot_does_not_read() -> None:
    known = set(_settings_names()) | OUTSIDE_SETTINGS
    unknown = sorted({name for name, _, _ in _assignments()} - known)
    assert not unknown, f".env.example names settings the bot does not read: {unknown}"


def test_each_setting_is_listed_once_with_an_explanation_above_it() -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    names = [name for name, _, _ in _assignments()]
    assert len(names) == len(set(names)), "a setting is listed twice"
    for i, line in enumerate(lines):
        if _ASSIGNMENT.match(line.strip()):
            above = lines[i - 1].strip() if i else ""
            explained = above.startswith("#") and not _ASSIGNMENT.match(above)
            assert explained, f"line {i + 1} ({line}) has no one-line explanation above it"


@pytest.mark.parametrize("name", sorted(n for n, secret in _settings_names().items() if secret))
def test_secrets_are_commented_out_placeholders(name: str) -> None:
    [(value, commented)] = [(v, c) for n, v, c in _assignments() if n == name]
    assert commented, f"{name} must be commented out: copying the example must set no secret"
    assert "replace" in value.lower() or value == "", f"{name}={value} is not a placeholder"


def test_no_value_looks_like_a_real_credential() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    for pattern in _REAL_LOOKING:
        assert not pattern.search(text), f".env.example holds something like a secret: {pattern}"


def test_a_local_env_file_is_never_committed() -> None:
    ignored = EXAMPLE.with_name(".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".env" in ignored
    assert "!.env.example" in ignored or not any(p.startswith(".env.") for p in ignored)
