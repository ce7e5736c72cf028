"""A local fake of Discord's HTTP API, served on 127.0.0.1 (port 0) for discord.py to talk to.

discord.py's own HTTP client and webhook adapter send real requests here once
``discord.http.Route.BASE`` points at :attr:`FakeDiscord.base`. The fake answers the way Discord
does for the handful of routes should-ai uses, with ``Content-Type: application/json`` exactly
(discord.py only decodes JSON when the header is exactly that), and records what it was sent so
tests can assert on what a Discord user would see: the ephemeral answer, the DM with its buttons,
the channel post, the edited status card.

It also behaves like Discord where that matters to the bot:
- a second response to the same interaction is refused (400, code 40060);
- a user whose DMs are closed cannot be messaged (403, code 50007), nor a channel the bot
  has no access to (403, code 50001);
- an expired interaction token cannot edit its messages (401, code 50027);
- the messages API can go down for a while (:meth:`FakeDiscord.outage`: 5xx on DMs and channel
  posts, as in Discord's partial outages, while interactions are still answered);
- a route can be told to answer 429 once, with ``Via`` and ``retry_after`` like Discord's edge,
  or to reject one request (400, code 50035) as Discord does a payload it won't take.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

Json = dict[str, Any]

APP_ID = 900000000000000001
BOT_USER_ID = 900000000000000002
GUILD_ID = 300000000000000001
CHANNEL_ID = 300000000000000002  # the guild text channel marketers type /should-ai in
EPHEMERAL = 1 << 6


@dataclass
class Recorded:
    method: str
    path: str
    body: Json
    at: float = field(default_factory=time.perf_counter)  # when it arrived (for bench/)


@dataclass
class Message:
    """A message as Discord stores it; ``payload`` is what GET/POST/PATCH return."""

    payload: Json
    edits: list[Json] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.payload["id"])

    @property
    def channel_id(self) -> str:
        return str(self.payload["channel_id"])

    @property
    def embeds(self) -> list[Json]:
        return list(self.payload.get("embeds", []))

    @property
    def custom_ids(self) -> list[str]:
        return [
            c["custom_id"]
            for row in self.payload.get("components", [])
            for c in row.get("components", [])
            if "custom_id" in c
        ]

    def component_type(self, custom_id: str) -> int:
        return next(
            int(c["type"])
            for row in self.payload.get("components", [])
            for c in row.get("components", [])
            if c.get("custom_id") == custom_id
        )

    def options(self, custom_id: str) -> list[Json]:
        """The options of the string select ``custom_id`` (label, value)."""
        return next(
            list(c.get("options", []))
            for row in self.payload.get("components", [])
            for c in row.get("components", [])
            if c.get("custom_id") == custom_id
        )

    def text(self) -> str:
        """Everything a reader sees: content, embed titles, descriptions and fields."""
        parts = [self.payload.get("content") or ""]
        for embed in self.embeds:
            parts += [embed.get("title", ""), embed.get("description", "")]
            for f in embed.get("fields", []):
                parts += [f.get("name", ""), f.get("value", "")]
            parts.append((embed.get("footer") or {}).get("text", ""))
        return "\n".join(p for p in parts if p)


def user_payload(user_id: int | str, name: str = "someone") -> Json:
    return {
        "id": str(user_id),
        "username": name,
        "global_name": name,
        "discriminator": "0",
        "avatar": None,
        "bot": False,
    }


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Not web.json_response: it appends "; charset=utf-8", which discord.py would read as text.
    return web.Response(
        status=status,
        body=json.dumps(data).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"code": code, "message": message}, status=status)


class FakeDiscord:
    """The fake API. Use as ``async with FakeDiscord() as fake: ...``."""

    def __init__(self) -> None:
        self._ids = itertools.count(400000000000000001)
        self.requests: list[Recorded] = []
        self.messages: dict[str, Message] = {}
        self.locale = "en-US"  # the Discord client language of every user who interacts
        self.dm_channels: dict[str, str] = {}  # user id -> DM channel id
        self.closed_dms: set[str] = set()
        self.closed_channels: set[str] = set()  # channels the bot may not post in (50001)
        self.expired_tokens: set[str] = set()
        self.interactions: dict[str, Json] = {}  # interaction id -> the payload a test sent
        self.callbacks: dict[str, list[Json]] = {}  # interaction id -> accepted callbacks
        self.refused_callbacks: list[str] = []  # interaction ids answered twice
        self.originals: dict[str, Message] = {}  # interaction token -> its @original message
        self.followups: dict[str, list[Message]] = {}
        self.modals: dict[str, Json] = {}  # interaction id -> the modal it answered with
        self.commands: dict[str, list[Json]] = {}  # "global" or guild id -> synced commands
        self.rate_limit_once: set[str] = set()  # "METHOD /path/prefix" keys
        self.rate_limited: list[str] = []
        self.reject_once: set[str] = set()  # "METHOD /path/prefix": 400 Invalid Form Body once
        self._outage: tuple[float, int] | None = None  # (until, status) for the messages API
        self.outage_answers = 0  # requests answered with the outage's status
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.base = ""

    # ---- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> FakeDiscord:
        app = web.Application(middlewares=[self._record])
        app.add_routes(self._routes())
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base = f"http://127.0.0.1:{port}/api/v10"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _routes(self) -> list[web.RouteDef]:
        p = "/api/v10"
        return [
            web.get(f"{p}/users/@me", self._me),
            web.get(f"{p}/oauth2/applications/@me", self._application),
            web.put(f"{p}/applications/{{app}}/commands", self._sync_global),
            web.put(f"{p}/applications/{{app}}/guilds/{{guild}}/commands", self._sync_guild),
            web.post(f"{p}/interactions/{{iid}}/{{token}}/callback", self._callback),
            web.get(f"{p}/webhooks/{{app}}/{{token}}/messages/{{mid}}", self._get_webhook_msg),
            web.patch(f"{p}/webhooks/{{app}}/{{token}}/messages/{{mid}}", self._edit_webhook_msg),
            web.post(f"{p}/webhooks/{{app}}/{{token}}", self._followup),
            web.post(f"{p}/users/@me/channels", self._open_dm),
            web.post(f"{p}/channels/{{cid}}/messages", self._post_message),
            web.patch(f"{p}/channels/{{cid}}/messages/{{mid}}", self._edit_message),
        ]

    @web.middleware
    async def _record(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        body = await request.json() if request.can_read_body else {}
        path = request.path.removeprefix("/api/v10")
        self.requests.append(Recorded(request.method, path, body))
        key = next(
            (k for k in self.rate_limit_once if f"{request.method} {path}".startswith(k)), None
        )
        if key is not None:
            self.rate_limit_once.discard(key)
            self.rate_limited.append(f"{request.method} {path}")
            return _json(
                {"message": "You are being rate limited.", "retry_after": 0.01, "global": False},
                status=429,
                headers={"Via": "1.1 google", "X-RateLimit-Remaining": "0"},
            )
        if self._in_outage(path):
            assert self._outage is not None
            self.outage_answers += 1
            return _error(self._outage[1], 0, "Service Unavailable")
        rejected = next(
            (k for k in self.reject_once if f"{request.method} {path}".startswith(k)), None
        )
        if rejected is not None:
            self.reject_once.discard(rejected)
            return _error(400, 50035, "Invalid Form Body")
        response: web.StreamResponse = await handler(request)
        async with self._changed:
            self._changed.notify_all()
        return response

    def outage(self, seconds: float, *, status: int = 503) -> None:
        """Answer every DM and channel-message request with ``status`` for ``seconds``."""
        self._outage = (time.monotonic() + seconds, status)

    def _in_outage(self, path: str) -> bool:
        if self._outage is None or time.monotonic() >= self._outage[0]:
            return False
        return path.startswith(("/users/@me/channels", "/channels/"))

    # ---- what tests wait for and read --------------------------------------------------------

    async def wait_until(self, predicate: Callable[[], bool], *, what: str) -> None:
        """Wait until ``predicate()`` holds after some request; fail with ``what`` if it never does.

        The bound is a hang guard only (a broken handler must not hang the suite), not a speed
        assertion: a healthy run satisfies the predicate within milliseconds.
        """
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(predicate), timeout=20)
            except TimeoutError:
                raise AssertionError(f"Discord never saw: {what}") from None

    def dm_to(self, user_id: str) -> list[Message]:
        channel = self.dm_channels.get(str(user_id))
        return [m for m in self.messages.values() if channel and m.channel_id == channel]

    def channel_posts(self, channel_id: str) -> list[Message]:
        return [m for m in self.messages.values() if m.channel_id == str(channel_id)]

    def original(self, token: str) -> Message | None:
        return self.originals.get(token)

    # ---- handlers ------------------------------------------------------------------------------

    def _next_id(self) -> str:
        return str(next(self._ids))

    def _message(self, channel_id: str, body: Json, *, flags: int = 0) -> Message:
        payload: Json = {
            "id": self._next_id(),
            "channel_id": channel_id,
            "author": {**user_payload(BOT_USER_ID, "should-ai"), "bot": True},
            "content": body.get("content") or "",
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "attachments": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "type": 0,
            "flags": flags | int(body.get("flags") or 0),
            "timestamp": datetime.now(UTC).isoformat(),
            "edited_timestamp": None,
        }
        return Message(payload)

    async def _me(self, _: web.Request) -> web.Response:
        return _json({**user_payload(BOT_USER_ID, "should-ai"), "bot": True, "flags": 0})

    async def _application(self, _: web.Request) -> web.Response:
        return _json(
            {
                "id": str(APP_ID),
                "name": "should-ai",
                "description": "",
                "icon": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "owner": user_payload(100000000000000001, "owner"),
                "verify_key": "0" * 64,
                "flags": 0,
            }
        )

    async def _sync(self, scope: str, request: web.Request) -> web.Response:
        commands = await request.json()
        stored = [
            {**c, "id": self._next_id(), "application_id": str(APP_ID), "version": "1"}
            for c in commands
        ]
        self.commands[scope] = stored
        return _json(stored)

    async def _sync_global(self, request: web.Request) -> web.Response:
        return await self._sync("global", request)

    async def _sync_guild(self, request: web.Request) -> web.Response:
        return await self._sync(request.match_info["guild"], request)

    async def _callback(self, request: web.Request) -> web.Response:
        iid, token = request.match_info["iid"], request.match_info["token"]
        if iid in self.callbacks:
            self.refused_callbacks.append(iid)
            return _error(400, 40060, "Interaction has already been acknowledged.")
        body = await request.json()
        self.callbacks[iid] = [body]
        if body["type"] == 9:  # a modal opened (issue 19's assist form): kept for modal_submit
            self.modals[iid] = body.get("data") or {}
        data = body.get("data") or {}
        message = self._message(str(CHANNEL_ID), data, flags=int(data.get("flags") or 0))
        if body["type"] in (4, 5):  # a new (or deferred "thinking") response message
            self.originals[token] = message
            self.messages[message.id] = message
        elif body["type"] in (6, 7):  # (deferred) update of the message the component is on
            on = self.interactions.get(iid, {}).get("message", {}).get("id")
            if on in self.messages:
                message = self.messages[on]
                self.originals[token] = message
                if body["type"] == 7:
                    self._apply_edit(message, data)
        return _json(
            {
                "interaction": {
                    "id": iid,
                    "type": 2,
                    "response_message_id": message.id,
                    "response_message_loading": body["type"] == 5,
                    "response_message_ephemeral": bool(int(data.get("flags") or 0) & EPHEMERAL),
                },
                "resource": {"type": body["type"], "message": message.payload},
            }
        )

    def _webhook_message(self, token: str, mid: str) -> Message | None:
        if mid == "@original":
            return self.originals.get(token)
        return next((m for m in self.followups.get(token, []) if m.id == mid), None)

    async def _get_webhook_msg(self, request: web.Request) -> web.Response:
        token, mid = request.match_info["token"], request.match_info["mid"]
        message = self._webhook_message(token, mid)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        return _json(message.payload)

    async def _edit_webhook_msg(self, request: web.Request) -> web.Response:
        token, mid = request.match_info["token"], request.match_info["mid"]
        if token in self.expired_tokens:
            return _error(401, 50027, "Invalid Webhook Token")
        message = self._webhook_message(token, mid)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        return _json(self._apply_edit(message, await request.json()))

    async def _followup(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if token in self.expired_tokens:
            return _error(401, 50027, "Invalid Webhook Token")
        message = self._message(str(CHANNEL_ID), await request.json())
        self.followups.setdefault(token, []).append(message)
        self.messages[message.id] = message
        return _json(message.payload)

    async def _open_dm(self, request: web.Request) -> web.Response:
        recipient = str((await request.json())["recipient_id"])
        channel = self.dm_channels.setdefault(recipient, self._next_id())
        return _json({"id": channel, "type": 1, "recipients": [user_payload(recipient)]})

    async def _post_message(self, request: web.Request) -> web.Response:
        cid = request.match_info["cid"]
        if any(cid == dm and user in self.closed_dms for user, dm in self.dm_channels.items()):
            return _error(403, 50007, "Cannot send messages to this user")
        if cid in self.closed_channels:
            return _error(403, 50001, "Missing Access")
        message = self._message(cid, await request.json())
        self.messages[message.id] = message
        return _json(message.payload)

    async def _edit_message(self, request: web.Request) -> web.Response:
        message = self.messages.get(request.match_info["mid"])
        if message is None:
            return _error(404, 10008, "Unknown Message")
        return _json(self._apply_edit(message, await request.json()))

    @staticmethod
    def _apply_edit(message: Message, body: Json) -> Json:
        message.edits.append(body)
        for key in ("content", "embeds", "components"):
            if key in body:
                message.payload[key] = body[key] if body[key] is not None else []
        message.payload["edited_timestamp"] = datetime.now(UTC).isoformat()
        return message.payload

    # ---- interactions as the gateway would deliver them ---------------------------------------

    def _interaction(self, kind: int, user_id: str, data: Json, **extra: Any) -> Json:
        payload: Json = {
            "id": self._next_id(),
            "application_id": str(APP_ID),
            "type": kind,
            "token": f"token-{self._next_id()}",
            "version": 1,
            "data": data,
            "locale": self.locale,
            "app_permissions": "0",
            "attachment_size_limit": 8 * 1024 * 1024,
            "entitlements": [],
            **extra,
        }
        self.interactions[payload["id"]] = payload
        return payload

    def modal_submit(self, modal: Json, values: dict[str, str], *, user_id: str) -> Json:
        """``user_id`` fills ``modal`` (text inputs by custom_id) and sends it, from the guild
        channel."""
        rows = [
            {
                "type": 1,
                "components": [
                    {
                        "type": 4,
                        "custom_id": c["custom_id"],
                        "value": values.get(c["custom_id"], ""),
                    }
                    for c in row.get("components", [])
                    if "custom_id" in c
                ],
            }
            for row in modal.get("components", [])
        ]
        data: Json = {"custom_id": modal["custom_id"], "components": rows}
        member = {
            "user": user_payload(user_id),
            "roles": [],
            "joined_at": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "permissions": "0",
        }
        return self._interaction(
            5, user_id, data, channel_id=str(CHANNEL_ID), guild_id=str(GUILD_ID), member=member
        )

    def slash(self, options: list[Json], *, user_id: str, name: str = "should-ai") -> Json:
        """A /should-ai invocation in the guild channel, as INTERACTION_CREATE carries it."""
        scope = str(GUILD_ID) if str(GUILD_ID) in self.commands else "global"
        command = next(c for c in self.commands[scope] if c["name"] == name)
        return self._interaction(
            2,
            user_id,
            {"id": command["id"], "name": name, "type": 1, "options": options},
            guild_id=str(GUILD_ID),
            channel_id=str(CHANNEL_ID),
            channel={
                "id": str(CHANNEL_ID),
                "type": 0,
                "guild_id": str(GUILD_ID),
                "name": "marketing",
                "position": 0,
                "permission_overwrites": [],
                "nsfw": False,
                "parent_id": None,
            },
            member={
                "user": user_payload(user_id),
                "roles": [],
                "joined_at": None,
                "deaf": False,
                "mute": False,
                "flags": 0,
                "permissions": "0",
            },
            authorizing_integration_owners={"0": str(GUILD_ID)},
            context=0,
        )

    def slash_in_dm(self, options: list[Json], *, user_id: str) -> Json:
        """/should-ai typed in the user's DM with the bot: a global command, no guild or member."""
        command = next(c for c in self.commands["global"] if c["name"] == "should-ai")
        channel = self.dm_channels.setdefault(str(user_id), self._next_id())
        return self._interaction(
            2,
            user_id,
            {"id": command["id"], "name": "should-ai", "type": 1, "options": options},
            channel_id=channel,
            channel={"id": channel, "type": 1, "recipients": [user_payload(user_id)]},
            user=user_payload(user_id),
            authorizing_integration_owners={"0": str(GUILD_ID)},
            context=1,
        )

    def press(
        self, message: Message, custom_id: str, *, user_id: str, values: list[str] | None = None
    ) -> Json:
        """A click on a button (or a pick in a user select when ``values``) of ``message``."""
        kind = message.component_type(custom_id)
        data: Json = {"custom_id": custom_id, "component_type": kind}
        if kind == 3:  # string select: the values are the options picked
            data["values"] = values or []
        elif kind == 5:  # user select: the users picked, resolved
            data["values"] = values or []
            data["resolved"] = {"users": {v: user_payload(v) for v in values or []}}
        where: Json = {"channel_id": message.channel_id}
        if message.channel_id in self.dm_channels.values():
            where["channel"] = {
                "id": message.channel_id,
                "type": 1,
                "recipients": [user_payload(user_id)],
            }
            where["user"] = user_payload(user_id)
            where["context"] = 1
        else:
            where["guild_id"] = str(GUILD_ID)
            where["channel"] = {
                "id": message.channel_id,
                "type": 0,
                "guild_id": str(GUILD_ID),
                "name": "escalations",
                "position": 1,
                "permission_overwrites": [],
                "nsfw": False,
                "parent_id": None,
            }
            where["member"] = {
                "user": user_payload(user_id),
                "roles": [],
                "joined_at": None,
                "deaf": False,
                "mute": False,
                "flags": 0,
                "permissions": "0",
            }
            where["context"] = 0
        return self._interaction(3, user_id, data, message=dict(message.payload), **where)


def modal_submit(
    fake: FakeDiscord, message: Message, custom_id: str, *, user_id: str, values: dict[str, str]
) -> Json:
    """The submission of the modal ``custom_id`` opened from a button on ``message`` (issue 14):
    a type-5 interaction carrying each text input's value, from where the button was pressed."""
    pressed = fake.press(message, message.custom_ids[0], user_id=user_id)
    rows = [
        {"type": 1, "components": [{"type": 4, "custom_id": key, "value": value}]}
        for key, value in values.items()
    ]
    where = {
        k: v
        for k, v in pressed.items()
        if k not in ("id", "application_id", "type", "token", "version", "data")
    }
    return fake._interaction(5, user_id, {"custom_id": custom_id, "components": rows}, **where)
