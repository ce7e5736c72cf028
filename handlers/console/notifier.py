"""A notifier that writes to the terminal: `should-ai serve` with no chat tokens still shows
who would be pinged, each climb to a channel, every status change, every admin notice and the
drafts the LLM writes. A terminal shows plain words: no chat markup (``<@id>``, ``<#id>``)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TextIO

from bot.ai.model import ChannelMention, Draft, ReplyTarget
from bot.ai.notes import AiNote
from bot.escalations.model import Escalation, StatusNote
from bot.policy.model import Policy
from handlers.common.ai_text import ai_text, draft_headline
from handlers.common.i18n import _, language
from handlers.common.replies import state_name
from handlers.common.status_text import PLAIN, status_text


class ConsoleNotifier:
    """:class:`bot.escalations.model.Notifier`, ``notify_admins`` and
    :class:`bot.ai.model.DraftDelivery`, all on one stream."""

    platform = "console"

    def __init__(
        self,
        *,
        policy: Callable[[], Policy] | None = None,
        stream: TextIO | None = None,
        language: str | None = None,
    ) -> None:
        self._policy = policy
        self.stream = stream
        self.language = language  # the terminal's reader's (SHOULD_AI_DEFAULT_LANGUAGE if None)

    def bind_policy(self, policy: Callable[[], Policy]) -> None:
        """Resolve person keys to names with ``policy`` (the composition root calls this)."""
        self._policy = self._policy or policy

    def _write(self, line: str) -> None:
        """Print ``line`` (already worded: callers render inside :meth:`_words`)."""
        stream = self.stream or sys.stdout  # resolved late: tests and the REPL swap stdout
        stamp = time.strftime("%H:%M:%S")
        print(f"[{stamp}] {line}", file=stream, flush=True)

    def _person(self, key: str) -> str:
        person = self._policy().people.people.get(key) if self._policy else None
        return f"{person.name} ({key})" if person else key

    def _words(self) -> AbstractContextManager[None]:
        return language(self.language)

    async def ping_person(self, *, escalation: Escalation, person_key: str) -> None:
        with self._words():
            line = _(
                "PING {person}: escalation {id} [{category}] from {requester}: {text} "
                "(level {level}; Acknowledge / Reassign / Resolve)"
            ).format(
                person=self._person(person_key),
                id=escalation.id,
                category=escalation.category,
                requester=escalation.requester,
                text=repr(escalation.text),
                level=escalation.level,
            )
        self._write(line)

    async def post_channel(self, *, escalation: Escalation, channel_key: str) -> None:
        with self._words():
            line = _(
                "CHANNEL #{channel}: nobody acknowledged escalation {id} [{category}] from "
                "{requester}: {text}"
            ).format(
                channel=channel_key,
                id=escalation.id,
                category=escalation.category,
                requester=escalation.requester,
                text=repr(escalation.text),
            )
        self._write(line)

    async def update_status(self, *, escalation: Escalation, note: StatusNote) -> None:
        policy = self._policy() if self._policy else None
        with self._words():
            message = status_text(note, policy=policy, platform="console", mentions=PLAIN)
            state = state_name(escalation.state)
        self._write(f"STATUS {escalation.id} ({state}): {message}")

    async def notify_admins(self, *, message: str) -> None:
        self._write(f"ADMINS: {message}")

    # bot.ai.model.DraftDelivery: drafts made by the LLM show up in the terminal too.
    async def deliver_draft(self, *, draft: Draft) -> None:
        with self._words():
            hint = _("(type `use {id}`, `again {id}` or `discard {id}`)").format(id=draft.id)
            self._write(f"DRAFT {draft.id}: {draft_headline(draft)}\n{draft.text}\n{hint}")

    async def tell(self, *, reply_to: ReplyTarget, note: AiNote) -> None:
        with self._words():
            self._write(ai_text(note))

    # bot.ai.timer_scheduler.ChannelPoster: the console schedules posts to itself (issue 15), so
    # the whole loop can be tried on a laptop; at the time, the post prints here.
    async def post(self, *, channel_id: str, text: str) -> None:
        self._write(f"POST {channel_id}: {text}")

    def channel_mention(self, text: str) -> ChannelMention | None:
        return None  # a terminal has no channel markup; "#name" is read as written
