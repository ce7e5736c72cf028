"""Issue 12, defect 8: text past the cut was never classified but was sent to the LLM.

Intake cut every request at 4,000 characters before deciding, while the whole text went on to
the LLM: a crisis sentence at character 4,510 was drafted by AI and nobody was pinged. Now the
policy decides on the whole text up to the trained reader's reach, nothing past what was decided
on reaches an LLM (drafting and the judge alike), and a requester whose text was cut is told.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from bot.ai.llm import LlmLimits, OpenAiChatModel
from bot.ai.model import ReplyTarget
from bot.ai.service import AiWork
from bot.escalations.model import Actor
from bot.jobs import Jobs
from bot.policy.loader import load_policy
from bot.reader.layer import MAX_WINDOWS, WINDOW_STEP
from bot.settings import MAX_REQUEST_CHARS, Settings
from handlers.common.replies import truncated_text
from handlers.slack.ai_delivery import SlackDraftDelivery
from handlers.slack.client import make_client
from tests.ai.conftest import POLICY_DIR, decision
from tests.ai.fake_llm import FakeLlm, serve_fake_llm
from tests.slack.conftest import REQUESTER, SlackBot, serving
from tests.slack.slack_fake import FakeSlack

pytestmark = pytest.mark.store

FILLER = "Please draft a friendly newsletter about our spring collection and its new colours. "
CRISIS = "A customer video of our product catching fire is going viral, we need a statement now."


def _crisis_at(position: int) -> str:
    return (FILLER * (position // len(FILLER) + 1))[:position] + CRISIS


def test_the_default_cut_is_the_trained_readers_reach() -> None:
    assert Settings().max_request_chars == MAX_REQUEST_CHARS == MAX_WINDOWS * WINDOW_STEP


async def test_a_crisis_sentence_at_character_4510_goes_to_a_person(slack_bot: SlackBot) -> None:
    text = _crisis_at(4_510)

    assert await slack_bot.command(text) == 200

    assert len(await slack_bot.dms_to(slack_bot.slack_id("comms-lead"))) == 1
    escalation = await slack_bot.only_escalation()
    assert escalation.category == "crisis"
    [answer] = await slack_bot.answers_to(REQUESTER)
    assert truncated_text() not in answer.blocks_text()  # read whole: nothing was cut


async def test_a_requester_whose_text_was_cut_is_told(
    slack_bot: SlackBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOULD_AI_MAX_REQUEST_CHARS", "3000")
    async with serving(slack_bot.fake) as bot:
        assert await bot.command(_crisis_at(200) + " " + FILLER * 60) == 200
        [answer] = await bot.answers_to(REQUESTER)

    assert truncated_text() in answer.blocks_text()


@pytest.fixture
async def fake_llm() -> AsyncIterator[FakeLlm]:
    async with serve_fake_llm() as fake:
        yield fake


async def _ai_work(redis: Redis, jobs: Jobs, llm: FakeLlm, *, max_chars: int) -> AiWork:
    policy = load_policy(POLICY_DIR)
    model = OpenAiChatModel(
        base_url=llm.base_url,
        api_key="test-key",
        model="test-model",
        limits=LlmLimits(timeout_s=2.0, max_retries=0),
    )
    return AiWork(redis=redis, jobs=jobs, policy=lambda: policy, model=model, max_chars=max_chars)


async def test_no_llm_reads_past_what_was_decided_on(
    redis: Redis, redis_url: str, fake_llm: FakeLlm, fake_slack: FakeSlack
) -> None:
    secret = f"never-decided-{uuid.uuid4().hex}"
    text = FILLER * 10 + secret  # the secret starts well past the 300 characters decided on
    jobs = Jobs(redis_url, poll_delay=0.05)
    ai = await _ai_work(redis, jobs, fake_llm, max_chars=300)
    actor = Actor(platform="slack", user_id="U0ASKER")
    reply_to = ReplyTarget(
        platform="slack", user_id="U0ASKER", channel="C0", response_url=fake_slack.response_url("x")
    )
    ai.register_delivery(
        "slack", SlackDraftDelivery(make_client(token="xoxb-t", base_url=fake_slack.api_url))
    )
    worker = asyncio.create_task(jobs.run_worker())
    try:
        fake_llm.default_answer = "support"
        unsure = decision(route="human", category=None, layer="fallback")
        await ai.judge_unsure(decision=unsure, text=text)
        await ai.handle(actor=actor, text=text, decision=decision(), reply_to=reply_to)
        await fake_slack.wait_for(lambda _: len(fake_llm.requests) >= 2)  # the judge, the draft
    finally:
        await jobs.stop()
        worker.cancel()
        await ai.aclose()
        await jobs.aclose()

    assert not any(secret in json.dumps(r) for r in fake_llm.requests)
    assert any(FILLER.strip() in json.dumps(r) for r in fake_llm.requests[1:])  # the draft's ask
