"""The policy in use, and its hot reload.

:class:`PolicyHolder` keeps one :class:`PolicySnapshot` (policy + engine + revision) and swaps
it in one assignment, so a request reads either the old policy or the new one, never a mix.
:class:`PolicyWatcher` reloads when a file under the policy directory changes; a bad edit keeps
the last good policy running and tells the admins what is wrong, naming file, line and key.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from watchfiles import Change, awatch

from bot.errors import PolicyError
from bot.observability.metrics import Metrics
from bot.policy.layers import Example
from bot.policy.model import Decision, Policy
from bot.policy.people_check import with_slack_ids

log = logging.getLogger(__name__)

_POLICY_SUFFIXES = (".yaml", ".yml")
_REWATCH_DELAY_S = 5.0


class DecisionEngine(Protocol):
    def decide(self, text: str) -> Decision: ...

    def closest(self, text: str, k: int = 3) -> tuple[Example, ...]: ...


class AdminNotifier(Protocol):
    async def notify_admins(self, *, message: str) -> None:
        """Tell the bot's admins something they must act on (a bad policy edit)."""


@dataclass(frozen=True)
class PolicySnapshot:
    policy: Policy
    engine: DecisionEngine

    @property
    def revision(self) -> str:
        return self.policy.revision


@dataclass(frozen=True)
class ReloadOutcome:
    revision: str  # the revision running after the attempt
    previous_revision: str
    error: PolicyError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def changed(self) -> bool:
        return self.revision != self.previous_revision


PolicyLoader = Callable[[Path], Policy]
EngineFactory = Callable[[Policy], DecisionEngine]


def _build(directory: Path, load: PolicyLoader, make_engine: EngineFactory) -> PolicySnapshot:
    policy = load(directory)
    return PolicySnapshot(policy=policy, engine=make_engine(policy))


class PolicyHolder:
    """The current policy and engine; everything that decides reads :meth:`current` once."""

    def __init__(
        self,
        directory: Path,
        *,
        load: PolicyLoader,
        make_engine: EngineFactory,
        metrics: Metrics,
    ) -> None:
        self.directory = directory
        self._slack_ids: dict[str, str] = {}  # email -> Slack id, resolved at start-up
        self._load = self._with_ids(load)
        self._make_engine = make_engine
        self._metrics = metrics
        self._lock = asyncio.Lock()
        # Start-up has no last good policy to fall back on: a PolicyError here stops serve.
        self._snapshot = _build(directory, load, make_engine)
        self.last_reload: ReloadOutcome | None = None  # what the latest reload made of the files
        metrics.set_policy_revision(self._snapshot.revision)

    def current(self) -> PolicySnapshot:
        return self._snapshot

    def _with_ids(self, load: PolicyLoader) -> PolicyLoader:
        def loaded(directory: Path) -> Policy:
            return with_slack_ids(load(directory), self._slack_ids)

        return loaded

    def resolve_slack_ids(self, ids: dict[str, str]) -> None:
        """People given by email get these Slack ids (email -> id), now and at every reload."""
        self._slack_ids = {email.lower(): uid for email, uid in ids.items()}
        snapshot = self._snapshot
        self._snapshot = PolicySnapshot(
            policy=with_slack_ids(snapshot.policy, self._slack_ids), engine=snapshot.engine
        )

    @property
    def policy(self) -> Policy:
        return self._snapshot.policy

    @property
    def engine(self) -> DecisionEngine:
        return self._snapshot.engine

    async def reload(self) -> ReloadOutcome:
        """Load the directory again; swap only if it loads. Loading runs off the event loop.

        Any failure keeps the last good policy: a PolicyError names file, line and key; anything
        else (a RecursionError, MemoryError, a ValueError from numpy while building the engine)
        is a bug to fix, logged with its traceback and reported as a PolicyError on the directory.
        """
        async with self._lock:
            previous = self._snapshot.revision
            try:
                fresh = await asyncio.to_thread(
                    _build, self.directory, self._load, self._make_engine
                )
            except Exception as e:  # a bad edit must never stop the bot
                error = e if isinstance(e, PolicyError) else _unforeseen(e, self.directory)
                self._metrics.reloads.labels(result="error").inc()
                log.error("policy reload failed, keeping revision %s: %s", previous, error)
                self.last_reload = ReloadOutcome(
                    revision=previous, previous_revision=previous, error=error
                )
                return self.last_reload
            self._snapshot = fresh
            self._metrics.reloads.labels(result="ok").inc()
            self._metrics.set_policy_revision(fresh.revision)
            if fresh.revision != previous:
                log.info("policy reloaded: revision %s -> %s", previous, fresh.revision)
            self.last_reload = ReloadOutcome(revision=fresh.revision, previous_revision=previous)
            return self.last_reload


