"""Telling a mention from the subject: "a webinar on crisis management" is not a crisis.

A keyword of a human category does not route a request to a person when the request only
*mentions* the topic:

- it sits in a quoted title next to a mention word ("the 'Crisis Comms 101' webinar");
- a mention word follows it closely, naming an event or a course ("the partner summit recap",
  "our ethics training");
- a topic marker ("how to", "tips for") comes before it, or a mention word followed by a word
  that introduces its subject ("a webinar *on* ...", "une formation *à* la ..."), and nothing in
  between points at a particular case ("an article on how to handle a social media crisis", but
  not "tips for customers hit by *the* data breach"). A mention word that does not introduce a
  subject belongs to another part of the request: in "thank Sarah for co-hosting the webinar,
  personal tone" the tone is not the webinar's topic.

A whole request can also be a routine data question: it opens with a ``data_questions`` phrase
("how many", "which of our", "combien", "break down") and asks for nothing a person must write
or decide (no "should", "write", "reply", "what do we say" ...). Its human *keywords* are then
the object of the question ("which of our retail partners sold the most units", "combien
d'inscrits grâce à l'influenceuse"), not the subject; a human *pattern* still counts.

The words come from the policy (``mention_words``, ``topic_markers``); the determiners that point
at a particular case ("the", "our", "notre" ...) are grammar, so they live here. When in doubt
the hit counts: a person decides.
"""

from __future__ import annotations

import re

from bot.policy.model import Policy
from bot.policy.normalize import normalize, word_form

_QUOTED = re.compile(r"\"([^\"]{1,160})\"|(?<![a-z0-9])'([^']{1,160})'(?![a-z0-9])")
_WORDS_AFTER = 2  # a mention word this close after a keyword names an event or a course
_WORDS_BEFORE = 8  # a marker this close before a keyword may make it a general topic
_CONTEXT_CHARS = 120  # enough for the words above; keeps the check O(1) per hit
# Words that introduce what an event or a course is about ("a webinar on ...", "formation à la
# ..."): a mention word before a keyword makes it a topic only when one of these follows it.
SUBJECT_INTRODUCERS = frozenset(
    {
        "on",
        "about",
        "around",
        "regarding",
        "covering",
        "in",
        "into",
        "for",
        "to",
        "with",
        "sur",
        "de",
        "du",
        "des",
        "d",
        "a",
        "au",
        "aux",
        "autour",
        "concernant",
        "pour",
        "en",
        "avec",
    }
)
# Words that point at a particular case: after one of these, the topic is not general. "your"
# and French articles are left out: "tips to protect your data", "formation à la négociation"
# speak of the topic in general.
SPECIFIC = frozenset(
    {
        "the",
        "our",
        "this",
        "that",
        "these",
        "those",
        "their",
        "his",
        "her",
        "its",
        "my",
        "we",
        "us",
        "they",
        "them",
        "notre",
        "nos",
        "ce",
        "cet",
        "cette",
        "ces",
        "leur",
        "leurs",
        "son",
        "sa",
        "ses",
        "mon",
        "ma",
        "mes",
    }
)


# Words that turn a data question into work a person owns: a decision to take or words to say
# ("how many customers saw the leak, write our statement", "which partner do we drop"). Word
# forms: no accents, lower case. A false alarm here only sends a data question to a person.
ASKS_MORE = frozenset(
    {
        "drop",
        "cut",
        "stop",
        "keep",
        "replace",
        "fire",
        "renew",
        "choose",
        "pick",
        "prioritize",
        "prioritise",
        "arreter",
        "garder",
        "choisir",
        "couper",
        "virer",
        "remplacer",
        "renouveler",
        "should",
        "shall",
        "must",
        "ought",
        "write",
        "draft",
        "reply",
        "respond",
        "answer",
        "say",
        "tell",
        "statement",
        "announce",
        "apologize",
        "apologise",
        "apology",
        "decide",
        "faut",
        "doit",
        "devons",
        "devrait",
        "devrions",
        "redige",
        "ecris",
        "reponds",
        "repondre",
        "dire",
        "dis",
        "annonce",
        "decider",
    }
)


