"""Issue 12, defect 11: start-up errors name their real cause, and adapters start and fail
independently.

A busy HTTP port was reported as "Redis is unreachable"; the bind address was always 0.0.0.0.
A Discord network error at start-up made the whole process exit (Slack and /healthz with it);
now Discord is retried with backoff while /healthz is 503 naming it, and Slack keeps working.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest

from bot import app
from bot.cli import main
from bot.server import Backoff, SupervisedAdapter
from bot.settings import Settings
from tests.discord.fake_discord import FakeDiscord
from tests.scenarios import by_name
from tests.slack.conftest import REQUESTER, SECRET
from tests.slack.slack_fake import FakeSlack
from tests.slack.slack_signing import sign, slash_command_body
from tests.store.serving import eventually

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


# --- adapters start and fail independently ----------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _hold_until_closed(self: discord.Client, *, reconnect: bool = True) -> None:
    """The gateway connection, as far as a fake without a gateway can give one: held until
    the client is closed."""
    while not self.is_closed():  # noqa: ASYNC110 - discord.Client has no "closed" event
        await asyncio.sleep(0.05)


@dataclass
class Served:
    url: str
    stop: asyncio.Event
    task: asyncio.Task[int]

    async def healthz(self, session: aiohttp.ClientSession) -> tuple[int, dict[str, Any]]:
        async with session.get(f"{self.url}/healthz") as resp:
            return resp.status, await resp.json()

    async def until_healthz(
        self, session: aiohttp.ClientSession, status: int, *, within_s: float = 20.0
    ) -> dict[str, Any]:
        async with asyncio.timeout(within_s):
            while True:
                assert not self.task.done(), f"serve exited: {self.task.result()}"
                with contextlib.suppress(aiohttp.ClientConnectorError):  # still starting
                    got, body = await self.healthz(session)
                    if got == status:
                        return body
                await asyncio.sleep(0.05)


@pytest.fixture
async def slack_and_unreachable_discord(
    serve_env: None, monkeypatch: pytest.MonkeyPatch, fake_slack: FakeSlack
) -> AsyncIterator[Served]:
    """``should-ai serve`` in-process with Slack (HTTP mode, the fake) and a Discord whose API
    is an unreachable 127.0.0.1 port, its adapters restarted 50 ms doubling to 200 ms."""
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)  # put back after
    monkeypatch.setattr(discord.Client, "connect", _hold_until_closed)
    port = _free_port()
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv("SHOULD_AI_SLACK_API_URL", fake_slack.api_url)
    monkeypatch.setenv("DISCORD_TOKEN", "discord-test-token")
    monkeypatch.setenv("SHOULD_AI_DISCORD_API_URL", f"http://127.0.0.1:{_free_port()}/api/v10")
    monkeypatch.setenv("SHOULD_AI_HTTP_PORT", str(port))
    stops: list[asyncio.Event] = []
    monkeypatch.setattr(app, "on_signals", stops.append)  # the test, not a signal, stops it
    task = asyncio.create_task(
        app.serve(Settings(), interactive=False, adapter_backoff=Backoff(first_s=0.05, max_s=0.2))
    )
    try:
        await eventually(lambda: bool(stops), within_s=30, what="serve started")
        yield Served(url=f"http://127.0.0.1:{port}", stop=stops[0], task=task)
        stops[0].set()
        async with asyncio.timeout(30):
            assert await task == 0
    finally:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task


async def _slack_command(session: aiohttp.ClientSession, url: str, fake: FakeSlack) -> None:
    body = slash_command_body(
        text=by_name("crisis-acknowledged").text,
        user_id=REQUESTER,
        response_url=fake.response_url("down"),
    )
    signed = sign(body, secret=SECRET)
    async with session.post(f"{url}/slack/events", data=body, headers=signed.headers) as resp:
        assert resp.status == 200


async def test_discord_down_at_start_leaves_slack_and_healthz_up_until_it_comes_back(
    slack_and_unreachable_discord: Served, fake_slack: FakeSlack
) -> None:
    served = slack_and_unreachable_discord
    async with aiohttp.ClientSession() as session:
        down = await served.until_healthz(session, 503)
        assert down["redis"] == "ok"
        assert down["adapters"]["slack"] == {"up": True, "error": None}
        assert down["adapters"]["discord"]["up"] is False
        assert "ClientConnectorError" in down["adapters"]["discord"]["error"]
        await asyncio.sleep(0.5)  # several retries fail: the process keeps serving
        assert (await served.healthz(session))[0] == 503

        await _slack_command(session, served.url, fake_slack)
        owner = "U0PLACEHOLDER02"  # comms-lead's Slack id in the default people.yaml
        await fake_slack.wait_for(lambda _: bool(fake_slack.dms_to(owner)), within=30)

        async with FakeDiscord() as fake_discord:  # Discord's API answers again
            discord.http.Route.BASE = fake_discord.base
            up = await served.until_healthz(session, 200)
            assert up["status"] == "ok"
            assert up["adapters"] == {
                "slack": {"up": True, "error": None},
                "discord": {"up": True, "error": None},
            }
            assert any("/users/@me" in r.path for r in fake_discord.requests)


class _Flaky:
    """An adapter whose start fails ``failures`` times, then holds its connection until stop."""

    platform = "discord"

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.starts: list[float] = []
        self.stopped = asyncio.Event()

    def mount(self, web_app: Any) -> None: ...

    async def start(self) -> None:
        self.starts.append(asyncio.get_running_loop().time())
        if len(self.starts) <= self.failures:
            raise ConnectionRefusedError(111, "Connect call failed")
        await self.stopped.wait()

    async def stop(self) -> None:
        self.stopped.set()


async def test_a_failing_adapter_is_retried_with_doubling_capped_backoff() -> None:
    flaky = _Flaky(failures=4)
    supervised = SupervisedAdapter(flaky, backoff=Backoff(first_s=0.2, max_s=0.8), rng=lambda: 1.0)
    stop = asyncio.Event()
    task = asyncio.create_task(supervised.run(stop))
    try:
        await eventually(lambda: len(flaky.starts) >= 2, within_s=10, what="a retry")
        assert supervised.status.up is False
        assert supervised.status.error == "ConnectionRefusedError: [Errno 111] Connect call failed"
        assert supervised.status.retry_at is not None
        await eventually(lambda: supervised.status.up, within_s=10, what="up after 4 failures")
        waits = [b - a for a, b in itertools.pairwise(flaky.starts)]
        assert len(flaky.starts) == 5
        for got, want in zip(waits, [0.2, 0.4, 0.8, 0.8], strict=True):  # rng 1.0: no jitter
            assert want <= got < want + 0.19
        assert supervised.status.error is None
    finally:
        stop.set()
        await flaky.stop()
        async with asyncio.timeout(10):
            await task
