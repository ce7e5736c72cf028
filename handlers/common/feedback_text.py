"""The words of "wrong call?", "not for me", shadow mode and the weekly digest, for every
adapter. Built at render time, each literal through ``_``."""

from __future__ import annotations

from bot.feedback.model import Feedback, FeedbackOutcome
from bot.policy.model import Policy
from bot.policy.shadow import WouldHave
from handlers.common.i18n import _


def wrong_call_label() -> str:
    return _("Wrong call?")


def not_for_me_label() -> str:
    return _("Not for me")


def not_for_me_hint() -> str:
    return _("Not yours to own? Say what it should have been.")


def form_title() -> str:
    return _("What should it have been?")


def category_field() -> str:
    return _("The right category")


def note_field() -> str:
    return _("Note (optional; admins read it)")


def consent_label() -> str:
    return _("Keep my request's words with this feedback so the policy can learn from it")


def choice_label(policy: Policy, category: str) -> str:
    """One option of the category select: its label and who does it."""
    found = policy.categories[category]
    side = _("a person") if found.route == "human" else _("AI")
    return _("{label} ({side})").format(label=found.label, side=side)


def console_hint(decision_id: str) -> str:
    return _("Wrong call? Type: wrong {decision_id} <category> [note]").format(
        decision_id=decision_id
    )


def console_usage() -> str:
    return _("Usage: wrong <decision id> <category> [note]")


def outcome_text(outcome: FeedbackOutcome, policy: Policy) -> str:
    """What the presser is told once the feedback is (or is not) stored."""
    match outcome.kind:
        case "stored":
            assert outcome.feedback is not None
            return _stored(outcome.feedback, policy)
        case "not_allowed":
            return _("Only the requester, the category's owner or an admin can correct this call.")
        case "unknown":
            return _("I no longer have that decision; feedback is kept for a week after it.")
        case "rate_limited":
            return _("That is a lot of feedback at once; try again in {minutes} min.").format(
                minutes=max(1, outcome.retry_after_s // 60)
            )
        case "invalid":
            return _("That is not a category of the policy.")
        case "duplicate":
            return _("Already recorded.")
        case _:
            return _("I can't record that right now (my store is unreachable); try again soon.")


def _stored(feedback: Feedback, policy: Policy) -> str:
    found = policy.categories.get(feedback.category or "")
    label = found.label if found is not None else (feedback.category or "-")
    return _(
        "Thanks: feedback {id} recorded (should have been {label}). An admin reviews it."
    ).format(id=feedback.id, label=label)


def shadow_note(would_have: WouldHave, policy: Policy) -> str:
    """Under a verdict shadow mode answered: who would have been pinged."""
    found = policy.categories.get(would_have.category or "")
    label = found.label if found is not None else _("unsure")
    who = would_have.owner_name or would_have.owner or _("the fallback owner")
    return _(
        "Shadow mode: {label} is being tried out, so nobody was pinged; "
        "it would have gone to {who}."
    ).format(label=label, who=who)


def pending_line(feedback: Feedback, policy: Policy) -> str:
    """One feedback waiting for review, on the console."""
    was = _label_of(policy, feedback.decided_category)
    should = _label_of(policy, feedback.category)
    note = _(" ({note})").format(note=feedback.note) if feedback.note else ""
    return _(
        "{id}: {was} should have been {should}, says {by}{note}; accept {id} / reject {id}"
    ).format(id=feedback.id, was=was, should=should, by=feedback.by, note=note)


def no_pending() -> str:
    return _("No feedback is waiting for review.")


def unknown_feedback(feedback_id: str) -> str:
    return _("There is no feedback {id}.").format(id=feedback_id)


def reviewed(feedback: Feedback) -> str:
    if feedback.state == "accepted":
        return _(
            "Feedback {id} accepted: `should-ai feedback export --as-cases FILE` makes it a case."
        ).format(id=feedback.id)
    return _("Feedback {id} rejected.").format(id=feedback.id)


def _label_of(policy: Policy, category: str | None) -> str:
    found = policy.categories.get(category or "")
    return found.label if found is not None else _("unsure (fallback)")


def keep_words_label() -> str:
    return _("Keep my words with it")


def words_kept(feedback: Feedback) -> str:
    return _(
        "Your request's words are kept with feedback {id}, so the policy can learn it."
    ).format(id=feedback.id)
