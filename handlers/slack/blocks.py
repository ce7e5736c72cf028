"""Block Kit rendering: core results in, Slack message payloads out. Pure functions, no I/O.

Every function returns ``(text, blocks)``: ``text`` is the notification / screen-reader fallback
Slack requires next to ``blocks``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.escalations.model import Escalation
from bot.policy.model import Decision
from bot.text import clip
from handlers.common import replies
from handlers.common.ai_text import datetime_text
from handlers.common.i18n import _
from handlers.common.replies import state_name
from handlers.slack import escalation_views
from handlers.slack.feedback_blocks import not_for_me_block

Block = dict[str, Any]
Message = tuple[str, list[Block]]

ACK_ACTION = "should_ai_ack"
REASSIGN_ACTION = "should_ai_reassign"
RESOLVE_ACTION = "should_ai_resolve"
ESCALATION_BLOCK_PREFIX = "should_ai_escalation:"

_MAX_TEXT = 2900  # a section's text may hold 3000 characters


def mention(user_id: str | None, fallback: str | None = None) -> str:
    """``<@U…>`` for a Slack user id (Slack renders the name and notifies), else the fallback."""
    return f"<@{user_id}>" if user_id else (fallback or _("someone"))


def bold(text: str) -> str:
    return f"*{text}*"


def section(text: str) -> Block:
    """A mrkdwn section, its text cut to what Slack accepts."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text)}}


def _context(*texts: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(t)} for t in texts]}


def _clip(text: str) -> str:
    return clip(text, _MAX_TEXT)


def quote(text: str) -> str:
    """The request as a Slack quote, one ``>`` per line. A broadcast it holds (``<!channel>``,
    ``<!here>``, a user group) is shown, not sent: quoted in the crisis channel it would page
    everyone there."""
    return "\n".join(f"> {line}" for line in quiet(_clip(text)).splitlines() or [""])


def quiet(text: str) -> str:
    """``text`` with its broadcasts (``<!channel>``, ``<!here>``, ``<!subteam^…>``) defused."""
    return text.replace("<!", "&lt;!")


def verdict(decision: Decision) -> str:
    emoji = ":white_check_mark:" if decision.route == "ai" else ":raising_hand:"
    return f"{emoji} *{replies.verdict(decision)}.*"


def decision_message(
    *,
    decision: Decision,
    category_label: str,
    owner_mention: str | None,
    why: str | None = None,
    ai_may: str | None = None,
) -> Message:
    """The answer to ``/should-ai <request>``: verdict, category, why, owner, what AI may do
    (``why`` and ``ai_may`` in the reader's language; the decision's own if not given)."""
    why = decision.why if why is None else why
    ai_may = decision.ai_may if ai_may is None else ai_may
    fields = [{"type": "mrkdwn", "text": bold(_("Category")) + f"\n{category_label}"}]
    if owner_mention:
        fields.append({"type": "mrkdwn", "text": bold(_("Owner")) + f"\n{owner_mention}"})
    blocks: list[Block] = [
        section(verdict(decision)),
        {"type": "section", "fields": fields},
        section(bold(_("Why")) + f"\n{why or '—'}"),
    ]
    if ai_may:
        blocks.append(section(f"*{replies.ai_may_still_heading()}*\n{ai_may}"))
    blocks.append(
        _context(
            _("decision `{id}` · policy `{revision}`").format(
                id=decision.decision_id, revision=decision.policy_revision
            )
        )
    )
    plain = replies.verdict(decision)
    if owner_mention:
        return _("{verdict}: {category}, owner {owner}.").format(
            verdict=plain, category=category_label, owner=owner_mention
        ), blocks
    return _("{verdict}: {category}.").format(verdict=plain, category=category_label), blocks


def follow_up_note() -> Block:
    """Under a verdict for a person: where the requester follows what happens next."""
    return _context(
        ":bell: " + _("I'm pinging the owner now; follow it on the status card in our DM.")
    )


def escalation_message(
    *, escalation: Escalation, category_label: str, why: str, requester_mention: str
) -> Message:
    """The ping an owner gets: the request, why it is theirs, and the three buttons."""
    head = _("*{category}* request from {requester} needs a person.").format(
        category=category_label, requester=requester_mention
    )
    blocks: list[Block] = [
        section(f":rotating_light: {head}"),
        section(quote(escalation.text)),
        section(bold(_("Why you")) + f"\n{why}"),
        _context(_due_line(escalation), _("escalation `{id}`").format(id=escalation.id)),
    ]
    if escalation.state != "resolved":
        blocks.append(not_for_me_block(escalation))
        blocks.append(escalation_actions(escalation))
    text = _("{category} request from {requester} needs a person: {text}").format(
        category=category_label, requester=requester_mention, text=quiet(escalation.text)
    )
    return _clip(text), blocks


def _due_line(escalation: Escalation, tz: str = "UTC") -> str:
    if escalation.due_at is None or escalation.state not in ("open", "reassigned"):
        return _("state: *{state}*").format(state=state_name(escalation.state))
    due = int(escalation.due_at)
    # Slack shows <!date> in the reader's own zone, in English; the fallback after | is ours.
    when = datetime_text(datetime.fromtimestamp(due, tz=UTC), tz)
    return _("Acknowledge by {deadline}").format(
        deadline=f"<!date^{due}^{{time}} {{date_short_pretty}}|{when}>"
    )


