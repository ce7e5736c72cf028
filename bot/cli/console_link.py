"""``should-ai console-link [--as PERSON]``: print a single-use sign-in link to the web console
(valid 10 minutes) for an operator with shell access to the bot's Redis."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.escalations.model import Actor
    from bot.settings import Settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    link = subparsers.add_parser(
        "console-link", help="print a single-use sign-in link to the web console (10 minutes)"
    )
    link.add_argument(
        "--as",
        dest="as_person",
        metavar="PERSON",
        help="sign in as this people.yaml key, or slack:USERID / discord:USERID "
        "(default: the operator, an admin)",
    )
    link.set_defaults(handler=cmd_console_link)


def cmd_console_link(args: argparse.Namespace) -> int:
    from bot.cli.ops import RedisUnreachable, _failed, _run, _settings
    from bot.policy.loader import load_policy
    from bot.store.console_auth import actor_for

    settings = _settings()
    people = load_policy(settings.policy_dir).people.people
    try:
        actor = actor_for({k: (p.slack, p.discord) for k, p in people.items()}, args.as_person)
    except KeyError:
        print(
            f"error: --as {args.as_person}: not a person in people.yaml, nor slack:ID or "
            "discord:ID (or that person has no Slack or Discord id)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        print(_run(_issue(settings, actor)))
    except RedisUnreachable as err:
        return _failed(err)
    return EXIT_OK


async def _issue(settings: Settings, actor: Actor) -> str:
    from bot.store.connection import open_redis
    from bot.store.console_auth import ConsoleAuth, sign_in_url

    async with open_redis(settings) as (redis, _):
        auth = ConsoleAuth(redis, session_ttl_s=int(settings.console_session_hours * 3600))
        return sign_in_url(settings.console_base_url(), await auth.issue_link(actor))
