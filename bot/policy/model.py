"""The policy and decision models: the contracts every other part of should-ai reads.

The policy files under ``policies/`` parse into :class:`Policy`; the engine turns a request
into a :class:`Decision`, whose JSON form is fixed by DESIGN.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    ValidationInfo,
    field_validator,
)
from pydantic_core import core_schema

from bot.policy.assists import Assists

Route = Literal["human", "ai"]
AiWorkKind = Literal["schedule", "draft", "handoff", "none"]
Layer = Literal["keyword", "pattern", "reader", "fallback", "llm"]
# How a category's escalation treats people away or off hours (issue 14): high pings now and
# skips anyone away or off hours; normal skips people away; low waits for working hours.
Urgency = Literal["high", "normal", "low"]
# enforce: a human category pings its owner. shadow: an explicit admin choice to try a category
# (or the whole policy) without paging anyone: the request is answered as if the category were
# off and the decision log records who would have been pinged (bot/policy/shadow.py).
Mode = Literal["enforce", "shadow"]

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


class Text(str):
    """A sentence of the policy a person reads (a label, ``why``, ``ai_may``): a plain string,
    said the same in every language, or one per language (``{en: ..., fr: ...}``). As a ``str``
    it is the English one (else the first given), so the decision log stays in one language."""

    by_language: Mapping[str, str]

    def __new__(cls, text: str, by_language: Mapping[str, str] | None = None) -> Text:
        made = super().__new__(cls, text)
        made.by_language = dict(by_language or {})
        return made

    def in_language(self, code: str) -> str:
        """The sentence in ``code``, else as the str reads (English or the only one)."""
        return self.by_language.get(code, str(self))

    def languages(self) -> frozenset[str]:
        """The languages given; empty for a plain string."""
        return frozenset(self.by_language)

    @classmethod
    def parse(cls, value: Any) -> Text:
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            return cls(value)
        if isinstance(value, Mapping) and value:
            if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
                raise ValueError("give one string per language code, e.g. {en: ..., fr: ...}")
            first = value.get("en") or next(iter(value.values()))
            return cls(first, value)
        raise ValueError("expected a string or one string per language ({en: ..., fr: ...})")

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls.parse,
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda t: dict(t.by_language) if t.by_language else str(t)
            ),
        )


class Category(_Strict):
    route: Route
    label: Text
    owner: str | None = None
    backup: str | None = None
    channel: str | None = None
    # Finite and at most a week: an escalation timer is a real date (`.inf` or 1e300 made every
    # escalation of the category fail), and a ping nobody need answer for a week is no ping.
    ack_minutes: float = Field(default=15, gt=0, le=MAX_ACK_MINUTES, allow_inf_nan=False)
    repeat: int = Field(
        default=0, ge=0, le=MAX_REPEAT, description="extra pings to the channel after the climb"
    )
    why: Text
    ai_may: Text = Text("")
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
    # What the LLM may do for the person who holds a request of this (human) category, once they
    # acknowledged it and ask (bot/policy/assists.py; issue 19).
    assists: Assists = {}
    # For an AI category whose work the bot does not do itself (ai_work: none or handoff): the
    # team's own tools that do it ("your analytics or BI tool"), said plainly to the requester.
    tools: Text = Text("")
    # ai_work: handoff: the name of the hand-off (under the policy's handoffs:) that receives the
    # request, for the team's own tool to do the work.
    handoff: str | None = None
    mode: Mode = "enforce"

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

    @field_validator("assists")
    @classmethod
    def _assists_only_for_a_person(cls, value: Assists, info: ValidationInfo) -> Assists:
        if info.data.get("route") == "ai" and value:
            raise ValueError(
                "assists help the person who owns a request; a category AI does has ai_work "
                "instead (remove assists: here)"
            )
        return value

    @property
    def work(self) -> AiWorkKind:
        """The AI work a request routed to this category gets."""
        if self.ai_work is not None:
            return self.ai_work
        return "draft" if self.route == "ai" else "none"


class Handoff(_Strict):
    """An outgoing webhook (Zapier, Make, n8n, Buffer, HubSpot...): the bot POSTs an approved
    request to ``url`` as signed JSON (SHOULD_AI_WEBHOOK_SECRET) and says it went to ``label``."""

    url: str = Field(pattern=r"^https?://\S+$")
    label: str
    does: str = ""  # what it does with it, for the requester: "posts it to Instagram via Buffer"


class Fallback(_Strict):
    route: Route = "human"
    owner: str
    why: Text
    ai_may: Text = Text("")


class Guidance(_Strict):
    """What the LLM is told when it drafts: the team's tone and what it must never do."""

    tone: Text = Text("")
    never: tuple[str, ...] = ()


class ReaderSettings(_Strict):
    """How the trained reader's probabilities become a route (see bot/reader/layer.py)."""

    # P(any human category) at or above this sends the request to a person. Chosen for recall:
    # `should-ai policy calibrate` measures it and writes it only if the measurement improves.
    human_threshold: float = Field(default=0.3, gt=0, lt=1)
    # Share of a request's words the reader has seen in training below which it "resembles
    # nothing we know" (gibberish, another language): the fallback owner decides.
    min_known: float = Field(default=0.35, ge=0, le=1)
    # The reader's likeliest category below this probability: it cannot tell what the request
    # is (a vague "can you look into the thing Marc mentioned"), so the fallback owner decides.
    min_sure: float = Field(default=0.0, ge=0, le=1)
    # RE2 patterns (on the normalised text) of requests that point at something the bot cannot
    # see ("the thing Marc mentioned", "the way we did last time"): whatever the reader reads
    # into their other words, it cannot know what they are about, so the fallback owner decides.
    vague: tuple[str, ...] = ()


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
    # Outgoing webhooks a category's `handoff:` (and `networks_handoff`) name.
    handoffs: dict[str, Handoff] = {}
    # The hand-off that receives posts for networks the bot cannot post on (Instagram, LinkedIn,
    # X...); unset: the bot says plainly it cannot post there.
    networks_handoff: str | None = None
    # shadow: every category (and the fallback) is answered as if off; see Category.mode.
    mode: Mode = "enforce"


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

    # The language pings and status cards reach them in ("fr"); unset: their platform's
    # locale where it gives one, else SHOULD_AI_DEFAULT_LANGUAGE.
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}([-_][A-Za-z0-9]+)?$")
    # The weekly digest (bot/feedback/digest.py): off unless the person opts in; sent on Monday
    # morning in their time zone (an IANA name such as Europe/Paris; UTC when unset).
    digest: bool = False
    tz: str | None = None

    @field_validator("tz")
    @classmethod
    def _known_time_zone(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name: Europe/Paris)") from e
        return value

    @property
    def zone(self) -> str | None:
        """The person's time zone, whichever key people.yaml gave it under (``timezone``, read
        by working hours and away dates, or ``tz``, the digest's); None: UTC."""
        return self.timezone or self.tz


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
    # The language escalations are posted in there; unset: SHOULD_AI_DEFAULT_LANGUAGE.
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}([-_][A-Za-z0-9]+)?$")


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
