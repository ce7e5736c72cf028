"""AI help for an owner at the terminal (issue 19): ``assist <escalation> <assist> [material]``
asks the LLM for one of the category's assists once the escalation is acknowledged by whoever
is typing, and ``share <answer id>`` sends the answer on to the requester. What the holder may
do is :class:`bot.ai.owner_help.OwnerHelp`'s; this module only reads the line and prints."""

from __future__ import annotations

from typing import TextIO

from bot.ai.owner_help import AssistAnswer, OwnerHelp, assists_offered
from bot.core import Core
from bot.escalations.model import Actor, Escalation
from handlers.common import assist_text
from handlers.common.i18n import current_language
from handlers.common.status_text import PLAIN

COMMANDS = ("assist", "share")


def offer_lines(core: Core, escalation: Escalation) -> list[str]:
    """What the holder can type next, once they hold ``escalation``."""
    offered = assists_offered(core.policy(), escalation)
    if not offered or core.owner_help is None:
        return []
    lines = [f"{assist_text.get_ai_help()}:"]
    lines += [
        f"  assist {escalation.id} {name} [...]   {assist_text.label(assist)}"
        for name, assist in offered.items()
    ]
    return lines


async def handle(core: Core, actor: Actor, word: str, arg: str, out: TextIO) -> None:
    """``assist …`` or ``share …``, typed by ``actor``."""
    help_ = core.owner_help
    if help_ is None:
        print(assist_text.no_llm(), file=out, flush=True)
        return
    if word == "share":
        result = await help_.share(actor=actor, answer_id=arg.strip())
        print(assist_text.shared(result), file=out, flush=True)
        return
    print(await _assist(core, help_, actor, arg), file=out, flush=True)


async def _assist(core: Core, help_: OwnerHelp, actor: Actor, arg: str) -> str:
    escalation_id, _, rest = arg.strip().partition(" ")
    name, _, extra = rest.strip().partition(" ")
    if not escalation_id or not name:
        return assist_text.console_usage()
    result = await help_.ask(
        actor=actor,
        escalation_id=escalation_id,
        assist=name,
        extra=extra,
        language=current_language(),
    )
    if result.answer is None:
        return assist_text.refused(result, policy=core.policy(), mentions=PLAIN)
    return answer_text(core, result.answer, shareable=result.shareable)


def answer_text(core: Core, answer: AssistAnswer, *, shareable: bool) -> str:
    label = assist_text.label_of(core.policy(), answer.category, answer.assist)
    lines = [f"== {assist_text.answer_heading(label)} ==", answer.text, assist_text.answer_footer()]
    if shareable:
        lines.append(f"({assist_text.share_button()}: share {answer.id})")
    return "\n".join(lines)


class ConsoleAssistShare:
    """:class:`bot.ai.owner_help.AssistShare` at the terminal: it prints what the requester
    gets (the console's requester is the person at the terminal)."""

    def __init__(self, core: Core, out: TextIO | None = None) -> None:
        self._core = core
        self._out = out

    async def share_with_requester(self, *, escalation: Escalation, answer: AssistAnswer) -> None:
        import sys

        head = assist_text.shared_with_requester(answer, policy=self._core.policy(), mentions=PLAIN)
        print(f"TO {escalation.requester}: {head}\n{answer.text}", file=self._out or sys.stdout)
