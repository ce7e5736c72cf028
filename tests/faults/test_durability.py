"""Issue 12: a request a person must own is never lost.

- The escalation is recorded before anyone is answered: when the answer's response_url drops
  the connection (or answers 500), the escalation still exists and the owner is pinged.
- SIGTERM during a burst: every request answered "a person must own this" has its escalation
  once serve is started again on the same data directory.
- Redis down: the escalations the requesters were promised ("I'll keep trying") are spooled on
  disk and opened, once each, when serve starts again with Redis up.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from redis.asyncio import Redis

from bot.escalations.model import Escalation
from bot.store.embedded import EmbeddedRedis
from bot.store.escalations import RedisEscalationStore
from tests.scenarios import by_name
from tests.slack.conftest import (
    ADMIN,
    REQUESTER,
    SECRET,
    SlackBot,
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


# --- serve as a process --------------------------------------------------------------------

_PORT = re.compile(r"HTTP on :(\d+)")
PERSON = "A person must own this"


@dataclass
class Serve:
    """One `should-ai serve` process in Slack HTTP mode; its stderr is kept in ``log``."""

    process: asyncio.subprocess.Process
    url: str
    log: list[str]
    reader: asyncio.Task[None]

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.returncode is None:
            self.process.send_signal(sig)
        async with asyncio.timeout(60):
            code = await self.process.wait()
            await self.reader
        return code


def serve_env(
    fake_slack: FakeSlack, redis_url: str, policy_dir: Path, data_dir: Path
) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SHOULD_AI_", "SLACK_", "DISCORD_"))
    }
    env |= {
        "SLACK_BOT_TOKEN": "xoxb-durability-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SHOULD_AI_SLACK_API_URL": fake_slack.api_url,
        "SHOULD_AI_HTTP_PORT": "0",
        "SHOULD_AI_REDIS_URL": redis_url,
        "SHOULD_AI_POLICY_DIR": str(policy_dir),
        "SHOULD_AI_DATA_DIR": str(data_dir),
        "SHOULD_AI_ADMINS": ADMIN,
    }
    return env


async def start_serve(env: dict[str, str]) -> Serve:
    cli = Path(sys.executable).with_name("should-ai")
    process = await asyncio.create_subprocess_exec(
        str(cli), "serve", "--no-console", env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stderr is not None
    log: list[str] = []
    port: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def read(stream: asyncio.StreamReader) -> None:
        while line := (await stream.readline()).decode(errors="replace"):
            log.append(line)
            if not port.done() and (found := _PORT.search(line)):
                port.set_result(int(found.group(1)))
        if not port.done():
            port.set_exception(AssertionError("serve exited:\n" + "".join(log)))

    reader = asyncio.create_task(read(process.stderr))
    async with asyncio.timeout(60):
        bound = await port
    return Serve(process=process, url=f"http://127.0.0.1:{bound}", log=log, reader=reader)


async def send_command(
    session: aiohttp.ClientSession, url: str, fake: FakeSlack, user: str, text: str
) -> int:
    body = slash_command_body(text=text, user_id=user, response_url=fake.response_url(user))
    signed = sign(body, secret=SECRET)
    try:
        async with session.post(f"{url}/slack/events", data=body, headers=signed.headers) as r:
            return r.status
    except aiohttp.ClientError:  # serve stopped listening: Slack tells the user it failed
        return 0


def promised_a_person(fake: FakeSlack) -> set[str]:
    """Requesters whose answer said a person must own this."""
    return {str(c.args["name"]) for c in fake.of("response_url") if PERSON in c.blocks_text()}


async def escalations_by_requester(redis: Redis) -> dict[str, list[Escalation]]:
    found: dict[str, list[Escalation]] = {}
    for escalation in await RedisEscalationStore(redis).list_active():
        found.setdefault(escalation.requester.removeprefix("slack:"), []).append(escalation)
    return found


async def wait_for_escalations(redis: Redis, users: set[str], within: float = 60.0) -> None:
    async with asyncio.timeout(within):
        while not users <= set(await escalations_by_requester(redis)):  # noqa: ASYNC110
            await asyncio.sleep(0.2)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "serve-data"


async def test_sigterm_mid_burst_loses_no_escalation_a_requester_was_promised(
    fake_slack: FakeSlack, redis_url: str, redis: Redis, policy_dir: Path, data_dir: Path
) -> None:
    env = serve_env(fake_slack, redis_url, policy_dir, data_dir)
    users = [f"U0BURST{n:03d}" for n in range(60)]
    first = await start_serve(env)
    async with aiohttp.ClientSession() as session:
        sends = [
            asyncio.create_task(send_command(session, first.url, fake_slack, u, CRISIS))
            for u in users
        ]
        await fake_slack.wait_for(lambda _: len(promised_a_person(fake_slack)) >= 5, within=60)
        assert await first.stop() == 0  # SIGTERM in the middle of the burst
        await asyncio.gather(*sends)
    promised = promised_a_person(fake_slack)
    assert promised, "nobody was answered before the SIGTERM"

    second = await start_serve(env)
    try:
        await wait_for_escalations(redis, promised)
    finally:
        assert await second.stop() == 0
    by_requester = await escalations_by_requester(redis)
    assert promised <= set(by_requester), "".join(first.log)
    assert all(len(found) == 1 for found in by_requester.values())  # none opened twice


async def test_escalations_promised_while_redis_is_down_survive_a_restart_once_each(
    fake_slack: FakeSlack, policy_dir: Path, data_dir: Path, tmp_path: Path
) -> None:
    server = EmbeddedRedis(tmp_path / "own-redis")
    env = serve_env(fake_slack, server.start(), policy_dir, data_dir)
    users = [f"U0DOWN{n:03d}" for n in range(12)]
    try:
        first = await start_serve(env)
        server.stop()  # Redis dies under a running bot
        async with aiohttp.ClientSession() as session:
            await asyncio.gather(
                *(send_command(session, first.url, fake_slack, u, CRISIS) for u in users)
            )
        await fake_slack.wait_for(lambda _: len(promised_a_person(fake_slack)) == len(users))
        await fake_slack.wait_for(lambda _: len(kept_trying(fake_slack)) == len(users))
        assert await first.stop() == 0  # Redis still down: nothing could be stored

        client = Redis.from_url(server.start(), decode_responses=True)
        try:
            assert await escalations_by_requester(client) == {}
            second = await start_serve(env)
            try:
                await wait_for_escalations(client, set(users))
            finally:
                assert await second.stop() == 0
            by_requester = await escalations_by_requester(client)
        finally:
            await client.aclose()
    finally:
        server.stop()
    assert set(by_requester) == set(users), "".join(first.log)
    assert all(len(found) == 1 for found in by_requester.values())  # none opened twice
    pinged = fake_slack.dms_to("U0PLACEHOLDER02")  # comms-lead, the crisis owner
    assert len(pinged) == len(users)


def kept_trying(fake: FakeSlack) -> set[str]:
    """Requesters told the store is down and to contact the owner directly meanwhile."""
    return {str(c.args["name"]) for c in fake.of("response_url") if "directly" in c.blocks_text()}
