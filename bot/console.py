"""Try should-ai in a terminal: `should-ai serve` with no chat tokens reads requests typed on
stdin and answers them the way the chat adapters do; pings go to the console notifier."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import uuid
from typing import TYPE_CHECKING, TextIO

from bot.commands import reply_for_store_down
from bot.errors import ShouldAiError
from bot.escalations.model import Action, Actor

if TYPE_CHECKING:
    from bot.app import Services

CONSOLE_ACTOR = Actor(platform="console", user_id="console")
_ACTIONS: dict[str, Action] = {
    "ack": "acknowledge", "acknowledge": "acknowledge", "resolve": "resolve",
}
BANNER = (
    "should-ai console: type a request and press Enter (or `help`, `why <request>`, `queue`, "
    "`policy`, `ack <escalation id>`, `resolve <escalation id>`). Ctrl-C or Ctrl-D stops."
)


def stdin_is_tty() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


async def handle_line(services: Services, line: str, out: TextIO) -> None:
    """Answer one typed line, as a chat adapter would answer the same slash command."""
    head, _, rest = line.strip().partition(" ")
    if head.lower() in _ACTIONS and rest.strip():
        await _act(services, _ACTIONS[head.lower()], rest.strip(), out)
        return
    reply = await services.commands.handle(
        actor=CONSOLE_ACTOR, text=line, dedupe_key=uuid.uuid4().hex
    )
    if reply.text:
        print(reply.text, file=out, flush=True)
    if reply.needs_escalation and reply.intake is not None and reply.decision is not None:
        escalation = await services.intake.escalate(
            result=reply.intake, actor=CONSOLE_ACTOR, text=line, status_ref=None
        )
        note = f"Escalation {escalation.id} opened." if escalation else \
            reply_for_store_down(reply.decision)
        print(note, file=out, flush=True)


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
