"""Feedback from the admin's side: rate limits, listing, review and export, as the command line
shows them."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.app import Services, build_services
from bot.escalations.model import Actor
from bot.settings import Settings
from handlers.console.repl import handle_line
from tests.feedback.cli import should_ai
from tests.ops.conftest import copy_policies

pytestmark = pytest.mark.store

REQUESTER = Actor(platform="slack", user_id="U0REQUESTER")


async def _decided(services: Services, text: str) -> str:
    reply = await services.commands.handle(actor=REQUESTER, text=text, dedupe_key=text)
    assert reply.decision is not None
    return reply.decision.decision_id


def _settings(redis_url: str, tmp_path: Path, **extra: object) -> Settings:
    return Settings(
        redis_url=redis_url,
        policy_dir=copy_policies(tmp_path),
        data_dir=tmp_path / "data",
        **extra,  # type: ignore[arg-type]
    )


async def test_feedback_is_rate_limited_per_person(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path
) -> None:
    settings = _settings(redis_url, tmp_path, feedback_per_hour=2)
    async with build_services(settings) as services:
        assert services.feedback is not None
        decision_id = await _decided(services, "Write 5 subject lines for the spring sale email")
        said = [
            await services.feedback.submit(
                actor=REQUESTER, decision_id=decision_id, category="creative"
            )
            for _ in range(3)
        ]
        assert [s.kind for s in said] == ["stored", "stored", "rate_limited"]
        assert 0 < said[-1].retry_after_s <= 3600
        assert len(await services.feedback.list()) == 2


async def test_list_review_and_export_skip_what_kept_no_words(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOULD_AI_REDIS_URL", redis_url)
    async with build_services(_settings(redis_url, tmp_path)) as services:
        assert services.feedback is not None
        first = await _decided(services, "Write 5 subject lines for the spring sale email")
        second = await _decided(services, "Draft the Aurora launch FAQ intro copy")
        await services.feedback.submit(actor=REQUESTER, decision_id=first, category="creative")
        await services.feedback.submit(
            actor=REQUESTER, decision_id=second, category="creative", consent=True
        )

    code, listed = await should_ai("feedback", "list", "--json", "--since", "1h")
    rows = [json.loads(line) for line in listed.splitlines()]
    assert code == 0 and [r["id"] for r in rows] == ["F1", "F2"]
    assert rows[0]["text"].startswith("[masked:")  # no consent: only the log's masked form
    assert rows[1]["text"] == "Draft the Aurora launch FAQ intro copy"

    assert (await should_ai("feedback", "accept", "F1", "F2"))[0] == 0
    code, _ = await should_ai("feedback", "reject", "F9")
    assert code == 1  # no such feedback
    out = tmp_path / "feedback.yaml"
    code, said = await should_ai("feedback", "export", "--as-cases", str(out))
    assert code == 0 and "wrote 1 case(s)" in said
    assert '"Draft the Aurora launch FAQ intro copy", route: human, category: creative' in (
        out.read_text()
    )
    code, pending = await should_ai("feedback", "list", "--state", "pending")
    assert code == 0 and pending == ""


async def test_a_bad_since_is_a_usage_error(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOULD_AI_REDIS_URL", redis_url)
    assert (await should_ai("feedback", "list", "--since", "last tuesday"))[0] == 2


async def test_the_decision_log_shows_the_feedback_and_its_review(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOULD_AI_REDIS_URL", redis_url)
    async with build_services(_settings(redis_url, tmp_path)) as services:
        out = io.StringIO()
        await handle_line(services.core, "Write 5 subject lines for the spring sale email", out)
        [decision] = [e for e in await services.decision_log.tail(5) if e.kind == "decision"]
        decision_id = decision.fields["decision_id"]
        await handle_line(services.core, f"wrong {decision_id} creative brand voice", out)
    await should_ai("feedback", "accept", "F1")

    code, tail = await should_ai("log", "tail", "-n", "10")
    assert code == 0
    assert f"feedback {decision_id} feedback_id=F1" in tail
    assert "should_be=human/creative was=ai/drafting note=brand voice" in tail
    assert f"feedback-review {decision_id} feedback_id=F1 state=accepted" in tail


async def test_a_press_delivered_twice_is_stored_once(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path
) -> None:
    async with build_services(_settings(redis_url, tmp_path)) as services:
        assert services.feedback is not None
        decision_id = await _decided(services, "Write 5 subject lines for the spring sale email")
        said = [
            await services.feedback.submit(
                actor=REQUESTER, decision_id=decision_id, category="creative", dedupe_key="i-1"
            )
            for _ in range(2)
        ]
        assert [s.kind for s in said] == ["stored", "duplicate"]
        assert len(await services.feedback.list()) == 1
