# The look-alike letters below are the point of this module.
# ruff: noqa: RUF001
"""Text normalisation before matching: the same request written any way reads the same.

``normalize`` folds what a person (or someone dodging the filter) might vary: Unicode
compatibility forms, invisible characters, look-alike letters from other scripts, case, accents,
and digits standing in for letters inside words ("l4wsuit"). ``word_form`` then reduces the
result to space-separated words for whole-word keyword matching.

Every step is a linear pass (``str.translate``, ``unicodedata.normalize`` or a regex with no
nested repetition), so any string, however long or strange, is normalised in bounded time.
"""

from __future__ import annotations

import re
import unicodedata

from bot.policy._unicode_tables import INVISIBLE, MARKS, WHITESPACE

_WHITESPACE = re.compile(f"[{WHITESPACE}]+")
_INVISIBLE = re.compile(f"[{INVISIBLE}]+")
_MARKS = re.compile(f"[{MARKS}]+")
_NON_WORD = re.compile(r"[\W_]+")

# Letters from other scripts that look like Latin ones, and Latin letters with a stroke that no
# decomposition removes. Lower case only: the text is case-folded first.
_CONFUSABLES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
    "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ɡ": "g", "ү": "y",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ς": "s", "σ": "s",
    # Latin letters that keep a stroke or are ligatures after NFKD
    "ɑ": "a", "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t", "ƀ": "b",
    "œ": "oe", "æ": "ae", "ð": "d", "þ": "th", "ŋ": "n",
    # Quotes and dashes people type in many shapes; French guillemets are quotes too.
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "`": "'", "´": "'",
    "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"',
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
}  # fmt: skip
_CONFUSABLE_TABLE = str.maketrans(_CONFUSABLES)
# For text kept readable (case and accents kept): the look-alikes of other scripts, both cases.
_READABLE_TABLE = str.maketrans(
    {
        **{k: v for k, v in _CONFUSABLES.items() if not ("a" <= k <= "z") and len(v) == 1},
        **{
            k.upper(): v.upper()
            for k, v in _CONFUSABLES.items()
            if k.upper() != k and len(v) == 1 and v.isalpha() and len(k.upper()) == 1
        },
    }
)
# After decomposition: confusables, and the accents of Latin letters (U+0300-U+036F) dropped at
# once; rarer marks go through the slower MARKS class.
_FOLD_TABLE = str.maketrans({**_CONFUSABLES, **dict.fromkeys(map(chr, range(0x300, 0x370)))})
# ASCII control characters: whitespace ones read as a space, the others are dropped.
_ASCII_CONTROLS = str.maketrans(
    {chr(c): (" " if chr(c).isspace() else None) for c in (*range(0x20), 0x7F)}
)
_ASCII_NON_WORD_BYTES = bytes(c if chr(c).isalnum() else 0x20 for c in range(256))


# Digits and symbols that stand in for letters inside a word: "l4wsuit", "fr@ud", "3v1l".
_LEET_TABLE = str.maketrans({
    "0": "o", "1": "i", "2": "z", "3": "e", "4": "a", "5": "s", "6": "g", "7": "t",
    "8": "b", "9": "g", "@": "a", "$": "s",
})  # fmt: skip
# A word that starts with letters and then has a digit or symbol in it. Years, times and
# codes ("2024", "10am", "q3") are left alone: they start with a digit or have one letter.
_LEET_WORD = re.compile(r"(?<![a-z0-9@$])[a-z]+[0-9@$][a-z0-9@$]*(?![a-z0-9@$])")


def normalize(text: str) -> str:
    """Fold ``text`` for matching: NFKC, invisibles removed, confusables, case, accents, leet.

    Idempotent (``normalize(normalize(s)) == normalize(s)``) and never raises on a ``str``.
    Plain ASCII, the common case, takes a short path with the same result.
    """
    if text.isascii():
        if not text.isprintable():
            text = text.translate(_ASCII_CONTROLS)
        text = text.lower().replace("`", "'")  # the one ASCII character in the confusables
    else:
        text = _fold_unicode(text)
        if not text.isascii():
            # Casefolding and NFKC do not commute for a few letters; a second fold settles them.
            text = _fold_unicode(text)
    return _fold_leet(" ".join(text.split()))


