"""Escalation records and the interfaces the chat adapters implement or call.

The escalation service (``bot/escalations/service.py``) owns the lifecycle; the Slack and Discord
adapters implement :class:`Notifier` and call the service with an :class:`Actor` when a button
is pressed. What the requester is told travels as a :class:`StatusNote` value, which each
adapter words (``handlers/common/status_text.py``). Nothing here imports Slack, Discord or Redis.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, BeforeValidator, ConfigDict

from bot.errors import ShouldAiError

Platform = Literal["slack", "discord", "console"]
# "snoozed": its holder asked to be pinged again later (issue 14); its timer pings them again.
State = Literal["open", "acknowledged", "reassigned", "resolved", "unanswered", "snoozed"]


def _migrated(state: object) -> object:
    # Before issue 12 an escalation nobody answered was stored as "expired" (and dropped from
    # every queue). Such a record still loads, as what it is: unanswered.
    return "unanswered" if state == "expired" else state


StoredState = Annotated[State, BeforeValidator(_migrated)]
Action = Literal["acknowledge", "reassign", "resolve", "snooze", "withdraw"]


class Actor(BaseModel):
    """Who pressed a button or typed a command, as the platform names them."""

    model_config = ConfigDict(frozen=True)
    platform: Platform
    user_id: str


class StatusRef(BaseModel):
    """Where the requester's status card lives, so it can be updated as the escalation moves.

    Slack: ``channel`` + ``ts`` of the card. Discord: ``channel`` + ``message_id`` (or the
    interaction ``token`` of an ephemeral answer, valid 15 minutes).
    """

    model_config = ConfigDict(frozen=True)
    channel: str | None = None
    ts: str | None = None
    message_id: str | None = None
    token: str | None = None
    application_id: str | None = None


class Transition(BaseModel):
    at: float
    state: StoredState
    level: int
    assignee: str | None
    by: str | None
    note: str = ""
    comment: str = ""  # what the person who acted wrote (a note with an ack, resolve, ...)
    outcome: str = ""  # how it ended, when resolved ("withdrawn" when the requester withdrew)


class Escalation(BaseModel):
    id: str
    decision_id: str
    policy_revision: str
    category: str
    platform: Platform
    requester: str
    text: str
    state: StoredState  # "unanswered": climbed past its last level; it stays in every queue
    level: int  # 0 owner, 1 backup, 2 channel, 3+ channel repeats
    assignee: str | None  # person key in people.yaml, None when at channel level
    created_at: float
    due_at: float | None
    status_ref: StatusRef | None = None
    history: list[Transition] = []

    def after(self, move: Transition, *, due_at: float | None) -> Escalation:
        """This escalation once ``move`` is made: its state, level and assignee are the move's."""
        return self.model_copy(
            update={
                "state": move.state,
                "level": move.level,
                "assignee": move.assignee,
                "due_at": due_at,
                "history": [*self.history, move],
            }
        )


StatusKind = Literal[
    "pinged",
    "reassigned",
    "acknowledged",
    "resolved",
    "no_answer",
    "unreachable",
    "queued",  # in ``to``'s queue, not pinged again (the requester paged them too often lately)
    "snoozed",  # ``by`` will be pinged again in ``then.within_s``
    "withdrawn",  # the requester (``by``) withdrew it
    "skipped",  # ``missed`` was passed over (away, or off hours for an urgent one: ``reason``)
    "off_hours",  # ``to`` is off hours: pinged when their working hours start (``reason``)
]


@dataclass(frozen=True)
class Who:
    """Someone a status note names: a person (an assignee key) or a channel (a channel key)."""

    kind: Literal["person", "channel"]
    key: str


@dataclass(frozen=True)
class NextStep:
    """If nobody acknowledges within ``within_s``, ``to`` is pinged, or (None) it is unanswered."""

    within_s: float
    to: Who | None


@dataclass(frozen=True)
class StatusNote:
    """News for the requester's status card, as a value the adapters put in words.

    ``kind``: "pinged" (``to`` was pinged), "reassigned" (``by`` handed it ``to``),
    "acknowledged" or "resolved" (by ``by``), "no_answer" (``missed`` did not acknowledge) or
    "unreachable" (``missed`` could not be reached, for ``reason``, the platform's words). After
    those two it climbed to ``to``; with ``to`` None it is unanswered (nobody is left to ask),
    and ``reach`` is the owner to reach directly. ``then``: what happens next if nobody
    acknowledges the ping just sent.
    """

    kind: StatusKind
    to: Who | None = None
    by: Who | None = None
    missed: Who | None = None
    reason: str = ""
    reach: Who | None = None
    then: NextStep | None = None
    comment: str = ""  # the note the person who acted wrote, if any
    outcome: str = ""  # the outcome they gave, if any


class DeliveryRefused(ShouldAiError):
    """The platform would not deliver a ping (DMs closed, unknown user): climb to the next level."""


class DeliveryFailed(ShouldAiError):
    """The platform could not deliver now (5xx, 429, a timeout, a dropped connection).

    Not a refusal: the same ping is tried again, with backoff, until it goes out or the level's
    own deadline passes; the escalation does not climb for it. ``retry_after_s`` is the wait the
    platform asked for (a 429's Retry-After), if it said.
    """

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Notifier(Protocol):
    """What the escalation engine needs from a chat platform."""

    async def ping_person(self, *, escalation: Escalation, person_key: str) -> None:
        """DM the person with Acknowledge / Reassign / Resolve.

        Raise DeliveryRefused if refused for good, DeliveryFailed if the platform failed for now.
        """

    async def post_channel(self, *, escalation: Escalation, channel_key: str) -> None:
        """Post the escalation to a channel (last level of the climb)."""

    async def update_status(self, *, escalation: Escalation, note: StatusNote) -> None:
        """Update the requester's status card with ``note`` (or tell them, if there is no card)."""


class EscalationActions(Protocol):
    """What a chat adapter needs of the escalation service when a button is pressed."""

    async def act(
        self,
        *,
        escalation_id: str,
        actor: Actor,
        action: Action,
        target_user_id: str | None = None,
        comment: str = "",
        outcome: str = "",
        minutes: float | None = None,
    ) -> Escalation: ...

    async def get(self, escalation_id: str) -> Escalation | None: ...
