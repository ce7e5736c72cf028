"""A should-ai bot in Slack HTTP mode, built the way ``should-ai serve`` builds it, for each test.

The bot reads its settings from the environment (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET,
SHOULD_AI_SLACK_API_URL, SHOULD_AI_HTTP_PORT=0, a real Redis), its Web API client talks to a
:class:`FakeSlack` on 127.0.0.1, and tests reach it over real HTTP at ``POST /slack/events`` with
requests signed as Slack signs them.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from redis.asyncio import Redis
from ruamel.yaml import YAML

from bot.app import Services, build_adapters, build_services
from bot.escalations.model import Escalation
from bot.server import bound_port, start_http
from bot.settings import Settings
from tests.ai.fake_llm import FakeLlm, serve_fake_llm
from tests.slack.slack_fake import Call, FakeSlack
from tests.slack.slack_signing import (
    block_action_payload,
    button_from,
    interaction_body,
    message_shortcut_payload,
    sign,
    slash_command_body,
)

SECRET = "test-signing-secret-0123456789abcdef"
REQUESTER = "U0REQUESTER"
ADMIN = "U0ADMIN"
STRANGER = "U0STRANGER"


@dataclass
class SlackBot:
    """The running bot, the fake Slack it talks to, and ways to act as Slack would."""

    url: str
    fake: FakeSlack
    services: Services
    session: aiohttp.ClientSession

    @property
    def events_url(self) -> str:
        return f"{self.url}/slack/events"

    def slack_id(self, person_key: str) -> str:
        """The Slack id people.yaml gives ``person_key``."""
        slack = self.services.holder.policy.people.people[person_key].slack
        assert slack is not None
        return slack

    def channel_id(self, channel_key: str) -> str:
        slack = self.services.holder.policy.people.channels[channel_key].slack
        assert slack is not None
        return slack

    async def post(self, body: str, *, headers: dict[str, str]) -> tuple[int, str]:
        async with self.session.post(self.events_url, data=body, headers=headers) as resp:
            return resp.status, await resp.text()

    async def command(
        self,
        text: str,
        *,
        user: str = REQUESTER,
        trigger_id: str | None = None,
        retry_num: int | None = None,
    ) -> int:
        """``user`` types ``/should-ai text``; returns the HTTP status of Slack's POST."""
        body = slash_command_body(
            text=text,
            user_id=user,
            response_url=self.fake.response_url(f"cmd-{user}"),
            trigger_id=trigger_id,
        )
        signed = sign(body, secret=SECRET, retry_num=retry_num)
        status, _ = await self.post(signed.body, headers=signed.headers)
        return status

    async def press(
        self, message: Call, action_id: str, *, user: str, selected_user: str | None = None
    ) -> int:
        """``user`` uses the element ``action_id`` on ``message`` (a post or ephemeral answer)."""
        action = button_from(message.blocks(), action_id)
        if selected_user is not None:
            action["selected_user"] = selected_user
        payload = block_action_payload(
            user_id=user,
            action=action,
            channel_id=str(message.args.get("channel", "C0MARKETING")),
            message_ts=message.ts or "1699999999.000200",  # an ephemeral answer has no ts
            response_url=self.fake.response_url(f"press-{user}"),
        )
        signed = sign(interaction_body(payload), secret=SECRET)
        status, _ = await self.post(signed.body, headers=signed.headers)
        return status

    async def shortcut(self, message_text: str, *, user: str = REQUESTER) -> int:
        payload = message_shortcut_payload(
            user_id=user,
            callback_id="ask_should_ai",
            message_text=message_text,
            channel_id="C0MARKETING",
            response_url=self.fake.response_url(f"shortcut-{user}"),
        )
        signed = sign(interaction_body(payload), secret=SECRET)
        status, _ = await self.post(signed.body, headers=signed.headers)
        return status

    async def answers_to(self, user: str, count: int = 1) -> list[Call]:
        """The ephemeral answers (response_url posts) ``user`` has received, once ``count`` have."""
        await self.fake.wait_for(lambda _: len(self.responses(user)) >= count)
        return self.responses(user)

    def responses(self, user: str) -> list[Call]:
        return [c for c in self.fake.of("response_url") if str(c.args["name"]).endswith(user)]

    async def dms_to(self, user_id: str, count: int = 1) -> list[Call]:
        await self.fake.wait_for(lambda _: len(self.fake.dms_to(user_id)) >= count)
        return self.fake.dms_to(user_id)

    async def metric(self, sample: str) -> float:
        """The value of one sample on GET /metrics, e.g. ``name{label="x"}``; 0 if absent."""
        async with self.session.get(f"{self.url}/metrics") as resp:
            text = await resp.text()
        for line in text.splitlines():
            name, _, value = line.rpartition(" ")
            if name == sample:
                return float(value)
        return 0.0

    async def only_escalation(self) -> Escalation:
        found = list(await self.services.escalations.list_open())
        assert len(found) == 1, found
        return found[0]


