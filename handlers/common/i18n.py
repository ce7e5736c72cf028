"""Which language a user-facing sentence is rendered in, and the catalogues that translate it.

Every sentence a user reads is written in English in the code and passed through :func:`_`
(``gettext``) or :func:`ngettext`, *at render time* (inside the function that builds the
message, never at import), so the extraction command finds it and the catalogue of the language
in force translates it. The language in force is set around rendering with
``with language("fr"): ...`` by whoever knows the reader (the requester for a reply, the
recipient for a ping or a status card); it is a context variable, so concurrent renders for
different people do not mix.

The catalogues are gettext ``.po`` files, one per language, under
``handlers/common/locale/<lang>/LC_MESSAGES/should_ai.po``. They are read with Babel and compiled
in memory the first time a language is used: no ``.mo`` binary is committed, so a translator's
edit is one reviewable text diff. A language with no catalogue renders English.

Extracting, checking and adding catalogues: :mod:`handlers.common.catalogs` (ARCHITECTURE.md,
"New words or a new language").
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

__all__ = [
    "DEFAULT_LANGUAGE",
    "N_",
    "_",
    "babel_locale",
    "current_language",
    "language",
    "languages",
    "ngettext",
    "supported",
]

DEFAULT_LANGUAGE = "en"
DOMAIN = "should_ai"
LOCALE_DIR = Path(__file__).parent / "locale"

_current: ContextVar[str] = ContextVar("should_ai_language", default=DEFAULT_LANGUAGE)


def _(message: str) -> str:
    """``message`` (an English literal) in the language in force."""
    return _translations(current_language()).gettext(message)


def N_(message: str) -> str:
    """Marks ``message`` for the catalogues without translating it yet: for a sentence stored
    as data (a delivery's refusal reason) and translated by ``_(stored)`` when it is shown."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the language in force."""
    return _translations(current_language()).ngettext(singular, plural, n)


def current_language() -> str:
    """The language code in force for this render ("en" unless set)."""
    return _current.get()


@contextmanager
def language(code: str | None) -> Iterator[None]:
    """Render everything inside the block in ``code`` (for instance "fr"; None: the default)."""
    token = _current.set(supported(code) or DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _current.reset(token)


def languages() -> tuple[str, ...]:
    """Every language with a catalogue ("en", "fr", ...)."""
    return tuple(sorted(p.name for p in LOCALE_DIR.iterdir() if po_path(p.name).is_file()))


def supported(code: str | None) -> str | None:
    """The catalogue language for a platform locale ("fr-FR", "fr_CA", "en-US"), or None."""
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].lower()
    return base if base in languages() else None


def babel_locale() -> Locale:
    """The Babel locale of the language in force, for dates and numbers."""
    return Locale.parse(current_language())


def po_path(code: str) -> Path:
    return LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _translations(code: str) -> gettext.NullTranslations:
    path = po_path(code)
    if code == DEFAULT_LANGUAGE or not path.is_file():
        return gettext.NullTranslations()
    return _compiled(read_catalog(code))


def _compiled(catalog: Catalog) -> gettext.GNUTranslations:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def read_catalog(code: str) -> Catalog:
    with po_path(code).open("rb") as f:
        return read_po(f, locale=code, domain=DOMAIN)
