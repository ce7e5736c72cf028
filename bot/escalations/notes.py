"""What the requester's status card says as an escalation moves.

Pure functions of the escalation and the policy, one per kind of news: pinged, acted on,
reassigned, climbed (or expired), and what happens next if nobody acknowledges.
"""

from __future__ import annotations

from bot.escalations.climb import owner_of
from bot.escalations.lifecycle import chain_of
from bot.escalations.model import Escalation
from bot.escalations.people import channel_name, display_name
from bot.policy.model import Policy


def pinged_assignee(policy: Policy, escalation: Escalation) -> str:
    """A new escalation's owner was pinged."""
    return f"Pinged {display_name(policy, escalation.assignee or '')}; waiting for them."


def pinged(policy: Policy, escalation: Escalation) -> str:
    """The current move's ping went out again (it was lost with a crashed replica)."""
    return f"Pinged {_target_name(policy, escalation)}; waiting for them."


def acted(policy: Policy, moved: Escalation) -> str:
    """Acknowledged or resolved, by whom."""
    by = display_name(policy, moved.history[-1].by or "")
    return f"{moved.state.capitalize()} by {by}."


def reassigned(policy: Policy, moved: Escalation) -> str:
    by = display_name(policy, moved.history[-1].by or "")
    return f"Reassigned by {by} to {display_name(policy, moved.assignee or '')}."


def climbed(policy: Policy, *, missed: Escalation, moved: Escalation, reason: str | None) -> str:
    """Nobody acknowledged ``missed`` (or its ping was refused, for ``reason``): it climbed."""
    who = _target_name(policy, missed)
    why = (
        f"No acknowledgement from {who}" if reason is None else f"Could not reach {who} ({reason})"
    )
    if moved.state == "expired":
        owner = display_name(policy, owner_of(moved) or "")
        return f"{why} and nobody is left to ask: please reach {owner}."
    return f"{why}: escalated to {_target_name(policy, moved)}."


def then(policy: Policy, escalation: Escalation, note: str) -> str:
    """``note``, and what happens if nobody acknowledges the ping that just went out."""
    chain = chain_of(policy, escalation)
    within = f"If nobody acknowledges within {_duration(chain.ack_seconds)}"
    step = chain.after(escalation.level)
    if step is None:
        return f"{note} {within}, the escalation expires."
    if step.kind == "person":
        return f"{note} {within}, it goes to {display_name(policy, step.key)}."
    return f"{note} {within}, it goes to {channel_name(policy, escalation.platform, step.key)}."


def _target_name(policy: Policy, escalation: Escalation) -> str:
    if escalation.assignee is not None:
        return display_name(policy, escalation.assignee)
    step = chain_of(policy, escalation).at(escalation.level)
    key = step.key if step else "?"
    return channel_name(policy, escalation.platform, key)


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.2g} s"
    if seconds < 120 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.0f} h"
