"""Slack's rules: signed requests only, retries never ping twice, 429s are waited out."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from handlers.slack.blocks import REASSIGN_ACTION
from tests.scenarios import by_name
from tests.slack.conftest import ADMIN, REQUESTER, SECRET, SlackBot
from tests.slack.slack_fake import dm_channel
from tests.slack.slack_signing import (
    block_action_payload,
    button_from,
    interaction_body,
    new_trigger_id,
    sign,
    slash_command_body,
)

pytestmark = pytest.mark.store

CRISIS = by_name("crisis-acknowledged").text
DUPLICATES = 'should_ai_requests_refused_total{reason="duplicate"}'


def _crisis_body(slack_bot: SlackBot, trigger_id: str) -> str:
    return slash_command_body(
        text=CRISIS,
        user_id=REQUESTER,
        response_url=slack_bot.fake.response_url(f"cmd-{REQUESTER}"),
        trigger_id=trigger_id,
    )


async def _duplicates_seen(slack_bot: SlackBot, count: float) -> None:
    for _ in range(500):  # the retry is acked before it is dropped; wait until it has been
        if await slack_bot.metric(DUPLICATES) >= count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the retried request was never recognised as a duplicate")


async def test_slack_retry_of_a_command_is_acked_but_never_pings_twice(slack_bot: SlackBot) -> None:
    body = _crisis_body(slack_bot, new_trigger_id())
    owner = slack_bot.slack_id("comms-lead")

    first = sign(body, secret=SECRET)
    assert (await slack_bot.post(first.body, headers=first.headers))[0] == 200
    await slack_bot.dms_to(owner)
    retry = sign(body, secret=SECRET, retry_num=1)
    assert (await slack_bot.post(retry.body, headers=retry.headers))[0] == 200
    await _duplicates_seen(slack_bot, 1)

    assert len(slack_bot.fake.dms_to(owner)) == 1
    assert len(slack_bot.responses(REQUESTER)) == 1
    assert len(await slack_bot.services.escalations.list_open()) == 1


async def test_retries_racing_the_original_still_ping_once(slack_bot: SlackBot) -> None:
    body = _crisis_body(slack_bot, new_trigger_id())
    signed = [sign(body, secret=SECRET, retry_num=n or None) for n in range(3)]

    statuses = await asyncio.gather(*(slack_bot.post(s.body, headers=s.headers) for s in signed))

    assert [status for status, _ in statuses] == [200, 200, 200]
    await slack_bot.dms_to(slack_bot.slack_id("comms-lead"))
    await _duplicates_seen(slack_bot, 2)
    assert len(slack_bot.fake.dms_to(slack_bot.slack_id("comms-lead"))) == 1


async def test_rate_limited_dm_is_retried_after_retry_after(slack_bot: SlackBot) -> None:
    owner = slack_bot.slack_id("comms-lead")
    slack_bot.fake.rate_limit("chat.postMessage", times=1, retry_after=0, channel=dm_channel(owner))

    await slack_bot.command(CRISIS)

    [ping] = await slack_bot.dms_to(owner)
    to_owner = [c for c in slack_bot.fake.calls if c.args.get("channel") == dm_channel(owner)]
    assert [c.method for c in to_owner] == ["chat.postMessage:429", "chat.postMessage"]
    assert to_owner[0].args["blocks"] == ping.args["blocks"]
    assert (await slack_bot.only_escalation()).level == 0  # waited out, not treated as refused


@pytest.mark.parametrize(
    "how",
    ["wrong secret", "tampered body", "five minutes late", "no signature"],
)
async def test_unsigned_or_stale_requests_get_401_and_do_nothing(
    slack_bot: SlackBot, how: str
) -> None:
    body = _crisis_body(slack_bot, new_trigger_id())
    signed = sign(body, secret=SECRET)
    headers = dict(signed.headers)
    if how == "wrong secret":
        headers = sign(body, secret="not-the-secret").headers
    elif how == "tampered body":
        body = body.replace("product", "prodUct")
    elif how == "five minutes late":
        headers = sign(body, secret=SECRET, timestamp=int(time.time()) - 6 * 60).headers
    else:
        del headers["X-Slack-Signature"]

    status, _ = await slack_bot.post(body, headers=headers)

    assert status == 401
    assert [c.method for c in slack_bot.fake.calls if c.method != "auth.test"] == []
    assert await slack_bot.services.escalations.list_open() == []


@pytest.fixture
def serve_logging(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Logging at INFO before the bot is built, as `should-ai serve` sets it up (Bolt's loggers
    copy the root level when the app is made)."""
    caplog.set_level(logging.INFO)
    return caplog