def readable(text: str) -> str:
    """The text as a person reads it, for the sentence encoder: NFKC, invisible and control
    characters dropped, look-alike letters from other scripts mapped to Latin ones. Case,
    accents and digits are kept (the encoder reads them); only a disguise is undone."""
    if text.isascii():
        text = text if text.isprintable() else text.translate(_ASCII_CONTROLS)
    else:
        text = unicodedata.normalize("NFKC", text)
        if not text.isprintable():
            text = _INVISIBLE.sub("", _WHITESPACE.sub(" ", text))
        text = text.translate(_READABLE_TABLE)
    return _LEET_WORD_ANY_CASE.sub(_unleet_any_case, text) if _LEET_ANY_HINT.search(text) else text


def word_form(normalized: str) -> str:
    """Words of an already normalised text, separated and surrounded by single spaces.

    The padding makes whole-word matching a plain substring search: " data breach " only
    occurs where both words stand alone. Apostrophes separate words, so French elisions
    ("l'avis", "d'influence") expose the word after them.
    """
    if normalized.isascii():
        # bytes.translate is a table lookup in C, several times faster than str.translate.
        spaced = normalized.encode("ascii").translate(_ASCII_NON_WORD_BYTES).decode("ascii")
        return f" {' '.join(spaced.split())} "
    return f" {_NON_WORD.sub(' ', normalized).strip()} "


def _fold_unicode(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    if not text.isprintable():  # only then can there be invisible or unusual space characters
        text = _INVISIBLE.sub("", _WHITESPACE.sub(" ", text))
    text = unicodedata.normalize("NFKD", text.casefold()).translate(_FOLD_TABLE)
    if not text.isascii():
        text = _MARKS.sub("", text)
    return unicodedata.normalize("NFC", text)


def _fold_leet(text: str) -> str:
    if not _has_leet_candidate(text):
        return text
    return _LEET_WORD.sub(_unleet, text)


_LEET_HINT = re.compile(r"[a-z][0-9@$]")
# For readable(): the same words in any case, and words that open with a stand-in too
# ("4cc0unt5"), as long as most of the word is letters; case is kept where it is a letter.
_LEET_WORD_ANY_CASE = re.compile(
    r"(?<![\w@$])[\w@$]*[^\W\d_][0-9@$][\w@$]*|(?<![\w@$])[0-9@$][^\W\d_][\w@$]*"
)
_STAND_INS = frozenset("0123456789@$")
_LEET_ANY_HINT = re.compile(r"[^\W\d_][0-9@$]|[0-9@$][^\W\d_]")


def _has_leet_candidate(text: str) -> bool:
    # Every word _LEET_WORD can change has a letter right before a digit or symbol.
    return _LEET_HINT.search(text) is not None


def _unleet_any_case(match: re.Match[str]) -> str:
    word = match.group(0)
    letters = sum(ch.isalpha() for ch in word)
    digits = len(word) - letters
    # "Q3", "B2B", "COVID19", "10am", "3x", "2024": codes, times and counts, not disguises.
    code = not any(ch.islower() for ch in word) or (word[:1].isdigit() and letters <= 2)
    versioned = not any(ch in _STAND_INS for ch in word.rstrip("0123456789"))  # "web3", "ios17"
    if code or versioned or letters < 2 or digits > letters + 1:
        return word
    return word.translate(_LEET_TABLE)


def _unleet(match: re.Match[str]) -> str:
    word = match.group(0)
    letters = sum(ch.isalpha() for ch in word)
    return word.translate(_LEET_TABLE) if letters >= 2 else word
