"""Benchmark: the intake path a chat adapter calls, and how fast a policy edit goes live.

    uv run python bench/intake.py [--requests 2000] [--reloads 5] [--redis-url URL]

1. ``Intake.submit`` (dedupe SET NX EX, rate limit INCR, the policy engine, the decision log
   XADD) for ``--requests`` requests from the dev-set texts: median, p95, p99 in ms, and the
   same with Redis stopped (every Redis call fails open) to show the outage cost.
2. Hot reload: the time from writing policy.yaml to the new revision answering requests, with
   the real watcher (watchfiles) running, ``--reloads`` times.
3. A 100 000-character request: the time to decide it (text is cut to max_request_chars).

Runs on an embedded Redis in a temporary directory unless ``--redis-url`` names an empty
scratch database (which it flushes). Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bot.app import Services, build_services
from bot.escalations.model import Actor
from bot.settings import Settings
from bot.store.embedded import EmbeddedRedis
from handlers.console.notifier import ConsoleNotifier

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "eval" / "dev.jsonl"
FALLBACK_TEXTS = [
    "draft a post announcing our spring sale",
    "a journalist is asking about the product recall",
    "schedule the newsletter for Tuesday 9am",
    "reply to the angry influencer who tagged us",
    "planifie la newsletter pour mardi",
]


def texts() -> list[str]:
    if not DEV.exists():
        return FALLBACK_TEXTS
    return [json.loads(line)["text"] for line in DEV.read_text().splitlines() if line.strip()]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(label: str, ms: list[float]) -> None:
    print(
        f"{label:<38} n={len(ms):<6} median {statistics.median(ms):7.2f} ms   "
        f"p95 {pct(ms, 0.95):7.2f} ms   p99 {pct(ms, 0.99):7.2f} ms"
    )


async def submit_many(services: Services, corpus: list[str], n: int, tag: str) -> list[float]:
    out: list[float] = []
    for i in range(n):
        actor = Actor(platform="slack", user_id=f"U{i % 500}")  # stays under the rate limit
        t = time.perf_counter()
        await services.intake.submit(
            actor=actor, text=corpus[i % len(corpus)], dedupe_key=f"{tag}-{i}"
        )
        out.append((time.perf_counter() - t) * 1000)
    return out


async def reload_latency(services: Services, rounds: int) -> list[float]:
    stop = asyncio.Event()
    watcher = asyncio.create_task(services.watcher.run(stop))
    await asyncio.sleep(1.0)  # let watchfiles start watching
    path = services.holder.directory / "policy.yaml"
    out: list[float] = []
    for i in range(rounds):
        old = services.holder.current().revision
        t = time.perf_counter()
        path.write_text(path.read_text() + f"\n# bench edit {i}\n")
        while services.holder.current().revision == old:  # noqa: ASYNC110 - 10 ms resolution
            await asyncio.sleep(0.01)
        out.append((time.perf_counter() - t) * 1000)
    stop.set()
    await watcher
    return out


async def run(args: argparse.Namespace, url: str, server: EmbeddedRedis | None, work: Path) -> None:
    policy_dir = work / "policies"
    shutil.copytree(ROOT / "policies", policy_dir)
    settings = Settings(
        redis_url=url,
        policy_dir=policy_dir,
        data_dir=work / "data",
        llm_base_url=None,
        rate_limit_requests=1000,
    )
    async with build_services(settings, console=ConsoleNotifier(stream=io.StringIO())) as s:
        await s.redis.flushdb()
        corpus = texts()
        await submit_many(s, corpus, 50, "warm")
        report("submit (Redis up)", await submit_many(s, corpus, args.requests, "up"))
        huge = "please draft a post " * 5000
        t = time.perf_counter()
        await s.intake.submit(
            actor=Actor(platform="slack", user_id="U1"), text=huge, dedupe_key="huge"
        )
        print(f"{'submit, 100 000-char request':<38} {(time.perf_counter() - t) * 1000:.2f} ms")
        report("hot reload, write -> new revision", await reload_latency(s, args.reloads))
        if server is not None:
            server.kill()
            report(
                "submit (Redis down, fail open)",
                await submit_many(s, corpus, min(args.requests, 300), "down"),
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--reloads", type=int, default=5)
    parser.add_argument("--redis-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.redis_url:
            asyncio.run(run(args, args.redis_url, None, work))
            return
        server = EmbeddedRedis(work / "redis")
        try:
            asyncio.run(run(args, server.start(), server, work))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
