"""Time from a signed ``/should-ai`` POST to Slack's HTTP 200 ack, and on to the answer.

    uv run python bench/slack_ack.py [--requests 1000] [--crisis-share 0.2]
                                     [--concurrency 1 | --rate REQ_PER_S] [--socket-mode]

Runs the bot as ``should-ai serve`` runs it in Slack HTTP mode (settings from the environment,
Bolt's real request handling at POST /slack/events, the Redis the settings name or an embedded
one in a temporary directory) with its Web API client pointed at the fake Slack of
tests/slack/slack_fake.py on 127.0.0.1. Each request is a new user (so the per-user rate limit
never applies) and a new trigger id (so nothing is a retry). Slack needs the ack within 3 s;
the target here is p99 <= 100 ms on loopback. By default each simulated user waits for its
answer before the next request (a team's real load); ``--rate`` sends a fixed-rate burst
instead, queueing work faster than it is done. ``--socket-mode`` times Socket Mode instead:
a slash_commands envelope pushed down the WebSocket to the app's ack of it. Prints figures;
asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from urllib.parse import parse_qsl

import aiohttp

from bot.app import Services, build_adapters, build_services
from bot.server import bound_port, start_http
from bot.settings import Settings
from bot.store.keys import DECISION_LOG_STREAM
from tests.slack.slack_fake import Call, FakeSlack
from tests.slack.slack_signing import sign, slash_command_body

SECRET = "bench-signing-secret"
ROUTINE = "schedule the newsletter for Tuesday 9am"
CRISIS = "write the press statement about the product recall"
TARGET_P99_MS = 100.0


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument(
        "--crisis-share",
        type=float,
        default=0.2,
        help="share of requests that open an escalation (DMs, status cards)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=1,
        help="users sending at once, each waiting for its answer before the next request",
    )
    parser.add_argument(
        "--socket-mode",
        action="store_true",
        help="send the commands as Socket Mode envelopes (SLACK_APP_TOKEN) instead of HTTP",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="instead: send at this many requests/s without waiting for answers (bursts)",
    )
    return parser.parse_args()


def _environment(fake: FakeSlack, data_dir: str, *, socket_mode: bool) -> None:
    os.environ.update(
        {
            "SLACK_BOT_TOKEN": "xoxb-bench",
            ("SLACK_APP_TOKEN" if socket_mode else "SLACK_SIGNING_SECRET"): (
                "xapp-bench" if socket_mode else SECRET
            ),
            "SHOULD_AI_SLACK_API_URL": fake.api_url,
            "SHOULD_AI_HTTP_PORT": "0",
            "SHOULD_AI_DATA_DIR": data_dir,
            "SHOULD_AI_RATE_LIMIT_REQUESTS": "0",
        }
    )
    os.environ.pop("SLACK_SIGNING_SECRET" if socket_mode else "SLACK_APP_TOKEN", None)
    os.environ.pop("SHOULD_AI_LLM_BASE_URL", None)


def _body(fake: FakeSlack, i: int, crisis_every: int) -> str:
    text = CRISIS if crisis_every and i % crisis_every == 0 else ROUTINE
    return slash_command_body(
        text=text,
        user_id=f"UBENCH{i:06d}",
        response_url=fake.response_url(f"b{i}"),
        trigger_id=f"bench.{i}.{time.time_ns()}",
    )


Send = Callable[[str], Awaitable[tuple[float, float]]]  # body -> (sent at, ms to the ack)


def over_http(session: aiohttp.ClientSession, url: str) -> Send:
    async def send(body: str) -> tuple[float, float]:
        """POST one signed command; (when it was sent, ms until the 200 ack)."""
        signed = sign(body, secret=SECRET)
        sent = time.perf_counter()
        async with session.post(url, data=signed.body, headers=signed.headers) as resp:
            await resp.read()
            if resp.status != 200:
                raise RuntimeError(f"HTTP {resp.status}")
        return sent, (time.perf_counter() - sent) * 1000

    return send


def over_socket(fake: FakeSlack) -> Send:
    async def send(body: str) -> tuple[float, float]:
        """Push one slash_commands envelope; (when it was sent, ms until the app acked it)."""
        sent = time.perf_counter()
        envelope_id = await fake.send_envelope("slash_commands", dict(parse_qsl(body)))
        await fake.acked(envelope_id)
        return sent, (time.perf_counter() - sent) * 1000

    return send


Results = dict[int, tuple[float, float]]  # request number -> (sent at, ms to the ack)


async def _drive(url: str, fake: FakeSlack, args: argparse.Namespace) -> Results:
    crisis_every = round(1 / args.crisis_share) if args.crisis_share > 0 else 0
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        send = over_socket(fake) if args.socket_mode else over_http(session, url)
        watch = AnswerWatch(fake)
        await send(_body(fake, 10**6, 0))  # warm-up: auth.test, first imports
        await watch.wait(10**6)
        if args.rate:
            return await _open_loop(send, fake, args, crisis_every)
        return await _closed_loop(send, fake, watch, args, crisis_every)


async def _closed_loop(
    send: Send,
    fake: FakeSlack,
    watch: AnswerWatch,
    args: argparse.Namespace,
    crisis_every: int,
) -> Results:
    """Each of ``concurrency`` users sends a request, waits for its answer, sends the next."""
    results: Results = {}
    queue = iter(range(args.requests))

    async def user() -> None:
        for i in queue:
            results[i] = await send(_body(fake, i, crisis_every))
            await watch.wait(i)

    await asyncio.gather(*(user() for _ in range(args.concurrency)))
    return results


async def _open_loop(
    send: Send,
    fake: FakeSlack,
    args: argparse.Namespace,
    crisis_every: int,
) -> Results:
    """Requests at a fixed rate, whether or not earlier ones were answered (a burst test)."""
    start = time.perf_counter()

    async def at(i: int) -> tuple[float, float]:
        await asyncio.sleep(max(0.0, start + i / args.rate - time.perf_counter()))
        return await send(_body(fake, i, crisis_every))

    done = await asyncio.gather(*(at(i) for i in range(args.requests)))
    return dict(enumerate(done))


class AnswerWatch:
    """Which requests have had their first answer, reading only calls not read before (the
    bench shares the bot's event loop, so waiting must stay cheap)."""

    def __init__(self, fake: FakeSlack) -> None:
        self._fake = fake
        self._seen: set[str] = set()
        self._cursor = 0

    def _arrived(self, calls: list[Call], name: str) -> bool:
        for c in calls[self._cursor :]:
            if c.method == "response_url":
                self._seen.add(str(c.args["name"]))
        self._cursor = len(calls)
        return name in self._seen

    async def wait(self, i: int) -> None:
        await self._fake.wait_for(lambda calls: self._arrived(calls, f"b{i}"), within=60)


def _pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _report(name: str, values: Sequence[float]) -> None:
    print(
        f"{name:<28} p50 {_pct(values, 0.50):7.2f} ms   p90 {_pct(values, 0.90):7.2f} ms   "
        f"p99 {_pct(values, 0.99):7.2f} ms   max {max(values):7.2f} ms   "
        f"mean {statistics.fmean(values):7.2f} ms"
    )


async def _answers(fake: FakeSlack, sent: dict[str, float]) -> list[float]:
    """ms from each POST to its verdict reaching the response_url (the requester sees it)."""

    def first() -> dict[str, float]:
        arrived: dict[str, float] = {}
        for c in fake.of("response_url"):
            arrived.setdefault(str(c.args["name"]), c.at)
        return arrived

    await fake.wait_for(lambda _: sent.keys() <= first().keys(), within=120)
    return [(first()[name] - at) * 1000 for name, at in sent.items()]


async def _settled(fake: FakeSlack, idle_s: float = 0.5) -> None:
    """Wait until the bot has made no Web API call for ``idle_s`` (escalations all delivered)."""
    seen = -1
    while seen != len(fake.calls):
        seen = len(fake.calls)
        await asyncio.sleep(idle_s)


async def main() -> None:
    args = _args()
    fake = FakeSlack()
    await fake.start()
    with tempfile.TemporaryDirectory() as data_dir:
        _environment(fake, data_dir, socket_mode=args.socket_mode)
        settings = Settings()
        async with build_services(settings) as services:
            [adapter] = build_adapters(services)
            runner = await start_http(services, port=0, host="127.0.0.1")
            url = f"http://127.0.0.1:{bound_port(runner)}/slack/events"
            await adapter.start()  # Socket Mode: connects; HTTP mode: nothing to do
            try:
                started = time.perf_counter()
                results = await _drive(url, fake, args)
                elapsed = time.perf_counter() - started
                sent = {f"b{i}": at for i, (at, _) in results.items()}
                answered = await _answers(fake, sent)
                await _settled(fake)
                audit = await _audit_trail(services, args.requests + 1)
            finally:
                await adapter.stop()
                await runner.cleanup()
                await services.intake.aclose()
    await fake.stop()
    acks = [ms for _, ms in results.values()]
    load = f"open loop at {args.rate:g} req/s" if args.rate else f"{args.concurrency} user(s)"
    how = "Socket Mode envelopes" if args.socket_mode else "signed /should-ai POSTs"
    print(
        f"{args.requests} {how} over loopback, {load}, "
        f"{args.crisis_share:.0%} escalating; {args.requests / elapsed:.0f} req/s achieved"
    )
    _report("envelope -> ack" if args.socket_mode else "POST -> HTTP 200 ack", acks)
    _report("-> answer (response_url)", answered)
    dms = len(fake.of("chat.postMessage"))
    print(
        f"Web API calls made: {len(fake.calls)} (chat.postMessage {dms}); target ack p99 <= "
        f"{TARGET_P99_MS:.0f} ms: {'met' if _pct(acks, 0.99) <= TARGET_P99_MS else 'MISSED'}"
    )
    print(audit)


async def _audit_trail(services: Services, expected: int) -> str:
    """How many decisions reached the decision log, and which Redis side-calls were skipped."""
    await services.decision_log.flush(timeout_s=30)
    rows = await services.redis.xrange(DECISION_LOG_STREAM)
    logged = sum(1 for _, fields in rows if fields.get("kind") == "decision")
    skipped = {
        sample.labels["component"]: int(sample.value)
        for metric in services.metrics.store_errors.collect()
        for sample in metric.samples
        if sample.name.endswith("_total")
    }
    stats = await services.redis.info("stats")
    return (
        f"Redis connections opened: {stats['total_connections_received']}\n"
        f"decision log: {logged}/{expected} decisions ({logged / expected:.1%}, goal 100%); "
        f"Redis side-calls skipped: {skipped or 'none'}"
    )


if __name__ == "__main__":
    asyncio.run(main())
