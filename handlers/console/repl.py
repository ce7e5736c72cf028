"""Try should-ai in a terminal: `should-ai serve` with no chat tokens reads requests typed on
stdin and answers them the way the chat adapters do; pings go to the console notifier."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import uuid
from typing import TYPE_CHECKING, TextIO

from bot.ai.model import ReplyTarget
from bot.commands import reply_for_store_down
from bot.errors import ShouldAiError
from bot.escalations.model import Action, Actor
from bot.intake import IntakeResult
from bot.policy.model import Decision

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from bot.app import Services

CONSOLE_ACTOR = Actor(platform="console", user_id="console")
CONSOLE_TARGET = ReplyTarget(platform="console", user_id="console")
_ACTIONS: dict[str, Action] = {
    "ack": "acknowledge",
    "acknowledge": "acknowledge",
    "resolve": "resolve",
}
_DRAFT_ACTIONS = frozenset({"use", "again", "discard"})
BANNER = (
    "should-ai console: type a request and press Enter (or `help`, `why <request>`, `queue`, "
    "`policy`, `ack <escalation id>`, `resolve <escalation id>`, and `use|again|discard "
    "<draft id>` when an LLM is configured). Ctrl-C or Ctrl-D stops."
)


def stdin_is_tty() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


async def handle_line(services: Services, line: str, out: TextIO) -> None:
    """Answer one typed line, as a chat adapter would answer the same slash command."""
    head, _, rest = line.strip().partition(" ")
    word, arg = head.lower(), rest.strip()
    if word in _ACTIONS and arg:
        await _act(services, _ACTIONS[word], arg, out)
        return
    if word in _DRAFT_ACTIONS and arg and " " not in arg:
        print(await _draft_action(services, word, arg), file=out, flush=True)
        return
    reply = await services.commands.handle(
        actor=CONSOLE_ACTOR, text=line, dedupe_key=uuid.uuid4().hex
    )
    if reply.text:
        print(reply.text, file=out, flush=True)
    if reply.kind == "decision" and reply.decision is not None and reply.intake is not None:
        print(await _follow_up(services, reply.intake, reply.decision, line), file=out, flush=True)


async def _follow_up(
    services: Services, result: IntakeResult, decision: Decision, line: str
) -> str:
    """Escalate a human-route decision; hand an AI-route one to the AI work."""
    if decision.route == "human":
        escalation = await services.intake.escalate(
            result=result, actor=CONSOLE_ACTOR, text=line, status_ref=None
        )
        return (
            f"Escalation {escalation.id} opened." if escalation else reply_for_store_down(decision)
        )
    outcome = await services.ai.handle(
        actor=CONSOLE_ACTOR, text=line, decision=decision, reply_to=CONSOLE_TARGET
    )
    return outcome.message


async def _draft_action(services: Services, word: str, draft_id: str) -> str:
    if word == "use":
        draft, message = await services.ai.use_draft(draft_id=draft_id, actor=CONSOLE_ACTOR)
        return f"{message}\n{draft.text}" if draft is not None else message
    if word == "again":
        return await services.ai.regenerate(draft_id=draft_id, actor=CONSOLE_ACTOR)
    return await services.ai.discard(draft_id=draft_id, actor=CONSOLE_ACTOR)


async def _act(services: Services, action: Action, escalation_id: str, out: TextIO) -> None:
    try:
        e = await services.escalations.act(
            escalation_id=escalation_id, actor=CONSOLE_ACTOR, action=action
        )
    except ShouldAiError as err:
        print(f"Could not {action} {escalation_id}: {err}", file=out, flush=True)
        return
    print(f"Escalation {e.id} is now {e.state}.", file=out, flush=True)


async def run_console(services: Services, stop: asyncio.Event, *, fd: int = 0) -> None:
    """Read lines from ``fd`` until EOF or ``stop``; EOF (Ctrl-D) stops serve."""
    lines: asyncio.Queue[str | None] = asyncio.Queue()
    loop = asyncio.get_running_loop()
    reader = _LineReader(fd, lines)
    loop.add_reader(fd, reader.on_readable)
    print(BANNER, flush=True)
    try:
        while (line := await lines.get()) is not None:
            if line.strip():
                await _answer(services, line)
    finally:
        loop.remove_reader(fd)
    stop.set()


async def _answer(services: Services, line: str) -> None:
    try:
        await handle_line(services, line, sys.stdout)
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