def escalation_actions(escalation: Escalation) -> Block:
    """Acknowledge / Reassign (user picker) / Resolve; the block id carries the escalation id."""
    elements: list[Block] = []
    if escalation.state in ("open", "reassigned"):
        elements.append(_button(_("Acknowledge"), ACK_ACTION, escalation.id, style="primary"))
    elements.append(
        {
            "type": "users_select",
            "action_id": REASSIGN_ACTION,
            "placeholder": {"type": "plain_text", "text": _("Reassign to…")},
        }
    )
    resolve = _button(_("Resolve"), RESOLVE_ACTION, escalation.id, style="danger")
    resolve["confirm"] = {
        "title": {"type": "plain_text", "text": _("Resolve this request?")},
        "text": {"type": "plain_text", "text": _("The requester will be told it is resolved.")},
        "confirm": {"type": "plain_text", "text": _("Resolve")},
        "deny": {"type": "plain_text", "text": _("Cancel")},
    }
    elements.append(resolve)
    elements += escalation_views.more_buttons(escalation)
    return {
        "type": "actions",
        "block_id": f"{ESCALATION_BLOCK_PREFIX}{escalation.id}",
        "elements": elements,
    }


def _button(label: str, action_id: str, value: str, *, style: str) -> Block:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": value,
        "style": style,
    }


def escalation_id_from(*, block_id: str | None, value: str | None) -> str | None:
    """The escalation an action belongs to: the button's value, else the actions block's id."""
    if value:
        return value
    if block_id and block_id.startswith(ESCALATION_BLOCK_PREFIX):
        return block_id.removeprefix(ESCALATION_BLOCK_PREFIX) or None
    return None


_STATE_EMOJI = {
    "open": ":hourglass_flowing_sand:",
    "acknowledged": ":eyes:",
    "reassigned": ":arrows_counterclockwise:",
    "resolved": ":white_check_mark:",
    "unanswered": ":warning:",
    "expired": ":warning:",  # an old record's history (issue 12 renamed the state)
}


def status_message(
    *, escalation: Escalation, category_label: str, message: str, steps: Sequence[str] = ()
) -> Message:
    """The requester's status card: their request, where it stands now, and how it got there."""
    emoji = _STATE_EMOJI.get(escalation.state, ":information_source:")
    blocks: list[Block] = [
        section(f"*{with_a_person(category_label)}*"),
        section(quote(escalation.text)),
        section(f"{emoji} {message}"),
    ]
    if steps:
        blocks.append(_context(" → ".join(steps[-_MAX_STEPS:])))
    blocks.append(
        _context(
            _("escalation `{id}` · state *{state}*").format(
                id=escalation.id, state=state_name(escalation.state)
            )
        )
    )
    if escalation.state != "resolved":
        blocks.append(escalation_views.withdraw_block(escalation))
    return _clip(_("Your request: {status}").format(status=message)), blocks


def with_a_person(category_label: str) -> str:
    """The status card's title: 'Your crisis request is with a person.'"""
    return _("Your {category} request is with a person.").format(category=category_label.lower())


_MAX_STEPS = 8  # a context block holds 10 elements; one line of the latest steps reads better


def step_line(*, state: str, who: str, at: float) -> str:
    """One step of an escalation's history, with a time Slack shows in the reader's zone."""
    stamp = time.strftime("%H:%M UTC", time.gmtime(at))
    return f"{state} {who} <!date^{int(at)}^{{time}}|{stamp}>".replace("  ", " ")


def pending_status_message(*, text: str, category_label: str, owner_mention: str) -> Message:
    """The requester's status card as first posted, before the escalation service pings anyone."""
    asking = _("Asking {owner} to own it…").format(owner=owner_mention)
    blocks: list[Block] = [
        section(f"*{with_a_person(category_label)}*"),
        section(quote(text)),
        section(f":hourglass_flowing_sand: {asking}"),
    ]
    return _clip(_("Your request: {status}").format(status=asking)), blocks


def reasons_blocks(decision: Decision) -> list[Block]:
    """Why the policy decided as it did: the keyword, pattern or example phrase that matched."""
    lines = [
        f"• _{r.layer}_" + (f" [{r.category}]" if r.category else "") + f": {escape(r.detail)}"
        for r in decision.reasons
    ] or ["• " + _("nothing in the policy matched; an unsure request goes to a person")]
    summary = _("confidence {confidence} · categories matched: {categories}").format(
        confidence=f"{decision.confidence:.2f}",
        categories=", ".join(decision.categories) or _("none"),
    )
    return [section(bold(_("Reasons")) + "\n" + "\n".join(lines)), _context(summary)]


def escape(text: str) -> str:
    """Plain text made safe for mrkdwn: Slack reads ``&``, ``<`` and ``>`` as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def notice_message(text: str) -> Message:
    """A short standalone notice (refusals, errors, command replies in plain mrkdwn)."""
    return _clip(text), [section(text)]
