"""The guard's second door (issue 19): a request routed to a person reaches the LLM only when
the person who holds its acknowledged escalation asks for one of its category's assists, and
every such call, or refusal, is in the decision log an admin reads."""

from __future__ import annotations

import time

import pytest
import redis.asyncio as aioredis

from bot.ai.guard import GuardedLlm, OwnerAsk, RoutedToPerson
from bot.ai.llm import LlmLimits, OpenAiChatModel
from bot.escalations.model import Escalation, State
from bot.observability.decision_log import DecisionLog
from bot.observability.metrics import Metrics
from tests.ai.conftest import decision
from tests.ai.fake_llm import FakeLlm, serve_fake_llm

pytestmark = pytest.mark.store

CRISIS_TEXT = "the recall video is everywhere, write our statement"


def escalation(state: State, assignee: str | None = "comms-lead") -> Escalation:
    return Escalation(
        id="E-7",
        decision_id="dec-crisis",
        policy_revision="rev",
        category="crisis",
        platform="slack",
        requester="slack:U0REQUESTER",
        text=CRISIS_TEXT,
        state=state,
        level=0,
        assignee=assignee,
        created_at=time.time(),
        due_at=None,
    )


async def _assist(fake: FakeLlm, log: DecisionLog, ask: OwnerAsk) -> str:
    model = OpenAiChatModel(
        base_url=fake.base_url, api_key=None, model="m", limits=LlmLimits(max_retries=0)
    )
    try:
        return await GuardedLlm(model, audit=log).assist(ask=ask, system="s", user=CRISIS_TEXT)
    finally:
        await model.aclose()


@pytest.mark.parametrize("state", ["open", "reassigned", "unanswered", "resolved"])
async def test_nothing_reaches_the_llm_before_someone_holds_the_escalation(
    redis: aioredis.Redis, state: State
) -> None:
    log = DecisionLog(redis, metrics=Metrics())
    ask = OwnerAsk(escalation=escalation(state), asker="comms-lead", assist="checklist")
    async with serve_fake_llm() as fake:
        with pytest.raises(RoutedToPerson):
            await _assist(fake, log, ask)
    assert fake.requests == []
    [entry] = await log.tail(10)
    assert entry.fields["event"] == "llm_refused" and entry.fields["purpose"] == "assist"
    assert entry.fields["escalation"] == "E-7" and entry.fields["asked_by"] == "comms-lead"


@pytest.mark.parametrize("asker", ["marketing-lead", "slack:U0REQUESTER", "slack:U0ADMIN"])
async def test_only_the_holder_may_ask_not_the_backup_the_requester_or_an_admin(
    redis: aioredis.Redis, asker: str
) -> None:
    log = DecisionLog(redis, metrics=Metrics())
    ask = OwnerAsk(escalation=escalation("acknowledged"), asker=asker, assist="checklist")
    async with serve_fake_llm() as fake:
        with pytest.raises(RoutedToPerson, match="only its holder"):
            await _assist(fake, log, ask)
    assert fake.requests == []
    assert [e.fields["event"] for e in await log.tail(10)] == ["llm_refused"]


async def test_the_holders_ask_reaches_the_llm_once_and_is_logged_with_who_what_and_which(
    redis: aioredis.Redis,
) -> None:
    log = DecisionLog(redis, metrics=Metrics())
    ask = OwnerAsk(escalation=escalation("acknowledged"), asker="comms-lead", assist="checklist")
    async with serve_fake_llm(FakeLlm(default_answer="1. Pause the ads.")) as fake:
        answer = await _assist(fake, log, ask)
    assert answer == "1. Pause the ads."
    assert fake.prompts() == [CRISIS_TEXT]
    [entry] = await log.tail(10)
    assert entry.kind == "ai" and entry.fields["decision_id"] == "dec-crisis"
    assert entry.fields["event"] == "assist"
    assert (entry.fields["asked_by"], entry.fields["assist"], entry.fields["escalation"]) == (
        "comms-lead",
        "checklist",
        "E-7",
    )


async def test_the_draft_and_judge_doors_still_refuse_a_human_decision(
    redis: aioredis.Redis,
) -> None:
    """The assist door takes an escalation, not a decision: a crisis decision still never gets
    drafted, whoever holds its escalation."""
    log = DecisionLog(redis, metrics=Metrics())
    crisis = decision(route="human", category="crisis", layer="keyword")
    async with serve_fake_llm() as fake:
        model = OpenAiChatModel(
            base_url=fake.base_url, api_key=None, model="m", limits=LlmLimits(max_retries=0)
        )
        guarded = GuardedLlm(model, audit=log)
        for purpose in ("draft", "judge"):
            with pytest.raises(RoutedToPerson):
                await guarded.ask(decision=crisis, purpose=purpose, system="s", user="x")  # type: ignore[arg-type]
        await model.aclose()
    assert fake.requests == []
