"""SHOULD_AI_ADMINS read one way for every admin check: an admin named with the platform prefix
(``slack:U…``) may reload the policy *and* press any escalation's buttons, like a bare id."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from handlers.slack.blocks import ACK_ACTION
from tests.scenarios import by_name
from tests.slack.conftest import ADMIN, SlackBot, serving
from tests.slack.slack_fake import FakeSlack

pytestmark = pytest.mark.store


@pytest.fixture
async def prefixed_admin_bot(
    slack_env: None, redis: Redis, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[SlackBot]:
    monkeypatch.setenv("SHOULD_AI_ADMINS", f"slack:{ADMIN}")
    async with serving(fake_slack) as bot:
        yield bot


async def test_an_admin_named_slack_colon_id_may_reload_and_act_on_any_escalation(
    prefixed_admin_bot: SlackBot,
) -> None:
    bot = prefixed_admin_bot
    assert await bot.command("reload", user=ADMIN) == 200
    [reloaded] = await bot.answers_to(ADMIN)
    assert "Policy reloaded" in reloaded.blocks_text()

    await bot.command(by_name("crisis-acknowledged").text)
    [ping] = await bot.dms_to(bot.slack_id("comms-lead"))
    escalation = await bot.only_escalation()
    assert await bot.press(ping, ACK_ACTION, user=ADMIN) == 200

    # Either the ping is redrawn (the press was taken) or the admin is told "Only ... can act".
    def redrawn_or_refused(_: object) -> bool:
        redrawn = [c for c in bot.fake.of("chat.update") if c.args["ts"] == ping.ts]
        return bool(redrawn) or len(bot.responses(ADMIN)) > 1

    await bot.fake.wait_for(redrawn_or_refused)
    assert [a.args["text"] for a in bot.responses(ADMIN)[1:]] == []
    stored = await bot.services.escalations.get(escalation.id)
    assert stored is not None
    assert (stored.state, stored.assignee) == ("acknowledged", f"slack:{ADMIN}")
