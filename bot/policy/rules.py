"""The rules layer: the policy's keywords and patterns, matched in one pass each.

All keywords of every category are compiled once into a single Aho-Corasick automaton
(pyahocorasick) and matched as whole words against the request's word form, so matching cost
grows with the text, not with the number of keywords. A keyword ending in ``*`` matches any word
that starts with it (``négoci*`` finds "négociation" and "négocier").

Admin patterns run on google-re2, whose matching time is linear in the text: no pattern an
admin writes can make the bot hang. Patterns see the request's words: lower case, no accents,
punctuation turned into single spaces ("don't" reads "don t", "100 %" reads "100"), with one
space before the first word and after the last. Non-ASCII letters in a pattern are folded the
same way, and matching ignores case. All patterns run as one RE2 set in a single pass; only
those that matched are run again to quote what they matched.

When keywords overlap, the longest match wins ("brand recall" hides "recall"), so an admin
can carve out a harmless phrase by listing it. A human category's hit that only *mentions* its
topic (a quoted title, "the partner summit recap", "how to handle a crisis"; see
:mod:`bot.policy.mentions`) stays in the reasons but does not count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import ahocorasick
import re2

from bot.errors import PolicyError
from bot.policy.layers import Hit, PreparedText
from bot.policy.mentions import MentionContext
from bot.policy.model import Policy
from bot.policy.normalize import normalize, word_form

KEYWORD_SCORE = 0.85
KEYWORD_WORD_BONUS = 0.03
MAX_KEYWORD_SCORE = 0.94
PATTERN_SCORE = 0.92
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


@dataclass(frozen=True, slots=True)
class _Keyword:
    category: str
    keyword: str
    length: int  # of the automaton key, to find where a match starts

    score: float

    @classmethod
    def of(cls, category: str, keyword: str, key: str) -> _Keyword:
        # A longer phrase is more specific evidence: "survey results" beats "summarize".
        bonus = KEYWORD_WORD_BONUS * keyword.strip().count(" ")
        score = round(min(KEYWORD_SCORE + bonus, MAX_KEYWORD_SCORE), 4)
        return cls(category, keyword, len(key), score)


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


@dataclass(frozen=True, slots=True)
class _Match:
    hit: Hit
    start: int  # where the match starts in the word form
    stop: int  # one past its end


class RulesLayer:
    """Keyword and pattern matching for one policy."""

    name = "rules"

    def __init__(self, policy: Policy) -> None:
        self._automaton = _build_automaton(policy)
        self._patterns = _build_patterns(policy)
        self._pattern_set = _build_pattern_set(self._patterns)
        self._context = MentionContext(policy)
        self._human = frozenset(n for n, c in policy.categories.items() if c.route == "human")

    def apply(self, text: PreparedText, hits: tuple[Hit, ...]) -> tuple[Hit, ...]:
        titles = self._context.titles(text.normalized)
        words = text.words
        if titles:
            words = word_form(self._context.without_titles(text.normalized, titles))
        data_question = self._context.data_question(words)
        found = [self._judged(match, words, data_question) for match in self._match(words)]
        for title in titles:
            found.extend(_as_mention(m.hit, title) for m in self._match(word_form(title)))
        return hits + tuple(_unique(found))

    def _judged(self, match: _Match, words: str, data_question: str | None) -> Hit:
        """The hit, marked as not counting if it only mentions a human category's topic."""
        if match.hit.category not in self._human:
            return match.hit
        why = data_question if match.hit.layer == "keyword" else None
        why = why or self._context.reason(words, match.start, match.stop)
        if why is None:
            return match.hit
        hit = match.hit
        return Hit(
            hit.layer,
            hit.category,
            f"{hit.detail} ({why}: a mention, not counted)",
            hit.score,
            counts=False,
        )

    def _match(self, words: str) -> Iterator[_Match]:
        yield from self._keyword_hits(words)
        yield from self._pattern_hits(words)

    def _keyword_hits(self, words: str) -> Iterator[_Match]:
        if self._automaton is None:
            return
        for end, entries in _longest_matches(self._automaton.iter(words)):
            start = end - entries[0].length + 1
            for entry in entries:
                detail = f'keyword "{entry.keyword}"'
                hit = Hit("keyword", entry.category, detail, entry.score)
                yield _Match(hit, start, end + 1)

    def _pattern_hits(self, words: str) -> Iterator[_Match]:
        if self._pattern_set is None:
            return
        for index in self._pattern_set.Match(words) or ():
            pattern = self._patterns[index]
            found = pattern.regex.search(words)
            if found is None:
                continue
            detail = f'pattern "{pattern.source}" matched "{_clip(found.group(0).strip())}"'
            hit = Hit("pattern", pattern.category, detail, PATTERN_SCORE)
            yield _Match(hit, found.start(), found.end())


def _build_automaton(policy: Policy) -> ahocorasick.Automaton | None:
    entries: dict[str, list[_Keyword]] = {}
    for name, category in policy.categories.items():
        for keyword in category.keywords.all():
            key = keyword_key(keyword)
            found = entries.setdefault(key, [])
            # Spellings that fold to the same key ("résumé", "resume") are one piece of evidence.
            if key.strip() and all(entry.category != name for entry in found):
                found.append(_Keyword.of(name, keyword, key))
    entries = {key: found for key, found in entries.items() if found}
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


def _longest_matches(
    matches: Iterable[tuple[int, tuple[_Keyword, ...]]],
) -> Iterator[tuple[int, tuple[_Keyword, ...]]]:
    """Drop a match lying inside a longer one: "brand recall" is a metric, not a "recall".

    This lets an admin carve out a harmless phrase by listing it (under any category) rather
    than weakening a keyword. Sorting by start, longest first, finds the covered matches in one
    sweep, so the cost stays O(m log m) in the number of matches.
    """
    spans = sorted(
        ((end - entries[0].length + 1, end, entries) for end, entries in matches),
        key=lambda span: (span[0], -span[1]),
    )
    reach = -1
    for _start, end, entries in spans:
        if end > reach:
            reach = end
            yield end, entries


def _unique(hits: list[Hit]) -> Iterator[Hit]:
    """The hits without repeats (a keyword typed twice is one piece of evidence)."""
    seen: set[tuple[str, str, bool]] = set()
    for hit in hits:
        key = (hit.category, hit.detail, hit.counts)
        if key not in seen:
            seen.add(key)
            yield hit


def _as_mention(hit: Hit, title: str) -> Hit:
    detail = f'{hit.detail} inside the quoted title "{_clip(title)}" (a mention, not counted)'
    return Hit(hit.layer, hit.category, detail, hit.score, counts=False)


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
