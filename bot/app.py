"""The composition root: builds every part of should-ai from :class:`Settings` and serves.

Nothing else in the project builds a Redis client, a policy holder or an escalation service,
and nothing else knows every adapter: chat adapters receive the :class:`~bot.core.Core` facade
and register their ports with it; this module only maps the enabled ones to their ``build``.
``should-ai serve``
runs every chat adapter that has credentials, the job worker, the policy watcher and an HTTP
server with ``/healthz`` and ``/metrics``. With no chat tokens it runs on the console: pings
and admin notices are printed, and requests typed on a terminal are answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

import handlers.console as console_adapter
import handlers.discord as discord_adapter
import handlers.slack as slack_adapter
from bot.ai.service import AiWork
from bot.commands import Commands
from bot.core import AdapterPlugin, AdminNotices, AfterDecision, ChatAdapter, Core, Presses
from bot.decision_log import DecisionLog, TransitionRecorder
from bot.dedupe import Deduper
from bot.escalations.permissions import Admins
from bot.escalations.service import EscalationService
from bot.failopen import STORE_ERRORS
from bot.intake import Intake
from bot.jobs import Jobs
from bot.metrics import Metrics
from bot.policy.engine import PolicyEngine
from bot.policy.loader import load_policy
from bot.policy.model import Policy
from bot.ratelimit import RateLimiter
from bot.reload import DecisionEngine, PolicyHolder, PolicyWatcher
from bot.settings import Settings
from bot.store.connection import open_redis
from bot.store.errors import StoreUnavailable
from handlers.console import ConsoleAdapter, ConsoleNotifier

log = logging.getLogger(__name__)

_STOP_TIMEOUT_S = 10.0


@dataclass
class Services:
    """Everything the composition root built, once, by :func:`build_services`: the
    :class:`~bot.core.Core` the adapters are given, and what only the root, the HTTP server,
    the CLI and the supervisor touch."""

    settings: Settings
    redis: aioredis.Redis
    redis_url: str
    metrics: Metrics
    holder: PolicyHolder
    watcher: PolicyWatcher
    jobs: Jobs
    escalations: EscalationService
    decision_log: DecisionLog
    intake: Intake
    deduper: Deduper
    commands: Commands
    ai: AiWork
    admins: AdminNotices  # admin notices, to every adapter that can reach the admins
    core: Core
    console_adapter: ConsoleAdapter
    adapters: list[ChatAdapter] = field(default_factory=list)

    @property
    def console(self) -> ConsoleNotifier:
        """Where the console prints pings, status changes, admin notices and drafts."""
        return self.console_adapter.notifier

    @property
    def policy(self) -> Policy:
        return self.holder.policy

    def engine(self) -> DecisionEngine:
        return self.holder.engine


def _make_holder(settings: Settings, metrics: Metrics) -> PolicyHolder:
    return PolicyHolder(
        settings.policy_dir, load=load_policy, make_engine=PolicyEngine, metrics=metrics
    )


def _make_intake(
    settings: Settings,
    redis: aioredis.Redis,
    metrics: Metrics,
    holder: PolicyHolder,
    decision_log: DecisionLog,
    escalations: EscalationService,
    deduper: Deduper,
    ai: AiWork,
) -> Intake:
    return Intake(
        holder=holder,
        deduper=deduper,
        limiter=RateLimiter(
            redis,
            limit=settings.rate_limit_requests,
            window_s=settings.rate_limit_window_s,
            metrics=metrics,
            timeout_s=settings.redis_timeout_s,
        ),
        decision_log=decision_log,
        escalations=escalations,
        metrics=metrics,
        max_chars=settings.max_request_chars,
        judge=ai.judge_unsure,
    )


def _make_decision_log(settings: Settings, redis: aioredis.Redis, metrics: Metrics) -> DecisionLog:
    return DecisionLog(
        redis,
        metrics=metrics,
        full_text=settings.log_full_text,
        max_text_chars=settings.log_text_max_chars,
        max_entries=settings.log_max_entries,
        timeout_s=settings.redis_timeout_s,
    )


@contextlib.asynccontextmanager
async def build_services(
    settings: Settings, *, console: ConsoleNotifier | None = None
) -> AsyncIterator[Services]:
    """Open Redis and build every service; close what was opened on exit.

    Raises :class:`bot.errors.PolicyError` if the policy does not load at start-up (there is no
    last good policy to keep yet).
    """
    metrics = Metrics()
    holder = _make_holder(settings, metrics)
    async with open_redis(settings) as (redis, url):
        jobs = Jobs(url)
        services = _assemble(settings, redis, url, metrics, holder, jobs, console)
        try:
            yield services
        finally:
            await services.intake.aclose()
            await services.ai.aclose()
            await jobs.aclose()


def _assemble(
    settings: Settings,
    redis: aioredis.Redis,
    url: str,
    metrics: Metrics,
    holder: PolicyHolder,
    jobs: Jobs,
    console: ConsoleNotifier | None,
) -> Services:
    admin_ids = Admins.parse(settings.admins)
    notices = AdminNotices()
    decision_log = _make_decision_log(settings, redis, metrics)
    transitions = TransitionRecorder(decision_log, metrics)
    # Built before the job worker starts: both register their job functions on `jobs`.
    escalations = _make_escalations(redis, jobs, holder, transitions, admin_ids)
    ai = AiWork.from_settings(
        settings=settings,
        redis=redis,
        jobs=jobs,
        policy=lambda: holder.policy,
        audit=decision_log,
    )
    deduper = Deduper(
        redis, ttl_s=settings.dedupe_ttl_s, metrics=metrics, timeout_s=settings.redis_timeout_s
    )
    intake = _make_intake(settings, redis, metrics, holder, decision_log, escalations, deduper, ai)
    watcher = PolicyWatcher(holder, admins=notices)
    commands = Commands(
        intake=intake,
        holder=holder,
        escalations=escalations,
        reload=watcher.apply,
        admins=admin_ids,
        scheduled=lambda actor: ai.list_scheduled(actor=actor),
    )
    core = Core(
        policy=lambda: holder.policy,
        admins=admin_ids,
        commands=commands,
        escalations=escalations,
        ai=ai,
        after_decision=AfterDecision(intake=intake, ai=ai),
        presses=Presses(escalations=escalations, ai=ai, deduper=deduper),
        notices=notices,
    )
    return Services(
        settings=settings,
        redis=redis,
        redis_url=url,
        metrics=metrics,
        holder=holder,
        watcher=watcher,
        jobs=jobs,
        escalations=escalations,
        decision_log=decision_log,
        intake=intake,
        deduper=deduper,
        commands=commands,
        ai=ai,
        admins=notices,
        core=core,
        # The console is always on: pings of what is typed there, and admin notices, print.
        console_adapter=console_adapter.build(settings, core, notifier=console),
    )


def _make_escalations(
    redis: aioredis.Redis,
    jobs: Jobs,
    holder: PolicyHolder,
    transitions: TransitionRecorder,
    admins: Admins,
) -> EscalationService:
    """Every move it makes reaches the decision log (in the move's MULTI) and /metrics."""
    return EscalationService(
        redis=redis,
        jobs=jobs,
        policy=lambda: holder.policy,
        admin_ids=admins,  # the console user is one of them: it owns the process
        transitions=transitions,
    )


# --- HTTP: /healthz and /metrics --------------------------------------------------------------

SERVICES_KEY = web.AppKey("services", Services)
_SCRAPE_ERRORS: tuple[type[BaseException], ...] = (StoreUnavailable, *STORE_ERRORS)


async def _redis_ok(services: Services) -> str | None:
    """None if Redis answers PING in time, else what went wrong."""
    try:
        async with asyncio.timeout(services.settings.redis_timeout_s):
            await services.redis.ping()
    except STORE_ERRORS as e:
        return f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
    return None


async def _healthz(request: web.Request) -> web.Response:
    services: Services = request.app[SERVICES_KEY]
    problem = await _redis_ok(services)
    body: dict[str, Any] = {
        "status": "ok" if problem is None else "unavailable",
        "redis": "ok" if problem is None else problem,
        "policy_revision": services.holder.current().revision,
        "adapters": [a.platform for a in services.adapters] or ["console"],
        "escalations_waiting_for_redis": services.intake.pending_escalations,
    }
    return web.json_response(body, status=200 if problem is None else 503)


async def _refresh_escalation_gauge(services: Services) -> None:
    try:
        async with asyncio.timeout(services.settings.redis_timeout_s):
            open_now = await services.escalations.list_open()
    except _SCRAPE_ERRORS as e:
        services.metrics.store_errors.labels(component="metrics").inc()
        log.warning("escalation gauge not refreshed, redis unavailable: %r", e)
        return
    services.metrics.escalations.clear()
    for state in ("open", "acknowledged", "reassigned", "expired"):  # all but resolved
        count = sum(1 for e in open_now if e.state == state)
        services.metrics.escalations.labels(state=state).set(count)


async def _refresh_jobs_gauge(services: Services) -> None:
    try:
        async with asyncio.timeout(services.settings.redis_timeout_s):
            services.metrics.jobs_queued.set(await services.jobs.pending_count())
    except _SCRAPE_ERRORS as e:
        services.metrics.store_errors.labels(component="metrics").inc()
        log.warning("job queue gauge not refreshed, redis unavailable: %r", e)


async def _metrics(request: web.Request) -> web.Response:
    services: Services = request.app[SERVICES_KEY]
    await _refresh_escalation_gauge(services)
    await _refresh_jobs_gauge(services)
    return web.Response(
        body=services.metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST}
    )


