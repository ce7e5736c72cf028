"""`/should-ai <text>`: sub-commands, and the replies both chat platforms render.

``why``, ``queue``, ``mine``, ``help``, ``reload``, ``policy`` and ``scheduled`` are sub-commands
when they are the first word (``reload`` is admin-only); anything else is a request for the policy.
A word that is also a sub-command and comes with more text ("help me draft a post") is a
request, except ``why`` whose text is what to explain.

Every reply is a :class:`Reply`, a value: what kind of answer it is and what it carries (the
decision, the escalations, the policy...). The adapters put it in words
(handlers/common/replies.py for the plain-text sentences they share) and in their markup.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from bot.ai.model import ScheduledPost
from bot.escalations import availability, away_dates
from bot.escalations.away_dates import is_away_command
from bot.escalations.model import Actor, Escalation
from bot.escalations.people import actor_key, person_for
from bot.escalations.permissions import Admins
from bot.intake.intake import Intake, IntakeResult
from bot.observability.failopen import STORE_ERRORS
from bot.policy.model import Decision, Policy
from bot.reload import PolicyHolder, ReloadOutcome
from bot.store.errors import StoreUnavailable
from bot.text import clip

SubCommand = Literal[
    "why", "queue", "help", "reload", "policy", "scheduled", "mine", "away", "console"
]
ReplyKind = Literal[
    "decision",
    "why",
    "queue",
    "help",
    "reload",
    "policy",
    "scheduled",
    "duplicate",
    "refused",
    "error",
    "away",
    "console",
]
ErrorKind = Literal[
    "empty", "why_usage", "admin_only", "store_down", "restarting", "away_usage", "not_listed"
]
_BARE = frozenset({"queue", "help", "reload", "policy", "scheduled", "mine", "console"})
ADMIN_ONLY = frozenset({"reload", "policy"})
_STORE_DOWN: tuple[type[BaseException], ...] = (StoreUnavailable, *STORE_ERRORS)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Command:
    name: SubCommand | None  # None: a request for the policy
    text: str


def parse(raw: str) -> Command:
    """Split the text typed after /should-ai into a sub-command and its text."""
    text = raw.strip()
    head, *rest = text.split(maxsplit=1) if text else ("",)
    word = head.lower()
    if word == "why":
        return Command(name="why", text=rest[0].strip() if rest else "")
    if word in _BARE and not rest:
        return Command(name=word, text="")  # type: ignore[arg-type]
    if word == "away" and rest and is_away_command(rest[0]):  # "away until friday", "away off"
        return Command(name="away", text=rest[0].strip())
    return Command(name=None, text=text)


@dataclass(frozen=True)
class Reply:
    """What to answer. ``kind`` says which answer; the fields that go with it:

    - ``decision`` (and ``why``): ``decision`` and ``intake``;
    - ``refused``: ``intake`` (rate limited: its limit and how long to wait);
    - ``error``: ``error`` (``admin_only``: ``command`` names the sub-command);
    - ``queue`` (and ``mine``): ``escalations``, and ``policy`` to word them;
      ``scheduled``: ``scheduled`` (None: scheduling is not set up);
    - ``policy``: ``policy``; ``reload``: ``reload``; ``duplicate``: nothing;
    - ``help``: nothing, or ``intake`` when it answers a message that was no request.
    """

    kind: ReplyKind
    decision: Decision | None = None
    intake: IntakeResult | None = None
    escalations: tuple[Escalation, ...] = ()
    scheduled: tuple[ScheduledPost, ...] | None = field(default=())  # for cancel buttons
    policy: Policy | None = None
    reload: ReloadOutcome | None = None
    error: ErrorKind | None = None
    command: SubCommand | None = None
    away_until: float | None = None  # ``away``: back at this instant; None: back now
    link: str | None = None  # console: the web console's sign-in link (None: no console)

    @property
    def needs_escalation(self) -> bool:
        """True when a person must get this request (what follows the verdict escalates it)."""
        return (
            self.decision is not None and self.kind == "decision" and self.decision.route == "human"
        )


class EscalationReader(Protocol):
    async def list_open(
        self, *, assignee: str | None = None, requester: str | None = None
    ) -> Sequence[Escalation]: ...


ScheduledLister = Callable[[Actor], Awaitable[Sequence[ScheduledPost]]]


class AwaySetter(Protocol):
    async def set_away(self, person_key: str, until: float | None) -> None: ...


Reloader = Callable[[], Awaitable[ReloadOutcome]]
LinkIssuer = Callable[[Actor], Awaitable[str]]


# --- dispatch --------------------------------------------------------------------------------


class Commands:
    """Turns what a user typed into a :class:`Reply`; adapters only render it."""

    def __init__(
        self,
        *,
        intake: Intake,
        holder: PolicyHolder,
        escalations: EscalationReader,
        reload: Reloader,
        admins: Admins,
        scheduled: ScheduledLister | None = None,
        away: AwaySetter | None = None,
        console_link: LinkIssuer | None = None,
    ) -> None:
        self._intake = intake
        self._holder = holder
        self._escalations = escalations
        self._reload = reload
        self._admins = admins
        self._scheduled = scheduled
        self._away = away
        self._console_link = console_link

    def is_admin(self, actor: Actor) -> bool:
        return self._admins.includes(actor)

    async def handle(self, *, actor: Actor, text: str, dedupe_key: str) -> Reply:
        """What the user typed after /should-ai: a sub-command, or a request."""
        command = parse(text)
        if command.name is None:
            return await self.submit(actor=actor, text=command.text, dedupe_key=dedupe_key)
        refused = await self._intake.admit(actor=actor, dedupe_key=dedupe_key)
        if refused is not None:
            return self._request_reply(refused)
        if command.name in ADMIN_ONLY and not self.is_admin(actor):
            return Reply(kind="error", error="admin_only", command=command.name)
        return await self._sub_command(command, actor)

    async def submit(self, *, actor: Actor, text: str, dedupe_key: str) -> Reply:
        """``text`` as a request, whatever its first word (a message shortcut's message)."""
        return self._request_reply(
            await self._intake.submit(actor=actor, text=text, dedupe_key=dedupe_key)
        )

    def _request_reply(self, result: IntakeResult) -> Reply:
        if result.duplicate:
            return Reply(kind="duplicate", intake=result)
        if result.restarting:
            return Reply(kind="error", error="restarting", intake=result)
        if result.rate_limited:
            return Reply(kind="refused", intake=result)
        if result.not_a_request is not None:
            return Reply(kind="help", intake=result)
        if result.decision is None:
            return Reply(kind="error", error="empty", intake=result)
        return Reply(kind="decision", decision=result.decision, intake=result)

    async def _sub_command(self, command: Command, actor: Actor) -> Reply:
        try:
            return await self._run_sub_command(command, actor)
        except _STORE_DOWN as e:
            log.warning("%s could not read the store: %r", command.name, e)
            return Reply(kind="error", error="store_down")

    async def _run_sub_command(self, command: Command, actor: Actor) -> Reply:
        match command.name:
            case "why":
                return await self._why(command.text)
            case "queue":
                return await self._queue(actor)
            case "away":
                return await self._set_away(actor, command.text)
            case "mine":  # what I hold and what I asked for, whoever I am (issue 14)
                mine = tuple(await self._mine(actor))
                return Reply(kind="queue", escalations=mine, policy=self._holder.policy)
            case "reload":
                return Reply(kind="reload", reload=await self._reload())
            case "policy":
                return Reply(kind="policy", policy=self._holder.policy)
            case "scheduled":
                return await self._list_scheduled(actor)
            case "console":
                link = await self._console_link(actor) if self._console_link else None
                return Reply(kind="console", link=link)
            case _:
                return Reply(kind="help")

    async def _why(self, text: str) -> Reply:
        """What the requester would be told for ``text``, and why: decided by intake exactly as
        the request itself would be (the LLM judge included), so the two never disagree."""
        result = await self._intake.explain(text=text)
        if result.not_a_request is not None:
            return Reply(kind="help", intake=result)
        if result.decision is None:
            return Reply(kind="error", error="why_usage")
        return Reply(kind="why", decision=result.decision, intake=result)

    async def why(self, text: str) -> Reply:
        """``why <text>`` without the rate limit and dedupe of a typed command (the web
        console's playground): nothing is logged, nobody is pinged."""
        return await self._why(text)

    async def _queue(self, actor: Actor) -> Reply:
        if self.is_admin(actor):
            found = list(await self._escalations.list_open())
        else:
            found = await self._mine(actor)
        # The policy goes with the queue: its names, chains and labels word it (queue_view).
        return Reply(kind="queue", escalations=tuple(found), policy=self._holder.policy)

    async def _mine(self, actor: Actor) -> list[Escalation]:
        person = person_for(self._holder.policy, actor)
        assigned = list(await self._escalations.list_open(assignee=person)) if person else []
        asked = await self._escalations.list_open(requester=actor_key(self._holder.policy, actor))
        seen = {e.id for e in assigned}
        return assigned + [e for e in asked if e.id not in seen]

    async def _set_away(self, actor: Actor, text: str) -> Reply:
        """``/should-ai away until friday`` (or ``off``): the climb skips them until then."""
        policy = self._holder.policy
        person = person_for(policy, actor)
        if person is None or self._away is None:
            return Reply(kind="error", error="not_listed", command="away")
        tz = availability.zone(policy.people.people[person])
        try:
            until = away_dates.away_until(text, tz=tz, now=time.time())
        except away_dates.AwayUsage:
            return Reply(kind="error", error="away_usage", command="away")
        await self._away.set_away(person, until)
        return Reply(kind="away", away_until=until, command="away")

    async def _list_scheduled(self, actor: Actor) -> Reply:
        if self._scheduled is None:
            return Reply(kind="scheduled", scheduled=None)
        return Reply(kind="scheduled", scheduled=tuple(await self._scheduled(actor)))


def render_escalation_line(e: Escalation, *, now: float | None = None) -> str:
    """One open escalation on one line, as ``/should-ai queue`` and ``should-ai escalations
    list`` show it to admins: id, category, state, holder, level, age, requester, text."""
    age_min = int(((now or time.time()) - e.created_at) // 60)
    who = e.assignee or "channel"
    return (
        f"{e.id} [{e.category}] {e.state}, with {who}, level {e.level}, "
        f"{age_min} min old, from {e.requester}: {clip(e.text, 80)!r}"
    )
