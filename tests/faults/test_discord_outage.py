"""Issue 12, defect 1 on Discord: a burst of crisis requests while Discord's messages API is down.

Discord answers every DM and channel post with 503 for 20 s (interactions are still answered, as
in its partial outages) while 50 requesters each ask for a crisis press statement. Each is told a
person must own it at once; once Discord is back, every owner is DMed exactly once, and nothing
climbed to the backup: a 5xx is a failure to retry, not a refusal.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.escalations.model import Escalation
from tests.discord.conftest import DiscordBot, running_bot
from tests.discord.conftest import discord_env as discord_env  # the fixtures, for this package
from tests.discord.conftest import fake_discord as fake_discord
from tests.discord.conftest import scenario_llm as scenario_llm
from tests.discord.fake_discord import FakeDiscord
from tests.scenarios import by_name
from tests.slack.conftest import set_ack_minutes

pytestmark = pytest.mark.slow

CRISIS = by_name("crisis-acknowledged").text
BURST = 50
OUTAGE_S = 20.0
ACK_MINUTES = 1.0  # the outage plus discord.py's and our own backoff fit inside one level
GIVE_UP_S = 90.0  # bounds a broken run only
ACK_PREFIX = "should-ai:ack:"


@pytest.fixture
async def bot(
    discord_env: None, redis: Redis, fake_discord: FakeDiscord, policy_dir: Path
) -> AsyncIterator[DiscordBot]:
    set_ack_minutes(policy_dir, "crisis", ACK_MINUTES)
    async with running_bot(fake_discord) as running:
        worker = asyncio.create_task(running.services.jobs.run_worker())
        try:
            yield running
        finally:
            await running.services.jobs.stop()
            await asyncio.gather(worker, return_exceptions=True)


def _pinged(bot: DiscordBot, person_key: str) -> list[str]:
    """The escalation id of each DM ``person_key`` received (its Acknowledge button's id)."""
    return [
        custom_id.removeprefix(ACK_PREFIX)
        for message in bot.fake.dm_to(bot.discord_id(person_key))
        for custom_id in message.custom_ids
        if custom_id.startswith(ACK_PREFIX)
    ]


async def _burst(bot: DiscordBot) -> list[Escalation]:
    for n in range(BURST):
        bot.ask(f"{CRISIS} (#{n})", user=f"5000000000000{n:05d}")
    async with asyncio.timeout(GIVE_UP_S):
        while len(found := await bot.services.escalations.list_open()) < BURST:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
    return found


async def test_discord_down_during_a_crisis_burst_dms_every_owner_once_it_is_back(
    bot: DiscordBot,
) -> None:
    bot.fake.outage(OUTAGE_S, status=503)
    escalations = await _burst(bot)
    answered = [i for i, calls in bot.fake.callbacks.items() if calls]
    assert len(answered) >= BURST  # every requester was answered during the outage
    assert bot.fake.outage_answers > 0  # Discord really was down for the pings

    async with asyncio.timeout(GIVE_UP_S):
        while len(_pinged(bot, "comms-lead")) < BURST:  # noqa: ASYNC110
            await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)  # a doubled DM would show by now
    assert sorted(_pinged(bot, "comms-lead")) == sorted(e.id for e in escalations)
    assert _pinged(bot, "marketing-lead") == []  # nothing climbed to the backup
    for escalation in await bot.services.escalations.list_open():
        assert (escalation.state, escalation.level) == ("open", 0), escalation.history
