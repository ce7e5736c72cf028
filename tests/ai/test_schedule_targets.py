"""Scheduling says what it can do: Slack and Discord channels (and the console) are scheduled by
the bot; a post for another network goes to the networks hand-off when there is one, else the
requester is told plainly; a meeting request is answered honestly."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from bot.handoff import signing
from bot.policy.loader import load_policy
from bot.policy.model import Handoff, Policy
from handlers.common.ai_text import outcome_text
from tests.ai.conftest import POLICY_DIR, AiRig, decision, start_rig
from tests.ai.fake_llm import FakeLlm
from tests.ai.webhook_receiver import Receiver, serve_receiver
from tests.slack.slack_fake import FakeSlack

pytestmark = pytest.mark.store

INSTAGRAM = "programme le post instagram pour mardi 9h"


async def scheduled(rig: AiRig, text: str) -> str:
    outcome = await rig.ai.handle(
        actor=rig.actor, text=text, decision=decision(category="scheduling"),
        reply_to=rig.reply_to(),
    )  # fmt: skip
    return outcome_text(outcome)


@pytest.mark.parametrize(
    "text", ["book 30 min with the agency next week", "cale une réunion avec l'agence jeudi 10h"]
)
async def test_a_meeting_is_answered_honestly(rig: AiRig, text: str) -> None:
    said = await scheduled(rig, text)
    assert "I don't book meetings" in said and "calendar" in said
    assert rig.llm.requests == []


@pytest.mark.parametrize(
    ("text", "network"),
    [
        (INSTAGRAM, "Instagram"),
        ("Schedule a LinkedIn post for Monday 10am about the webinar", "LinkedIn"),
        ("schedule the tweet about the launch for friday 3pm", "X"),
    ],
)
async def test_another_network_without_a_handoff_is_told_plainly(
    rig: AiRig, text: str, network: str
) -> None:
    said = await scheduled(rig, text)
    assert f"I can't post on {network}" in said
    assert "Which channel" not in said
    assert rig.llm.requests == []


def with_networks_handoff(url: str) -> Policy:
    policy = load_policy(POLICY_DIR)
    hooks = {"social": Handoff(url=url, label="Buffer (through Zapier)", does="it queues the post")}
    file = policy.file.model_copy(update={"handoffs": hooks, "networks_handoff": "social"})
    return policy.model_copy(update={"file": file})


@pytest.fixture
async def handing(
    redis: aioredis.Redis, redis_url: str, fake_llm: FakeLlm, fake_slack: FakeSlack
) -> AsyncIterator[tuple[AiRig, Receiver]]:
    async with serve_receiver() as receiver:
        async for rig in start_rig(
            redis=redis,
            redis_url=redis_url,
            llm=fake_llm,
            slack=fake_slack,
            policy=with_networks_handoff(receiver.url),
        ):
            yield rig, receiver


async def test_another_network_goes_to_the_networks_handoff(
    handing: tuple[AiRig, Receiver],
) -> None:
    rig, receiver = handing
    rig.slack.user_tz[rig.actor.user_id] = "Europe/Paris"

    said = await scheduled(rig, INSTAGRAM)

    assert "Sent to Buffer (through Zapier): it queues the post" in said
    [got] = await receiver.wait_for(1)
    assert signing.verify("test-webhook-secret", got.headers, got.body, now=time.time())
    post = json.loads(got.body)["post"]
    assert post["network"] == "Instagram" and post["text"] == INSTAGRAM
    assert post["tz"] == "Europe/Paris" and post["post_at"] > time.time()
