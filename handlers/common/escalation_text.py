"""Words for the escalation news issue 14 added: a request queued without a ping (the paging
limit), a note, a snooze, a withdrawal. Built at render time, each sentence through ``_()``."""

from __future__ import annotations

from collections.abc import Callable

from bot.escalations.model import StatusNote, Who
from handlers.common.i18n import _

Name = Callable[[Who | None], str]


def extra_headline(note: StatusNote, name: Name) -> str:
    """The status line of the kinds ``status_text`` leaves to this module."""
    match note.kind:
        case "queued":
            return _(
                "You asked {owner} several times lately, so this one waits in their queue "
                "without pinging them again."
            ).format(owner=name(note.to))
    return ""
