"""Try should-ai in a terminal: `should-ai serve` with no chat tokens reads requests typed on
stdin and answers them the way the chat adapters do; pings go to the console notifier."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import uuid
from typing import TextIO

from bot.ai.model import ReplyTarget
from bot.core import AiOp, Core, FollowUp
from bot.errors import ShouldAiError
from bot.escalations.model import Action, Actor
from handlers.common.ai_text import ai_text, outcome_text
from handlers.common.replies import press_refused, reply_for_store_down, reply_text
from handlers.common.status_text import PLAIN
from handlers.console.arguments import console_args

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
_DRAFT_ACTIONS: dict[str, AiOp] = {"use": "use", "again": "again", "discard": "discard"}
BANNER = (
    "should-ai console: type a request and press Enter (or `help`, `why <request>`, `queue`, "
    "`policy`, `ack <escalation id> [note]`, `resolve <escalation id> [outcome=…] [note]`, "
    "`snooze <escalation id> <minutes>`, `reassign <escalation id> <person>`, "
    "`withdraw <escalation id>`, and `use|again|discard <draft id>` when an LLM is "
    "configured). Ctrl-C or Ctrl-D stops."
)


def stdin_is_tty() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


async def handle_line(core: Core, line: str, out: TextIO) -> None:
    """Answer one typed line, as a chat adapter would answer the same slash command."""
    head, _, rest = line.strip().partition(" ")
    word, arg = head.lower(), rest.strip()
    if word in _ACTIONS and arg:
        await _act(core, _ACTIONS[word], arg, out)
        return
    if word in _DRAFT_ACTIONS and arg and " " not in arg:
        print(await _draft_action(core, _DRAFT_ACTIONS[word], arg), file=out, flush=True)
        return
    reply = await core.commands.handle(actor=CONSOLE_ACTOR, text=line, dedupe_key=uuid.uuid4().hex)
    if said := reply_text(reply):
        print(said, file=out, flush=True)
    follow_up = await core.after_decision.follow_up(
        reply=reply, actor=CONSOLE_ACTOR, text=line, reply_to=CONSOLE_TARGET
    )
    if said := _follow_up_text(follow_up):
        print(said, file=out, flush=True)


def _follow_up_text(follow_up: FollowUp) -> str:
    if follow_up.kind == "escalated" and follow_up.escalation is not None:
        return f"Escalation {follow_up.escalation.id} opened."
    if follow_up.kind == "store_down" and follow_up.decision is not None:
        return reply_for_store_down(follow_up.decision)
    if follow_up.kind == "ai_work" and follow_up.ai is not None:
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
        print(f"Could not {action} {escalation_id}: {why}", file=out, flush=True)
        return
    e = pressed.escalation
    print(f"Escalation {e.id} is now {e.state}.", file=out, flush=True)


async def run_console(core: Core, stop: asyncio.Event, *, fd: int = 0) -> None:
    """Read lines from ``fd`` until EOF or ``stop``; EOF (Ctrl-D) stops serve."""
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    loop = asyncio.get_running_loop()
    reader = _LineReader(fd, lines)
    loop.add_reader(fd, reader.on_readable)
    print(BANNER, flush=True)
    try:
        while (line := await lines.get()) is not None:
            if line.strip():
                await _answer(core, line)
    finally:
        loop.remove_reader(fd)
    stop.set()


async def _answer(core: Core, line: str) -> None:
    try:
        await handle_line(core, line, sys.stdout)
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
