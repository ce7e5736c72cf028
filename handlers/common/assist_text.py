"""The words of AI help for an owner (issue 19), the same on Slack, Discord and the console:
the "Get AI help" offer on an acknowledged ping, the answer's label, why a press changed
nothing, and the message a requester gets when the owner shares the help. Each function builds
its sentence at render time through :func:`handlers.common.i18n._`; the adapters add markup."""

from __future__ import annotations

from bot.ai.owner_help import AssistAnswer, AssistResult, ShareResult
from bot.policy.assists import Assist
from bot.policy.model import Policy
from handlers.common.i18n import _, current_language
from handlers.common.status_text import Mentions, person_text


def get_ai_help() -> str:
    return _("Get AI help")


def offer(category_label: str) -> str:
    """Above the assist buttons of an acknowledged ping."""
    return _(
        "You hold this {category} request. AI can help you with it: pick one. The answer comes "
        "to you only, for you to review; nothing is sent to anyone else unless you share it."
    ).format(category=category_label.lower())


def label(assist: Assist) -> str:
    """The assist's label in the reader's language (the policy's text, else its English)."""
    return assist.label_in(current_language())


def label_of(policy: Policy, category: str, name: str) -> str:
    found = policy.categories.get(category)
    assist = found.assists.get(name) if found is not None else None
    return label(assist) if assist is not None else name


def with_material() -> str:
    """The button that opens the form for an assist with the owner's own material."""
    return _("With my material…")


def ask_button() -> str:
    return _("Ask AI")


def extra_prompt() -> str:
    """The optional field of the assist's form (a Slack or Discord modal)."""
    return _("Material for the AI to read (optional)")


def extra_placeholder() -> str:
    return _("For instance the text to check, or your notes on the person")


def console_usage() -> str:
    return _("Usage: assist <escalation> <assist> [material for the AI to read]")


def answer_heading(assist_label: str) -> str:
    return _("AI help to review: {assist}").format(assist=assist_label)


def answer_footer() -> str:
    return _(
        "Written by AI from the request and any material you gave. Check every fact before you "
        "use it. Only you can see this until you share it."
    )


def share_button() -> str:
    return _("Share with requester")


def no_llm() -> str:
    return _(
        "AI help is off: no LLM is configured. To turn it on, an admin sets "
        "SHOULD_AI_LLM_BASE_URL (for example http://localhost:11434/v1 for Ollama) and "
        "SHOULD_AI_LLM_MODEL, or SHOULD_AI_LLM_API_KEY for OpenAI, and restarts the bot. "
        "Nothing else about this request changes."
    )


def refused(result: AssistResult, *, policy: Policy, mentions: Mentions) -> str:
    """Why a press on an assist brought no answer (every kind but ``answer``)."""
    escalation = result.escalation_id
    match result.kind:
        case "no_llm":
            return no_llm()
        case "not_acknowledged":
            return _(
                "AI help opens once someone acknowledges {escalation}; then whoever holds it "
                "can ask."
            ).format(escalation=escalation)
        case "not_holder":
            holder = person_text(policy, result.holder, mentions) if result.holder else None
            return _("Only {holder}, who holds {escalation}, can ask AI for help with it.").format(
                holder=holder or _("the person who holds it"), escalation=escalation
            )
        case "closed":
            return _("{escalation} is resolved; AI help is closed for it.").format(
                escalation=escalation
            )
        case "busy":
            return _("Already asking AI for this; the answer will show up here.")
        case "llm_failed":
            return _(
                "The LLM did not answer this time and nothing was sent to anyone. Try again in "
                "a minute."
            )
        case _:
            return _(
                "That AI help is not available for {escalation} (the policy may have changed)."
            ).format(escalation=escalation)


def went_wrong() -> str:
    return _("Something went wrong on my side and nothing was sent; please try again.")


def shared(result: ShareResult) -> str:
    """What the holder reads after pressing Share with requester."""
    match result.kind:
        case "shared":
            return _("Shared with the requester.")
        case "already":
            return _("Already shared with the requester.")
        case "not_yours":
            return _("Only the person who asked for this help can share it.")
        case "expired":
            return _("This answer has expired; ask for AI help again to share one.")
        case _:
            return _("I could not reach the requester; nothing was sent.")


def shared_with_requester(answer: AssistAnswer, *, policy: Policy, mentions: Mentions) -> str:
    """The head of what the requester receives when the holder shares the help."""
    return _(
        "{holder} shared AI help about your request ({assist}). They chose to send it to you; "
        "it was written by AI, so check it before you rely on it."
    ).format(
        holder=person_text(policy, answer.asked_by, mentions),
        assist=label_of(policy, answer.category, answer.assist),
    )
