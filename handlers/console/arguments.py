"""What follows an escalation command typed on the console: ``ack E1 on it``,
``resolve E1 outcome="statement out" legal signed off``, ``snooze E1 45``, ``reassign E1
legal-lead``, ``withdraw E1 sent by mistake``. Words after the id are the note, except the
snooze's minutes, the reassign's person and an ``outcome=…`` (quoted if it has spaces)."""

from __future__ import annotations

import shlex
from typing import TypedDict

from bot.escalations.model import Action


class ActArgs(TypedDict, total=False):
    comment: str
    outcome: str
    minutes: float | None
    target_user_id: str | None


def console_args(action: Action, arg: str) -> tuple[str, ActArgs]:
    """The escalation id and the keyword arguments of the press the typed line means."""
    try:
        words = shlex.split(arg)
    except ValueError:  # an unbalanced quote: take the words as typed
        words = arg.split()
    escalation_id, rest = (words[0], words[1:]) if words else ("", [])
    args: ActArgs = {}
    if action == "snooze" and rest and _is_number(rest[0]):
        args["minutes"] = float(rest.pop(0))
    if action == "reassign" and rest:
        args["target_user_id"] = rest.pop(0)
    outcome = [w.removeprefix("outcome=") for w in rest if w.startswith("outcome=")]
    if outcome:
        args["outcome"] = outcome[0]
    note = " ".join(w for w in rest if not w.startswith("outcome="))
    if note:
        args["comment"] = note
    return escalation_id, args


def _is_number(word: str) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return True
