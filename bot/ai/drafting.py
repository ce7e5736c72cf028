"""Drafting: a routine request becomes a durable job that asks the LLM and posts the draft.

The chat adapter has already answered ("AI can do this — drafting it now") when the job runs.
The draft is stored before the job is queued, the job retries with backoff when the LLM is slow
or down, and when it gives up the requester is told. Nothing vanishes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from bot.ai import draft_ids
from bot.ai.guard import AuditLog, GuardedLlm, RoutedToPerson
from bot.ai.llm import LlmError, LlmRejected
from bot.ai.model import Draft, DraftDelivery, DraftState, PostPlan, ReplyTarget
from bot.ai.notes import AiNote, DraftFailure, FailureKind
from bot.ai.store import AiStore
from bot.errors import ShouldAiError
from bot.escalations.model import Actor, Platform
from bot.jobs import Jobs, Retry
from bot.policy.model import Decision, Guidance

log = logging.getLogger(__name__)

DRAFT_JOB = "ai_draft"


class DraftRefused(ShouldAiError):
    """A button on a draft changed nothing; ``note`` is what the presser is told (the adapters
    word it), ``str(e)`` is for logs."""

    def __init__(self, note: AiNote) -> None:
        super().__init__(str(note))
        self.note = note


class NotYours(DraftRefused):
    """Someone other than the requester pressed a draft's or a post's button."""


class UnknownDraft(DraftRefused):
    """The draft expired or never existed (or is already used, or there is no LLM)."""


def _why_failed(error: Exception, attempts: int) -> DraftFailure:
    kind: FailureKind = "llm_silent" if isinstance(error, LlmError) else "undeliverable"
    return DraftFailure(kind=kind, attempts=attempts)


def system_prompt(guidance: Guidance, plan: PostPlan | None) -> str:
    """The instructions the LLM drafts under: the policy's tone and what it must never do."""
    lines = [
        "You draft marketing text for a team. Reply with the text only, ready to paste:",
        "no preamble, no notes, no alternatives.",
    ]
    if guidance.tone:
        lines.append(f"Tone: {guidance.tone}")
    if guidance.never:
        lines.append("Never:")
        lines.extend(f"- {rule}" for rule in guidance.never)
    if plan is not None:
        lines.append(f"The text is a post for {plan.channel}; keep it under 600 characters.")
    lines.append("Reply in the language of the request.")
    return "\n".join(lines)


