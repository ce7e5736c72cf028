"""What the AI work tells a requester, as values: what happens next after the verdict, what a
button did or why it changed nothing, a question instead of a guess about a time, a draft that
could not be written. The adapters put them in words (handlers/common/ai_text.py), as they do
the escalations' status notes and refusals; ``str(note)`` is for logs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.ai.model import PostPlan

AiNoteKind = Literal[
    # what happens next, right after the verdict
    "drafting",  # a draft is being written
    "drafting_post",  # the text of a post for ``plan`` is being written
    "confirm_post",  # post ``text`` as ``plan`` says? (Confirm / Cancel)
    "no_llm",  # no LLM is configured, so nothing is drafted
    "store_down",  # the storage did not answer; nothing was queued
    "need_text",  # what should the post say?
    "need_channel",  # which channel should it go to?
    # what a button did
    "text_ready",  # Use it on a draft: its text follows
    "redrafting",  # Regenerate: another draft is on its way
    "discarded",  # the draft is discarded
    "scheduled",  # the post is scheduled as ``plan`` says
    "pending_cancelled",  # Cancel on a proposed post: nothing will be posted
    "unscheduled",  # a scheduled post (``plan``) is cancelled
    # why a button or a post changed nothing
    "no_scheduler",  # scheduling is not set up for ``platform``
    "confirm_expired",
    "confirm_not_yours",
    "confirm_done",  # already confirmed or cancelled
    "cancel_not_yours",
    "post_passed",  # the time of ``plan`` has passed
    "post_gone",  # no longer scheduled
    "unschedule_not_yours",
    "pick_channel",  # mention the channel from the platform's list
    "platform_refused",  # the platform refused the post; ``detail`` is its adapter's words
    "draft_expired",
    "draft_not_yours",
    "draft_done",  # already used or discarded
    # a question instead of a guess (bot.ai.timeparse)
    "ask_when",  # no time at all
    "ask_which_time",  # several times: ``phrases``
    "ask_time_of_day",  # a day (``at``) without a time
    "ask_today_or_next",  # a weekday that could be today (``at`` is a week on)
    "ask_month",  # ``detail`` (03/04) could be two dates
    "ask_past",  # ``at`` (in ``tz``) has passed
    "ask_too_far",  # ``at`` (in ``tz``) is more than ``days`` ahead
    # a draft that could not be written (``failure`` says why)
    "draft_failed",
    # issue 15: what AI work the bot does not do itself, said plainly (bot/ai/honest.py)
    "own_tools",  # no person needed; the team's own tools (``text``) do ``detail`` (a label)
    "draft_unknown",  # no draft has the id ``detail``
    "draft_ambiguous",  # several drafts start with ``detail``: ``phrases`` are their ids
    "draft_used",  # the draft was already used
    "draft_discarded",  # the draft was already discarded
    "handed_off",  # sent to ``detail`` (the hand-off's label); ``text`` is what it is for
    "handoff_failed",  # the hand-off ``detail`` could not be queued; nothing was sent
    "network_unsupported",  # the bot cannot post on ``platform`` (Instagram...) and no hand-off
    "meeting",  # a meeting request: the bot books no meetings
]

FailureKind = Literal["llm_silent", "undeliverable", "unfinished", "for_a_person", "llm_rejected"]


@dataclass(frozen=True)
class DraftFailure:
    """Why a draft job gave up: the LLM did not answer (``attempts`` tries), the draft could not
    be delivered (``attempts`` tries), the job never finished, the request belongs to a person,
    or the LLM refused the request (a wrong key or model)."""

    kind: FailureKind
    attempts: int = 0

    def __str__(self) -> str:
        return f"{self.kind} after {self.attempts} tries" if self.attempts else self.kind


@dataclass(frozen=True)
class AiNote:
    """One thing the AI work tells the requester; ``kind`` says which, and the fields its words
    need are set (see :data:`AiNoteKind`)."""

    kind: AiNoteKind
    plan: PostPlan | None = None
    text: str = ""
    platform: str = ""
    phrases: tuple[str, ...] = ()
    at: datetime | None = None
    tz: str = ""
    days: int = 0
    detail: str = ""
    failure: DraftFailure | None = None

    def __str__(self) -> str:
        extra = self.detail or (str(self.failure) if self.failure else "")
        return f"{self.kind}: {extra}" if extra else self.kind


OutcomeKind = Literal[
    "drafting", "confirm", "question", "no_llm", "error", "none", "answered", "handed_off"
]


@dataclass(frozen=True)
class AiOutcome:
    """What an adapter shows right after the verdict for a routine request (``note``; None
    when the AI work has nothing to say)."""

    kind: OutcomeKind
    note: AiNote | None = None
    pending_id: str | None = None  # "confirm": the value of the Confirm / Cancel buttons
