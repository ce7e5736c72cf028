"""Words for the escalation news issue 14 added: a request queued without a ping (the paging
limit), a note, a snooze, a withdrawal. Built at render time, each sentence through ``_()``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from bot.escalations.errors import Refusal
from bot.escalations.model import StatusNote, Who
from handlers.common.i18n import _, ngettext

Name = Callable[[Who | None], str]


def extra_headline(note: StatusNote, name: Name) -> str:
    """The status line of the kinds ``status_text`` leaves to this module."""
    match note.kind:
        case "queued":
            return _(
                "You asked {owner} several times lately, so this one waits in their queue "
                "without pinging them again."
            ).format(owner=name(note.to))
        case "snoozed":
            return _("Snoozed by {who}.").format(who=name(note.by)) + remarks(note)
        case "off_hours":
            return _(
                "{who} is off hours: they will be pinged when their working hours start ({starts})."
            ).format(who=name(note.to), starts=note.reason)
        case "withdrawn":
            return _("Withdrawn by {who}; nobody will be pinged about it.").format(
                who=name(note.by)
            ) + remarks(note)
    return ""


def remarks(note: StatusNote) -> str:
    """The note and outcome the person who acted gave, as a sentence tail ("" if none)."""
    tail = ""
    if note.outcome:
        tail += " " + _("Outcome: {outcome}.").format(outcome=note.outcome.rstrip("."))
    if note.comment:
        tail += " " + _("Note: \u201c{note}\u201d").format(note=note.comment)
    return tail


def snooze_then(within: str, who: str) -> str:
    """What follows a snooze: the same person is pinged again."""
    return _("{who} will be pinged again in {within}.").format(who=who, within=within)


def refusal_text(refusal: Refusal) -> str:
    """The refusals issue 14 added, as the sentence the person who acted reads."""
    match refusal.kind:
        case "past_deadline":
            return _(
                "Escalation {id} cannot be snoozed that long: its deadline is too close. "
                "Acknowledge it, or reassign it."
            ).format(id=refusal.escalation_id)
    return ""


# --- buttons and modals (Slack and Discord) ----------------------------------------------------


def note_button() -> str:
    return _("Note…")


def snooze_button() -> str:
    return _("Snooze")


def withdraw_button() -> str:
    return _("Withdraw")


def withdraw_confirm_title() -> str:
    return _("Withdraw this request?")


def withdraw_confirm_text() -> str:
    return _("Nobody will be pinged about it any more.")


def cancel() -> str:
    return _("Cancel")


def save() -> str:
    return _("Save")


def note_title() -> str:
    return _("Add a note")


def snooze_title() -> str:
    return _("Snooze")


def action_label() -> str:
    return _("Do")


def acknowledge_choice() -> str:
    return _("Acknowledge")


def resolve_choice() -> str:
    return _("Resolve")


def note_label() -> str:
    return _("Note")


def outcome_label() -> str:
    return _("Outcome (when resolving)")


def snooze_label() -> str:
    return _("Ping me again in")


def minutes_choice(minutes: int) -> str:
    if minutes < 60:
        return _("{n} minutes").format(n=minutes)
    return ngettext("{n} hour", "{n} hours", minutes // 60).format(n=minutes // 60)


def withdrawn_reply(escalation_id: str) -> str:
    return _("Escalation {id} is withdrawn.").format(id=escalation_id)


def snooze_minutes_label() -> str:
    return _("Ping me again in (minutes)")


# --- the climb, worded per level kind: person, channel, repeat, unanswered -------------------


def posted_in(channel: str) -> str:
    return _("Posted in {channel}; waiting for someone there.").format(channel=channel)


def no_answer_in(channel: str) -> str:
    return _("No acknowledgement in {channel}").format(channel=channel)


def reposted(channel: str) -> str:
    return _("No acknowledgement in {channel} yet: posted there again.").format(channel=channel)


def posted_again_then(within: str) -> str:
    return _("If nobody acknowledges within {within}, it is posted there again.").format(
        within=within
    )


def skipped_why(who: str, reason: str) -> str:
    """Why the climb passed over someone: "Skipped Dana (away until 2026-12-11 00:00 UTC)"."""
    return _("Skipped {who} ({reason})").format(who=who, reason=absence_text(reason))


def absence_text(reason: str) -> str:
    """The core's "away until <when>" / "off hours until <when>", in the reader's language
    ("away, back <when>": "away until" alone is the French help's command, not a leak)."""
    for head, sentence in (
        ("away until ", _("away, back {when}")),
        ("off hours until ", _("off hours until {when}")),
    ):
        if reason.startswith(head):
            return sentence.format(when=reason.removeprefix(head))
    return reason


def away_text(until: float | None) -> str:
    """The answer to ``/should-ai away``."""
    if until is None:
        return _("Welcome back: escalations reach you again.")
    from handlers.common.ai_text import moment_text  # ai_text imports status_text, which us

    day = moment_text(datetime.fromtimestamp(until, UTC), "UTC")  # in the reader's language
    return _(
        "You are away until {day}: escalations skip you (and say so) until then. "
        "`/should-ai away off` when you are back early."
    ).format(day=day)


def away_error_text(kind: str | None) -> str:
    if kind == "not_listed":
        return _("Only people listed in people.yaml can be away: ask an admin to add you.")
    return _("Usage: /should-ai away until friday | until 2026-12-14 | for 3 days | off")
