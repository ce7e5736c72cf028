"""Supervision of ``should-ai serve``: run the long-lived tasks (the job worker, the policy
watcher, each adapter, the console) until SIGINT/SIGTERM, stop everything if a core task dies
(a chat adapter is started, and restarted with backoff when it fails, by
:class:`SupervisedAdapter`, so one platform's outage leaves the others and ``/healthz`` up),
and shut down in order: intake stops taking requests (they are answered "restarting, try
again"), the adapters stop, what is in flight is decided, answered and escalated (within a
deadline; anything left is in the escalation spool for the next start), then the job worker
stops (running jobs may finish)."""

from __future__ import annotations

import asyncio
import logging
import random
import signal
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core import ChatAdapter
from bot.intake import Intake
from bot.jobs import Jobs

log = logging.getLogger(__name__)

_STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Backoff:
    """How long to wait before restarting a failed adapter: ``first_s``, doubling up to
    ``max_s``; each wait is jittered down to half so replicas do not retry in step."""

    first_s: float = 1.0
    max_s: float = 60.0

    def after(self, delay_s: float) -> float:
        """The base delay after a failure that waited ``delay_s`` this time."""
        return min(delay_s * 2, self.max_s)

    @staticmethod
    def jittered(delay_s: float, rng: Callable[[], float]) -> float:
        return delay_s * (0.5 + rng() / 2)


@dataclass
class AdapterStatus:
    """Whether an adapter is up (its start returned, or is holding its connection) or down
    (``error`` says why: the last failure, or "starting"; ``retry_at``, wall clock, says when
    the next start is tried)."""

    up: bool = False
    error: str | None = "starting"
    retry_at: float | None = None

    def set(self, *, up: bool, error: str | None, retry_at: float | None = None) -> None:
        """Change in place: ``/healthz`` holds this object."""
        self.up, self.error, self.retry_at = up, error, retry_at


class SupervisedAdapter:
    """Runs one chat adapter's :meth:`~bot.core.ChatAdapter.start` until ``stop``: a failure
    is logged, recorded in :attr:`status` and retried after a jittered, doubling backoff; it
    never stops the process (Slack keeps working while Discord is unreachable)."""

    def __init__(
        self,
        adapter: ChatAdapter,
        *,
        backoff: Backoff | None = None,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.adapter = adapter
        self.backoff = backoff or Backoff()
        self.status = AdapterStatus()
        self._rng = rng

    async def run(self, stop: asyncio.Event) -> None:
        """Start the adapter, again after each failure, until ``stop`` is set or it returns."""
        delay = self.backoff.first_s
        while not stop.is_set():
            started = time.monotonic()
            if await self._attempt():
                return  # started and stopped on its own (Slack returns at once: still up)
            if time.monotonic() - started > self.backoff.max_s:
                delay = self.backoff.first_s  # it ran a long while: a fresh failure, not a streak
            await self._wait(self.backoff.jittered(delay, self._rng), stop)
            delay = self.backoff.after(delay)

    async def _attempt(self) -> bool:
        """One start; up once it returns or has held ``first_s`` without failing (a connection
        being kept), so a login refused at once never shows as up."""
        start = asyncio.create_task(self.adapter.start(), name=f"{self.adapter.platform} start")
        try:
            done, _ = await asyncio.wait({start}, timeout=self.backoff.first_s)
            if not done:
                self._up()
            await start
        except asyncio.CancelledError:
            start.cancel()
            raise
        except Exception as e:  # any failure of one platform is that platform's, not ours
            self.status.set(up=False, error=_describe(e))
            return False
        self._up()
        return True

    def _up(self) -> None:
        if not self.status.up and self.status.retry_at is not None:  # it had failed
            log.info("%s adapter is up again", self.adapter.platform)
        self.status.set(up=True, error=None)

    async def _wait(self, wait_s: float, stop: asyncio.Event) -> None:
        self.status.retry_at = time.time() + wait_s
        log.warning(
            "%s adapter is down (%s); retrying in %.1f s",
            self.adapter.platform,
            self.status.error,
            wait_s,
        )
        try:
            async with asyncio.timeout(wait_s):
                await stop.wait()
        except TimeoutError:
            pass


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def on_signals(stop: asyncio.Event) -> None:
    """SIGINT and SIGTERM set ``stop``."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


async def run_until_stopped(
    tasks: set[asyncio.Task[Any]],
    stop: asyncio.Event,
    *,
    adapters: Sequence[ChatAdapter],
    jobs: Jobs,
    intake: Intake | None = None,
) -> int:
    """Supervise ``tasks`` until ``stop``; then shut down. Returns the process exit code."""
    try:
        return await _supervise(tasks, stop)
    finally:
        stop.set()  # supervised adapters must not restart while the process shuts down
        if intake is not None:
            intake.stop_intake()
        await _shutdown(tasks, adapters=adapters, jobs=jobs, intake=intake)


async def _supervise(tasks: set[asyncio.Task[Any]], stop: asyncio.Event) -> int:
    """Wait for the stop signal; a task that dies with an error stops everything (exit 1).
    Adapter tasks (:class:`SupervisedAdapter`) do not die: they retry."""
    stopper = asyncio.create_task(stop.wait(), name="stop signal")
    pending: set[asyncio.Task[Any]] = set(tasks)
    try:
        while True:
            done, pending = await asyncio.wait(
                pending | {stopper}, return_when=asyncio.FIRST_COMPLETED
            )
            if stopper in done:
                log.info("stopping on signal")
                return 0
            if failed := _failures(done):
                log.error("%s failed, stopping: %r", failed[0].get_name(), failed[0].exception())
                return 1
            pending.discard(stopper)
    finally:
        stopper.cancel()


def _failures(done: Iterable[asyncio.Task[Any]]) -> list[asyncio.Task[Any]]:
    return [t for t in done if not t.cancelled() and t.exception() is not None]


async def _shutdown(
    tasks: set[asyncio.Task[Any]],
    *,
    adapters: Sequence[ChatAdapter],
    jobs: Jobs,
    intake: Intake | None,
) -> None:
    for adapter in adapters:
        try:
            await adapter.stop()
        except Exception:
            log.exception("%s adapter did not stop cleanly", adapter.platform)
    if intake is not None:  # requests already answered "a person must own this" get escalated
        await intake.settle(timeout_s=_STOP_TIMEOUT_S)
    try:
        async with asyncio.timeout(_STOP_TIMEOUT_S):  # let running jobs finish, within reason
            await jobs.stop()
    except TimeoutError:
        log.warning("job worker still busy after %ss; cancelling it", _STOP_TIMEOUT_S)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    log.info("should-ai stopped")
