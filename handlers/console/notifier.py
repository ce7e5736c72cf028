"""A notifier that writes to the terminal: `should-ai serve` with no chat tokens still shows
who would be pinged, each climb to a channel, every status change, every admin notice and the
drafts the LLM writes. A terminal shows plain words: no chat markup (``<@id>``, ``<#id>``)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from bot.ai.model import ChannelMention, Draft, ReplyTarget
from bot.ai.notes import AiNote
from bot.escalations.model import Escalation, StatusNote
from bot.policy.model import Policy
from handlers.common.ai_text import ai_text, draft_headline
from handlers.common.status_text import PLAIN, status_text


class ConsoleNotifier:
    """:class:`bot.escalations.model.Notifier`, ``notify_admins`` and
    :class:`bot.ai.model.DraftDelivery`, all on one stream."""

    platform = "console"

    def __init__(
        self, *, policy: Callable[[], Policy] | None = None, stream: TextIO | None = None
    ) -> None:
        self._policy = policy
        self.stream = stream

    def bind_policy(self, policy: Callable[[], Policy]) -> None:
        """Resolve person keys to names with ``policy`` (the composition root calls this)."""
        self._policy = self._policy or policy

    def _write(self, line: str) -> None:
        stream = self.stream or sys.stdout  # resolved late: tests and the REPL swap stdout
        stamp = time.strftime("%H:%M:%S")
        print(f"[{stamp}] {line}", file=stream, flush=True)

    def _person(self, key: str) -> str:
        person = self._policy().people.people.get(key) if self._policy else None
        return f"{person.name} ({key})" if person else key

    async def ping_person(self, *, escalation: Escalation, person_key: str) -> None:
        self._write(
            f"PING {self._person(person_key)}: escalation {escalation.id} "
            f"[{escalation.category}] from {escalation.requester}: {escalation.text!r} "
            f"(level {escalation.level}; Acknowledge / Reassign / Resolve)"
        )

    async def post_channel(self, *, escalation: Escalation, channel_key: str) -> None:
        self._write(
            f"CHANNEL #{channel_key}: nobody acknowledged escalation {escalation.id} "
            f"[{escalation.category}] from {escalation.requester}: {escalation.text!r}"
        )

    async def update_status(self, *, escalation: Escalation, note: StatusNote) -> None:
        policy = self._policy() if self._policy else None
        message = status_text(note, policy=policy, platform="console", mentions=PLAIN)
        self._write(f"STATUS {escalation.id} ({escalation.state}): {message}")

    async def notify_admins(self, *, message: str) -> None:
        self._write(f"ADMINS: {message}")

    # bot.ai.model.DraftDelivery: drafts made by the LLM show up in the terminal too.
    async def deliver_draft(self, *, draft: Draft) -> None:
        self._write(
            f"DRAFT {draft.id}: {draft_headline(draft)}\n{draft.text}\n"
            f"(type `use {draft.id}`, `again {draft.id}` or `discard {draft.id}`)"
        )

    async def tell(self, *, reply_to: ReplyTarget, note: AiNote) -> None:
        self._write(ai_text(note))

    # bot.ai.timer_scheduler.ChannelPoster: the console schedules posts to itself (issue 15), so
    # the whole loop can be tried on a laptop; at the time, the post prints here.
    async def post(self, *, channel_id: str, text: str) -> None:
        self._write(f"POST {channel_id}: {text}")

    def channel_mention(self, text: str) -> ChannelMention | None:
        return None  # a terminal has no channel markup; "#name" is read as written
