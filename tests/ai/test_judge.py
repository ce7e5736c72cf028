"""The optional LLM judge: unsure requests only, and any failure leaves them with a person."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.ai.guard import GuardedLlm
from bot.ai.judge import Judge
from bot.ai.llm import LlmLimits, OpenAiChatModel
from bot.policy.loader import load_policy
from bot.policy.model import Decision, Policy
from bot.reader import UNCERTAIN_PREFIX
from tests.ai.conftest import POLICY_DIR, AiRig, RecordingAudit, decision
from tests.ai.fake_llm import FakeLlm, Step, serve_fake_llm

TEXT = "can you look at the thing for thursday"


def _policy(directory: Path = POLICY_DIR) -> Policy:
    return load_policy(directory)


async def run_judge(
    fake: FakeLlm, d: Decision, *, judge_timeout_s: float = 5.0, llm_timeout_s: float = 5.0
) -> tuple[Decision, RecordingAudit]:
    audit = RecordingAudit()
    model = OpenAiChatModel(
        base_url=fake.base_url,
        api_key=None,
        model="judge-model",
        limits=LlmLimits(timeout_s=llm_timeout_s, max_retries=0),
    )
    policy = _policy()
    judge = Judge(
        llm=GuardedLlm(model, audit=audit),
        policy=lambda: policy,
        audit=audit,
        timeout_s=judge_timeout_s,
    )
    try:
        return await judge.judge(decision=d, text=TEXT), audit
    finally:
        await model.aclose()


def unsure() -> Decision:
    return decision(route="human", category=None, layer="fallback")


async def test_an_uncertain_reading_is_unsure_too() -> None:
    async with serve_fake_llm(FakeLlm(default_answer="data")) as fake:
        before = decision(
            route="human",
            category="creative",
            layer="reader",
            detail=UNCERTAIN_PREFIX + "creative 0.21 (nearest example ...)",
        )
        judged, _ = await run_judge(fake, before)
    assert (judged.route, judged.category) == ("ai", "data")


async def test_a_routine_answer_routes_an_unsure_request_to_ai() -> None:
    async with serve_fake_llm(FakeLlm(default_answer="drafting")) as fake:
        before = unsure()
        judged, audit = await run_judge(fake, before)
    assert judged.route == "ai" and judged.category == "drafting"
    assert judged.reasons[-1].layer == "llm"
    assert judged.decision_id == before.decision_id
    assert "scheduling" in fake.requests[0]["messages"][0]["content"]  # the categories were listed
    assert audit.of(before.decision_id) == ["judge_answered"]


async def test_a_human_category_names_its_owner() -> None:
    async with serve_fake_llm(FakeLlm(default_answer="Crisis")) as fake:
        judged, _ = await run_judge(fake, unsure())
    assert judged.route == "human" and judged.category == "crisis"
    assert judged.owner is not None and judged.owner.id == "comms-lead"


@pytest.mark.parametrize(
    ("step", "timeouts"),
    [
        (Step(answer="I think it's probably drafting or data"), {}),
        (Step(status=500), {}),
        (Step(hang_s=2.0), {"judge_timeout_s": 0.2}),
        (Step(hang_s=2.0), {"llm_timeout_s": 0.2}),
    ],
    ids=["rambling", "500", "judge-timeout", "client-timeout"],
)
async def test_when_the_judge_cannot_say_a_person_decides(
    step: Step, timeouts: dict[str, float]
) -> None:
    async with serve_fake_llm() as fake:
        fake.then(step)
        before = unsure()
        judged, _ = await run_judge(fake, before, **timeouts)
    assert judged == before  # still the fallback: a person owns it


@pytest.mark.parametrize(
    "firm",
    [
        decision(route="human", category="ethics", layer="pattern"),
        decision(route="human", category="crisis", layer="reader", detail="crisis 0.56"),
    ],
    ids=["pattern", "firm-reading"],
)
async def test_a_firm_decision_is_never_sent_to_the_judge(firm: Decision) -> None:
    async with serve_fake_llm(FakeLlm(default_answer="drafting")) as fake:
        judged, audit = await run_judge(fake, firm)
    assert judged == firm
    assert fake.requests == []
    assert audit.of(firm.decision_id) == ["llm_refused", "judge_failed"]


@pytest.mark.store
async def test_aiwork_asks_the_judge_only_for_unsure_requests(rig: AiRig) -> None:
    rig.llm.default_answer = "support"
    firm = decision(category="drafting")
    assert await rig.ai.judge_unsure(decision=firm, text=TEXT) == firm
    assert rig.llm.requests == []
    judged = await rig.ai.judge_unsure(decision=unsure(), text=TEXT)
    assert (judged.route, judged.category) == ("ai", "support")


@pytest.mark.store
async def test_without_an_llm_unsure_requests_stay_with_a_person(rig_without_llm: AiRig) -> None:
    before = unsure()
    assert await rig_without_llm.ai.judge_unsure(decision=before, text=TEXT) == before
