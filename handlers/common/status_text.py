"""The requester's status line in the reader's language, from the core's :class:`StatusNote`.

One renderer for every adapter, so a status reads the same on Slack, Discord and the console,
and another language is one more renderer. People and channels are named from the policy's
people (``bot.escalations.people``); someone or some channel the policy has no name for is
written in the adapter's own markup, its :class:`Mentions`. With no policy at hand, by key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.escalations.model import NextStep, Platform, StatusNote, Who
from bot.escalations.people import channel_id, person_label
from bot.policy.model import Policy
from handlers.common.escalation_text import (
    extra_headline,
    no_answer_in,
    posted_again_then,
    posted_in,
    remarks,
    reposted,
    skipped_why,
    snooze_then,
)
from handlers.common.i18n import _

Name = Callable[[Who | None], str]


@dataclass(frozen=True)
class Mentions:
    """How a platform writes a user or a channel it knows by id (Slack: ``<@U1>``, ``<#C1>``)."""

    user: Callable[[str], str]
    channel: Callable[[str], str]


# No markup: the console names people by id and channels by ``#id``.
PLAIN = Mentions(user=lambda user_id: user_id, channel=lambda cid: f"#{cid}")


def person_text(policy: Policy, assignee: str, mentions: Mentions) -> str:
    """``assignee`` by their people.yaml name, else as a mention, else by key."""
    label = person_label(policy, assignee)
    if label.name is not None:
        return label.name
    return mentions.user(label.user_id) if label.user_id is not None else label.key


def channel_text(policy: Policy, platform: Platform, channel_key: str, mentions: Mentions) -> str:
    """A channel of people.yaml as a mention on ``platform``, else as ``#key``."""
    cid = channel_id(policy, platform, channel_key)
    return mentions.channel(cid) if cid else f"#{channel_key}"


def status_text(
    note: StatusNote, *, policy: Policy | None, platform: Platform, mentions: Mentions
) -> str:
    """``note`` as the line on the requester's status card."""

    def name(who: Who | None) -> str:
        if who is None:
            return ""
        if policy is None:
            return who.key if who.kind == "person" else f"#{who.key}"
        if who.kind == "channel":
            return channel_text(policy, platform, who.key, mentions)
        return person_text(policy, who.key, mentions)

    headline = _headline(note, name)
    if note.kind == "snoozed" and note.then is not None:
        return f"{headline} {snooze_then(_duration(note.then.within_s), name(note.then.to))}"
    if note.then is not None and note.then.to is not None and note.then.to == note.to:
        # The next level is the channel it was just posted in (a repeat): say "again".
        return f"{headline} {posted_again_then(_duration(note.then.within_s))}"
    return headline if note.then is None else f"{headline} {_then(note.then, name)}"


def _headline(note: StatusNote, name: Name) -> str:
    match note.kind:
        case "pinged" if note.to is not None and note.to.kind == "channel":
            return posted_in(name(note.to))
        case "pinged":
            return _("Pinged {person}; waiting for them.").format(person=name(note.to))
        case "reassigned":
            return _("Reassigned by {by} to {to}.").format(by=name(note.by), to=name(note.to))
        case "acknowledged":
            return _("Acknowledged by {person}.").format(person=name(note.by)) + remarks(note)
        case "resolved":
            return _("Resolved by {person}.").format(person=name(note.by)) + remarks(note)
        case "no_answer" if note.missed is not None and note.missed.kind == "channel":
            if note.to == note.missed:  # a repeat post in the same channel
                return reposted(name(note.missed))
            return _climbed(no_answer_in(name(note.missed)), note, name)
        case "no_answer":
            why = _("No acknowledgement from {person}").format(person=name(note.missed))
            return _climbed(why, note, name)
        case "unreachable":
            why = _("Could not reach {person} ({reason})").format(
                person=name(note.missed), reason=reason_text(note.reason)
            )
            return _climbed(why, note, name)
        case "skipped":
            return _climbed(skipped_why(name(note.missed), note.reason), note, name)
        case _:
            return extra_headline(note, name)


def reason_text(reason: str) -> str:
    """Why a ping could not be delivered, as the platform adapter stored it: a sentence marked
    with ``N_``, perhaps followed by the platform's own code in parentheses."""
    head, sep, tail = reason.partition(" (")
    return _(head) + sep + tail if head else reason


def _climbed(why: str, note: StatusNote, name: Name) -> str:
    if note.to is None:
        return _(
            "{why} and nobody is left to ask: please reach {reach}."
            " It stays unanswered in the queue; the admins were told."
        ).format(why=why, reach=name(note.reach))
    return _("{why}: escalated to {to}.").format(why=why, to=name(note.to))


def _then(step: NextStep, name: Name) -> str:
    within = _duration(step.within_s)
    if step.to is None:
        return _(
            "If nobody acknowledges within {within}, it stays unanswered and the admins are told."
        ).format(within=within)
    return _("If nobody acknowledges within {within}, it goes to {to}.").format(
        within=within, to=name(step.to)
    )


def _duration(seconds: float) -> str:
    if seconds < 60:
        return _("{n} s").format(n=f"{seconds:.2g}")
    if seconds < 120 * 60:
        return _("{n} min").format(n=f"{seconds / 60:.0f}")
    return _("{n} h").format(n=f"{seconds / 3600:.0f}")
