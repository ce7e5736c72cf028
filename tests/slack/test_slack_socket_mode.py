"""Socket Mode: with SLACK_APP_TOKEN the bot opens a WebSocket and acks the envelopes Slack sends.

slack_sdk's real Socket Mode client connects to the fake (apps.connections.open, then the
WebSocket URL it returns); the fake pushes a slash command envelope exactly as Slack does.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from handlers.slack.blocks import ACK_ACTION
from tests.scenarios import by_name
from tests.slack.conftest import REQUESTER, SlackBot
from tests.slack.slack_signing import slash_command_body

pytestmark = pytest.mark.store


async def test_slash_command_over_socket_mode_is_acked_and_the_owner_pinged(
    socket_mode_bot: SlackBot,
) -> None:
    bot = socket_mode_bot
    scenario = by_name("crisis-acknowledged")
    body = slash_command_body(
        text=scenario.text,
        user_id=REQUESTER,
        response_url=bot.fake.response_url(f"cmd-{REQUESTER}"),
    )

    envelope_id = await bot.fake.send_envelope("slash_commands", dict(parse_qsl(body)))

    ack = await bot.fake.acked(envelope_id)
    assert ack.args["envelope_id"] == envelope_id
    [answer] = await bot.answers_to(REQUESTER)
    assert "A person must own this" in answer.blocks_text()
    [ping] = await bot.dms_to(bot.slack_id("comms-lead"))
    assert ACK_ACTION in ping.action_ids()
    [opened] = bot.fake.of("apps.connections.open")
    assert opened.token == "xapp-test-token"


async def test_socket_mode_alone_serves_no_http_endpoint(socket_mode_bot: SlackBot) -> None:
    status, _ = await socket_mode_bot.post("", headers={})

    assert status == 404
