"""What a "wrong call?" or "not for me" press means, written once for every adapter.

The requester of a decision, the owner (or backup) of its category, or an admin says what the
verdict should have been: a category of the policy (its route follows) and an optional note.
The feedback is stored with the decision id, counted against a per-person rate limit and
written to the decision log. The request's text is copied into it only as the decision log's
masking allows (``SHOULD_AI_LOG_FULL_TEXT``) or when the requester consents in the form; an
admin then accepts or rejects it, and accepted feedback with its text becomes policy cases
(:mod:`bot.feedback.cases`).
"""

from __future__ import annotations

import asyncio
import logging
import time

from bot.escalations.model import Actor
from bot.escalations.people import person_for
from bot.escalations.permissions import Admins
from bot.feedback.model import (
    Feedback,
    FeedbackKind,
    FeedbackOutcome,
    FeedbackState,
    Remembered,
    Role,
)
from bot.feedback.store import FeedbackStore
from bot.observability.decision_log import DecisionLog, mask_text
from bot.observability.failopen import STORE_ERRORS
from bot.policy.model import Decision, Policy
from bot.reload import PolicyHolder
from bot.store.errors import StoreUnavailable

log = logging.getLogger(__name__)
_STORE_DOWN: tuple[type[BaseException], ...] = (StoreUnavailable, *STORE_ERRORS)
MAX_NOTE_CHARS = 500


class UnknownFeedback(LookupError):
    pass


