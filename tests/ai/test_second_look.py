"""The LLM's second look, through the real openai client and the local OpenAI-compatible fake:
it can move a request for AI to a person, never the reverse, and any answer it cannot use
(malformed, slow, an error) sends the request to a person."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from bot.ai.second_look import parse_answer, request_language
from handlers.common.ai_work_text import second_look_text
from tests.ai.conftest import AiRig, decision, start_rig
from tests.ai.fake_llm import FakeLlm, Step, last_system_prompt
from tests.slack.slack_fake import FakeSlack

pytestmark = pytest.mark.store

REQUEST = "Draft a short thank-you email to the attendees of yesterday's webinar"


def says(person: bool, category: str | None, reason: str) -> str:
    return json.dumps({"needs_person": person, "category": category, "reason": reason})


@pytest.fixture
async def quick(
    redis: aioredis.Redis, redis_url: str, fake_llm: FakeLlm, fake_slack: FakeSlack
) -> AsyncIterator[AiRig]:
    """A rig whose second look waits 0.3 s at most."""
    async for rig in start_rig(
        redis=redis,
        redis_url=redis_url,
        llm=fake_llm,
        slack=fake_slack,
        second_look_timeout_s=0.3,
    ):
        yield rig


async def test_it_turns_an_ai_route_into_a_person_when_the_llm_says_so(rig: AiRig) -> None:
    rig.llm.second_look_answer = says(True, "relationships", "It thanks a key client in person.")

    looked = await rig.ai.second_look(decision=decision(category="drafting"), text=REQUEST)

    assert looked is not None and looked.person
    assert looked.decision.route == "human" and looked.decision.category == "relationships"
    assert looked.decision.owner is not None and looked.decision.owner.id == "partnerships-lead"
    assert looked.decision.reasons[-1].layer == "llm"
    said = second_look_text(looked)
    assert "It thanks a key client in person." in said and looked.decision.owner.name in said
    assert rig.llm.second_looks() == [REQUEST]
    assert "second_look" in rig.audit.of(looked.decision.decision_id)


async def test_no_reason_for_a_person_leaves_the_ai_route(rig: AiRig) -> None:
    asked = decision(category="drafting")

    looked = await rig.ai.second_look(decision=asked, text=REQUEST)

    assert looked is not None and not looked.person and looked.decision == asked


async def test_it_never_sees_a_request_for_a_person(rig: AiRig) -> None:
    rig.llm.second_look_answer = says(False, None, "Routine.")
    crisis = decision(route="human", category="crisis", layer="keyword")

    assert await rig.ai.second_look(decision=crisis, text="the recall statement") is None
    assert rig.ai.second_looker is not None
    looked = await rig.ai.second_looker.look(decision=crisis, text="the recall statement")

    assert looked.person and looked.decision.route == "human"  # refused by the guard: a person
    assert rig.llm.requests == []


@pytest.mark.parametrize(
    "answer",
    [
        "Sure, a person should probably look at this.",
        '```json\n{"needs_person": false, "category": null, "reason": "ok"}\n```',
        '{"needs_person": "no", "category": null, "reason": "ok"}',
        '{"needs_person": false, "category": "nonsense", "reason": "ok"}',
        '{"needs_person": false, "reason": "ok"}',
        '{"needs_person": false, "category": null, "reason": ""}',
        "[false]",
    ],
)
async def test_a_malformed_answer_goes_to_a_person(rig: AiRig, answer: str) -> None:
    rig.llm.second_look_answer = answer

    looked = await rig.ai.second_look(decision=decision(category="drafting"), text=REQUEST)

    assert looked is not None and looked.person and looked.failure == "malformed"
    fallback = rig.policy.file.fallback.owner
    assert looked.decision.owner is not None and looked.decision.owner.id == fallback
    assert "not the one asked for" in second_look_text(looked)


async def test_a_slow_answer_goes_to_a_person(quick: AiRig) -> None:
    quick.llm.second_look_script.append(Step(answer=says(False, None, "ok"), hang_s=0.45))

    looked = await quick.ai.second_look(decision=decision(category="drafting"), text=REQUEST)

    assert looked is not None and looked.person and looked.failure == "timeout"
    assert "did not answer in time" in second_look_text(looked)


async def test_an_llm_error_goes_to_a_person(rig: AiRig) -> None:
    rig.llm.second_look_script.append(Step(status=500))

    looked = await rig.ai.second_look(decision=decision(category="drafting"), text=REQUEST)

    assert looked is not None and looked.person and looked.failure == "error"


async def test_the_prompt_names_the_policy_categories_in_the_request_language(rig: AiRig) -> None:
    await rig.ai.second_look(
        decision=decision(category="drafting"),
        text="Rédige le post LinkedIn pour annoncer notre webinaire de mardi",
    )
    french = last_system_prompt(rig.llm)
    await rig.ai.second_look(decision=decision(category="drafting"), text=REQUEST)
    english = last_system_prompt(rig.llm)

    assert "Tu relis" in french and "You check" in english
    for key, category in rig.policy.categories.items():
        if category.route == "human":
            assert f"- {key} ({category.label}): {category.why}" in french


async def test_a_category_answered_plainly_is_not_looked_at(rig: AiRig) -> None:
    assert await rig.ai.second_look(decision=decision(category="data"), text="open rates") is None
    assert rig.llm.requests == []


def test_the_language_of_a_request() -> None:
    assert request_language("programme le post pour mardi 9h dans #marketing") == "fr"
    assert request_language("schedule the post for Tuesday 9am in #marketing") == "en"


async def test_an_ai_category_named_by_the_llm_goes_to_the_fallback(rig: AiRig) -> None:
    rig.llm.second_look_answer = says(True, "drafting", "Odd one.")
    assert parse_answer(says(True, "drafting", "x"), rig.policy) == (True, None, "x")

    looked = await rig.ai.second_look(decision=decision(category="drafting"), text=REQUEST)

    assert looked is not None and looked.person and looked.decision.category is None
