"""slack-manifest.yaml creates an app that matches what the code listens for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from handlers.slack.listeners import COMMAND, SHORTCUT_CALLBACK

MANIFEST = Path(__file__).resolve().parents[2] / "slack-manifest.yaml"


def _manifest() -> Any:
    return YAML(typ="safe").load(MANIFEST)


def test_manifest_declares_the_command_and_shortcut_the_listeners_handle() -> None:
    features = _manifest()["features"]

    assert [c["command"] for c in features["slash_commands"]] == [COMMAND]
    [shortcut] = features["shortcuts"]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", SHORTCUT_CALLBACK)
    assert features["app_home"]["messages_tab_enabled"] is True  # DMs to owners need it


def test_manifest_turns_on_buttons_and_socket_mode_with_the_minimal_scopes() -> None:
    manifest = _manifest()

    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == [
        "chat:write",  # answers, pings, status cards, scheduled posts
        "chat:write.public",  # the channel level of the climb without joining
        "commands",
        "im:write",  # conversations.open for DMs
        "users:read",  # users.info for a requester's time zone
        "users:read.email",  # users.lookupByEmail for people given by email (issue 14)
    ]


def test_manifest_enables_the_home_tab_and_its_event() -> None:
    manifest = _manifest()

    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]
