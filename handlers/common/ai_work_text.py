"""The sentences of issue 15's AI work, the same on Slack, Discord and the console: what the bot
does not do itself and which tools do, hand-offs, drafts referred to by a short id, posts for
networks the bot cannot post on, meetings, and the LLM's second look. Each renders a value of
the core (:class:`bot.ai.notes.AiNote`, :class:`bot.ai.second_look.SecondLook`); every English
literal goes through :func:`handlers.common.i18n._` at render time.
"""

from __future__ import annotations

from bot.ai.notes import AiNote
from bot.ai.second_look import SecondLook
from handlers.common.i18n import _
from handlers.common.policy_text import localized


def work_text(note: AiNote) -> str | None:
    """``note`` in words, or None when it is not one of this module's kinds."""
    match note.kind:
        case "own_tools":
            return _(
                "No person needs to own this ({label}), and it is not something I do myself: "
                "{tools}."
            ).format(label=localized(note.detail), tools=localized(note.text))
        case "handed_off":
            return _("Sent to {target}: {purpose}. It takes it from here.").format(
                target=note.detail, purpose=note.text or _("your team's tool")
            )
        case "handoff_failed":
            return _(
                "I could not hand this to {target} right now, so nothing was sent. "
                "Please ask again in a minute."
            ).format(target=note.detail)
    return _draft_text(note) or _scheduling_text(note)


def _draft_text(note: AiNote) -> str | None:
    match note.kind:
        case "draft_unknown":
            return _(
                "No draft has the id {id}. Draft ids look like d-7Q3K: check the id shown "
                "with the draft."
            ).format(id=note.detail)
        case "draft_ambiguous":
            return _("Several drafts start with {prefix}: {ids}. Give more of the id.").format(
                prefix=note.detail, ids=", ".join(note.phrases)
            )
        case "draft_used":
            return _("This draft was already used.")
        case "draft_discarded":
            return _("This draft was discarded. Ask again with /should-ai for a new one.")
    return None


def _scheduling_text(note: AiNote) -> str | None:
    match note.kind:
        case "network_unsupported":
            return _(
                "I can't post on {network}: I only post in Slack and Discord channels. "
                "Schedule it in your social media tool, or ask an admin to connect one "
                "(a hand-off webhook to Buffer, Hootsuite, Zapier, Make or n8n)."
            ).format(network=note.platform)
        case "meeting":
            return _(
                "That's a meeting, and no person needs to decide it, but I don't book meetings: "
                "I can't see anyone's calendar. Send the invitation from your calendar "
                "(or a booking link such as Calendly)."
            )
    return None


def second_look_text(looked: SecondLook) -> str:
    """What the requester reads when the LLM's second look sent their request to a person
    (after a verdict that said AI)."""
    owner = looked.decision.owner.name if looked.decision.owner else _("the policy's owner")
    if looked.failure:
        why = {
            "timeout": _("it did not answer in time"),
            "malformed": _("its answer was not the one asked for"),
            "error": _("it could not be reached"),
        }[looked.failure]
        return _(
            "Before AI works on a request, I ask the LLM for a second look, and {why}. "
            "To be safe, a person decides: I've asked {owner} to take it; AI will not work "
            "on it meanwhile."
        ).format(why=why, owner=owner)
    return _(
        "On a second look, the LLM thinks a person should own this: {reason} "
        "I've asked {owner} to take it; AI will not work on it."
    ).format(reason=looked.reason, owner=owner)


def confirm_hint(pending_id: str) -> str:
    """On the console, where a proposed post has no buttons: what to type."""
    return _("(type `confirm {id}` to schedule it, or `cancel {id}`)").format(id=pending_id)
