"""Who is who: people.yaml keys, platform user ids and the names shown to users.

An assignee is either a person key from people.yaml (``comms-lead``) or, for someone who is not
in people.yaml (picked in a Reassign user picker), ``"<platform>:<user_id>"``.
"""

from __future__ import annotations

from bot.escalations.model import Actor, Platform
from bot.policy.model import Policy


def person_for(policy: Policy, actor: Actor) -> str | None:
    """The people.yaml key of ``actor``, or None if they are not listed."""
    for key, person in policy.people.people.items():
        if actor.platform == "console" and actor.user_id == key:
            return key
        if actor.platform != "console" and getattr(person, actor.platform) == actor.user_id:
            return key
    return None


def actor_key(policy: Policy, actor: Actor) -> str:
    """The assignee key for ``actor``: their person key, else ``"<platform>:<user_id>"``."""
    return person_for(policy, actor) or f"{actor.platform}:{actor.user_id}"


def platform_user_id(policy: Policy, platform: Platform, assignee: str) -> str | None:
    """The user id to DM for ``assignee`` on ``platform``, or None if they have none there."""
    if ":" in assignee:
        on, user_id = assignee.split(":", 1)
        return user_id if on == platform else None
    person = policy.people.people.get(assignee)
    if person is None:
        return None
    if platform == "console":
        return assignee
    return getattr(person, platform)  # type: ignore[no-any-return]


def channel_id(policy: Policy, platform: Platform, channel_key: str) -> str | None:
    """The platform channel id of a channel key from people.yaml."""
    channel = policy.people.channels.get(channel_key)
    if channel is None or platform == "console":
        return None
    return getattr(channel, platform)  # type: ignore[no-any-return]


def display_name(policy: Policy, assignee: str) -> str:
    """How a status message names ``assignee``: their name, or a mention both platforms render."""
    person = policy.people.people.get(assignee)
    if person is not None:
        return person.name
    if ":" in assignee:
        return f"<@{assignee.split(':', 1)[1]}>"
    return assignee


def channel_name(policy: Policy, platform: Platform, channel_key: str) -> str:
    """A channel mention (``<#id>`` renders on Slack and Discord), or its key."""
    cid = channel_id(policy, platform, channel_key)
    return f"<#{cid}>" if cid else f"#{channel_key}"
