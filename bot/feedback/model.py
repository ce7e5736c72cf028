"""Feedback values: what a person said a verdict should have been, and what became of it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from bot.policy.model import Route

FeedbackKind = Literal["wrong_call", "not_for_me"]
FeedbackState = Literal["pending", "accepted", "rejected"]
Role = Literal["requester", "owner", "admin"]
OutcomeKind = Literal[
    "stored", "not_allowed", "unknown", "rate_limited", "invalid", "store_down", "duplicate"
]


class Remembered(BaseModel):
    """What feedback needs to know about a decision, kept for the feedback window."""

    model_config = ConfigDict(frozen=True)
    decision_id: str
    who: str  # "<platform>:<user id>" of the requester, as the decision log writes it
    route: Route
    category: str | None
    owner: str | None  # person key
    text: str  # the request, kept only until the window closes (see FeedbackService)
    policy_revision: str


class Feedback(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: str
    decision_id: str
    kind: FeedbackKind
    by: str  # "<platform>:<user id>"
    role: Role
    route: Route  # what it should have been
    category: str | None
    decided_route: Route
    decided_category: str | None
    note: str = ""
    # The request's text, only when the decision log keeps full text or the requester
    # consented in the form; otherwise the log's masked form (length and digest).
    text: str = ""
    text_kept: bool = False
    state: FeedbackState = "pending"
    reviewed_by: str = ""
    at: float
    policy_revision: str = ""


class FeedbackOutcome(BaseModel):
    """What became of a press; the adapters word it (handlers/common/feedback_text.py)."""

    model_config = ConfigDict(frozen=True)
    kind: OutcomeKind
    feedback: Feedback | None = None
    retry_after_s: int = 0
