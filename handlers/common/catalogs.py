"""The maintainer's commands for the catalogues of :mod:`handlers.common.i18n`.

::

    uv run python -m handlers.common.catalogs extract   # new sentences into every catalogue,
                                                        # unused ones dropped
    (translate the empty msgstr "" entries of each .po, keeping every {placeholder})
    uv run python -m handlers.common.catalogs check     # what tests/common/test_i18n.py enforces
    uv run python -m handlers.common.catalogs init de   # a new language: one more catalogue

English is the source language: its catalogue is filled with each sentence as written.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

from handlers.common.i18n import DEFAULT_LANGUAGE, DOMAIN, languages, po_path, read_catalog

_ROOT = Path(__file__).resolve().parents[2]
# Where marked sentences live: the adapters and their shared words. bot/ returns values only.
SOURCE_DIRS = ("handlers",)
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


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
        created = catalog.creation_date
        # A fresh template each time: update() adopts the template's new Message objects.
        catalog.update(extracted(), no_fuzzy_matching=True)
        catalog.creation_date = created  # a re-run that adds nothing changes nothing
        catalog.obsolete.clear()
        if code == DEFAULT_LANGUAGE:
            _fill_with_msgid(catalog)
        write_catalog(code, catalog)
        changed.append(code)
    return changed


def init(code: str) -> None:
    """A catalogue for a new language, every sentence still to translate."""
    catalog = Catalog(locale=code, domain=DOMAIN, project="should-ai")
    catalog.update(extracted(), no_fuzzy_matching=True)
    po_path(code).parent.mkdir(parents=True, exist_ok=True)
    write_catalog(code, catalog)


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


def write_catalog(code: str, catalog: Catalog) -> None:
    with po_path(code).open("wb") as f:
        # Sorted, and files without line numbers: branches that each add sentences merge cleanly.
        write_po(f, catalog, width=100, sort_output=True, include_lineno=False)


def main(argv: list[str]) -> int:
    match argv:
        case ["extract"]:
            print("updated:", ", ".join(extract()))
            return 0
        case ["init", code]:
            init(code)
            print(f"created {po_path(code).relative_to(_ROOT)}")
            return 0
        case ["check"]:
            found = [p for code in languages() for p in problems(code)]
            print("\n".join(found) or "every catalogue is complete")
            return 1 if found else 0
    print(
        "usage: python -m handlers.common.catalogs extract | check | init <lang>", file=sys.stderr
    )
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
