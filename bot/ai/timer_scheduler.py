"""Scheduling where the platform has no scheduled messages (Discord): a timer job posts at the time.

The job waits in the shared Redis queue, so the post goes out even if the replica that took the
request has restarted since; a cancelled post is skipped when its job comes due.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from bot.ai.guard import AuditLog
from bot.ai.model import ChannelMention, PostState, ScheduledPost
from bot.ai.notes import AiNote
from bot.ai.scheduling import ScheduleRefused
from bot.ai.store import AiStore
from bot.jobs import Jobs, Retry

log = logging.getLogger(__name__)

POST_JOB = "ai_post_scheduled"
TIMER_MAX_AHEAD_S = 120 * 86400  # the same horizon as Slack, so both platforms behave alike
_POST_TRIES = 5


class ChannelPoster(Protocol):
    """Implemented by the Discord adapter: post ``text`` in a channel now, and find the channel
    a request mentions in the platform's markup."""

    async def post(self, *, channel_id: str, text: str) -> None: ...

    def channel_mention(self, text: str) -> ChannelMention | None: ...


class TimerPostScheduler:
    max_ahead_s = TIMER_MAX_AHEAD_S

    def __init__(
        self,
        *,
        jobs: Jobs,
        store: AiStore,
        poster: ChannelPoster,
        audit: AuditLog,
        clock: Callable[[], float] = time.time,
        job: str = POST_JOB,
        named_channels: bool = False,
    ) -> None:
        self._jobs = jobs
        self._store = store
        self._poster = poster
        self._audit = audit
        self._clock = clock
        # One job name per platform (Discord keeps POST_JOB); a platform whose channels are
        # names (the console, issue 15) takes "#general" as it is, not only a numeric id.
        self._job = job
        self._named_channels = named_channels
        jobs.register(job, self.run_job, max_tries=_POST_TRIES)

    async def user_tz(self, *, user_id: str) -> str | None:
        return None  # Discord does not tell bots a user's time zone

    def channel_mention(self, text: str) -> ChannelMention | None:
        return self._poster.channel_mention(text)

    async def schedule(self, *, post: ScheduledPost) -> ScheduledPost:
        channel = post.plan.channel
        if not channel.isdigit() and not self._named_channels:
            raise ScheduleRefused(AiNote(kind="pick_channel"))
        job_id = f"ai-post-{post.id}"
        await self._jobs.enqueue(
            self._job, job_id=job_id, defer_until=float(post.plan.post_at), post_id=post.id
        )
        return post.model_copy(update={"channel_id": channel, "platform_ref": job_id})

    async def cancel(self, *, post: ScheduledPost) -> None:
        """Nothing to do here: the job finds the post cancelled and skips it."""

    async def run_job(self, ctx: dict[str, Any], *, post_id: str) -> None:
        post = await self._store.get_post(post_id)
        if post is None or post.state != "scheduled":
            return
        try:
            await self._poster.post(channel_id=post.channel_id or post.plan.channel, text=post.text)
        except Exception as e:
            if int(ctx.get("job_try", 1)) < _POST_TRIES:
                raise Retry(defer=30) from e
            await self._finish(post, "failed", str(e))
            return
        await self._finish(post, "posted", "")

    async def _finish(self, post: ScheduledPost, state: PostState, error: str) -> None:
        await self._store.put_post(post.model_copy(update={"state": state}), now=self._clock())
        fields = {"event": f"post_{state}", "post_id": post.id}
        if error:
            log.error("scheduled post %s could not be posted: %s", post.id, error)
            fields["error"] = error[:200]
        await self._audit.record_event(kind="ai", decision_id=post.decision_id, fields=fields)
