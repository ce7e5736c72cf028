"""The AI work's sentences in the reader's language, the same on Slack, Discord and the console:
what happens after the verdict, what a button on a draft or a post did, the questions asked
instead of guessing a time, and a draft that could not be written. Each renders a
:class:`bot.ai.notes.AiNote`; the adapters add only their markup around it.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time

from bot.ai.model import Draft, PostPlan
from bot.ai.notes import AiNote, AiOutcome, DraftFailure
from handlers.common.ai_work_text import work_text
from handlers.common.i18n import _, babel_locale
from handlers.common.status_text import reason_text


def need_text() -> str:
    return _(
        "What should the post say? Put the text in quotes, for example: "
        '/should-ai schedule "Our December issue is out!" Tuesday 9am in #marketing'
    )


def _examples() -> str:
    return _("for example “Tuesday 9am” or “mardi 9h”")


def _fixed(kind: str) -> str | None:
    """The sentences that need no data, by kind."""
    match kind:
        case "drafting":
            return _("Drafting it now: the draft will show up here in a moment.")
        case "no_llm":
            return _(
                "No LLM is configured, so I won't draft this for you. To turn drafting on, an "
                "admin sets SHOULD_AI_LLM_BASE_URL (e.g. http://localhost:11434/v1 for Ollama) "
                "and SHOULD_AI_LLM_MODEL, or SHOULD_AI_LLM_API_KEY for OpenAI, and restarts "
                "the bot."
            )
        case "store_down":
            return _(
                "I can't start this right now: my storage is not answering, so nothing was "
                "queued. Please ask again in a minute."
            )
        case "need_text":
            return need_text()
        case "need_channel":
            return _("Which channel should it go to? Add it like “in #marketing”.")
        case "text_ready":
            return _("Here is your text, ready to paste.")
        case "redrafting":
            return _("Writing another draft: it will show up here in a moment.")
        case "discarded":
            return _("Draft discarded.")
        case "pending_cancelled":
            return _("Cancelled: nothing will be posted.")
        case "confirm_expired":
            return _("This confirmation has expired. Ask again with /should-ai.")
        case "confirm_not_yours":
            return _("Only the person who asked can confirm this post.")
        case "confirm_done":
            return _("This post was already confirmed or cancelled.")
        case "cancel_not_yours":
            return _("Only the person who asked can cancel this post.")
        case "post_gone":
            return _("That post is no longer scheduled.")
        case "unschedule_not_yours":
            return _("Only the person who scheduled this post can cancel it.")
        case "pick_channel":
            return _("Mention the channel (type # and pick it from the list) so I know which one.")
        case "draft_expired":
            return _("This draft has expired. Ask again with /should-ai.")
        case "draft_not_yours":
            return _("Only the person who asked for this draft can use it.")
        case "draft_done":
            return _("This draft was already used or discarded.")
        case "ask_when":
            return _("When should it go out? Give a day and a time, {examples}.").format(
                examples=_examples()
            )
    return None


def ai_text(note: AiNote) -> str:
    """``note`` as the sentence the requester (or the presser) reads."""
    if (issue_15 := work_text(note)) is not None:
        return issue_15
    fixed = _fixed(note.kind)
    if fixed is not None:
        return fixed
    return _about_a_post(note) or _question(note) or _other(note)


def outcome_text(outcome: AiOutcome) -> str:
    """What follows the verdict for a routine request ("" when the AI work has nothing to say)."""
    return ai_text(outcome.note) if outcome.note is not None else ""


def draft_headline(draft: Draft) -> str:
    """The line an adapter shows above the draft text."""
    if draft.plan is None:
        return _("Here is a draft. Use it, ask for another, or discard it.")
    return _(
        "Here is a draft for {channel}, to post {when}. "
        "Schedule it, ask for another, or discard it."
    ).format(channel=draft.plan.channel, when=when_text(draft.plan))


def when_text(plan: PostPlan) -> str:
    """When the post goes out, as its requester said it (in their time zone)."""
    return moment_text(plan.moment(), plan.tz)


def moment_text(at: datetime, tz: str) -> str:
    """'Tuesday 1 December 2026 at 09:00 (Europe/Paris)', 'mardi 1 décembre 2026 à 09:00
    (Europe/Paris)': ``at`` in the zone ``tz``, worded in the language in force."""
    local = at.astimezone(ZoneInfo(tz)) if at.tzinfo is not None else at
    return _("{day} at {time} ({zone})").format(
        day=format_date(local, "EEEE d MMMM y", locale=babel_locale()),
        time=format_time(local, "HH:mm", locale=babel_locale()),
        zone=tz,
    )


