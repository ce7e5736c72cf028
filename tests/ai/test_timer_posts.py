"""Discord has no scheduled messages: a timer job on the shared queue posts at the time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from bot.ai.model import ChannelMention, PostPlan, ReplyTarget
from bot.ai.service import AiWork
from bot.escalations.model import Actor
from bot.jobs import Jobs
from bot.policy.loader import load_policy
from handlers.common.ai_text import ai_text, outcome_text
from handlers.discord.ai_delivery import channel_mention as discord_channel_mention
from tests.ai.conftest import POLICY_DIR, RecordingAudit, decision

pytestmark = pytest.mark.store

ACTOR = Actor(platform="discord", user_id="300000000000000001")


class RecordingPoster:
    """Stands in for the Discord adapter's poster; the timer, queue and Redis are real."""

    def __init__(self) -> None:
        self.posts: asyncio.Queue[tuple[str, str]] = asyncio.Queue()

    async def post(self, *, channel_id: str, text: str) -> None:
        await self.posts.put((channel_id, text))

    def channel_mention(self, text: str) -> ChannelMention | None:
        return discord_channel_mention(text)  # the adapter's own reading of <#123>


@pytest.fixture
async def discord_ai(
    redis: aioredis.Redis, redis_url: str
) -> AsyncIterator[tuple[AiWork, RecordingPoster]]:
    policy = load_policy(POLICY_DIR)
    jobs = Jobs(redis_url, poll_delay=0.05)
    ai = AiWork(redis=redis, jobs=jobs, policy=lambda: policy, model=None, audit=RecordingAudit())
    poster = RecordingPoster()
    ai.register_poster("discord", poster)
    worker = asyncio.create_task(jobs.run_worker())
    try:
        yield ai, poster
    finally:
        await jobs.stop()
        worker.cancel()
        await jobs.aclose()


def soon(seconds: float) -> PostPlan:
    at = int(time.time() + seconds)
    return PostPlan(channel="200000000000000009", post_at=at, tz="UTC")


async def test_the_post_goes_out_when_its_time_comes(
    discord_ai: tuple[AiWork, RecordingPoster],
) -> None:
    ai, poster = discord_ai
    post = await ai.scheduling.schedule(
        decision_id="d1", requester=ACTOR, text="Webinar starts in one hour!", plan=soon(1.5)
    )
    assert poster.posts.empty()
    got = await asyncio.wait_for(poster.posts.get(), timeout=15)
    assert got == ("200000000000000009", "Webinar starts in one hour!")
    assert post.id  # once posted, it leaves /should-ai scheduled
    for _ in range(100):
        if not await ai.list_scheduled(actor=ACTOR):
            break
        await asyncio.sleep(0.05)
    assert await ai.list_scheduled(actor=ACTOR) == []


async def test_a_cancelled_post_never_goes_out(
    discord_ai: tuple[AiWork, RecordingPoster],
) -> None:
    ai, poster = discord_ai
    cancelled = await ai.scheduling.schedule(
        decision_id="d2", requester=ACTOR, text="cancelled", plan=soon(1.5)
    )
    await ai.scheduling.schedule(decision_id="d3", requester=ACTOR, text="kept", plan=soon(2.5))
    listed = await ai.list_scheduled(actor=ACTOR)
    assert [p.text for p in listed] == ["cancelled", "kept"]
    assert "Cancelled" in ai_text(await ai.cancel_scheduled(post_id=cancelled.id, actor=ACTOR))
    got = await asyncio.wait_for(poster.posts.get(), timeout=15)
    assert got[1] == "kept"
    assert poster.posts.empty()


async def test_a_discord_request_with_a_channel_mention_is_confirmed_then_queued(
    discord_ai: tuple[AiWork, RecordingPoster],
) -> None:
    ai, _ = discord_ai

    outcome = await ai.handle(
        actor=ACTOR,
        text='Schedule "Hello" tomorrow at 9am in <#200000000000000009>',
        decision=decision(category="scheduling"),
        reply_to=ReplyTarget(platform="discord", user_id=ACTOR.user_id),
    )
    assert outcome.kind == "confirm" and outcome.pending_id
    assert "(UTC)" in outcome_text(outcome)  # Discord gives no zone: the default applies
    message = ai_text(await ai.confirm_schedule(pending_id=outcome.pending_id, actor=ACTOR))
    assert message.startswith("Scheduled for 200000000000000009")
    [post] = await ai.list_scheduled(actor=ACTOR)
    assert post.platform_ref == f"ai-post-{post.id}"