class Drafting:
    """Starts draft jobs, runs them, and handles Use it / Regenerate / Discard."""

    def __init__(
        self,
        *,
        store: AiStore,
        jobs: Jobs,
        llm: GuardedLlm,
        guidance: Callable[[], Guidance],
        deliveries: dict[Platform, DraftDelivery],
        audit: AuditLog,
        max_tries: int = 3,
        retry_delay_s: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._jobs = jobs
        self._llm = llm
        self._guidance = guidance
        self._deliveries = deliveries
        self._audit = audit
        self._max_tries = max_tries
        self._retry_delay_s = retry_delay_s
        self._clock = clock
        # One run more than max_tries: a run arq cancelled (timeout, crash) still reaches us,
        # and the extra run's only work is to tell the requester.
        jobs.register(DRAFT_JOB, self.run_job, max_tries=max_tries + 1)

    async def start(
        self,
        *,
        decision: Decision,
        actor: Actor,
        text: str,
        reply_to: ReplyTarget,
        plan: PostPlan | None = None,
    ) -> Draft:
        """Store a queued draft and queue its job. Raises RoutedToPerson before storing anything."""
        if decision.route != "ai":
            raise RoutedToPerson(f"decision {decision.decision_id} routes to a person")
        draft = Draft(
            id=await self._store.issue_draft_id(actor),
            decision=decision,
            requester=actor,
            request_text=text,
            reply_to=reply_to,
            plan=plan,
            created_at=self._clock(),
        )
        await self._store.put_draft(draft)
        await self._jobs.enqueue(DRAFT_JOB, job_id=f"ai-draft-{draft.id}", draft_id=draft.id)
        await self._event(draft, "draft_queued")
        return draft

    async def run_job(self, ctx: dict[str, Any], *, draft_id: str) -> None:
        draft = await self._store.get_draft(draft_id)
        if draft is None or not await self._needs_work(draft):
            return  # expired, or already handled by an earlier run
        attempt = int(ctx.get("job_try", 1))
        if attempt > self._max_tries:
            await self._give_up(draft, DraftFailure(kind="unfinished"))
            return
        try:
            await self._advance(draft)
        except RoutedToPerson:
            await self._give_up(draft, DraftFailure(kind="for_a_person"))
        except LlmRejected as e:
            log.error("draft %s: %s", draft.id, e)  # details for the admin, not the chat
            await self._give_up(draft, DraftFailure(kind="llm_rejected"))
        except Exception as e:  # LLM down, chat platform down, Redis blip: try again, then tell
            if attempt >= self._max_tries:
                await self._give_up(draft, _why_failed(e, attempt))
                return
            log.warning("draft %s attempt %d failed: %r; retrying", draft.id, attempt, e)
            raise Retry(defer=self._retry_delay_s * 2 ** (attempt - 1)) from e

    async def _advance(self, draft: Draft) -> None:
        """Ask the LLM (unless an earlier run already did), then deliver the draft."""
        if draft.state == "queued":
            text = await self._llm.ask(
                decision=draft.decision,
                purpose="draft",
                system=system_prompt(self._guidance(), draft.plan),
                user=draft.request_text,
            )
            draft = draft.model_copy(update={"state": "ready", "text": text})
            await self._store.put_draft(draft)  # a failed delivery is retried without the LLM
        await self._delivery(draft).deliver_draft(draft=draft)
        await self._store.mark_delivered(draft.id)
        await self._event(draft, "draft_posted")

    async def _needs_work(self, draft: Draft) -> bool:
        if draft.state == "queued":
            return True
        return draft.state == "ready" and not await self._store.was_delivered(draft.id)

    async def _give_up(self, draft: Draft, failure: DraftFailure) -> None:
        failed = draft.model_copy(update={"state": "failed", "error": str(failure)})
        await self._store.put_draft(failed)
        await self._event(failed, "draft_failed", why=str(failure))
        note = AiNote(kind="draft_failed", failure=failure)
        try:
            await self._delivery(draft).tell(reply_to=draft.reply_to, note=note)
        except Exception:  # the requester cannot be reached: the log is all that is left
            log.exception("could not tell %s that draft %s failed", draft.requester, draft.id)

    def _delivery(self, draft: Draft) -> DraftDelivery:
        delivery = self._deliveries.get(draft.reply_to.platform)
        if delivery is None:
            raise ShouldAiError(f"no draft delivery registered for {draft.reply_to.platform}")
        return delivery

    async def _event(self, draft: Draft, event: str, **extra: str) -> None:
        await self._audit.record_event(
            kind="ai",
            decision_id=draft.decision.decision_id,
            fields={"event": event, "draft_id": draft.id, **extra},
        )

    # --- buttons -------------------------------------------------------------------------------

    async def owned_draft(self, draft_id: str, actor: Actor) -> Draft:
        """The draft ``draft_id`` (or the one of ``actor``'s whose id starts so), if ``actor``
        asked for it; raises UnknownDraft (unknown, ambiguous, expired) or NotYours."""
        full_id = await resolve_draft_id(self._store, draft_id, actor)
        draft = await self._store.get_draft(full_id)
        if draft is None:
            raise UnknownDraft(AiNote(kind="draft_expired"))
        if draft.requester != actor:
            raise NotYours(AiNote(kind="draft_not_yours"))
        return draft

    async def claim(self, draft_id: str, actor: Actor) -> Draft:
        """The draft, for the first button press on it only (a double click acts once)."""
        draft = await self.owned_draft(draft_id, actor)
        if draft.state == "used":
            raise UnknownDraft(AiNote(kind="draft_used"))
        if draft.state == "discarded":
            raise UnknownDraft(AiNote(kind="draft_discarded"))
        if draft.state != "ready" or not await self._store.claim_draft(draft.id):
            raise UnknownDraft(AiNote(kind="draft_done"))
        return draft

    async def release(self, draft: Draft) -> None:
        await self._store.release_draft(draft.id)

    async def mark(self, draft: Draft, state: DraftState) -> Draft:
        updated = draft.model_copy(update={"state": state})
        await self._store.put_draft(updated)
        await self._event(updated, f"draft_{state}")
        return updated

    async def regenerate(self, *, draft_id: str, actor: Actor) -> Draft:
        """Discard this draft and queue a fresh one for the same request."""
        draft = await self.claim(draft_id, actor)
        await self.mark(draft, "discarded")
        return await self.start(
            decision=draft.decision,
            actor=actor,
            text=draft.request_text,
            reply_to=draft.reply_to,
            plan=draft.plan,
        )


async def resolve_draft_id(store: AiStore, typed: str, actor: Actor) -> str:
    """The full id of the draft ``typed`` names: itself when it is a whole id (a button's
    value, an id from before short ids), else the one of ``actor``'s drafts starting so.
    Raises UnknownDraft saying whether no draft, several or an expired one matched."""
    typed = typed.strip()
    if draft_ids.is_legacy(typed):
        return typed
    start = draft_ids.normalized(typed)
    if start is None:
        raise UnknownDraft(AiNote(kind="draft_unknown", detail=typed))
    matches = await store.drafts_starting(actor, start)
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise UnknownDraft(AiNote(kind="draft_ambiguous", detail=start, phrases=tuple(matches[:5])))
    if await store.was_issued(start):  # someone else's: owned_draft says whose it is not
        return start
    raise UnknownDraft(AiNote(kind="draft_unknown", detail=start))
