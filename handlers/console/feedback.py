"""`wrong <decision id> <category> [note]` on the console: "wrong call?" typed."""

from __future__ import annotations

import sys

from bot.core import Core
from bot.escalations.model import Actor
from bot.feedback.digest import Digest
from bot.feedback.service import UnknownFeedback
from handlers.common.digest_text import digest_text
from handlers.common.feedback_text import (
    console_usage,
    no_pending,
    outcome_text,
    pending_line,
    reviewed,
    unknown_feedback,
)
from handlers.console.notifier import ConsoleNotifier


async def wrong_call(core: Core, actor: Actor, arg: str) -> str:
    decision_id, _, rest = arg.partition(" ")
    category, _, note = rest.strip().partition(" ")
    if core.feedback is None or not category:
        return console_usage()
    outcome = await core.feedback.submit(
        actor=actor, decision_id=decision_id, category=category, note=note, consent=True
    )
    return outcome_text(outcome, core.policy())


async def feedback_command(core: Core, word: str, arg: str) -> str:
    """`feedback` lists what waits for review; `accept ID` / `reject ID` review one."""
    if core.feedback is None:
        return console_usage()
    if word == "feedback":
        pending = await core.feedback.list(state="pending")
        return "\n".join(pending_line(f, core.policy()) for f in pending) or no_pending()
    try:
        done = await core.feedback.review(arg, accept=word == "accept", by="console")
    except UnknownFeedback:
        return unknown_feedback(arg)
    return reviewed(done)


class ConsoleDigest:
    """The weekly digest printed on the console, for a reader no chat platform reaches."""

    def __init__(self, core: Core, notifier: ConsoleNotifier) -> None:
        self._core = core
        self._notifier = notifier

    async def send_digest(self, *, person: str, digest: Digest) -> bool:
        stream = self._notifier.stream or sys.stdout
        print(f"DIGEST for {person}:\n{digest_text(digest, self._core.policy())}", file=stream)
        return True
