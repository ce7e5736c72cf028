# Look-alike characters are what these tests are about.
# ruff: noqa: RUF001, RUF003
"""Normalisation: the same request, however it is typed, reads the same to the matcher."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.policy.normalize import normalize, readable, word_form

# Speed is measured by bench/classify.py, not asserted here; "bounded" is checked structurally:
# every string is handled, and the output never grows past NFKC's worst-case expansion.
NFKC_MAX_EXPANSION = 18
ANY_TEXT = st.text(alphabet=st.characters(codec=None), max_size=300)


@settings(max_examples=400, deadline=None)
@given(ANY_TEXT)
def test_never_raises_and_output_is_bounded(text: str) -> None:
    result = normalize(text)
    assert isinstance(result, str)
    assert len(result) <= NFKC_MAX_EXPANSION * len(text) + 1


@settings(max_examples=400, deadline=None)
@given(ANY_TEXT)
def test_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_word_form_is_padded_single_spaced_words(text: str) -> None:
    words = word_form(normalize(text))
    assert words.startswith(" ") and words.endswith(" ")
    if words.strip():
        assert "  " not in words


def test_case_and_accents_fold() -> None:
    assert normalize("NÉGOCIATION avec l'Influenceuse") == "negociation avec l'influenceuse"
    assert normalize("Fuite de DONNÉES") == "fuite de donnees"


def test_compatibility_forms_and_ligatures_fold() -> None:
    assert normalize("Ｃｒｉｓｉｓ") == "crisis"
    assert normalize("𝐝𝐚𝐭𝐚 𝐛𝐫𝐞𝐚𝐜𝐡") == "data breach"
    assert normalize("ﬁne print") == "fine print"
    assert normalize("sœur") == "soeur"


def test_invisible_characters_are_removed() -> None:
    assert normalize("cri\u200bsis") == "crisis"
    assert normalize("law\u00adsuit\u2060") == "lawsuit"
    assert normalize("re\u202ecall") == "recall"


def test_whitespace_runs_become_one_space() -> None:
    assert normalize("  data\t\n\u00a0 breach  ") == "data breach"


def test_confusable_letters_read_as_latin() -> None:
    cyrillic_a = "\u0430"
    assert normalize(f"d{cyrillic_a}ta bre{cyrillic_a}ch") == "data breach"
    assert normalize("\u0455\u0441\u0430m") == "scam"  # Cyrillic ѕ с а
    assert normalize("\u03bf\u03c5\u03c4\u03b1ge") == "outage"  # Greek ο υ τ α


def test_digits_inside_words_read_as_letters() -> None:
    assert normalize("l4wsuit") == "lawsuit"
    assert normalize("fr@ud") == "fraud"
    assert normalize("pl4n") == "plan"
    assert normalize("3v1l") == "3v1l"  # starts with a digit: read as a code, not a word
    assert normalize("bre4ch") == "breach"


def test_numbers_times_and_codes_are_left_alone() -> None:
    assert normalize("Q3 report at 10am on 2024-05-01") == "q3 report at 10am on 2024-05-01"


def test_quotes_and_dashes_unify() -> None:
    assert normalize("l’avis « bad buzz » — now") == 'l\'avis " bad buzz " - now'


def test_one_megabyte_of_hostile_text_is_handled() -> None:
    megabyte = 1_000_000
    samples = {
        "combining marks": "e" + "\u0301" * (megabyte - 1),
        "zero width": "\u200b" * megabyte,
        "digits in a word": "a1" * (megabyte // 2),
        "quotes": "'x' " * (megabyte // 4),
        "mixed scripts": ("dаta ﬁ 𝐛 l4w " * (megabyte // 14)),
    }
    for name, text in samples.items():
        result = normalize(text)
        assert normalize(result) == result, name
    assert normalize(samples["combining marks"]) == "e"
    assert normalize(samples["zero width"]) == ""


def test_output_has_no_marks_or_controls() -> None:
    result = normalize("Ça\u0000 va\u0007 très bien\u200d")
    assert result == "ca va tres bien"
    assert not any(unicodedata.category(ch) in {"Mn", "Cc", "Cf"} for ch in result)


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("write the t4gl1n3 under the l0g0", "write the tagline under the logo"),
        ("fr0m m4d3 up 4cc0unt5", "from made up accounts"),
        ("reply to the d\u0430ta bre\u0430ch", "reply to the data breach"),  # Cyrillic a
        ("f\u200bake re\u200bviews", "fake reviews"),
        ("Prépare le communiqué", "Prépare le communiqué"),  # case and accents kept
        ("Q3 results at 10am: B2B, 4G, COVID19, web3, mp3, 2024, 100%", None),  # codes stay
    ],
)
def test_readable_undoes_a_disguise_and_keeps_the_rest(text: str, read: str | None) -> None:
    assert readable(text) == (text if read is None else read)