def make_web_app(services: Services) -> web.Application:
    app = web.Application()
    app[SERVICES_KEY] = services
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/metrics", _metrics)
    return app


# --- adapters --------------------------------------------------------------------------------


# Every chat platform should-ai has an adapter for; each says whether settings turn it on.
CHAT_PLATFORMS: tuple[AdapterPlugin, ...] = (slack_adapter, discord_adapter)


def build_adapters(services: Services) -> list[ChatAdapter]:
    """One adapter per platform whose credentials are set; none is fine (console mode).
    Building an adapter registers its ports with the core."""
    for platform in CHAT_PLATFORMS:
        if platform.enabled(services.settings):
            services.adapters.append(platform.build(services.settings, services.core))
    return services.adapters


# --- serve -----------------------------------------------------------------------------------


async def start_http(services: Services, *, port: int, host: str = "0.0.0.0") -> web.AppRunner:
    app = make_web_app(services)
    for adapter in services.adapters:
        adapter.mount(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


def bound_port(runner: web.AppRunner) -> int:
    """The TCP port the runner listens on (useful with port 0)."""
    for addr in runner.addresses:
        if isinstance(addr, tuple):
            return int(addr[1])
    raise RuntimeError("the HTTP server is not listening on TCP")


async def serve(settings: Settings, *, interactive: bool | None = None) -> int:
    """Run until SIGINT/SIGTERM; return the process exit code."""
    stop = asyncio.Event()
    _on_signals(stop)
    async with build_services(settings) as services:
        build_adapters(services)
        runner = await start_http(services, port=settings.http_port)
        log.info(
            "should-ai serving: policy revision %s, HTTP on :%d (/healthz, /metrics), %s",
            services.holder.current().revision,
            bound_port(runner),
            _adapter_summary(services),
        )
        try:
            return await _run_until_stopped(services, stop, interactive)
        finally:
            await runner.cleanup()


def _adapter_summary(services: Services) -> str:
    if services.adapters:
        return "adapters: " + ", ".join(a.platform for a in services.adapters)
    hints = " or ".join(platform.SETUP_HINT for platform in CHAT_PLATFORMS)
    return f"no chat adapter configured (set {hints}): pings are printed here"


def _on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


async def _run_until_stopped(
    services: Services, stop: asyncio.Event, interactive: bool | None
) -> int:
    tasks = {
        asyncio.create_task(services.jobs.run_worker(), name="job worker"),
        asyncio.create_task(services.watcher.run(stop), name="policy watcher"),
    }
    tasks |= {
        asyncio.create_task(a.start(), name=f"{a.platform} adapter") for a in services.adapters
    }
    console = services.console_adapter
    if not services.adapters and (console.interactive() if interactive is None else interactive):
        tasks.add(asyncio.create_task(console.run(stop), name="console"))
    try:
        return await _supervise(tasks, stop)
    finally:
        await _shutdown(services, tasks)


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


async def _shutdown(services: Services, tasks: set[asyncio.Task[Any]]) -> None:
    for adapter in services.adapters:
        try:
            await adapter.stop()
        except Exception:
            log.exception("%s adapter did not stop cleanly", adapter.platform)
    try:
        async with asyncio.timeout(_STOP_TIMEOUT_S):  # let running jobs finish, within reason
            await services.jobs.stop()
    except TimeoutError:
        log.warning("job worker still busy after %ss; cancelling it", _STOP_TIMEOUT_S)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    log.info("should-ai stopped")


def health_probe(settings: Settings, *, url: str | None = None, timeout_s: float = 3.0) -> int:
    """GET /healthz of a running serve; 0 if healthy, 1 otherwise (Docker HEALTHCHECK)."""
    import urllib.error
    import urllib.request

    target = url or f"http://127.0.0.1:{settings.http_port}/healthz"
    try:
        with urllib.request.urlopen(target, timeout=timeout_s) as resp:
            body = json.loads(resp.read() or b"{}")
            print(json.dumps(body))
            return 0 if resp.status == 200 else 1
    except urllib.error.HTTPError as e:
        print(e.read().decode(errors="replace") or f"HTTP {e.code}")
        return 1
    except (urllib.error.URLError, OSError, ValueError) as e:
        print(f"should-ai is not answering on {target}: {e}")
        return 1