def day_text(at: datetime) -> str:
    """'Tuesday 1 December', 'mardi 1 décembre'."""
    return format_date(at, "EEEE d MMMM", locale=babel_locale())


def datetime_text(at: datetime, tz: str) -> str:
    """'Tuesday 9 December at 09:00', 'mardi 9 décembre à 09:00', in the reader's zone ``tz``."""
    local = at.astimezone(ZoneInfo(tz))
    return _("{day} at {time}").format(
        day=day_text(local), time=format_datetime(local, "HH:mm", locale=babel_locale())
    )


def _about_a_post(note: AiNote) -> str:
    plan = note.plan
    if plan is None:
        return ""
    when = when_text(plan)
    match note.kind:
        case "drafting_post":
            return _(
                "I'll draft the post for {channel}, to go out {when}. "
                "You'll see the draft here and confirm it before anything is scheduled."
            ).format(channel=plan.channel, when=when)
        case "confirm_post":
            return (
                _("Schedule this in {channel} {when}?").format(channel=plan.channel, when=when)
                + f"\n> {note.text}"
            )
        case "scheduled":
            return _(
                "Scheduled for {channel}, {when}. See or cancel it with /should-ai scheduled."
            ).format(channel=plan.channel, when=when)
        case "unscheduled":
            return _("Cancelled the post for {channel} {when}.").format(
                channel=plan.channel, when=when
            )
        case "post_passed":
            return _("{when} has already passed. Ask with a new time.").format(when=when)
    return ""


def _question(note: AiNote) -> str:
    at = note.at
    match note.kind:
        case "ask_which_time":
            phrases = " / ".join(_("“{text}”").format(text=p) for p in note.phrases)
            return _(
                "I read more than one time ({phrases}). Which one? Give one day and time."
            ).format(phrases=phrases)
        case "ask_month":
            return _(
                "“{text}” could be two different dates. "
                "Write the month as a word, for example “5 December” or “5 décembre”."
            ).format(text=note.detail)
    if at is None:
        return ""
    match note.kind:
        case "ask_time_of_day":
            return _("What time on {day}? Give a time too, {examples}.").format(
                day=day_text(at), examples=_examples()
            )
        case "ask_today_or_next":
            return _(
                "Today at {time}, or {day}? Say “today” or “next” with the day, "
                "for example “today 9am” or “mardi prochain 9h”."
            ).format(time=f"{at:%H:%M}", day=day_text(at))
        case "ask_past":
            return _("{when} has already passed. When should it go out instead?").format(
                when=moment_text(at, note.tz)
            )
        case "ask_too_far":
            return _(
                "{when} is too far ahead: posts can be scheduled up to {days} days out."
            ).format(when=moment_text(at, note.tz), days=note.days)
    return ""


def _other(note: AiNote) -> str:
    match note.kind:
        case "no_scheduler":
            return _("Scheduling posts is not set up for {platform} yet.").format(
                platform=note.platform
            )
        case "platform_refused":
            return reason_text(note.detail)  # marked with N_ where the platform adapter wrote it
        case "draft_failed" if note.failure is not None:
            return _(
                "Sorry, I could not write that draft: {why}. "
                "Nothing was posted. Try again in a few minutes with the same /should-ai "
                "request, or ask your admin to check the LLM settings."
            ).format(why=failure_text(note.failure))
    return str(note)  # a note with its data missing: say what it is rather than nothing


def failure_text(failure: DraftFailure) -> str:
    """Why a draft could not be written, as the clause after "I could not write that draft:"."""
    match failure.kind:
        case "llm_silent":
            return _("the LLM did not answer after {n} tries").format(n=failure.attempts)
        case "undeliverable":
            return _("it could not be delivered after {n} tries").format(n=failure.attempts)
        case "unfinished":
            return _("the drafting job did not finish")
        case "for_a_person":
            return _("this request belongs to a person, so AI will not draft it")
        case "llm_rejected":
            return _("the LLM refused the request (wrong key or model?)")
