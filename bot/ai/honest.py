"""Saying plainly what the bot does not do itself (issue 15).

Data, personalization and support need no person, but the bot cannot do them: it has none of
the team's numbers, customers or tickets, and an LLM asked for them could only invent them. A
category with ``ai_work: none`` and a ``tools`` text answers that no person is needed and which
of the team's own tools does the work; its request never reaches an LLM.
"""

from __future__ import annotations

from bot.ai.notes import AiNote, AiOutcome
from bot.policy.model import Decision, Policy


def plainly(policy: Policy, decision: Decision) -> AiOutcome:
    """The outcome for an AI-routed request whose category's work the bot does not do."""
    category = policy.categories.get(decision.category or "")
    if category is None or category.route != "ai" or not category.tools:
        return AiOutcome(kind="none")
    note = AiNote(kind="own_tools", text=category.tools, detail=category.label)
    return AiOutcome(kind="answered", note=note)
