"""Embeds: core results in, Discord embeds out. Pure functions, no I/O.

The wording follows the Slack adapter's Block Kit messages so one policy reads the same on both
platforms. Discord's limits are enforced here (title 256, description 4096, field 1024).
"""

from __future__ import annotations

import datetime as dt

import discord

from bot.escalations.model import Escalation
from bot.escalations.people import platform_user_id
from bot.policy.model import Decision, Policy
from bot.text import clip
from handlers.common import replies
from handlers.common.i18n import _
from handlers.common.replies import state_name
from handlers.common.status_text import Mentions, person_text

AI_COLOUR = discord.Colour.green()
HUMAN_COLOUR = discord.Colour.orange()
DONE_COLOUR = discord.Colour.light_grey()
NOTICE_COLOUR = discord.Colour.blurple()

_FIELD_MAX = 1024
_DESCRIPTION_MAX = 4096
_TITLE_MAX = 256

_STATE_EMOJI = {
    "open": "\N{HOURGLASS WITH FLOWING SAND}",
    "acknowledged": "\N{EYES}",
    "reassigned": "\N{ANTICLOCKWISE DOWNWARDS AND UPWARDS OPEN CIRCLE ARROWS}",
    "resolved": "\N{WHITE HEAVY CHECK MARK}",
    "unanswered": "\N{WARNING SIGN}",
    "expired": "\N{WARNING SIGN}",  # an old record's history (issue 12 renamed the state)
}


def mention(user_id: str | None, fallback: str | None = None) -> str:
    """``<@id>`` for a Discord user id (Discord shows the name), else the fallback."""
    return f"<@{user_id}>" if user_id and user_id.isdigit() else (fallback or _("someone"))


# Discord's markup for a user or a channel the policy has no name for.
MENTIONS = Mentions(user=lambda user_id: f"<@{user_id}>", channel=lambda cid: f"<#{cid}>")


def requester_mention(policy: Policy, escalation: Escalation) -> str:
    """The requester as a Discord mention, or their name when they have no Discord id."""
    user_id = platform_user_id(policy, "discord", escalation.requester)
    return mention(user_id, person_text(policy, escalation.requester, MENTIONS))


def quote(text: str, limit: int = _FIELD_MAX) -> str:
    """The request as a Discord block quote, one ``>`` per line."""
    lines = clip(text, limit - 64).splitlines() or [""]
    return "\n".join(f"> {line}" for line in lines)


def verdict(decision: Decision) -> str:
    if decision.route == "ai":
        return f"\N{WHITE HEAVY CHECK MARK} {replies.verdict(decision)}."
    return f"\N{HAPPY PERSON RAISING ONE HAND} {replies.verdict(decision)}."


def decision_embed(
    *,
    decision: Decision,
    category_label: str,
    owner: str,
    why: str | None = None,
    ai_may: str | None = None,
) -> discord.Embed:
    """The answer to ``/should-ai <request>``: verdict, category, why, owner, what AI may do
    (``why`` and ``ai_may`` in the reader's language; the decision's own if not given)."""
    why = decision.why if why is None else why
    ai_may = decision.ai_may if ai_may is None else ai_may
    colour = AI_COLOUR if decision.route == "ai" else HUMAN_COLOUR
    embed = discord.Embed(title=verdict(decision), colour=colour)
    embed.add_field(name=_("Category"), value=clip(category_label, _FIELD_MAX), inline=True)
    embed.add_field(name=_("Owner"), value=clip(owner, _FIELD_MAX), inline=True)
    embed.add_field(name=_("Why"), value=clip(why or "—", _FIELD_MAX), inline=False)
    if ai_may:
        embed.add_field(
            name=replies.ai_may_still_heading(), value=clip(ai_may, _FIELD_MAX), inline=False
        )
    embed.set_footer(
        text=_("decision {id} · policy {revision}").format(
            id=decision.decision_id, revision=decision.policy_revision
        )
    )
    return embed


def escalation_embed(
    *, escalation: Escalation, category_label: str, why: str, requester: str, assignee: str
) -> discord.Embed:
    """The ping an owner (or the channel) gets: the request, why it is theirs, where it stands."""
    closed = escalation.state == "resolved"
    embed = discord.Embed(
        title=clip(
            "\N{POLICE CARS REVOLVING LIGHT} "
            + _("{category} request needs a person").format(category=category_label),
            _TITLE_MAX,
        ),
        description=clip(
            _("From {requester}:").format(requester=requester) + f"\n{quote(escalation.text)}",
            _DESCRIPTION_MAX,
        ),
        colour=DONE_COLOUR if closed else HUMAN_COLOUR,
    )
    embed.add_field(name=_("Why a person"), value=clip(why or "—", _FIELD_MAX), inline=False)
    embed.add_field(name=_("Assigned to"), value=clip(assignee, _FIELD_MAX), inline=True)
    embed.add_field(name=_("State"), value=_state_line(escalation), inline=True)
    embed.set_footer(text=_("escalation {id}").format(id=escalation.id))
    return embed


def _state_line(escalation: Escalation) -> str:
    emoji = _STATE_EMOJI.get(escalation.state, "")
    line = f"{emoji} {state_name(escalation.state)}".strip()
    if escalation.due_at is not None and escalation.state in ("open", "reassigned"):
        due = dt.datetime.fromtimestamp(escalation.due_at, tz=dt.UTC)
        by = f"{discord.utils.format_dt(due, 't')} ({discord.utils.format_dt(due, 'R')})"
        line += " · " + _("acknowledge by {deadline}").format(deadline=by)
    return line


def status_embed(*, escalation: Escalation, category_label: str, message: str) -> discord.Embed:
    """The requester's status card: their request and where its escalation stands now."""
    emoji = _STATE_EMOJI.get(escalation.state, "\N{INFORMATION SOURCE}")
    closed = escalation.state == "resolved"
    embed = discord.Embed(
        title=clip(
            _("Your {category} request is with a person").format(category=category_label.lower()),
            _TITLE_MAX,
        ),
        description=clip(f"{quote(escalation.text)}\n\n{emoji} {message}", _DESCRIPTION_MAX),
        colour=DONE_COLOUR if closed else HUMAN_COLOUR,
    )
    embed.set_footer(
        text=_("escalation {id} · state {state}").format(
            id=escalation.id, state=state_name(escalation.state)
        )
    )
    return embed


def notice_embed(text: str, *, title: str | None = None) -> discord.Embed:
    """A short standalone notice: refusals, errors, command replies."""
    return discord.Embed(
        title=clip(title, _TITLE_MAX) if title else None,
        description=clip(text or "—", _DESCRIPTION_MAX),
        colour=NOTICE_COLOUR,
    )


def draft_embed(*, headline: str, text: str) -> discord.Embed:
    """A draft from the LLM, under the line that says what to do with it."""
    embed = discord.Embed(title=clip(headline, _TITLE_MAX), colour=AI_COLOUR)
    embed.description = clip(text or "—", _DESCRIPTION_MAX)
    return embed
