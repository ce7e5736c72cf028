"""Which language a request is written in (English or French, from its little words), and
which of the policy's sentences lack a language the rest of the policy speaks.

Cheap and deterministic: it counts words only one of the two languages uses ("the", "for",
"le", "pour") and French letters; None when it cannot tell (then the caller's default holds).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from bot.policy.model import Policy, Text

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
    words = _WORD.findall(text.lower().replace("\u2019", "'"))
    # An elided article or pronoun counts ("l'ia", "qu'on"), not any word that starts like one
    # ("description", "unboxing" are not "de", "un").
    fr = sum(w in _FR or ("'" in w and w[: w.index("'") + 1] in _FR) for w in words)
    fr += sum(1 for ch in text.lower() if ch in _FRENCH_LETTERS)
    en = sum(w in _EN for w in words)
    if fr > en:
        return "fr"
    if en > fr:
        return "en"
    return None


def missing_texts(policy: Policy) -> list[str]:
    """Where the policy's sentences lack a language the rest of it speaks: ``why``, ``ai_may``
    and ``label`` of each category and of the fallback. A reader of that language gets the text
    as written (English, or the only one given)."""
    texts = list(_texts(policy))
    spoken = frozenset().union(*(t.languages() for _, t in texts)) if texts else frozenset()
    found = []
    for where, text in texts:
        if not str(text):
            continue
        given = text.languages() or {"en"}  # a plain string is read as English
        missing = ", ".join(sorted(spoken - given))
        if missing:
            found.append(f"{where} has no {missing} text: those readers get it as written")
    return found


def _texts(policy: Policy) -> Iterator[tuple[str, Text]]:
    fallback = policy.file.fallback
    yield "fallback.why", fallback.why
    yield "fallback.ai_may", fallback.ai_may
    for key, category in policy.categories.items():
        for name in ("label", "why", "ai_may"):
            yield f"categories.{key}.{name}", getattr(category, name)
