"""Operator commands: `should-ai serve`, `health`, `log tail`, `escalations list|show`.

Registered into the main CLI by :func:`register`. Everything heavy (Redis, aiohttp, the chat
SDKs) is imported inside the command functions, so `should-ai check` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from bot.escalations.model import Escalation
    from bot.settings import Settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
T = TypeVar("T")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the operator sub-commands; each sets ``handler(args) -> exit code`` for bot.cli."""
    _add_serve(subparsers)
    health = subparsers.add_parser("health", help="probe a running serve's /healthz (Docker)")
    health.add_argument("--url", help="default: http://127.0.0.1:$SHOULD_AI_HTTP_PORT/healthz")
    health.set_defaults(handler=cmd_health)
    _add_log(subparsers)
    _add_escalations(subparsers)
    _add_report(subparsers)
    from bot.cli.console_link import register as register_console_link

    register_console_link(subparsers)
    from bot.cli.feedback import register as register_feedback  # feedback, digest

    register_feedback(subparsers)


def _add_serve(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = subparsers.add_parser(
        "serve", help="run the chat adapters that have tokens, the job worker, /healthz, /metrics"
    )
    serve.add_argument(
        "--check",
        action="store_true",
        help="do not serve: probe the running one's /healthz (like `health`)",
    )
    serve.add_argument("--port", type=int, help="HTTP port (default $SHOULD_AI_HTTP_PORT)")
    serve.add_argument(
        "--no-console",
        action="store_true",
        help="never read requests from the terminal, even when it is one",
    )
    serve.set_defaults(handler=cmd_serve)


def _add_log(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    log = subparsers.add_parser("log", help="the decision log (admins)")
    log_sub = log.add_subparsers(dest="log_command", required=True)
    tail = log_sub.add_parser("tail", help="the latest decisions and escalation transitions")
    tail.add_argument("-n", "--lines", type=int, default=20, help="how many entries (20)")
    tail.add_argument("--json", action="store_true", help="one JSON object per line")
    tail.add_argument("-f", "--follow", action="store_true", help="keep printing new entries")
    tail.add_argument("--since", help="every entry of the last 7d, 12h, 30m... (not -n)")
    tail.set_defaults(handler=cmd_log_tail)


def _add_report(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = subparsers.add_parser(
        "report", help="per category: requests, escalations, time to acknowledge (admins)"
    )
    report.add_argument("--since", default="7d", help="the period: 7d (default), 24h, 2w...")
    report.add_argument("--json", action="store_true", help="the report as one JSON object")
    report.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    import time

    from bot.observability.report import build_report, parse_since

    until = time.time()
    since = until - parse_since(args.since)
    try:
        entries = _run(_entries_since(_settings(), since))
    except RedisUnreachable as err:
        return _failed(err)
    from bot.app import report_json, report_text

    report = build_report(entries, since=since, until=until)
    print(report_json(report) if args.json else report_text(report))
    return EXIT_OK


async def _entries_since(settings: Settings, since: float) -> list[Any]:
    from bot.observability.decision_log import DecisionLog
    from bot.observability.metrics import Metrics
    from bot.store.connection import open_redis

    async with open_redis(settings) as (redis, _):
        return await DecisionLog(redis, metrics=Metrics()).since(since)


def _add_escalations(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    esc = subparsers.add_parser("escalations", help="open escalations (admins)")
    esc_sub = esc.add_subparsers(dest="escalations_command", required=True)
    listing = esc_sub.add_parser("list", help="escalations not yet resolved, oldest first")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.add_argument(
        "--assignee", help="only those this person holds (their name, or people.yaml key)"
    )
    listing.add_argument(
        "--by",
        choices=("person", "category"),
        help="grouped by who holds them, or by category (unanswered first either way)",
    )
    listing.set_defaults(handler=cmd_escalations_list)
    show = esc_sub.add_parser("show", help="one escalation with its history")
    show.add_argument("escalation_id")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=cmd_escalations_show)


def _run(main: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, with Redis being unreachable turned into one clear line (exit 1)."""
    import asyncio

    from redis.exceptions import RedisError

    from bot.errors import PolicyError, ShouldAiError, UsageError
    from bot.server.http import HttpBindError

    try:
        return asyncio.run(main)
    except (PolicyError, UsageError):
        raise  # bot.cli prints it and exits 2 (a policy, or settings such as Slack's tokens)
    except HttpBindError as e:  # not Redis: say what it is (a busy port was "Redis unreachable")
        raise RedisUnreachable(e, what="should-ai cannot serve HTTP") from e
    except (RedisError, OSError, ShouldAiError) as e:
        raise RedisUnreachable(e) from e


class RedisUnreachable(Exception):
    """Raised by :func:`_run`; each command turns it into exit code 1."""

    def __init__(self, cause: BaseException, *, what: str | None = None) -> None:
        super().__init__(
            f"{what}: {cause}"
            if what
            else f"should-ai: Redis is unreachable ({cause}); check SHOULD_AI_REDIS_URL "
            "or SHOULD_AI_DATA_DIR"
        )


def _failed(e: RedisUnreachable) -> int:
    print(e, file=sys.stderr)
    return EXIT_FAILED


def _settings() -> Settings:
    from bot.settings import Settings

    return Settings()


def _setup_logging() -> None:
    import logging

    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # arq logs every job start and finish at INFO (timers, sweeps every minute): on the console
    # that buries the pings. Its warnings and errors still show.
    logging.getLogger("arq").setLevel(logging.WARNING)


# --- serve / health --------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.app import serve
    from bot.errors import PolicyError
    from bot.server import health_probe

    settings = _settings()
    if args.port is not None:
        settings = settings.model_copy(update={"http_port": args.port})
    if args.check:
        return health_probe(settings)
    _setup_logging()
    try:
        return _run(serve(settings, interactive=False if args.no_console else None))
    except PolicyError as e:
        print(f"should-ai: the policy does not load, not starting: {e}", file=sys.stderr)
        return EXIT_USAGE
    except RedisUnreachable as err:
        return _failed(err)


def cmd_health(args: argparse.Namespace) -> int:
    from bot.server import health_probe

    return health_probe(_settings(), url=args.url)


# --- log tail --------------------------------------------------------------------------------


def cmd_log_tail(args: argparse.Namespace) -> int:
    if args.lines <= 0:
        print("should-ai log tail: -n must be positive", file=sys.stderr)
        return EXIT_USAGE
    import contextlib

    try:
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C ends --follow
            since = None
            if args.since:
                import time

                from bot.observability.report import parse_since

                since = time.time() - parse_since(args.since)
            _run(_log_tail(_settings(), args.lines, args.json, args.follow, since=since))
    except RedisUnreachable as err:
        return _failed(err)
    return EXIT_OK


async def _log_tail(
    settings: Settings, count: int, as_json: bool, follow: bool, *, since: float | None = None
) -> None:
    from bot.observability.decision_log import DecisionLog, LogEntry
    from bot.observability.metrics import Metrics
    from bot.store.connection import open_redis

    def show(entry: LogEntry) -> None:
        line = json.dumps({"id": entry.id, **typed(entry.fields)}) if as_json else entry.summary()
        print(line, flush=True)

    async with open_redis(settings) as (redis, _):
        log = DecisionLog(redis, metrics=Metrics())
        entries = await log.tail(count) if since is None else await log.since(since)
        for entry in entries:
            show(entry)
        last = entries[-1].id if entries else "$"
        while follow:
            for entry in await log.follow(last):
                show(entry)
                last = entry.id


# Fields the log stores as strings but are numbers: `log tail --json` gives them their type.
_FLOAT_FIELDS = frozenset({"at", "confidence"})
_INT_FIELDS = frozenset({"level"})


def typed(fields: dict[str, str]) -> dict[str, Any]:
    """A log entry's fields with numbers as numbers (a field that does not parse stays text)."""
    out: dict[str, Any] = dict(fields)
    for key in _FLOAT_FIELDS & fields.keys():
        with_type: Any = _number(fields[key], float)
        out[key] = with_type
    for key in _INT_FIELDS & fields.keys():
        out[key] = _number(fields[key], int)
    return out


def _number(value: str, kind: type[float] | type[int]) -> Any:
    try:
        return kind(value)
    except ValueError:
        return value


# --- escalations -----------------------------------------------------------------------------


def cmd_escalations_list(args: argparse.Namespace) -> int:
    try:
        found = _run(_escalations(_settings(), None))
    except RedisUnreachable as err:
        return _failed(err)
    from bot.app import print_queue

    return print_queue(found, _settings(), assignee=args.assignee, by=args.by, as_json=args.json)


def cmd_escalations_show(args: argparse.Namespace) -> int:
    try:
        found = _run(_escalations(_settings(), args.escalation_id))
    except RedisUnreachable as err:
        return _failed(err)
    if not found:
        print(f"No escalation {args.escalation_id}.", file=sys.stderr)
        return EXIT_FAILED
    e = found[0]
    if args.json:
        print(e.model_dump_json(indent=2))
        return EXIT_OK
    print(_describe(e))
    return EXIT_OK


async def _escalations(settings: Settings, one: str | None) -> list[Escalation]:
    from bot.store.connection import open_redis
    from bot.store.escalations import RedisEscalationStore

    async with open_redis(settings) as (redis, _):
        store = RedisEscalationStore(redis)
        if one is None:
            return await store.list_active()
        found = await store.get(one)
        return [found] if found else []


def _describe(e: Escalation) -> str:
    import time

    def at(t: float | None) -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(t)) if t else "-"

    lines: list[Any] = [
        f"Escalation {e.id}: {e.state}, category {e.category}, level {e.level}, "
        f"assignee {e.assignee or '(channel)'}",
        f"  requester {e.requester} on {e.platform}; decision {e.decision_id}, "
        f"policy revision {e.policy_revision}",
        f"  opened {at(e.created_at)}; next climb {at(e.due_at)}",
        f"  text: {e.text!r}",
        "  history:",
    ]
    lines += [
        f"    {at(t.at)} {t.state} level {t.level} assignee {t.assignee or '-'} "
        f"by {t.by or '-'}{': ' + t.note if t.note else ''}"
        f"{f' outcome={t.outcome!r}' if t.outcome else ''}"
        f"{f' note={t.comment!r}' if t.comment else ''}"
        for t in e.history
    ]
    return "\n".join(lines)
