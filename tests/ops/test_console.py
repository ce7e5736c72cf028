"""`should-ai serve` with no chat tokens: requests typed in the terminal get the same answers,
pings print on the console, and with an LLM configured the draft shows up there too."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.app import Services, build_services
from bot.escalations.model import Escalation
from bot.settings import Settings
from handlers.common.replies import reply_text
from handlers.console.notifier import ConsoleNotifier
from handlers.console.repl import CONSOLE_ACTOR, handle_line
from tests.ai.fake_llm import FakeLlm, serve_fake_llm
from tests.ops.conftest import add_keyword, copy_policies

pytestmark = pytest.mark.store

CRISIS_WORD = "zebra recall"
DRAFT_WORD = "quokka newsletter"


def settings_for(redis_url: str, tmp_path: Path, **extra: object) -> Settings:
    policy_dir = copy_policies(tmp_path)
    add_keyword(policy_dir, "crisis", CRISIS_WORD)
    add_keyword(policy_dir, "drafting", DRAFT_WORD)
    return Settings(redis_url=redis_url, policy_dir=policy_dir, data_dir=tmp_path / "data", **extra)  # type: ignore[arg-type]


async def crisis_acknowledged(redis_url: str, tmp_path: Path) -> tuple[str, str, Escalation]:
    """A crisis typed on the console, then `ack` of its escalation: what the console answered,
    what its notifier printed, and the escalation."""
    pings = io.StringIO()
    settings = settings_for(redis_url, tmp_path)
    async with build_services(settings, console=ConsoleNotifier(stream=pings)) as services:
        out = io.StringIO()
        await handle_line(services.core, f"{CRISIS_WORD} on the evening news", out)
        [escalation] = await services.escalations.list_open()
        await handle_line(services.core, f"ack {escalation.id}", out)
    return out.getvalue(), pings.getvalue(), escalation


async def test_console_escalates_and_the_owner_ping_prints(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path
) -> None:
    said, pings, escalation = await crisis_acknowledged(redis_url, tmp_path)

    assert "A person must own this (crisis): Dana Whitfield" in said
    assert f"Escalation {escalation.id} opened." in said
    assert f"Escalation {escalation.id} is now acknowledged." in said
    assert (
        f"PING Dana Whitfield (placeholder - communications lead) (comms-lead): "
        f"escalation {escalation.id}" in pings
    )


async def test_the_console_prints_plain_words_not_chat_markup(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path
) -> None:
    said, pings, escalation = await crisis_acknowledged(redis_url, tmp_path)

    printed = pings + said
    assert f"STATUS {escalation.id} (acknowledged): Acknowledged by console." in printed
    assert "<@" not in printed and "<#" not in printed


async def test_console_shows_the_llm_draft(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path
) -> None:
    pings = io.StringIO()
    async with serve_fake_llm() as llm:
        llm.default_answer = "Our quokka newsletter is out: three stories you will like."
        settings = settings_for(
            redis_url, tmp_path, llm_base_url=llm.base_url, llm_api_key="test-key", llm_judge=False
        )
        async with build_services(settings, console=ConsoleNotifier(stream=pings)) as services:
            worker = asyncio.create_task(services.jobs.run_worker())
            out = io.StringIO()
            await handle_line(services.core, f"draft the {DRAFT_WORD} intro", out)
            for _ in range(300):
                if "DRAFT " in pings.getvalue():
                    break
                await asyncio.sleep(0.1)
            await services.jobs.stop()
            await worker

    assert "AI can do this (drafting)" in out.getvalue()
    assert "Drafting it now" in out.getvalue()
    assert "three stories you will like" in pings.getvalue()


async def test_unsure_request_goes_to_the_llm_judge_and_is_logged_once(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path
) -> None:
    async with serve_fake_llm() as llm:
        llm.default_answer = "data"
        settings = settings_for(
            redis_url, tmp_path, llm_base_url=llm.base_url, llm_api_key="test-key"
        )
        async with build_services(settings, console=ConsoleNotifier(stream=io.StringIO())) as s:
            result = await s.intake.submit(
                actor=CONSOLE_ACTOR, text="flibbertigibbet the wobblegong", dedupe_key="j1"
            )
            entries = await s.decision_log.tail(10)

    assert result.decision is not None
    assert (result.decision.route, result.decision.category) == ("ai", "data")
    assert result.decision.reasons[-1].layer == "llm"
    decisions = [e for e in entries if e.kind == "decision"]
    assert [(e.fields["route"], e.fields["category"]) for e in decisions] == [("ai", "data")]
    assert len(llm.requests) == 1


async def test_a_keyword_match_never_asks_the_llm(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path
) -> None:
    async with serve_fake_llm() as llm:
        llm.default_answer = "drafting"
        settings = settings_for(
            redis_url, tmp_path, llm_base_url=llm.base_url, llm_api_key="test-key"
        )
        async with build_services(settings, console=ConsoleNotifier(stream=io.StringIO())) as s:
            result = await s.intake.submit(
                actor=CONSOLE_ACTOR, text=f"{CRISIS_WORD} now", dedupe_key="j2"
            )

    assert result.decision is not None and result.decision.category == "crisis"
    assert llm.requests == []


@asynccontextmanager
async def judged_by_llm(
    redis_url: str, tmp_path: Path, *, answer: str
) -> AsyncIterator[tuple[Services, FakeLlm]]:
    """The bot with the LLM judge on, against a fake LLM that answers ``answer``."""
    async with serve_fake_llm() as llm:
        llm.default_answer = answer
        extra = {"llm_base_url": llm.base_url, "llm_api_key": "test-key"}
        console = ConsoleNotifier(stream=io.StringIO())
        async with build_services(settings_for(redis_url, tmp_path, **extra), console=console) as s:
            yield s, llm


async def test_why_explains_the_decision_the_request_gets_judge_included(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path
) -> None:
    async with judged_by_llm(redis_url, tmp_path, answer="data") as (services, _):
        ask = services.commands.handle
        why = await ask(
            actor=CONSOLE_ACTOR, text="why flibbertigibbet the wobblegong", dedupe_key="w1"
        )
        asked = await ask(
            actor=CONSOLE_ACTOR, text="flibbertigibbet the wobblegong", dedupe_key="w2"
        )

    assert why.kind == "why" and why.decision is not None and asked.decision is not None
    assert (why.decision.route, why.decision.category) == (asked.decision.route, "data")
    # What the requester is told, then the reasons.
    assert reply_text(why).startswith(reply_text(asked))
    assert "AI can do this (data)" in reply_text(why)
    assert "- llm [data]: the LLM judge read this as data" in reply_text(why)
