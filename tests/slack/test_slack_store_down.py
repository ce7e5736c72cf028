"""Redis dies under a running bot: a crisis request still reaches a person, never AI.

This test runs its own embedded Redis (not the shared test server) so it can stop it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store.embedded import EmbeddedRedis
from tests.scenarios import by_name
from tests.slack.conftest import REQUESTER, SlackBot, serving
from tests.slack.slack_fake import FakeSlack

pytestmark = pytest.mark.store


@pytest.fixture
async def bot_with_own_redis(
    slack_env: None, fake_slack: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[SlackBot, EmbeddedRedis]]:
    server = EmbeddedRedis(tmp_path / "redis")
    monkeypatch.setenv("SHOULD_AI_REDIS_URL", server.start())
    try:
        async with serving(fake_slack) as bot:
            yield bot, server
    finally:
        server.stop()


async def test_with_redis_down_the_requester_is_told_to_contact_the_owner_directly(
    bot_with_own_redis: tuple[SlackBot, EmbeddedRedis],
) -> None:
    bot, server = bot_with_own_redis
    owner_name = bot.services.holder.policy.people.people["comms-lead"].name
    server.stop()

    await bot.command(by_name("crisis-acknowledged").text)

    verdict, store_down = await bot.answers_to(REQUESTER, 2)
    assert "A person must own this" in verdict.blocks_text()
    assert f"contact {owner_name} directly" in store_down.blocks_text()
    assert "Do not hand it to AI" in store_down.blocks_text()
    [card] = await bot.fake.wait_calls("chat.update")
    assert f"contact {owner_name} directly" in card.blocks_text()
