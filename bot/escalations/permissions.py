"""Who may press Acknowledge, Reassign or Resolve on an escalation.

The current assignee, the category's backup and the admins (``SHOULD_AI_ADMINS``) may act. So
may the level-0 owner: their ping (with its buttons) stays in their DMs after the escalation
climbs past them, and an owner who turns up late should be able to take it back. Everyone else
is refused with a sentence that says who can act.
"""

from __future__ import annotations

from bot.escalations.climb import owner_of
from bot.escalations.errors import named
from bot.escalations.model import Actor, Escalation
from bot.escalations.people import actor_key
from bot.policy.model import Policy


def allowed_keys(policy: Policy, escalation: Escalation) -> list[str]:
    """Assignee keys allowed to act, besides admins, in the order a refusal names them."""
    cat = policy.categories.get(escalation.category)
    candidates = [escalation.assignee, owner_of(escalation), cat.backup if cat else None]
    keys: list[str] = []
    for key in candidates:
        if key and key not in keys:
            keys.append(key)
    return keys


def may_act(
    policy: Policy, escalation: Escalation, actor: Actor, admin_ids: frozenset[str]
) -> bool:
    if actor.user_id in admin_ids:
        return True
    return actor_key(policy, actor) in allowed_keys(policy, escalation)


def refusal(policy: Policy, escalation: Escalation) -> str:
    """The message shown to someone who may not act."""
    names = ", ".join(named(policy, k) for k in allowed_keys(policy, escalation))
    who = f"{names} or an admin" if names else "an admin"
    return f"Only {who} can act on escalation {escalation.id}."
