"""`should-ai report` and `log tail --since --json` on a seeded week (issue 14)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import pytest
import redis as syncredis
import redis.asyncio as aioredis

from bot.observability.decision_log import LogEntry
from bot.observability.report import build_report, parse_since, percentile
from tests.ops.report_seed import seed_week
from tests.ops.test_cli_ops import run_cli

pytestmark = pytest.mark.store


@pytest.fixture
def admin_env(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The CLI pointed at the test Redis, with an empty database before and after."""
    monkeypatch.setenv("SHOULD_AI_REDIS_URL", redis_url)
    client = syncredis.Redis.from_url(redis_url)
    client.flushdb()
    try:
        yield redis_url
    finally:
        client.flushdb()
        client.close()


def _seed(url: str) -> float:
    now = time.time()

    async def go() -> None:
        client = aioredis.Redis.from_url(url, decode_responses=True)
        await seed_week(client, now=now)
        await client.aclose()

    asyncio.run(go())
    return now


def test_report_per_category_on_a_seeded_week(
    admin_env: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _seed(admin_env)

    assert run_cli("report", "--since", "7d", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    crisis = next(c for c in report["categories"] if c["category"] == "crisis")
    assert (report["requests"], report["to_ai"], report["to_person"]) == (88, 65, 23)
    assert (crisis["requests"], crisis["escalations"], crisis["unanswered"]) == (9, 9, 1)
    assert crisis["acknowledged"] == 8
    assert crisis["ack_p50_s"] == pytest.approx(4 * 60, abs=1)
    assert crisis["ack_p90_s"] == pytest.approx(30 * 60, abs=1)
    assert crisis["top_reasons"][0] == ['keyword "recall"', 9]

    assert run_cli("report") == 0
    text = capsys.readouterr().out
    print(text)  # the closing note of issue 14 shows it
    assert "88 requests: 65 for AI, 23 for a person." in text
    assert "crisis" in text and "4 min" in text and 'keyword "recall" (9)' in text


def test_log_tail_json_keeps_types_and_takes_since(
    admin_env: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _seed(admin_env)

    assert run_cli("log", "tail", "--json", "--since", "1d") == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows and all(r["at"] >= time.time() - 86400 - 5 for r in rows)
    assert all(isinstance(r["at"], float) for r in rows)
    assert all(isinstance(r["level"], int) for r in rows if r["kind"] == "transition")
    assert all(isinstance(r["confidence"], float) for r in rows if r["kind"] == "decision")


def test_since_and_percentiles() -> None:
    assert parse_since("7d") == 7 * 86400 and parse_since("30m") == 1800
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90) == 9
    assert percentile([], 50) is None
    entries = [LogEntry(id="1-0", fields={"at": "10", "kind": "decision", "route": "ai"})]
    assert build_report(entries, since=20, until=30).requests == 0  # before the period
