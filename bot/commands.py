"""`/should-ai <text>`: sub-commands, and the replies both chat platforms render.

``why``, ``queue``, ``help``, ``reload``, ``policy`` and ``scheduled`` are sub-commands when
they are the first word (``reload`` is admin-only); anything else is a request for the policy.
A word that is also a sub-command and comes with more text ("help me draft a post") is a
request, except ``why`` whose text is what to explain.

Every reply is a :class:`Reply`: a plain-text ``text`` any adapter can post as it is, plus the
structured parts (decision, escalations) an adapter may render as blocks or embeds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from bot.ai.model import ScheduledPost
from bot.escalations.model import Actor, Escalation
from bot.escalations.people import actor_key, person_for
from bot.escalations.permissions import Admins
from bot.failopen import STORE_ERRORS
from bot.intake import Intake, IntakeResult
from bot.policy.model import Decision, Policy
from bot.reload import PolicyHolder, ReloadOutcome
from bot.store.errors import StoreUnavailable

SubCommand = Literal["why", "queue", "help", "reload", "policy", "scheduled"]
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
]
STORE_DOWN_TEXT = (
    "I can't reach my store right now, so I can't list that. Try again in a minute; "
    "anything urgent: contact its owner directly."
)
_BARE = frozenset({"queue", "help", "reload", "policy", "scheduled"})
ADMIN_ONLY = frozenset({"reload", "policy"})
_STORE_DOWN: tuple[type[BaseException], ...] = (StoreUnavailable, *STORE_ERRORS)
log = logging.getLogger(__name__)

HELP = """\
/should-ai <request>: I say at once whether AI may do it or a named person must own it.
/should-ai why <request>: the same answer with the reasons (keyword, pattern or example matched).
/should-ai queue: escalations waiting for you (admins: every open escalation).
/should-ai scheduled: posts AI scheduled for you.
/should-ai policy: the policy in use: its revision, categories and owners (admins only).
/should-ai reload: reload the policy files now (admins only; edits are also picked up on save).
/should-ai help: this list."""


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
    return Command(name=None, text=text)


@dataclass(frozen=True)
class Reply:
    kind: ReplyKind
    text: str
    ephemeral: bool = True
    decision: Decision | None = None
    intake: IntakeResult | None = None
    escalations: tuple[Escalation, ...] = ()
    scheduled: tuple[ScheduledPost, ...] = field(default=())  # for cancel buttons

    @property
    def needs_escalation(self) -> bool:
        """True when the adapter must call Intake.escalate after showing this reply."""
        return (
            self.decision is not None and self.kind == "decision" and self.decision.route == "human"
        )


class EscalationReader(Protocol):
    async def list_open(
        self, *, assignee: str | None = None, requester: str | None = None
    ) -> Sequence[Escalation]: ...


ScheduledLister = Callable[[Actor], Awaitable[Sequence[ScheduledPost]]]
Reloader = Callable[[], Awaitable[ReloadOutcome]]


# --- rendering -------------------------------------------------------------------------------


def render_decision(decision: Decision) -> str:
    """The answer a requester sees at once."""
    if decision.route == "ai":
        head = f"AI can do this ({_category(decision)})."
    else:
        owner = decision.owner.name if decision.owner else "a person"
        head = f"A person must own this ({_category(decision)}): {owner} will be asked to take it."
    lines = [head]
    if decision.why:
        lines.append(f"Why: {decision.why}")
    if decision.route == "human" and decision.ai_may:
        lines.append(f"AI may still: {decision.ai_may}")
    return "\n".join(lines)


def render_why(decision: Decision) -> str:
    reasons = [
        f"- {r.layer}" + (f" [{r.category}]" if r.category else "") + f": {r.detail}"
        for r in decision.reasons
    ] or ["- nothing in the policy matched; unsure requests go to a person"]
    return "\n".join(
        [
            render_decision(decision),
            f"Confidence {decision.confidence:.2f}; categories matched: "
            f"{', '.join(decision.categories) or 'none'}; "
            f"policy revision {decision.policy_revision}.",
            "Reasons:",
            *reasons,
        ]
    )


def render_escalation_line(e: Escalation, *, now: float | None = None) -> str:
    age_min = int(((now or time.time()) - e.created_at) // 60)
    who = e.assignee or "channel"
    return (
        f"{e.id} [{e.category}] {e.state}, with {who}, level {e.level}, "
        f"{age_min} min old, from {e.requester}: {_clip(e.text, 80)!r}"
    )


def render_policy(policy: Policy) -> str:
    lines = [f"Policy revision {policy.revision}: {len(policy.categories)} categories."]
    for key, cat in policy.categories.items():
        owner = _person_name(policy, cat.owner) if cat.owner else "-"
        extra = (
            f", owner {owner}, ack within {cat.ack_minutes:g} min" if cat.route == "human" else ""
        )
        lines.append(f"- {key} ({cat.label}): {cat.route}{extra}")
    fb = policy.file.fallback
    lines.append(f"Anything else: {fb.route}, owner {_person_name(policy, fb.owner)}.")
    return "\n".join(lines)


def render_reload(outcome: ReloadOutcome) -> str:
    if outcome.error is not None:
        return (
            f"The policy files do not load, so revision {outcome.revision} stays in use: "
            f"{outcome.error}"
        )
    if outcome.changed:
        return f"Policy reloaded: revision {outcome.previous_revision} -> {outcome.revision}."
    return f"Policy reloaded: no change (revision {outcome.revision})."


def _category(decision: Decision) -> str:
    return decision.category or "not recognised"


def _person_name(policy: Policy, key: str) -> str:
    person = policy.people.people.get(key)
    return person.name if person else key


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


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
    ) -> None:
        self._intake = intake
        self._holder = holder
        self._escalations = escalations
        self._reload = reload
        self._admins = admins
        self._scheduled = scheduled

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
            return Reply(kind="error", text=f"`{command.name}` is for should-ai admins only.")
        return await self._sub_command(command, actor)

    async def submit(self, *, actor: Actor, text: str, dedupe_key: str) -> Reply:
        """``text`` as a request, whatever its first word (a message shortcut's message)."""
        return self._request_reply(
            await self._intake.submit(actor=actor, text=text, dedupe_key=dedupe_key)
        )

    def _request_reply(self, result: IntakeResult) -> Reply:
        if result.duplicate:
            return Reply(kind="duplicate", text="", intake=result)
        if result.decision is None:
            kind: ReplyKind = "refused" if result.rate_limited else "error"
            return Reply(kind=kind, text=result.error or "", intake=result)
        return Reply(
            kind="decision",
            text=render_decision(result.decision),
            ephemeral=False,
            decision=result.decision,
            intake=result,
        )

    async def _sub_command(self, command: Command, actor: Actor) -> Reply:
        try:
            return await self._run_sub_command(command, actor)
        except _STORE_DOWN as e:
            log.warning("%s could not read the store: %r", command.name, e)
            return Reply(kind="error", text=STORE_DOWN_TEXT)

    async def _run_sub_command(self, command: Command, actor: Actor) -> Reply:
        match command.name:
            case "why":
                return await self._why(command.text)
            case "queue":
                return await self._queue(actor)
            case "reload":
                return Reply(kind="reload", text=render_reload(await self._reload()))
            case "policy":
                return Reply(kind="policy", text=render_policy(self._holder.policy))
            case "scheduled":
                return await self._list_scheduled(actor)
            case _:
                return Reply(kind="help", text=HELP)

    async def _why(self, text: str) -> Reply:
        """What the requester would be told for ``text``, and why: decided by intake exactly as
        the request itself would be (the LLM judge included), so the two never disagree."""
        result = await self._intake.explain(text=text)
        if result.decision is None:
            return Reply(kind="error", text="Usage: /should-ai why <request>")
        return Reply(kind="why", text=render_why(result.decision), decision=result.decision)

    async def _queue(self, actor: Actor) -> Reply:
        if self.is_admin(actor):
            found = list(await self._escalations.list_open())
        else:
            found = await self._mine(actor)
        if not found:
            return Reply(kind="queue", text="No open escalations for you.")
        lines = [f"{len(found)} open escalation(s):"]
        lines += [render_escalation_line(e) for e in found]
        return Reply(kind="queue", text="\n".join(lines), escalations=tuple(found))

    async def _mine(self, actor: Actor) -> list[Escalation]:
        person = person_for(self._holder.policy, actor)
        assigned = list(await self._escalations.list_open(assignee=person)) if person else []
        asked = await self._escalations.list_open(requester=actor_key(self._holder.policy, actor))
        seen = {e.id for e in assigned}
        return assigned + [e for e in asked if e.id not in seen]

    async def _list_scheduled(self, actor: Actor) -> Reply:
        if self._scheduled is None:
            return Reply(kind="scheduled", text="Scheduling is not set up on this bot.")
        posts = tuple(await self._scheduled(actor))
        if not posts:
            return Reply(kind="scheduled", text="Nothing scheduled for you.")
        lines = [f"{len(posts)} scheduled post(s):"] + [f"- {_describe(p)}" for p in posts]
        return Reply(kind="scheduled", text="\n".join(lines), scheduled=posts)


def _describe(post: ScheduledPost) -> str:
    """One scheduled post, at the time as its requester said it (in their time zone)."""
    return f"{post.id} in {post.channel}, {post.plan.understood}: {_clip(post.text, 80)!r}"
