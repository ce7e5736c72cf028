"""The LLM's second look: before AI works on a request, ask the LLM whether a person must own it.

It runs only when an LLM is configured and ``SHOULD_AI_LLM_SECOND_LOOK`` is on, after the chat
ack, for a decision routed to AI whose category has AI work to do (a draft, a post, a hand-off;
a category answered plainly sends nothing anywhere, so nothing is asked). It can only move a
request *to* a person, never the other way: a human decision is never shown to it
(:func:`bot.ai.guard.admit`). Its prompt is built from the policy's human categories and their
why-texts, framed in the request's language. Its answer must be exactly one JSON object::

    {"needs_person": false, "category": null, "reason": "Routine copy."}

Anything else — not JSON, a wrong key or type, an unknown category, a timeout, an error — counts
as "needs a person": the request goes to the category the answer names if it is a human one,
else to the policy's fallback owner, and the requester is shown why.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from bot.ai.guard import AuditLog, GuardedLlm
from bot.policy.model import Decision, Owner, Policy, Reason

log = logging.getLogger(__name__)

ANSWER_KEYS = frozenset({"needs_person", "category", "reason"})
MAX_REASON_CHARS = 300
Failure = Literal["", "malformed", "timeout", "error"]

_FRENCH = re.compile(
    r"\b(le|la|les|des|du|une|pour|avec|notre|nos|est|et|dans|sur|programme|prépare|rédige|"
    r"mardi|demain|semaine|envoie|écris)\b|[éèêàçù]",
    re.IGNORECASE,
)
_ENGLISH = re.compile(
    r"\b(the|for|with|our|is|and|in|on|to|of|a|an|draft|write|schedule|next|week)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SecondLook:
    """What the second look concluded. ``person``: the request goes to a person (``decision``,
    now human). ``reason``: the LLM's own words, or empty when ``failure`` says why its answer
    could not be used (then a person decides to be safe)."""

    person: bool
    decision: Decision
    reason: str = ""
    failure: Failure = ""


def request_language(text: str) -> str:
    """ "fr" or "en": which of the two the request is written in (English when unclear)."""
    return "fr" if len(_FRENCH.findall(text)) > len(_ENGLISH.findall(text)) else "en"


def second_look_prompt(policy: Policy, decision: Decision, language: str) -> str:
    """The instructions, from the policy's human categories and their why-texts."""
    humans = [(k, c) for k, c in policy.categories.items() if c.route == "human"]
    listed = [f"- {key} ({c.label}): {c.why}" for key, c in humans]
    first = policy.categories.get(decision.category or "")
    seen_as = first.label if first is not None else (decision.category or "?")
    keys = ", ".join(k for k, _ in humans)
    if language == "fr":
        head = [
            "Tu relis les demandes d'une équipe marketing avant qu'une IA ne s'en charge.",
            f"Une première lecture y voit un travail courant que l'IA peut faire ({seen_as}).",
            "Ta seule tâche : dire si cette demande doit en fait être prise en charge par une "
            "personne. Ces travaux-là reviennent toujours à une personne :",
        ]
        tail = [
            "Réponds par un seul objet JSON, sans rien d'autre :",
            '{"needs_person": true ou false, "category": une de ces clés (' + keys + ") ou "
            'null, "reason": "une phrase courte, en français"}',
            "En cas de doute, réponds needs_person true.",
        ]
    else:
        head = [
            "You check a marketing team's requests before an AI works on them.",
            f"A first reading found routine work AI may do ({seen_as}).",
            "Your only job: say whether this request actually needs a person. "
            "These kinds of work always belong to a person:",
        ]
        tail = [
            "Answer with one JSON object and nothing else:",
            '{"needs_person": true or false, "category": one of these keys (' + keys + ") or "
            'null, "reason": "one short sentence, in English"}',
            "If you are unsure, answer needs_person true.",
        ]
    return "\n".join([*head, *listed, *tail])


