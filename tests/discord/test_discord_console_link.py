"""``/should-ai console`` on Discord: a sign-in link to the web console, for that user only."""

from __future__ import annotations

import json
import re

import pytest
from redis.asyncio import Redis

from bot.store.keys import CONSOLE_LINK_PREFIX
from tests.discord.conftest import REQUESTER, DiscordBot

pytestmark = pytest.mark.store


async def test_console_answers_with_a_sign_in_link_for_the_user(
    discord_bot: DiscordBot, redis: Redis
) -> None:
    answer = await discord_bot.answer(discord_bot.ask("console", user=REQUESTER))

    found = re.search(r"/console/signin/([A-Za-z0-9_-]+)", answer.text())
    assert found, answer.text()
    assert "valid 10 minutes" in answer.text()
    stored = await redis.get(CONSOLE_LINK_PREFIX + found.group(1))
    assert stored is not None
    assert json.loads(stored) == {"platform": "discord", "user_id": REQUESTER}
