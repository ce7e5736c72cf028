"""`should-ai feedback list|accept|reject|export` and `should-ai digest --preview` (admins).

Registered from :func:`bot.cli.ops.register`; everything heavy is imported inside the
commands, so the CLI stays quick to start.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.feedback.model import Feedback

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
_AGO = re.compile(r"^(?P<n>\d+)(?P<unit>[dhm])$")
_UNIT_S = {"d": 86400, "h": 3600, "m": 60}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    feedback = subparsers.add_parser("feedback", help='"wrong call?" feedback on verdicts (admins)')
    sub = feedback.add_subparsers(dest="feedback_command", required=True)
    listing = sub.add_parser("list", help="feedback received, oldest first")
    listing.add_argument("--since", help="7d, 24h, 30m or a date (2026-12-01); default: all")
    listing.add_argument(
        "--state", choices=("pending", "accepted", "rejected"), help="only feedback in this state"
    )
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(handler=cmd_list)
    for name, accept in (("accept", True), ("reject", False)):
        one = sub.add_parser(name, help=f"{name} one feedback (by its id, e.g. F12)")
        one.add_argument("feedback_id", nargs="+")
        one.set_defaults(handler=cmd_review, accept=accept)
    export = sub.add_parser("export", help="write accepted feedback as policy cases")
    export.add_argument(
        "--as-cases",
        dest="as_cases",
        type=Path,
        required=True,
        metavar="FILE",
        help="e.g. policies/cases/feedback.yaml: `policy test` pins them, the reader learns them",
    )
    export.set_defaults(handler=cmd_export)
    digest = subparsers.add_parser("digest", help="the weekly digest of admins and owners")
    digest.add_argument("--preview", action="store_true", help="print it; send nothing")
    digest.add_argument("--person", help="as this people.yaml key sees it (default: the admins')")
    digest.add_argument("--days", type=int, default=7, help="how far back (7)")
    digest.set_defaults(handler=cmd_digest)


def parse_since(value: str | None, *, now: float | None = None) -> float:
    """``7d`` / ``24h`` / ``30m`` ago, or a date (UTC midnight), as a Unix time; None: 0."""
    if not value:
        return 0.0
    now = time.time() if now is None else now
    if m := _AGO.match(value.strip()):
        return now - int(m["n"]) * _UNIT_S[m["unit"]]
    from datetime import UTC, datetime

    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError as e:
        from bot.errors import UsageError

        raise UsageError(f"--since {value!r}: use 7d, 24h, 30m or a date like 2026-12-01") from e
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def cmd_list(args: argparse.Namespace) -> int:
    since = parse_since(args.since)
    found = _redis_call(lambda store, _log: store.since(since))
    if found is None:
        return EXIT_FAILED
    for item in found:
        if args.state is None or item.state == args.state:
            print(json.dumps(item.model_dump()) if args.json else describe(item))
    return EXIT_OK


def describe(item: Feedback) -> str:
    """One feedback on one line, as `feedback list` prints it."""
    at = time.strftime("%Y-%m-%d %H:%M", time.gmtime(item.at))
    note = f" note={item.note!r}" if item.note else ""
    return (
        f"{item.id} [{item.state}] {at} {item.kind} by {item.by} ({item.role}): "
        f"{item.decided_route}/{item.decided_category or '-'} -> "
        f"{item.route}/{item.category or '-'} decision={item.decision_id} "
        f"text={item.text!r}{note}"
    )


def cmd_review(args: argparse.Namespace) -> int:
    from bot.feedback.service import UnknownFeedback, review

    by = "cli"
    code = EXIT_OK
    for feedback_id in args.feedback_id:

        async def one(store: Any, log: Any, fid: str = feedback_id) -> Feedback:
            return await review(store, log, fid, accept=args.accept, by=by)

        try:
            done = _redis_call(one)
        except UnknownFeedback as e:
            print(f"should-ai feedback: {e}", file=sys.stderr)
            code = EXIT_FAILED
            continue
        if done is None:
            return EXIT_FAILED
        print(f"{done.id} {done.state}")
    return code


def cmd_export(args: argparse.Namespace) -> int:
    from bot.feedback.cases import as_cases, write_cases

    found = _redis_call(lambda store, _log: store.since(0.0))
    if found is None:
        return EXIT_FAILED
    export = as_cases(found)
    if export.skipped:
        print(
            f"skipped {len(export.skipped)} accepted feedback kept masked (no request words to "
            f"learn; the requester did not consent): {', '.join(export.skipped)}",
            file=sys.stderr,
        )
    if not export.cases:
        print("should-ai feedback export: no accepted feedback with its words", file=sys.stderr)
        return EXIT_FAILED
    write_cases(args.as_cases, export.cases)
    print(f"wrote {len(export.cases)} case(s) to {args.as_cases}")
    return EXIT_OK


def cmd_digest(args: argparse.Namespace) -> int:
    from bot.app import preview_digest  # the words live with the adapters (handlers/common)
    from bot.cli.ops import RedisUnreachable, _failed, _run, _settings

    if not args.preview:
        print("should-ai digest: serve sends it each Monday; use --preview to print it now")
        return EXIT_USAGE
    try:
        print(_run(preview_digest(_settings(), person=args.person, days=args.days)), end="")
    except RedisUnreachable as e:
        return _failed(e)
    return EXIT_OK


def _redis_call(call: Any) -> Any:
    """Run ``call(store, decision_log)`` against the configured Redis; None (after saying
    why) if it is unreachable."""
    from bot.cli.ops import RedisUnreachable, _failed, _run, _settings

    async def main() -> Any:
        from bot.feedback.store import FeedbackStore
        from bot.observability.decision_log import DecisionLog
        from bot.observability.metrics import Metrics
        from bot.store.connection import open_redis

        async with open_redis(_settings()) as (redis, _):
            return await call(FeedbackStore(redis), DecisionLog(redis, metrics=Metrics()))

    try:
        return _run(main())
    except RedisUnreachable as e:
        _failed(e)
        return None
