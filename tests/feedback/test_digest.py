"""The weekly digest: figures from the decision log, `should-ai digest --preview`, and the
Monday-morning send in each reader's time zone, once a week, only to those who opted in."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis.asyncio as aioredis

from bot.app import build_services
from bot.settings import Settings
from handlers.console.notifier import ConsoleNotifier
from handlers.console.repl import handle_line
from tests.feedback.cli import should_ai
from tests.feedback.helpers import opt_in_digest, set_mode
from tests.ops.conftest import copy_policies

pytestmark = pytest.mark.store

RECALL = "write the press statement about the product recall"
SUBJECT_LINES = "Write 5 subject lines for the spring sale email"
REVIEWS = "write fake testimonials for the new course"


def _settings(redis_url: str, tmp_path: Path, policy_dir: Path) -> Settings:
    return Settings(redis_url=redis_url, policy_dir=policy_dir, data_dir=tmp_path / "data")  # type: ignore[arg-type]


async def _a_week(redis_url: str, tmp_path: Path, policy_dir: Path, pings: io.StringIO) -> None:
    """A crisis acknowledged, an ethics request in shadow, a draft corrected as creative."""
    settings = _settings(redis_url, tmp_path, policy_dir)
    async with build_services(settings, console=ConsoleNotifier(stream=pings)) as services:
        out = io.StringIO()
        await handle_line(services.core, RECALL, out)
        [escalation] = await services.escalations.list_open()
        await handle_line(services.core, f"ack {escalation.id}", out)
        await handle_line(services.core, REVIEWS, out)
        await handle_line(services.core, SUBJECT_LINES, out)
        [entry] = [e for e in await services.decision_log.tail(3) if e.kind == "decision"][-1:]
        await handle_line(services.core, f"wrong {entry.fields['decision_id']} creative", out)


async def test_the_preview_shows_the_weeks_figures(
    redis: aioredis.Redis,
    redis_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy_dir = copy_policies(tmp_path)
    set_mode(policy_dir, "shadow", "ethics")
    await _a_week(redis_url, tmp_path, policy_dir, io.StringIO())
    monkeypatch.setenv("SHOULD_AI_REDIS_URL", redis_url)
    monkeypatch.setenv("SHOULD_AI_POLICY_DIR", str(policy_dir))

    code, digest = await should_ai("digest", "--preview")

    assert code == 0, digest
    print(digest)  # the sample in the closing note
    assert "(all categories)" in digest
    assert "Requests: 3 (2 to AI, 1 to a person)" in digest
    assert "Escalations: 1 opened, 1 acknowledged" in digest
    assert "Time to acknowledge: median" in digest
    assert "Still unanswered: none" in digest
    assert "Shadow mode: 1 request(s) would have gone to a person" in digest
    assert "Would have pinged: legal-counsel" in digest
    assert "Feedback: 1 received, 1 waiting for review" in digest
    assert "should have been Creative" in digest
    assert "Policy revisions live:" in digest


async def test_an_owner_reads_only_the_categories_they_own(
    redis: aioredis.Redis,
    redis_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policy_dir = copy_policies(tmp_path)
    await _a_week(redis_url, tmp_path, policy_dir, io.StringIO())
    monkeypatch.setenv("SHOULD_AI_REDIS_URL", redis_url)
    monkeypatch.setenv("SHOULD_AI_POLICY_DIR", str(policy_dir))

    code, digest = await should_ai("digest", "--preview", "--person", "comms-lead")

    assert code == 0, digest
    assert "Requests: 1 (0 to AI, 1 to a person)" in digest  # the crisis only
    assert "Feedback: none this week." in digest
    assert (await should_ai("digest", "--preview", "--person", "nobody"))[0] == 2


def _local(tz: str, *args: int) -> float:
    return datetime(*args, tzinfo=ZoneInfo(tz)).timestamp()  # type: ignore[misc]


async def test_it_goes_out_on_monday_morning_in_the_readers_time_zone_once(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path
) -> None:
    policy_dir = copy_policies(tmp_path)
    opt_in_digest(policy_dir, "comms-lead", tz="America/New_York")
    pings = io.StringIO()
    await _a_week(redis_url, tmp_path, policy_dir, pings)
    settings = _settings(redis_url, tmp_path, policy_dir)
    async with build_services(settings, console=ConsoleNotifier(stream=pings)) as services:
        assert services.digest is not None
        sunday = _local("America/New_York", 2026, 12, 13, 23, 0)
        monday_early = _local("America/New_York", 2026, 12, 14, 8, 59)
        monday = _local("America/New_York", 2026, 12, 14, 9, 5)  # 14:05 UTC
        assert await services.digest.tick(now=sunday) == []
        assert await services.digest.tick(now=monday_early) == []
        assert await services.digest.tick(now=monday) == ["comms-lead"]
        assert await services.digest.tick(now=monday + 600) == []  # once a week
    assert "DIGEST for comms-lead:" in pings.getvalue()
    assert "marketing-lead" not in pings.getvalue().split("DIGEST for")[-1].split(":")[0]


async def test_nobody_gets_it_without_opting_in(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path
) -> None:
    policy_dir = copy_policies(tmp_path)
    async with build_services(_settings(redis_url, tmp_path, policy_dir)) as services:
        assert services.digest is not None
        assert await services.digest.tick(now=_local("UTC", 2026, 12, 14, 10, 0)) == []
