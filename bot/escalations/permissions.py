"""Who may act: the admins (``SHOULD_AI_ADMINS``), and who may press an escalation's buttons.

:class:`Admins` is the one reading of ``SHOULD_AI_ADMINS``, parsed once at start-up and used for
every admin check: the admin-only commands, the escalation buttons, and which admins each
adapter tells about a bad policy edit.

The current assignee, the category's backup and the admins may act on an escalation. So may the
level-0 owner: their ping (with its buttons) stays in their DMs after the escalation climbs past
them, and an owner who turns up late should be able to take it back. Everyone else is refused,
and told who can act.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.escalations.climb import owner_of
from bot.escalations.errors import Refusal
from bot.escalations.model import Actor, Escalation, Platform
from bot.escalations.people import actor_key
from bot.policy.model import Policy


class Admins(frozenset[str]):
    """The entries of ``SHOULD_AI_ADMINS``: ``<platform>:<user id>`` (``slack:U123``,
    ``discord:987``) names a user on that platform only; a bare user id (``U123``) matches that
    id on any chat platform. The person at the terminal of ``should-ai serve`` (the console)
    owns the process and is always an admin."""

    __slots__ = ()

    @classmethod
    def parse(cls, text: str) -> Admins:
        """``"slack:UADMIN, discord:123,U456"`` -> the three entries."""
        return cls(part.strip() for part in text.split(",") if part.strip())

    @classmethod
    def of(cls, entries: Iterable[str]) -> Admins:
        """``entries`` as :class:`Admins` (as they are, if they already are)."""
        return entries if isinstance(entries, Admins) else cls(entries)

    def includes(self, actor: Actor) -> bool:
        if actor.platform == "console":
            return True
        return f"{actor.platform}:{actor.user_id}" in self or actor.user_id in self

    def candidates(self, platform: Platform) -> list[str]:
        """The user ids an adapter may reach the admins at on ``platform``, sorted: the entries
        for that platform and the bare ones (the adapter keeps those shaped like its ids)."""
        prefix = f"{platform}:"
        bare = (e for e in self if ":" not in e)
        return sorted({*(e.removeprefix(prefix) for e in self if e.startswith(prefix)), *bare})


def allowed_keys(policy: Policy, escalation: Escalation) -> list[str]:
    """Assignee keys allowed to act, besides admins, in the order a refusal names them."""
    cat = policy.categories.get(escalation.category)
    candidates = [escalation.assignee, owner_of(escalation), cat.backup if cat else None]
    keys: list[str] = []
    for key in candidates:
        if key and key not in keys:
            keys.append(key)
    return keys


def may_act(policy: Policy, escalation: Escalation, actor: Actor, admin_ids: Iterable[str]) -> bool:
    """``admin_ids``: the :class:`Admins` the composition root parsed (a plain set of entries
    is read the same way)."""
    if Admins.of(admin_ids).includes(actor):
        return True
    return actor_key(policy, actor) in allowed_keys(policy, escalation)


def refusal(policy: Policy, escalation: Escalation) -> Refusal:
    """What someone who may not act is told: who may (the adapters word it)."""
    return Refusal("not_allowed", escalation.id, people=tuple(allowed_keys(policy, escalation)))
