"""The Slack adapter: Bolt listeners for /should-ai, the message shortcut and the buttons, Block
Kit rendering, and Slack's side of the core's ports (escalation pings and status cards, drafts,
scheduled messages, admin DMs). :func:`enabled` holds Slack's credential rules; :func:`build`
wires the adapter to the core, registering its ports; slack_bolt is only imported then."""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.slack.credentials import SETUP_HINT, enabled

if TYPE_CHECKING:
    from bot.core import ChatAdapter, Core
    from bot.settings import Settings

__all__ = ["SETUP_HINT", "build", "enabled"]


def build(settings: Settings, core: Core) -> ChatAdapter:
    from handlers.slack.adapter import build as build_slack

    return build_slack(settings, core)
