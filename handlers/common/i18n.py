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

The workflow (ARCHITECTURE.md, "New words or a new language")::

    uv run python -m handlers.common.i18n extract        # new sentences into every catalogue
    (translate the empty msgstr entries of each .po)
    uv run python -m handlers.common.i18n check          # what tests/common/test_i18n.py checks
    uv run python -m handlers.common.i18n init de        # a new language: one more catalogue
"""

from __future__ import annotations

import gettext
import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

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
_ROOT = Path(__file__).resolve().parents[2]
# Where marked sentences live: the adapters and their shared words. bot/ returns values only.
SOURCE_DIRS = ("handlers",)
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}

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
    return tuple(sorted(p.name for p in LOCALE_DIR.iterdir() if _po_path(p.name).is_file()))


def supported(code: str | None) -> str | None:
    """The catalogue language for a platform locale ("fr-FR", "fr_CA", "en-US"), or None."""
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].lower()
    return base if base in languages() else None


def babel_locale() -> Locale:
    """The Babel locale of the language in force, for dates and numbers."""
    return Locale.parse(current_language())


def _po_path(code: str) -> Path:
    return LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def _translations(code: str) -> gettext.NullTranslations:
    path = _po_path(code)
    if code == DEFAULT_LANGUAGE or not path.is_file():
        return gettext.NullTranslations()
    return _compiled(read_catalog(code))


def _compiled(catalog: Catalog) -> gettext.GNUTranslations:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def read_catalog(code: str) -> Catalog:
    with _po_path(code).open("rb") as f:
        return read_po(f, locale=code, domain=DOMAIN)


# --- the maintainer's commands ---------------------------------------------------------------


def extracted() -> Catalog:
    """Every sentence marked in the code now, with where it is used."""
    template = Catalog(project="should-ai", domain=DOMAIN)
    for directory in SOURCE_DIRS:
        found = extract_from_dir(
            _ROOT / directory,
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
            comment_tags=("Translators:",),
        )
        for filename, lineno, message, comments, context in found:
            where = (f"{directory}/{filename}", lineno)
            template.add(message, locations=[where], auto_comments=comments, context=context)
    return template


def extract() -> list[str]:
    """Bring every catalogue up to the code: new sentences added (empty), unused ones dropped."""
    changed = []
    for code in languages():
        catalog = read_catalog(code)
        # A fresh template each time: update() adopts the template's new Message objects.
        catalog.update(extracted(), no_fuzzy_matching=True)
        catalog.obsolete.clear()
        if code == DEFAULT_LANGUAGE:
            _fill_with_msgid(catalog)
        _write(code, catalog)
        changed.append(code)
    return changed


def init(code: str) -> None:
    """A catalogue for a new language, every sentence still to translate."""
    catalog = Catalog(locale=code, domain=DOMAIN, project="should-ai")
    catalog.update(extracted(), no_fuzzy_matching=True)
    _po_path(code).parent.mkdir(parents=True, exist_ok=True)
    _write(code, catalog)


def problems(code: str, *, catalog: Catalog | None = None) -> list[str]:
    """What is wrong with one catalogue (``code``'s file unless given) against the code:
    sentences missing from it, entries no longer used, entries not translated."""
    marked = {_key(m.id) for m in extracted() if m.id}
    catalog = read_catalog(code) if catalog is None else catalog
    listed = {_key(m.id): m for m in catalog if m.id}
    out = [f"{code}: missing (run extract): {k!r}" for k in sorted(marked - set(listed))]
    out += [f"{code}: unused (run extract): {k!r}" for k in sorted(set(listed) - marked)]
    for key in sorted(marked & set(listed)):
        message = listed[key]
        strings = (
            tuple(message.string)
            if isinstance(message.string, (tuple, list))
            else (message.string or "",)
        )
        if not all(strings) or message.fuzzy:
            out.append(f"{code}: not translated: {key!r}")
    return out


def _key(msgid: str | tuple[str, ...] | list[str]) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def _fill_with_msgid(catalog: Catalog) -> None:
    """English is the source: its catalogue says each sentence as written."""
    for message in catalog:
        if isinstance(message.id, (tuple, list)):
            singular, plural = message.id[0], message.id[1]
            if not all(message.string or ()):
                message.string = (singular, plural)
        elif message.id and not message.string:
            message.string = message.id


def _write(code: str, catalog: Catalog) -> None:
    with _po_path(code).open("wb") as f:
        write_po(f, catalog, width=100, sort_output=True, omit_header=False)


def main(argv: list[str]) -> int:
    match argv:
        case ["extract"]:
            print("updated:", ", ".join(extract()))
            return 0
        case ["init", code]:
            init(code)
            print(f"created {_po_path(code).relative_to(_ROOT)}")
            return 0
        case ["check"]:
            found = [p for code in languages() for p in problems(code)]
            print("\n".join(found) or "every catalogue is complete")
            return 1 if found else 0
    print("usage: python -m handlers.common.i18n extract | check | init <lang>", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
