"""A fake Slack Web API on 127.0.0.1 that records every call, for offline tests and the benchmark.

It speaks the protocol slack_sdk's AsyncWebClient speaks: ``POST /api/<method>`` with a bearer
token and arguments in the query string, a form body or a JSON body; ``{"ok": ...}`` answers;
HTTP 429 with ``Retry-After`` when rate limiting. It also serves the ``response_url`` endpoints
Slack puts in command and interaction payloads (``POST /response/<id>``), so ``respond()`` calls
are recorded too. Tests point the bot's ``base_url`` here and assert on :attr:`FakeSlack.calls`.
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
from zoneinfo import ZoneInfo

from aiohttp import WSMsgType, web

BOT_USER_ID = "UBOTSHOULDAI"
TEAM_ID = "T0TESTTEAM"


@dataclass
class Call:
    """One request the fake received: the Web API method (or ``response_url``) and its arguments."""

    method: str
    args: dict[str, Any]
    token: str | None = None
    response: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.perf_counter)  # when the fake received it

    @property
    def ts(self) -> str:
        """The ``ts`` Slack gave the message this call posted (or updated)."""
        return str(self.response.get("ts", ""))

    def blocks_text(self) -> str:
        """All text in the call's blocks and fallback ``text``, to assert on what a user reads."""
        return " ".join(_texts(self.args.get("blocks"))) + " " + str(self.args.get("text", ""))

    def action_ids(self) -> list[str]:
        return [
            e["action_id"] for b in self.blocks() for e in b.get("elements", []) if "action_id" in e
        ]

    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.args.get("blocks") or []
        parsed = json.loads(blocks) if isinstance(blocks, str) else blocks
        assert isinstance(parsed, list)
        return parsed


def _texts(node: Any) -> list[str]:
    if isinstance(node, str):
        try:
            node = json.loads(node)
        except ValueError:
            return []
    if isinstance(node, dict):
        out = [node["text"]] if isinstance(node.get("text"), str) else []
        return out + [t for v in node.values() if isinstance(v, dict | list) for t in _texts(v)]
    if isinstance(node, list):
        return [t for v in node for t in _texts(v)]
    return []


@dataclass
class _Refusal:
    remaining: int
    retry_after: int
    channel: str | None  # only calls to this channel, or any
    status: int = 429

    def applies(self, args: dict[str, Any]) -> bool:
        return self.remaining > 0 and self.channel in (None, args.get("channel"))


@dataclass
class _Outage:
    """Every Web API call answered with ``status`` until ``until`` (time.monotonic)."""

    until: float
    status: int
    retry_after: int

    def applies(self) -> bool:
        return time.monotonic() < self.until


