"""Issue 12, defect 11: start-up errors name their real cause.

A busy HTTP port was reported as "Redis is unreachable"; the bind address was always 0.0.0.0.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import Settings

pytestmark = [pytest.mark.store, pytest.mark.slow]


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield int(taken.getsockname()[1])


@pytest.fixture
def serve_env(monkeypatch: pytest.MonkeyPatch, redis_url: str, policy_dir: Path) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "DISCORD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SHOULD_AI_REDIS_URL", redis_url)
    monkeypatch.setenv("SHOULD_AI_POLICY_DIR", str(policy_dir))
    monkeypatch.setenv("SHOULD_AI_HTTP_HOST", "127.0.0.1")


def test_a_busy_http_port_is_reported_as_such_not_as_redis(
    serve_env: None, busy_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["serve", "--no-console", "--port", str(busy_port)])

    err = capsys.readouterr().err
    assert code == 1
    assert f"HTTP port {busy_port} on 127.0.0.1 is already in use" in err
    assert "Redis" not in err


def test_the_bind_address_is_a_setting(serve_env: None) -> None:
    assert Settings().http_host == "127.0.0.1"


def test_a_slack_bot_token_without_a_mode_stops_serve_with_the_reason(
    serve_env: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")  # no app token, no signing secret

    code = main(["serve", "--no-console", "--port", "0"])

    err = capsys.readouterr().err
    assert code == 2
    assert "SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN" in err
    assert "Redis" not in err
