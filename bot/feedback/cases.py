"""Accepted feedback as policy cases: the file `should-ai feedback export --as-cases` writes.

It has the format of ``policies/cases/*.yaml`` (what `should-ai policy test` runs), and a case
that names a category is also what the trained reader learns from (bot/reader/training.py:
the admin's additions), so a correction put under ``policies/cases/`` both pins the call and
teaches it at the next reload. Only feedback that kept its request's words can become a case.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.feedback.model import Feedback
from bot.policy.model import Case

HEADER = (
    '# Corrections your team gave with "Wrong call?" / "Not for me", accepted by an admin and\n'
    "# exported by `should-ai feedback export --as-cases`. `should-ai policy test` pins them and\n"
    "# the trained reader learns them at the next reload.\n"
)


@dataclass(frozen=True)
class Export:
    cases: tuple[Case, ...]
    skipped: tuple[str, ...]  # feedback ids whose request was kept masked (no words to learn)


def as_cases(feedback: Iterable[Feedback]) -> Export:
    """One case per request text (the latest accepted correction wins), oldest first."""
    by_text: dict[str, Case] = {}
    skipped: list[str] = []
    for item in sorted(feedback, key=lambda f: f.at):
        if item.state != "accepted":
            continue
        if not item.text_kept or not item.text.strip():
            skipped.append(item.id)
            continue
        by_text.pop(item.text, None)
        by_text[item.text] = Case(text=item.text, route=item.route, category=item.category)
    return Export(cases=tuple(by_text.values()), skipped=tuple(skipped))


def render_cases(cases: Iterable[Case]) -> str:
    """The YAML of a cases file, one flow mapping per line like policies/cases/team.yaml."""
    lines = [HEADER.rstrip("\n"), "cases:"]
    for case in cases:
        text = json.dumps(case.text, ensure_ascii=False)  # a JSON string is a YAML scalar
        category = f", category: {case.category}" if case.category else ""
        lines.append(f"  - {{text: {text}, route: {case.route}{category}}}")
    return "\n".join(lines) + "\n"


def write_cases(path: Path, cases: Iterable[Case]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_cases(cases), encoding="utf-8")
