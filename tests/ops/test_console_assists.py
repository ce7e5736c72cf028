"""AI help for an owner at the terminal (issue 19): `assist <escalation> <assist> [material]`
works only once the person typing holds the escalation; the prompt carries the category's why,
the assist's instruction, the policy's never-list and the owner's material."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.app import build_services
from handlers.console.notifier import ConsoleNotifier
from handlers.console.repl import handle_line
from tests.ai.fake_llm import last_system_prompt, serve_fake_llm
from tests.ops.test_console import CRISIS_WORD, settings_for

pytestmark = pytest.mark.store

STATEMENT = "We are aware of the zebra recall and are looking into it."


async def test_the_holder_asks_for_a_language_check_with_material_and_shares_it(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path
) -> None:
    pings = io.StringIO()
    async with serve_fake_llm() as llm:
        llm.default_answer = "- 'looking into it' is vague: say when the next update comes."
        settings = settings_for(
            redis_url, tmp_path, llm_base_url=llm.base_url, llm_api_key="k", llm_judge=False
        )
        async with build_services(settings, console=ConsoleNotifier(stream=pings)) as services:
            core, out = services.core, io.StringIO()
            await handle_line(core, f"{CRISIS_WORD} on the evening news", out)
            [escalation] = await services.escalations.list_open()

            await handle_line(core, f"assist {escalation.id} checklist", out)
            assert "opens once someone acknowledges" in out.getvalue()
            assert llm.requests == []

            await handle_line(core, f"ack {escalation.id}", out)
            assert f"assist {escalation.id} holding [...]" in out.getvalue()
            await handle_line(core, f"assist {escalation.id} holding {STATEMENT}", out)

            said = out.getvalue()
            assert "AI help to review: Holding statement for you to rewrite" in said
            assert "vague: say when the next update comes" in said
            [prompt] = llm.prompts()
            assert f"{CRISIS_WORD} on the evening news" in prompt and STATEMENT in prompt
            system = last_system_prompt(llm)
            assert services.holder.policy.categories["crisis"].why in system
            assert "DRAFT, NOT FOR PUBLICATION" in system  # the assist's instruction
            assert "Invent facts, figures, quotes" in system  # guidance.never
            assert system.endswith("Reply in English.")

            answer_id = re.findall(r"share ([0-9a-f]{32})", said)[-1]
            await handle_line(core, f"share {answer_id}", out)
            assert "Shared with the requester." in out.getvalue()
            assert "vague: say when the next update comes" in pings.getvalue()
            logged = [e.fields for e in await services.decision_log.tail(100) if e.kind == "ai"]
            events = [f["event"] for f in logged]
            assert events.count("assist") == 1 and events.count("assist_shared") == 1
            assert events.count("llm_refused") == 0  # the early press never reached the guard
            [early] = [f for f in logged if f["event"] == "assist_refused"]
            assert (early["why"], early["asked_by"]) == ("not_acknowledged", "console:console")


async def test_without_an_llm_the_assist_says_how_to_turn_it_on(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path
) -> None:
    settings = settings_for(redis_url, tmp_path)
    async with build_services(settings, console=ConsoleNotifier(stream=io.StringIO())) as services:
        out = io.StringIO()
        await handle_line(services.core, f"{CRISIS_WORD} on the evening news", out)
        [escalation] = await services.escalations.list_open()
        await handle_line(services.core, f"ack {escalation.id}", out)
        [acked] = await services.escalations.list_open()
        await handle_line(services.core, f"assist {escalation.id} checklist", out)
        [after] = await services.escalations.list_open()
    assert "SHOULD_AI_LLM_BASE_URL" in out.getvalue()
    assert (after.state, after.history) == ("acknowledged", acked.history)  # nothing else moved


async def test_an_unknown_assist_is_named_not_sent(
    redis: aioredis.Redis, redis_url: str, tmp_path: Path
) -> None:
    async with serve_fake_llm() as llm:
        settings = settings_for(redis_url, tmp_path, llm_base_url=llm.base_url, llm_judge=False)
        async with build_services(settings, console=ConsoleNotifier(stream=io.StringIO())) as s:
            out = io.StringIO()
            await handle_line(s.core, f"{CRISIS_WORD} on the evening news", out)
            [escalation] = await s.escalations.list_open()
            await handle_line(s.core, f"ack {escalation.id}", out)
            await handle_line(s.core, f"assist {escalation.id} horoscope", out)
    assert "not available" in out.getvalue()
    assert llm.requests == []
