"""``should-ai console-link``: an operator with shell access prints a sign-in link."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import redis

from bot.cli import main
from bot.store.keys import CONSOLE_LINK_PREFIX

pytestmark = pytest.mark.store


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, redis_url: str, policy_dir: Path) -> redis.Redis:
    monkeypatch.setenv("SHOULD_AI_REDIS_URL", redis_url)
    monkeypatch.setenv("SHOULD_AI_POLICY_DIR", str(policy_dir))
    monkeypatch.setenv("SHOULD_AI_CONSOLE_URL", "https://console.example.com/")
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    client.flushdb()
    return client


def _signed_in_as(client: redis.Redis, link: str) -> dict[str, str]:
    token = link.rsplit("/", 1)[1]
    assert 590 <= client.ttl(CONSOLE_LINK_PREFIX + token) <= 600  # good for 10 minutes
    return json.loads(client.get(CONSOLE_LINK_PREFIX + token))  # type: ignore[arg-type]


def test_a_link_for_the_operator(cli_env: redis.Redis, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["console-link"]) == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith("https://console.example.com/console/signin/")
    assert _signed_in_as(cli_env, link) == {"platform": "console", "user_id": "operator"}


def test_a_link_as_a_person_signs_in_as_their_chat_identity(
    cli_env: redis.Redis, capsys: pytest.CaptureFixture[str], policy_dir: Path
) -> None:
    assert main(["console-link", "--as", "comms-lead"]) == 0
    link = capsys.readouterr().out.strip()
    assert _signed_in_as(cli_env, link)["platform"] in ("slack", "discord")


def test_an_unknown_person_is_a_usage_error(
    cli_env: redis.Redis, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["console-link", "--as", "nobody-at-all"]) == 2
    assert "nobody-at-all" in capsys.readouterr().err
