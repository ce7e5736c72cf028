"""The weekly digest reaches a Discord reader as a DM, on Monday morning, once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.discord.conftest import DiscordBot
from tests.feedback.helpers import opt_in_digest

pytestmark = pytest.mark.store

MONDAY_10_UTC = datetime(2026, 12, 14, 10, 0, tzinfo=UTC).timestamp()


async def test_an_owner_who_opted_in_gets_the_digest_as_a_dm(
    discord_bot: DiscordBot, policy_dir: Path
) -> None:
    opt_in_digest(policy_dir, "legal-counsel", tz="Europe/Paris")
    assert (await discord_bot.services.watcher.apply()).error is None
    assert discord_bot.services.digest is not None

    sent = await discord_bot.services.digest.tick(now=MONDAY_10_UTC)

    assert sent == ["legal-counsel"]
    [dm] = await discord_bot.dms_to(discord_bot.discord_id("legal-counsel"))
    assert "should-ai weekly digest" in dm.text()
    assert "Ethics" in dm.text()  # the categories legal-counsel owns
