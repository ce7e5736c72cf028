"""AI work handed to the team's own tools: a category with ``ai_work: handoff`` (and posts for
networks the bot cannot post on) go to an outgoing webhook of the policy's ``handoffs:``.

The requester is told where it went (the hand-off's label and what it does). A hand-off that
cannot be queued (no signing secret, the store down) says so: nothing was sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bot.ai.model import PostPlan
from bot.ai.notes import AiNote, AiOutcome
from bot.escalations.model import Actor
from bot.handoff.sender import HandoffError, WebhookSender
from bot.policy.model import Decision, Policy
from bot.store.errors import StoreUnavailable

log = logging.getLogger(__name__)


class HandOffs:
    def __init__(self, *, policy: Callable[[], Policy], sender: WebhookSender) -> None:
        self._policy = policy
        self.sender = sender

    async def request(self, *, actor: Actor, text: str, decision: Decision) -> AiOutcome:
        """Hand the request to its category's webhook."""
        category = self._policy().categories.get(decision.category or "")
        name = category.handoff if category is not None else None
        return await self._send(name, actor, text, decision, post=None)

    def networks_handoff(self) -> str | None:
        return self._policy().file.networks_handoff

    async def post(
        self, *, actor: Actor, text: str, decision: Decision, network: str, plan: PostPlan | None
    ) -> AiOutcome:
        """Hand a post for ``network`` (Instagram...) to the policy's networks hand-off."""
        post: dict[str, Any] = {"network": network, "text": text}
        if plan is not None:
            post |= {"post_at": plan.post_at, "tz": plan.tz}
        return await self._send(self.networks_handoff(), actor, text, decision, post=post)

    async def _send(
        self,
        name: str | None,
        actor: Actor,
        text: str,
        decision: Decision,
        *,
        post: dict[str, Any] | None,
    ) -> AiOutcome:
        handoff = self._policy().file.handoffs.get(name or "")
        if name is None or handoff is None:  # the loader refuses this; a guard, not a path
            return AiOutcome(kind="error", note=AiNote(kind="handoff_failed", detail=str(name)))
        data: dict[str, Any] = {
            "request": {
                "text": text,
                "decision_id": decision.decision_id,
                "category": decision.category,
            },
            "requester": {"platform": actor.platform, "user_id": actor.user_id},
            "post": post,
        }
        try:
            await self.sender.send(
                name=name,
                handoff=handoff,
                decision_id=decision.decision_id,
                event="post" if post is not None else "request",
                data=data,
            )
        except (HandoffError, StoreUnavailable) as e:
            log.error("hand-off %s for decision %s not queued: %s", name, decision.decision_id, e)
            return AiOutcome(kind="error", note=AiNote(kind="handoff_failed", detail=handoff.label))
        note = AiNote(kind="handed_off", detail=handoff.label, text=handoff.does)
        return AiOutcome(kind="handed_off", note=note)
