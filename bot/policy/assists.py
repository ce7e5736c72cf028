"""Assists: what AI may do *for the person who owns* a request of a human category.

A human category routes work to a person; its ``assists:`` name the help that person can ask
the LLM for once they hold the work (crisis: a best-practice checklist; ethics: a check of a
text for exclusionary language...). Each has a name (used in buttons and the console command),
a short label and an instruction, the last two either one text or one per language::

    assists:
      checklist:
        label: {en: "Best-practice checklist", fr: "Check-list des bonnes pratiques"}
        instruction: "Give a short checklist of ..."

In the admin's policy.yaml an assist of the pack's is changed by naming it again (only the keys
given change), removed with ``name: null``, and ``assists: null`` removes them all (see
:func:`bot.policy.loader._merged_assists`). Pure data: nothing here reaches an LLM.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, StringConstraints

ASSIST_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
MAX_ASSISTS = 10  # one row of choices an owner can take in at a glance (and Slack's block limits)
MAX_LABEL_CHARS = 75  # Slack's button text limit; Discord's select option label allows 100
MAX_INSTRUCTION_CHARS = 1500


def _name_ok(name: str) -> str:
    if not ASSIST_NAME.fullmatch(name):
        raise ValueError(
            f"{name!r} is not an assist name (lower-case letters, digits, - or _; at most 32)"
        )
    return name


AssistName = Annotated[str, AfterValidator(_name_ok)]
_Label = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_LABEL_CHARS)
]
_Instruction = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_INSTRUCTION_CHARS)
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Label(_Strict):
    """A label per language; English is required, other languages fall back to it."""

    en: _Label
    fr: _Label | None = None


class Instruction(_Strict):
    en: _Instruction
    fr: _Instruction | None = None


def in_language(text: Label | Instruction, lang: str) -> str:
    """``text`` in ``lang`` when the policy gives it, else in English."""
    found = getattr(text, lang, None) if lang in type(text).model_fields else None
    return found or text.en


def _per_language(value: object) -> object:
    """A plain text is the English one, which every language falls back to."""
    return {"en": value} if isinstance(value, str) else value


class Assist(_Strict):
    """One kind of help the owner of a request can ask the LLM for."""

    label: Annotated[Label, BeforeValidator(_per_language)]
    instruction: Annotated[Instruction, BeforeValidator(_per_language)]

    def label_in(self, lang: str) -> str:
        return in_language(self.label, lang)

    def instruction_in(self, lang: str) -> str:
        return in_language(self.instruction, lang)


def _not_too_many(assists: dict[str, Assist]) -> dict[str, Assist]:
    if len(assists) > MAX_ASSISTS:
        raise ValueError(f"at most {MAX_ASSISTS} assists per category, not {len(assists)}")
    return assists


Assists = Annotated[dict[AssistName, Assist], AfterValidator(_not_too_many)]
