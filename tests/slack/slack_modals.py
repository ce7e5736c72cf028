"""Modals on the fake Slack (issue 14): the view_submission Slack sends when a user submits a
modal the bot opened with views.open, signed as Slack signs it."""

from __future__ import annotations

import json
from typing import Any

from tests.slack.conftest import SECRET, SlackBot
from tests.slack.slack_fake import Call
from tests.slack.slack_signing import TEAM_ID, interaction_body, sign


def view_submission(*, user_id: str, opened: Call, values: dict[str, Any]) -> dict[str, Any]:
    """The ``view_submission`` Slack sends when ``user_id`` submits the modal ``opened``."""
    view = opened.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    state: dict[str, Any] = {}
    for block_id, value in values.items():
        if block_id in ("action", "minutes"):
            field = {"type": "static_select", "selected_option": {"value": value}}
        else:
            field = {"type": "plain_text_input", "value": value}
        state[block_id] = {block_id: field}
    return {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "test"},
        "user": {"id": user_id, "username": user_id.lower(), "team_id": TEAM_ID},
        "api_app_id": "A0SHOULDAI",
        "token": "deprecated-verification-token",
        "trigger_id": "12345.98765.abcd",
        "view": {
            **view,
            "id": (opened.response or {}).get("view", {}).get("id", "V1"),
            "hash": "1700000000.abcd",
            "state": {"values": state},
        },
    }


async def submit(slack_bot: SlackBot, payload: dict[str, Any]) -> int:
    signed = sign(interaction_body(payload), secret=SECRET)
    status, _ = await slack_bot.post(signed.body, headers=signed.headers)
    return status


async def open_modal(slack_bot: SlackBot, ping: Call, action_id: str, *, user: str) -> Call:
    before = len(slack_bot.fake.of("views.open"))
    assert await slack_bot.press(ping, action_id, user=user) == 200
    opened = await slack_bot.fake.wait_calls("views.open", before + 1)
    assert opened[-1].response is not None and opened[-1].response["ok"], opened[-1].response
    return opened[-1]


async def card_says(slack_bot: SlackBot, text: str) -> Call:
    def cards() -> list[Call]:
        return [c for c in slack_bot.fake.of("chat.update") if text in c.blocks_text()]

    await slack_bot.fake.wait_for(lambda _: bool(cards()))
    return cards()[-1]
