"""What AI work stores and hands to the chat adapters: drafts, pending and scheduled posts.

Every model here round-trips through JSON in Redis (keys in :mod:`bot.store.keys`) and through
arq job arguments, so a crash between the chat ack and the work loses nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from bot.escalations.model import Actor, Platform
from bot.policy.model import Decision

if TYPE_CHECKING:  # notes holds values built on this module's PostPlan
    from bot.ai.notes import AiNote

DraftState = Literal["queued", "ready", "used", "discarded", "failed"]
PostState = Literal["scheduled", "posted", "cancelled", "failed"]


class ReplyTarget(BaseModel):
    """Where the requester reads the bot's answers.

    Slack: ``response_url`` of the command (ephemeral answers for 30 minutes), else ``channel``
    (+ ``thread_ts`` for a thread), else a direct message. Discord: ``channel`` plus the
    interaction ``token`` and ``application_id`` for follow-ups (valid 15 minutes).
    """

    model_config = ConfigDict(frozen=True)
    platform: Platform
    user_id: str
    channel: str | None = None
    thread_ts: str | None = None
    response_url: str | None = None
    ephemeral: bool = False
    interaction_token: str | None = None
    application_id: str | None = None


class PostPlan(BaseModel):
    """A post the requester asked to schedule: where, when (Unix seconds), and in which zone.

    The adapters show the moment as the requester said it, in ``tz`` (:meth:`moment`); a plan
    stored before this was data still carries its sentence, ``understood``, which is ignored.
    """

    model_config = ConfigDict(frozen=True)
    channel: str
    post_at: int
    tz: str  # an IANA zone that loads (bot.ai.timeparse.zone chose it)

    def moment(self) -> datetime:
        """When the post goes out, in the requester's zone."""
        return datetime.fromtimestamp(self.post_at, ZoneInfo(self.tz))


class Draft(BaseModel):
    id: str
    decision: Decision
    requester: Actor
    request_text: str
    reply_to: ReplyTarget
    state: DraftState = "queued"
    text: str = ""
    plan: PostPlan | None = None  # set when the draft is the text of a post to schedule
    created_at: float
    error: str = ""


class PendingSchedule(BaseModel):
    """A parsed scheduling request waiting for the requester's Confirm."""

    id: str
    decision_id: str
    requester: Actor
    reply_to: ReplyTarget
    text: str
    plan: PostPlan
    created_at: float


class ScheduledPost(BaseModel):
    id: str
    decision_id: str
    requester: Actor
    text: str
    plan: PostPlan
    state: PostState = "scheduled"
    channel_id: str | None = None  # the platform's own id, once it accepted the post
    platform_ref: str | None = None  # Slack scheduled_message_id; the job id on Discord

    @property
    def channel(self) -> str:
        return self.plan.channel

    @property
    def post_at(self) -> int:
        return self.plan.post_at


class DraftDelivery(Protocol):
    """Implemented by each chat adapter: how drafts and late news reach the requester."""

    async def deliver_draft(self, *, draft: Draft) -> None:
        """Show a headline (:func:`handlers.common.ai_text.draft_headline`) and ``draft.text``
        with Use it / Regenerate / Discard buttons (button value: ``draft.id``)."""

    async def tell(self, *, reply_to: ReplyTarget, note: AiNote) -> None:
        """Tell the requester something (a draft that could not be made), in the adapter's
        words for ``note``."""


@dataclass(frozen=True)
class ChannelMention:
    """A channel named in a request in the platform's markup, as the adapter resolved it:
    the channel to post in, and where the mention sits in the text (``text[start:end]``)."""

    channel: str
    start: int
    end: int

    @classmethod
    def last(cls, markup: re.Pattern[str], text: str) -> ChannelMention | None:
        """The last match of the platform's ``markup`` in ``text``; its ``id`` group is the
        channel. The last one wins: "repost the note from <#A> in <#B>" posts in B."""
        matches = list(markup.finditer(text))
        if not matches:
            return None
        last = matches[-1]
        return cls(channel=last.group("id"), start=last.start(), end=last.end())


MentionReader = Callable[[str], ChannelMention | None]


class PostScheduler(Protocol):
    """How a platform posts later: Slack's chat.scheduleMessage, or a timer job on Discord."""

    max_ahead_s: int  # how far ahead the platform accepts a post

    def channel_mention(self, text: str) -> ChannelMention | None:
        """The channel mention in ``text`` the post should go to, in the platform's markup
        (the last one), resolved; None when the request has none."""

    async def user_tz(self, *, user_id: str) -> str | None:
        """The user's IANA time zone if the platform knows it."""

    async def schedule(self, *, post: ScheduledPost) -> ScheduledPost:
        """Hand the post to the platform; return it with ``channel_id``/``platform_ref`` set.
        Raise :class:`bot.ai.scheduling.ScheduleRefused` with the note the requester reads."""

    async def cancel(self, *, post: ScheduledPost) -> None:
        """Stop a scheduled post from going out."""
