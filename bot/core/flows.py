"""The flows every adapter shares, written once: what follows a decision, and what a press on
an escalation's or an AI card's buttons means. Each returns an outcome value
(:mod:`bot.core.outcomes`) that the adapter only renders."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from functools import partial
from typing import Literal, TypeVar

from bot.ai.model import ReplyTarget
from bot.ai.second_look import SecondLook
from bot.ai.service import AiWork
from bot.core.outcomes import AiOp, AiPress, FollowUp, Press
from bot.errors import ShouldAiError
from bot.escalations.model import Action, Actor, Escalation, EscalationActions, StatusRef
from bot.escalations.service import (
    EscalationClosed,
    EscalationError,
    NotAllowed,
    UnknownEscalation,
)
from bot.intake import Intake
from bot.intake.commands import Reply
from bot.intake.dedupe import Deduper
from bot.observability.failopen import STORE_ERRORS
from bot.policy.model import Decision
from bot.store.errors import StoreUnavailable

log = logging.getLogger(__name__)

StatusCard = Callable[[], Awaitable[StatusRef | None]]
Answer = Callable[[], Awaitable[None]]
_STORE_DOWN: tuple[type[BaseException], ...] = (StoreUnavailable, *STORE_ERRORS)


class AfterDecision:
    """Escalate a decision for a person, or hand a decision for AI to the AI work.

    For a person, the request is recorded durably (the spool, :meth:`Intake.promise`) before
    the requester is answered, and the escalation is opened whether or not the answer and the
    status card got through: a dropped connection to the platform never loses it."""

    def __init__(self, *, intake: Intake, ai: AiWork) -> None:
        self._intake = intake
        self._ai = ai

    async def follow_up(
        self,
        *,
        reply: Reply,
        actor: Actor,
        text: str,
        reply_to: ReplyTarget,
        answer: Answer | None = None,
        status_card: StatusCard | None = None,
        status_card_for: Callable[[Decision], Awaitable[StatusRef | None]] | None = None,
    ) -> FollowUp:
        """``answer`` shows the verdict in ``reply`` to the requester (called here, once what
        it promises is safe); ``status_card`` posts the requester's status card (called only
        when a person gets the request, before they are pinged); ``status_card_for`` posts it
        for another decision (the LLM's second look moved the request to a person)."""
        decision = reply.decision
        if reply.kind != "decision" or decision is None or decision.route == "ai":
            if answer is not None:
                await answer()
            looked = await self._second_look(reply, text)
            if looked is not None:  # the verdict said AI; a person gets it after all
                card = status_card
                if status_card_for is not None:  # a card that names the new owner
                    card = partial(status_card_for, looked.decision)
                return await self._escalate(reply, looked.decision, actor, text, None, card, looked)
            return await self._not_escalated(reply, actor=actor, text=text, reply_to=reply_to)
        return await self._escalate(reply, decision, actor, text, answer, status_card, None)

    async def _second_look(self, reply: Reply, text: str) -> SecondLook | None:
        """The LLM's second look at a decision for AI: the look, when it sends it to a person."""
        if reply.kind != "decision" or reply.decision is None or reply.intake is None:
            return None
        looked = await self._ai.second_look(decision=reply.decision, text=text.strip())
        return looked if looked is not None and looked.person else None

    async def _escalate(
        self,
        reply: Reply,
        decision: Decision,
        actor: Actor,
        text: str,
        answer: Answer | None,
        status_card: StatusCard | None,
        looked: SecondLook | None,
    ) -> FollowUp:
        if reply.intake is None:  # a decision reply always carries its intake result
            raise ShouldAiError("decision reply without its intake result")
        result = replace(reply.intake, decision=decision)
        text = text.strip()
        await self._intake.promise(result=result, actor=actor, text=text)
        await _tolerated(answer, "answer to", decision.decision_id)
        ref = await _tolerated(status_card, "status card of", decision.decision_id)
        if ref is not None:
            await self._intake.status_card(decision_id=decision.decision_id, status_ref=ref)
        escalation = await self._intake.escalate(
            result=result, actor=actor, text=text, status_ref=ref
        )
        if escalation is None:  # the store is down: a person must still get this, never AI
            return FollowUp(
                kind="store_down", decision=decision, status_ref=ref, second_look=looked
            )
        return FollowUp(
            kind="escalated",
            decision=decision,
            escalation=escalation,
            status_ref=ref,
            second_look=looked,
        )

    async def _not_escalated(
        self, reply: Reply, *, actor: Actor, text: str, reply_to: ReplyTarget
    ) -> FollowUp:
        decision = reply.decision
        if reply.kind != "decision" or decision is None:
            return FollowUp(kind="nothing")
        outcome = await self._ai.handle(
            actor=actor, text=text.strip(), decision=decision, reply_to=reply_to
        )
        return FollowUp(kind="ai_work", decision=decision, ai=outcome)


T = TypeVar("T")


async def _tolerated(
    step: Callable[[], Awaitable[T]] | None, what: str, decision_id: str
) -> T | None:
    """Run a step that talks to the platform; its failure (a 500, a dropped connection) is
    logged and must not stop the escalation, which is already promised on disk."""
    if step is None:
        return None
    try:
        return await step()
    except Exception:
        log.exception(
            "%s the requester of decision %s failed; escalating anyway", what, decision_id
        )
        return None


class Presses:
    """Acknowledge / Reassign / Resolve, and the buttons on AI work, for every adapter."""

    def __init__(self, *, escalations: EscalationActions, ai: AiWork, deduper: Deduper) -> None:
        self._escalations = escalations
        self._ai = ai
        self._deduper = deduper

    async def escalation(
        self,
        *,
        actor: Actor,
        escalation_id: str,
        action: Action,
        target_user_id: str | None = None,
        dedupe_key: str | None = None,
        comment: str = "",
        outcome: str = "",
        minutes: float | None = None,
    ) -> Press:
        """``dedupe_key``: the platform's id of this press, when the platform may deliver it
        twice (Discord interactions, seen by several replicas or shards)."""
        if dedupe_key is not None and not await self._first_time(actor, dedupe_key):
            return Press(kind="duplicate", escalation_id=escalation_id)
        try:
            moved = await self._escalations.act(
                escalation_id=escalation_id,
                actor=actor,
                action=action,
                target_user_id=target_user_id,
                comment=comment,
                outcome=outcome,
                minutes=minutes,
            )
        except EscalationClosed as e:
            closed = await self._escalations.get(escalation_id)
            return Press(
                kind="closed", escalation_id=escalation_id, escalation=closed, refusal=e.refusal
            )
        except _STORE_DOWN as e:
            log.warning("press on escalation %s not recorded: %r", escalation_id, e)
            return Press(kind="store_down", escalation_id=escalation_id)
        except ShouldAiError as e:  # NotAllowed, InvalidAction, UnknownEscalation...
            return _refused(e, escalation_id)
        return Press(kind="moved", escalation_id=escalation_id, escalation=moved)

    async def lookup(self, escalation_id: str) -> Escalation | None:
        """The escalation a button belongs to (a modal shows its state); None if unknown."""
        return await self._escalations.get(escalation_id)

    async def ai(
        self, *, actor: Actor, op: AiOp, ref: str, dedupe_key: str | None = None
    ) -> AiPress | None:
        """A button on a draft (use, again, discard), a proposed post (confirm, cancel) or a
        scheduled post (unschedule); ``ref`` is its id. None: a redelivered press."""
        if dedupe_key is not None and not await self._first_time(actor, dedupe_key):
            return None
        match op:
            case "use":
                draft, note = await self._ai.use_draft(draft_id=ref, actor=actor)
                return AiPress(op=op, done=draft is not None, note=note, draft=draft)
            case "again":
                note = await self._ai.regenerate(draft_id=ref, actor=actor)
            case "discard":
                note = await self._ai.discard(draft_id=ref, actor=actor)
            case "confirm":
                note = await self._ai.confirm_schedule(pending_id=ref, actor=actor)
            case "cancel":
                note = await self._ai.cancel_pending(pending_id=ref, actor=actor)
            case "unschedule":
                note = await self._ai.cancel_scheduled(post_id=ref, actor=actor)
        return AiPress(op=op, done=True, note=note)

    async def _first_time(self, actor: Actor, dedupe_key: str) -> bool:
        return await self._deduper.first_time(f"{actor.platform}:{dedupe_key}")


def _refused(error: ShouldAiError, escalation_id: str) -> Press:
    refusal = error.refusal if isinstance(error, EscalationError) else None
    detail = "" if refusal is not None else str(error)  # no value to word: say what went wrong
    return Press(
        kind=_refusal_kind(error), escalation_id=escalation_id, refusal=refusal, detail=detail
    )


def _refusal_kind(error: ShouldAiError) -> Literal["refused", "invalid", "unknown"]:
    if isinstance(error, NotAllowed):
        return "refused"
    return "unknown" if isinstance(error, UnknownEscalation) else "invalid"
