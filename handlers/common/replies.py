"""The sentences a requester or an owner reads, the same on Slack, Discord and the console.

Each renders a core value (:class:`bot.intake.commands.Reply`, :mod:`bot.core.outcomes`) in the
reader's language (:mod:`handlers.common.i18n`); each adapter adds only its own markup around it
(Slack escapes it for mrkdwn, Discord puts it in an embed, the console prints it); where a
sentence names a person, the adapter brings its :class:`~handlers.common.status_text.Mentions`.
:func:`reply_text` is the whole answer to a /should-ai command as plain text.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from bot.ai.model import ScheduledPost
from bot.core.outcomes import Press
from bot.escalations.errors import Refusal
from bot.escalations.model import Escalation
from bot.intake.commands import Reply
from bot.policy.layers import Example
from bot.policy.model import Decision, Policy
from bot.policy.nonrequest import NonRequest
from bot.reload import ReloadOutcome
from bot.text import clip
from handlers.common import escalation_text
from handlers.common.ai_text import when_text
from handlers.common.console_link_text import console_link_text
from handlers.common.escalation_text import away_error_text, away_text
from handlers.common.i18n import _, ngettext
from handlers.common.policy_text import decision_texts, localized
from handlers.common.queue_text import queue_reply_text
from handlers.common.status_text import Mentions, person_text


def help_text() -> str:
    """The list of commands (``/should-ai help``)."""
    return "\n".join(
        [
            _(
                "/should-ai <request>: I say at once whether AI may do it or a named person "
                "must own it."
            ),
            _(
                "/should-ai why <request>: the same answer with its reasons and the closest "
                "labelled requests."
            ),
            _("/should-ai queue: escalations waiting for you (admins: every open escalation)."),
            _("/should-ai mine: what you hold and what you asked for, with where each stands."),
            _(
                "/should-ai away until friday (or: for 3 days, off): escalations skip you until "
                "then."
            ),
            _("/should-ai scheduled: posts AI scheduled for you."),
            _(
                "/should-ai policy: the policy in use: its revision, categories and owners "
                "(admins only)."
            ),
            _(
                "/should-ai reload: reload the policy files now (admins only; edits are also "
                "picked up on save)."
            ),
            _("/should-ai console: a sign-in link to the web console (valid 10 minutes, once)."),
            _("/should-ai help: this list."),
        ]
    )


def empty_request_text() -> str:
    return _(
        "Tell me what you want to do after /should-ai, for example "
        "`/should-ai draft a post announcing our spring sale`. `/should-ai help` lists commands."
    )


def why_usage_text() -> str:
    return _("Usage: /should-ai why <request>")


def truncated_text() -> str:
    return _(
        "Your request was too long for me to read whole: I decided on its beginning only, and "
        "nothing past that goes to AI. Shorten it or split it if the rest matters."
    )


def store_down_text() -> str:
    return _(
        "I can't reach my store right now, so I can't list that. Try again in a minute; "
        "anything urgent: contact its owner directly."
    )


def restarting_text() -> str:
    return _(
        "should-ai is restarting, so I did not look at this and nobody was pinged. "
        "Please send it again in a minute."
    )


def no_scheduling_text() -> str:
    return _("Scheduling is not set up on this bot.")


def ai_may_still_heading() -> str:
    """The heading over a human decision's ai_may."""
    return _("What AI may still do")


def verdict(decision: Decision) -> str:
    """The verdict itself, as every adapter words it (each adds its own emphasis)."""
    return _("AI can do this") if decision.route == "ai" else _("A person must own this")


def store_down_press_text() -> str:
    return _(
        "I can't record that right now (my store is unreachable), so nothing changed. "
        "Please press the button again in a minute."
    )


def reply_for_store_down(decision: Decision) -> str:
    """What the requester is told when their escalation could not be stored (Redis down)."""
    owner = decision.owner.name if decision.owner else _("the owner of this kind of work")
    return _(
        "I couldn't record this escalation right now, so please contact {owner} directly "
        "about it. Do not hand it to AI in the meantime. I'll keep trying to notify them."
    ).format(owner=owner)


def press_refused(press: Press, *, policy: Policy, mentions: Mentions) -> str:
    """Why a press on an escalation changed nothing (for the presser only)."""
    if press.kind == "store_down":
        return store_down_press_text()
    if press.refusal is None:
        return press.detail
    return refusal_text(press.refusal, policy=policy, mentions=mentions)


