"""``should-ai webhook test [NAME]``: send a signed sample to the policy's hand-offs now.

A team checks its Zapier, Make or n8n receiver before a real request goes there: each hand-off
(or only NAME) gets one POST, signed as every delivery is (bot/handoff/signing.py), and the
command prints what each answered. Exit 0 when every one answered 2xx, 1 otherwise, 2 when there
is nothing to send (no hand-off, no SHOULD_AI_WEBHOOK_SECRET, an unknown NAME).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

from bot.errors import UsageError

EXIT_OK, EXIT_FAILED = 0, 1


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from bot.cli.main import policy_dir_option

    webhook = subparsers.add_parser("webhook", help="hand-off webhooks (policy.yaml handoffs:)")
    webhook_sub = webhook.add_subparsers(dest="webhook_command", metavar="COMMAND")
    test = webhook_sub.add_parser("test", help="send a signed sample to each hand-off")
    test.add_argument("name", nargs="?", help="only this hand-off")
    policy_dir_option(test)
    test.set_defaults(handler=cmd_webhook_test)


def cmd_webhook_test(args: argparse.Namespace) -> int:
    from bot.cli.main import policy_dir
    from bot.policy.loader import load_policy
    from bot.settings import Settings

    settings = Settings()
    if settings.webhook_secret is None:
        raise UsageError("SHOULD_AI_WEBHOOK_SECRET is not set: hand-offs are signed with it")
    handoffs = load_policy(policy_dir(args)).file.handoffs
    if args.name is not None:
        if args.name not in handoffs:
            raise UsageError(f"no hand-off {args.name!r} under handoffs: in policy.yaml")
        handoffs = {args.name: handoffs[args.name]}
    if not handoffs:
        raise UsageError("the policy has no hand-offs (handoffs: in policy.yaml)")
    secret = settings.webhook_secret.get_secret_value()
    results = asyncio.run(_send_all(secret, {k: h.url for k, h in handoffs.items()}))
    for name, (url, said) in results.items():
        print(f"{name} ({url}): {said}")
    return EXIT_OK if all(said.startswith("2") for _, said in results.values()) else EXIT_FAILED


async def _send_all(secret: str, urls: dict[str, str]) -> dict[str, tuple[str, str]]:
    import aiohttp

    from bot.handoff.sender import payload, post_signed

    results: dict[str, tuple[str, str]] = {}
    async with aiohttp.ClientSession() as session:
        for name, url in urls.items():
            delivery_id = f"h-test-{int(time.time())}"
            body = payload(
                delivery_id=delivery_id,
                name=name,
                event="test",
                sent_at=time.time(),
                data={"request": {"text": "A sample from `should-ai webhook test`."}},
            )
            try:
                status = await post_signed(
                    session,
                    url=url,
                    secret=secret,
                    body=json.dumps(body).encode(),
                    delivery_id=delivery_id,
                )
            except (aiohttp.ClientError, TimeoutError) as e:
                results[name] = (url, f"not delivered: {type(e).__name__} {e}")
                continue
            results[name] = (url, f"{status} (signed sample {delivery_id})")
    return results
