"""AI help for the person who owns a request: the category's assists, on purpose, for them only.

A request routed to a person never goes to the LLM on its own. Once someone has acknowledged
it, its holder may press one of the category's assists (``assists:`` in the policy: a checklist,
a language check, questions to ask...); :meth:`OwnerHelp.ask` then sends the requester's text,
the holder's optional extra material and the assist's instruction to the LLM through
:meth:`bot.ai.guard.GuardedLlm.assist`, which admits only the holder of an acknowledged
escalation and writes the call to the decision log. The answer is returned to the holder alone
(the adapters show it ephemerally, labelled as AI help to review) and kept a while so that
:meth:`OwnerHelp.share` can send it on to the requester when the holder says so.

Everything here returns values (:class:`AssistResult`, :class:`ShareResult`); the words are in
handlers/common/assist_text.py.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, Protocol

import redis.asyncio as aioredis
from pydantic import BaseModel
from redis.exceptions import RedisError

from bot.ai.guard import AuditLog, GuardedLlm, NoAudit, OwnerAsk, RoutedToPerson
from bot.ai.llm import ChatModel, LlmError, OpenAiChatModel
from bot.escalations.model import Actor, Escalation, Platform
from bot.escalations.people import actor_key
from bot.policy.assists import Assist
from bot.policy.model import Guidance, Policy
from bot.settings import MAX_REQUEST_CHARS, Settings
from bot.store import keys
from bot.store.errors import StoreUnavailable

log = logging.getLogger(__name__)

MAX_EXTRA_CHARS = 6000  # the owner's pasted material; the LLM's own limits cut the prompt further
LANGUAGE_NAMES = {"en": "English", "fr": "French"}
# A second press of the same assist while the first is with the LLM waits for nothing: the
# first answer is on its way. Longer than any LLM call with its retries.
_BUSY_S = 120

AssistKind = Literal[
    "answer",  # ``answer`` is the LLM's help, for the holder only
    "no_llm",  # no LLM is configured: say how to turn it on
    "not_acknowledged",  # nobody holds it yet (open, reassigned, unanswered)
    "not_holder",  # someone else holds it (``holder``)
    "closed",  # resolved
    "unknown",  # no such escalation, or no such assist for its category (any more)
    "llm_failed",  # the LLM did not answer or refused; nothing else changed
    "busy",  # the same assist is being asked for by the same holder already (a double click)
]
ShareKind = Literal["shared", "expired", "not_yours", "already", "undeliverable"]


class AssistAnswer(BaseModel):
    """One answer, kept for its Share button: whose it is and who may receive it."""

    id: str
    escalation_id: str
    decision_id: str
    category: str
    assist: str
    asked_by: str  # the holder's assignee key
    platform: Platform
    requester: str  # the requester's assignee key
    text: str
    created_at: float


@dataclass(frozen=True)
class AssistResult:
    kind: AssistKind
    escalation_id: str
    assist: str = ""
    answer: AssistAnswer | None = None
    holder: str | None = None  # who holds it, for "only X can ask"
    shareable: bool = False  # the answer was kept, so Share with requester can work


@dataclass(frozen=True)
class ShareResult:
    kind: ShareKind
    answer: AssistAnswer | None = None


class AssistShare(Protocol):
    """Implemented by each chat adapter: how a holder's answer reaches the requester."""

    async def share_with_requester(self, *, escalation: Escalation, answer: AssistAnswer) -> None:
        """Send ``answer.text`` to the requester of ``escalation``, saying that its holder shared
        AI help they reviewed. Raise any error if it could not be delivered."""


EscalationGetter = Callable[[str], Awaitable[Escalation | None]]


def assists_offered(policy: Policy, escalation: Escalation) -> dict[str, Assist]:
    """The assists the ping shows: the category's, once someone holds the escalation; none
    before it is acknowledged or after it is resolved."""
    if escalation.state != "acknowledged":
        return {}
    category = policy.categories.get(escalation.category)
    return dict(category.assists) if category is not None else {}


def system_prompt(*, why: str, assist: Assist, guidance: Guidance, language: str) -> str:
    """What the LLM is told: why a person owns this, the assist's task, what it must never do,
    and that its answer is for that person to review, in their language."""
    lines = [
        "You help a marketer who owns a request that a person must handle, not AI. "
        f"Why a person owns it: {why}",
        "Your answer goes to that person only. They will review it and decide what, if "
        "anything, to use; it is never published or sent as it is.",
        f"Your task: {assist.instruction_in(language)}",
    ]
    if guidance.never:
        lines.append("Never:")
        lines.extend(f"- {rule}" for rule in guidance.never)
    lines.append("Do not speak for the company and do not invent facts, figures or quotes.")
    lines.append(f"Reply in {LANGUAGE_NAMES.get(language, language)}.")
    return "\n".join(lines)


