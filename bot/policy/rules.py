"""The rules layer: the policy's keywords and patterns, matched in one pass each.

All keywords of every category are compiled once into a single Aho-Corasick automaton
(pyahocorasick) and matched as whole words against the request's word form, so matching cost
grows with the text, not with the number of keywords. A keyword ending in ``*`` matches any word
that starts with it (``négoci*`` finds "négociation" and "négocier").

Admin patterns run on google-re2, whose matching time is linear in the text: no pattern an
admin writes can make the bot hang. Patterns see the normalised text (lower case, no accents);
non-ASCII letters in a pattern are folded the same way, and matching ignores case.

A keyword inside a quoted title ("schedule the 'Crisis Comms 101' webinar") is a mention, not
the subject: such hits are kept in the reasons but do not count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import ahocorasick
import re2

from bot.errors import PolicyError
from bot.policy.layers import Hit, PreparedText
from bot.policy.model import Policy
from bot.policy.normalize import normalize, word_form

KEYWORD_SCORE = 0.9
PATTERN_SCORE = 0.92
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_QUOTED = re.compile(r"\"([^\"]{1,160})\"|(?<![a-z0-9])'([^']{1,160})'(?![a-z0-9])")
_TITLE_CONTEXT_WORDS = 3
_CONTEXT_CHARS = 60


@dataclass(frozen=True, slots=True)
class _Keyword:
    category: str
    keyword: str


@dataclass(frozen=True, slots=True)
class _Pattern:
    category: str
    source: str
    regex: re2._Regexp


def compile_pattern(source: str) -> re2._Regexp:
    """Compile an admin pattern for the normalised text; raises ``re2.error`` if it can't."""
    folded = _NON_ASCII.sub(lambda m: normalize(m.group(0)), source)
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    return re2.compile(folded, options)


def keyword_key(keyword: str) -> str:
    """The automaton key for a keyword: its word form, open-ended if it ends with ``*``.

    Keys start with a space, so a match always begins at a word; only a non-prefix key also
    ends with one. An empty result (a keyword of punctuation only) is " ".
    """
    stripped = keyword.strip()
    words = word_form(normalize(stripped.rstrip("*"))).rstrip()
    return words if stripped.endswith("*") and words else words + " "


class RulesLayer:
    """Keyword and pattern matching for one policy."""

    name = "rules"

    def __init__(self, policy: Policy) -> None:
        self._automaton = _build_automaton(policy)
        self._patterns = _build_patterns(policy)
        self._pattern_set = _build_pattern_set(self._patterns)
        self._mentions = frozenset(_mention_words(policy))

    def apply(self, text: PreparedText, hits: tuple[Hit, ...]) -> tuple[Hit, ...]:
        titles = self._titles(text.normalized)
        if not titles:
            return hits + tuple(self._match(text.normalized, text.words))
        outside = _QUOTED.sub(" , ", text.normalized)
        found = list(self._match(outside, word_form(outside)))
        for title in titles:
            found.extend(_as_mention(hit, title) for hit in self._match(title, word_form(title)))
        return hits + tuple(found)

    def _match(self, normalized: str, words: str) -> Iterator[Hit]:
        yield from self._keyword_hits(words)
        yield from self._pattern_hits(normalized)

    def _keyword_hits(self, words: str) -> Iterator[Hit]:
        if self._automaton is None:
            return
        seen: set[tuple[str, str]] = set()
        for _end, entries in self._automaton.iter(words):
            for entry in entries:
                if (entry.category, entry.keyword) in seen:
                    continue
                seen.add((entry.category, entry.keyword))
                detail = f'keyword "{entry.keyword}"'
                yield Hit("keyword", entry.category, detail, KEYWORD_SCORE)

    def _pattern_hits(self, normalized: str) -> Iterator[Hit]:
        if self._pattern_set is None or not normalized:
            return
        for index in self._pattern_set.Match(normalized) or ():
            pattern = self._patterns[index]
            found = pattern.regex.search(normalized)
            matched = found.group(0) if found else ""
            detail = f'pattern "{pattern.source}" matched "{_clip(matched)}"'
            yield Hit("pattern", pattern.category, detail, PATTERN_SCORE)

    def _titles(self, normalized: str) -> list[str]:
        if '"' not in normalized and "'" not in normalized:
            return []
        return [m.group(1) or m.group(2) for m in _QUOTED.finditer(normalized) if self._is_title(m)]

    def _is_title(self, match: re.Match[str]) -> bool:
        text, start, end = match.string, match.start(), match.end()
        # Only a few words either side matter; slicing keeps long texts linear.
        before = word_form(text[max(0, start - _CONTEXT_CHARS) : start]).split()
        after = word_form(text[end : end + _CONTEXT_CHARS]).split()
        before, after = before[-_TITLE_CONTEXT_WORDS:], after[:_TITLE_CONTEXT_WORDS]
        inside = word_form(match.group(1) or match.group(2)).split()
        return not self._mentions.isdisjoint(before + inside + after)


def _build_automaton(policy: Policy) -> ahocorasick.Automaton | None:
    entries: dict[str, list[_Keyword]] = {}
    for name, category in policy.categories.items():
        for keyword in category.keywords.all():
            key = keyword_key(keyword)
            if key.strip():
                entries.setdefault(key, []).append(_Keyword(name, keyword))
    if not entries:
        return None
    automaton = ahocorasick.Automaton()
    for key, found in entries.items():
        automaton.add_word(key, tuple(found))
    automaton.make_automaton()
    return automaton


def _build_patterns(policy: Policy) -> tuple[_Pattern, ...]:
    built: list[_Pattern] = []
    for name, category in policy.categories.items():
        for index, source in enumerate(category.patterns):
            try:
                built.append(_Pattern(name, source, compile_pattern(source)))
            except re2.error as e:
                raise PolicyError(
                    f"pattern does not compile: {source!r}",
                    file="policy.yaml",
                    key=f"categories.{name}.patterns.{index}",
                ) from e
    return tuple(built)


def _build_pattern_set(patterns: tuple[_Pattern, ...]) -> re2.Set | None:
    if not patterns:
        return None
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    pattern_set = re2.Set.SearchSet(options)
    for pattern in patterns:
        pattern_set.Add(pattern.regex.pattern)
    pattern_set.Compile()
    return pattern_set


def _mention_words(policy: Policy) -> Iterable[str]:
    for word in policy.file.mention_words.all():
        yield from word_form(normalize(word)).split()


def _as_mention(hit: Hit, title: str) -> Hit:
    detail = f'{hit.detail} inside the quoted title "{_clip(title)}" (a mention, not counted)'
    return Hit(hit.layer, hit.category, detail, hit.score, counts=False)


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
