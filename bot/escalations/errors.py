"""The escalation service's refusals; ``str(e)`` is a sentence for the user.

Adapters show the sentence as it is (these have not become values yet, unlike the status texts).
"""

from __future__ import annotations

from bot.errors import ShouldAiError
from bot.escalations.people import person_label
from bot.policy.model import Policy


class EscalationError(ShouldAiError):
    """Base of the escalation service's refusals; ``str(e)`` is a sentence for the user."""


class NotAllowed(EscalationError):
    """The person who pressed the button may not act on this escalation."""


class EscalationClosed(EscalationError):
    """The escalation is already resolved."""


class InvalidAction(EscalationError):
    """The action cannot be done as asked (reassign without a target, escalate an AI route)."""


class UnknownEscalation(EscalationError):
    """No escalation has this id."""


class NoNotifier(EscalationError):
    """No chat platform is registered to deliver pings for this escalation's platform."""


def named(policy: Policy, assignee: str) -> str:
    """How a refusal names ``assignee``: their name, else a mention Slack and Discord render.

    The refusals are still sentences made here, so they still hold this markup; it goes when
    they become values the adapters word, as the status notes did.
    """
    label = person_label(policy, assignee)
    if label.name is not None:
        return label.name
    return f"<@{label.user_id}>" if label.user_id is not None else label.key
