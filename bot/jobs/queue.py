"""The Redis job queue (arq): register job functions, enqueue jobs, run the worker in-process.

Every replica runs one worker in the same asyncio loop as its chat adapters. arq takes a job
out of one shared sorted set with a WATCHed in-progress key, so a job runs on one replica only;
a job whose time came while every replica was down is still in the set and runs at the next
start.

:class:`Jobs` implements the escalation domain's :class:`bot.escalations.ports.JobQueue`; a job
function that raises the port's :class:`~bot.escalations.ports.RetryLater` is run again, as arq's
own ``Retry`` asks.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
import warnings
from datetime import UTC, datetime
from typing import Any, cast

from arq.connections import ArqRedis
from arq.constants import job_key_prefix, result_key_prefix
from arq.cron import CronJob, cron
from arq.jobs import serialize_job
from arq.typing import WorkerCoroutine
from arq.worker import Function, Retry, Worker, func
from redis.asyncio.client import Pipeline
from redis.exceptions import RedisError

from bot.errors import StoreUnavailable
from bot.escalations.ports import JobFunction, RetryLater, StartupHook
from bot.jobs import serialize
from bot.store import keys
from bot.store.connection import connect
from bot.store.retry import backoff_delays

log = logging.getLogger(__name__)

# A job whose time passed more than this long ago without any replica running is dropped by arq.
_JOB_EXPIRES_EXTRA_MS = 7 * 24 * 3600 * 1000


class Jobs:
    """Job registry, enqueuer and in-process worker for one Redis."""

    def __init__(
        self,
        redis_url: str,
        *,
        queue_name: str = keys.JOB_QUEUE,
        poll_delay: float = 0.5,
        max_jobs: int = 50,
    ) -> None:
        self._url = redis_url
        self._queue_name = queue_name
        self._poll_delay = poll_delay
        self._max_jobs = max_jobs
        self._functions: dict[str, Function] = {}
        self._periodic: list[CronJob] = []
        self._startup_hooks: list[StartupHook] = []
        self._pool = self._new_pool()
        self._worker: Worker | None = None
        self._running = False
        self._stop_requested = asyncio.Event()
        self._stopped = asyncio.Event()

    def _new_pool(self) -> ArqRedis:
        # decode_responses off: arq reads its job payloads as bytes.
        pool = cast(ArqRedis, connect(self._url, decode_responses=False, redis_class=ArqRedis))
        pool.job_serializer = serialize.dumps
        pool.job_deserializer = serialize.loads
        pool.default_queue_name = self._queue_name
        pool.expires_extra_ms = _JOB_EXPIRES_EXTRA_MS
        return pool

    def register(
        self,
        name: str,
        fn: JobFunction,
        *,
        timeout_s: float | None = None,
        max_tries: int | None = None,
    ) -> None:
        """Make ``fn`` runnable as job ``name``; call before :meth:`run_worker`."""
        if name in self._functions:
            raise ValueError(f"job function {name!r} is already registered")
        self._functions[name] = func(
            cast(WorkerCoroutine, _retrying(fn)), name=name, timeout=timeout_s, max_tries=max_tries
        )

    def register_periodic(
        self,
        name: str,
        fn: JobFunction,
        *,
        minute: set[int] | None = None,
        second: int | None = 0,
        timeout_s: float | None = None,
    ) -> None:
        """Run ``fn(ctx)`` on one replica at each matching time (arq cron; None = every).

        The default runs it every minute. ``fn`` must be idempotent: arq may, rarely, run a
        periodic job twice.
        """
        if name in self._functions or any(c.name == name for c in self._periodic):
            raise ValueError(f"job function {name!r} is already registered")
        coroutine = cast(WorkerCoroutine, fn)
        self._periodic.append(
            cron(coroutine, name=name, minute=minute, second=second, timeout=timeout_s)
        )

    def on_startup(self, hook: StartupHook) -> None:
        """Run ``hook`` each time the worker starts (again, after a Redis outage)."""
        self._startup_hooks.append(hook)

    async def enqueue(
        self,
        name: str,
        /,
        *,
        job_id: str | None = None,
        defer_until: float | None = None,
        defer_by: float | None = None,
        **kwargs: Any,
    ) -> bool:
        """Queue job ``name`` with JSON-able ``kwargs``; False if job ``job_id`` is already queued.

        ``defer_until`` is a Unix time in seconds, ``defer_by`` a delay in seconds. The job
        function's own arguments therefore cannot be called job_id, defer_until or defer_by.
        """
        until = datetime.fromtimestamp(defer_until, tz=UTC) if defer_until is not None else None
        try:
            job = await self._pool.enqueue_job(
                name, _job_id=job_id, _defer_until=until, _defer_by=defer_by, **kwargs
            )
        except (RedisError, OSError) as e:
            raise StoreUnavailable(f"could not queue job {name!r}: {e}") from e
        if job is not None:
            return True
        # arq answers None for "already queued", and also when the connection dropped between
        # its WATCH and EXEC (redis-py raises WatchError then): only Redis can tell which.
        if job_id is None or not await self._known(job_id):
            raise StoreUnavailable(f"could not queue job {name!r}: the connection dropped")
        return False

    async def _known(self, job_id: str) -> bool:
        try:
            return bool(
                await self._pool.exists(job_key_prefix + job_id, result_key_prefix + job_id)
            )
        except (RedisError, OSError) as e:
            raise StoreUnavailable(f"could not check job {job_id!r}: {e}") from e

    def add_to(
        self, pipe: Pipeline, name: str, *, job_id: str, defer_until: float, **kwargs: Any
    ) -> None:
        """Queue job ``name`` as part of the caller's MULTI ``pipe``, atomically with its writes.

        Unlike :meth:`enqueue` this replaces a queued job with the same id (same payload, by
        construction of the caller's ids). It writes arq's own job record format.
        """
        now_ms = round(time.time() * 1000)
        score = round(defer_until * 1000)
        payload = serialize_job(name, (), kwargs, None, now_ms, serializer=serialize.dumps)
        expires_ms = max(score - now_ms, 0) + _JOB_EXPIRES_EXTRA_MS
        pipe.psetex(job_key_prefix + job_id, expires_ms, payload)
        pipe.zadd(self._queue_name, {job_id: score})

    @property
    def running(self) -> bool:
        """True while :meth:`run_worker` runs (also while it waits out a Redis outage)."""
        return self._running

    async def queued(self, job_ids: list[str]) -> set[str]:
        """Which of ``job_ids`` are queued (not yet run), in one round trip."""
        try:
            async with self._pool.pipeline(transaction=False) as pipe:
                for job_id in job_ids:
                    pipe.exists(job_key_prefix + job_id)
                found = await pipe.execute()
        except (RedisError, OSError) as e:
            raise StoreUnavailable(f"could not look up queued jobs: {e}") from e
        return {job_id for job_id, n in zip(job_ids, found, strict=True) if n}

    async def pending_count(self) -> int:
        """Jobs in the queue, due or deferred (for /metrics and the bench)."""
        try:
            return int(await self._pool.zcard(self._queue_name))
        except (RedisError, OSError) as e:
            raise StoreUnavailable(f"could not count queued jobs: {e}") from e

    async def run_worker(self) -> None:
        """Run jobs in this event loop until :meth:`stop` or cancellation.

        A Redis outage stops arq's worker; it is rebuilt with backoff until Redis answers again.
        """
        self._running = True
        self._stop_requested.clear()
        self._stopped.clear()
        delay = backoff_delays(0.2, 10.0)
        failures = 0
        try:
            while not self._stop_requested.is_set():
                failures = await self._run_once(failures)
                if failures:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stop_requested.wait(), delay(failures))
        finally:
            self._running = False
            self._stopped.set()

    async def _run_once(self, failures: int) -> int:
        """Run one arq worker to its end; return the updated count of consecutive failures."""
        worker = self._worker = self._new_worker()
        try:
            await worker.async_run()
            return 0
        except asyncio.CancelledError:
            if self._stop_requested.is_set():
                return 0
            raise
        except (RedisError, OSError, StoreUnavailable) as e:
            log.warning("job worker lost Redis (%s); restarting it", e)
            return failures + 1
        finally:
            self._worker = None
            await _close_quietly(worker)

    def _new_worker(self) -> Worker:
        if not self._functions and not self._periodic:
            raise RuntimeError("no job function registered")
        return Worker(
            list(self._functions.values()),
            cron_jobs=self._periodic,
            queue_name=self._queue_name,
            redis_pool=self._new_pool(),  # the worker closes its pool when it stops
            handle_signals=False,
            poll_delay=self._poll_delay,
            max_jobs=self._max_jobs,
            keep_result=0,
            job_serializer=serialize.dumps,
            job_deserializer=serialize.loads,
            expires_extra_ms=_JOB_EXPIRES_EXTRA_MS,
            on_startup=self._run_startup_hooks,
            log_results=False,
        )

    async def _run_startup_hooks(self, ctx: dict[Any, Any]) -> None:
        for hook in self._startup_hooks:
            try:
                await hook()
            except StoreUnavailable:
                raise  # an outage: the worker is rebuilt once Redis is back
            except Exception:
                # A bug in one hook must not keep every job of every role from running.
                log.exception("job worker start-up hook %s failed", hook)

    async def stop(self) -> None:
        """Stop the worker started by :meth:`run_worker` and wait until it has stopped."""
        if not self._running:
            return
        self._stop_requested.set()
        # arq creates the worker's main task a moment after run_worker starts it: until then
        # there is nothing to cancel, so keep cancelling whatever runs until it has stopped.
        while not self._stopped.is_set():
            worker = self._worker
            if worker is not None and worker.main_task is not None:
                worker.main_task.cancel()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), 0.1)

    async def aclose(self) -> None:
        await self._pool.aclose()


def _retrying(fn: JobFunction) -> JobFunction:
    """``fn``, with the domain's RetryLater turned into arq's Retry (which arq acts on)."""

    @functools.wraps(fn)
    async def run(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return await fn(ctx, *args, **kwargs)
        except RetryLater as e:
            raise Retry(defer=e.defer_s) from e

    return run


async def _close_quietly(worker: Worker) -> None:
    # Closing talks to Redis (deletes the health key); during an outage that fails, harmlessly.
    with (
        contextlib.suppress(RedisError, OSError, asyncio.CancelledError),
        warnings.catch_warnings(),
    ):
        # arq 0.26-0.28 closes its pool with redis-py's deprecated close(); not ours to fix.
        warnings.simplefilter("ignore", DeprecationWarning)
        await worker.close()