@dataclass
class FakeSlack:
    """The fake server's state. Start it with :meth:`start`; its base URL is :attr:`api_url`."""

    calls: list[Call] = field(default_factory=list)
    dm_refused: dict[str, str] = field(default_factory=dict)  # user id -> Slack error code
    not_in_channel: set[str] = field(default_factory=set)
    user_tz: dict[str, str] = field(default_factory=dict)  # users.info time zones
    user_locale: dict[str, str] = field(default_factory=dict)  # users.info locales
    default_locale: str = "en-US"  # the locale of a user not in user_locale
    channels_by_name: dict[str, str] = field(default_factory=dict)  # name -> id
    scheduled: dict[str, dict[str, Any]] = field(default_factory=dict)  # chat.scheduleMessage
    emails: dict[str, str] = field(default_factory=dict)  # users.lookupByEmail: email -> id
    _limits: dict[str, _Refusal] = field(default_factory=dict)
    _outage: _Outage | None = None
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _runner: web.AppRunner | None = None
    sockets: list[web.WebSocketResponse] = field(default_factory=list)  # Socket Mode clients
    socket_acks: dict[str, Call] = field(default_factory=dict)  # envelope id -> the app's ack
    port: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/"

    def response_url(self, name: str) -> str:
        return f"{self.base_url}/response/{name}"

    def rate_limit(
        self, method: str, *, times: int = 1, retry_after: int = 0, channel: str | None = None
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (to ``channel``) with 429 + Retry-After."""
        self._limits[method] = _Refusal(times, retry_after, channel)

    def fail(self, method: str, *, times: int = 1, status: int = 500) -> None:
        """Answer the next ``times`` calls of ``method`` with an HTTP error (a bad day at Slack)."""
        self._limits[method] = _Refusal(times, 0, None, status)

    def outage(self, seconds: float, *, status: int = 500, retry_after: int = 1) -> None:
        """Answer every Web API call with ``status`` (429 with Retry-After) for ``seconds``.

        ``response_url`` posts are not the Web API and keep working, as they do at Slack; so
        does ``auth.test``, which Bolt calls once and caches (as if it had before the outage).
        """
        self._outage = _Outage(time.monotonic() + seconds, status, retry_after)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{name}", self._response_url)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        for ws in list(self.sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- what tests read ---------------------------------------------------------------------

    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def dms_to(self, user_id: str) -> list[Call]:
        """Messages posted to the DM channel the fake opened with ``user_id``."""
        return [
            c for c in self.of("chat.postMessage") if c.args.get("channel") == dm_channel(user_id)
        ]

    async def wait_for(
        self, predicate: Callable[[list[Call]], bool], *, within: float = 10.0
    ) -> list[Call]:
        """Wait until the recorded calls satisfy ``predicate`` (a guard, not a speed assertion)."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(lambda: predicate(self.calls))
        return self.calls

    async def wait_calls(self, method: str, count: int = 1, *, within: float = 10.0) -> list[Call]:
        await self.wait_for(lambda calls: len(self.of(method)) >= count, within=within)
        return self.of(method)

    # --- Socket Mode: Slack pushes envelopes down a WebSocket and waits for acks -------------

    async def send_envelope(self, kind: str, payload: dict[str, Any]) -> str:
        """Push a Socket Mode envelope (``slash_commands``, ``interactive``) to the app."""
        envelope_id = f"env-{next(self._ts)}"
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
        }
        await self.sockets[-1].send_json(envelope)
        return envelope_id

    async def acked(self, envelope_id: str) -> Call:
        """The app's ack of ``envelope_id``, once it arrives."""

        await self.wait_for(lambda _: envelope_id in self.socket_acks)
        return self.socket_acks[envelope_id]

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json(
            {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0SHOULDAI"}}
        )
        await self._record(Call("socket_connected", {}))
        self.sockets.append(ws)
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    ack = Call("socket_ack", json.loads(message.data))
                    self.socket_acks[str(ack.args.get("envelope_id"))] = ack
                    await self._record(ack)
        finally:
            self.sockets.remove(ws)
        return ws

    # --- the protocol ------------------------------------------------------------------------

    async def _record(self, call: Call) -> None:
        async with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await _arguments(request)
        outage = self._outage
        if outage is not None and outage.applies() and method != "auth.test":
            limit: _Refusal | None = _Refusal(1, outage.retry_after, None, outage.status)
        else:
            limit = self._limits.get(method)
        if limit is not None and limit.applies(args):
            limit.remaining -= 1
            await self._record(Call(f"{method}:{limit.status}", args, _token(request)))
            if limit.status != 429:
                return web.json_response({"ok": False, "error": "fatal_error"}, status=limit.status)
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(limit.retry_after)},
            )
        answer = self._answer(method, args)
        await self._record(Call(method, args, _token(request), answer))
        return web.json_response(answer)

    async def _response_url(self, request: web.Request) -> web.Response:
        args = await request.json()
        call = Call("response_url", {**args, "name": request.match_info["name"]})
        if "blocks" in args and (problem := block_kit_problem(args["blocks"])):
            await self._record(Call("response_url:400", call.args))
            return web.Response(status=400, text=f"invalid_blocks: {problem}")
        await self._record(call)
        return web.Response(text="ok")

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if "blocks" in args and (problem := block_kit_problem(args["blocks"])):
            return {"ok": False, "error": "invalid_blocks", "errors": [problem]}
        handler = _ANSWERS.get(method)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        return handler(self, args)

    def next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"


# Block Kit limits Slack enforces with `invalid_blocks` (api.slack.com/reference/block-kit).
_MAX_BLOCKS, _MAX_SECTION_TEXT, _MAX_CONTEXT_ELEMENTS, _MAX_ACTION_ELEMENTS = 50, 3000, 10, 25
_MAX_ID, _MAX_VALUE, _MAX_BUTTON_TEXT, _MAX_FIELDS, _MAX_FIELD = 255, 2000, 75, 10, 2000


def block_kit_problem(raw: Any) -> str | None:
    """Why Slack would refuse these blocks, or None if it would take them."""
    blocks = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(blocks, list) or len(blocks) > _MAX_BLOCKS:
        return f"blocks must be a list of at most {_MAX_BLOCKS}"
    for i, block in enumerate(blocks):
        if problem := _block_problem(block):
            return f"blocks[{i}]: {problem}"
    return None


