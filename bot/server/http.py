"""The bot's HTTP server: ``/healthz`` (Redis, the policy revision, which adapters are up),
``/metrics`` (Prometheus), and the routes adapters mount on it (Slack's ``/slack/events`` in
HTTP mode); and :func:`health_probe`, the client side Docker's HEALTHCHECK runs."""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import redis.asyncio as aioredis
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.core import ChatAdapter
from bot.errors import ShouldAiError
from bot.escalations.model import Escalation
from bot.intake import Intake
from bot.jobs import Jobs
from bot.observability.decision_log import DecisionLog
from bot.observability.failopen import STORE_ERRORS
from bot.observability.metrics import Metrics
from bot.reload import PolicyHolder
from bot.server.supervise import AdapterStatus
from bot.settings import Settings
from bot.store.errors import StoreUnavailable

log = logging.getLogger(__name__)


class OpenEscalations(Protocol):
    async def list_open(self) -> Sequence[Escalation]: ...


class Mountable(Protocol):
    """Something that adds its own routes to the server (the web console under /console/)."""

    def mount(self, web_app: web.Application) -> None: ...


class Observed(Protocol):
    """What the server reads of the running bot (the composition root's ``Services``)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def redis(self) -> aioredis.Redis: ...
    @property
    def metrics(self) -> Metrics: ...
    @property
    def holder(self) -> PolicyHolder: ...
    @property
    def jobs(self) -> Jobs: ...
    @property
    def intake(self) -> Intake: ...
    @property
    def escalations(self) -> OpenEscalations: ...
    @property
    def adapters(self) -> Sequence[ChatAdapter]: ...
    @property
    def adapter_status(self) -> Mapping[str, AdapterStatus]: ...
    @property
    def decision_log(self) -> DecisionLog: ...
    @property
    def mounts(self) -> Sequence[Mountable]: ...


class HttpBindError(ShouldAiError):
    """The HTTP server cannot listen where it was told (the port is taken, the host is not ours)."""


SERVICES_KEY = web.AppKey("services", Observed)
_SCRAPE_ERRORS: tuple[type[BaseException], ...] = (StoreUnavailable, *STORE_ERRORS)


async def _redis_ok(services: Observed) -> str | None:
    """None if Redis answers PING in time, else what went wrong."""
    try:
        async with asyncio.timeout(services.settings.redis_timeout_s):
            await services.redis.ping()
    except STORE_ERRORS as e:
        return f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
    return None


def _adapters_up(services: Observed) -> dict[str, dict[str, Any]]:
    """Each configured adapter, up or down with why. One nobody supervises (the HTTP server
    run alone, as tests do) counts as up: its routes are mounted. No chat adapter: the console."""
    health: dict[str, dict[str, Any]] = {}
    if not services.adapters:
        health["console"] = {"up": True, "error": None}
    for adapter in services.adapters:
        status = services.adapter_status.get(adapter.platform)
        up = status is None or status.up
        health[adapter.platform] = {
            "up": up,
            "error": None if up or status is None else status.error,
        }
    return health


async def _healthz(request: web.Request) -> web.Response:
    services: Observed = request.app[SERVICES_KEY]
    problem = await _redis_ok(services)
    adapters = _adapters_up(services)
    healthy = problem is None and all(a["up"] for a in adapters.values())
    body: dict[str, Any] = {
        "status": "ok" if healthy else "unavailable",
        "redis": "ok" if problem is None else problem,
        "policy_revision": services.holder.current().revision,
        "adapters": adapters,
        "escalations_waiting_for_redis": services.intake.pending_escalations,
        "decision_log_backlog": services.decision_log.backlog,
    }
    return web.json_response(body, status=200 if healthy else 503)


async def _refresh_escalation_gauge(services: Observed) -> None:
    try:
        async with asyncio.timeout(services.settings.redis_timeout_s):
            open_now = await services.escalations.list_open()
    except _SCRAPE_ERRORS as e:
        services.metrics.store_errors.labels(component="metrics").inc()
        log.warning("escalation gauge not refreshed, redis unavailable: %r", e)
        return
    services.metrics.count_escalations(e.state for e in open_now)
    by_category = Counter(e.category for e in open_now)
    by_assignee = Counter(e.assignee or f"channel:{e.category}" for e in open_now)
    oldest = max((time.time() - e.created_at for e in open_now), default=0.0)
    services.metrics.count_open(
        by_category=dict(by_category), by_assignee=dict(by_assignee), oldest_s=max(0.0, oldest)
    )


async def _refresh_jobs_gauge(services: Observed) -> None:
    services.metrics.decision_log_backlog.set(services.decision_log.backlog)
    try:
        async with asyncio.timeout(services.settings.redis_timeout_s):
            services.metrics.jobs_queued.set(await services.jobs.pending_count())
    except _SCRAPE_ERRORS as e:
        services.metrics.store_errors.labels(component="metrics").inc()
        log.warning("job queue gauge not refreshed, redis unavailable: %r", e)


async def _metrics(request: web.Request) -> web.Response:
    services: Observed = request.app[SERVICES_KEY]
    await _refresh_escalation_gauge(services)
    await _refresh_jobs_gauge(services)
    return web.Response(
        body=services.metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST}
    )


def make_web_app(services: Observed) -> web.Application:
    """``/healthz`` and ``/metrics`` (start_http also mounts the adapters' routes)."""
    app = web.Application()
    app[SERVICES_KEY] = services
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/metrics", _metrics)
    return app


async def start_http(services: Observed, *, port: int, host: str = "0.0.0.0") -> web.AppRunner:
    """Serve ``/healthz``, ``/metrics`` and every adapter's routes on ``host:port``; raises
    :class:`HttpBindError` naming the address if it cannot listen there."""
    app = make_web_app(services)
    for adapter in services.adapters:
        adapter.mount(app)
    for extra in services.mounts:
        extra.mount(app)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as e:
        await runner.cleanup()
        raise HttpBindError(_bind_problem(e, host=host, port=port)) from e
    return runner


def _bind_problem(error: OSError, *, host: str, port: int) -> str:
    if error.errno == errno.EADDRINUSE:
        return (
            f"HTTP port {port} on {host} is already in use (another should-ai serve?); "
            "set SHOULD_AI_HTTP_PORT or stop the other process"
        )
    return f"cannot listen on {host}:{port} ({error.strerror or error}); check SHOULD_AI_HTTP_HOST"


def bound_port(runner: web.AppRunner) -> int:
    """The TCP port the runner listens on (useful with port 0)."""
    for addr in runner.addresses:
        if isinstance(addr, tuple):
            return int(addr[1])
    raise RuntimeError("the HTTP server is not listening on TCP")


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
