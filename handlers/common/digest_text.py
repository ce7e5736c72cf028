"""The weekly digest in words, as a DM or the console shows it (plain text, light markdown)."""

from __future__ import annotations

import time

from bot.feedback.digest import SHADOW_SUFFIX, Digest
from bot.policy.model import Policy
from handlers.common.i18n import _, ngettext


def digest_text(digest: Digest, policy: Policy) -> str:
    lines = [_title(digest, policy), ""]
    lines += _requests(digest, policy)
    lines += _escalations(digest)
    lines += _shadow(digest, policy)
    lines += _feedback(digest, policy)
    lines += _revisions(digest)
    return "\n".join(lines).rstrip() + "\n"


def _title(digest: Digest, policy: Policy) -> str:
    span = _("{start} to {end}").format(start=_day(digest.start), end=_day(digest.end))
    if digest.scope is None:
        return _("should-ai weekly digest, {span} (all categories)").format(span=span)
    labels = ", ".join(_label(policy, n) for n in digest.scope)
    return _("should-ai weekly digest, {span} ({labels})").format(span=span, labels=labels)


def _requests(digest: Digest, policy: Policy) -> list[str]:
    if not digest.requests:
        return [_("Requests: none this week."), ""]
    people = digest.by_route.get("human", 0)
    lines = [
        ngettext(
            "Requests: {n} ({ai} to AI, {human} to a person)",
            "Requests: {n} ({ai} to AI, {human} to a person)",
            digest.requests,
        ).format(n=digest.requests, ai=digest.by_route.get("ai", 0), human=people)
    ]
    ranked = sorted(digest.by_category.items(), key=lambda kv: (-kv[1], kv[0]))
    lines += [f"  {_label(policy, name)}: {count}" for name, count in ranked]
    return [*lines, ""]


def _escalations(digest: Digest) -> list[str]:
    lines = [
        _("Escalations: {n} opened, {acked} acknowledged").format(
            n=digest.escalations, acked=digest.acknowledged
        )
    ]
    if digest.median_ack_s is not None and digest.slowest_ack_s is not None:
        lines.append(
            _("  Time to acknowledge: median {median}, slowest {slowest}").format(
                median=_duration(digest.median_ack_s), slowest=_duration(digest.slowest_ack_s)
            )
        )
    if digest.unanswered:
        lines.append(
            _("  Still unanswered: {n} ({ids})").format(
                n=len(digest.unanswered), ids=", ".join(digest.unanswered[:10])
            )
        )
    else:
        lines.append(_("  Still unanswered: none"))
    return [*lines, ""]


def _shadow(digest: Digest, policy: Policy) -> list[str]:
    total = sum(digest.shadow.values())
    if not total:
        return []
    lines = [_("Shadow mode: {n} request(s) would have gone to a person").format(n=total)]
    for name, count in sorted(digest.shadow.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"  {_label(policy, name)}: {count}")
    owners = ", ".join(f"{who} ({n})" for who, n in sorted(digest.shadow_owners.items()))
    lines.append(_("  Would have pinged: {owners}").format(owners=owners))
    return [*lines, ""]


def _feedback(digest: Digest, policy: Policy) -> list[str]:
    if not digest.feedback:
        return [_("Feedback: none this week."), ""]
    lines = [
        _("Feedback: {n} received, {pending} waiting for review").format(
            n=digest.feedback, pending=digest.feedback_pending
        )
    ]
    for pair, count in sorted(digest.corrections.items(), key=lambda kv: (-kv[1], kv[0])):
        was, _sep, should = pair.partition(" -> ")
        lines.append(
            _("  {was} should have been {should}: {n}").format(
                was=_label(policy, was), should=_label(policy, should), n=count
            )
        )
    lines.append(_("  Review with: should-ai feedback list --state pending"))
    return [*lines, ""]


def _revisions(digest: Digest) -> list[str]:
    if not digest.revisions:
        return [_("Policy revisions live: none (no requests)")]
    shown = ", ".join(
        _("{rev} (from {day})").format(rev=r.revision, day=_day(r.first_seen))
        for r in digest.revisions
    )
    return [_("Policy revisions live: {revs}").format(revs=shown)]


def _label(policy: Policy, name: str) -> str:
    if name.endswith(SHADOW_SUFFIX):
        base = _label(policy, name.removesuffix(SHADOW_SUFFIX))
        return _("{label} (shadow mode, answered by AI)").format(label=base)
    found = policy.categories.get(name)
    if found is not None:
        return found.label
    return _("Unsure (fallback)") if name == "fallback" else name


def _day(at: float) -> str:
    return time.strftime("%a %d %b", time.gmtime(at))


def _duration(seconds: float) -> str:
    if seconds < 90:
        return _("{n} s").format(n=round(seconds))
    if seconds < 90 * 60:
        return _("{n} min").format(n=round(seconds / 60))
    return _("{n} h").format(n=round(seconds / 3600, 1))
