"""The sentences a requester or an owner reads, the same on Slack, Discord and the console.

Each renders a core value (:class:`bot.intake.commands.Reply`, :mod:`bot.core.outcomes`) in plain
English; each adapter adds only its own markup around it (Slack escapes it for mrkdwn, Discord
puts it in an embed, the console prints it); where a sentence names a person, the adapter brings
its :class:`~handlers.common.status_text.Mentions`. :func:`reply_text` is the whole answer to a
/should-ai command as plain text.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.ai.model import ScheduledPost
from bot.core.outcomes import Press
from bot.escalations.errors import Refusal
from bot.escalations.model import Escalation
from bot.intake.commands import Reply, render_escalation_line
from bot.policy.layers import Example
from bot.policy.model import Decision, Policy
from bot.policy.nonrequest import NonRequest
from bot.reload import ReloadOutcome
from bot.text import clip
from handlers.common import escalation_text
from handlers.common.ai_text import when_text
from handlers.common.escalation_text import away_error_text, away_text
from handlers.common.queue_text import queue_reply_text
from handlers.common.status_text import Mentions, person_text

HELP = """\
/should-ai <request>: I say at once whether AI may do it or a named person must own it.
/should-ai why <request>: the same answer with its reasons and the closest labelled requests.
/should-ai queue: escalations waiting for you (admins: every open escalation).
/should-ai mine: what you hold and what you asked for, with where each stands.
/should-ai away until friday (or: for 3 days, off): escalations skip you until then.
/should-ai scheduled: posts AI scheduled for you.
/should-ai policy: the policy in use: its revision, categories and owners (admins only).
/should-ai reload: reload the policy files now (admins only; edits are also picked up on save).
/should-ai help: this list."""

EMPTY_REQUEST = (
    "Tell me what you want to do after /should-ai, for example "
    "`/should-ai draft a post announcing our spring sale`. `/should-ai help` lists commands."
)
WHY_USAGE = "Usage: /should-ai why <request>"
TRUNCATED_NOTE = (
    "Your request was too long for me to read whole: I decided on its beginning only, and "
    "nothing past that goes to AI. Shorten it or split it if the rest matters."
)
STORE_DOWN_TEXT = (
    "I can't reach my store right now, so I can't list that. Try again in a minute; "
    "anything urgent: contact its owner directly."
)
RESTARTING_TEXT = (
    "should-ai is restarting, so I did not look at this and nobody was pinged. "
    "Please send it again in a minute."
)
NO_SCHEDULING = "Scheduling is not set up on this bot."
AI_MAY_STILL = "What AI may still do"  # the heading over a human decision's ai_may


def verdict(decision: Decision) -> str:
    """The verdict itself, as every adapter words it (each adds its own emphasis)."""
    return "AI can do this" if decision.route == "ai" else "A person must own this"


STORE_DOWN_PRESS = (
    "I can't record that right now (my store is unreachable), so nothing changed. "
    "Please press the button again in a minute."
)


def reply_for_store_down(decision: Decision) -> str:
    """What the requester is told when their escalation could not be stored (Redis down)."""
    owner = decision.owner.name if decision.owner else "the owner of this kind of work"
    return (
        f"I couldn't record this escalation right now, so please contact {owner} directly "
        "about it. Do not hand it to AI in the meantime. I'll keep trying to notify them."
    )


def press_refused(press: Press, *, policy: Policy, mentions: Mentions) -> str:
    """Why a press on an escalation changed nothing (for the presser only)."""
    if press.kind == "store_down":
        return STORE_DOWN_PRESS
    if press.refusal is None:
        return press.detail
    return refusal_text(press.refusal, policy=policy, mentions=mentions)


def refusal_text(refusal: Refusal, *, policy: Policy, mentions: Mentions) -> str:
    """``refusal`` as the sentence the person who acted reads."""
    match refusal.kind:
        case "closed":
            return f"Escalation {refusal.escalation_id} is already resolved."
        case "unknown":
            return f"There is no escalation {refusal.escalation_id}."
        case "no_target":
            return "Pick the person to reassign this escalation to."
        case "already_assigned":
            return (
                f"{person_text(policy, refusal.people[0], mentions)} already has this escalation."
            )
        case "not_allowed":
            names = ", ".join(person_text(policy, key, mentions) for key in refusal.people)
            who = f"{names} or an admin" if names else "an admin"
            return f"Only {who} can act on escalation {refusal.escalation_id}."
        case _:
            return escalation_text.refusal_text(refusal)


def reply_text(reply: Reply) -> str:
    """The answer to a /should-ai command, as plain text ("" for a duplicate: no answer)."""
    match reply.kind:
        case "decision" if reply.decision is not None:
            note = truncated_note(reply)
            return render_decision(reply.decision) + (f"\n{note}" if note else "")
        case "why" if reply.decision is not None:
            closest = reply.intake.closest if reply.intake is not None else ()
            return render_why(reply.decision, closest)
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
            return HELP
        case "refused" if reply.intake is not None:
            return rate_limited_message(reply.intake.limit, reply.intake.retry_after_s)
        case "error":
            return _error_text(reply)
        case "away":
            return away_text(reply.away_until)
    return ""


def truncated_note(reply: Reply) -> str | None:
    """Tells the requester their text was cut before deciding; None if it was not."""
    if reply.intake is None or not reply.intake.truncated:
        return None
    return TRUNCATED_NOTE


def not_a_request_text(chatter: NonRequest) -> str:
    """The answer to a greeting, a thanks, a lone word or a mistyped sub-command: help, no ping."""
    if chatter.kind == "command" and chatter.suggestion:
        head = f"Did you mean `/should-ai {chatter.suggestion}`? Nobody was pinged."
    elif chatter.kind == "lone word":
        head = "One word is not enough for me to tell who should do it. Nobody was pinged."
    else:
        head = "Hi! That doesn't read as a request, so nobody was pinged."
    return f"{head}\n{EMPTY_REQUEST}\n\n{HELP}"


def _error_text(reply: Reply) -> str:
    match reply.error:
        case "empty":
            return EMPTY_REQUEST
        case "why_usage":
            return WHY_USAGE
        case "admin_only":
            return f"`{reply.command}` is for should-ai admins only."
        case "store_down":
            return STORE_DOWN_TEXT
        case "restarting":
            return RESTARTING_TEXT
        case "away_usage" | "not_listed":
            return away_error_text(reply.error)
    return ""


def rate_limited_message(limit: int, retry_after_s: int) -> str:
    return (
        f"You've sent more than {limit} requests in a short time. "
        f"Please wait {retry_after_s} s and try again."
    )


def render_decision(decision: Decision) -> str:
    """The answer a requester sees at once."""
    if decision.route == "ai":
        head = f"{verdict(decision)} ({_category(decision)})."
    else:
        owner = decision.owner.name if decision.owner else "a person"
        head = f"{verdict(decision)} ({_category(decision)}): {owner} will be asked to take it."
    lines = [head]
    if decision.why:
        lines.append(f"Why: {decision.why}")
    if decision.route == "human" and decision.ai_may:
        lines.append(f"AI may still: {decision.ai_may}")
    return "\n".join(lines)


def render_why(decision: Decision, closest: Sequence[Example] = ()) -> str:
    reasons = [
        f"- {r.layer}" + (f" [{r.category}]" if r.category else "") + f": {r.detail}"
        for r in decision.reasons
    ] or ["- nothing in the policy matched; unsure requests go to a person"]
    return "\n".join(
        [
            render_decision(decision),
            f"Confidence {decision.confidence:.2f}; categories matched: "
            f"{', '.join(decision.categories) or 'none'}; "
            f"policy revision {decision.policy_revision}.",
            "Reasons:",
            *reasons,
            *(["Closest labelled requests:"] if closest else []),
            *(f'- [{e.category}] "{clip(e.text, 120)}" ({e.similarity:.2f})' for e in closest),
        ]
    )


def render_policy(policy: Policy) -> str:
    lines = [f"Policy revision {policy.revision}: {len(policy.categories)} categories."]
    for key, cat in policy.categories.items():
        owner = _person_name(policy, cat.owner) if cat.owner else "-"
        extra = (
            f", owner {owner}, ack within {cat.ack_minutes:g} min" if cat.route == "human" else ""
        )
        lines.append(f"- {key} ({cat.label}): {cat.route}{extra}")
    fb = policy.file.fallback
    lines.append(f"Anything else: {fb.route}, owner {_person_name(policy, fb.owner)}.")
    return "\n".join(lines)


def render_reload(outcome: ReloadOutcome) -> str:
    if outcome.error is not None:
        return (
            f"The policy files do not load, so revision {outcome.revision} stays in use: "
            f"{outcome.error}"
        )
    if outcome.changed:
        return f"Policy reloaded: revision {outcome.previous_revision} -> {outcome.revision}."
    return f"Policy reloaded: no change (revision {outcome.revision})."


def _category(decision: Decision) -> str:
    return decision.category or "not recognised"


def _person_name(policy: Policy, key: str) -> str:
    person = policy.people.people.get(key)
    return person.name if person else key


def render_queue(escalations: tuple[Escalation, ...]) -> str:
    if not escalations:
        return "No open escalations for you."
    lines = [f"{len(escalations)} open escalation(s):"]
    return "\n".join(lines + [render_escalation_line(e) for e in escalations])


def render_scheduled(posts: tuple[ScheduledPost, ...] | None) -> str:
    if posts is None:
        return NO_SCHEDULING
    if not posts:
        return "Nothing scheduled for you."
    lines = [f"{len(posts)} scheduled post(s):"] + [f"- {_describe(p)}" for p in posts]
    return "\n".join(lines)


def _describe(post: ScheduledPost) -> str:
    """One scheduled post, at the time as its requester said it (in their time zone)."""
    return f"{post.id} in {post.channel}, {when_text(post.plan)}: {clip(post.text, 80)!r}"
