"""What-if: an admin's draft of the admin policy (``policies/policy.yaml``), tried before it is
applied. The draft is loaded beside a copy of the other policy files (the same loader and
validation as a file edit), its engine runs the policy's cases and replays the recent decisions
whose text the decision log kept, and every answer that would change is returned as a value.
Applying writes the file only when the settings allow it, then reloads exactly as a file edit
does (the last good policy stays on error).
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from bot.errors import PolicyError
from bot.policy.model import Decision, Policy
from bot.reload import DecisionEngine, PolicyHolder, PolicySnapshot, ReloadOutcome

ADMIN_POLICY = "policy.yaml"
MASKED = "[masked:"  # how the decision log writes text it did not keep
REPLAYED = 500  # recent log entries looked at for decisions to replay

Source = Literal["case", "decision"]
PolicyLoader = Callable[[Path], Policy]
EngineFactory = Callable[[Policy], DecisionEngine]


class RecentDecisions(Protocol):
    """``(text, route, category)`` of recent decisions whose text was kept, newest last."""

    async def __call__(self, count: int) -> Sequence[tuple[str, str, str | None]]: ...


@dataclass(frozen=True)
class Change:
    """One request the draft would answer differently. For a case, ``expected`` is its
    ``route/category``; for a logged decision, what it got then."""

    source: Source
    text: str
    before: tuple[str, str | None]
    after: tuple[str, str | None]
    expected: tuple[str, str | None] | None = None


@dataclass(frozen=True)
class WhatIf:
    """The draft tried: ``error`` if it does not load (file, line, key); else its revision, the
    cases that fail before and after, how many logged decisions were replayed, and the changes."""

    draft: str
    error: PolicyError | None = None
    revision_before: str = ""
    revision_after: str = ""
    cases: int = 0
    failing_before: int = 0
    failing_after: int = 0
    replayed: int = 0
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class Applied:
    """``written`` False: editing is off (``SHOULD_AI_CONSOLE_CAN_EDIT``) or the draft does not
    load (``error``); else ``reload`` is what the reload made of it."""

    written: bool
    error: PolicyError | None = None
    reload: ReloadOutcome | None = None


class WhatIfLab:
    def __init__(
        self,
        *,
        holder: PolicyHolder,
        load: PolicyLoader,
        make_engine: EngineFactory,
        recent: RecentDecisions,
        reload: Callable[[], Awaitable[ReloadOutcome]],
        can_edit: bool,
    ) -> None:
        self._holder = holder
        self._load = load
        self._make_engine = make_engine
        self._recent = recent
        self._reload = reload
        self.can_edit = can_edit
        self._lock = asyncio.Lock()  # one draft at a time: each costs seconds of CPU
        self._coverage: Coverage | None = None
        # The policy in force's verdicts on texts already tried, for its revision: a draft's
        # preview then decides each case once, with the draft, not twice.
        self._now: tuple[str, dict[str, tuple[str, str | None]]] = ("", {})

    @property
    def directory(self) -> Path:
        return self._holder.directory

    def current_text(self) -> str:
        return (self.directory / ADMIN_POLICY).read_text(encoding="utf-8")

    def last_reload(self) -> ReloadOutcome | None:
        """The latest reload's result (None: none since start-up, which loaded cleanly)."""
        return self._holder.last_reload

    async def coverage(self) -> Coverage:
        """The policy in force's cases run, per category; computed once per revision."""
        now = self._holder.current()
        cached = self._coverage
        if cached is not None and cached.revision == now.revision:
            return cached
        async with self._lock:
            self._coverage = await asyncio.to_thread(_coverage, now.policy, now.engine)
        return self._coverage

    async def preview(self, draft: str) -> WhatIf:
        recent = await self._recent(REPLAYED)
        async with self._lock:
            return await asyncio.to_thread(self._preview, draft, recent)

    async def apply(self, draft: str) -> Applied:
        if not self.can_edit:
            return Applied(written=False)
        try:
            await asyncio.to_thread(self._loaded, draft)
        except PolicyError as e:
            return Applied(written=False, error=e)
        target = self.directory / ADMIN_POLICY
        try:  # e.g. policies/ mounted read-only in a container
            await asyncio.to_thread(target.write_text, draft, encoding="utf-8")
        except OSError as e:
            problem = PolicyError(f"cannot write: {e.strerror or e}", file=str(target))
            return Applied(written=False, error=problem)
        return Applied(written=True, reload=await self._reload())

    # -- in a worker thread --------------------------------------------------------------

    def _loaded(self, draft: str) -> Policy:
        """The policy the directory would hold with ``draft`` as its admin policy."""
        with tempfile.TemporaryDirectory(prefix="should-ai-whatif-") as tmp:
            copy = Path(tmp) / "policies"
            shutil.copytree(self.directory, copy)
            (copy / ADMIN_POLICY).write_text(draft, encoding="utf-8")
            try:
                return self._load(copy)
            except PolicyError as e:  # name the admin's file, not the temporary copy
                raise _renamed(e, str(copy), str(self.directory)) from e

    def _now_verdict(self, now: PolicySnapshot, text: str) -> tuple[str, str | None]:
        if self._now[0] != now.revision:
            self._now = (now.revision, {})
        known = self._now[1]
        if text not in known:
            known[text] = _verdict(now.engine.decide(text))
        return known[text]

    def _preview(self, draft: str, recent: Sequence[tuple[str, str, str | None]]) -> WhatIf:
        try:
            policy = self._loaded(draft)
        except PolicyError as e:
            return WhatIf(draft=draft, error=e)
        now = self._holder.current()
        after = self._make_engine(policy)
        changes: list[Change] = []
        cases = (*policy.pack_cases, *policy.cases)
        failing = [0, 0]
        for case in cases:
            old, new = self._now_verdict(now, case.text), _verdict(after.decide(case.text))
            expected = (case.route, case.category)
            failing[0] += not _meets(old, expected)
            failing[1] += not _meets(new, expected)
            if old != new:
                changes.append(Change("case", case.text, old, new, expected=expected))
        for text, route, category in recent:
            new = _verdict(after.decide(text))
            if new != (route, category):
                changes.append(Change("decision", text, (route, category), new))
        return WhatIf(
            draft=draft,
            revision_before=now.revision,
            revision_after=policy.revision,
            cases=len(cases),
            failing_before=failing[0],
            failing_after=failing[1],
            replayed=len(recent),
            changes=tuple(changes),
        )


