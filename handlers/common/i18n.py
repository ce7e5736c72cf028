"""Which language a user-facing sentence is rendered in.

Every sentence a user reads is written in English in the code and passed through :func:`_`
(``gettext``) or :func:`ngettext`, *at render time* (inside the function that builds the
message, never at import), so the extraction command finds it and the catalogue of the language
in force translates it. The language in force is set around rendering with
``with language("fr"): ...`` by whoever knows the reader (the requester for a reply, the
recipient for a ping or a status card); it is a context variable, so concurrent renders for
different people do not mix.

Until the catalogues land (issue 16) this module renders English only; the API is the one the
catalogues will keep.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["_", "current_language", "language", "ngettext"]

DEFAULT_LANGUAGE = "en"
_current: ContextVar[str] = ContextVar("should_ai_language", default=DEFAULT_LANGUAGE)


def _(message: str) -> str:
    """``message`` (an English literal) in the language in force."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the language in force."""
    return singular if n == 1 else plural


def current_language() -> str:
    """The language code in force for this render ("en" unless set)."""
    return _current.get()


@contextmanager
def language(code: str) -> Iterator[None]:
    """Render everything inside the block in ``code`` (for instance "fr")."""
    token = _current.set(code)
    try:
        yield
    finally:
        _current.reset(token)
