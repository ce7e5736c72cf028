"""The door of ``POST /slack/events``: unsigned traffic refused cheaply, malformed bodies 400.

Bolt checks signatures in a middleware, but only after it has decoded and parsed the whole
body, and on a bad signature it logs that body at INFO: anyone who knows the URL could fill the
log (50 requests of 1 MB, 50 MB) and a timestamp that is no integer crashed its check into an
HTTP 500 with a traceback. So the signature is checked here first, on the raw bytes, and nothing
of the body is logged; Bolt's own check still runs after it (the same secret, so it passes).
A signed body Bolt cannot read is Slack's (or a replayer's) mistake: 400, not 500.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_bolt_request
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

log = logging.getLogger(__name__)

# Slack sends seconds since the epoch; anything longer is not a timestamp worth parsing.
_MAX_TIMESTAMP_DIGITS = 12
_PARSE_ERRORS = (ValueError, TypeError, AttributeError, KeyError, IndexError)


def signed(verifier: SignatureVerifier, *, body: bytes, headers: Mapping[str, str]) -> bool:
    """True if ``body`` carries Slack's signature, made in the last five minutes."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > _MAX_TIMESTAMP_DIGITS:
        return False
    try:
        return verifier.is_valid(body=body, timestamp=timestamp, signature=signature)
    except ValueError:  # defensive: the checks above should leave nothing unparsable
        return False


def refused(*, status: int, why: str, size: int) -> web.Response:
    """A short answer and one short log line: never the body, whatever its size."""
    log.info("Slack request refused with %d: %s (%d bytes, body not logged)", status, why, size)
    return web.json_response({"error": why}, status=status)


async def bolt_request(request: web.Request) -> AsyncBoltRequest | None:
    """The request as Bolt reads it, or None if its body is not a Slack payload."""
    try:
        parsed = await to_bolt_request(request)
    except _PARSE_ERRORS:
        return None
    return parsed if well_formed(parsed.body) else None


def well_formed(body: Any) -> bool:
    """A slash command names its command; an interaction or event says its type (and a button
    press carries its actions as a list of objects, which Bolt indexes without checking)."""
    if not isinstance(body, dict):
        return False
    if isinstance(body.get("command"), str) or "ssl_check" in body:  # Slack's own SSL probe
        return True
    if not isinstance(body.get("type"), str):
        return False
    actions = body.get("actions", [])
    return isinstance(actions, list) and all(isinstance(a, dict) for a in actions)
