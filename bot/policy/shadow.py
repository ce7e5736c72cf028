"""Shadow mode: a category (or the whole policy) an admin tries without paging anyone.

A decision for a person in a shadowed category is answered as if the category were off: it
goes to the AI side (the AI category the request also matched, else a draft), nobody is
pinged, and what would have happened is kept as a :class:`WouldHave` for the decision log.

Only an explicit ``mode: shadow`` does this. A decision that also names a human category still
enforced keeps its person, and the fallback (the bot is unsure) is shadowed only when the whole
policy is: "when unsure, a person" holds everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.policy.model import Decision, Policy

SHADOW_AI_MAY = "All of it: this category is in shadow mode, so AI does it for now."


@dataclass(frozen=True)
class WouldHave:
    """What an enforced policy would have done with a shadowed decision."""

    decision_id: str
    category: str | None  # None: the policy's fallback
    owner: str | None  # person key
    owner_name: str | None


@dataclass(frozen=True)
class Shadowed:
    decision: Decision  # what the requester gets: the AI side
    would_have: WouldHave


def shadow_categories(policy: Policy) -> frozenset[str]:
    """The human categories in shadow (all of them when the whole policy is)."""
    whole = policy.file.mode == "shadow"
    return frozenset(
        name
        for name, category in policy.categories.items()
        if category.route == "human" and (whole or category.mode == "shadow")
    )


def apply_shadow(policy: Policy, decision: Decision) -> Shadowed | None:
    """The decision as shadow mode answers it, or None when it stands as decided."""
    if decision.route != "human" or not _shadowed(policy, decision):
        return None
    owner = decision.owner
    would = WouldHave(
        decision_id=decision.decision_id,
        category=decision.category,
        owner=owner.id if owner else None,
        owner_name=owner.name if owner else None,
    )
    ai_side = [n for n in decision.categories if _route(policy, n) == "ai"]
    answered = decision.model_copy(
        update={
            "route": "ai",
            "category": ai_side[0] if ai_side else None,
            "categories": tuple(ai_side),
            "owner": None,
            "why": "",
            "ai_may": SHADOW_AI_MAY,
        }
    )
    return Shadowed(decision=answered, would_have=would)


def _shadowed(policy: Policy, decision: Decision) -> bool:
    if decision.category is None:  # the fallback: unsure stays with a person unless all is shadow
        return policy.file.mode == "shadow"
    shadowed = shadow_categories(policy)
    human = [n for n in decision.categories if _route(policy, n) == "human"]
    return decision.category in shadowed and all(n in shadowed for n in human)


def _route(policy: Policy, name: str) -> str | None:
    category = policy.categories.get(name)
    return category.route if category is not None else None
