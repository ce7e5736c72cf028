"""Drafting end to end: request -> job -> real openai client -> local LLM server -> fake Slack."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as aioredis

from bot.ai.guard import RoutedToPerson
from bot.ai.model import ReplyTarget
from bot.ai.notes import AiNote
from handlers.common.ai_text import ai_text, outcome_text
from handlers.slack.ai_delivery import (
    DRAFT_DISCARD_ACTION,
    DRAFT_REGENERATE_ACTION,
    DRAFT_USE_ACTION,
)
from tests.ai.conftest import AiRig, decision, start_rig
from tests.ai.fake_llm import FakeLlm, Step
from tests.slack.slack_fake import Call, FakeSlack

pytestmark = pytest.mark.store

REQUEST = "Draft a LinkedIn post announcing our spring webinar on email deliverability"


async def drafts_shown(rig: AiRig, count: int = 1) -> list[Call]:
    """The messages that reached the requester through the command's response_url."""
    await rig.slack.wait_for(lambda calls: sum(c.method == "response_url" for c in calls) >= count)
    return rig.slack.of("response_url")


async def test_a_drafting_request_brings_the_draft_to_the_requester(rig: AiRig) -> None:
    rig.llm.default_answer = "Join our spring webinar: inbox placement, minus the guesswork."
    outcome = await rig.ai.handle(
        actor=rig.actor, text=REQUEST, decision=decision(), reply_to=rig.reply_to()
    )
    assert (outcome.kind, outcome_text(outcome)) == ("drafting", ai_text(AiNote(kind="drafting")))

    [card] = await drafts_shown(rig)
    assert "inbox placement, minus the guesswork" in card.blocks_text()
    assert card.action_ids() == [DRAFT_USE_ACTION, DRAFT_REGENERATE_ACTION, DRAFT_DISCARD_ACTION]
    assert card.args["response_type"] == "ephemeral"
    assert rig.llm.prompts() == [REQUEST]


async def test_the_system_prompt_carries_the_policy_guidance(rig: AiRig) -> None:
    await rig.ai.handle(actor=rig.actor, text=REQUEST, decision=decision(), reply_to=rig.reply_to())
    await drafts_shown(rig)
    system = next(m["content"] for m in rig.llm.requests[0]["messages"] if m["role"] == "system")
    guidance = rig.policy.file.guidance
    assert guidance.tone in system
    assert all(rule in system for rule in guidance.never)


async def test_use_it_regenerate_and_discard(rig: AiRig) -> None:
    rig.llm.then(Step(answer="First take."), Step(answer="Second take."))
    await rig.ai.handle(actor=rig.actor, text=REQUEST, decision=decision(), reply_to=rig.reply_to())
    [first] = await drafts_shown(rig)
    draft_id = first.blocks()[-1]["elements"][0]["value"]

    assert "another draft" in ai_text(await rig.ai.regenerate(draft_id=draft_id, actor=rig.actor))
    second = (await drafts_shown(rig, 2))[1]
    assert "Second take." in second.blocks_text()
    new_id = second.blocks()[-1]["elements"][0]["value"]

    used, note = await rig.ai.use_draft(draft_id=new_id, actor=rig.actor)

    message = ai_text(note)
    assert used is not None and used.text == "Second take." and used.state == "used"
    assert "ready to paste" in message
    _, note = await rig.ai.use_draft(draft_id=draft_id, actor=rig.actor)
    message = ai_text(note)
    assert "was discarded" in message  # issue 15: used, discarded and expired say which
    discarded = await rig.ai.discard(draft_id=new_id, actor=rig.actor)
    assert "already used" in ai_text(discarded)


