"""The AI work's sentences, the same on Slack, Discord and the console: what happens after the
verdict, what a button on a draft or a post did, the questions asked instead of guessing a time,
and a draft that could not be written. Each renders a :class:`bot.ai.notes.AiNote`; the adapters
add only their markup around it.
"""

from __future__ import annotations

from datetime import datetime

from bot.ai.model import Draft, PostPlan
from bot.ai.notes import AiNote, AiOutcome, DraftFailure
from handlers.common.ai_work_text import work_text

NO_LLM_NOTE = (
    "No LLM is configured, so I won't draft this for you. To turn drafting on, an admin sets "
    "SHOULD_AI_LLM_BASE_URL (e.g. http://localhost:11434/v1 for Ollama) and SHOULD_AI_LLM_MODEL, "
    "or SHOULD_AI_LLM_API_KEY for OpenAI, and restarts the bot."
)
DRAFTING_NOTE = "Drafting it now: the draft will show up here in a moment."
NEED_TEXT = (
    "What should the post say? Put the text in quotes, for example: "
    '/should-ai schedule "Our December issue is out!" Tuesday 9am in #marketing'
)
STORE_DOWN_NOTE = (
    "I can't start this right now: my storage is not answering, so nothing was queued. "
    "Please ask again in a minute."
)
NEED_CHANNEL = "Which channel should it go to? Add it like “in #marketing”."
_EXAMPLES = "for example “Tuesday 9am” or “mardi 9h”"

# The sentences that need no data, by kind.
_FIXED = {
    "drafting": DRAFTING_NOTE,
    "no_llm": NO_LLM_NOTE,
    "store_down": STORE_DOWN_NOTE,
    "need_text": NEED_TEXT,
    "need_channel": NEED_CHANNEL,
    "text_ready": "Here is your text, ready to paste.",
    "redrafting": "Writing another draft: it will show up here in a moment.",
    "discarded": "Draft discarded.",
    "pending_cancelled": "Cancelled: nothing will be posted.",
    "confirm_expired": "This confirmation has expired. Ask again with /should-ai.",
    "confirm_not_yours": "Only the person who asked can confirm this post.",
    "confirm_done": "This post was already confirmed or cancelled.",
    "cancel_not_yours": "Only the person who asked can cancel this post.",
    "post_gone": "That post is no longer scheduled.",
    "unschedule_not_yours": "Only the person who scheduled this post can cancel it.",
    "pick_channel": "Mention the channel (type # and pick it from the list) so I know which one.",
    "draft_expired": "This draft has expired. Ask again with /should-ai.",
    "draft_not_yours": "Only the person who asked for this draft can use it.",
    "draft_done": "This draft was already used or discarded.",
    "ask_when": f"When should it go out? Give a day and a time, {_EXAMPLES}.",
}


def ai_text(note: AiNote) -> str:
    """``note`` as the sentence the requester (or the presser) reads."""
    if (issue_15 := work_text(note)) is not None:
        return issue_15
    fixed = _FIXED.get(note.kind)
    if fixed is not None:
        return fixed
    return _about_a_post(note) or _question(note) or _other(note)


def outcome_text(outcome: AiOutcome) -> str:
    """What follows the verdict for a routine request ("" when the AI work has nothing to say)."""
    return ai_text(outcome.note) if outcome.note is not None else ""


def draft_headline(draft: Draft) -> str:
    """The line an adapter shows above the draft text."""
    if draft.plan is None:
        return "Here is a draft. Use it, ask for another, or discard it."
    return (
        f"Here is a draft for {draft.plan.channel}, to post {when_text(draft.plan)}. "
        "Schedule it, ask for another, or discard it."
    )


def when_text(plan: PostPlan) -> str:
    """When the post goes out, as its requester said it (in their time zone)."""
    return moment_text(plan.moment(), plan.tz)


def moment_text(at: datetime, tz: str) -> str:
    """'Tuesday 1 December 2026 at 09:00 (Europe/Paris)': ``at`` as the user will see it."""
    return f"{at:%A} {at.day} {at:%B %Y} at {at:%H:%M} ({tz})"


def _about_a_post(note: AiNote) -> str:
    plan = note.plan
    if plan is None:
        return ""
    match note.kind:
        case "drafting_post":
            return (
                f"I'll draft the post for {plan.channel}, to go out {when_text(plan)}. "
                "You'll see the draft here and confirm it before anything is scheduled."
            )
        case "confirm_post":
            return f"Schedule this in {plan.channel} {when_text(plan)}?\n> {note.text}"
        case "scheduled":
            return (
                f"Scheduled for {plan.channel}, {when_text(plan)}. "
                "See or cancel it with /should-ai scheduled."
            )
        case "unscheduled":
            return f"Cancelled the post for {plan.channel} {when_text(plan)}."
        case "post_passed":
            return f"{when_text(plan)} has already passed. Ask with a new time."
    return ""


def _question(note: AiNote) -> str:
    at = note.at
    match note.kind:
        case "ask_which_time":
            phrases = " / ".join(f"“{p}”" for p in note.phrases)
            return f"I read more than one time ({phrases}). Which one? Give one day and time."
        case "ask_month":
            return (
                f"“{note.detail}” could be two different dates. "
                "Write the month as a word, for example “5 December” or “5 décembre”."
            )
    if at is None:
        return ""
    match note.kind:
        case "ask_time_of_day":
            return f"What time on {at:%A} {at.day} {at:%B}? Give a time too, {_EXAMPLES}."
        case "ask_today_or_next":
            return (
                f"Today at {at:%H:%M}, or {at:%A} {at.day} {at:%B}? "
                "Say “today” or “next” with the day, "
                "for example “today 9am” or “mardi prochain 9h”."
            )
        case "ask_past":
            return f"{moment_text(at, note.tz)} has already passed. When should it go out instead?"
        case "ask_too_far":
            return (
                f"{moment_text(at, note.tz)} is too far ahead: "
                f"posts can be scheduled up to {note.days} days out."
            )
    return ""


def _other(note: AiNote) -> str:
    match note.kind:
        case "no_scheduler":
            return f"Scheduling posts is not set up for {note.platform} yet."
        case "platform_refused":
            return note.detail
        case "draft_failed" if note.failure is not None:
            return (
                f"Sorry, I could not write that draft: {failure_text(note.failure)}. "
                "Nothing was posted. Try again in a few minutes with the same /should-ai "
                "request, or ask your admin to check the LLM settings."
            )
    return str(note)  # a note with its data missing: say what it is rather than nothing


def failure_text(failure: DraftFailure) -> str:
    """Why a draft could not be written, as the clause after "I could not write that draft:"."""
    match failure.kind:
        case "llm_silent":
            return f"the LLM did not answer after {failure.attempts} tries"
        case "undeliverable":
            return f"it could not be delivered after {failure.attempts} tries"
        case "unfinished":
            return "the drafting job did not finish"
        case "for_a_person":
            return "this request belongs to a person, so AI will not draft it"
        case "llm_rejected":
            return "the LLM refused the request (wrong key or model?)"
