"""Benchmark: escalations opened per second, and timer lateness with 10,000 timers pending.

    uv run python bench/escalations.py [--count 10000] [--rate 100] [--seconds 20]

1. Opens ``--count`` escalations as fast as it can (``BATCH`` at a time) with a one-hour ack
   time: the creation rate, and that many timers left pending in the queue.
2. With those pending, opens escalations at ``--rate`` per second for ``--seconds`` with a
   ``--ack`` second ack time, so their timers fall due during the run at that rate; two worker
   processes (``--workers``, each an arq worker as in ``should-ai serve``) fire them.
   Lateness = when the backup is pinged minus when the owner's ack time ran out.

Each move is logged to the decision log in its own transaction, as ``should-ai serve`` does;
``--no-log`` leaves the log out, to see what it costs.

Runs on an embedded Redis in a temporary directory, unless ``--redis-url`` names an empty
scratch database (which it flushes). Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import redis.asyncio as aioredis

from bot.escalations.model import Actor, Escalation, StatusNote
from bot.escalations.service import EscalationService, PolicyGetter
from bot.jobs import Jobs
from bot.observability.decision_log import DecisionLog, TransitionRecorder
from bot.observability.metrics import Metrics
from bot.policy.model import (
    Category,
    Decision,
    Fallback,
    Owner,
    PeopleFile,
    Person,
    Policy,
    PolicyFile,
)
from bot.store.embedded import EmbeddedRedis
from bot.store.escalations import RedisEscalationStore

ACTOR = Actor(platform="console", user_id="bench")
BATCH = 200  # escalations opened concurrently


SLOW_ACK_S = 3600.0


def bench_policy(fast_ack_s: float) -> Policy:
    def category(ack_s: float) -> Category:
        return Category(
            route="human",
            label="Bench",
            owner="owner",
            backup="backup",
            ack_minutes=ack_s / 60,
            why="benchmark",
        )

    people = {"owner": Person(name="Owner"), "backup": Person(name="Backup")}
    categories = {"slow": category(SLOW_ACK_S), "fast": category(fast_ack_s)}
    return Policy(
        revision="bench",
        file=PolicyFile(fallback=Fallback(owner="owner", why="benchmark"), categories=categories),
        people=PeopleFile(people=people),
    )


def decision(category: str) -> Decision:
    return Decision(
        decision_id=uuid.uuid4().hex,
        route="human",
        category=category,
        categories=(category,),
        owner=Owner(id="owner", name="Owner"),
        confidence=1.0,
        reasons=(),
        ai_may="",
        policy_revision="bench",
    )


class SilentNotifier:
    async def ping_person(self, *, escalation: Escalation, person_key: str) -> None:
        return None

    async def post_channel(self, *, escalation: Escalation, channel_key: str) -> None:
        return None

    async def update_status(self, *, escalation: Escalation, note: StatusNote) -> None:
        return None


class LatenessRecorder(SilentNotifier):
    """In a worker: write one line per backup ping, its lateness in seconds."""

    def __init__(self, out: Path, ack_seconds: float) -> None:
        self._file = out.open("a", buffering=1)
        self._ack = ack_seconds

    async def ping_person(self, *, escalation: Escalation, person_key: str) -> None:
        if escalation.level == 1 and escalation.category == "fast":
            due = escalation.created_at + self._ack
            self._file.write(f"{time.time() - due:.6f}\n")


# -- worker process -------------------------------------------------------------------------


def make_service(
    redis: aioredis.Redis, jobs: Jobs, policy: PolicyGetter, *, log: bool
) -> EscalationService:
    """The escalation service as ``should-ai serve`` builds it (without the log: ``--no-log``)."""
    metrics = Metrics()
    recorder = TransitionRecorder(DecisionLog(redis, metrics=metrics), metrics) if log else None
    store = RedisEscalationStore(redis, timers=jobs)
    return EscalationService(store=store, jobs=jobs, policy=policy, transitions=recorder)


async def run_worker(
    url: str, ack_seconds: float, out: Path, poll_delay: float, *, log: bool
) -> None:
    redis = aioredis.Redis.from_url(url, decode_responses=True)
    jobs = Jobs(url, poll_delay=poll_delay, max_jobs=200)
    policy = bench_policy(ack_seconds)
    service = make_service(redis, jobs, lambda: policy, log=log)
    service.register_notifier("console", LatenessRecorder(out, ack_seconds))
    await jobs.run_worker()


# -- driver ---------------------------------------------------------------------------------


async def open_many(service: EscalationService, count: int) -> float:
    """Open ``count`` slow escalations as fast as possible; return the seconds it took."""
    started = time.perf_counter()
    for start in range(0, count, BATCH):
        n = min(BATCH, count - start)
        await asyncio.gather(*(open_one(service, "slow") for _ in range(n)))
    return time.perf_counter() - started


async def open_one(service: EscalationService, category: str) -> None:
    await service.open(decision=decision(category), actor=ACTOR, text="bench", status_ref=None)


async def open_paced(service: EscalationService, rate: float, seconds: float) -> int:
    """Open fast escalations at ``rate`` per second for ``seconds``; return how many."""
    started = time.perf_counter()
    opened = 0
    tasks: set[asyncio.Task[None]] = set()
    while (elapsed := time.perf_counter() - started) < seconds:
        while opened < elapsed * rate:
            task = asyncio.create_task(open_one(service, "fast"))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            opened += 1
        await asyncio.sleep(0.01)
    await asyncio.gather(*tasks)
    return opened


def start_workers(
    n: int, url: str, ack: float, out_dir: Path, poll: float, *, log: bool
) -> list[Path]:
    outs = [out_dir / f"worker{i}.txt" for i in range(n)]
    logged = "log" if log else "no-log"
    for out in outs:
        out.touch()
        _children.append(
            subprocess.Popen(
                [sys.executable, __file__, "--worker", url, str(ack), str(out), str(poll), logged]
            )
        )
    return outs


def lines(outs: list[Path]) -> list[float]:
    return [float(x) for out in outs for x in out.read_text().split()]


async def drive(url: str, args: argparse.Namespace, out_dir: Path) -> None:
    redis = aioredis.Redis.from_url(url, decode_responses=True)
    if await redis.dbsize():
        raise SystemExit(f"{url} is not empty; the bench needs a scratch database it may flush")
    log = not args.no_log
    outs = start_workers(args.workers, url, args.ack, out_dir, args.poll_delay, log=log)
    jobs = Jobs(url)
    service = make_service(redis, jobs, lambda: bench_policy(args.ack), log=log)
    service.register_notifier("console", SilentNotifier())

    took = await open_many(service, args.count)
    print(f"opened {args.count} escalations in {took:.2f}s: {args.count / took:.0f}/s")
    print(f"timers pending: {await jobs.pending_count()}; moves logged: {log}")

    opened = await open_paced(service, args.rate, args.seconds)
    deadline = time.time() + args.ack + 60
    while len(lines(outs)) < opened and time.time() < deadline:  # noqa: ASYNC110 - files
        await asyncio.sleep(0.5)
    report(lines(outs), opened, args)
    # The figures depend on spare CPU: say how busy the machine was.
    print(f"load average (1 min): {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    stop_workers()
    await redis.flushdb()
    await jobs.aclose()
    await redis.aclose()


def report(late: list[float], opened: int, args: argparse.Namespace) -> None:
    print(
        f"timers fired: {len(late)}/{opened}, falling due at {args.rate:.0f}/s, "
        f"by {args.workers} worker processes (poll_delay {args.poll_delay}s)"
    )
    if len(late) < 2:
        return
    late.sort()
    q = statistics.quantiles(late, n=100, method="inclusive")
    print(
        f"timer lateness: p50 {q[49] * 1000:.0f} ms, p99 {q[98] * 1000:.0f} ms, "
        f"max {late[-1] * 1000:.0f} ms"
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        url, ack, out, poll = sys.argv[2], float(sys.argv[3]), Path(sys.argv[4]), sys.argv[5]
        asyncio.run(run_worker(url, ack, out, float(poll), log=sys.argv[6] == "log"))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rate", type=float, default=100.0, help="timers falling due per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--ack", type=float, default=2.0, help="ack time (s) of the timed ones")
    parser.add_argument("--poll-delay", type=float, default=0.5, help="arq poll delay (s)")
    parser.add_argument("--redis-url", default=os.environ.get("SHOULD_AI_REDIS_URL"))
    parser.add_argument(
        "--no-log", action="store_true", help="leave the decision log out of each move"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server = None if args.redis_url else EmbeddedRedis(Path(tmp) / "redis")
        url = args.redis_url or server.start()  # type: ignore[union-attr]
        try:
            asyncio.run(drive(url, args, Path(tmp)))
        finally:
            stop_workers()
            if server is not None:
                server.stop()


def stop_workers() -> None:
    while _children:
        child = _children.pop()
        child.terminate()
        child.wait()


_children: list[subprocess.Popen[bytes]] = []


if __name__ == "__main__":
    main()
