"""The composition root end to end: requests through Services, /healthz and /metrics over
real HTTP, and what a requester is told when Redis stops mid-run."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
import redis.asyncio as aioredis

from bot.app import Services, build_services
from bot.escalations.model import Actor
from bot.server import bound_port, start_http
from bot.settings import Settings
from bot.store.embedded import EmbeddedRedis
from bot.store.escalations import RedisEscalationStore
from handlers.common.replies import reply_text
from handlers.console.notifier import ConsoleNotifier
from handlers.console.repl import handle_line
from tests.ops.conftest import add_keyword, copy_policies, sample

pytestmark = pytest.mark.store

ALICE = Actor(platform="slack", user_id="U0ALICE")
CONSOLE = Actor(platform="console", user_id="console")  # pings print on the console notifier
# Keywords these tests add to their policy copy, so the routes do not depend on tuning.
CRISIS_WORD = "zebra recall"
DRAFT_WORD = "quokka newsletter"


@asynccontextmanager
async def running(redis_url: str, tmp_path: Path, **extra: object) -> AsyncIterator[Services]:
    policy_dir = copy_policies(tmp_path)
    add_keyword(policy_dir, "crisis", CRISIS_WORD)
    add_keyword(policy_dir, "drafting", DRAFT_WORD)
    settings = Settings(
        redis_url=redis_url, policy_dir=policy_dir, data_dir=tmp_path / "data", http_port=0, **extra
    )  # type: ignore[arg-type]
    console = ConsoleNotifier(stream=io.StringIO())
    async with build_services(settings, console=console) as services:
        yield services


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        return resp.status, await resp.text()


async def test_healthz_and_metrics_over_http(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path
) -> None:
    async with running(redis_url, tmp_path) as services:
        runner = await start_http(services, port=0, host="127.0.0.1")
        base = f"http://127.0.0.1:{bound_port(runner)}"
        try:
            reply = await services.commands.handle(
                actor=CONSOLE, text=f"the {CRISIS_WORD} is all over the news", dedupe_key="Ev1"
            )
            assert reply.decision is not None and reply.intake is not None
            await services.intake.escalate(
                result=reply.intake, actor=CONSOLE, text="x", status_ref=None
            )

            status, body = await get(base + "/healthz")
            m_status, metrics = await get(base + "/metrics")
        finally:
            await runner.cleanup()

    assert status == 200
    assert '"redis": "ok"' in body and services.holder.current().revision in body
    assert m_status == 200
    assert 'should_ai_decisions_total{category="crisis",route="human"} 1.0' in metrics
    assert 'should_ai_escalations{state="open"} 1.0' in metrics
    assert 'should_ai_escalation_transitions_total{state="open"} 1.0' in metrics
    assert "should_ai_time_to_acknowledge_seconds_bucket" in metrics


async def test_a_retried_request_is_answered_once(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path
) -> None:
    async with running(redis_url, tmp_path) as services:
        first = await services.commands.handle(
            actor=ALICE, text=f"{CRISIS_WORD}: statement?", dedupe_key="Ev7"
        )
        retry = await services.commands.handle(
            actor=ALICE, text=f"{CRISIS_WORD}: statement?", dedupe_key="Ev7"
        )

    assert first.kind == "decision" and first.needs_escalation
    assert retry.kind == "duplicate" and retry.decision is None
    assert (
        sample(services.metrics, "should_ai_decisions_total", route="human", category="crisis") == 1
    )


async def test_rate_limited_user_is_told_to_wait(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path
) -> None:
    # AI work is rate limited; a request for a person never is (test_slack_rate_limits.py).
    routine = "schedule the newsletter for Tuesday 9am"
    async with running(redis_url, tmp_path, rate_limit_requests=2) as services:
        replies = [
            await services.commands.handle(actor=ALICE, text=routine, dedupe_key=f"E{i}")
            for i in range(3)
        ]

    assert [r.kind for r in replies] == ["decision", "decision", "refused"]
    assert "more than 2 requests" in reply_text(replies[2]) and "try again" in reply_text(
        replies[2]
    )


async def test_empty_and_huge_requests(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path
) -> None:
    async with running(redis_url, tmp_path) as services:
        empty = await services.commands.handle(actor=ALICE, text="   \n", dedupe_key="E1")
        huge_text = f"{CRISIS_WORD} " + "blah " * 200_000 + "\u200b\U0001f525 é"
        huge = await services.intake.submit(actor=ALICE, text=huge_text, dedupe_key="E2")
        [logged] = await services.decision_log.tail(1)

    assert empty.kind == "error" and "/should-ai" in reply_text(empty)
    assert huge.decision is not None and huge.truncated
    assert huge.decision.category == "crisis"
    assert len(logged.fields["text"]) <= 500


async def test_redis_stopped_mid_run_still_answers_and_says_contact_the_owner(
    own_redis: EmbeddedRedis, tmp_path: Path
) -> None:
    async with running(own_redis.url, tmp_path) as services:
        out = io.StringIO()
        await handle_line(services.core, f"draft the {DRAFT_WORD}", out)
        own_redis.kill()

        await handle_line(services.core, f"the {CRISIS_WORD} went viral, what do we say?", out)

        said = out.getvalue()
        assert "AI can do this (drafting)" in said
        assert "A person must own this (crisis)" in said
        assert "please contact Dana Whitfield" in said and "directly" in said
        assert "AI can do this (crisis" not in said
        assert services.intake.pending_escalations == 1
        queue = await services.commands.handle(actor=CONSOLE, text="queue", dedupe_key="q")
        assert queue.kind == "error" and "can't reach my store" in reply_text(queue)
        assert sample(services.metrics, "should_ai_escalations_deferred_total") == 1
        assert sample(services.metrics, "should_ai_store_errors_total", component="dedupe") >= 1
        assert (
            sample(services.metrics, "should_ai_decisions_total", route="human", category="crisis")
            == 1
        )

        # Redis comes back: the deferred escalation is stored and its owner pinged, not dropped.
        with EmbeddedRedis(own_redis.data_dir):
            for _ in range(300):
                if services.intake.pending_escalations == 0:
                    break
                await asyncio.sleep(0.1)
            stored = await RedisEscalationStore(services.redis).list_active()
            logged = [e for e in await services.decision_log.tail(50) if e.kind == "transition"]

    assert [e.category for e in stored] == ["crisis"]
    # ...and its opening is in the decision log and /metrics, once.
    assert [(e.fields["escalation_id"], e.fields["state"]) for e in logged] == [
        (stored[0].id, "open")
    ]
    assert sample(services.metrics, "should_ai_escalation_transitions_total", state="open") == 1
    assert isinstance(services.console.stream, io.StringIO)
    assert "PING Dana Whitfield" in services.console.stream.getvalue()


async def test_healthz_is_503_while_redis_is_down_and_metrics_still_answer(
    own_redis: EmbeddedRedis, tmp_path: Path
) -> None:
    async with running(own_redis.url, tmp_path) as services:
        runner = await start_http(services, port=0, host="127.0.0.1")
        base = f"http://127.0.0.1:{bound_port(runner)}"
        try:
            own_redis.kill()
            status, body = await get(base + "/healthz")
            m_status, metrics = await get(base + "/metrics")
        finally:
            await runner.cleanup()

    assert status == 503
    assert '"status": "unavailable"' in body and "ConnectionError" in body
    assert m_status == 200
    assert 'should_ai_store_errors_total{component="metrics"} 2.0' in metrics


async def test_odd_unicode_is_decided_and_logged(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path
) -> None:
    odd = f"\u202e{CRISIS_WORD}\u200d \ud83d broken surrogate \x00 nul, cafe\u0301 \U0001f525"
    async with running(redis_url, tmp_path, log_full_text=True) as services:
        result = await services.intake.submit(actor=ALICE, text=odd, dedupe_key="u1")
        [logged] = await services.decision_log.tail(1)

    assert result.decision is not None and result.decision.category == "crisis"
    assert logged.fields["decision_id"] == result.decision.decision_id
    assert "broken surrogate" in logged.fields["text"]
