"""Sub-commands, autocomplete, admin notices, guild-scoped sync and sharding on Discord."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from bot.errors import UsageError
from bot.settings import Settings
from handlers.discord.client import (
    ShardedShouldAiClient,
    ShouldAiClient,
    invite_url,
    make_client,
    suggestions,
)
from tests.discord.conftest import ADMIN, REQUESTER, DiscordBot, running_bot
from tests.discord.fake_discord import APP_ID, GUILD_ID, FakeDiscord
from tests.scenarios import by_name

pytestmark = pytest.mark.store


async def test_help_lists_the_sub_commands(discord_bot: DiscordBot) -> None:
    answer = await discord_bot.answer(discord_bot.ask("help"))
    for word in ("why", "queue", "policy", "reload"):
        assert f"/should-ai {word}" in answer.text()


async def test_why_names_what_matched(discord_bot: DiscordBot) -> None:
    text = by_name("crisis-acknowledged").text
    answer = await discord_bot.answer(discord_bot.ask(f"why {text}"))
    assert "Reasons" in answer.text()
    assert "crisis" in answer.text()
    assert discord_bot.fake.dm_channels == {}  # explaining pings nobody


@pytest.mark.parametrize("command", ["policy", "reload"])
async def test_admin_commands_are_refused_to_others(discord_bot: DiscordBot, command: str) -> None:
    answer = await discord_bot.answer(discord_bot.ask(command, user=REQUESTER))
    assert "admins only" in answer.text()


async def test_an_admin_sees_the_policy(discord_bot: DiscordBot) -> None:
    answer = await discord_bot.answer(discord_bot.ask("policy", user=ADMIN))
    revision = discord_bot.services.holder.current().revision
    assert f"Policy revision {revision}" in answer.text()


async def test_queue_shows_the_owner_their_escalation(discord_bot: DiscordBot) -> None:
    asked = discord_bot.ask(by_name("crisis-acknowledged").text)
    await discord_bot.status_card(asked, says="waiting")
    escalation = await discord_bot.only_escalation()

    owner = discord_bot.discord_id("comms-lead")
    answer = await discord_bot.answer(discord_bot.ask("queue", user=owner))

    assert escalation.id in answer.text()


async def test_autocomplete_offers_sub_commands_through_the_command_tree(
    discord_bot: DiscordBot,
) -> None:
    payload = discord_bot.fake.slash(
        [{"name": "request", "type": 3, "value": "qu", "focused": True}], user_id=REQUESTER
    )
    payload["type"] = 4  # APPLICATION_COMMAND_AUTOCOMPLETE
    discord_bot.deliver(payload)

    await discord_bot.fake.wait_until(
        lambda: payload["id"] in discord_bot.fake.callbacks, what="autocomplete choices"
    )
    [callback] = discord_bot.fake.callbacks[payload["id"]]
    assert callback["type"] == 8
    assert callback["data"]["choices"] == [{"name": "queue", "value": "queue"}]


async def test_a_bad_policy_edit_reaches_the_admins_by_dm(discord_bot: DiscordBot) -> None:
    await discord_bot.services.admins.notify_admins(message="policy.yaml:12: categories: bad")

    [dm] = await discord_bot.dms_to(ADMIN)
    assert "policy.yaml:12" in dm.text()


async def test_guild_id_syncs_the_command_to_that_guild_only(
    discord_env: None, redis: Redis, fake_discord: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOULD_AI_DISCORD_GUILD_ID", str(GUILD_ID))
    async with running_bot(fake_discord) as bot:
        assert list(fake_discord.commands) == [str(GUILD_ID)]
        answer = await bot.answer(bot.ask(by_name("routine-scheduling").text))
        assert "AI can do this" in answer.text()


async def test_a_shard_count_runs_an_auto_sharded_client(
    discord_env: None, redis: Redis, fake_discord: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOULD_AI_DISCORD_SHARD_COUNT", "2")
    monkeypatch.setenv("SHOULD_AI_DISCORD_SHARD_IDS", "0")
    async with running_bot(fake_discord) as bot:
        client = bot.adapter.client
        assert isinstance(client, ShardedShouldAiClient)
        assert (client.shard_count, client.shard_ids) == (2, [0])
        assert "global" in fake_discord.commands  # shard 0's process syncs the commands
        answer = await bot.answer(bot.ask(by_name("routine-drafting").text))
        assert "AI can do this" in answer.text()


async def test_only_the_process_with_shard_zero_syncs(
    discord_env: None, redis: Redis, fake_discord: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOULD_AI_DISCORD_SHARD_COUNT", "4")
    monkeypatch.setenv("SHOULD_AI_DISCORD_SHARD_IDS", "2,3")
    async with running_bot(fake_discord):
        assert fake_discord.commands == {}


def test_no_shard_count_means_one_plain_client(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHOULD_AI_DISCORD_SHARD_COUNT", raising=False)
    client = make_client(Settings(), handler=object())  # type: ignore[arg-type]
    assert type(client) is ShouldAiClient
    assert client.intents.value == client.intents.__class__(guilds=True).value


def test_the_invite_url_asks_for_the_two_scopes_and_three_permissions() -> None:
    url = invite_url(APP_ID)
    assert f"client_id={APP_ID}" in url
    assert "scope=bot+applications.commands" in url
    assert "permissions=19456" in url  # view channel 1024 + send messages 2048 + embed links 16384


async def test_a_refused_command_sync_is_logged_and_the_bot_still_starts(
    discord_env: None,
    redis: Redis,
    fake_discord: FakeDiscord,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_discord.reject_once.add("PUT /applications/")
    async with running_bot(fake_discord) as bot:
        assert bot.adapter.client.user is not None  # logged in all the same
        assert fake_discord.commands == {}
    assert "applications.commands" in caplog.text


@pytest.mark.parametrize(
    ("count", "ids", "says"),
    [
        (None, "0,1", "needs SHOULD_AI_DISCORD_SHARD_COUNT"),
        ("2", "0,x", "integers"),
        ("2", "2", "must lie in 0..1"),
    ],
)
def test_bad_shard_settings_are_refused_with_the_setting_named(
    monkeypatch: pytest.MonkeyPatch, count: str | None, ids: str, says: str
) -> None:
    if count is None:
        monkeypatch.delenv("SHOULD_AI_DISCORD_SHARD_COUNT", raising=False)
    else:
        monkeypatch.setenv("SHOULD_AI_DISCORD_SHARD_COUNT", count)
    monkeypatch.setenv("SHOULD_AI_DISCORD_SHARD_IDS", ids)
    with pytest.raises(UsageError, match=says):
        make_client(Settings(), handler=object())  # type: ignore[arg-type]


def test_admins_are_offered_the_admin_sub_commands_and_others_are_not() -> None:
    offered = {c.value for c in suggestions("", admin=False)}
    assert offered == {"why", "queue", "help", "scheduled", "mine", "away until"}
    assert {c.value for c in suggestions("", admin=True)} == offered | {"policy", "reload"}
    assert suggestions("write the press statement", admin=True) == []
