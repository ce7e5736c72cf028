"""Shadow mode and "wrong call?" on the console: what an admin trying should-ai sees."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.app import build_services
from bot.settings import Settings
from handlers.console.repl import handle_line
from tests.feedback.helpers import set_mode
from tests.ops.conftest import copy_policies

pytestmark = pytest.mark.store

RECALL = "write the press statement about the product recall"


def _settings(redis_url: str, tmp_path: Path, policy_dir: Path) -> Settings:
    return Settings(redis_url=redis_url, policy_dir=policy_dir, data_dir=tmp_path / "data")  # type: ignore[arg-type]


async def test_a_category_in_shadow_answers_pings_nobody_and_logs_the_would_have(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path
) -> None:
    policy_dir = copy_policies(tmp_path)
    set_mode(policy_dir, "shadow", "crisis")
    async with build_services(_settings(redis_url, tmp_path, policy_dir)) as services:
        out = io.StringIO()
        await handle_line(services.core, RECALL, out)
        said = out.getvalue()
        assert "AI can do this" in said
        assert "Shadow mode" in said and "Dana Whitfield" in said
        assert list(await services.escalations.list_open()) == []
        entries = await services.decision_log.tail(10)
    [shadow] = [e for e in entries if e.kind == "shadow"]
    assert "would have escalated to comms-lead" in shadow.summary()
    assert "[crisis]" in shadow.summary()


async def test_outside_shadow_the_same_request_still_pings_its_owner(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path
) -> None:
    policy_dir = copy_policies(tmp_path)
    set_mode(policy_dir, "shadow", "creative")  # another category in shadow changes nothing here
    async with build_services(_settings(redis_url, tmp_path, policy_dir)) as services:
        out = io.StringIO()
        await handle_line(services.core, RECALL, out)
        [escalation] = await services.escalations.list_open()
        assert escalation.category == "crisis"
        assert "A person must own this" in out.getvalue()


async def test_an_unsure_request_goes_to_a_person_unless_the_whole_policy_is_in_shadow(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path
) -> None:
    policy_dir = copy_policies(tmp_path)
    for name in ("crisis", "ethics", "relationships", "strategy", "creative"):
        set_mode(policy_dir, "shadow", name)
    gibberish = "zxq vlorp quandle snerb"
    async with build_services(_settings(redis_url, tmp_path, policy_dir)) as services:
        out = io.StringIO()
        await handle_line(services.core, gibberish, out)
        [escalation] = await services.escalations.list_open()
        assert escalation.assignee == "marketing-lead"  # the fallback owner: unsure -> a person

    whole = copy_policies(tmp_path / "whole")
    set_mode(whole, "shadow")
    async with build_services(_settings(redis_url, tmp_path, whole)) as services:
        out = io.StringIO()
        await handle_line(services.core, gibberish, out)
        assert [e.id for e in await services.escalations.list_open()] == [escalation.id]
        assert "Shadow mode" in out.getvalue()


async def test_wrong_call_on_the_console_is_stored_and_in_the_decision_log(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path
) -> None:
    policy_dir = copy_policies(tmp_path)
    async with build_services(_settings(redis_url, tmp_path, policy_dir)) as services:
        out = io.StringIO()
        await handle_line(services.core, "Write 5 subject lines for the spring sale email", out)
        [entry] = [e for e in await services.decision_log.tail(5) if e.kind == "decision"]
        decision_id = entry.fields["decision_id"]
        assert f"wrong {decision_id}" in out.getvalue()
        await handle_line(services.core, f"wrong {decision_id} creative needs the brand voice", out)
        assert "feedback F1 recorded" in out.getvalue()
        assert services.feedback is not None
        [stored] = await services.feedback.list()
        log = [e.summary() for e in await services.decision_log.tail(10)]
    assert (stored.category, stored.route, stored.note) == (
        "creative",
        "human",
        "needs the brand voice",
    )
    assert stored.text == "Write 5 subject lines for the spring sale email"  # consented on console
    assert any("feedback" in line and "should_be=human/creative" in line for line in log)


async def test_the_console_lists_pending_feedback_with_accept_and_reject(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path
) -> None:
    policy_dir = copy_policies(tmp_path)
    async with build_services(_settings(redis_url, tmp_path, policy_dir)) as services:
        out = io.StringIO()
        await handle_line(services.core, "Write 5 subject lines for the spring sale email", out)
        [entry] = [e for e in await services.decision_log.tail(5) if e.kind == "decision"]
        await handle_line(services.core, f"wrong {entry.fields['decision_id']} creative", out)
        listed = io.StringIO()
        await handle_line(services.core, "feedback", listed)
        await handle_line(services.core, "accept F1", listed)
        await handle_line(services.core, "feedback", listed)
        assert services.feedback is not None
        [reviewed] = await services.feedback.list()
    said = listed.getvalue()
    assert "F1: Drafting should have been Creative direction" in said
    assert "accept F1 / reject F1" in said
    assert "Feedback F1 accepted" in said
    assert said.rstrip().endswith("No feedback is waiting for review.")
    assert reviewed.state == "accepted"
