"""Build the requests Slack itself sends to an app's Request URL, signed the way Slack signs them.

Slack signs ``v0:<timestamp>:<raw body>`` with the app's signing secret (HMAC-SHA256) and sends
``X-Slack-Signature`` and ``X-Slack-Request-Timestamp``; a retry adds ``X-Slack-Retry-Num`` and
``X-Slack-Retry-Reason``. Slash commands arrive form-encoded; interactions (buttons, shortcuts)
arrive as one form field ``payload`` holding JSON.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from tests.slack.slack_fake import TEAM_ID

_trigger_ids = itertools.count(1)


@dataclass(frozen=True)
class SignedRequest:
    body: str
    headers: dict[str, str] = field(default_factory=dict)


def sign(
    body: str,
    *,
    secret: str,
    timestamp: int | None = None,
    retry_num: int | None = None,
) -> SignedRequest:
    """Sign ``body`` as Slack would at ``timestamp`` (now by default)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
    }
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    return SignedRequest(body=body, headers=headers)


def new_trigger_id() -> str:
    return f"{next(_trigger_ids)}.1111.{int(time.time() * 1000)}"


def slash_command_body(
    *,
    text: str,
    user_id: str,
    response_url: str,
    channel_id: str = "C0MARKETING",
    trigger_id: str | None = None,
    command: str = "/should-ai",
) -> str:
    """The form body of a slash command invocation, with the fields Slack sends."""
    return urlencode(
        {
            "token": "deprecated-verification-token",
            "team_id": TEAM_ID,
            "team_domain": "test",
            "channel_id": channel_id,
            "channel_name": "marketing",
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A0SHOULDAI",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id or new_trigger_id(),
        }
    )


def interaction_body(payload: dict[str, Any]) -> str:
    return urlencode({"payload": json.dumps(payload)})


def block_action_payload(
    *,
    user_id: str,
    action: dict[str, Any],
    channel_id: str,
    message_ts: str,
    response_url: str,
) -> dict[str, Any]:
    """A ``block_actions`` payload: ``user_id`` used ``action`` on the message at ``message_ts``."""
    return {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "test"},
        "user": {"id": user_id, "username": user_id.lower(), "team_id": TEAM_ID},
        "api_app_id": "A0SHOULDAI",
        "token": "deprecated-verification-token",
        "trigger_id": new_trigger_id(),
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        },
        "channel": {"id": channel_id, "name": "directmessage"},
        "message": {"type": "message", "ts": message_ts, "text": ""},
        "response_url": response_url,
        "actions": [{**action, "action_ts": str(time.time())}],
    }


def message_shortcut_payload(
    *, user_id: str, callback_id: str, message_text: str, channel_id: str, response_url: str
) -> dict[str, Any]:
    """A ``message_action`` payload: the shortcut used on a message saying ``message_text``."""
    return {
        "type": "message_action",
        "callback_id": callback_id,
        "team": {"id": TEAM_ID, "domain": "test"},
        "user": {"id": user_id, "name": user_id.lower()},
        "channel": {"id": channel_id, "name": "marketing"},
        "token": "deprecated-verification-token",
        "trigger_id": new_trigger_id(),
        "action_ts": str(time.time()),
        "message_ts": "1699999999.000100",
        "message": {
            "type": "message",
            "user": "U0SOMEONE",
            "text": message_text,
            "ts": "1699999999.000100",
        },
        "response_url": response_url,
    }


def button_from(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    """The action Slack reports when the element ``action_id`` in ``blocks`` is used."""
    for block in blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == action_id:
                return {
                    "type": element["type"],
                    "action_id": action_id,
                    "block_id": block.get("block_id", ""),
                    **({"value": element["value"]} if "value" in element else {}),
                }
    raise AssertionError(f"no element {action_id!r} in the message's blocks")
