"""Who is at the browser: the sign-in link, the session cookie, the role, the CSRF check.

The cookie is HttpOnly and SameSite=Strict (Secure behind TLS, or when
``SHOULD_AI_CONSOLE_SECURE_COOKIES`` says so) and lives as long as the session in Redis. Every
form carries the session's CSRF token; a POST without it is refused before anything runs.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Literal

from aiohttp import web

from bot.core import Core
from bot.escalations.model import Actor
from bot.escalations.people import person_for
from bot.settings import Settings
from bot.store.console_auth import ConsoleAuth, ConsoleSession

COOKIE = "should_ai_console"
PATH = "/console/"
Role = Literal["admin", "lead", "member"]


@dataclass(frozen=True)
class Visitor:
    """A signed-in visitor: their session, their role, and the name the page greets."""

    session: ConsoleSession
    role: Role
    name: str

    @property
    def actor(self) -> Actor:
        return self.session.actor

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def role_of(core: Core, actor: Actor) -> Role:
    """Admins (``SHOULD_AI_ADMINS``, or the operator's shell link), then the people in
    people.yaml (owners and leads), then everyone else (members)."""
    if core.admins.includes(actor):
        return "admin"
    return "lead" if person_for(core.policy(), actor) is not None else "member"


def name_of(core: Core, actor: Actor) -> str:
    policy = core.policy()
    key = person_for(policy, actor)
    if key is not None:
        return policy.people.people[key].name or key
    return f"{actor.platform}:{actor.user_id}"


def auth_of(core: Core) -> ConsoleAuth:
    if core.console_auth is None:
        raise web.HTTPServiceUnavailable(text="the console's sign-in store is not set up")
    return core.console_auth


async def visitor(request: web.Request, core: Core) -> Visitor | None:
    session_id = request.cookies.get(COOKIE)
    if not session_id:
        return None
    found = await auth_of(core).session(session_id)
    if found is None:
        return None
    return Visitor(session=found, role=role_of(core, found.actor), name=name_of(core, found.actor))


def set_cookie(
    response: web.StreamResponse, request: web.Request, settings: Settings, session: ConsoleSession
) -> None:
    response.set_cookie(
        COOKIE,
        session.session_id,
        max_age=int(settings.console_session_hours * 3600),
        path=PATH,
        httponly=True,
        samesite="Strict",
        secure=settings.console_secure_cookies or request.secure,
    )


def clear_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(COOKIE, path=PATH)


def csrf_ok(visitor: Visitor, sent: object) -> bool:
    return isinstance(sent, str) and secrets.compare_digest(sent, visitor.session.csrf)
