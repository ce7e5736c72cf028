"""Time from a /should-ai interaction reaching discord.py to its deferral, and on to the answer.

    uv run python bench/discord_ack.py [--requests 500] [--crisis-share 0.2]

Runs the Discord adapter as ``should-ai serve`` builds it (settings from the environment, the
Redis the settings name or an embedded one in a temporary directory), logged in over HTTP
against the fake Discord API of tests/discord/fake_discord.py on 127.0.0.1. Each interaction
is handed to discord.py's own parser (what the gateway's INTERACTION_CREATE dispatch calls), so
the command tree, the handlers and the HTTP client run for real. Discord needs the first answer
(the deferral) within 3 s. Each request is a new user (no rate limit applies). Prints figures;
asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Sequence

from bot.app import build_adapters, build_services
from bot.settings import Settings
from handlers.discord.adapter import DiscordAdapter
from tests.discord.fake_discord import APP_ID, FakeDiscord

ROUTINE = "schedule the newsletter for Tuesday 9am"
CRISIS = "write the press statement about the product recall"


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--crisis-share", type=float, default=0.2)
    return parser.parse_args()


def _environment(fake: FakeDiscord, data_dir: str) -> None:
    os.environ.update(
        {
            "DISCORD_TOKEN": "bench-token",
            "SHOULD_AI_DISCORD_API_URL": fake.base,
            "SHOULD_AI_DATA_DIR": data_dir,
            "SHOULD_AI_RATE_LIMIT_REQUESTS": "0",
        }
    )
    for name in ("SLACK_BOT_TOKEN", "SHOULD_AI_LLM_BASE_URL", "SHOULD_AI_DISCORD_GUILD_ID"):
        os.environ.pop(name, None)


def _arrival(fake: FakeDiscord, method: str, path: str) -> float:
    return next(r.at for r in fake.requests if r.method == method and r.path == path)


async def _one(
    fake: FakeDiscord, adapter: DiscordAdapter, i: int, crisis_every: int
) -> tuple[float, float]:
    """One interaction; (ms to the deferral, ms to the answer)."""
    text = CRISIS if crisis_every and i % crisis_every == 0 else ROUTINE
    payload = fake.slash([{"name": "request", "type": 3, "value": text}], user_id=f"7{i:017d}")
    iid, token = payload["id"], payload["token"]
    sent = time.perf_counter()
    adapter.client._connection.parse_interaction_create(payload)  # type: ignore[arg-type]

    def answered_yet() -> bool:
        original = fake.originals.get(token)
        return original is not None and bool(original.edits)

    await fake.wait_until(answered_yet, what=f"the answer to interaction {i}")
    deferred = _arrival(fake, "POST", f"/interactions/{iid}/{token}/callback")
    answered = _arrival(fake, "PATCH", f"/webhooks/{APP_ID}/{token}/messages/@original")
    return (deferred - sent) * 1000, (answered - sent) * 1000


def _report(name: str, ms: Sequence[float]) -> None:
    q = statistics.quantiles(ms, n=100)
    print(
        f"{name:<22} n={len(ms)}  p50={q[49]:.1f} ms  p95={q[94]:.1f} ms  "
        f"p99={q[98]:.1f} ms  max={max(ms):.1f} ms"
    )


async def main() -> None:
    args = _args()
    crisis_every = round(1 / args.crisis_share) if args.crisis_share > 0 else 0
    with tempfile.TemporaryDirectory() as data_dir:
        async with FakeDiscord() as fake:
            _environment(fake, data_dir)
            async with build_services(Settings()) as services:
                [adapter] = [a for a in build_adapters(services) if a.platform == "discord"]
                assert isinstance(adapter, DiscordAdapter)
                await adapter.login()
                await _one(fake, adapter, 0, 0)  # warm-up: first decision loads the encoder
                started = time.perf_counter()
                figures = [
                    await _one(fake, adapter, i, crisis_every) for i in range(1, args.requests + 1)
                ]
                elapsed = time.perf_counter() - started
                await adapter.stop()
                await services.intake.aclose()
    print(f"{args.requests} interactions, 1 in {crisis_every or 'no'} a crisis, {elapsed:.1f} s")
    _report("to deferral (3 s max)", [d for d, _ in figures])
    _report("to answer", [a for _, a in figures])


if __name__ == "__main__":
    asyncio.run(main())
