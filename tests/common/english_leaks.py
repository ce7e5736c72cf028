"""What of the bot's English could reach a reader of another language: every sentence the code
marks for translation (the catalogues' msgids) and every policy text given per language, cut at
their placeholders into the fixed words a reader would see. A French run's messages are scanned
for them: one found is an English sentence that reached a French reader."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from ruamel.yaml import YAML

from bot.policy.model import Policy, Text
from handlers.common.i18n import read_catalog

_PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
# Words that read the same in both languages or are names: never evidence of a leak alone.
_SAME = {"should-ai", "Discord", "Slack", "LLM", "IA", "AI", "min", "s", "h", "Politique"}


def _fragments(english: str, translated: str) -> set[str]:
    """The fixed parts of ``english`` a reader sees, minus any the translation keeps."""
    found = set()
    for part in _PLACEHOLDER.split(english):
        part = part.strip(" :;,.()*`-·→\n")
        if len(part) < 4 or part in _SAME or part in translated:
            continue
        if " " not in part and not part[:1].isupper():
            continue  # a lone lowercase word ("open", "none") is too common to tell a leak
        found.add(part)
    return found


@cache
def catalogue_fragments(code: str) -> frozenset[str]:
    catalog: Catalog = read_catalog(code)
    found: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = message.string if not isinstance(message.string, str) else [message.string]
        translated = " ".join(s for s in strings or () if s)
        for english in ids:
            found |= _fragments(english, translated)
    return frozenset(found)


def policy_fragments(policy: Policy, code: str) -> set[str]:
    """The English of every policy text that has a ``code`` version."""
    texts: list[Text] = [policy.file.fallback.why, policy.file.fallback.ai_may]
    for category in policy.categories.values():
        texts += [category.label, category.why, category.ai_may]
    return {
        str(t) for t in texts if code in t.by_language and str(t) != t.in_language(code) and str(t)
    }


def english_in(messages: list[str], *, policy: Policy, code: str, quoted: str = "") -> list[str]:
    """The English sentences found in ``messages`` (``quoted``, the user's own words, left out)."""
    leaks = []
    fragments = catalogue_fragments(code) | policy_fragments(policy, code)
    for message in messages:
        text = message.replace(quoted, "") if quoted else message
        leaks += [f"{f!r} in {_around(text, f)!r}" for f in fragments if _contains(text, f)]
    return leaks


def _contains(text: str, fragment: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(fragment)}(?![\w-])", text) is not None


def _around(text: str, fragment: str) -> str:
    at = text.find(fragment)
    return text[max(0, at - 60) : at + len(fragment) + 60]


def everyone_speaks(policy_dir: Path, code: str, *, people: bool = True) -> None:
    """``language: code`` for every channel of people.yaml, and every person unless not
    ``people`` (then their platform's locale says)."""
    yaml = YAML()
    path = policy_dir / "people.yaml"
    data: Any = yaml.load(path)
    who = list((data.get("channels") or {}).values())
    who += list(data["people"].values()) if people else []
    for entry in who:
        entry["language"] = code
    yaml.dump(data, path)
