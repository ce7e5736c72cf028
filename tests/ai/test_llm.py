"""The real ``openai`` client against a local OpenAI-compatible server."""

from __future__ import annotations

import pytest

from bot.ai.llm import LlmLimits, LlmRejected, LlmUnavailable, OpenAiChatModel, bound
from tests.ai.fake_llm import FakeLlm, Step, serve_fake_llm


def model_for(fake: FakeLlm, **limits: float) -> OpenAiChatModel:
    return OpenAiChatModel(
        base_url=fake.base_url,
        api_key=None,
        model="test-model",
        limits=LlmLimits(**limits),  # type: ignore[arg-type]
    )


async def test_answer_comes_back_from_the_endpoint() -> None:
    async with serve_fake_llm(FakeLlm(default_answer="Hello from the model")) as fake:
        model = model_for(fake)
        answer = await model.complete(system="be brief", user="say hello")
        await model.aclose()
    assert answer == "Hello from the model"
    assert fake.requests[0]["model"] == "test-model"
    assert fake.prompts() == ["say hello"]


async def test_a_500_is_retried_by_the_client_then_answers() -> None:
    async with serve_fake_llm() as fake:
        fake.then(Step(status=500), Step(answer="second time lucky"))
        model = model_for(fake, max_retries=2)
        answer = await model.complete(system="s", user="u")
        await model.aclose()
    assert answer == "second time lucky"
    assert len(fake.requests) == 2


async def test_persistent_500_raises_unavailable_after_retries() -> None:
    async with serve_fake_llm() as fake:
        fake.then(*[Step(status=500)] * 3)
        model = model_for(fake, max_retries=1)
        with pytest.raises(LlmUnavailable):
            await model.complete(system="s", user="u")
        await model.aclose()
    assert len(fake.requests) == 2


async def test_a_hung_endpoint_times_out_as_unavailable() -> None:
    async with serve_fake_llm() as fake:
        fake.then(Step(hang_s=5.0))
        model = model_for(fake, timeout_s=0.2, max_retries=0)
        with pytest.raises(LlmUnavailable):
            await model.complete(system="s", user="u")
        await model.aclose()


async def test_a_bad_key_is_rejected_without_retrying() -> None:
    async with serve_fake_llm() as fake:
        fake.then(Step(status=401))
        model = model_for(fake, max_retries=2)
        with pytest.raises(LlmRejected):
            await model.complete(system="s", user="u")
        await model.aclose()
    assert len(fake.requests) == 1


async def test_prompt_and_answer_are_bounded() -> None:
    async with serve_fake_llm(FakeLlm(default_answer="x" * 5000)) as fake:
        model = model_for(fake, max_prompt_chars=1000, max_answer_chars=300)
        answer = await model.complete(system="rules", user="y" * 10_000)
        await model.aclose()
    assert len(fake.prompts()[0]) <= 1000
    assert len(answer) == 300 and answer.endswith("[...]")


def test_bound_keeps_short_text_whole() -> None:
    assert bound("short", 10) == "short"


async def test_a_model_that_wants_max_completion_tokens_still_answers() -> None:
    async with serve_fake_llm(FakeLlm(default_answer="ok", reasoning_model=True)) as fake:
        model = model_for(fake)
        assert await model.complete(system="s", user="first") == "ok"
        assert await model.complete(system="s", user="second") == "ok"
        await model.aclose()
    sent = [sorted(k for k in r if k.startswith("max_")) for r in fake.requests]
    assert sent == [["max_tokens"], ["max_completion_tokens"], ["max_completion_tokens"]]
    assert fake.requests[1]["max_completion_tokens"] == LlmLimits().max_answer_tokens
