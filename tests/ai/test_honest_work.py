"""Data, personalization and support: no person needed, and the bot says plainly that the team's
own tools do them. Such a request never reaches the LLM, which could only invent the numbers."""

from __future__ import annotations

import asyncio

import pytest

from bot.reader.build import build_engine
from handlers.common.ai_text import outcome_text
from tests.ai.conftest import AiRig, decision

pytestmark = pytest.mark.store

DATA = "pull last month's open rates by segment and make a chart"


@pytest.mark.parametrize(
    ("category", "tool"),
    [("data", "analytics"), ("personalization", "CRM"), ("support", "help desk")],
)
async def test_an_honest_answer_and_no_llm_call(rig: AiRig, category: str, tool: str) -> None:
    outcome = await rig.ai.handle(
        actor=rig.actor, text=DATA, decision=decision(category=category), reply_to=rig.reply_to()
    )

    said = outcome_text(outcome)
    assert outcome.kind == "answered"
    assert "No person needs to own this" in said and tool in said
    await asyncio.sleep(0.3)  # a queued draft job would have reached the fake by now
    assert rig.llm.requests == []


async def test_the_real_policy_reads_a_data_request_as_data(rig: AiRig) -> None:
    decided = build_engine(rig.policy).decide(DATA)
    assert (decided.route, decided.category) == ("ai", "data")

    outcome = await rig.ai.handle(
        actor=rig.actor, text=DATA, decision=decided, reply_to=rig.reply_to()
    )

    assert "won't guess them" in outcome_text(outcome)
    assert rig.llm.requests == []


async def test_without_an_llm_the_answer_is_the_same(rig_without_llm: AiRig) -> None:
    outcome = await rig_without_llm.ai.handle(
        actor=rig_without_llm.actor,
        text=DATA,
        decision=decision(category="data"),
        reply_to=rig_without_llm.reply_to(),
    )
    assert outcome.kind == "answered"
    assert "No LLM" not in outcome_text(outcome)
