"""Bolt listeners: which Slack payload goes where, acked at once, failures told to a person.

Every listener is registered with :func:`ack_at_once` as its ack function and does its work as a
Bolt *lazy* listener: the app runs with ``process_before_response=True``, so Bolt returns the
HTTP 200 (or the Socket Mode ack) as soon as the ack function returns, before any of the work
(deciding, Redis, Web API calls) competes for the event loop. Slack gives 3 s; we take
milliseconds. The work itself is in :mod:`handlers.slack.commands` (the command and the message
shortcut) and :mod:`handlers.slack.buttons` (Acknowledge / Reassign / Resolve); dedupe, rate
limits, deciding and the escalation rules live in ``bot/``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.policy.model import Policy
from handlers.common.i18n import _
from handlers.slack.buttons import ESCALATION_ACTIONS, EscalationButtons
from handlers.slack.commands import CommandListeners
from handlers.slack.deps import SlackDeps
from handlers.slack.escalation_modals import register_modals
from handlers.slack.home import register_home
from handlers.slack.notifier import mention_of

log = logging.getLogger(__name__)

COMMAND = "/should-ai"
SHORTCUT_CALLBACK = "ask_should_ai"


def broken_text() -> str:
    return _(
        "Something went wrong on my side and I could not finish this. Please take it to {owner} "
        "rather than to AI; the bot's log has the details for an admin."
    )


async def ack_at_once(ack: AsyncAck) -> None:
    """The ack function of every listener: an empty 200, the work follows lazily."""
    await ack()


def register(app: AsyncApp, deps: SlackDeps) -> None:
    """Attach every should-ai listener to ``app`` (which must process before responding)."""
    commands, buttons = CommandListeners(deps), EscalationButtons(deps)
    fallback = fallback_owner(deps.policy)
    app.command(COMMAND)(ack=ack_at_once, lazy=[guarded(commands.on_command, fallback)])
    app.shortcut(SHORTCUT_CALLBACK)(ack=ack_at_once, lazy=[guarded(commands.on_shortcut, fallback)])
    for action_id in ESCALATION_ACTIONS:
        app.action(action_id)(ack=ack_at_once, lazy=[guarded(buttons.on_press, fallback)])
    register_modals(app, deps, ack=ack_at_once, guarded=guarded, fallback=fallback)
    if deps.home is not None:
        register_home(app, deps.home, ack=ack_at_once)


LazyWork = Callable[..., Awaitable[None]]


def guarded(work: LazyWork, owner: Callable[[], str]) -> LazyWork:
    """``work``, but a failure is logged with its traceback and the user is told to go to a
    person (Bolt would only log one line, and the requester would wait for an answer forever)."""

    @functools.wraps(work)
    async def run(**kwargs: Any) -> None:
        try:
            await work(**kwargs)
        except Exception:
            log.exception("Slack %s failed", getattr(work, "__name__", "listener"))
            respond: AsyncRespond | None = kwargs.get("respond")
            if respond is not None:
                text = broken_text().format(owner=owner())
                await respond(text=text, response_type="ephemeral", replace_original=False)

    return run


def fallback_owner(policy: Callable[[], Policy]) -> Callable[[], str]:
    """Who a user is sent to when the bot breaks: the policy's fallback owner, as a mention."""

    def name() -> str:
        current = policy()
        return mention_of(current, current.file.fallback.owner)

    return name
