"""The policy and decision models: the contracts every other part of should-ai reads.

The policy files under ``policies/`` parse into :class:`Policy`; the engine turns a request
into a :class:`Decision`, whose JSON form is fixed by DESIGN.md.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

Route = Literal["human", "ai"]
AiWorkKind = Literal["schedule", "draft", "none"]
Layer = Literal["keyword", "pattern", "reader", "fallback", "llm"]
# How a category's escalation treats people away or off hours (issue 14): high pings now and
# skips anyone away or off hours; normal skips people away; low waits for working hours.
Urgency = Literal["high", "normal", "low"]

MAX_ACK_MINUTES = 7 * 24 * 60  # a week
MAX_REPEAT = 20  # extra channel posts: past a few, a channel stops reading them anyway


class _Strict(BaseModel):
    # An unknown key in a policy file is an admin's typo, never something to ignore silently.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Phrases(_Strict):
    """Words or sentences per language; English and French ship from day one."""

    en: tuple[str, ...] = ()
    fr: tuple[str, ...] = ()

    def all(self) -> tuple[str, ...]:
        return self.en + self.fr


class Category(_Strict):
    route: Route
    label: str
    owner: str | None = None
    backup: str | None = None
    channel: str | None = None
    # Finite and at most a week: an escalation timer is a real date (`.inf` or 1e300 made every
    # escalation of the category fail), and a ping nobody need answer for a week is no ping.
    ack_minutes: float = Field(default=15, gt=0, le=MAX_ACK_MINUTES, allow_inf_nan=False)
    repeat: int = Field(
        default=0, ge=0, le=MAX_REPEAT, description="extra pings to the channel after the climb"
    )
    why: str
    ai_may: str = ""
    # Tripwires: words and RE2 patterns that always send a request to this (human) category.
    # The pack ships a short, measured list; an admin's own are added to it.
    keywords: Phrases = Phrases()
    patterns: tuple[str, ...] = ()
    # Example requests an admin adds: the trained reader learns them on top of the pack.
    examples: Phrases = Phrases()
    # What the bot does with a request routed here: schedule a post (after the requester
    # confirms), draft the text with the LLM, or nothing beyond the verdict. Unset: draft for an
    # AI category, none for a human one (see `work`).
    ai_work: AiWorkKind | None = None
    urgency: Urgency = "normal"  # issue 14: how the climb treats people away or off hours

    @field_validator("ai_work")
    @classmethod
    def _no_ai_work_for_a_person(
        cls, value: AiWorkKind | None, info: ValidationInfo
    ) -> AiWorkKind | None:
        if info.data.get("route") == "human" and value not in (None, "none"):
            raise ValueError(
                f"a category a person owns gets no AI work; set ai_work: none, not {value}"
            )
        return value

    @property
    def work(self) -> AiWorkKind:
        """The AI work a request routed to this category gets."""
        if self.ai_work is not None:
            return self.ai_work
        return "draft" if self.route == "ai" else "none"


class Fallback(_Strict):
    route: Route = "human"
    owner: str
    why: str
    ai_may: str = ""


class Guidance(_Strict):
    """What the LLM is told when it drafts: the team's tone and what it must never do."""

    tone: str = ""
    never: tuple[str, ...] = ()


class ReaderSettings(_Strict):
    """How the trained reader's probabilities become a route (see bot/reader/layer.py)."""

    # P(any human category) at or above this sends the request to a person. Chosen for recall:
    # `should-ai policy calibrate` measures it and writes it only if the measurement improves.
    human_threshold: float = Field(default=0.3, gt=0, lt=1)
    # Share of a request's words the reader has seen in training below which it "resembles
    # nothing we know" (gibberish, another language): the fallback owner decides.
    min_known: float = Field(default=0.35, ge=0, le=1)


class PolicyFile(_Strict):
    version: Literal[1] = 1
    fallback: Fallback
    guidance: Guidance = Guidance()
    # The knowledge pack this policy builds on (bot/packs/<name>): its categories, tripwires and
    # labelled corpus come first, this file's settings and additions on top.
    extends: str | None = None
    reader: ReaderSettings = ReaderSettings()
    # Words that mark a quoted span as the title of something ("the 'Crisis Comms 101'
    # webinar"): a keyword inside such a title is a mention, not the subject of the request.
    mention_words: Phrases = Phrases()
    # Phrases after which a topic is general ("how to handle a crisis", "tips for client
    # relationships"), unless a word such as "the" or "our" points at a particular case.
    topic_markers: Phrases = Phrases()
    # Openings of a routine data question ("how many", "which of our", "combien"): a human
    # keyword in such a question is what is counted, not the subject (see bot/policy/mentions.py).
    data_questions: Phrases = Phrases()
    categories: dict[str, Category]


class Person(_Strict):
    name: str
    slack: str | None = None
    discord: str | None = None
    # Issue 14. ``email``: resolved to a Slack id at start-up when ``slack`` is not given.
    # ``timezone`` (IANA): working hours and a date-only ``away_until`` are read in it (UTC
    # if unset). ``working_hours``: "09:00-18:00" on ``working_days`` ("mon-fri", "mon,wed").
    # ``away_until``: a date (back that morning) or a date and time; away people are skipped.
    email: str | None = None
    timezone: str | None = None
    working_hours: str | None = None
    working_days: str = "mon-fri"
    away_until: datetime | date | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError) as e:
                raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from e
        return value

    @field_validator("working_hours")
    @classmethod
    def _hours(cls, value: str | None) -> str | None:
        if value is not None and not _HOURS.fullmatch(value.strip()):
            raise ValueError(f"working_hours must look like 09:00-18:00, got {value!r}")
        return value

    @field_validator("working_days")
    @classmethod
    def _days(cls, value: str) -> str:
        parse_days(value)
        return value


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"([01]\d|2[0-3]):[0-5]\d\s*-\s*([01]\d|2[0-4]):[0-5]\d")


def parse_days(text: str) -> frozenset[int]:
    """ "mon-fri" or "mon,wed,fri" -> weekday numbers (Monday 0); ValueError if unreadable."""
    days: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise ValueError(f"working_days: {text!r} is not like mon-fri or mon,wed,fri")
        a, b = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return frozenset(days)


class Channel(_Strict):
    slack: str | None = None
    discord: str | None = None


class PeopleFile(_Strict):
    people: dict[str, Person]
    channels: dict[str, Channel] = {}


class Case(_Strict):
    text: str
    route: Route
    category: str | None = None


class CasesFile(_Strict):
    cases: tuple[Case, ...]


class Pack(_Strict):
    """A knowledge pack a policy extends: its name and the directory of its files."""

    name: str
    directory: Path


class Policy(_Strict):
    """One loaded policy directory (merged over the pack it extends, if any)."""

    revision: str
    file: PolicyFile
    people: PeopleFile
    cases: tuple[Case, ...] = ()  # the admin's, in the policy's cases/
    pack: Pack | None = None
    pack_cases: tuple[Case, ...] = ()  # the pack's own, in bot/packs/<name>/cases/

    @property
    def categories(self) -> dict[str, Category]:
        return self.file.categories


class Owner(_Strict):
    id: str
    name: str


class Reason(_Strict):
    layer: Layer
    category: str | None
    detail: str


class Decision(_Strict):
    decision_id: str
    route: Route
    category: str | None
    categories: tuple[str, ...]
    owner: Owner | None
    confidence: float
    reasons: tuple[Reason, ...]
    why: str = ""
    ai_may: str
    policy_revision: str
