"""The web console's speed: the playground's answer (POST /console/playground, one request with
why in full) and the queue page (GET /console/queue) with 1,000 open escalations.

    uv run python bench/console.py [--answers 300] [--renders 20] [--open 1000]

Runs the bot as ``should-ai serve`` builds it (console mode: no chat tokens), on the Redis
SHOULD_AI_REDIS_URL names or an embedded one in a temporary directory, and talks to it over
HTTP on 127.0.0.1 with a signed-in session. The escalations are written straight to the store
(nobody is pinged). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp

from bot.app import Services, build_services
from bot.escalations.model import Actor, Escalation, Transition
from bot.server import bound_port, start_http
from bot.settings import Settings
from bot.store.escalations import RedisEscalationStore

REQUESTS = (
    "write the press statement about the product recall",
    "Write 5 subject lines for the spring sale email",
    "schedule the newsletter for Tuesday 9am",
    "reply to the journalist asking about layoffs",
)


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=300, help="playground requests to time")
    parser.add_argument("--renders", type=int, default=20, help="queue page loads to time")
    parser.add_argument("--open", type=int, default=1000, help="open escalations in the queue")
    return parser.parse_args()


async def _fill_queue(services: Services, count: int) -> None:
    store = RedisEscalationStore(services.redis)
    policy = services.holder.policy
    human = [k for k, c in policy.categories.items() if c.route == "human"]
    people = list(policy.people.people)
    now = time.time()
    for n in range(count):
        created = now - 60 * (n % 300)
        owner = people[n % len(people)]
        first = Transition(at=created, state="open", level=0, assignee=owner, by="bench")
        await store.create(
            Escalation(
                id=await store.next_id(),
                decision_id=f"bench-{n}",
                policy_revision=policy.revision,
                category=human[n % len(human)],
                platform="console",
                requester=f"console:user{n % 40}",
                text=REQUESTS[n % len(REQUESTS)],
                state="open",
                level=0,
                assignee=owner,
                created_at=created,
                due_at=created + 3600,
                history=[first],
            )
        )


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _bench(args: argparse.Namespace, settings: Settings) -> None:
    async with build_services(settings) as services:
        await _fill_queue(services, args.open)
        runner = await start_http(services, port=0, host="127.0.0.1")
        base = f"http://127.0.0.1:{bound_port(runner)}"
        auth = services.core.console_auth
        assert auth is not None

        session = await auth.redeem(await auth.issue_link(Actor(platform="console", user_id="op")))
        assert session is not None
        cookies = {"should_ai_console": session.session_id}
        try:
            async with aiohttp.ClientSession(cookies=cookies) as http:
                answers = await _time_answers(http, base, session.csrf, args.answers)
                renders, size = await _time_queue(http, base, args.renders)
        finally:
            await runner.cleanup()
    _report(args, answers, renders, size)


async def _time_answers(
    http: aiohttp.ClientSession, base: str, csrf: str, count: int
) -> list[float]:
    timings = []
    for n in range(count):
        form = {"csrf": csrf, "text": f"{REQUESTS[n % len(REQUESTS)]} #{n}"}
        start = time.perf_counter()
        async with http.post(
            f"{base}/console/playground", data=form, headers={"HX-Request": "1"}
        ) as r:
            await r.read()
            assert r.status == 200, r.status
        timings.append((time.perf_counter() - start) * 1000)
    return timings


async def _time_queue(
    http: aiohttp.ClientSession, base: str, count: int
) -> tuple[list[float], int]:
    timings, size = [], 0
    for _ in range(count):
        start = time.perf_counter()
        async with http.get(f"{base}/console/queue") as r:
            body = await r.read()
            assert r.status == 200, r.status
        timings.append((time.perf_counter() - start) * 1000)
        size = len(body)
    return timings, size


def _report(
    args: argparse.Namespace, answers: list[float], renders: list[float], size: int
) -> None:
    print(f"playground answers: {len(answers)}")
    print(
        f"  p50 {statistics.median(answers):.1f} ms  p99 {_p(answers, 0.99):.1f} ms  "
        f"max {max(answers):.1f} ms"
    )
    print(f"queue page with {args.open} open escalations: {len(renders)} loads, {size // 1024} KiB")
    print(
        f"  p50 {statistics.median(renders):.1f} ms  p99 {_p(renders, 0.99):.1f} ms  "
        f"max {max(renders):.1f} ms"
    )


def main() -> None:
    args = _args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("SHOULD_AI_DATA_DIR", str(Path(tmp) / "data"))
        for token in (
            "SLACK_BOT_TOKEN",
            "SLACK_APP_TOKEN",
            "DISCORD_TOKEN",
            "SHOULD_AI_LLM_BASE_URL",
        ):
            os.environ.pop(token, None)
        asyncio.run(_bench(args, Settings()))


if __name__ == "__main__":
    main()