def parse_answer(answer: str, policy: Policy) -> tuple[bool, str | None, str] | None:
    """(needs_person, human category or None, reason), or None when ``answer`` is not exactly
    the JSON object asked for."""
    try:
        data: Any = json.loads(answer)
    except ValueError:
        return None
    if not isinstance(data, dict) or set(data) != ANSWER_KEYS:
        return None
    person, category, reason = data["needs_person"], data["category"], data["reason"]
    if not isinstance(person, bool) or not isinstance(reason, str) or not reason.strip():
        return None
    if category is None:
        return person, None, reason.strip()[:MAX_REASON_CHARS]
    if not isinstance(category, str) or category not in policy.categories:
        return None
    human = category if policy.categories[category].route == "human" else None
    return person, human, reason.strip()[:MAX_REASON_CHARS]


def to_a_person(decision: Decision, policy: Policy, category: str | None, detail: str) -> Decision:
    """``decision`` routed to the human ``category``'s owner, or to the fallback owner."""
    chosen = policy.categories.get(category or "")
    people = policy.people.people
    if chosen is not None and chosen.route == "human" and chosen.owner:
        key, owner_key, why, ai_may = category, chosen.owner, chosen.why, chosen.ai_may
    else:
        fallback = policy.file.fallback
        key, owner_key, why, ai_may = None, fallback.owner, fallback.why, fallback.ai_may
    person = people.get(owner_key)
    owner = Owner(id=owner_key, name=person.name) if person is not None else None
    reason = Reason(layer="llm", category=key, detail=f"the LLM's second look: {detail}")
    return decision.model_copy(
        update={
            "route": "human",
            "category": key,
            "categories": (key,) if key else (),
            "owner": owner,
            "reasons": (*decision.reasons, reason),
            "why": why,
            "ai_may": ai_may,
        }
    )


class SecondLooker:
    def __init__(
        self,
        *,
        llm: GuardedLlm,
        policy: Callable[[], Policy],
        audit: AuditLog,
        timeout_s: float = 8.0,
    ) -> None:
        self._llm = llm
        self._policy = policy
        self._audit = audit
        self._timeout_s = timeout_s

    async def look(self, *, decision: Decision, text: str) -> SecondLook:
        """Ask; a person on anything but a well-formed "no person needed"."""
        policy = self._policy()
        system = second_look_prompt(policy, decision, request_language(text))
        try:
            answer = await asyncio.wait_for(
                self._llm.ask(decision=decision, purpose="second_look", system=system, user=text),
                self._timeout_s,
            )
        except TimeoutError:
            return await self._failed(decision, policy, "timeout")
        except Exception as e:  # LLM down, refused, a bug: the request goes to a person
            log.warning("second look failed for decision %s: %r", decision.decision_id, e)
            return await self._failed(decision, policy, "error")
        parsed = parse_answer(answer, policy)
        if parsed is None:
            return await self._failed(decision, policy, "malformed")
        person, category, reason = parsed
        looked = SecondLook(
            person=person,
            decision=to_a_person(decision, policy, category, reason) if person else decision,
            reason=reason,
        )
        await self._event(looked, "second_look", answer="person" if person else "ai")
        return looked

    async def _failed(self, decision: Decision, policy: Policy, failure: Failure) -> SecondLook:
        detail = f"no usable answer ({failure}), so a person decides"
        looked = SecondLook(
            person=True,
            decision=to_a_person(decision, policy, None, detail),
            failure=failure,
        )
        await self._event(looked, "second_look_failed", error=failure)
        return looked

    async def _event(self, looked: SecondLook, event: str, **extra: str) -> None:
        fields = {
            "event": event,
            "route": looked.decision.route,
            "category": looked.decision.category or "",
            **extra,
        }
        if looked.reason:
            fields["reason"] = looked.reason
        await self._audit.record_event(
            kind="ai", decision_id=looked.decision.decision_id, fields=fields
        )
