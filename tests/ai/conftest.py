"""The AI work wired as in production: real Redis and job worker, the real ``openai`` client
against a local OpenAI-compatible server, and slack_sdk against [slack]'s fake Slack Web API."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from slack_sdk.web.async_client import AsyncWebClient

from bot.ai.llm import LlmLimits, OpenAiChatModel
from bot.ai.model import ReplyTarget
from bot.ai.service import AiWork
from bot.escalations.model import Actor
from bot.jobs import Jobs
from bot.policy.loader import load_policy
from bot.policy.model import Decision, Owner, Policy, Reason
from handlers.slack.ai_delivery import SlackDraftDelivery
from handlers.slack.ai_scheduler import SlackPostScheduler
from tests.ai.fake_llm import FakeLlm, serve_fake_llm
from tests.slack.slack_fake import FakeSlack

pytestmark = pytest.mark.store

POLICY_DIR = Path(__file__).resolve().parents[2] / "policies"
_ids = itertools.count(1)


class RecordingAudit:
    """Keeps what the AI work writes to the decision log, to assert on it."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, str]]] = []

    async def record_event(
        self, *, kind: str, decision_id: str, fields: dict[str, str]
    ) -> str | None:
        self.events.append((decision_id, fields))
        return str(len(self.events))

    def of(self, decision_id: str) -> list[str]:
        return [f["event"] for d, f in self.events if d == decision_id]


def decision(
    *,
    route: str = "ai",
    category: str | None = "drafting",
    layer: str = "reader",
    detail: str = "test",
) -> Decision:
    owner = Owner(id="comms-lead", name="Dana") if route == "human" and category else None
    return Decision.model_validate(
        {
            "decision_id": f"dec-{next(_ids)}",
            "route": route,
            "category": category,
            "categories": (category,) if category else (),
            "owner": owner,
            "confidence": 0.9,
            "reasons": (Reason(layer=layer, category=category, detail=detail),),  # type: ignore[arg-type]
            "ai_may": "",
            "policy_revision": "test-rev",
        }
    )


@dataclass
class AiRig:
    ai: AiWork
    llm: FakeLlm
    slack: FakeSlack
    audit: RecordingAudit
    policy: Policy
    actor: Actor

    def reply_to(self, *, channel: str = "C0GENERAL") -> ReplyTarget:
        return ReplyTarget(
            platform="slack",
            user_id=self.actor.user_id,
            channel=channel,
            response_url=self.slack.response_url("cmd1"),
        )


@pytest.fixture
async def fake_llm() -> AsyncIterator[FakeLlm]:
    async with serve_fake_llm() as fake:
        yield fake


async def start_rig(
    *,
    redis: aioredis.Redis,
    redis_url: str,
    llm: FakeLlm | None,
    slack: FakeSlack,
    clock: Callable[[], float] = time.time,
    policy: Policy | None = None,
    second_look_timeout_s: float = 8.0,
    webhook_secret: str | None = "test-webhook-secret",
) -> AsyncIterator[AiRig]:
    policy = policy or load_policy(POLICY_DIR)
    jobs = Jobs(redis_url, poll_delay=0.05)
    model = (
        OpenAiChatModel(
            base_url=llm.base_url,
            api_key="test-key",
            model="test-model",
            limits=LlmLimits(timeout_s=0.5, max_retries=0),
        )
        if llm is not None
        else None
    )
    audit = RecordingAudit()
    ai = AiWork(
        redis=redis,
        jobs=jobs,
        policy=lambda: policy,
        model=model,
        audit=audit,
        default_tz="UTC",
        draft_retry_delay_s=0.05,
        clock=clock,
        second_look_timeout_s=second_look_timeout_s,
        webhook_secret=webhook_secret,
        webhook_retry_delay_s=0.05,
    )
    client = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
    ai.register_delivery("slack", SlackDraftDelivery(client))
    ai.register_scheduler("slack", SlackPostScheduler(client))
    worker = asyncio.create_task(jobs.run_worker())
    try:
        actor = Actor(platform="slack", user_id="U0ASKER")
        yield AiRig(ai, llm or FakeLlm(), slack, audit, policy, actor)
    finally:
        await jobs.stop()
        worker.cancel()
        await ai.aclose()
        await jobs.aclose()


@pytest.fixture
async def rig(
    redis: aioredis.Redis, redis_url: str, fake_llm: FakeLlm, fake_slack: FakeSlack
) -> AsyncIterator[AiRig]:
    async for r in start_rig(redis=redis, redis_url=redis_url, llm=fake_llm, slack=fake_slack):
        yield r


@pytest.fixture
async def rig_without_llm(
    redis: aioredis.Redis, redis_url: str, fake_slack: FakeSlack
) -> AsyncIterator[AiRig]:
    async for r in start_rig(redis=redis, redis_url=redis_url, llm=None, slack=fake_slack):
        yield r
