"""Sign-in links and sessions of the web console, in Redis.

A link is a random token stored for :data:`LINK_TTL_S` seconds with the actor it signs in; it is
taken with ``GETDEL``, so two clicks (or two tabs) race and exactly one wins. A session is a
random id with the actor and the CSRF token its forms must carry; it expires on its own and
``close`` ends it at once. Only hashes of tokens would be safer at rest; the tokens are short-lived
and Redis is the bot's own store, so they are kept as they are.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

import redis.asyncio as aioredis

from bot.escalations.model import Actor
from bot.store.keys import CONSOLE_LINK_PREFIX, CONSOLE_SESSION_PREFIX

LINK_TTL_S = 600  # a sign-in link is good for 10 minutes, once


@dataclass(frozen=True)
class ConsoleSession:
    """Who is signed in (``actor``), the id in their cookie, and their forms' CSRF token."""

    session_id: str
    actor: Actor
    csrf: str


class ConsoleAuth:
    def __init__(self, redis: aioredis.Redis, *, session_ttl_s: int) -> None:
        self._redis = redis
        self._session_ttl_s = session_ttl_s

    async def issue_link(self, actor: Actor) -> str:
        """A fresh single-use token that signs ``actor`` in within :data:`LINK_TTL_S`."""
        token = secrets.token_urlsafe(32)
        await self._redis.set(CONSOLE_LINK_PREFIX + token, actor.model_dump_json(), ex=LINK_TTL_S)
        return token

    async def redeem(self, token: str) -> ConsoleSession | None:
        """A new session for the token's actor, or None if the token is unknown, used or old."""
        raw = await self._redis.getdel(CONSOLE_LINK_PREFIX + token)
        if raw is None:
            return None
        actor = Actor.model_validate_json(raw)
        session = ConsoleSession(
            session_id=secrets.token_urlsafe(32), actor=actor, csrf=secrets.token_urlsafe(24)
        )
        body = json.dumps({"actor": actor.model_dump(), "csrf": session.csrf})
        await self._redis.set(
            CONSOLE_SESSION_PREFIX + session.session_id, body, ex=self._session_ttl_s
        )
        return session

    async def session(self, session_id: str) -> ConsoleSession | None:
        raw = await self._redis.get(CONSOLE_SESSION_PREFIX + session_id)
        if raw is None:
            return None
        data = json.loads(raw)
        return ConsoleSession(
            session_id=session_id, actor=Actor.model_validate(data["actor"]), csrf=data["csrf"]
        )

    async def close(self, session_id: str) -> None:
        await self._redis.delete(CONSOLE_SESSION_PREFIX + session_id)


SIGN_IN_PATH = "/console/signin/"  # + token: the page whose button uses the link


def sign_in_url(base_url: str, token: str) -> str:
    """The link people open: the console's public address (``SHOULD_AI_CONSOLE_URL``) + token."""
    return base_url.rstrip("/") + SIGN_IN_PATH + token


def actor_for(policy_people: dict[str, tuple[str | None, str | None]], who: str | None) -> Actor:
    """Who a shell-issued link signs in: nobody named, the operator (an admin, as at the
    terminal); ``slack:U123`` or ``discord:987``, that user; a people.yaml key, that person as
    Slack (else Discord) knows them. ``policy_people``: key -> (slack id, discord id).
    Raises KeyError naming ``who`` if it is none of these."""
    if who is None:
        return Actor(platform="console", user_id="operator")
    platform, sep, user_id = who.partition(":")
    if sep and platform in ("slack", "discord") and user_id:
        return Actor(platform=platform, user_id=user_id)  # type: ignore[arg-type]
    slack, discord = policy_people[who]
    if slack:
        return Actor(platform="slack", user_id=slack)
    if discord:
        return Actor(platform="discord", user_id=discord)
    raise KeyError(who)
