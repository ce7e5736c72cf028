"""The composition root: builds every part of should-ai from :class:`Settings` and serves.

Nothing else in the project builds a Redis client, a policy holder or an escalation service,
and nothing else knows every adapter: chat adapters receive the :class:`~bot.core.Core` facade
and register their ports with it; this module only maps the enabled ones to their ``build``.

:func:`serve` (``should-ai serve``) builds the bot, starts the HTTP server
(:mod:`bot.server.http`) and hands every chat adapter that has credentials, the job worker and
the policy watcher to the supervisor (:mod:`bot.server.supervise`). With no chat tokens it runs
on the console: pings and admin notices are printed, and requests typed on a terminal are
answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import redis.asyncio as aioredis

import handlers.console as console_adapter
import handlers.discord as discord_adapter
import handlers.slack as slack_adapter
import handlers.web as web_console
from bot.ai.owner_help import OwnerHelp
from bot.ai.service import AiWork
from bot.core import AdapterPlugin, AdminNotices, AfterDecision, ChatAdapter, Core, Presses
from bot.core.whatif import WhatIfLab
from bot.escalations.model import Actor
from bot.escalations.permissions import Admins
from bot.escalations.service import EscalationService
from bot.feedback import FeedbackService
from bot.feedback.digest import DigestJob
from bot.feedback.store import FeedbackStore
from bot.intake import Intake
from bot.intake.commands import Commands
from bot.intake.dedupe import Deduper
from bot.intake.ratelimit import RateLimiter
from bot.jobs import Jobs
from bot.observability.decision_log import DecisionLog, TransitionRecorder
from bot.observability.metrics import Metrics
from bot.policy.loader import load_policy
from bot.policy.people_check import people_warnings
from bot.reader import build_engine
from bot.reload import PolicyHolder, PolicyWatcher
from bot.server import (
    AdapterStatus,
    Backoff,
    SupervisedAdapter,
    bound_port,
    on_signals,
    run_until_stopped,
    start_http,
)
from bot.settings import Settings
from bot.store.away import RedisAwayStore
from bot.store.connection import open_redis
from bot.store.console_auth import ConsoleAuth, sign_in_url
from bot.store.escalations import RedisEscalationStore
from bot.store.spool import EscalationSpool
from handlers.console import ConsoleAdapter, ConsoleNotifier
from handlers.console.queue_cli import print_queue as print_queue  # for the CLI
from handlers.console.report_cli import report_json as report_json  # for the CLI
from handlers.console.report_cli import report_text as report_text  # for the CLI

log = logging.getLogger(__name__)


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
    feedback: FeedbackService | None = None
    digest: DigestJob | None = None
    adapters: list[ChatAdapter] = field(default_factory=list)
    # Each supervised adapter's up/down, by platform, for /healthz (filled by serve).
    adapter_status: dict[str, AdapterStatus] = field(default_factory=dict)
    # What else serves pages on the HTTP server: the web console (/console/).
    mounts: list[web_console.WebConsole] = field(default_factory=list)

    @property
    def console(self) -> ConsoleNotifier:
        """Where the console prints pings, status changes, admin notices and drafts."""
        return self.console_adapter.notifier


def _make_holder(settings: Settings, metrics: Metrics) -> PolicyHolder:
    return PolicyHolder(
        settings.policy_dir, load=load_policy, make_engine=build_engine, metrics=metrics
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
        spool=EscalationSpool(settings.data_dir / "spool"),
        pager=RateLimiter(
            redis,
            limit=settings.page_limit_per_owner,
            window_s=settings.page_limit_window_s,
            metrics=metrics,
            timeout_s=settings.redis_timeout_s,
        ),
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
            if services.core.owner_help is not None:
                await services.core.owner_help.aclose()
            await jobs.aclose()
            unwritten = await services.decision_log.aclose(timeout_s=settings.redis_timeout_s * 5)
            if unwritten:
                log.error("shutting down with %d decision log entries not written", unwritten)


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
    escalations = _make_escalations(redis, jobs, holder, transitions, admin_ids, notices)
    away = RedisAwayStore(redis)  # /should-ai away: the climb skips them until then
    escalations.look_up_away_through(away)
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
    console_auth = ConsoleAuth(redis, session_ttl_s=int(settings.console_session_hours * 3600))

    async def console_link(actor: Actor) -> str:
        return sign_in_url(settings.console_base_url(), await console_auth.issue_link(actor))

    feedback = _make_feedback(settings, redis, holder, admin_ids, decision_log)
    intake.memory = feedback
    digest = DigestJob(
        redis=redis,
        decision_log=decision_log,
        policy=lambda: holder.policy,
        admins=admin_ids,
        hour=settings.digest_hour,
    )
    commands = Commands(
        intake=intake,
        holder=holder,
        escalations=escalations,
        reload=watcher.apply,
        admins=admin_ids,
        scheduled=lambda actor: ai.list_scheduled(actor=actor),
        away=away,
        console_link=console_link,
    )
    for warning in people_warnings(holder.policy):  # placeholders, unusable ids (issue 14)
        log.warning("%s", warning)
    core = Core(
        resolve_slack_ids=holder.resolve_slack_ids,
        policy=lambda: holder.policy,
        admins=admin_ids,
        commands=commands,
        escalations=escalations,
        ai=ai,
        after_decision=AfterDecision(intake=intake, ai=ai),
        presses=Presses(escalations=escalations, ai=ai, deduper=deduper),
        notices=notices,
        owner_help=OwnerHelp.from_settings(
            settings=settings,
            redis=redis,
            policy=lambda: holder.policy,
            escalation=escalations.get,
            audit=decision_log,
        ),
        console_auth=console_auth,
        what_if=WhatIfLab(
            holder=holder,
            load=load_policy,
            make_engine=build_engine,
            recent=decision_log.kept_decisions,
            reload=watcher.apply,
            can_edit=settings.console_can_edit,
        ),
        decision_log=decision_log,
        feedback=feedback,
        digest=digest,
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
        feedback=feedback,
        digest=digest,
        # The console is always on: pings of what is typed there, and admin notices, print.
        console_adapter=console_adapter.build(settings, core, notifier=console),
        mounts=[web_console.build(settings, core)],
    )


def _make_feedback(
    settings: Settings,
    redis: aioredis.Redis,
    holder: PolicyHolder,
    admins: Admins,
    decision_log: DecisionLog,
) -> FeedbackService:
    return FeedbackService(
        store=FeedbackStore(redis),
        holder=holder,
        admins=admins,
        decision_log=decision_log,
        full_text=settings.log_full_text,
        window_s=settings.feedback_window_days * 86400,
        per_hour=settings.feedback_per_hour,
        timeout_s=settings.redis_timeout_s,
    )


def _make_escalations(
    redis: aioredis.Redis,
    jobs: Jobs,
    holder: PolicyHolder,
    transitions: TransitionRecorder,
    admins: Admins,
    notices: AdminNotices,
) -> EscalationService:
    """Every move it makes reaches the decision log (in the move's MULTI) and /metrics."""
    return EscalationService(
        store=RedisEscalationStore(redis, timers=jobs),
        jobs=jobs,
        policy=lambda: holder.policy,
        admin_ids=admins,  # the console user is one of them: it owns the process
        transitions=transitions,
        admin_notices=notices,  # an unanswered escalation is news for the admins
    )


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


async def serve(
    settings: Settings, *, interactive: bool | None = None, adapter_backoff: Backoff | None = None
) -> int:
    """Run until SIGINT/SIGTERM; return the process exit code. A chat adapter that fails is
    restarted after ``adapter_backoff`` (1 s doubling to 60 s) while the rest keeps serving."""
    stop = asyncio.Event()
    on_signals(stop)
    async with build_services(settings) as services:
        build_adapters(services)
        runner = await start_http(services, port=settings.http_port, host=settings.http_host)
        log.info(
            "should-ai serving: policy revision %s, HTTP on :%d of %s (/healthz, /metrics), %s",
            services.holder.current().revision,
            bound_port(runner),
            settings.http_host,
            _adapter_summary(services),
        )
        try:
            tasks = _long_lived_tasks(services, stop, interactive, adapter_backoff)
            return await run_until_stopped(
                tasks, stop, adapters=services.adapters, jobs=services.jobs, intake=services.intake
            )
        finally:
            await runner.cleanup()


def _adapter_summary(services: Services) -> str:
    if services.adapters:
        return "adapters: " + ", ".join(a.platform for a in services.adapters)
    hints = " or ".join(platform.SETUP_HINT for platform in CHAT_PLATFORMS)
    return f"no chat adapter configured (set {hints}): pings are printed here"


def _long_lived_tasks(
    services: Services, stop: asyncio.Event, interactive: bool | None, backoff: Backoff | None
) -> set[asyncio.Task[Any]]:
    """The job worker, the policy watcher, each adapter (supervised: its failure is retried,
    not fatal); and the console, on a terminal with no chat platform."""
    tasks = {
        asyncio.create_task(services.jobs.run_worker(), name="job worker"),
        # What the last run promised and could not store (adapters are built: pings can go).
        asyncio.create_task(services.intake.drain_spool(), name="escalation spool drain"),
        asyncio.create_task(services.watcher.run(stop), name="policy watcher"),
    }
    if services.digest is not None:  # each opted-in reader's weekly digest, on Monday morning
        tasks.add(asyncio.create_task(services.digest.run(stop), name="weekly digest"))
    for adapter in services.adapters:
        supervised = SupervisedAdapter(adapter, backoff=backoff)
        services.adapter_status[adapter.platform] = supervised.status
        tasks.add(asyncio.create_task(supervised.run(stop), name=f"{adapter.platform} adapter"))
    console = services.console_adapter
    if not services.adapters and (console.interactive() if interactive is None else interactive):
        tasks.add(asyncio.create_task(console.run(stop), name="console"))
    return tasks


async def preview_digest(settings: Settings, *, person: str | None, days: int = 7) -> str:
    """`should-ai digest --preview`: the weekly digest ``person`` (a people.yaml key; None:
    the admins') would get now, in the words the chat adapters send."""
    import time

    from bot.errors import UsageError
    from bot.feedback import digest as weekly
    from handlers.common.digest_text import digest_text

    policy = load_policy(settings.policy_dir)
    if person is not None and person not in policy.people.people:
        raise UsageError(f"--person {person!r} is not a key of people.yaml")
    scope = weekly.scope_of(policy, Admins.parse(settings.admins), person)
    async with open_redis(settings) as (redis, _url):
        log = _make_decision_log(settings, redis, Metrics())
        found = await weekly.build(
            log, FeedbackStore(redis), now=time.time(), days=days, scope=scope, person=person
        )
    return digest_text(found, policy)