def _block_problem(block: dict[str, Any]) -> str | None:
    text = (block.get("text") or {}).get("text", "")
    elements = block.get("elements", [])
    if len(block.get("block_id", "")) > _MAX_ID:
        return "block_id too long"
    if block["type"] == "section" and (problem := _section_problem(text, block.get("fields"))):
        return problem
    if block["type"] == "context" and len(elements) > _MAX_CONTEXT_ELEMENTS:
        return "too many context elements"
    if block["type"] == "actions" and len(elements) > _MAX_ACTION_ELEMENTS:
        return "too many action elements"
    return next(filter(None, map(_element_problem, elements)), None)


def _section_problem(text: str, fields: list[dict[str, Any]] | None) -> str | None:
    if fields is not None:
        if not 0 < len(fields) <= _MAX_FIELDS or any(len(f["text"]) > _MAX_FIELD for f in fields):
            return f"at most {_MAX_FIELDS} fields of at most {_MAX_FIELD} characters"
        return None
    if not 0 < len(text) <= _MAX_SECTION_TEXT:
        return f"section text must be 1-{_MAX_SECTION_TEXT} characters, got {len(text)}"
    return None


def _element_problem(element: dict[str, Any]) -> str | None:
    if len(element.get("action_id", "")) > _MAX_ID or len(element.get("value", "")) > _MAX_VALUE:
        return "action_id or value too long"
    if element.get("type") == "button" and len(element["text"]["text"]) > _MAX_BUTTON_TEXT:
        return "button text too long"
    return None


def dm_channel(user_id: str) -> str:
    """The id the fake gives the DM channel with ``user_id`` (stable, so tests can predict it)."""
    return f"D{user_id}"


def _token(request: web.Request) -> str | None:
    auth = request.headers.get("Authorization", "")
    return auth.removeprefix("Bearer ") or None


async def _arguments(request: web.Request) -> dict[str, Any]:
    args: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        body = await request.json()
        args.update(body if isinstance(body, dict) else {})
    elif request.can_read_body:
        args.update(dict(await request.post()))
    return args


def _auth_test(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "ok": True,
        "url": "https://fake.slack.test/",
        "team": "Test team",
        "team_id": TEAM_ID,
        "user": "should-ai",
        "user_id": BOT_USER_ID,
        "bot_id": "BSHOULDAI",
    }


