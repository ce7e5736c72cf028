"""Hand-offs: a category's request goes to the team's tool as signed JSON, retried after a 500,
each delivery in the decision log; the requester is told where it went."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from bot.errors import PolicyError
from bot.handoff import signing
from bot.policy.loader import load_policy
from bot.policy.model import Handoff, Policy
from handlers.common.ai_text import outcome_text
from tests.ai.conftest import POLICY_DIR, AiRig, decision, start_rig
from tests.ai.fake_llm import FakeLlm
from tests.ai.webhook_receiver import Receiver, serve_receiver
from tests.slack.slack_fake import FakeSlack

pytestmark = pytest.mark.store

SECRET = "test-webhook-secret"
REQUEST = "Export the list of subscribers who opened the spring newsletter"


def handing_data_to(url: str) -> Policy:
    policy = load_policy(POLICY_DIR)
    data = policy.categories["data"].model_copy(update={"ai_work": "handoff", "handoff": "bi"})
    hooks = {"bi": Handoff(url=url, label="the BI team's Make scenario", does="it runs the export")}
    file = policy.file.model_copy(
        update={"categories": {**policy.categories, "data": data}, "handoffs": hooks}
    )
    return policy.model_copy(update={"file": file})


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with serve_receiver() as r:
        yield r


@pytest.fixture
async def handing(
    redis: aioredis.Redis,
    redis_url: str,
    fake_llm: FakeLlm,
    fake_slack: FakeSlack,
    receiver: Receiver,
) -> AsyncIterator[AiRig]:
    async for rig in start_rig(
        redis=redis,
        redis_url=redis_url,
        llm=fake_llm,
        slack=fake_slack,
        policy=handing_data_to(receiver.url),
    ):
        yield rig


async def test_the_tool_receives_a_signed_payload_and_the_requester_where_it_went(
    handing: AiRig, receiver: Receiver
) -> None:
    asked = decision(category="data")
    outcome = await handing.ai.handle(
        actor=handing.actor, text=REQUEST, decision=asked, reply_to=handing.reply_to()
    )

    assert outcome.kind == "handed_off"
    assert "Sent to the BI team's Make scenario: it runs the export" in outcome_text(outcome)
    [got] = await receiver.wait_for(1)
    assert signing.verify(SECRET, got.headers, got.body, now=time.time())
    assert not signing.verify("another secret", got.headers, got.body, now=time.time())
    sent = json.loads(got.body)
    assert sent["event"] == "request" and sent["handoff"] == "bi"
    assert sent["request"] == {
        "text": REQUEST,
        "decision_id": asked.decision_id,
        "category": "data",
    }
    assert sent["requester"] == {"platform": "slack", "user_id": handing.actor.user_id}
    assert got.headers[signing.DELIVERY_HEADER] == sent["delivery_id"]
    assert handing.llm.prompts() == []


async def test_a_500_is_tried_again_with_the_same_delivery_id(
    handing: AiRig, receiver: Receiver
) -> None:
    receiver.statuses.extend([500, 502])
    asked = decision(category="data")
    await handing.ai.handle(
        actor=handing.actor, text=REQUEST, decision=asked, reply_to=handing.reply_to()
    )

    first, second, third = await receiver.wait_for(3)

    assert first.body == second.body == third.body
    assert signing.verify(SECRET, third.headers, third.body, now=time.time())
    await _until_logged(handing, asked.decision_id, "handoff_delivered")
    events = [
        (f["event"], f.get("status", "")) for d, f in handing.audit.events
        if d == asked.decision_id
    ]  # fmt: skip
    assert events == [
        ("handoff_queued", ""),
        ("handoff_attempt_failed", "500"),
        ("handoff_attempt_failed", "502"),
        ("handoff_delivered", "200"),
    ]


async def test_without_a_secret_nothing_is_sent_and_the_requester_is_told(
    redis: aioredis.Redis, redis_url: str, fake_slack: FakeSlack, receiver: Receiver
) -> None:
    async for rig in start_rig(
        redis=redis,
        redis_url=redis_url,
        llm=None,
        slack=fake_slack,
        policy=handing_data_to(receiver.url),
        webhook_secret=None,
    ):
        outcome = await rig.ai.handle(
            actor=rig.actor, text=REQUEST, decision=decision(category="data"),
            reply_to=rig.reply_to(),
        )  # fmt: skip
        assert "could not hand this to the BI team's Make scenario" in outcome_text(outcome)
    assert receiver.received == []


async def _until_logged(rig: AiRig, decision_id: str, event: str) -> None:
    async with asyncio.timeout(10):
        # The log is written just after the receiver answers; a short poll, bounded above.
        while event not in rig.audit.of(decision_id):  # noqa: ASYNC110
            await asyncio.sleep(0.02)


def test_the_policy_names_a_handoff_that_exists(tmp_path: Path) -> None:
    shutil.copytree(POLICY_DIR, tmp_path / "p")
    policy_yaml = tmp_path / "p" / "policy.yaml"
    text = policy_yaml.read_text(encoding="utf-8")
    policy_yaml.write_text(
        text.replace(
            "  data:\n    ai_work: none", "  data:\n    ai_work: handoff\n    handoff: bi"
        ),
        encoding="utf-8",
    )
    with pytest.raises(PolicyError, match="'bi' is not under handoffs") as raised:
        load_policy(tmp_path / "p")
    assert "policy.yaml" in str(raised.value) and "categories.data.handoff" in str(raised.value)

    policy_yaml.write_text(
        policy_yaml.read_text(encoding="utf-8")
        + "\nhandoffs:\n  bi:\n    url: https://hook.eu1.make.com/abc\n    label: Make\n",
        encoding="utf-8",
    )
    assert load_policy(tmp_path / "p").categories["data"].work == "handoff"


async def _webhook_test(policy_dir: Path, secret: str | None) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if k != "SHOULD_AI_WEBHOOK_SECRET"}
    if secret is not None:
        env["SHOULD_AI_WEBHOOK_SECRET"] = secret
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "webhook", "test", "--policy-dir", str(policy_dir),
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await process.communicate()
    return process.returncode or 0, out.decode()


async def test_webhook_test_sends_a_signed_sample(receiver: Receiver, tmp_path: Path) -> None:
    shutil.copytree(POLICY_DIR, tmp_path / "p")
    with (tmp_path / "p" / "policy.yaml").open("a", encoding="utf-8") as f:
        f.write(f"\nhandoffs:\n  social:\n    url: {receiver.url}\n    label: Buffer via Zapier\n")

    code, out = await _webhook_test(tmp_path / "p", SECRET)
    receiver.statuses.append(500)
    failed, said = await _webhook_test(tmp_path / "p", SECRET)
    unsigned, refused = await _webhook_test(tmp_path / "p", None)

    assert code == 0 and f"social ({receiver.url}): 200" in out
    got = receiver.received[0]
    assert signing.verify(SECRET, got.headers, got.body, now=time.time())
    assert json.loads(got.body)["event"] == "test"
    assert failed == 1 and ": 500" in said
    assert unsigned == 2 and "SHOULD_AI_WEBHOOK_SECRET" in refused
    assert len(receiver.received) == 2