class MentionContext:
    """Finds quoted titles and judges whether a hit is a mere mention, for one policy."""

    def __init__(self, policy: Policy) -> None:
        self._mentions = frozenset(_phrases(policy.file.mention_words.all()))
        self._topic_markers = frozenset(_phrases(policy.file.topic_markers.all()))
        self._markers = self._topic_markers | self._mentions
        self._data_questions = tuple(_phrases(policy.file.data_questions.all()))
        # Cheap first checks: a phrase can only start (end) at one of its first (last) words.
        self._mention_starts = frozenset(phrase.split()[0] for phrase in self._mentions)
        self._marker_ends = frozenset(phrase.split()[-1] for phrase in self._markers)

    def titles(self, normalized: str) -> list[str]:
        """Quoted spans of ``normalized`` that are titles: a mention word in or next to them."""
        if '"' not in normalized and "'" not in normalized:
            return []
        return [m.group(1) or m.group(2) for m in _QUOTED.finditer(normalized) if self._titled(m)]

    @staticmethod
    def without_titles(normalized: str, titles: list[str]) -> str:
        return _QUOTED.sub(
            lambda m: " , " if (m.group(1) or m.group(2)) in titles else m.group(0), normalized
        )

    def reason(self, words: str, start: int, stop: int) -> str | None:
        """Why the match ``words[start:stop]`` is only a mention, or None if it counts."""
        after = words[stop : stop + _CONTEXT_CHARS].split()[: _WORDS_AFTER + 1]
        following = self._find(after, self._mentions)
        if following is not None:
            return f'next to "{following}"'
        if not SPECIFIC.isdisjoint(words[start:stop].split()):
            return None  # the match itself points at a case: "customers hit by the breach"
        before = words[max(0, start - _CONTEXT_CHARS) : start].split()[-_WORDS_BEFORE:]
        return self._general_topic(before)

    def data_question(self, words: str) -> str | None:
        """Why ``words`` (the whole request) is a routine data question, or None if it is not."""
        padded = words if words.startswith(" ") else " " + words
        opening = next((q for q in self._data_questions if padded.startswith(f" {q} ")), None)
        if opening is None or not ASKS_MORE.isdisjoint(padded.split()):
            return None
        if padded[len(opening) + 2 :].startswith("to "):  # "how much to spend" is a decision
            return None
        return f'a data question opening with "{opening}"'

    def _general_topic(self, before: list[str]) -> str | None:
        for index in range(len(before) - 1, -1, -1):
            if before[index] in SPECIFIC:
                return None
            if before[index] not in self._marker_ends:
                continue
            for size in (3, 2, 1):
                phrase = " ".join(before[max(0, index - size + 1) : index + 1])
                if len(phrase.split()) == size and self._introduces(phrase, before[index + 1 :]):
                    return f'a general topic after "{phrase}"'
        return None

    def _introduces(self, phrase: str, rest: list[str]) -> bool:
        """True when ``phrase`` makes the words after it (up to the keyword) a general topic."""
        if phrase in self._topic_markers:
            return True
        return phrase in self._mentions and bool(rest) and rest[0] in SUBJECT_INTRODUCERS

    def _find(self, words: list[str], phrases: frozenset[str]) -> str | None:
        if self._mention_starts.isdisjoint(words):
            return None
        for size in (1, 2, 3):
            for index in range(len(words) - size + 1):
                phrase = " ".join(words[index : index + size])
                if phrase in phrases:
                    return phrase
        return None

    def _titled(self, match: re.Match[str]) -> bool:
        text, start, end = match.string, match.start(), match.end()
        inside = word_form(match.group(1) or match.group(2)).split()
        before = word_form(text[max(0, start - _CONTEXT_CHARS) : start]).split()[-3:]
        after = word_form(text[end : end + _CONTEXT_CHARS]).split()[:3]
        return any(self._find(part, self._mentions) for part in (before, inside, after))


def _phrases(entries: tuple[str, ...]) -> list[str]:
    return [" ".join(word_form(normalize(entry)).split()) for entry in entries]