def set_ack_minutes(policy_dir: Path, category: str, minutes: float) -> None:
    yaml = YAML()
    path = policy_dir / "policy.yaml"
    data: Any = yaml.load(path)
    data["categories"][category]["ack_minutes"] = minutes
    yaml.dump(data, path)


@pytest.fixture
async def scenario_llm(request: pytest.FixtureRequest) -> AsyncIterator[FakeLlm | None]:
    """The local fake LLM when the test plays a scenario row with ``llm=True`` (issue 19), else
    None: every other test keeps running with no LLM configured."""
    callspec = getattr(request.node, "callspec", None)
    scenario = callspec.params.get("scenario") if callspec is not None else None
    if not getattr(scenario, "llm", False):
        yield None
        return
    async with serve_fake_llm() as fake:
        yield fake


@pytest.fixture
def slack_env(
    monkeypatch: pytest.MonkeyPatch,
    fake_slack: FakeSlack,
    redis_url: str,
    policy_dir: Path,
    scenario_llm: FakeLlm | None,
) -> None:
    """The environment `should-ai serve` reads, pointing at the fake Slack and the test Redis."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("SHOULD_AI_LLM_BASE_URL", raising=False)
    monkeypatch.setenv("SHOULD_AI_SLACK_API_URL", fake_slack.api_url)
    monkeypatch.setenv("SHOULD_AI_REDIS_URL", redis_url)
    monkeypatch.setenv("SHOULD_AI_HTTP_PORT", "0")
    monkeypatch.setenv("SHOULD_AI_POLICY_DIR", str(policy_dir))
    monkeypatch.setenv("SHOULD_AI_ADMINS", ADMIN)
    if scenario_llm is not None:
        monkeypatch.setenv("SHOULD_AI_LLM_BASE_URL", scenario_llm.base_url)
        monkeypatch.setenv("SHOULD_AI_LLM_API_KEY", "test-key")


@pytest.fixture
async def slack_bot(
    slack_env: None, redis: Redis, fake_slack: FakeSlack
) -> AsyncIterator[SlackBot]:
    async with serving(fake_slack) as bot:
        yield bot


@pytest.fixture
async def socket_mode_bot(
    slack_env: None, redis: Redis, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[SlackBot]:
    """The bot with SLACK_APP_TOKEN and no signing secret: Socket Mode only, connected."""
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-test-token")
    monkeypatch.delenv("SLACK_SIGNING_SECRET")
    async with serving(fake_slack) as bot:
        [adapter] = bot.services.adapters
        await adapter.start()
        try:
            await fake_slack.wait_calls("socket_connected")
            yield bot
        finally:
            await adapter.stop()


@contextlib.asynccontextmanager
async def serving(fake_slack: FakeSlack) -> AsyncIterator[SlackBot]:
    """What `should-ai serve` sets up (less the job worker: tests start it when they need it)."""
    settings = Settings()
    async with build_services(settings) as services:
        build_adapters(services)
        runner = await start_http(services, port=settings.http_port, host="127.0.0.1")
        try:
            async with aiohttp.ClientSession() as session:
                url = f"http://127.0.0.1:{bound_port(runner)}"
                yield SlackBot(url=url, fake=fake_slack, services=services, session=session)
        finally:
            await runner.cleanup()
            await services.intake.aclose()
