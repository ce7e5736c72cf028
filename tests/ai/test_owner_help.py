"""OwnerHelp (issue 19) with a real Redis and the real openai client against the fake LLM: what a
holder's press does when they press twice, when the LLM is down, and what the prompt says."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from bot.ai.llm import LlmLimits, OpenAiChatModel
from bot.ai.owner_help import OwnerHelp
from bot.escalations.model import Actor, Escalation
from bot.policy.loader import load_policy
from bot.policy.model import Policy
from tests.ai.conftest import POLICY_DIR, RecordingAudit
from tests.ai.fake_llm import FakeLlm, Step, last_system_prompt, serve_fake_llm
from tests.ai.test_owner_help_guard import CRISIS_TEXT, escalation

pytestmark = pytest.mark.store

HOLDER = Actor(platform="console", user_id="comms-lead")  # the console names people by key


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy(POLICY_DIR)


@pytest.fixture
async def llm() -> AsyncIterator[FakeLlm]:
    async with serve_fake_llm() as fake:
        yield fake


def owner_help(
    redis: aioredis.Redis, policy: Policy, llm: FakeLlm, held: Escalation, audit: RecordingAudit
) -> OwnerHelp:
    async def get(escalation_id: str) -> Escalation | None:
        return held if escalation_id == held.id else None

    model = OpenAiChatModel(
        base_url=llm.base_url, api_key="k", model="m", limits=LlmLimits(timeout_s=5, max_retries=0)
    )
    return OwnerHelp(redis=redis, policy=lambda: policy, escalation=get, model=model, audit=audit)


async def test_a_double_press_asks_the_llm_once(
    redis: aioredis.Redis, policy: Policy, llm: FakeLlm
) -> None:
    help_ = owner_help(redis, policy, llm, escalation("acknowledged"), RecordingAudit())
    llm.then(Step(answer="the checklist", hang_s=0.5))
    try:
        first, second = await asyncio.gather(
            help_.ask(actor=HOLDER, escalation_id="E-7", assist="checklist", language="en"),
            help_.ask(actor=HOLDER, escalation_id="E-7", assist="checklist", language="en"),
        )
        assert sorted([first.kind, second.kind]) == ["answer", "busy"]
        assert len(llm.requests) == 1
        again = await help_.ask(
            actor=HOLDER, escalation_id="E-7", assist="checklist", language="en"
        )
        assert again.kind == "answer"  # once the first is answered, asking again works
    finally:
        await help_.aclose()


async def test_an_llm_that_fails_changes_nothing_and_says_so(
    redis: aioredis.Redis, policy: Policy, llm: FakeLlm
) -> None:
    audit = RecordingAudit()
    help_ = owner_help(redis, policy, llm, escalation("acknowledged"), audit)
    llm.then(Step(status=500))
    try:
        result = await help_.ask(actor=HOLDER, escalation_id="E-7", assist="facts", language="en")
    finally:
        await help_.aclose()
    assert result.kind == "llm_failed" and result.answer is None
    assert audit.of("dec-crisis") == ["assist"]  # the call was made, and logged


async def test_the_prompt_is_in_the_owners_language_with_the_policys_rules(
    redis: aioredis.Redis, policy: Policy, llm: FakeLlm
) -> None:
    help_ = owner_help(redis, policy, llm, escalation("acknowledged"), RecordingAudit())
    try:
        await help_.ask(
            actor=HOLDER, escalation_id="E-7", assist="holding", extra="notes", language="fr"
        )
    finally:
        await help_.aclose()
    system = last_system_prompt(llm)
    assert policy.categories["crisis"].why in system
    assert policy.categories["crisis"].assists["holding"].instruction_in("fr") in system
    for rule in policy.file.guidance.never:
        assert rule in system
    assert system.endswith("Reply in French.")
    assert llm.prompts() == [f"The request:\n{CRISIS_TEXT}\n\nMaterial from the owner:\nnotes"]
