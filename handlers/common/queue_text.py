"""The queue in words (issue 14), from :mod:`bot.escalations.queue_view`'s values: grouped by
person, names not keys, age and time to the next climb, unanswered ones first. Plain text for
the console, the CLI and chat replies; the Slack App Home and Discord add their markup around
the same lines. Each sentence is built at render time through ``_()``."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from bot.escalations.model import Escalation
from bot.escalations.queue_view import Holder, QueueItem, QueueView, queue_view
from bot.policy.model import Policy
from bot.text import clip
from handlers.common.i18n import _, ngettext

Name = Callable[[Holder], str]


def plain_name(holder: Holder) -> str:
    """No markup: a person by name (``platform:id`` if not in people.yaml), a channel ``#key``."""
    return (holder.name or holder.key) if holder.kind == "person" else f"#{holder.key}"


def duration_text(seconds: float) -> str:
    if seconds < 60:
        return _("{n} s").format(n=int(seconds))
    if seconds < 120 * 60:
        return _("{n} min").format(n=int(seconds // 60))
    if seconds < 48 * 3600:
        return _("{n} h").format(n=int(seconds // 3600))
    return _("{n} d").format(n=int(seconds // 86400))


def state_text(item: QueueItem) -> str:
    return {
        "open": _("waiting"),
        "reassigned": _("reassigned, waiting"),
        "acknowledged": _("acknowledged"),
        "snoozed": _("snoozed"),
        "unanswered": _("UNANSWERED"),
        "resolved": _("resolved"),
    }.get(item.state, item.state)


def next_text(item: QueueItem, name: Name = plain_name) -> str:
    """When it climbs next, and to whom ("" when it has no timer)."""
    if item.next_climb_s is None:
        return ""
    within = duration_text(item.next_climb_s)
    if item.snoozed and item.next_to is not None:
        return _("pings {who} again in {within}").format(who=name(item.next_to), within=within)
    if item.next_to is None:
        return _("unanswered in {within}").format(within=within)
    if item.next_climb_s < 1:
        return _("goes to {who} now").format(who=name(item.next_to))
    return _("goes to {who} in {within}").format(who=name(item.next_to), within=within)


def item_line(item: QueueItem, name: Name = plain_name, *, holder: bool = True) -> str:
    """One escalation on one line: id, category, state, holder, age, next climb, requester."""
    parts = [f"{item.id} [{item.category_label}] {state_text(item)}"]
    if holder:
        parts.append(_("with {who}").format(who=name(item.holder)))
    parts.append(_("{age} old").format(age=duration_text(item.age_s)))
    if nxt := next_text(item, name):
        parts.append(nxt)
    parts.append(_("from {who}").format(who=name(item.requester)))
    return ", ".join(parts) + f": {clip(item.text, 80)!r}"


def summary_line(view: QueueView) -> str:
    count = len(view.items)
    head = ngettext("{n} open escalation", "{n} open escalations", count).format(n=count)
    if view.unanswered:
        head += " " + _("({n} unanswered)").format(n=view.unanswered)
    if count:
        head += ", " + _("oldest {age}").format(age=duration_text(view.oldest_age_s))
    return head


def queue_text(view: QueueView, name: Name = plain_name, *, per_group: int = 20) -> str:
    """The whole queue, by person then a line per category."""
    if not view.items:
        return _("No open escalations.")
    lines = [summary_line(view) + ":"]
    for group in view.by_person:
        lines.append(f"{name(group.items[0].holder)} ({len(group.items)})")
        lines += [f"  {item_line(i, name, holder=False)}" for i in group.items[:per_group]]
        if len(group.items) > per_group:
            lines.append("  " + _("… and {n} more").format(n=len(group.items) - per_group))
    cats = ", ".join(f"{g.title} {len(g.items)}" for g in view.by_category)
    lines.append(_("By category: {cats}").format(cats=cats))
    return "\n".join(lines)


def nobody_called(name: str) -> str:
    return _("should-ai: nobody in people.yaml is called {name!r}").format(name=name)


def queue_reply_text(escalations: Sequence[Escalation], policy: Policy) -> str:
    """The answer to ``/should-ai queue`` or ``mine``: the queue by person, names not keys."""
    if not escalations:
        return _("No open escalations for you.")
    return queue_text(queue_view(escalations, policy, now=time.time()))
