"""The Slack adapter: one Bolt AsyncApp, reached over Socket Mode, HTTP, or both.

``SLACK_APP_TOKEN`` set: Socket Mode (no public URL). ``SLACK_SIGNING_SECRET`` set: HTTP mode,
one endpoint ``POST /slack/events`` on the bot's aiohttp server (commands,
shortcuts and button presses all arrive there, signature-checked by Bolt). Both run on the
same asyncio loop as Discord and the job worker.
"""

from __future__ import annotations

import logging
from typing import Literal

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier

from bot.core import Core
from bot.escalations.permissions import Admins
from bot.settings import Settings
from handlers.common.readers import Readers
from handlers.slack import blocks, http_guard
from handlers.slack.ai_delivery import SlackDraftDelivery
from handlers.slack.ai_scheduler import SlackPostScheduler
from handlers.slack.ai_work import register_ai_actions
from handlers.slack.assists import SlackAssistShare, register_assist_actions
from handlers.slack.client import make_client
from handlers.slack.credentials import credentials
from handlers.slack.deps import SlackDeps
from handlers.slack.feedback import register_feedback
from handlers.slack.home import AppHome
from handlers.slack.http_guard import refused, signed
from handlers.slack.listeners import register
from handlers.slack.notifier import SlackNotifier
from handlers.slack.people_ids import slack_ids_by_email

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


class SlackAdapter:
    platform: Literal["slack"] = "slack"

    def __init__(
        self,
        *,
        app: AsyncApp,
        notifier: SlackNotifier,
        admins: Admins,
        app_token: str | None = None,
        signing_secret: str | None = None,
        core: Core | None = None,
    ) -> None:
        self.app = app
        # Socket Mode alone has no secret (its requests are not signed) and no HTTP route.
        self._verifier = SignatureVerifier(signing_secret) if signing_secret else None
        self.notifier = notifier
        self._admins = admins
        self._app_token = app_token
        self._socket: AsyncSocketModeHandler | None = None
        self._core = core

    def mount(self, web_app: web.Application) -> None:
        """HTTP mode: Slack posts commands, shortcuts and button presses to ``/slack/events``."""
        if self._verifier is not None:
            web_app.router.add_post(EVENTS_PATH, self.handle_http)

    async def handle_http(self, request: web.Request) -> web.Response:
        """Signature first, on the raw bytes (:mod:`handlers.slack.http_guard`), then Bolt."""
        body = await request.read()
        if self._verifier is None or not signed(self._verifier, body=body, headers=request.headers):
            return refused(status=401, why="invalid request", size=len(body))
        bolt_request = await http_guard.bolt_request(request)
        if bolt_request is None:
            return refused(status=400, why="malformed request", size=len(body))
        return await to_aiohttp_response(await self.app.async_dispatch(bolt_request))

    async def start(self) -> None:
        """People given by email get their Slack ids; Socket Mode: open the WebSocket (returns
        once connected; Bolt keeps it alive)."""
        if self._core is not None:
            policy = self._core.policy()
            self._core.resolve_slack_ids(await slack_ids_by_email(self.notifier.client, policy))
        if self._app_token:
            self._socket = AsyncSocketModeHandler(self.app, self._app_token)
            await self._socket.connect_async()  # type: ignore[no-untyped-call]

    async def stop(self) -> None:
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None

    async def notify_admins(self, *, message: str) -> None:
        """DM every Slack admin in SHOULD_AI_ADMINS (a bad policy edit, for instance)."""
        text, message_blocks = blocks.notice_message(blocks.escape(message))
        for user_id in slack_admins(self._admins):
            try:
                channel = await self.notifier.open_dm(user_id)
                await self.notifier.client.chat_postMessage(
                    channel=channel, text=text, blocks=message_blocks
                )
            except SlackApiError as e:
                log.warning(
                    "admin notice not delivered to %s: %s", user_id, e.response.get("error")
                )


def slack_admins(admins: Admins) -> list[str]:
    """The Slack user ids among SHOULD_AI_ADMINS (``U…``/``W…``, or ``slack:U…``), sorted."""
    return [u for u in admins.candidates("slack") if u[:1] in ("U", "W") and u.isalnum()]


def build(settings: Settings, core: Core) -> SlackAdapter:
    """The Slack adapter, its ports registered with ``core``; raises
    :class:`~handlers.slack.credentials.SlackConfigError` without the tokens it needs."""
    tokens = credentials(settings)
    client = make_client(token=tokens.bot_token, base_url=settings.slack_api_url)
    app = AsyncApp(
        client=client,
        signing_secret=tokens.signing_secret or "",
        request_verification_enabled=tokens.http_mode,  # Socket Mode requests are not signed
        process_before_response=True,  # ack first, then the lazy listeners (listeners.py)
    )
    readers = Readers(policy=core.policy, platform="slack", default=settings.default_language)
    notifier = SlackNotifier(client=client, policy=core.policy, readers=readers)
    deps = SlackDeps(
        commands=core.commands,
        after_decision=core.after_decision,
        presses=core.presses,
        policy=core.policy,
        notifier=notifier,
        home=AppHome(core, language_of=lambda user_id: notifier.language_of(user_id=user_id)),
    )
    register(app, deps)
    register_ai_actions(app, core.presses, policy=core.policy)
    register_assist_actions(app, core.owner_help, policy=core.policy, notifier=notifier)
    register_feedback(app, core, notifier)
    adapter = SlackAdapter(
        app=app,
        notifier=notifier,
        admins=core.admins,
        app_token=tokens.app_token,
        signing_secret=tokens.signing_secret,
        core=core,
    )
    core.register_notifier("slack", notifier)
    core.register_drafts("slack", SlackDraftDelivery(client))
    core.register_scheduler("slack", SlackPostScheduler(client))
    core.register_admin_notices(adapter)
    core.register_assist_share("slack", SlackAssistShare(notifier, core.policy))
    return adapter