class FeedbackService:
    def __init__(
        self,
        *,
        store: FeedbackStore,
        holder: PolicyHolder,
        admins: Admins,
        decision_log: DecisionLog,
        full_text: bool = False,
        window_s: int = 7 * 86400,
        per_hour: int = 20,
        timeout_s: float = 1.0,
    ) -> None:
        self._store = store
        self._holder = holder
        self._admins = admins
        self._log = decision_log
        self._full_text = full_text
        self._window_s = window_s
        self._per_hour = per_hour
        self._timeout_s = timeout_s

    async def remember(self, *, decision: Decision, actor: Actor, text: str) -> None:
        """Keep what feedback on ``decision`` needs for the feedback window; never holds the
        decision up (a hung or failing store is logged after ``timeout_s``)."""
        remembered = Remembered(
            decision_id=decision.decision_id,
            who=f"{actor.platform}:{actor.user_id}",
            route=decision.route,
            category=decision.category,
            owner=decision.owner.id if decision.owner else None,
            text=text,
            policy_revision=decision.policy_revision,
        )
        try:
            async with asyncio.timeout(self._timeout_s):
                await self._store.remember(remembered, ttl_s=self._window_s)
        except _STORE_DOWN as e:
            log.warning("decision %s not kept for feedback: %r", decision.decision_id, e)

    async def submit(
        self,
        *,
        actor: Actor,
        decision_id: str,
        category: str,
        note: str = "",
        consent: bool = False,
        kind: FeedbackKind = "wrong_call",
        dedupe_key: str | None = None,
    ) -> FeedbackOutcome:
        """Store what ``actor`` says ``decision_id`` should have been (``category``);
        ``dedupe_key``: the platform's id of the press, when it may be delivered twice."""
        try:
            if dedupe_key is not None and not await self._store.first_time(
                f"{actor.platform}:{dedupe_key}"
            ):
                return FeedbackOutcome(kind="duplicate")
            return await self._submit(actor, decision_id, category, note, consent, kind)
        except _STORE_DOWN as e:
            log.warning("feedback on %s not stored: %r", decision_id, e)
            return FeedbackOutcome(kind="store_down")

    async def _submit(
        self,
        actor: Actor,
        decision_id: str,
        category: str,
        note: str,
        consent: bool,
        kind: FeedbackKind,
    ) -> FeedbackOutcome:
        policy = self._holder.policy
        chosen = policy.categories.get(category)
        if chosen is None:
            return FeedbackOutcome(kind="invalid")
        decided = await self._store.decision(decision_id)
        if decided is None:
            return FeedbackOutcome(kind="unknown")
        role = self._role(policy, actor, decided)
        if role is None:
            return FeedbackOutcome(kind="not_allowed")
        by = f"{actor.platform}:{actor.user_id}"
        count, left = await self._store.hit(by, window_s=3600)
        if count > self._per_hour:
            return FeedbackOutcome(kind="rate_limited", retry_after_s=left)
        keep = self._full_text or (consent and role == "requester")
        feedback = Feedback(
            id=await self._store.next_id(),
            decision_id=decision_id,
            kind=kind,
            by=by,
            role=role,
            route=chosen.route,
            category=category,
            decided_route=decided.route,
            decided_category=decided.category,
            note=note.strip()[:MAX_NOTE_CHARS],  # the presser's own words, given in a form
            text=decided.text if keep else mask_text(decided.text),
            text_kept=keep,
            at=time.time(),
            policy_revision=decided.policy_revision,
        )
        await self._store.save(feedback)
        await self._log.record_event(
            kind="feedback", decision_id=decision_id, fields=_log_fields(feedback)
        )
        return FeedbackOutcome(kind="stored", feedback=feedback)

    async def keep_words(self, *, actor: Actor, feedback_id: str) -> FeedbackOutcome:
        """The requester consents after the fact (a platform whose form has no checkbox): the
        request's words are kept with their feedback, while the decision is still remembered."""
        try:
            found = await self._store.get(feedback_id)
            if found is None or found.by != f"{actor.platform}:{actor.user_id}":
                return FeedbackOutcome(kind="not_allowed" if found else "unknown")
            decided = await self._store.decision(found.decision_id)
            if found.role != "requester" or decided is None:
                return FeedbackOutcome(kind="not_allowed" if decided else "unknown")
            kept = found.model_copy(update={"text": decided.text, "text_kept": True})
            await self._store.save(kept)
        except _STORE_DOWN as e:
            log.warning("feedback %s: words not kept: %r", feedback_id, e)
            return FeedbackOutcome(kind="store_down")
        return FeedbackOutcome(kind="stored", feedback=kept)

    def _role(self, policy: Policy, actor: Actor, decided: Remembered) -> Role | None:
        if f"{actor.platform}:{actor.user_id}" == decided.who:
            return "requester"
        person = person_for(policy, actor)
        category = policy.categories.get(decided.category or "")
        owners = {decided.owner}
        if category is not None:
            owners |= {category.owner, category.backup}
        if person is not None and person in owners:
            return "owner"
        return "admin" if self._admins.includes(actor) else None

    async def list(
        self, *, since: float = 0.0, state: FeedbackState | None = None
    ) -> list[Feedback]:
        found = await self._store.since(since)
        return [f for f in found if state is None or f.state == state]

    async def review(self, feedback_id: str, *, accept: bool, by: str) -> Feedback:
        """Accept or reject one feedback (the admin's review); raises UnknownFeedback."""
        return await review(self._store, self._log, feedback_id, accept=accept, by=by)


async def review(
    store: FeedbackStore, decision_log: DecisionLog, feedback_id: str, *, accept: bool, by: str
) -> Feedback:
    """Accept or reject one feedback, and say so in the decision log; raises UnknownFeedback."""
    found = await store.get(feedback_id)
    if found is None:
        raise UnknownFeedback(f"no feedback {feedback_id!r}")
    state: FeedbackState = "accepted" if accept else "rejected"
    reviewed = found.model_copy(update={"state": state, "reviewed_by": by})
    await store.save(reviewed)
    await decision_log.record_event(
        kind="feedback-review",
        decision_id=found.decision_id,
        fields={"feedback_id": found.id, "state": state, "by": by},
    )
    return reviewed


def _log_fields(feedback: Feedback) -> dict[str, str]:
    return {
        "feedback_id": feedback.id,
        "feedback": feedback.kind,
        "by": feedback.by,
        "role": feedback.role,
        "should_be": f"{feedback.route}/{feedback.category or '-'}",
        "was": f"{feedback.decided_route}/{feedback.decided_category or '-'}",
        "note": feedback.note,
    }
