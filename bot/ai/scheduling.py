"""Scheduling posts: understand the request, show it back, and schedule only on Confirm.

Each platform posts later its own way (a :class:`~bot.ai.model.PostScheduler`): Slack through
chat.scheduleMessage (handlers/slack/ai_scheduler.py), Discord through a timer job
(bot/ai/timer_scheduler.py, posting through handlers/discord/ai_delivery.py). The posts are
also kept in Redis per requester, so ``/should-ai scheduled`` lists and cancels them the same
way on both platforms.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from bot.ai.guard import AuditLog
from bot.ai.model import PendingSchedule, PostPlan, PostScheduler, ReplyTarget, ScheduledPost
from bot.ai.notes import AiNote
from bot.ai.store import AiStore
from bot.ai.timeparse import ScheduleRequest, parse_schedule
from bot.errors import ShouldAiError
from bot.escalations.model import Actor, Platform

MAX_AHEAD_S = 366 * 86400  # a handed-off post: the team's tool sets its own horizon


class ScheduleRefused(ShouldAiError):
    """The platform or the request does not allow this post; ``note`` is what the requester is
    told (the adapters word it), ``str(e)`` is for logs."""

    def __init__(self, note: AiNote) -> None:
        super().__init__(str(note))
        self.note = note


class Scheduling:
    def __init__(
        self,
        *,
        store: AiStore,
        schedulers: dict[Platform, PostScheduler],
        audit: AuditLog,
        default_tz: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._schedulers = schedulers
        self._audit = audit
        self._default_tz = default_tz
        self._clock = clock

    def scheduler(self, platform: Platform) -> PostScheduler:
        found = self._schedulers.get(platform)
        if found is None:
            raise ScheduleRefused(AiNote(kind="no_scheduler", platform=platform))
        return found

    async def understand(self, *, actor: Actor, text: str) -> ScheduleRequest:
        """Read channel, text and time in the requester's zone (the platform's, or the default)."""
        scheduler = self.scheduler(actor.platform)
        tz = await scheduler.user_tz(user_id=actor.user_id)
        now = datetime.fromtimestamp(self._clock(), tz=UTC)
        # dateparser is CPU work (its first call loads language data, ~0.4 s): off the event loop,
        # so other requests' acks are not held up.
        return await asyncio.to_thread(
            parse_schedule,
            text,
            tz=tz,
            default_tz=self._default_tz,
            now=now,
            max_ahead_s=scheduler.max_ahead_s,
            mentions=scheduler.channel_mention,
        )

    async def plan_for_network(self, *, actor: Actor, text: str, network: str) -> PostPlan | None:
        """When a post for ``network`` (handed off, issue 15) should go out, if the request
        says so clearly; None leaves the time to the team's tool (the text still says it)."""
        scheduler = self._schedulers.get(actor.platform)
        tz = await scheduler.user_tz(user_id=actor.user_id) if scheduler is not None else None
        now = datetime.fromtimestamp(self._clock(), tz=UTC)
        request = await asyncio.to_thread(
            parse_schedule, text, tz=tz, default_tz=self._default_tz, now=now,
            max_ahead_s=MAX_AHEAD_S,
        )  # fmt: skip
        if request.question is not None or request.at is None:
            return None
        return PostPlan(channel=network, post_at=int(request.at.timestamp()), tz=request.tz)

    @staticmethod
    def plan_of(request: ScheduleRequest) -> PostPlan:
        assert request.at is not None and request.channel is not None
        return PostPlan(
            channel=request.channel,
            post_at=int(request.at.timestamp()),
            tz=request.tz,
        )

    async def propose(
        self, *, decision_id: str, actor: Actor, reply_to: ReplyTarget, text: str, plan: PostPlan
    ) -> PendingSchedule:
        pending = PendingSchedule(
            id=uuid.uuid4().hex,
            decision_id=decision_id,
            requester=actor,
            reply_to=reply_to,
            text=text,
            plan=plan,
            created_at=self._clock(),
        )
        await self._store.put_pending(pending)
        return pending

    async def confirm(self, *, pending_id: str, actor: Actor) -> ScheduledPost:
        pending = await self._store.get_pending(pending_id)
        if pending is None:
            raise ScheduleRefused(AiNote(kind="confirm_expired"))
        if pending.requester != actor:
            raise ScheduleRefused(AiNote(kind="confirm_not_yours"))
        if await self._store.take_pending(pending_id) is None:
            raise ScheduleRefused(AiNote(kind="confirm_done"))
        return await self.schedule(
            decision_id=pending.decision_id, requester=actor, text=pending.text, plan=pending.plan
        )

    async def drop_pending(self, *, pending_id: str, actor: Actor) -> None:
        pending = await self._store.get_pending(pending_id)
        if pending is not None and pending.requester != actor:
            raise ScheduleRefused(AiNote(kind="cancel_not_yours"))
        await self._store.take_pending(pending_id)

    async def schedule(
        self, *, decision_id: str, requester: Actor, text: str, plan: PostPlan
    ) -> ScheduledPost:
        """Hand the post to the platform and remember it for ``/should-ai scheduled``."""
        if plan.post_at <= self._clock():
            raise ScheduleRefused(AiNote(kind="post_passed", plan=plan))
        post = ScheduledPost(
            id=uuid.uuid4().hex[:12],
            decision_id=decision_id,
            requester=requester,
            text=text,
            plan=plan,
        )
        accepted = await self.scheduler(requester.platform).schedule(post=post)
        await self._store.put_post(accepted, now=self._clock())
        await self._event(accepted, "scheduled")
        return accepted

    async def list_for(self, actor: Actor) -> list[ScheduledPost]:
        posts = await self._store.posts_of(actor, after=self._clock())
        return [p for p in posts if p.state == "scheduled"]

    async def cancel(self, *, post_id: str, actor: Actor) -> ScheduledPost:
        post = await self._store.get_post(post_id)
        if post is None or post.state != "scheduled":
            raise ScheduleRefused(AiNote(kind="post_gone"))
        if post.requester != actor:
            raise ScheduleRefused(AiNote(kind="unschedule_not_yours"))
        await self.scheduler(actor.platform).cancel(post=post)
        cancelled = post.model_copy(update={"state": "cancelled"})
        await self._store.put_post(cancelled, now=self._clock())
        await self._event(cancelled, "schedule_cancelled")
        return cancelled

    async def _event(self, post: ScheduledPost, event: str) -> None:
        await self._audit.record_event(
            kind="ai",
            decision_id=post.decision_id,
            fields={
                "event": event,
                "post_id": post.id,
                "channel": post.plan.channel,
                "post_at": str(post.plan.post_at),
            },
        )