async def test_bad_signatures_are_refused_without_logging_their_bodies(
    serve_logging: pytest.LogCaptureFixture, slack_bot: SlackBot
) -> None:
    caplog = serve_logging
    big = "x" * 200_000  # an attacker's padding: none of it may reach the log
    body = _crisis_body(slack_bot, new_trigger_id()) + "&padding=" + big
    headers = sign(body, secret="not-the-secret").headers

    statuses = [(await slack_bot.post(body, headers=headers))[0] for _ in range(5)]

    assert statuses == [401] * 5
    assert len(caplog.text) < 5_000
    assert "xxxxxxxxxx" not in caplog.text


@pytest.mark.parametrize("timestamp", ["soon", "", "1e9", "9" * 400])
async def test_a_timestamp_that_is_no_integer_gets_401_not_500(
    slack_bot: SlackBot, caplog: pytest.LogCaptureFixture, timestamp: str
) -> None:
    body = _crisis_body(slack_bot, new_trigger_id())
    headers = {**sign(body, secret=SECRET).headers, "X-Slack-Request-Timestamp": timestamp}

    with caplog.at_level(logging.DEBUG):
        status, _ = await slack_bot.post(body, headers=headers)

    assert status == 401
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info]


@pytest.mark.parametrize(
    "body",
    [
        "payload=not-json",
        "payload=%5B1%2C2%5D",  # a JSON list
        "payload=%7B%7D",  # an empty object
        "payload=%7B%22type%22%3A%22block_actions%22%2C%22actions%22%3A5%7D",
        "%7B%22type%22%3A",  # half a JSON object as the whole body
    ],
)
async def test_a_signed_malformed_body_gets_400_not_500(
    slack_bot: SlackBot, caplog: pytest.LogCaptureFixture, body: str
) -> None:
    signed = sign(body, secret=SECRET)

    with caplog.at_level(logging.DEBUG):
        status, _ = await slack_bot.post(signed.body, headers=signed.headers)

    assert status == 400
    assert not [r for r in caplog.records if r.exc_info]
    assert [c.method for c in slack_bot.fake.calls if c.method != "auth.test"] == []


async def test_a_replayed_signed_button_press_is_applied_once(slack_bot: SlackBot) -> None:
    """Slack's signature stays valid for 5 minutes, so a captured press can be sent again: the
    owner's old reassignment must not undo what an admin decided since."""
    owner, colleague = slack_bot.slack_id("comms-lead"), "U0COLLEAGUE"
    await slack_bot.command(CRISIS)
    [ping] = await slack_bot.dms_to(owner)
    escalation = await slack_bot.only_escalation()
    action = {**button_from(ping.blocks(), REASSIGN_ACTION), "selected_user": colleague}
    payload = block_action_payload(
        user_id=owner,
        action=action,
        channel_id=str(ping.args["channel"]),
        message_ts=str(ping.ts),
        response_url=slack_bot.fake.response_url(f"press-{owner}"),
    )
    captured = sign(interaction_body(payload), secret=SECRET)
    assert (await slack_bot.post(captured.body, headers=captured.headers))[0] == 200
    [handed] = await slack_bot.dms_to(colleague)
    await slack_bot.press(handed, REASSIGN_ACTION, user=ADMIN, selected_user=owner)
    await slack_bot.dms_to(owner, count=2)

    assert (await slack_bot.post(captured.body, headers=captured.headers))[0] == 200

    await asyncio.sleep(1.0)  # the replay's work is lazy: give it time to do harm
    stored = await slack_bot.services.escalations.get(escalation.id)
    assert stored is not None and stored.assignee == "comms-lead"
    assert len(slack_bot.fake.dms_to(colleague)) == 1
    assert slack_bot.responses(owner) == []  # no refusal or note for a replay
