"""Intake: what happens to a request between the chat adapter and the policy engine.

Both adapters call :meth:`Intake.submit` with the platform's delivery id; it validates the text,
drops a retried delivery, decides with the current policy, logs the decision and only then
applies the rate limits: the per-user limit to a request for AI work, and the per-owner paging
limit to a request for a person. A rate limit never decides whether a request for a person is
heard: over the paging limit its escalation still opens, waits in the owner's queue and climbs
on its timer; only the repeated ping to that owner is spared. Redis helps with the first and
last steps but never blocks a decision: when it is down the decision is still returned (see
:mod:`bot.observability.failopen`).

:meth:`Intake.promise` records a human-route request in the on-disk spool
(:mod:`bot.store.spool`) before anyone is answered; :meth:`Intake.escalate` then opens its
escalation. If the store is down it keeps retrying in the background and returns None; the
adapter then tells the requester to contact the owner directly. What is still promised at
shutdown stays in the spool and is opened by :meth:`Intake.drain_spool` at the next start. A
request is never routed to AI because something is broken.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Protocol

from bot.errors import UsageError
from bot.escalations.model import Actor, Escalation, StatusRef
from bot.intake.dedupe import Deduper
from bot.intake.ratelimit import RateLimiter
from bot.observability.decision_log import DecisionLog
from bot.observability.failopen import STORE_ERRORS
from bot.observability.metrics import Metrics
from bot.policy.layers import Example
from bot.policy.model import Decision
from bot.policy.nonrequest import NonRequest, non_request
from bot.policy.shadow import WouldHave, apply_shadow
from bot.reload import PolicyHolder
from bot.store.errors import StoreUnavailable
from bot.store.retry import retry_with_backoff
from bot.store.spool import EscalationSpool, Promised

log = logging.getLogger(__name__)


class Judge(Protocol):
    """The optional LLM judge for unsure decisions ([ai]'s ``AiWork.judge_unsure``)."""

    async def __call__(self, *, decision: Decision, text: str) -> Decision: ...


class DecisionMemory(Protocol):
    """Keeps a decision for later feedback on it ("wrong call?"; bot/feedback)."""

    async def remember(self, *, decision: Decision, actor: Actor, text: str) -> None: ...


class EscalationOpener(Protocol):
    async def open(
        self,
        *,
        decision: Decision,
        actor: Actor,
        text: str,
        status_ref: StatusRef | None,
        page: bool = True,
    ) -> Escalation: ...


@dataclass(frozen=True)
class IntakeResult:
    """What became of a request. Exactly one of decision / duplicate / rate_limited / empty."""

    decision: Decision | None = None
    duplicate: bool = False
    rate_limited: bool = False
    empty: bool = False  # nothing but blanks after /should-ai
    limit: int = 0  # rate limited: the requests allowed per window...
    retry_after_s: int = 0  # ...and how long until the next one is
    restarting: bool = False  # serve is shutting down: nothing was decided, try again soon
    truncated: bool = False  # the text was cut to max_request_chars before matching
    # Not a request (greetings, thanks, a lone word, a mistyped sub-command): answered with
    # help; nobody decides it, nobody is pinged, nothing is logged as a decision.
    not_a_request: NonRequest | None = None
    closest: tuple[Example, ...] = ()  # `why` only: the labelled requests nearest to this one
    # A request for a person over the paging limit (this requester paged this owner too often
    # lately): it is escalated all the same, into the owner's queue, without pinging them again.
    quiet: bool = False
    # Shadow mode answered this request as if its category were off: who would have been pinged.
    would_have: WouldHave | None = None


class Intake:
    def __init__(
        self,
        *,
        holder: PolicyHolder,
        deduper: Deduper,
        limiter: RateLimiter,
        decision_log: DecisionLog,
        escalations: EscalationOpener,
        metrics: Metrics,
        max_chars: int = 4000,
        judge: Judge | None = None,
        spool: EscalationSpool | None = None,
        pager: RateLimiter | None = None,
        memory: DecisionMemory | None = None,
    ) -> None:
        self._holder = holder
        self._deduper = deduper
        self._limiter = limiter
        self._log = decision_log
        self._escalations = escalations
        self._metrics = metrics
        self._max_chars = max_chars
        self._judge = judge
        self._spool = spool
        self._pager = pager
        self.memory = memory  # set by the composition root once feedback is built
        self._stopping = False
        self._submitting = 0  # requests being decided now (a shutdown waits for them)
        self._promised: set[str] = set()  # spooled in this run, not yet handed to escalate
        self._opening: set[asyncio.Task[Escalation | None]] = set()
        self._deferred: set[asyncio.Task[Escalation]] = set()
        self._decider = ThreadPoolExecutor(max_workers=1, thread_name_prefix="should-ai-decide")

    async def submit(self, *, actor: Actor, text: str, dedupe_key: str) -> IntakeResult:
        """Validate, dedupe, rate-limit, decide and log one request."""
        text = _clean(text)
        if not text:
            self._metrics.refused.labels(reason="empty").inc()
            return IntakeResult(empty=True)
        chatter = non_request(text)
        if chatter is not None:
            self._metrics.refused.labels(reason="not_a_request").inc()
            return IntakeResult(not_a_request=chatter)
        self._submitting += 1
        try:
            refused = await self._admit_request(actor=actor, dedupe_key=dedupe_key)
            return refused or await self._limited(actor, await self._decide(actor, text))
        finally:
            self._submitting -= 1

    async def _admit_request(self, *, actor: Actor, dedupe_key: str) -> IntakeResult | None:
        """Restarting or a duplicate: why not to decide; the rate limits wait for the route."""
        if self._stopping:
            self._metrics.refused.labels(reason="restarting").inc()
            return IntakeResult(restarting=True)
        if not await self._deduper.first_time(f"{actor.platform}:{dedupe_key}"):
            self._metrics.refused.labels(reason="duplicate").inc()
            return IntakeResult(duplicate=True)
        return None

    async def _limited(self, actor: Actor, result: IntakeResult) -> IntakeResult:
        """The rate limit that applies to the decided route: AI work may be refused; a request
        for a person never is, it is at most escalated without paging its owner again."""
        decision = result.decision
        if decision is None:
            return result
        if decision.route == "human":
            return await self._paged(actor, decision, result)
        verdict = await self._limiter.hit(actor)
        if verdict.allowed:
            return result
        self._metrics.refused.labels(reason="rate_limited").inc()
        return IntakeResult(
            rate_limited=True, limit=verdict.limit, retry_after_s=verdict.retry_after_s
        )

    async def _paged(self, actor: Actor, decision: Decision, result: IntakeResult) -> IntakeResult:
        if self._pager is None:
            return result
        owner = decision.owner.id if decision.owner else decision.category or "fallback"
        verdict = await self._pager.hit(actor, scope=f"page:{owner}:")
        if verdict.allowed:
            return result
        self._metrics.refused.labels(reason="page_limited").inc()
        return replace(result, quiet=True)

    def stop_intake(self) -> None:
        """Shutdown: from now on every request is answered "restarting, try again" undecided,
        so nothing new is promised while what is in flight finishes (:meth:`settle`)."""
        self._stopping = True

    async def admit(self, *, actor: Actor, dedupe_key: str) -> IntakeResult | None:
        """Dedupe and rate-limit any command; None = go ahead, else why not."""
        if self._stopping:  # before dedupe: a retry of this request after the restart is new
            self._metrics.refused.labels(reason="restarting").inc()
            return IntakeResult(restarting=True)
        if not await self._deduper.first_time(f"{actor.platform}:{dedupe_key}"):
            self._metrics.refused.labels(reason="duplicate").inc()
            return IntakeResult(duplicate=True)
        verdict = await self._limiter.hit(actor)
        if verdict.allowed:
            return None
        self._metrics.refused.labels(reason="rate_limited").inc()
        return IntakeResult(
            rate_limited=True,
            limit=verdict.limit,
            retry_after_s=verdict.retry_after_s,
        )

    async def explain(self, *, text: str) -> IntakeResult:
        """The decision ``text`` would get as a request, decided the very same way (worker
        thread, LLM judge), for ``why``; nothing is logged or counted, nobody is pinged."""
        text = _clean(text)
        if not text:
            return IntakeResult(empty=True)
        chatter = non_request(text)
        if chatter is not None:
            return IntakeResult(not_a_request=chatter)
        decision = await self._decided(text)
        engine = self._holder.current().engine
        closest = await asyncio.get_running_loop().run_in_executor(
            self._decider, engine.closest, text[: self._max_chars]
        )
        return IntakeResult(
            decision=decision, truncated=len(text) > self._max_chars, closest=closest
        )

    async def _decide(self, actor: Actor, text: str) -> IntakeResult:
        decision = await self._decided(text)
        shadowed = apply_shadow(self._holder.policy, decision)
        if shadowed is not None:
            decision = shadowed.decision
        self._metrics.decisions.labels(
            route=decision.route, category=decision.category or "none"
        ).inc()
        await self._log.record_decision(decision=decision, actor=actor, text=text)
        if self.memory is not None:
            await self.memory.remember(decision=decision, actor=actor, text=text)
        would_have = shadowed.would_have if shadowed is not None else None
        if would_have is not None:
            await self._log.record_event(
                kind="shadow", decision_id=decision.decision_id, fields=_shadow_fields(would_have)
            )
        return IntakeResult(
            decision=decision, truncated=len(text) > self._max_chars, would_have=would_have
        )

    async def _decided(self, text: str) -> Decision:
        matched = text[: self._max_chars]  # bounds the engine's work on a pasted novel
        engine = self._holder.current().engine
        # Off the event loop (similarity encoding is CPU work), one at a time (engines need not
        # be thread-safe), so chat acks and gateway heartbeats never wait behind a decision.
        decided = await asyncio.get_running_loop().run_in_executor(
            self._decider, engine.decide, matched
        )
        return await self._judged(decided, matched)

    async def _judged(self, decision: Decision, text: str) -> Decision:
        """Let the LLM judge settle an unsure decision; any failure keeps it with a person."""
        if self._judge is None:
            return decision
        try:
            return await self._judge(decision=decision, text=text)
        except Exception:  # the judge is optional; a bug in it must not lose the request
            log.exception("LLM judge failed on decision %s; a person decides", decision.decision_id)
            return decision

    async def promise(self, *, result: IntakeResult, actor: Actor, text: str) -> None:
        """Record a human-route request on disk before its requester is answered, so its
        escalation is opened even if answering, Redis or this process fails next."""
        decision = _human(result)
        if self._spool is None:
            return
        self._promised.add(decision.decision_id)
        try:
            await self._spool.promise(Promised(decision=decision, actor=actor, text=_clean(text)))
        except OSError:  # a full disk must not stop the request; Redis may still take it
            log.exception("escalation for decision %s not spooled", decision.decision_id)

    async def status_card(self, *, decision_id: str, status_ref: StatusRef) -> None:
        """The requester's status card, for a promised escalation opened later from the spool."""
        if self._spool is None:
            return
        try:
            await self._spool.card(decision_id, status_ref)
        except OSError:
            log.exception("status card of decision %s not spooled", decision_id)

    async def escalate(
        self, *, result: IntakeResult, actor: Actor, text: str, status_ref: StatusRef | None
    ) -> Escalation | None:
        """Open the escalation for a human-route decision; None = store down, retrying."""
        decision = _human(result)
        promised = Promised(
            decision=decision, actor=actor, text=_clean(text), status_ref=status_ref
        )
        task = asyncio.create_task(self._open(promised, quiet=result.quiet))
        # Tracked, so a shutdown waits for it; shielded, so a cancelled handler (its connection
        # dropped) does not cancel the store write halfway.
        self._opening.add(task)
        task.add_done_callback(self._opening.discard)
        return await asyncio.shield(task)

    async def _open(self, promised: Promised, *, quiet: bool = False) -> Escalation | None:
        opener = self._opener(promised, quiet=quiet)
        try:
            escalation = await opener()
        except StoreUnavailable as e:
            self._defer(opener, promised.decision, e)
            return None
        finally:
            self._promised.discard(promised.decision.decision_id)
        await self._done(promised.decision.decision_id)
        return escalation

    async def drain_spool(self) -> int:
        """Open every escalation still promised in the spool (at start: what the last run
        could not store); returns how many there were. Redis down: retried in the background."""
        if self._spool is None:
            return 0
        promised = self._spool.pending()
        if promised:
            log.warning("opening %d escalation(s) promised before a restart", len(promised))
        for one in promised:
            try:
                await self._open(one)
            except Exception:  # one bad entry (a platform no longer served) must not stop the rest
                log.exception(
                    "spooled escalation for decision %s not opened; it stays in the spool",
                    one.decision.decision_id,
                )
        return len(promised)

    def _opener(
        self, promised: Promised, *, quiet: bool = False
    ) -> Callable[[], Awaitable[Escalation]]:
        async def open_once() -> Escalation:
            try:
                return await self._escalations.open(
                    decision=promised.decision,
                    actor=promised.actor,
                    text=promised.text,
                    status_ref=promised.status_ref,
                    page=not quiet,
                )
            except STORE_ERRORS as e:  # a raw redis error is the same outage to the retry loop
                raise StoreUnavailable(f"redis unavailable: {e!r}") from e

        return open_once

    async def _done(self, decision_id: str) -> None:
        if self._spool is None:
            return
        try:
            await self._spool.done(decision_id)
        except OSError:  # harmless: the drain at the next start finds it already open
            log.exception("spool not told that decision %s is stored", decision_id)

    def _defer(
        self, opener: Callable[[], Awaitable[Escalation]], decision: Decision, error: Exception
    ) -> None:
        self._metrics.escalations_deferred.inc()
        log.warning(
            "escalation for decision %s not stored (%s); requester told to contact %s directly; "
            "retrying in the background",
            decision.decision_id,
            error,
            decision.owner.id if decision.owner else "the owner",
        )
        task = asyncio.create_task(self._retry(opener, decision))
        self._deferred.add(task)
        task.add_done_callback(self._deferred.discard)

    async def _retry(
        self, opener: Callable[[], Awaitable[Escalation]], decision: Decision
    ) -> Escalation:
        what = f"open escalation for decision {decision.decision_id}"
        escalation = await retry_with_backoff(opener, what=what, first_delay=0.5, max_delay=30.0)
        await self._done(decision.decision_id)
        log.info(
            "deferred escalation %s opened for decision %s", escalation.id, decision.decision_id
        )
        return escalation

    @property
    def pending_escalations(self) -> int:
        """Escalations promised to a requester and not yet stored in Redis: the spool's count
        (what is being retried, and what a process that is gone left), else the retries."""
        spooled = len(self._spool) if self._spool is not None else 0
        return max(spooled, len(self._deferred))  # a retry is spooled too, unless never promised

    async def settle(self, *, timeout_s: float) -> None:
        """Shutdown, after :meth:`stop_intake`: wait (at most ``timeout_s``) for requests being
        decided, answered and escalated, and for background retries while Redis may come back.
        What is still unfinished then stays in the spool for the next start."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        # A poll: "busy" is four counters changed in many places; shutdown can spare 50 ms.
        while self._busy() and loop.time() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        if self._busy():
            log.warning(
                "stopping with %d request(s) being decided, %d escalation(s) being opened",
                self._submitting,
                len(self._promised) + len(self._opening) + len(self._deferred),
            )

    def _busy(self) -> bool:
        return bool(self._submitting or self._promised or self._opening or self._deferred)

    async def aclose(self) -> None:
        """Stop background retries (shutdown); what is still promised stays in the spool."""
        self._decider.shutdown(wait=False)
        tasks = [*self._opening, *self._deferred]
        for task in tasks:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        lost = sum(isinstance(r, BaseException) for r in results)
        if lost:
            self._log_unstored(lost)
        if self._spool is not None:
            self._spool.close()  # what is still pending stays in its file for the next start

    def _log_unstored(self, count: int) -> None:
        if self._spool is not None:
            log.warning(
                "shutting down with %d escalation(s) still being opened; each one is kept in %s "
                "and finished at the next start",
                count,
                self._spool.path,
            )
            return
        log.error(
            "shutting down with %d escalation(s) not stored; their requesters were "
            "told to contact the owner directly",
            count,
        )


def _shadow_fields(would_have: WouldHave) -> dict[str, str]:
    """The decision log's "would have escalated to X" entry of a shadowed request."""
    owner = would_have.owner or ""
    named = f"{owner} ({would_have.owner_name})" if would_have.owner_name else owner
    return {"would_have": named, "would_category": would_have.category or "fallback"}


def _human(result: IntakeResult) -> Decision:
    decision = result.decision
    if decision is None or decision.route != "human":
        raise UsageError("only a decision with route 'human' can be escalated")
    return decision


def _clean(text: str) -> str:
    """Trim, and replace what can't be stored or sent as UTF-8 (lone surrogates from JSON)."""
    return text.strip().encode("utf-8", "replace").decode("utf-8")
