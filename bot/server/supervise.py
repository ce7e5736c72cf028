"""Supervision of ``should-ai serve``: run the long-lived tasks (the job worker, the policy
watcher, each adapter, the console) until SIGINT/SIGTERM, stop everything if one of them dies,
and shut down in order: intake stops taking requests (they are answered "restarting, try
again"), the adapters stop, what is in flight is decided, answered and escalated (within a
deadline; anything left is in the escalation spool for the next start), then the job worker
stops (running jobs may finish)."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Iterable, Sequence
from typing import Any

from bot.core import ChatAdapter
from bot.intake import Intake
from bot.jobs import Jobs

log = logging.getLogger(__name__)

_STOP_TIMEOUT_S = 10.0


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
        if intake is not None:
            intake.stop_intake()
        await _shutdown(tasks, adapters=adapters, jobs=jobs, intake=intake)


async def _supervise(tasks: set[asyncio.Task[Any]], stop: asyncio.Event) -> int:
    """Wait for the stop signal; a task that dies with an error stops everything (exit 1)."""
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
