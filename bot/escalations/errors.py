"""The escalation service's refusals, as values: an error a person's action meets carries a
:class:`Refusal` (what was refused, and who may act instead), and the adapters put it in words
with their own markup for people (handlers/common/replies.py), as they do the status notes.
``str(e)`` is for logs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.errors import ShouldAiError

RefusalKind = Literal[
    "closed", "not_allowed", "no_target", "already_assigned", "unknown", "past_deadline"
]


@dataclass(frozen=True)
class Refusal:
    """Why an action on escalation ``escalation_id`` changed nothing.

    - ``closed``: it is already resolved;
    - ``not_allowed``: the person may not act; ``people`` may (person keys, in the order a
      refusal names them), and so may the admins;
    - ``no_target``: a reassign named nobody to give it to;
    - ``already_assigned``: a reassign to ``people[0]``, who already has it;
    - ``unknown``: there is no such escalation;
    - ``past_deadline``: a snooze would end after the category's deadline (snooze.py).
    """

    kind: RefusalKind
    escalation_id: str
    people: tuple[str, ...] = ()

    def __str__(self) -> str:
        who = f" ({', '.join(self.people)})" if self.people else ""
        return f"escalation {self.escalation_id}: {self.kind}{who}"


class EscalationError(ShouldAiError):
    """Base of the escalation service's errors. ``refusal``, when set, is what the person who
    acted is told (an error without one is not theirs to fix, such as a missing notifier)."""

    def __init__(self, message: str = "", *, refusal: Refusal | None = None) -> None:
        super().__init__(message or str(refusal))
        self.refusal = refusal


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
