"""Messages that are not work for anyone are recognised before the policy; requests never are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.policy.loader import PACKS_DIR
from bot.policy.nonrequest import non_request

PACK = PACKS_DIR / "marketing"


@pytest.mark.parametrize(
    ("text", "kind", "suggestion"),
    [
        ("hi", "small talk", None),
        ("ok", "small talk", None),
        ("?", "empty", None),
        ("thanks!", "small talk", None),
        ("merci", "small talk", None),
        ("👍", "empty", None),
        ("crisis", "lone word", None),
        ("newsletter", "lone word", None),
        ("hlep", "command", "help"),
        ("/should-ai queu", "command", "queue"),
        ("/shoudl-ai aide", "command", "aide"),
        ("@should-ai", "empty", None),
    ],
)
def test_chatter_is_not_a_request(text: str, kind: str, suggestion: str | None) -> None:
    found = non_request(text)
    assert found is not None and found.kind == kind and found.suggestion == suggestion


@pytest.mark.parametrize(
    "text",
    [
        "test the new subject line",
        "ping Dana about the recall",
        "thanks page copy for the webinar",
        "hi, can you draft the newsletter intro?",
        "ok so schedule the post for 9am",
        "merci de relancer l'agence",
    ],
)
def test_a_short_ask_is_a_request(text: str) -> None:
    assert non_request(text) is None


def _texts(path: Path) -> list[str]:
    return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()]


def test_no_request_of_the_corpus_is_taken_for_chatter() -> None:
    taken = [t for t in _texts(PACK / "corpus.jsonl") if non_request(t) is not None]
    assert taken == []


def test_the_packs_non_requests_are_recognised() -> None:
    texts = _texts(PACK / "nonrequests.jsonl")
    missed = [t for t in texts if non_request(t) is None]
    assert len(missed) <= len(texts) // 50, missed  # a stray two-word topic may pass as a request
