"""Issue 12: a request a person must own is never lost.

- The escalation is recorded before anyone is answered: when the answer's response_url drops
  the connection (or answers 500), the escalation still exists and the owner is pinged.
- SIGTERM during a burst: every request answered "a person must own this" has its escalation
  once serve is started again on the same data directory.
- Redis down: the escalations the requesters were promised ("I'll keep trying") are spooled on
  disk and opened, once each, when serve starts again with Redis up.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from redis.asyncio import Redis

from tests.scenarios import by_name
from tests.slack.conftest import (
    REQUESTER,
    SECRET,
    SlackBot,
    serving,
    slack_env,  # noqa: F401  (a fixture this module uses)
)
from tests.slack.slack_fake import FakeSlack
from tests.slack.slack_signing import sign, slash_command_body

pytestmark = [pytest.mark.store, pytest.mark.slow]

CRISIS = by_name("crisis-acknowledged").text


class BrokenResponseUrl:
    """A response_url endpoint on loopback that fails every answer: ``drop`` closes the
    connection without a reply, ``500`` answers an error page."""

    def __init__(self, how: str) -> None:
        self.how = how
        self.hits = 0
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def __aenter__(self) -> BrokenResponseUrl:
        app = web.Application()
        app.router.add_post("/response/{name}", self._answer)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/response/cmd"
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        self.hits += 1
        if self.how == "500":
            return web.Response(status=500, text="internal error")
        assert request.transport is not None
        request.transport.close()  # the connection drops mid-answer
        return web.Response()


@pytest.fixture
async def slack_bot(
    slack_env: None,  # noqa: F811
    redis: Redis,
    fake_slack: FakeSlack,
) -> AsyncIterator[SlackBot]:
    async with serving(fake_slack) as bot:
        yield bot


async def _command(bot: SlackBot, text: str, *, response_url: str) -> int:
    body = slash_command_body(text=text, user_id=REQUESTER, response_url=response_url)
    signed = sign(body, secret=SECRET)
    status, _ = await bot.post(signed.body, headers=signed.headers)
    return status


@pytest.mark.parametrize("how", ["drop", "500"])
async def test_a_failed_answer_to_the_requester_still_escalates_and_pings_the_owner(
    slack_bot: SlackBot, how: str
) -> None:
    async with BrokenResponseUrl(how) as broken:
        assert await _command(slack_bot, CRISIS, response_url=broken.url) == 200
        [ping] = await slack_bot.dms_to(slack_bot.slack_id("comms-lead"))

    assert broken.hits >= 1  # the requester's answer was tried, and failed
    escalation = await slack_bot.only_escalation()
    assert escalation.category == "crisis" and escalation.requester == f"slack:{REQUESTER}"
    assert escalation.id in str(ping.args)