async def test_a_double_click_on_schedule_it_schedules_once(rig: AiRig) -> None:
    rig.slack.channels_by_name["marketing"] = "C0MARKETING"
    text = "Schedule the newsletter teaser for tomorrow 9am in #marketing"
    await rig.ai.handle(
        actor=rig.actor,
        text=text,
        decision=decision(category="scheduling"),
        reply_to=rig.reply_to(),
    )
    [card] = await drafts_shown(rig)
    draft_id = card.blocks()[-1]["elements"][0]["value"]
    first, second = await asyncio.gather(
        rig.ai.use_draft(draft_id=draft_id, actor=rig.actor),
        rig.ai.use_draft(draft_id=draft_id, actor=rig.actor),
    )
    assert len(rig.slack.of("chat.scheduleMessage")) == 1
    said = (ai_text(note) for _, note in (first, second))
    assert sorted(m.split(" ")[0] for m in said) == ["Scheduled", "This"]


async def test_discard_then_nothing_else_works(rig: AiRig) -> None:
    await rig.ai.handle(actor=rig.actor, text=REQUEST, decision=decision(), reply_to=rig.reply_to())
    [card] = await drafts_shown(rig)
    draft_id = card.blocks()[-1]["elements"][0]["value"]
    assert ai_text(await rig.ai.discard(draft_id=draft_id, actor=rig.actor)) == "Draft discarded."
    draft, note = await rig.ai.use_draft(draft_id=draft_id, actor=rig.actor)
    message = ai_text(note)
    assert draft is None and "was discarded" in message


async def test_someone_else_cannot_use_the_draft(rig: AiRig) -> None:
    await rig.ai.handle(actor=rig.actor, text=REQUEST, decision=decision(), reply_to=rig.reply_to())
    [card] = await drafts_shown(rig)
    draft_id = card.blocks()[-1]["elements"][0]["value"]
    other = rig.actor.model_copy(update={"user_id": "U0OTHER"})
    draft, note = await rig.ai.use_draft(draft_id=draft_id, actor=other)
    message = ai_text(note)
    assert draft is None and "Only the person who asked" in message


async def test_a_500_is_retried_by_the_job_and_the_draft_still_arrives(rig: AiRig) -> None:
    rig.llm.then(Step(status=500), Step(answer="Made it on the second try."))
    await rig.ai.handle(actor=rig.actor, text=REQUEST, decision=decision(), reply_to=rig.reply_to())
    [card] = await drafts_shown(rig)
    assert "Made it on the second try." in card.blocks_text()
    assert len(rig.llm.requests) == 2


@pytest.mark.parametrize("failure", [Step(status=500), Step(hang_s=3.0)], ids=["500", "timeout"])
async def test_an_llm_that_keeps_failing_is_retried_then_the_requester_is_told(
    rig: AiRig, failure: Step
) -> None:
    rig.llm.then(failure, failure, failure)
    d = decision()
    await rig.ai.handle(actor=rig.actor, text=REQUEST, decision=d, reply_to=rig.reply_to())
    [notice] = await drafts_shown(rig)
    assert "could not write that draft" in notice.blocks_text()
    assert "Nothing was posted" in notice.blocks_text()
    assert notice.action_ids() == []
    assert len(rig.llm.requests) == 3  # three tries, then the requester hears about it
    assert rig.audit.of(d.decision_id) == ["draft_queued", "draft_failed"]


async def test_a_crisis_request_never_reaches_the_llm(rig: AiRig) -> None:
    crisis = decision(route="human", category="crisis", layer="keyword")
    text = "A video of our product catching fire is going viral, write our public response"
    outcome = await rig.ai.handle(
        actor=rig.actor, text=text, decision=crisis, reply_to=rig.reply_to()
    )
    assert outcome.kind == "none"
    assert rig.ai.drafting is not None
    with pytest.raises(RoutedToPerson):
        await rig.ai.drafting.start(
            decision=crisis, actor=rig.actor, text=text, reply_to=rig.reply_to()
        )
    assert rig.ai.judge is not None
    judged = await rig.ai.judge.judge(decision=crisis, text=text)
    assert judged == crisis
    assert rig.llm.requests == []
    assert "llm_refused" in rig.audit.of(crisis.decision_id)


