"""``should-ai eval FILE --second-look``: score the policy *with* the LLM's second look, through
whatever OpenAI-compatible endpoint the settings name, so a team measures its own model.

Each labelled request is decided as the bot decides it; a decision for AI whose category has AI
work (the ones the bot second-looks when serving) is shown to the LLM, and its answer is applied
as serve applies it: to a person on a yes or on anything it cannot use. The usual figures follow
(human recall, false escalations...), with how often the second look was asked, moved a request
and could not be used.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass
from typing import Any

from bot.ai.guard import GuardedLlm, NoAudit
from bot.ai.llm import OpenAiChatModel
from bot.ai.second_look import SecondLooker
from bot.cli.evaluate import LabelledItem, Outcome, Report, decided, report_of
from bot.errors import UsageError
from bot.policy.engine import PolicyEngine
from bot.policy.model import Decision
from bot.settings import Settings

_AT_ONCE = 4  # requests in flight to the endpoint


@dataclass
class LookStats:
    asked: int = 0
    to_person: int = 0
    unusable: int = 0  # malformed, slow or failed answers (each also sent to a person)

    def line(self) -> str:
        return (
            f"second look: asked on {self.asked} request(s), sent {self.to_person} to a person "
            f"({self.unusable} because the answer could not be used)"
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def evaluate_second_look(
    engine: PolicyEngine, items: list[LabelledItem], settings: Settings
) -> tuple[Report, LookStats]:
    model = OpenAiChatModel.from_settings(settings)
    if model is None:
        raise UsageError(
            "--second-look needs an LLM: set SHOULD_AI_LLM_BASE_URL (and SHOULD_AI_LLM_MODEL) "
            "or SHOULD_AI_LLM_API_KEY"
        )
    return asyncio.run(_run(engine, items, model, settings.llm_second_look_timeout))


async def _run(
    engine: PolicyEngine, items: list[LabelledItem], model: OpenAiChatModel, timeout_s: float
) -> tuple[Report, LookStats]:
    llm = GuardedLlm(model, audit=NoAudit())
    looker = SecondLooker(
        llm=llm, policy=lambda: engine.policy, audit=NoAudit(), timeout_s=timeout_s
    )
    stats = LookStats()
    gate = asyncio.Semaphore(_AT_ONCE)

    async def one(item: LabelledItem) -> Outcome:
        async with gate:
            return Outcome(item, await _looked(engine, looker, item.text, stats))

    try:
        outcomes = list(await asyncio.gather(*(one(item) for item in items)))
    finally:
        await llm.aclose()
    return report_of(engine.policy.revision, outcomes), stats


async def _looked(
    engine: PolicyEngine, looker: SecondLooker, text: str, stats: LookStats
) -> Decision | None:
    decision = decided(engine, text)
    if decision is None or decision.route != "ai" or not _has_ai_work(engine, decision):
        return decision
    stats.asked += 1
    looked = await looker.look(decision=decision, text=text)
    stats.to_person += looked.person
    stats.unusable += bool(looked.failure)
    return looked.decision


def _has_ai_work(engine: PolicyEngine, decision: Decision) -> bool:
    category = engine.policy.categories.get(decision.category or "")
    return category is None or category.work != "none"