def refusal_text(refusal: Refusal, *, policy: Policy, mentions: Mentions) -> str:
    """``refusal`` as the sentence the person who acted reads."""
    match refusal.kind:
        case "closed":
            return _("Escalation {id} is already resolved.").format(id=refusal.escalation_id)
        case "unknown":
            return _("There is no escalation {id}.").format(id=refusal.escalation_id)
        case "no_target":
            return _("Pick the person to reassign this escalation to.")
        case "already_assigned":
            return _("{person} already has this escalation.").format(
                person=person_text(policy, refusal.people[0], mentions)
            )
        case "not_allowed":
            names = ", ".join(person_text(policy, key, mentions) for key in refusal.people)
            if not names:
                return _("Only an admin can act on escalation {id}.").format(
                    id=refusal.escalation_id
                )
            return _("Only {names} or an admin can act on escalation {id}.").format(
                names=names, id=refusal.escalation_id
            )
        case _:
            return escalation_text.refusal_text(refusal)


def reply_text(reply: Reply, policy: Policy | None = None) -> str:
    """The answer to a /should-ai command, as plain text ("" for a duplicate: no answer)."""
    match reply.kind:
        case "decision" if reply.decision is not None:
            note = truncated_note(reply)
            text = render_decision(reply.decision, policy)
            return text + (f"\n{note}" if note else "")
        case "why" if reply.decision is not None:
            closest = reply.intake.closest if reply.intake is not None else ()
            return render_why(reply.decision, closest, policy)
        case "queue" if reply.policy is not None:
            return queue_reply_text(reply.escalations, reply.policy)
        case "queue":
            return render_queue(reply.escalations)
        case "scheduled":
            return render_scheduled(reply.scheduled)
        case "policy" if reply.policy is not None:
            return render_policy(reply.policy)
        case "reload" if reply.reload is not None:
            return render_reload(reply.reload)
        case "help" if reply.intake is not None and reply.intake.not_a_request is not None:
            return not_a_request_text(reply.intake.not_a_request)
        case "help":
            return help_text()
        case "refused" if reply.intake is not None:
            return rate_limited_message(reply.intake.limit, reply.intake.retry_after_s)
        case "error":
            return _error_text(reply)
        case "away":
            return away_text(reply.away_until)
        case "console":
            return console_link_text(reply.link)
    return ""


def truncated_note(reply: Reply) -> str | None:
    """Tells the requester their text was cut before deciding; None if it was not."""
    if reply.intake is None or not reply.intake.truncated:
        return None
    return truncated_text()


def not_a_request_text(chatter: NonRequest) -> str:
    """The answer to a greeting, a thanks, a lone word or a mistyped sub-command: help, no ping."""
    if chatter.kind == "command" and chatter.suggestion:
        head = _("Did you mean `/should-ai {suggestion}`? Nobody was pinged.").format(
            suggestion=chatter.suggestion
        )
    elif chatter.kind == "lone word":
        head = _("One word is not enough for me to tell who should do it. Nobody was pinged.")
    else:
        head = _("Hi! That doesn't read as a request, so nobody was pinged.")
    return f"{head}\n{empty_request_text()}\n\n{help_text()}"


def _error_text(reply: Reply) -> str:
    match reply.error:
        case "empty":
            return empty_request_text()
        case "why_usage":
            return why_usage_text()
        case "admin_only":
            return _("`{command}` is for should-ai admins only.").format(command=reply.command)
        case "store_down":
            return store_down_text()
        case "restarting":
            return restarting_text()
        case "away_usage" | "not_listed":
            return away_error_text(reply.error)
    return ""


def rate_limited_message(limit: int, retry_after_s: int) -> str:
    return _(
        "You've sent more than {limit} requests in a short time. "
        "Please wait {seconds} s and try again."
    ).format(limit=limit, seconds=retry_after_s)


def render_decision(decision: Decision, policy: Policy | None = None) -> str:
    """The answer a requester sees at once."""
    texts = decision_texts(decision, policy)
    if decision.route == "ai":
        head = f"{verdict(decision)} ({texts.name})."
    else:
        owner = decision.owner.name if decision.owner else _("a person")
        head = _("{verdict} ({category}): {owner} will be asked to take it.").format(
            verdict=verdict(decision), category=texts.name, owner=owner
        )
    lines = [head]
    if texts.why:
        lines.append(_("Why: {why}").format(why=texts.why))
    if decision.route == "human" and texts.ai_may:
        lines.append(_("AI may still: {ai_may}").format(ai_may=texts.ai_may))
    return "\n".join(lines)


