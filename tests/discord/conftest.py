"""A should-ai bot on Discord, built the way ``should-ai serve`` builds it, for each test.

The bot reads its settings from the environment (DISCORD_TOKEN, SHOULD_AI_DISCORD_API_URL, a
real Redis), logs in over HTTP against :class:`FakeDiscord` and syncs /should-ai there. No
gateway: interactions are handed to discord.py's own parser
(``ConnectionState.parse_interaction_create``, what the gateway's INTERACTION_CREATE dispatch
calls), so the app-command tree and the dynamic buttons run for real, and every answer goes back
over real HTTP to the fake.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
import pytest
from redis.asyncio import Redis
from ruamel.yaml import YAML

from bot.app import Services, build_adapters, build_services
from bot.escalations.model import Escalation
from bot.settings import Settings
from handlers.discord.adapter import DiscordAdapter
from tests.ai.fake_llm import FakeLlm, serve_fake_llm
from tests.discord.fake_discord import FakeDiscord, Json, Message

REQUESTER = "500000000000000001"
STRANGER = "500000000000000099"
ADMIN = "500000000000000042"


@dataclass
class DiscordBot:
    """The running bot, the fake Discord it talks to, and ways to act as Discord users would."""

    fake: FakeDiscord
    services: Services
    adapter: DiscordAdapter

    def discord_id(self, person_key: str) -> str:
        found = self.services.holder.policy.people.people[person_key].discord
        assert found is not None
        return found

    def channel_id(self, channel_key: str) -> str:
        found = self.services.holder.policy.people.channels[channel_key].discord
        assert found is not None
        return found

    def deliver(self, payload: Json) -> None:
        """Hand an INTERACTION_CREATE payload to discord.py, as its gateway handler does."""
        self.adapter.client._connection.parse_interaction_create(payload)  # type: ignore[arg-type]

    def ask(self, text: str, *, user: str = REQUESTER) -> Json:
        """``user`` runs ``/should-ai request:<text>``; returns the interaction payload."""
        payload = self.fake.slash([{"name": "request", "type": 3, "value": text}], user_id=user)
        self.deliver(payload)
        return payload

    def press(self, message: Message, action: str, *, user: str, pick: str | None = None) -> Json:
        """``user`` clicks ``action`` (ack, resolve, reassign; use, confirm... on AI work)."""
        custom_id = next(c for c in message.custom_ids if action in c.split(":")[1:3])
        values = [pick] if pick is not None else None
        payload = self.fake.press(message, custom_id, user_id=user, values=values)
        self.deliver(payload)
        return payload

    async def answer(self, interaction: Json) -> Message:
        """The ephemeral answer to ``interaction``, once it replaced the "thinking" state."""
        token = interaction["token"]

        def answered() -> bool:
            original = self.fake.original(token)
            return original is not None and bool(original.edits)

        await self.fake.wait_until(answered, what=f"an answer to interaction {interaction['id']}")
        found = self.fake.original(token)
        assert found is not None
        return found

    async def status_card(self, interaction: Json, *, says: str) -> Message:
        """The requester's status card (an ephemeral follow-up), once it says ``says``."""
        token = interaction["token"]

        def card() -> Message | None:
            cards = self.fake.followups.get(token, [])
            return cards[0] if cards else None

        def shows() -> bool:
            found = card()
            return found is not None and says.lower() in found.text().lower()

        await self.fake.wait_until(shows, what=f"a status card saying {says!r}")
        found = card()
        assert found is not None
        return found

    async def dms_to(self, user_id: str, count: int = 1) -> list[Message]:
        await self.fake.wait_until(
            lambda: len(self.fake.dm_to(user_id)) >= count, what=f"{count} DM(s) to {user_id}"
        )
        return self.fake.dm_to(user_id)

    async def posts_in(self, channel_id: str, count: int = 1) -> list[Message]:
        await self.fake.wait_until(
            lambda: len(self.fake.channel_posts(channel_id)) >= count,
            what=f"{count} post(s) in channel {channel_id}",
        )
        return self.fake.channel_posts(channel_id)

    async def only_escalation(self) -> Escalation:
        found = list(await self.services.escalations.list_open())
        assert len(found) == 1, found
        return found[0]


@pytest.fixture
async def fake_discord(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    # The adapter points discord.http.Route.BASE at the fake; monkeypatch puts it back after.
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    async with FakeDiscord() as fake:
        yield fake


def set_person_discord_id(policy_dir: Path, person: str, discord_id: str | None) -> None:
    yaml = YAML()
    path = policy_dir / "people.yaml"
    data: Any = yaml.load(path)
    data["people"][person]["discord"] = discord_id
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
def discord_env(
    monkeypatch: pytest.MonkeyPatch,
    fake_discord: FakeDiscord,
    redis_url: str,
    policy_dir: Path,
    scenario_llm: FakeLlm | None,
) -> None:
    """The environment `should-ai serve` reads, pointing at the fake Discord and the test Redis."""
    monkeypatch.setenv("DISCORD_TOKEN", "discord-test-token")
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SHOULD_AI_LLM_BASE_URL",
        "SHOULD_AI_DISCORD_GUILD_ID",
        "SHOULD_AI_DISCORD_SHARD_COUNT",
        "SHOULD_AI_DISCORD_SHARD_IDS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SHOULD_AI_DISCORD_API_URL", fake_discord.base)
    monkeypatch.setenv("SHOULD_AI_REDIS_URL", redis_url)
    monkeypatch.setenv("SHOULD_AI_POLICY_DIR", str(policy_dir))
    monkeypatch.setenv("SHOULD_AI_ADMINS", ADMIN)
    if scenario_llm is not None:
        monkeypatch.setenv("SHOULD_AI_LLM_BASE_URL", scenario_llm.base_url)
        monkeypatch.setenv("SHOULD_AI_LLM_API_KEY", "test-key")


@contextlib.asynccontextmanager
async def running_bot(fake: FakeDiscord) -> AsyncIterator[DiscordBot]:
    """One bot process: services + Discord adapter, logged in and synced, no gateway."""
    async with build_services(Settings()) as services:
        adapters = build_adapters(services)
        adapter = next(a for a in adapters if a.platform == "discord")
        assert isinstance(adapter, DiscordAdapter)
        await adapter.login()
        try:
            yield DiscordBot(fake=fake, services=services, adapter=adapter)
        finally:
            await adapter.stop()
            await services.intake.aclose()


@pytest.fixture
async def discord_bot(
    discord_env: None, redis: Redis, fake_discord: FakeDiscord
) -> AsyncIterator[DiscordBot]:
    async with running_bot(fake_discord) as bot:
        yield bot