def _conversations_open(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    user = str(args.get("users", ""))
    if user in fake.dm_refused:
        return {"ok": False, "error": fake.dm_refused[user]}
    return {"ok": True, "channel": {"id": dm_channel(user)}}


def _post_message(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    channel = str(args.get("channel", ""))
    if channel in fake.not_in_channel:
        return {"ok": False, "error": "not_in_channel"}
    ts = fake.next_ts()
    return {
        "ok": True,
        "channel": channel,
        "ts": ts,
        "message": {"text": args.get("text"), "ts": ts},
    }


def _update(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "ok": True,
        "channel": args.get("channel"),
        "ts": args.get("ts"),
        "text": args.get("text"),
    }


def _ephemeral(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    if str(args.get("channel", "")) in fake.not_in_channel:
        return {"ok": False, "error": "not_in_channel"}
    return {"ok": True, "message_ts": fake.next_ts()}


def _users_info(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    user = str(args.get("user", ""))
    tz = fake.user_tz.get(user, "America/Los_Angeles")
    offset = int(ZoneInfo(tz).utcoffset(datetime.now(UTC)).total_seconds())  # type: ignore[union-attr]
    found = {"id": user, "name": user.lower(), "tz": tz, "tz_offset": offset}
    if str(args.get("include_locale", "")).lower() in ("1", "true"):  # as Slack: only if asked
        found["locale"] = fake.user_locale.get(user, fake.default_locale)
    return {"ok": True, "user": found}


def _channel_id(fake: FakeSlack, channel: str) -> str | None:
    """An id as given, or the id of a channel name ("#marketing"), which Slack also accepts."""
    if channel[:1] in ("C", "G", "D"):
        return channel
    return fake.channels_by_name.get(channel.removeprefix("#"))


def _schedule_message(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    channel = _channel_id(fake, str(args.get("channel", "")))
    post_at, now = int(float(args.get("post_at", 0))), int(time.time())
    if channel is None:
        return {"ok": False, "error": "channel_not_found"}
    if post_at <= now:
        return {"ok": False, "error": "time_in_past"}
    if post_at > now + 120 * 86400:
        return {"ok": False, "error": "time_too_far"}
    sid = f"Q{next(fake._ts):08d}"
    message = {"text": args.get("text"), "type": "message"}
    fake.scheduled[sid] = {"id": sid, "channel_id": channel, "post_at": post_at, **message}
    return {
        "ok": True,
        "channel": channel,
        "scheduled_message_id": sid,
        "post_at": post_at,
        "message": message,
    }


def _delete_scheduled(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    if fake.scheduled.pop(str(args.get("scheduled_message_id", "")), None) is None:
        return {"ok": False, "error": "invalid_scheduled_message_id"}
    return {"ok": True}


def _list_scheduled(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    messages = list(fake.scheduled.values())
    return {"ok": True, "scheduled_messages": messages, "response_metadata": {"next_cursor": ""}}


def _conversations_list(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    channels = [{"id": cid, "name": name} for name, cid in fake.channels_by_name.items()]
    return {"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}}


def _connections_open(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    return {"ok": True, "url": f"ws://127.0.0.1:{fake.port}/socket"}


def _views_open(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    """A modal opened on a trigger (an AI-help form, a "Wrong call?" form): the view, with an id."""
    if not args.get("trigger_id"):
        return {"ok": False, "error": "invalid_trigger_id"}
    view = json.loads(args["view"]) if isinstance(args.get("view"), str) else args.get("view")
    if not isinstance(view, dict) or block_kit_problem(view.get("blocks", [])):
        return {"ok": False, "error": "invalid_arguments"}
    return {"ok": True, "view": {**view, "id": f"V{fake.next_ts().replace('.', '')}"}}


_ANSWERS: dict[str, Callable[[FakeSlack, dict[str, Any]], dict[str, Any]]] = {
    "auth.test": _auth_test,
    "apps.connections.open": _connections_open,
    "conversations.open": _conversations_open,
    "chat.postMessage": _post_message,
    "chat.update": _update,
    "chat.postEphemeral": _ephemeral,
    "users.info": _users_info,
    "chat.scheduleMessage": _schedule_message,
    "chat.deleteScheduledMessage": _delete_scheduled,
    "chat.scheduledMessages.list": _list_scheduled,
    "conversations.list": _conversations_list,
    "views.open": _views_open,
}


# --- views (modals, App Home) and users.lookupByEmail (issue 14) ------------------------------

_MAX_VIEW_BLOCKS, _MAX_VIEW_TITLE, _MAX_METADATA, _MAX_INPUT_LABEL = 100, 24, 3000, 2000


def view_problem(view: Any) -> str | None:
    """Why Slack would refuse this view (a modal or a Home tab), or None if it would take it."""
    view = json.loads(view) if isinstance(view, str) else view
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        return "view must be an object of type modal or home"
    blocks = view.get("blocks")
    if not isinstance(blocks, list) or len(blocks) > _MAX_VIEW_BLOCKS:
        return f"a view holds at most {_MAX_VIEW_BLOCKS} blocks"
    if view["type"] == "modal" and not 0 < len(view["title"]["text"]) <= _MAX_VIEW_TITLE:
        return f"a modal's title is 1-{_MAX_VIEW_TITLE} characters"
    if len(view.get("private_metadata", "")) > _MAX_METADATA:
        return "private_metadata too long"
    for i, block in enumerate(blocks):
        if block["type"] == "input":
            if len(block["label"]["text"]) > _MAX_INPUT_LABEL:
                return f"blocks[{i}]: input label too long"
            continue
        if block["type"] == "header" and len(block["text"]["text"]) > 150:
            return f"blocks[{i}]: header text longer than 150"
        if block["type"] != "header" and (problem := _block_problem(block)):
            return f"blocks[{i}]: {problem}"
    return None


def _views_open_checked(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    """A modal opened on a trigger, checked against Slack's limits for views as well as the
    blocks': the view is answered with its id (the AI-help and wrong-call forms read it back)."""
    if not args.get("trigger_id"):
        return {"ok": False, "error": "invalid_trigger_id"}
    if problem := view_problem(args.get("view")):
        return {"ok": False, "error": "invalid_arguments", "errors": [problem]}
    return _views_open(fake, args)


def _views_publish(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    if not args.get("user_id"):
        return {"ok": False, "error": "invalid_arguments"}
    if problem := view_problem(args.get("view")):
        return {"ok": False, "error": "invalid_arguments", "errors": [problem]}
    return {"ok": True, "view": {"id": f"V{next(fake._ts):08d}"}}


def _lookup_by_email(fake: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    user = fake.emails.get(str(args.get("email", "")).lower())
    if user is None:
        return {"ok": False, "error": "users_not_found"}
    return {"ok": True, "user": {"id": user, "name": user.lower()}}


_ANSWERS.update(
    {
        "views.open": _views_open_checked,
        "views.publish": _views_publish,
        "users.lookupByEmail": _lookup_by_email,
    }
)
