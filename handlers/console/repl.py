"""Try should-ai in a terminal: `should-ai serve` with no chat tokens reads requests typed on
stdin and answers them the way the chat adapters do; pings go to the console notifier."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sys
import uuid
from dataclasses import replace
from typing import TextIO

from bot.ai.model import ReplyTarget
from bot.core import AiOp, Core, FollowUp
from bot.errors import ShouldAiError
from bot.escalations.model import Action, Actor
from bot.policy.language import detect_language
from handlers.common.ai_text import ai_text, outcome_text
from handlers.common.ai_work_text import confirm_hint, second_look_text
from handlers.common.feedback_text import console_hint, shadow_note
from handlers.common.i18n import _, language, supported
from handlers.common.replies import press_refused, reply_for_store_down, reply_text, state_name
from handlers.common.status_text import PLAIN
from handlers.console import assists
from handlers.console.arguments import console_args
from handlers.console.feedback import feedback_command, wrong_call

log = logging.getLogger(__name__)

CONSOLE_ACTOR = Actor(platform="console", user_id="console")
CONSOLE_TARGET = ReplyTarget(platform="console", user_id="console")
_ACTIONS: dict[str, Action] = {
    "ack": "acknowledge",
    "acknowledge": "acknowledge",
    "resolve": "resolve",
    "snooze": "snooze",
    "withdraw": "withdraw",
    "reassign": "reassign",
}
_ONE_ID = re.compile(r"^F\d+$")  # `accept F3`: a feedback id, not a request ("accept the offer")
_DRAFT_ACTIONS: dict[str, AiOp] = {
    "use": "use",
    "again": "again",
    "discard": "discard",
    "confirm": "confirm",  # a proposed post (issue 15: the console schedules to itself)
    "cancel": "cancel",
}


def banner() -> str:
    return _(
        "should-ai console: type a request and press Enter (or `help`, `why <request>`, `queue`, "
        "`policy`, `ack <escalation id> [note]`, `resolve <escalation id> [outcome=…] [note]`, "
        "`snooze <escalation id> <minutes>`, `reassign <escalation id> <person>`, "
        "`withdraw <escalation id>`, `wrong <decision id> <category> [note]`, `feedback`, "
        "`accept|reject <feedback id>`, and `use|again|discard <draft id>` when an LLM is "
        "configured, `confirm|cancel <id>` for a post; once you hold an escalation, "
        "`assist <escalation id> <assist> [material]` asks AI for help with it). "
        "Ctrl-C or Ctrl-D stops."
    )


def stdin_is_tty() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


async def handle_line(
    core: Core,
    line: str,
    out: TextIO,
    *,
    locale: str | None = None,
    default_language: str = "en",
) -> None:
    """Answer one typed line, as a chat adapter would answer the same slash command: in the
    reader's ``locale`` if given, else the language the line is written in, else
    ``default_language`` (SHOULD_AI_DEFAULT_LANGUAGE)."""
    said = _words_of(line)
    chosen = supported(locale) or supported(detect_language(said)) or default_language
    with language(chosen):
        await _answer_line(core, line, out)


def _words_of(line: str) -> str:
    """What the line says in a language. A move on an escalation (``reassign esc-1 dana``,
    ``ack esc-1 on it``) says nothing to go by: its command, id and person are not words, and a
    short note is too short to tell (the console's language answers it)."""
    head, _sep, _rest = line.strip().partition(" ")
    return "" if head.lower() in _ACTIONS else line


async def _answer_line(core: Core, line: str, out: TextIO) -> None:
    head, _sep, rest = line.strip().partition(" ")
    word, arg = head.lower(), rest.strip()
    if word in _ACTIONS and arg:
        await _act(core, _ACTIONS[word], arg, out)
        return
    if word in assists.COMMANDS and arg:  # AI help for the holder (issue 19)
        await assists.handle(core, CONSOLE_ACTOR, word, arg, out)
        return
    if word == "wrong" and arg:
        print(await wrong_call(core, CONSOLE_ACTOR, arg), file=out, flush=True)
        return
    if (word == "feedback" and not arg) or (word in ("accept", "reject") and _ONE_ID.match(arg)):
        print(await feedback_command(core, word, arg), file=out, flush=True)
        return
    if word in _DRAFT_ACTIONS and arg and " " not in arg:
        print(await _draft_action(core, _DRAFT_ACTIONS[word], arg), file=out, flush=True)
        return
    reply = await core.commands.handle(actor=CONSOLE_ACTOR, text=line, dedupe_key=uuid.uuid4().hex)
    if said := reply_text(reply, core.policy()):
        print(said, file=out, flush=True)
    if reply.kind == "decision" and reply.decision is not None:
        if reply.intake is not None and reply.intake.would_have is not None:
            print(shadow_note(reply.intake.would_have, core.policy()), file=out, flush=True)
        print(console_hint(reply.decision.decision_id), file=out, flush=True)
    follow_up = await core.after_decision.follow_up(
        reply=reply, actor=CONSOLE_ACTOR, text=line, reply_to=CONSOLE_TARGET
    )
    if said := _follow_up_text(follow_up):
        print(said, file=out, flush=True)


def _follow_up_text(follow_up: FollowUp) -> str:
    if follow_up.second_look is not None:  # the verdict said AI; a person has it now
        looked = second_look_text(follow_up.second_look)
        return f"{looked}\n{_follow_up_text(replace(follow_up, second_look=None))}".strip()
    if follow_up.kind == "escalated" and follow_up.escalation is not None:
        return _("Escalation {id} opened.").format(id=follow_up.escalation.id)
    if follow_up.kind == "store_down" and follow_up.decision is not None:
        return reply_for_store_down(follow_up.decision)
    if follow_up.kind == "ai_work" and follow_up.ai is not None:
        if follow_up.ai.pending_id:  # no buttons here: say what to type
            return f"{outcome_text(follow_up.ai)}\n{confirm_hint(follow_up.ai.pending_id)}"
        return outcome_text(follow_up.ai)
    return ""


async def _draft_action(core: Core, op: AiOp, draft_id: str) -> str:
    pressed = await core.presses.ai(actor=CONSOLE_ACTOR, op=op, ref=draft_id)
    assert pressed is not None  # only a press with a dedupe key can be a duplicate
    if pressed.draft is not None:
        return f"{ai_text(pressed.note)}\n{pressed.draft.text}"
    return ai_text(pressed.note)


async def _act(core: Core, action: Action, arg: str, out: TextIO) -> None:
    escalation_id, args = console_args(action, arg)
    pressed = await core.presses.escalation(
        actor=CONSOLE_ACTOR, escalation_id=escalation_id, action=action, **args
    )
    if pressed.kind != "moved" or pressed.escalation is None:
        why = press_refused(pressed, policy=core.policy(), mentions=PLAIN)
        print(_failed(action).format(id=escalation_id, why=why), file=out, flush=True)
        return
    e = pressed.escalation
    said = _("Escalation {id} is now {state}.").format(id=e.id, state=state_name(e.state))
    print(said, file=out, flush=True)
    for line in assists.offer_lines(core, e):
        print(line, file=out, flush=True)


def _failed(action: Action) -> str:
    """Why a typed move changed nothing: "Could not snooze {id}: {why}"."""
    match action:
        case "acknowledge":
            return _("Could not acknowledge {id}: {why}")
        case "resolve":
            return _("Could not resolve {id}: {why}")
        case "snooze":
            return _("Could not snooze {id}: {why}")
        case "withdraw":
            return _("Could not withdraw {id}: {why}")
        case "reassign":
            return _("Could not reassign {id}: {why}")
    return _("Could not act on {id}: {why}")


async def run_console(
    core: Core, stop: asyncio.Event, *, fd: int = 0, default_language: str = "en"
) -> None:
    """Read lines from ``fd`` until EOF or ``stop``; EOF (Ctrl-D) stops serve."""
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    loop = asyncio.get_running_loop()
    reader = _LineReader(fd, lines)
    loop.add_reader(fd, reader.on_readable)
    with language(default_language):
        print(banner(), flush=True)
    try:
        while (line := await lines.get()) is not None:
            if line.strip():
                await _answer(core, line, default_language)
    finally:
        loop.remove_reader(fd)
    stop.set()


async def _answer(core: Core, line: str, default_language: str = "en") -> None:
    try:
        await handle_line(core, line, sys.stdout, default_language=default_language)
    except ShouldAiError as e:
        print(f"error: {e}", flush=True)
    except Exception:  # one bad line must not end the session; the traceback is logged
        log.exception("console: could not answer %r", line)
        print("error: something went wrong answering that; see the log above.", flush=True)


class _LineReader:
    """Splits what the terminal delivers into lines; EOF becomes None."""

    def __init__(self, fd: int, lines: asyncio.Queue[str | None]) -> None:
        self._fd = fd
        self._lines = lines
        self._buffer = b""

    def on_readable(self) -> None:
        import os

        with contextlib.suppress(BlockingIOError):
            chunk = os.read(self._fd, 65536)
            if not chunk:
                self._lines.put_nowait(None)
                return
            self._buffer += chunk
            *complete, self._buffer = self._buffer.split(b"\n")
            for raw in complete:
                self._lines.put_nowait(raw.decode("utf-8", "replace"))