async def test_without_an_llm_the_requester_learns_how_to_turn_drafting_on(
    rig_without_llm: AiRig,
) -> None:
    rig = rig_without_llm
    outcome = await rig.ai.handle(
        actor=rig.actor, text=REQUEST, decision=decision(), reply_to=rig.reply_to()
    )
    assert (outcome.kind, outcome_text(outcome)) == ("no_llm", ai_text(AiNote(kind="no_llm")))
    assert "SHOULD_AI_LLM_BASE_URL" in outcome_text(outcome)


async def test_without_a_response_url_the_draft_is_an_ephemeral_in_the_channel(rig: AiRig) -> None:
    to = ReplyTarget(platform="slack", user_id=rig.actor.user_id, channel="C0GENERAL")
    await rig.ai.handle(actor=rig.actor, text=REQUEST, decision=decision(), reply_to=to)
    [card] = await rig.slack.wait_calls("chat.postEphemeral")
    assert card.args["channel"] == "C0GENERAL" and card.args["user"] == rig.actor.user_id
    assert DRAFT_USE_ACTION in card.action_ids()


async def test_with_nowhere_else_to_go_the_draft_is_a_direct_message(rig: AiRig) -> None:
    rig.slack.not_in_channel.add("C0PRIVATE")
    to = ReplyTarget(platform="slack", user_id=rig.actor.user_id, channel="C0PRIVATE")
    await rig.ai.handle(actor=rig.actor, text=REQUEST, decision=decision(), reply_to=to)
    await rig.slack.wait_for(lambda _: bool(rig.slack.dms_to(rig.actor.user_id)))
    [card] = rig.slack.dms_to(rig.actor.user_id)
    assert DRAFT_USE_ACTION in card.action_ids()


async def test_a_failed_delivery_is_retried_without_asking_the_llm_again(rig: AiRig) -> None:
    rig.slack.not_in_channel.add("C0PRIVATE")
    rig.slack.rate_limit("conversations.open", times=1)  # Slack says 429 to the first DM attempt
    to = ReplyTarget(platform="slack", user_id=rig.actor.user_id, channel="C0PRIVATE")
    await rig.ai.handle(actor=rig.actor, text=REQUEST, decision=decision(), reply_to=to)
    await rig.slack.wait_for(lambda _: bool(rig.slack.dms_to(rig.actor.user_id)))
    [card] = rig.slack.dms_to(rig.actor.user_id)
    assert DRAFT_USE_ACTION in card.action_ids()
    assert len(rig.llm.requests) == 1


async def test_with_redis_down_the_requester_is_told_nothing_was_queued(
    fake_llm: FakeLlm, fake_slack: FakeSlack
) -> None:
    """A real client to a port nothing listens on: the store is down, not faked."""
    dead_url = "redis://127.0.0.1:1/0"
    redis = aioredis.Redis.from_url(dead_url, decode_responses=True, socket_connect_timeout=0.5)
    async for rig in start_rig(redis=redis, redis_url=dead_url, llm=fake_llm, slack=fake_slack):
        outcome = await rig.ai.handle(
            actor=rig.actor, text=REQUEST, decision=decision(), reply_to=rig.reply_to()
        )
        assert (outcome.kind, outcome_text(outcome)) == (
            "error",
            ai_text(AiNote(kind="store_down")),
        )
    await redis.aclose()
    assert fake_llm.requests == []


async def test_a_wrong_key_is_reported_at_once_without_retrying(rig: AiRig) -> None:
    rig.llm.then(Step(status=401))
    await rig.ai.handle(actor=rig.actor, text=REQUEST, decision=decision(), reply_to=rig.reply_to())
    [notice] = await drafts_shown(rig)
    assert "the LLM refused the request (wrong key or model?)" in notice.blocks_text()
    assert "fake failure" not in notice.blocks_text()  # the endpoint's own words stay in the log
    assert len(rig.llm.requests) == 1
