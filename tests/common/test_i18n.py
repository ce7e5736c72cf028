"""The catalogues: complete against the code, nothing unused, placeholders kept, and the reader's
language chosen as documented."""

from __future__ import annotations

import re
import shutil
import tokenize
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from handlers.common import catalogs, i18n
from handlers.common.i18n import _, language, languages, ngettext, supported

_PLACEHOLDER = re.compile(r"\{[a-z_]*\}")


@pytest.mark.parametrize("code", languages())
def test_every_marked_sentence_is_translated_and_every_entry_is_used(code: str) -> None:
    assert catalogs.problems(code) == [], (
        "run `uv run python -m handlers.common.catalogs extract`, then translate the empty entries"
    )


def test_a_sentence_missing_from_the_catalogue_is_reported() -> None:
    catalog = i18n.read_catalog("fr")
    gone = "AI can do this"
    catalog.delete(gone)
    assert f"fr: missing (run extract): {gone!r}" in catalogs.problems("fr", catalog=catalog)


def test_an_entry_the_code_no_longer_uses_is_reported() -> None:
    catalog = i18n.read_catalog("fr")
    catalog.add("A sentence nobody says any more", "Une phrase que plus personne ne dit")
    found = catalogs.problems("fr", catalog=catalog)
    assert "fr: unused (run extract): 'A sentence nobody says any more'" in found


def test_an_empty_translation_is_reported() -> None:
    catalog: Catalog = i18n.read_catalog("fr")
    catalog["AI can do this"].string = ""
    assert "fr: not translated: 'AI can do this'" in catalogs.problems("fr", catalog=catalog)


@pytest.mark.parametrize("code", languages())
def test_each_translation_keeps_the_placeholders_of_its_sentence(code: str) -> None:
    for message in i18n.read_catalog(code):
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        wanted = set(_PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            assert set(_PLACEHOLDER.findall(string)) == wanted, (message.id, string)


def test_french_is_rendered_inside_the_block_and_english_outside() -> None:
    with language("fr"):
        assert _("AI can do this") == "L\u2019IA peut s\u2019en charger"
        assert ngettext("{count} open escalation:", "{count} open escalations:", 1) == (
            "{count} escalade ouverte :"
        )
        assert ngettext("{count} open escalation:", "{count} open escalations:", 3) == (
            "{count} escalades ouvertes :"
        )
    assert _("AI can do this") == "AI can do this"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("fr", "fr"), ("fr-FR", "fr"), ("fr_CA", "fr"), ("en-US", "en"), ("de-DE", None), ("", None)],
)
def test_a_platform_locale_maps_to_a_catalogue(locale: str, expected: str | None) -> None:
    assert supported(locale) == expected


def test_a_language_without_a_catalogue_renders_english() -> None:
    with language("de"):
        assert _("AI can do this") == "AI can do this"


def test_extract_adds_a_new_sentence_empty_in_french_and_as_written_in_english(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(i18n.LOCALE_DIR, tmp_path / "locale")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locale")
    for code in ("en", "fr"):  # as if "AI can do this" had just been written in the code
        catalog = i18n.read_catalog(code)
        catalog.delete("AI can do this")
        catalogs.write_catalog(code, catalog)

    catalogs.extract()

    assert i18n.read_catalog("en")["AI can do this"].string == "AI can do this"
    assert i18n.read_catalog("fr")["AI can do this"].string == ""
    assert catalogs.problems("fr") == ["fr: not translated: 'AI can do this'"]


_MARKER = re.compile(r"(?<![\w.])(_|N_|ngettext)\(")


def test_no_sentence_is_marked_inside_an_f_string_where_extraction_cannot_see_it() -> None:
    found = []
    for path in sorted((Path(i18n.__file__).parents[1]).rglob("*.py")):
        with path.open("rb") as f:
            for token in tokenize.tokenize(f.readline):
                prefix = token.string[:2].lower()
                is_f = token.type == tokenize.STRING and ("f" in prefix.rstrip("'\""))
                if is_f and _MARKER.search(token.string):
                    found.append(f"{path}:{token.start[0]}")
    assert found == [], "mark the sentence outside the f-string: _('Why') + f'...'"
