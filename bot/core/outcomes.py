"""The values the shared flows return. Adapters render them in their platform's words and
markup; nothing here is a sentence for a user, except the ``detail`` of a press that failed in a
way the escalation service has no :class:`~bot.escalations.errors.Refusal` for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.ai.model import Draft
from bot.ai.notes import AiNote, AiOutcome
from bot.ai.second_look import SecondLook
from bot.escalations.errors import Refusal
from bot.escalations.model import Escalation, StatusRef
from bot.policy.model import Decision

FollowUpKind = Literal["escalated", "store_down", "ai_work", "nothing"]
PressKind = Literal["moved", "refused", "closed", "unknown", "invalid", "store_down", "duplicate"]
AiOp = Literal["use", "again", "discard", "confirm", "cancel", "unschedule"]


@dataclass(frozen=True)
class FollowUp:
    """What happened after the verdict was shown.

    - ``escalated``: the escalation is open and its owner pinged (the escalation service keeps
      the requester's status card current from here);
    - ``store_down``: it could not be stored; intake keeps retrying, and the requester must be
      told to contact the owner directly, never to use AI meanwhile;
    - ``ai_work``: the decision went to the AI work; ``ai`` says what happens next;
    - ``nothing``: the reply was not a decision (a sub-command, a refusal, a duplicate).
    """

    kind: FollowUpKind
    decision: Decision | None = None
    escalation: Escalation | None = None
    status_ref: StatusRef | None = None  # the status card the adapter posted, if any
    ai: AiOutcome | None = None
    # escalated after the verdict said AI: the LLM's second look sent it to a person (issue 15)
    second_look: SecondLook | None = None


@dataclass(frozen=True)
class Press:
    """What an Acknowledge / Reassign / Resolve press did.

    - ``moved``: ``escalation`` as it stands now (also when the press changed nothing, such as a
      second Acknowledge by the same person): redraw the pressed message from it;
    - ``refused``, ``invalid``, ``unknown``: nothing changed; ``refusal`` says why (else
      ``detail``, the error as it is);
    - ``closed``: it was already resolved (``refusal``); ``escalation`` (when found) is it, to
      take its buttons away;
    - ``store_down``: nothing was recorded; press again later;
    - ``duplicate``: a redelivery of a press already handled.
    """

    kind: PressKind
    escalation_id: str
    escalation: Escalation | None = None
    refusal: Refusal | None = None
    detail: str = ""


@dataclass(frozen=True)
class AiPress:
    """What a button on AI work did (a draft, a proposed post, a scheduled post).

    ``done`` is False only when a draft's Use it changed nothing (not theirs, expired, already
    used, or the platform refused to schedule it): the card stays as it is. ``note`` is what the
    presser is told (handlers/common/ai_text.py words it). ``draft`` is the draft Use it took,
    whose text the adapter shows.
    """

    op: AiOp
    done: bool
    note: AiNote
    draft: Draft | None = None

    @property
    def replaces_card(self) -> bool:
        """True when the answer takes the place of the pressed card; False when it is a note to
        the presser and the card stays (nothing happened, or one post left a list of several)."""
        return self.done and self.op != "unschedule"