def user_prompt(*, request: str, extra: str) -> str:
    parts = [f"The request:\n{request}"]
    if extra.strip():
        parts.append(f"Material from the owner:\n{extra.strip()}")
    return "\n\n".join(parts)


class OwnerHelp:
    """``ask`` and ``share``, for every adapter; built once by the composition root."""

    def __init__(
        self,
        *,
        redis: aioredis.Redis,
        policy: Callable[[], Policy],
        escalation: EscalationGetter,
        model: ChatModel | None,
        audit: AuditLog | None = None,
        answer_ttl_s: int = 7 * 86400,
        max_chars: int = MAX_REQUEST_CHARS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = redis
        self._policy = policy
        self._escalation = escalation
        self._llm = GuardedLlm(model, audit=audit or NoAudit()) if model is not None else None
        self._audit = audit or NoAudit()
        self._ttl_s = answer_ttl_s
        self._max_chars = max_chars
        self._clock = clock
        self._shares: dict[Platform, AssistShare] = {}

    @classmethod
    def from_settings(
        cls,
        *,
        settings: Settings,
        redis: aioredis.Redis,
        policy: Callable[[], Policy],
        escalation: EscalationGetter,
        audit: AuditLog | None = None,
    ) -> OwnerHelp:
        return cls(
            redis=redis,
            policy=policy,
            escalation=escalation,
            model=OpenAiChatModel.from_settings(settings),
            audit=audit,
            answer_ttl_s=settings.assist_answer_ttl_s,
            max_chars=settings.max_request_chars,
        )

    @property
    def llm_configured(self) -> bool:
        return self._llm is not None

    async def escalation(self, escalation_id: str) -> Escalation | None:
        """The escalation as it stands (an adapter building the assist form reads its category)."""
        return await self._escalation(escalation_id)

    def register_share(self, platform: Platform, share: AssistShare) -> None:
        self._shares[platform] = share

    async def ask(
        self, *, actor: Actor, escalation_id: str, assist: str, extra: str = "", language: str
    ) -> AssistResult:
        """The holder's press on ``assist``: the LLM's answer for them, or why there is none."""
        escalation = await self._escalation(escalation_id)
        policy = self._policy()
        refused = _refusal(policy, escalation, actor, assist, escalation_id)
        if refused is not None or escalation is None:
            if escalation is not None and refused is not None:
                await self._refused(escalation, actor_key(policy, actor), refused)
            return refused or AssistResult(kind="unknown", escalation_id=escalation_id)
        if self._llm is None:
            return AssistResult(kind="no_llm", escalation_id=escalation_id, assist=assist)
        chosen = policy.categories[escalation.category].assists[assist]
        ask = OwnerAsk(escalation=escalation, asker=actor_key(policy, actor), assist=assist)
        busy = f"{keys.AI_ASSIST_PREFIX}busy:{escalation.id}:{assist}:{ask.asker}"
        if not await self._redis.set(busy, "1", nx=True, ex=_BUSY_S):
            return AssistResult(kind="busy", escalation_id=escalation_id, assist=assist)
        try:
            return await self._ask(self._llm, policy, ask, chosen, extra, language)
        finally:
            await self._redis.delete(busy)

    async def _ask(
        self,
        llm: GuardedLlm,
        policy: Policy,
        ask: OwnerAsk,
        chosen: Assist,
        extra: str,
        language: str,
    ) -> AssistResult:
        escalation, assist, escalation_id = ask.escalation, ask.assist, ask.escalation.id
        try:
            text = await llm.assist(
                ask=ask,
                system=self._system(policy, escalation, chosen, language),
                user=user_prompt(
                    request=escalation.text[: self._max_chars], extra=extra[:MAX_EXTRA_CHARS]
                ),
            )
        except RoutedToPerson:  # it moved between the read and the guard's check
            return AssistResult(kind="not_holder", escalation_id=escalation_id, assist=assist)
        except LlmError as e:
            log.warning("assist %s on %s: %s", assist, escalation_id, e)
            return AssistResult(kind="llm_failed", escalation_id=escalation_id, assist=assist)
        return await self._answered(escalation, ask, text)

    async def _refused(self, escalation: Escalation, asker: str, result: AssistResult) -> None:
        """A press that never reached the guard is in the decision log too: an admin sees who
        tried to get AI help on work they do not hold."""
        fields = {"event": "assist_refused", "why": result.kind, "escalation": escalation.id}
        fields |= {"assist": result.assist, "asked_by": asker}
        await self._audit.record_event(kind="ai", decision_id=escalation.decision_id, fields=fields)

    def _system(self, policy: Policy, escalation: Escalation, chosen: Assist, lang: str) -> str:
        why = policy.categories[escalation.category].why
        return system_prompt(why=why, assist=chosen, guidance=policy.file.guidance, language=lang)

    async def _answered(self, escalation: Escalation, ask: OwnerAsk, text: str) -> AssistResult:
        answer = AssistAnswer(
            id=uuid.uuid4().hex,
            escalation_id=escalation.id,
            decision_id=escalation.decision_id,
            category=escalation.category,
            assist=ask.assist,
            asked_by=ask.asker,
            platform=escalation.platform,
            requester=escalation.requester,
            text=text,
            created_at=self._clock(),
        )
        try:
            await self._redis.set(_key(answer.id), answer.model_dump_json(), ex=self._ttl_s)
            kept = True
        except (RedisError, OSError) as e:  # the holder still gets it; only Share is lost
            log.warning("assist answer %s not kept for sharing: %r", answer.id, e)
            kept = False
        return AssistResult(
            kind="answer",
            escalation_id=escalation.id,
            assist=ask.assist,
            answer=answer,
            shareable=kept,
        )

    async def share(self, *, actor: Actor, answer_id: str) -> ShareResult:
        """The holder's Share with requester: the answer goes to the requester, once."""
        answer = await self._answer(answer_id)
        if answer is None:
            return ShareResult(kind="expired")
        if actor_key(self._policy(), actor) != answer.asked_by:
            return ShareResult(kind="not_yours", answer=answer)
        escalation = await self._escalation(answer.escalation_id)
        share = self._shares.get(answer.platform)
        if escalation is None or share is None:
            return ShareResult(kind="undeliverable", answer=answer)
        if not await self._redis.set(_key(answer.id) + ":shared", "1", nx=True, ex=self._ttl_s):
            return ShareResult(kind="already", answer=answer)
        try:
            await share.share_with_requester(escalation=escalation, answer=answer)
        except Exception:
            log.exception("assist answer %s could not be shared", answer.id)
            await self._redis.delete(_key(answer.id) + ":shared")
            return ShareResult(kind="undeliverable", answer=answer)
        fields = {"event": "assist_shared", "escalation": answer.escalation_id}
        fields |= {"assist": answer.assist, "shared_by": answer.asked_by}
        await self._audit.record_event(kind="ai", decision_id=answer.decision_id, fields=fields)
        return ShareResult(kind="shared", answer=answer)

    async def _answer(self, answer_id: str) -> AssistAnswer | None:
        try:
            raw = await self._redis.get(_key(answer_id))
        except (RedisError, OSError) as e:
            raise StoreUnavailable(f"could not read assist answer {answer_id}: {e}") from e
        return None if raw is None else AssistAnswer.model_validate_json(raw)

    async def aclose(self) -> None:
        if self._llm is not None:
            await self._llm.aclose()


def _key(answer_id: str) -> str:
    return keys.AI_ASSIST_PREFIX + answer_id


def _refusal(
    policy: Policy, escalation: Escalation | None, actor: Actor, assist: str, escalation_id: str
) -> AssistResult | None:
    """Why ``actor`` may not have ``assist`` on ``escalation`` now, or None if they may."""
    if escalation is None or assist not in assists_offered_any(policy, escalation):
        return AssistResult(kind="unknown", escalation_id=escalation_id, assist=assist)
    if escalation.state == "resolved":
        return AssistResult(kind="closed", escalation_id=escalation_id, assist=assist)
    if escalation.state != "acknowledged":
        return AssistResult(kind="not_acknowledged", escalation_id=escalation_id, assist=assist)
    if escalation.assignee != actor_key(policy, actor):
        holder = escalation.assignee
        return AssistResult(
            kind="not_holder", escalation_id=escalation_id, assist=assist, holder=holder
        )
    return None


def assists_offered_any(policy: Policy, escalation: Escalation) -> dict[str, Assist]:
    """The category's assists whatever the escalation's state (to tell "not yet" from "no such")."""
    category = policy.categories.get(escalation.category)
    return dict(category.assists) if category is not None else {}