def _unforeseen(error: Exception, directory: Path) -> PolicyError:
    log.error("policy reload failed unexpectedly", exc_info=error)
    problem = _clipped(repr(error), 300)
    message = f"should-ai could not use it: {problem} (the log has the details)"
    wrapped = PolicyError(message, file=str(directory))
    # The cause without its traceback: its frames may hold whatever exhausted the memory.
    wrapped.__cause__ = error.with_traceback(None)
    return wrapped


def _clipped(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# A chat message an admin can read (Slack advises under 4,000 characters); an error quoting a
# huge key or value is cut, `should-ai policy validate` prints it whole.
_NOTICE_ERROR_CHARS = 2000


def bad_edit_message(outcome: ReloadOutcome, directory: Path) -> str:
    """What the admins are told when an edit does not load."""
    err = outcome.error
    assert err is not None
    where = err.file if err.line is None else f"{err.file}, line {err.line}"
    key = f", key {_clipped(err.key, 200)}" if err.key else ""
    problem = _clipped(str(err), _NOTICE_ERROR_CHARS)
    return (
        f"should-ai: the policy edit in {directory} does not load ({where}{key}): {problem}\n"
        f"The last good policy (revision {outcome.revision}) is still running. "
        "Fix the file and save it again; `should-ai policy validate` shows the same error."
    )


def _is_policy_file(change: Change, path: str) -> bool:
    name = Path(path).name
    return name.endswith(_POLICY_SUFFIXES) and not name.startswith((".", "#", "~"))


class PolicyWatcher:
    """Reloads the holder when a YAML file under its directory changes."""

    def __init__(
        self, holder: PolicyHolder, *, admins: AdminNotifier, debounce_ms: int = 300
    ) -> None:
        self._holder = holder
        self._admins = admins
        self._debounce_ms = debounce_ms

    async def run(self, stop: asyncio.Event) -> None:
        """Watch until ``stop`` is set. A directory that vanishes (a volume re-mounted) is
        watched again once it is back; the last good policy keeps running meanwhile."""
        while not stop.is_set():
            try:
                await self._watch(stop)
            except OSError as e:  # watchfiles raises FileNotFoundError for a missing directory
                log.error(
                    "cannot watch policy directory %s (%s); retrying in %.0fs",
                    self._holder.directory,
                    e,
                    _REWATCH_DELAY_S,
                )
            except Exception:  # the watcher must outlive any bug: serve stops if it dies
                log.exception(
                    "the policy watcher failed; watching again in %.0fs", _REWATCH_DELAY_S
                )
            else:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), _REWATCH_DELAY_S)

    async def _watch(self, stop: asyncio.Event) -> None:
        changes = awatch(
            self._holder.directory,
            watch_filter=_is_policy_file,
            debounce=self._debounce_ms,
            step=50,
            stop_event=stop,
        )
        async for _ in changes:
            await self.apply()

    async def apply(self) -> ReloadOutcome:
        """Reload now; on a bad edit, tell the admins (a failed notice is logged, not raised)."""
        outcome = await self._holder.reload()
        if outcome.error is not None:
            message = bad_edit_message(outcome, self._holder.directory)
            try:
                await self._admins.notify_admins(message=message)
            except Exception:
                log.exception("could not tell the admins about the bad policy edit")
        return outcome
