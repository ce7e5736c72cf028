"""The guard, seen from the decision log an admin reads (``should-ai log tail``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.ai.guard import GuardedLlm, RoutedToPerson
from bot.ai.llm import LlmLimits, OpenAiChatModel
from bot.observability.decision_log import DecisionLog
from bot.observability.metrics import Metrics
from tests.ai.conftest import decision
from tests.ai.fake_llm import serve_fake_llm

pytestmark = pytest.mark.store


async def test_a_refused_llm_call_is_in_the_decision_log_and_never_sent(
    redis: aioredis.Redis,
) -> None:
    log = DecisionLog(redis, metrics=Metrics())
    crisis = decision(route="human", category="crisis", layer="keyword")
    async with serve_fake_llm() as fake:
        model = OpenAiChatModel(
            base_url=fake.base_url, api_key=None, model="m", limits=LlmLimits(max_retries=0)
        )
        guarded = GuardedLlm(model, audit=log)
        with pytest.raises(RoutedToPerson):
            await guarded.ask(decision=crisis, purpose="draft", system="s", user="crisis text")
        await model.aclose()
    assert fake.requests == []
    [entry] = await log.tail(10)
    assert entry.kind == "ai" and entry.fields["decision_id"] == crisis.decision_id
    assert entry.fields["event"] == "llm_refused"
    assert "llm_refused" in entry.summary() and crisis.decision_id in entry.summary()


def test_the_guard_is_the_only_code_that_calls_the_llm() -> None:
    """One door: nothing in bot/ or handlers/ reaches the model except GuardedLlm.ask."""
    root = Path(__file__).resolve().parents[2]
    callers = {
        str(path.relative_to(root))
        for folder in ("bot", "handlers")
        for path in (root / folder).rglob("*.py")
        if re.search(r"\.complete\(|chat\.completions|AsyncOpenAI\(", path.read_text("utf-8"))
    }
    assert callers == {"bot/ai/guard.py", "bot/ai/llm.py"}
