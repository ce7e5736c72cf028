"""The one door to the LLM. A request a person must own never goes through it on its own.

:meth:`GuardedLlm.ask` (and :meth:`GuardedLlm.assist`, below) is the only code in should-ai that
sends text to the LLM, and it checks the :class:`~bot.policy.model.Decision` first, here, once,
for every adapter:

- ``draft``: only a decision whose route is ``"ai"``.
- ``judge``: only an *unsure* decision (nothing matched, or the similarity layer could not
  choose) — never one where a keyword or pattern of a category owned by a person matched.

A refusal raises :class:`RoutedToPerson` and writes an ``llm_refused`` entry to the decision log,
so an admin can see that the request never reached the LLM.

A request routed to a person reaches the LLM through one more door, :meth:`GuardedLlm.assist`,
and only for an :class:`OwnerAsk`: the person who *holds* the escalation (acknowledged it and
still has it) pressed one of the category's assists. Not an admin who has not taken it: the
assist sends the requester's words to a third party, and that is the call of the person who
answers for the work (an admin who wants the help acknowledges the escalation first, on
purpose, and then holds it). Every such call is in the decision log: who asked, which assist,
which escalation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal, Protocol

from bot.ai.llm import ChatModel
from bot.errors import ShouldAiError
from bot.escalations.model import Escalation
from bot.policy.model import Decision, Reason
from bot.reader import UNCERTAIN_PREFIX  # how an undecided match's detail starts

log = logging.getLogger(__name__)

Purpose = Literal["draft", "judge", "second_look"]


class RoutedToPerson(ShouldAiError):
    """The decision routes this request to a person, so the LLM must not see it."""


class AuditLog(Protocol):
    """The slice of the decision log the AI work writes to ([ops]'s ``DecisionLog``)."""

    async def record_event(
        self, *, kind: str, decision_id: str, fields: dict[str, str]
    ) -> str | None: ...


class NoAudit:
    """For the CLI and tests that do not look at the log."""

    async def record_event(
        self, *, kind: str, decision_id: str, fields: dict[str, str]
    ) -> str | None:
        return None


def _unsure_reason(reason: Reason) -> bool:
    if reason.layer == "fallback":
        return True
    return reason.layer == "reader" and reason.detail.startswith(UNCERTAIN_PREFIX)


def is_unsure(decision: Decision) -> bool:
    """True when no layer placed the request: the only decisions the judge may see.

    Every reason must be the fallback or an *uncertain* similarity. A keyword, a pattern or a
    firm similarity match — for any category — makes the decision firm, so a request the
    policy already gave to a person never reaches the LLM through the judge either.
    """
    if decision.route != "human" or not decision.reasons:
        return False
    return all(_unsure_reason(r) for r in decision.reasons)


def admit(decision: Decision, purpose: Purpose) -> None:
    """Raise :class:`RoutedToPerson` unless ``decision`` may reach the LLM for ``purpose``."""
    if purpose == "draft" and decision.route != "ai":
        raise RoutedToPerson(
            f"decision {decision.decision_id} routes to a person ({decision.category}); "
            "it is not sent to the LLM"
        )
    if purpose == "second_look" and decision.route != "ai":  # it only ever moves work to a person
        raise RoutedToPerson(
            f"decision {decision.decision_id} already routes to a person; no second look"
        )
    if purpose == "judge" and not is_unsure(decision):
        raise RoutedToPerson(
            f"decision {decision.decision_id} is firm ({decision.route}, {decision.category}); "
            "the LLM judge only sees unsure requests"
        )


@dataclass(frozen=True)
class OwnerAsk:
    """An owner's explicit action: ``asker`` (their assignee key, bot.escalations.people) pressed
    the assist ``assist`` on ``escalation``, as it stands in the store at the press."""

    escalation: Escalation
    asker: str
    assist: str


def admit_assist(ask: OwnerAsk) -> None:
    """Raise :class:`RoutedToPerson` unless ``ask`` comes from the holder of an acknowledged
    escalation."""
    escalation = ask.escalation
    if escalation.state != "acknowledged":
        raise RoutedToPerson(
            f"escalation {escalation.id} is {escalation.state}, not acknowledged; "
            "nobody holds it, so nothing of it is sent to the LLM"
        )
    if escalation.assignee != ask.asker:
        raise RoutedToPerson(
            f"escalation {escalation.id} is held by {escalation.assignee}, not {ask.asker}; "
            "only its holder may send it to the LLM"
        )


def _assist_fields(ask: OwnerAsk) -> dict[str, str]:
    return {
        "escalation": ask.escalation.id,
        "assist": ask.assist,
        "asked_by": ask.asker,
        "category": ask.escalation.category,
    }


class GuardedLlm:
    """Holds the chat model; :meth:`ask` is the only way to reach it."""

    def __init__(self, model: ChatModel, *, audit: AuditLog) -> None:
        self._model = model
        self._audit = audit

    async def ask(self, *, decision: Decision, purpose: Purpose, system: str, user: str) -> str:
        try:
            admit(decision, purpose)
        except RoutedToPerson as e:
            log.warning("LLM call refused: %s", e)
            await self._audit.record_event(
                kind="ai",
                decision_id=decision.decision_id,
                fields={"event": "llm_refused", "purpose": purpose, "route": decision.route},
            )
            raise
        return await self._model.complete(system=system, user=user)

    async def assist(self, *, ask: OwnerAsk, system: str, user: str) -> str:
        """The LLM's help for the holder of an escalation (see :class:`OwnerAsk`); every call
        and every refusal is written to the decision log before anything is sent."""
        decision_id = ask.escalation.decision_id
        try:
            admit_assist(ask)
        except RoutedToPerson as e:
            log.warning("LLM call refused: %s", e)
            fields = {"event": "llm_refused", "purpose": "assist", **_assist_fields(ask)}
            await self._audit.record_event(kind="ai", decision_id=decision_id, fields=fields)
            raise
        fields = {"event": "assist", **_assist_fields(ask)}
        await self._audit.record_event(kind="ai", decision_id=decision_id, fields=fields)
        return await self._model.complete(system=system, user=user)

    async def aclose(self) -> None:
        await self._model.aclose()
