"""The AI work a routine request gets is its category's ``ai_work`` in policy.yaml, not its name."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis
from pydantic import ValidationError

from bot.ai.notes import AiOutcome
from bot.policy.loader import load_policy
from bot.policy.model import Category, Policy
from handlers.common.ai_text import outcome_text
from tests.ai.conftest import POLICY_DIR, decision, start_rig
from tests.slack.slack_fake import FakeSlack

pytestmark = pytest.mark.store

REQUEST = 'Schedule "Our December issue is out!" for Tuesday 9am in #marketing'


def renamed(policy: Policy, old: str, new: str) -> Policy:
    """``policy`` with the category ``old`` called ``new``, everything else as it was."""
    categories = {new if k == old else k: c for k, c in policy.categories.items()}
    return policy.model_copy(
        update={"file": policy.file.model_copy(update={"categories": categories})}
    )


def with_work(policy: Policy, key: str, work: str) -> Policy:
    category = policy.categories[key].model_copy(update={"ai_work": work})
    categories = {**policy.categories, key: category}
    return policy.model_copy(
        update={"file": policy.file.model_copy(update={"categories": categories})}
    )


async def handled(
    policy: Policy, category: str, redis: aioredis.Redis, redis_url: str, slack: FakeSlack
) -> AiOutcome:
    """What the AI work does with REQUEST decided as ``category``, under ``policy``, no LLM."""
    outcomes = []
    async for rig in start_rig(
        redis=redis, redis_url=redis_url, llm=None, slack=slack, policy=policy
    ):
        asked = decision(category=category)
        outcomes.append(
            await rig.ai.handle(
                actor=rig.actor, text=REQUEST, decision=asked, reply_to=rig.reply_to()
            )
        )
    [outcome] = outcomes
    return outcome


async def test_a_renamed_scheduling_category_still_schedules(
    redis: aioredis.Redis, redis_url: str, fake_slack: FakeSlack
) -> None:
    policy = renamed(load_policy(POLICY_DIR), "scheduling", "posting")

    outcome = await handled(policy, "posting", redis, redis_url, fake_slack)

    assert outcome.kind == "confirm" and outcome.pending_id
    assert "Our December issue is out!" in outcome_text(outcome)


@pytest.mark.parametrize(("work", "kind"), [("draft", "no_llm"), ("none", "none")])
async def test_the_setting_decides_even_for_the_category_called_scheduling(
    redis: aioredis.Redis, redis_url: str, fake_slack: FakeSlack, work: str, kind: str
) -> None:
    policy = with_work(load_policy(POLICY_DIR), "scheduling", work)

    outcome = await handled(policy, "scheduling", redis, redis_url, fake_slack)

    assert outcome.kind == kind


def test_the_bundled_policy_states_the_work_of_every_ai_category() -> None:
    policy = load_policy(POLICY_DIR)
    works = {k: c.ai_work for k, c in policy.categories.items() if c.route == "ai"}
    assert works == {
        "scheduling": "schedule",
        "drafting": "draft",
        "data": "none",  # issue 15: the bot has no numbers, customers or tickets
        "personalization": "none",
        "support": "none",
    }
    assert all(policy.categories[k].tools for k in ("data", "personalization", "support"))
    assert {c.work for c in policy.categories.values() if c.route == "human"} == {"none"}


def test_a_category_a_person_owns_gets_no_ai_work() -> None:
    with pytest.raises(ValidationError, match="ai_work"):
        Category(route="human", label="Crisis", why="reputation", ai_work="draft")
    assert Category(route="human", label="Crisis", why="x", ai_work="none").work == "none"
    assert Category(route="ai", label="Data", why="x").work == "draft"
