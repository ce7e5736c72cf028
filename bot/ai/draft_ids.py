"""Draft ids people can type: ``d-7Q3K``, four Crockford base-32 characters.

Crockford's alphabet has no I, L, O or U, so what is read aloud or retyped survives: a typed
``o`` is a zero, ``i`` and ``l`` are ones, case does not matter. Any unambiguous start of an id
finds the draft (``7q`` is enough when no other draft of yours starts so). Ids are reserved in
Redis when given out (:meth:`bot.ai.store.AiStore.issue_draft_id`) and remembered longer than the
drafts themselves, so an id that expired is told apart from one that never existed.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "d-"
LENGTH = 4  # 32**4 ids: about a million, for the drafts of one week
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_LEGACY = re.compile(r"[0-9a-f]{32}")  # drafts made before short ids: kept, matched exactly
_TYPED = re.compile(r"[0-9A-Z]+")


def new_id(length: int = LENGTH) -> str:
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(length))


def is_legacy(typed: str) -> bool:
    return bool(_LEGACY.fullmatch(typed))


def normalized(typed: str) -> str | None:
    """``typed`` as the start of a short id (``7q3k`` -> ``d-7Q3K``); None if it cannot be one."""
    body = typed.strip().upper()
    if body.startswith(PREFIX.upper()):
        body = body[len(PREFIX) :]
    body = body.translate(_CONFUSABLE)
    if not _TYPED.fullmatch(body) or any(c not in ALPHABET for c in body):
        return None
    return PREFIX + body