@dataclass(frozen=True)
class Coverage:
    """Per category (and ``(fallback)``): how many cases it has and how many pass."""

    revision: str
    by_category: dict[str, tuple[int, int]]

    @property
    def failing(self) -> int:
        return sum(count - passed for count, passed in self.by_category.values())


def _coverage(policy: Policy, engine: DecisionEngine) -> Coverage:
    found = {name: (0, 0) for name in policy.categories}
    for case in (*policy.pack_cases, *policy.cases):
        ok = _meets(_verdict(engine.decide(case.text)), (case.route, case.category))
        name = case.category or "(fallback)"
        count, passed = found.get(name, (0, 0))
        found[name] = (count + 1, passed + ok)
    return Coverage(revision=policy.revision, by_category=found)


def _verdict(decision: Decision) -> tuple[str, str | None]:
    return (decision.route, decision.category)


def _meets(got: tuple[str, str | None], expected: tuple[str, str | None]) -> bool:
    return got[0] == expected[0] and (expected[1] is None or got[1] == expected[1])


def _renamed(error: PolicyError, temporary: str, real: str) -> PolicyError:
    where = error.file if error.line is None else f"{error.file}:{error.line}"
    message = (
        str(error).removeprefix(f"{where}: ").removeprefix(f"{error.key}: " if error.key else "")
    )
    file = error.file.replace(temporary, real)
    return PolicyError(message, file=file, line=error.line, key=error.key)
