"""Acting on the feedback form as Slack would: press "Wrong call?" / "Not for me" (which opens
a modal through views.open on the fake), then submit the modal as a signed view_submission."""

from __future__ import annotations

import json
import time
from typing import Any

from handlers.slack.feedback_blocks import (
    CATEGORY_BLOCK,
    CONSENT,
    CONSENT_BLOCK,
    NOTE,
    NOTE_BLOCK,
    PICK,
)
from tests.slack.conftest import SECRET, SlackBot
from tests.slack.slack_fake import TEAM_ID, Call
from tests.slack.slack_signing import block_action_payload, interaction_body, new_trigger_id, sign


def element(message: Call, action_id: str) -> tuple[str, dict[str, Any]]:
    """(block id, element) of ``action_id`` in an actions block or a section's accessory."""
    for block in message.blocks():
        for found in [*block.get("elements", []), block.get("accessory") or {}]:
            if found.get("action_id") == action_id:
                return str(block.get("block_id", "")), found
    raise AssertionError(f"no {action_id!r} on the message")


async def open_form(slack_bot: SlackBot, message: Call, action_id: str, *, user: str) -> Call:
    """``user`` presses ``action_id`` on ``message``; returns the views.open call it caused."""
    before = len(slack_bot.fake.of("views.open"))
    block_id, button = element(message, action_id)
    action = {
        "type": "button",
        "action_id": action_id,
        "block_id": block_id,
        "value": button["value"],
    }
    payload = block_action_payload(
        user_id=user,
        action=action,
        channel_id=str(message.args.get("channel", "C0MARKETING")),
        message_ts=message.ts or "1699999999.000200",
        response_url=slack_bot.fake.response_url(f"press-{user}"),
    )
    signed = sign(interaction_body(payload), secret=SECRET)
    assert (await slack_bot.post(signed.body, headers=signed.headers))[0] == 200
    await slack_bot.fake.wait_for(lambda _: len(slack_bot.fake.of("views.open")) > before)
    opened = slack_bot.fake.of("views.open")[-1]
    assert opened.response.get("ok"), opened.response
    return opened


async def submit_form(
    slack_bot: SlackBot,
    opened: Call,
    *,
    user: str,
    category: str,
    note: str = "",
    consent: bool = False,
) -> Call:
    """``user`` submits the form ``opened`` showed; returns the DM that tells them the outcome."""
    view = opened.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    values: dict[str, Any] = {
        CATEGORY_BLOCK: {PICK: {"type": "static_select", "selected_option": {"value": category}}},
        NOTE_BLOCK: {NOTE: {"type": "plain_text_input", "value": note or None}},
    }
    if consent:
        values[CONSENT_BLOCK] = {
            CONSENT: {"type": "checkboxes", "selected_options": [{"value": "yes"}]}
        }
    payload = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "test"},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
        "api_app_id": "A0SHOULDAI",
        "token": "deprecated-verification-token",
        "trigger_id": new_trigger_id(),
        "view": {**view, "id": "V0FEEDBACK", "state": {"values": values}},
        "action_ts": str(time.time()),
    }
    before = len(slack_bot.fake.dms_to(user))
    signed = sign(interaction_body(payload), secret=SECRET)
    assert (await slack_bot.post(signed.body, headers=signed.headers))[0] == 200
    dms = await slack_bot.dms_to(user, count=before + 1)
    return dms[-1]
