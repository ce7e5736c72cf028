"""Who is who: people.yaml keys, platform user and channel ids, and what names users may see.

An assignee is either a person key from people.yaml (``comms-lead``) or, for someone who is not
in people.yaml (picked in a Reassign user picker), ``"<platform>:<user_id>"``. Everything here
returns values; the adapters turn them into their platform's mentions (``<@id>``, ``<#id>``).
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class PersonLabel:
    """What users may be shown of an assignee: their people.yaml ``name``; for someone not
    listed, the ``user_id`` their platform knows them by (to mention); else only the ``key``."""

    key: str
    name: str | None = None
    user_id: str | None = None


def person_label(policy: Policy, assignee: str) -> PersonLabel:
    person = policy.people.people.get(assignee)
    if person is not None:
        return PersonLabel(key=assignee, name=person.name)
    if ":" in assignee:
        return PersonLabel(key=assignee, user_id=assignee.split(":", 1)[1])
    return PersonLabel(key=assignee)
