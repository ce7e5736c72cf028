"""The optional LLM judge: the classifier's last layer, for requests the others were unsure of.

It runs only when an LLM is configured and the decision is unsure (see
:func:`bot.ai.guard.is_unsure`), after the chat ack, with a timeout. Its answer must be one of the
policy's category keys; anything else, a timeout or an error leaves the request with a person.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable

from bot.ai.guard import AuditLog, GuardedLlm, RoutedToPerson, is_unsure
from bot.ai.llm import LlmError
from bot.policy.model import Decision, Owner, Policy, Reason

log = logging.getLogger(__name__)

_UNSURE = "unsure"
_WORD = re.compile(r"[a-z][a-z0-9_-]*")


def judge_prompt(policy: Policy) -> str:
    lines = [
        "You sort a marketing team's requests into categories. The categories are:",
        *(f"- {key}: {c.label}. {c.why}" for key, c in policy.categories.items()),
        "Reply with exactly one category key from the list, lower case, and nothing else.",
        f"If you are not sure, reply {_UNSURE}.",
    ]
    return "\n".join(lines)


class Judge:
    def __init__(
        self,
        *,
        llm: GuardedLlm,
        policy: Callable[[], Policy],
        audit: AuditLog,
        timeout_s: float = 10.0,
    ) -> None:
        self._llm = llm
        self._policy = policy
        self._audit = audit
        self._timeout_s = timeout_s

    @staticmethod
    def applies(decision: Decision) -> bool:
        return is_unsure(decision)

    async def judge(self, *, decision: Decision, text: str) -> Decision:
        """A firmer decision from the LLM, or ``decision`` unchanged (a person) if it can't say."""
        policy = self._policy()
        try:
            answer = await asyncio.wait_for(
                self._llm.ask(
                    decision=decision, purpose="judge", system=judge_prompt(policy), user=text
                ),
                self._timeout_s,
            )
        except (TimeoutError, LlmError, RoutedToPerson) as e:
            await self._event(decision, "judge_failed", error=type(e).__name__)
            return decision
        except Exception as e:  # whatever went wrong, the request stays with a person
            log.exception("LLM judge failed for decision %s", decision.decision_id)
            await self._event(decision, "judge_failed", error=type(e).__name__)
            return decision
        key = _category_key(answer, policy)
        judged = decision if key is None else _judged(decision, key, policy)
        await self._event(
            decision,
            "judge_answered",
            answer=key or _UNSURE,
            route=judged.route,
            category=judged.category or "",
        )
        return judged

    async def _event(self, decision: Decision, event: str, **extra: str) -> None:
        await self._audit.record_event(
            kind="ai", decision_id=decision.decision_id, fields={"event": event, **extra}
        )


def _category_key(answer: str, policy: Policy) -> str | None:
    words = _WORD.findall(answer.strip().lower())
    return words[0] if len(words) == 1 and words[0] in policy.categories else None


def _judged(decision: Decision, key: str, policy: Policy) -> Decision:
    category = policy.categories[key]
    person = policy.people.people.get(category.owner) if category.owner else None
    owner = Owner(id=category.owner, name=person.name) if category.owner and person else None
    reason = Reason(layer="llm", category=key, detail=f"the LLM judge read this as {key}")
    return decision.model_copy(
        update={
            "route": category.route,
            "category": key,
            "categories": (key,),
            "owner": owner,
            "reasons": (*decision.reasons, reason),
            "why": category.why,
            "ai_may": category.ai_may,
        }
    )