def render_why(
    decision: Decision, closest: Sequence[Example] = (), policy: Policy | None = None
) -> str:
    reasons = [
        f"- {r.layer}" + (f" [{r.category}]" if r.category else "") + f": {r.detail}"
        for r in decision.reasons
    ] or ["- " + _("nothing in the policy matched; unsure requests go to a person")]
    summary = _(
        "Confidence {confidence}; categories matched: {categories}; policy revision {revision}."
    ).format(
        confidence=f"{decision.confidence:.2f}",
        categories=", ".join(decision.categories) or _("none"),
        revision=decision.policy_revision,
    )
    return "\n".join(
        [
            render_decision(decision, policy),
            summary,
            _("Reasons:"),
            *reasons,
            *([_("Closest labelled requests:")] if closest else []),
            *(f'- [{e.category}] "{clip(e.text, 120)}" ({e.similarity:.2f})' for e in closest),
        ]
    )


def render_policy(policy: Policy) -> str:
    count = len(policy.categories)
    lines = [
        ngettext(
            "Policy revision {revision}: {count} category.",
            "Policy revision {revision}: {count} categories.",
            count,
        ).format(revision=policy.revision, count=count)
    ]
    for key, cat in policy.categories.items():
        owner = _person_name(policy, cat.owner) if cat.owner else "-"
        label = localized(cat.label)
        if cat.route == "human":
            line = _("- {key} ({label}): a person, owner {owner}, ack within {minutes} min")
        else:
            line = _("- {key} ({label}): AI")
        lines.append(line.format(key=key, label=label, owner=owner, minutes=f"{cat.ack_minutes:g}"))
    fb = policy.file.fallback
    anything = (
        _("Anything else: a person, owner {owner}.")
        if fb.route == "human"
        else _("Anything else: AI, owner {owner}.")
    )
    lines.append(anything.format(owner=_person_name(policy, fb.owner)))
    return "\n".join(lines)


def render_reload(outcome: ReloadOutcome) -> str:
    if outcome.error is not None:
        return _(
            "The policy files do not load, so revision {revision} stays in use: {error}"
        ).format(revision=outcome.revision, error=outcome.error)
    if outcome.changed:
        return _("Policy reloaded: revision {previous} -> {revision}.").format(
            previous=outcome.previous_revision, revision=outcome.revision
        )
    return _("Policy reloaded: no change (revision {revision}).").format(revision=outcome.revision)


def _person_name(policy: Policy, key: str) -> str:
    person = policy.people.people.get(key)
    return person.name if person else key


def render_queue(escalations: tuple[Escalation, ...]) -> str:
    if not escalations:
        return _("No open escalations for you.")
    count = len(escalations)
    head = ngettext("{count} open escalation:", "{count} open escalations:", count)
    return "\n".join([head.format(count=count)] + [queue_line(e) for e in escalations])


def queue_line(e: Escalation, *, now: float | None = None) -> str:
    """One open escalation of ``/should-ai queue``: id, category, state, holder, age, text."""
    minutes = int(((now or time.time()) - e.created_at) // 60)
    return _(
        "{id} [{category}] {state}, with {who}, level {level}, {minutes} min old, "
        "from {requester}: {text}"
    ).format(
        id=e.id,
        category=e.category,
        state=state_name(e.state),
        who=e.assignee or _("the channel"),
        level=e.level,
        minutes=minutes,
        requester=e.requester,
        text=repr(clip(e.text, 80)),
    )


def state_name(state: str) -> str:
    """An escalation's state as a reader says it."""
    names = {
        "open": _("open"),
        "acknowledged": _("acknowledged"),
        "reassigned": _("reassigned"),
        "resolved": _("resolved"),
        "unanswered": _("unanswered"),
        "expired": _("unanswered"),
    }
    return names.get(state, state)


def render_scheduled(posts: tuple[ScheduledPost, ...] | None) -> str:
    if posts is None:
        return no_scheduling_text()
    if not posts:
        return _("Nothing scheduled for you.")
    count = len(posts)
    head = ngettext("{count} scheduled post:", "{count} scheduled posts:", count)
    lines = [head.format(count=count)] + [f"- {_describe(p)}" for p in posts]
    return "\n".join(lines)


def _describe(post: ScheduledPost) -> str:
    """One scheduled post, at the time as its requester said it (in their time zone)."""
    return _("{id} in {channel}, {when}: {text}").format(
        id=post.id, channel=post.channel, when=when_text(post.plan), text=repr(clip(post.text, 80))
    )
