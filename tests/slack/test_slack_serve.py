"""`should-ai serve` itself, as an operator runs it, answering Slack's real protocol.

The process gets SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SHOULD_AI_SLACK_API_URL (the fake) and
SHOULD_AI_HTTP_PORT=0 in its environment; the test reads the port it bound from its log, posts
a signed /should-ai there and watches the fake Slack for the owner's DM and a button's effect.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from redis.asyncio import Redis

from handlers.slack.blocks import ACK_ACTION
from tests.scenarios import by_name
from tests.slack.conftest import ADMIN, REQUESTER, SECRET
from tests.slack.slack_fake import Call, FakeSlack
from tests.slack.slack_signing import (
    block_action_payload,
    button_from,
    interaction_body,
    sign,
    slash_command_body,
)

pytestmark = pytest.mark.store

_PORT = re.compile(r"HTTP on :(\d+)")


async def _bound_port(stderr: asyncio.StreamReader, seen: list[str]) -> int:
    while line := (await stderr.readline()).decode(errors="replace"):
        seen.append(line)
        if found := _PORT.search(line):
            return int(found.group(1))
    raise AssertionError("should-ai serve exited before serving:\n" + "".join(seen))


@pytest.fixture
async def served(
    fake_slack: FakeSlack, redis_url: str, redis: Redis, policy_dir: Path
) -> AsyncIterator[str]:
    """The base URL of a running `should-ai serve` in Slack HTTP mode."""
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-serve-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SHOULD_AI_SLACK_API_URL": fake_slack.api_url,
        "SHOULD_AI_HTTP_PORT": "0",
        "SHOULD_AI_REDIS_URL": redis_url,
        "SHOULD_AI_POLICY_DIR": str(policy_dir),
        "SHOULD_AI_ADMINS": ADMIN,
    }
    for unset in ("SLACK_APP_TOKEN", "DISCORD_TOKEN", "SHOULD_AI_LLM_BASE_URL"):
        env.pop(unset, None)
    cli = Path(sys.executable).with_name("should-ai")
    process = await asyncio.create_subprocess_exec(
        str(cli), "serve", "--no-console", env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stderr is not None
    seen: list[str] = []
    drain: asyncio.Task[bytes] | None = None
    try:
        async with asyncio.timeout(60):
            port = await _bound_port(process.stderr, seen)
        drain = asyncio.create_task(process.stderr.read())  # keep the pipe from filling up
        yield f"http://127.0.0.1:{port}"
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
            async with asyncio.timeout(30):
                await process.wait()
        if drain is not None:
            drain.cancel()
    assert process.returncode == 0


async def _post(session: aiohttp.ClientSession, url: str, body: str) -> int:
    signed = sign(body, secret=SECRET)
    async with session.post(f"{url}/slack/events", data=body, headers=signed.headers) as resp:
        return resp.status


async def test_serve_answers_a_signed_command_pings_the_owner_and_takes_the_ack(
    served: str, fake_slack: FakeSlack, policy_dir: Path
) -> None:
    owner = "U0PLACEHOLDER02"  # comms-lead's Slack id in the default people.yaml
    assert f"slack: {owner}" in (policy_dir / "people.yaml").read_text()
    command = slash_command_body(
        text=by_name("crisis-acknowledged").text,
        user_id=REQUESTER,
        response_url=fake_slack.response_url("serve"),
    )
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{served}/healthz") as health:
            assert health.status == 200
        assert await _post(session, served, command) == 200
        [ping] = await _dms(fake_slack, owner)
        press = block_action_payload(
            user_id=owner,
            action=button_from(ping.blocks(), ACK_ACTION),
            channel_id=str(ping.args["channel"]),
            message_ts=ping.ts,
            response_url=fake_slack.response_url("press"),
        )
        assert await _post(session, served, interaction_body(press)) == 200
    await fake_slack.wait_for(
        lambda calls: any(
            "Acknowledged by" in c.blocks_text() for c in calls if c.method == "chat.update"
        )
    )
    assert "A person must own this" in fake_slack.of("response_url")[0].blocks_text()


async def _dms(fake: FakeSlack, user_id: str) -> list[Call]:
    await fake.wait_for(lambda _: bool(fake.dms_to(user_id)), within=30)
    return list(fake.dms_to(user_id))
