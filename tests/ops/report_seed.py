"""A seeded week of the decision log (issue 14's closing note, and the report's tests): the
entries the bot writes for decisions and escalation moves, at times spread over seven days."""

from __future__ import annotations

import random

import redis.asyncio as aioredis

from bot.store.keys import DECISION_LOG_STREAM

DAY = 86400.0
# category, route, reasons, how many requests, minutes to acknowledge (None: unanswered)
WEEK: tuple[tuple[str, str, str, int, tuple[float | None, ...]], ...] = (
    (
        "crisis",
        "human",
        'keyword:keyword "recall"; reader:trained reader reads crisis',
        9,
        (3, 4, 6, 2, 11, 5, 30, None, 4),
    ),
    ("ethics", "human", 'keyword:keyword "fake reviews"', 5, (20, 45, 35, 90, None)),
    (
        "relationships",
        "human",
        "reader:trained reader reads relationships 0.81",
        6,
        (60, 25, 140, 75, 30, 50),
    ),
    ("strategy", "human", "reader:trained reader reads strategy 0.70", 3, (180, 300, 240)),
    ("drafting", "ai", "reader:trained reader reads drafting 0.92", 40, ()),
    ("scheduling", "ai", 'pattern:pattern "schedule .* (at|for)"', 25, ()),
)


async def seed_week(redis: aioredis.Redis, *, now: float, seed: int = 14) -> None:
    """Write the week into the decision log stream, oldest first."""
    rng = random.Random(seed)
    entries: list[tuple[float, dict[str, str]]] = []
    number = 0
    for category, route, reasons, count, acks in WEEK:
        for i in range(count):
            number += 1
            at = now - rng.uniform(0.05, 6.9) * DAY
            decision = {
                "kind": "decision",
                "decision_id": f"d{number}",
                "policy_revision": "rev-week",
                "who": f"slack:U{number:04d}",
                "route": route,
                "category": category,
                "owner": "",
                "confidence": "0.900",
                "reasons": reasons,
                "text": "[masked]",
            }
            entries.append((at, decision))
            if route != "human":
                continue
            moves = [("open", "0", at + 1)]
            wait = acks[i] if i < len(acks) else None
            if wait is None:
                moves += [("open", "1", at + 900), ("unanswered", "2", at + 2700)]
            else:
                moves.append(("acknowledged", "0", at + 1 + wait * 60))
            for state, level, when in moves:
                entries.append(
                    (
                        when,
                        {
                            "kind": "transition",
                            "escalation_id": f"E{number}",
                            "decision_id": f"d{number}",
                            "policy_revision": "rev-week",
                            "who": decision["who"],
                            "category": category,
                            "state": state,
                            "level": level,
                            "assignee": "",
                            "by": "",
                            "note": "",
                            "comment": "",
                            "outcome": "",
                        },
                    )
                )
    for seq, (at, fields) in enumerate(sorted(entries, key=lambda e: e[0])):
        await redis.xadd(
            DECISION_LOG_STREAM, {"at": f"{at:.3f}", **fields}, id=f"{int(at * 1000)}-{seq}"
        )
