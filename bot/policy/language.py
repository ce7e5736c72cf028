"""Which language a request is written in, English or French, from its little words.

Cheap and deterministic: it counts words only one of the two languages uses ("the", "for",
"le", "pour") and French letters; None when it cannot tell (then the caller's default holds).
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-zà-ÿœæ']+")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_EN = _words(
    "the a an and or of for to with about our my your this that is are be please can "
    "write draft schedule post send make need we you it on in at next"
)
_FR = _words(
    "le la les un une des du de et ou pour avec sur notre nos mon ma mes ton ta tes votre vos "
    "ce cette est sont peux peut faut il elle nous vous on au aux dans écris rédige programme "
    "envoie prépare demain lundi mardi mercredi jeudi vendredi samedi dimanche prochain "
    "qu' l' d' j' c' n' s'"
)
_FRENCH_LETTERS = frozenset("éèêàùçôîœ")


def detect_language(text: str) -> str | None:
    """ "fr" or "en" for a request, or None when neither clearly wins."""
    words = _WORD.findall(text.lower())
    fr = sum(w in _FR or w[:2] in _FR for w in words)
    fr += sum(1 for ch in text.lower() if ch in _FRENCH_LETTERS)
    en = sum(w in _EN for w in words)
    if fr > en:
        return "fr"
    if en > fr:
        return "en"
    return None
