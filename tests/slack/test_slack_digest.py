"""The weekly digest reaches a Slack reader as a DM, on Monday morning, once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.feedback.helpers import opt_in_digest
from tests.slack.conftest import REQUESTER, SlackBot

pytestmark = pytest.mark.store

MONDAY_10_UTC = datetime(2026, 12, 14, 10, 0, tzinfo=UTC).timestamp()


async def test_an_owner_who_opted_in_gets_the_digest_as_a_dm(
    slack_bot: SlackBot, policy_dir: Path
) -> None:
    opt_in_digest(policy_dir, "comms-lead")
    assert (await slack_bot.services.watcher.apply()).error is None
    await slack_bot.command("write the press statement about the product recall")
    await slack_bot.answers_to(REQUESTER)
    owner = slack_bot.slack_id("comms-lead")
    pings = len(await slack_bot.dms_to(owner))
    assert slack_bot.services.digest is not None

    sent = await slack_bot.services.digest.tick(now=MONDAY_10_UTC)

    assert sent == ["comms-lead"]
    dms = await slack_bot.dms_to(owner, count=pings + 1)
    assert "should-ai weekly digest" in dms[-1].blocks_text()
    assert await slack_bot.services.digest.tick(now=MONDAY_10_UTC + 60) == []
